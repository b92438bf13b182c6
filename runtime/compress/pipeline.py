"""Compress a trained run into a new, normal run folder: prune (magnitude or structured), fine-tune
through the normal trainer, quantize, and measure before and after (docs/compression.md)."""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import checkpoint, runfiles
from . import measure
from .errors import CompressError
from .prune import check_amount, make_permanent, mask_smallest, shrink_graph
from .quantize import ao, check_quantizable, float_layers, quantize_dynamic, quantize_static, static_template
from . import QUANTIZE_MODES
from .rnn_cells import load_plain_state_dict, plain_state_dict, quantize_dynamic_as_saved

QUANTIZED_FILE = "model_int8.pt"
REPORT = "compression.json"
CALIBRATION_SAMPLES = 512


@dataclass
class Steps:
    prune: float | None = None
    structured: bool = False
    quantize: str | None = None
    finetune_epochs: int = 0

    def checked(self) -> "Steps":
        if self.prune is not None:
            check_amount(self.prune)
        if self.structured and self.prune is None:
            raise CompressError("compress.structured_needs_amount")
        if self.quantize not in (None, *QUANTIZE_MODES):
            raise CompressError("compress.quantize_mode", received=self.quantize, expected=", ".join(QUANTIZE_MODES))
        if not isinstance(self.finetune_epochs, int) or self.finetune_epochs < 0:
            raise CompressError("compress.finetune_epochs", received=self.finetune_epochs)
        if self.prune is None and self.quantize is None:
            raise CompressError("compress.nothing_asked")
        return self

    def record(self) -> list[dict]:
        """job.json's ``compression``: the steps in the order they ran."""
        out = []
        if self.prune is not None:
            out.append({"step": "prune", "amount": self.prune, "structured": self.structured})
        if self.finetune_epochs:
            out.append({"step": "finetune", "epochs": self.finetune_epochs})
        if self.quantize:
            out.append({"step": "quantize", "mode": self.quantize})
        return out


def compress(source: str | Path, out: str | Path, steps: Steps) -> dict:
    """Compress the run in ``source`` into the run folder ``out``; the report (compression.json)."""
    from ..export.common import ExportError, load_run
    from ..runs import trainer_of
    steps.checked()
    source, out = Path(source), Path(out)
    try:
        run = load_run(source)
    except ExportError as exc:
        raise CompressError("compress.no_run", path=str(source), detail=exc.message("en")) from None
    original = run.build().cpu()
    check_quantizable(original, steps.quantize)     # refused before a run folder is made
    graph, state, sizes = run.graph, run.state_dict(), {}
    if steps.prune is not None and steps.structured:
        graph, state, sizes = shrink_graph(graph, state, steps.prune)
    data = _data(run)
    with trainer_of(out, job=None):
        return _compress(run, source, out, steps, data, original, (graph, state, sizes))


def _data(run):
    from ..config import TrainConfig
    from ..prepare import prepare
    cfg = TrainConfig.from_saved(run.config)
    return cfg, prepare(cfg, run.graph)


def _compress(run, source: Path, out: Path, steps: Steps, data, original, shrunk) -> dict:
    cfg, prepared = data
    val = prepared.val or prepared.train
    classification = prepared.mode == "classification"
    before = measure.table(original, val.inputs, val.target, classification)
    layers_before = measure.per_layer(original)
    graph, state, sizes = shrunk
    _write_job(out, run, source, graph, steps)
    magnitude = steps.prune if not steps.structured else None
    model, summary = _module(graph, state), {}
    if steps.finetune_epochs:
        model, summary = _finetune(cfg, graph, state, out, steps.finetune_epochs, magnitude)
    elif magnitude is not None:
        mask_smallest(model, magnitude)
    make_permanent(model)
    final, kept_float = _quantized(model, steps.quantize, prepared)
    after = measure.table(final, val.inputs, val.target, classification,
                          QUANTIZED_FILE if steps.quantize else "weights.pt")   # bytes: the file's own size
    report = {"source": source.name, "steps": steps.record(), "before": before, "after": after,
              "sizes": {k: list(v) for k, v in sizes.items()}, "float_layers": kept_float,
              "measured_on": "validation" if prepared.val is not None else "training",
              "layers": {"before": layers_before, "after": measure.per_layer(final, _edges(layers_before))}}
    _write_run(out, run, cfg, graph, model, final if steps.quantize else None, prepared, report, summary)
    return report


def _module(graph: dict, state: dict) -> torch.nn.Module:
    from builder.codegen import compile_graph
    module = compile_graph(graph).build()
    module.load_state_dict(state)
    return module.eval()


