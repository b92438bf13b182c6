"""The export bundle: one zip with everything needed to use or retrain a run without NetCanvas.

    graph.json          the graph (open it in NetCanvas again)
    model.py            the generated model source (needs only torch; runs a smoke test)
    train.py            the standalone training script (script.py)
    weights.safetensors, weights.pt   the trained weights (weights.py)
    config.json         the training config
    preprocess.json     how the data were prepared (normalisation, classes, vocabulary)
    README.md           how to run it
    quantize.py, model_int8.pt   a compressed run's int8 model (quantized.py)
    GAN runs also hold discriminator.json / discriminator.py / discriminator.safetensors / discriminator.pt;
    with ``onnx=True``, model.onnx.

Entries get a fixed timestamp, so the same run gives the same files, the weight files aside
(``torch.save`` writes a random serialization id, safetensors its metadata in any order).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from builder.graph import write_document
from builder.i18n import DEFAULT_LANG, translate

from . import weights
from .common import Run, dumps, generated, load_run, preprocess_file
from .quantized import quantized_files
from .script import training_script

DATE = (2024, 1, 1, 0, 0, 0)


def bundle_files(source, *, lang: str = DEFAULT_LANG, onnx: bool = False) -> dict[str, bytes]:
    """{file name: content} of the bundle, in the order they are zipped."""
    run = load_run(source)
    gen = generated(run.graph)   # invalid graphs are refused with the checker's messages
    gan = run.mode == "gan" and run.discriminator is not None
    files: dict[str, bytes] = {
        "README.md": readme(run, lang, onnx=onnx).encode(),
        "graph.json": write_document(run.graph).encode(),
        "model.py": gen.source.encode(),
        "train.py": training_script(run.graph, run.config, run.preprocess, run.discriminator if gan else None).encode(),
        "weights.safetensors": weights.safetensors_bytes(run),
        "weights.pt": weights.state_dict_bytes(run),
        "config.json": dumps(run.config).encode(),
        "preprocess.json": dumps(preprocess_file(run)).encode(),
    }
    if gan:
        files["discriminator.json"] = write_document(run.discriminator).encode()
        files["discriminator.py"] = generated(run.discriminator, "discriminator").source.encode()
        if run.checkpoint.get("discriminator_state_dict"):
            files["discriminator.safetensors"] = weights.safetensors_bytes(run, "discriminator")
            files["discriminator.pt"] = weights.state_dict_bytes(run, "discriminator")
    files.update(quantized_files(run))
    if onnx:
        from .onnx_export import export_onnx
        files["model.onnx"] = export_onnx(run, check=False).data
    return files


def bundle_bytes(source, *, lang: str = DEFAULT_LANG, onnx: bool = False) -> bytes:
    """The bundle as zip bytes (for a download button)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in bundle_files(source, lang=lang, onnx=onnx).items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)
    return buf.getvalue()


def make_bundle(source, path: str | Path, *, lang: str = DEFAULT_LANG, onnx: bool = False) -> Path:
    """Write the bundle zip to ``path``; returns the path."""
    path = Path(path)
    path.write_bytes(bundle_bytes(source, lang=lang, onnx=onnx))
    return path


def readme(run: Run, lang: str = DEFAULT_LANG, onnx: bool = False) -> str:
    gen = generated(run.graph)
    cls = gen.class_name
    record = run.preprocess or {}
    data = record.get("data") or record.get("env") or run.config.get("data") or "?"
    lines = [f"# {_md(run.name)}", "", translate("export.readme_intro", lang, mode=run.mode, data=_md(str(data))), "",
             "## " + translate("export.readme_files", lang), ""]
    for name, key in (("model.py", "export.readme_model"), ("weights.safetensors, weights.pt", "export.readme_weights"),
                      ("train.py", "export.readme_train"), ("graph.json", "export.readme_graph"),
                      ("config.json", "export.readme_config"), ("preprocess.json", "export.readme_preprocess")):
        lines.append(f"- `{name}`: {translate(key, lang)}")
    if run.mode == "gan":
        lines.append(f"- `discriminator.*`: {translate('export.readme_discriminator', lang)}")
    if onnx:
        lines.append(f"- `model.onnx`: {translate('export.readme_onnx', lang)}")
    if run.checkpoint.get("quantization"):
        lines.append(f"- `quantize.py`, `model_int8.pt`: {translate('export.readme_int8', lang)}")
    lines += ["", "## " + translate("export.readme_use", lang), "", "```python", "import torch",
              "from safetensors.torch import load_file", f"from model import {cls}", "",
              f"model = {cls}()",
              'model.load_state_dict(load_file("weights.safetensors"))   '
              '# or torch.load("weights.pt", weights_only=True)',
              "model.eval()", "```", ""]
    lines += [translate("export.readme_inputs", lang), ""]
    for name, rec in (record.get("normalize") or {}).items():
        lines.append(f"- `{_md(name)}`: (x - mean) / std, " + translate("export.readme_stats", lang))
    if record.get("reshape") and run.mode != "rl":     # an agent's record binds its environment (runtime/rl)
        for gname, b in record["reshape"].items():
            if b["from"] != b["to"]:
                lines.append(f"- `{_md(b['source'])}` {tuple(b['from'])} -> `{_md(gname)}` {tuple(b['to'])}")
    if record.get("target"):
        lines.append("- " + translate("export.readme_target", lang))
    if run.class_names:
        lines.append("- " + translate("export.readme_classes", lang, n=len(run.class_names)))
    if run.mode == "rl":        # an agent's train.py plays its environment (runtime/export/rl_script.py)
        retrain = ['pip install torch numpy "gymnasium[classic-control]==1.4.0"',
                   "python train.py --episodes 300          # " + translate("export.readme_one_device", lang)]
    else:
        retrain = ["pip install torch numpy" + (" scikit-learn" if "from sklearn import" in training_script_imports(run)
                                                else ""),
                   "python model.py                          # " + translate("export.readme_smoke", lang),
                   "python train.py --epochs 20              # " + translate("export.readme_one_device", lang),
                   "torchrun --nproc_per_node=2 train.py     # " + translate("export.readme_ddp", lang)]
    lines += ["", "## " + translate("export.readme_retrain", lang), "", "```bash", *retrain, "```", ""]
    return "\n".join(lines)


def training_script_imports(run: Run) -> str:
    cfg = run.config or {}
    data = (run.preprocess or {}).get("data") or cfg.get("data")
    return "from sklearn import" if not cfg.get("upload") and data in ("digits", "iris", "wine", "breast_cancer",
                                                                       "diabetes") else ""


def _md(text: str) -> str:
    """User text in Markdown: one line, no markup characters."""
    return "".join(c for c in str(text) if c not in "`*_[]<>#|\n\r")[:80]
