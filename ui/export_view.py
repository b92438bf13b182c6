"""What the Export page offers, without streamlit: exportable runs, the default pick, how to try a model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from builder.i18n import in_sentence, translate
from runtime import runfiles
from runtime import runs
from runtime.config import TrainConfig

GRAPH_ONLY = "__graph__"
TRY_KINDS = ("draw", "features", "text", "sample", "generate", "reconstruct")


def exportable_runs(root: Path | None = None) -> list[runs.RunInfo]:
    """Runs that ended with weights to export, newest first."""
    return [r for r in runs.list_runs(root)
            if r.state in ("finished", "stopped") and ((r.dir / runfiles.CKPT_BEST).exists() or (r.dir / runfiles.CKPT_LAST).exists())]


def default_source(available: list[runs.RunInfo], graph_name: str) -> str:
    """The newest run of the graph on the canvas, else the newest run, else the graph alone."""
    for r in available:
        if r.job.get("graph", {}).get("name") == graph_name:
            return r.id
    return available[0].id if available else GRAPH_ONLY


def run_label(r: runs.RunInfo, lang: str) -> str:
    """"name · data · id · validation accuracy 84.7%": the data the run trained on, its headline score."""
    s = r.summary or {}
    if isinstance(s.get("val_acc"), float):
        metric = f" · {translate('trainpage.val_metric', lang, metric=in_sentence(translate('fig.acc', lang)))} {100 * s['val_acc']:.1f}%"
    elif isinstance(s.get("val_loss"), float):
        metric = f" · {translate('trainpage.val_metric', lang, metric=in_sentence(translate('fig.loss', lang)))} {s['val_loss']:.4g}"
    else:
        metric = ""
    return f"{r.label} · {data_name(r)} · {r.id}{metric}"


def data_name(r: runs.RunInfo) -> str:
    """The data a run trained on, as the run recorded it (an upload's name, not the built-in set its
    config falls back to): its status's, else preprocess.json's, else the uploaded file's name."""
    recorded = (r.status or {}).get("data") or (runfiles.read_json(r.dir / runfiles.PREPROCESS) or {}).get("data")
    upload = r.config.get("upload")
    return str(recorded or (upload and Path(str(upload)).name) or r.config.get("data") or "?")


def script_config(choice: dict, graph: dict) -> dict:
    """The training config a graph without a run exports with: the defaults plus the Data page's choice."""
    keys = ("data", "data_options", "upload", "upload_options", "augment", "val_split", "label_noise")
    cfg = TrainConfig.from_dict({k: choice[k] for k in keys if choice.get(k) is not None})
    return cfg.to_dict()


def try_kind(predictor) -> str:
    """How a person feeds this model: draw, type features or text, pick a sample, or generate."""
    mode = predictor.mode
    if mode == "rl":
        return "play"           # an agent: play an episode in its environment (ui/rl_view.py)
    if mode == "language_model":
        return "write"
    if mode == "gan":
        return "generate"
    if mode == "vae":
        return "generate" if hasattr(predictor.module, "decode") else "reconstruct"
    if mode == "autoencoder":
        return "reconstruct"
    record = predictor.record or {}
    inputs = predictor.data_inputs()
    kind = record.get("kind")
    if record.get("tokens") and record.get("vocab"):
        return "text"
    if kind == "image" and len(inputs) == 1:
        shape = next(iter(inputs.values()))["shape"]
        if len(shape) == 3 and shape[0] in (1, 3):
            return "draw"
    if kind in ("tabular", "points2d") and len(inputs) == 1 and len(next(iter(inputs.values()))["shape"]) == 1:
        return "features"
    return "sample"


def feature_defaults(predictor) -> list[tuple[str, float]]:
    """(feature name, a typical value) for a tabular model: the training mean of each feature."""
    record = predictor.record or {}
    name, spec = next(iter(predictor.data_inputs().items()))
    width = int(spec["shape"][0])
    names = record.get("feature_names") or [f"x{i + 1}" for i in range(width)]
    mean = ((record.get("normalize") or {}).get(name) or {}).get("mean") or [0.0] * width
    return [(str(names[i]) if i < len(names) else f"x{i + 1}", float(mean[i]) if i < len(mean) else 0.0)
            for i in range(width)]


def drawing_to_input(drawing: np.ndarray, shape: list[int]) -> np.ndarray:
    """A (h, w) drawing in [0, 1] as one sample of the model's image input (C, H, W)."""
    c = int(shape[0])
    return np.repeat(drawing[None], c, axis=0).astype(np.float32)