def _finetune(cfg, graph: dict, state: dict, out: Path, epochs: int, magnitude: float | None):
    """``epochs`` more epochs of the run's own training set-up from ``state``; with ``magnitude`` the
    weights are masked first and the masks kept while training (pruned weights stay zero). The run
    folder gets the metrics as any run does."""
    from ..monitor import run_callbacks
    from ..runs import FileControl
    from ..train import Trainer
    tuned = cfg.model_copy(update={"epochs": epochs, "init_from": None, "resume": False, "early_stopping": False})
    trainer = Trainer(tuned, graph, callbacks=run_callbacks(out), control=FileControl(out))
    trainer.module.load_state_dict(state)
    if magnitude is not None:
        mask_smallest(trainer.module, magnitude)   # the optimizer keeps the same parameters (now weight_orig)
    summary = trainer.fit()
    return trainer.module.cpu().eval(), summary


def _quantized(model: torch.nn.Module, mode: str | None, prepared) -> tuple[torch.nn.Module, list[str]]:
    if mode is None:
        return model, []
    float_copy = copy.deepcopy(model).cpu().eval()
    if mode == "dynamic":
        q = quantize_dynamic(float_copy)
    else:
        q = quantize_static(float_copy, calibration_batches(prepared.train.inputs))
    return q, float_layers(q)


def calibration_batches(inputs: list[torch.Tensor], samples: int = CALIBRATION_SAMPLES, batch: int = 64) -> list[tuple]:
    """The first ``samples`` training samples in batches: what static quantization observes."""
    n = min(samples, inputs[0].shape[0])
    return [tuple(x[i:min(i + batch, n)].cpu() for x in inputs) for i in range(0, n, batch)]


def _edges(layers: dict) -> dict:
    return {name: layer["histogram"]["edges"] for name, layer in layers.items()}


def _write_job(out: Path, run, source: Path, graph: dict, steps: Steps) -> None:
    label = f"{(run.graph.get('name') or 'model')} (compressed)"
    runfiles.write_json(out / "job.json", {"config": run.config, "graph": graph, "discriminator": None,
                                           "label": label, "created": time.time(),
                                           "compressed_from": source.name, "compression": steps.record()})


def _write_run(out: Path, run, cfg, graph, model, quantized, prepared, report: dict, summary: dict) -> None:
    """The run folder's files as a finished run has them; checkpoints hold the float (pruned) weights,
    ``model_int8.pt`` the quantized state dict (LSTM/GRU cells as plain tensors: rnn_cells.py)."""
    from builder.graph import write_document
    runfiles.write_json(out / runfiles.CONFIG, cfg.to_dict())
    runfiles.write_text(out / runfiles.GRAPH, write_document(graph))
    if quantized is not None:
        torch.save(plain_state_dict(quantized), out / QUANTIZED_FILE)
    content = {k: run.checkpoint.get(k) for k in ("epoch", "step", "config", "preprocess", "class_names",
                                                   "input_names", "output_names", "mode")}
    content.update(state_dict=checkpoint.unwrap_state_dict(model), graph=graph,
                   quantization=_quantization_record(report) if quantized is not None else None)
    for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
        checkpoint.save(out / name, **content)
    if not (out / runfiles.PREPROCESS).exists():
        runfiles.write_json(out / runfiles.PREPROCESS, {
            "preprocess": prepared.preprocess, "class_names": prepared.class_names,
            "input_names": prepared.input_names, "output_names": prepared.output_names, "mode": prepared.mode,
            "data": prepared.data_name, "data_kind": prepared.data_kind})
    runfiles.write_json(out / REPORT, report)
    after = report["after"]
    runfiles.write_json(out / runfiles.SUMMARY, {**summary, "ok": True, "mode": prepared.mode, **{
        k: after[k] for k in ("val_acc", "val_loss") if k in after}, "compression": report["steps"]})
    status = runfiles.read_json(out / runfiles.STATUS, {}) or {}
    runfiles.write_json(out / runfiles.STATUS, {**status, "format_version": runfiles.RUN_FORMAT_VERSION,
                                                "state": "finished", "pid": os.getpid(), "mode": prepared.mode,
                                                "data": prepared.data_name, "updated": time.time()})


def _quantization_record(report: dict) -> dict:
    mode = next(s["mode"] for s in report["steps"] if s["step"] == "quantize")
    return {"mode": mode, "file": QUANTIZED_FILE, "float_layers": report["float_layers"]}


def load_quantized(run_dir: str | Path) -> torch.nn.Module:
    """The int8 model of a compressed run: its network quantized the way its checkpoint's record says
    (dynamic or static structure), with ``model_int8.pt`` read with ``weights_only=True``."""
    from ..export.common import load_run
    from ..export.quantized import input_shapes, quantization
    run = load_run(run_dir)
    model, record = run.build().cpu().eval(), quantization(run)
    with ao():     # quantizing and loading quantized tensors repeat torch's deprecation notices
        if record["mode"] == "dynamic":
            model = quantize_dynamic_as_saved(model, record.get("float_layers") or [])
        else:
            model = static_template(model, tuple(torch.zeros(1, *shape) for shape in input_shapes(run)))
        state = torch.load(Path(run_dir) / QUANTIZED_FILE, map_location="cpu", weights_only=True)
        return load_plain_state_dict(model, state).eval()
