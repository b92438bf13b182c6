"""ONNX export of a trained model, checked in onnxruntime against PyTorch.

``export_onnx`` writes the model (``part="model"``), a VAE's decoder (``"decoder"``)
or a GAN's discriminator (``"discriminator"``) with a fixed or a dynamic batch size,
runs the file in onnxruntime on inputs of the right dtype and range, and reports the
largest absolute difference from the PyTorch module's outputs.

With ``with_preprocess=True`` the graph also holds the run's preprocessing (missing-
value fill, normalisation with the stored statistics, reshape onto the model's
Inputs), so it takes raw data named like the data's inputs. Either way the record,
class names and input/output names travel as ONNX metadata (``netcanvas.*``).
"""
from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import json
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .common import ExportError, generated, load_module, load_run

CHECK_BATCH_SIZES = (1, 3)


@dataclass
class OnnxResult:
    path: Path | None
    data: bytes
    input_names: list[str]
    output_names: list[str]
    dynamic_batch: bool
    max_abs_diff: float | None = None
    checked_batch_sizes: list[int] = field(default_factory=list)
    exporter: str = "dynamo"


class _Decoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, z):
        return self.model.decode(z)


class WithPreprocess(nn.Module):
    """Raw data inputs -> the run's preprocessing -> the model (one graph for ONNX).

    The same steps as ``runtime.data.portable.to_model_inputs`` (fill, normalise, rename and
    reshape), with the statistics held as buffers so the exporters see constants."""

    def __init__(self, model: nn.Module, record: dict, data_names: list[str], model_inputs: list[str]):
        super().__init__()
        self.model = model
        self.data_names = list(data_names)
        self.steps = []   # per data input: (fill?, normalise?)
        for i, name in enumerate(self.data_names):
            fill = (record.get("fill") or {}).get(name)
            norm = (record.get("normalize") or {}).get(name)
            if fill:
                self.register_buffer(f"fill_{i}", torch.tensor(fill["value"], dtype=torch.float32))
            if norm:
                self.register_buffer(f"mean_{i}", torch.tensor(norm["mean"], dtype=torch.float32).reshape(norm["shape"]))
                self.register_buffer(f"std_{i}", torch.tensor(norm["std"], dtype=torch.float32).reshape(norm["shape"]))
            self.steps.append((bool(fill), bool(norm)))
        reshape = record.get("reshape") or {}
        self.routes = [(self.data_names.index(reshape[n]["source"]), tuple(reshape[n]["to"])) if n in reshape
                       else (self.data_names.index(n), None) for n in model_inputs]

    def forward(self, *data):
        prepared = []
        for i, x in enumerate(data):
            fill, norm = self.steps[i]
            if fill:
                x = torch.where(torch.isnan(x), getattr(self, f"fill_{i}").expand_as(x), x)
            if norm:
                x = (x - getattr(self, f"mean_{i}")) / getattr(self, f"std_{i}")
            prepared.append(x)
        inputs = [prepared[i] if shape is None else prepared[i].reshape(prepared[i].shape[0], *shape)
                  for i, shape in self.routes]
        return self.model(*inputs)


def _part(run, part: str):
    """(module to export, its graph, input names, output names, example-input maker)."""
    which = "discriminator" if part == "discriminator" else "model"
    graph = run.graph_of(which)
    gen = generated(graph, which)
    source_module = load_module(gen.source)
    module = run.build(which)
    inputs = list(module.input_names)
    outputs = list(module.output_names)
    examples = source_module.example_inputs
    if part == "decoder":
        if not hasattr(module, "decode"):
            raise ExportError("export.no_decoder")
        latent = tuple(module.latent_shape)
        recon = [n for n in outputs if n == "recon"] or outputs[:1]
        return _Decoder(module).eval(), ["z"], recon, lambda n: (torch.randn(n, *latent),)
    return module, inputs, outputs, examples


def _raw_examples(record: dict, n: int, gen: torch.Generator):
    """Random raw data shaped and typed like the run's data inputs."""
    out = []
    for name, spec in record["inputs"].items():
        shape = (n, *spec["shape"])
        if spec["dtype"] == "int64":
            limit = len(record.get("vocab") or []) or 2
            out.append(torch.randint(0, limit, shape, generator=gen))
        else:
            x = torch.rand(shape, generator=gen)
            rec = (record.get("normalize") or {}).get(name)
            if rec:   # samples around the data's own scale
                mean = torch.tensor(rec["mean"]).reshape(rec["shape"])
                std = torch.tensor(rec["std"]).reshape(rec["shape"])
                x = (x * 2 - 1) * std + mean
            out.append(x.float())
    return tuple(out)


def export_onnx(source, path: str | Path | None = None, *, part: str = "model", dynamic_batch: bool = True,
                batch_size: int = 1, with_preprocess: bool = False, check: bool = True,
                opset: int | None = None) -> OnnxResult:
    """Export to ONNX (written to ``path`` when given) and check it in onnxruntime.

    ``dynamic_batch``: the batch dimension is symbolic ("batch"); else fixed at ``batch_size``.
    Returns the file's bytes and, when ``check``, the max abs difference from PyTorch."""
    if part not in ("model", "decoder", "discriminator"):
        raise ExportError("export.onnx_part", part=str(part)[:40])
    if any(importlib.util.find_spec(m) is None for m in ("onnx", "onnxscript", "onnxruntime")):
        raise ExportError("export.onnx_missing")   # a message, not an ImportError deep inside torch
    run = load_run(source)
    module, input_names, output_names, examples = _part(run, part)
    if with_preprocess:
        record = run.preprocess or {}
        if part != "model" or not record.get("inputs") or len(record.get("reshape") or {}) != len(input_names):
            raise ExportError("export.onnx_no_preprocess")
        data_names = list(record["inputs"])
        module = WithPreprocess(module, record, data_names, input_names).eval()
        input_names = data_names
        gen = torch.Generator().manual_seed(0)
        examples = lambda n: _raw_examples(record, n, gen)   # noqa: E731
    sample = tuple(examples(2 if dynamic_batch else batch_size))
    data, exporter = _export(module, sample, input_names, output_names, dynamic_batch, opset)
    data = _with_metadata(data, run, part, input_names, output_names, with_preprocess)
    result = OnnxResult(path=Path(path) if path else None, data=data, input_names=input_names,
                        output_names=output_names, dynamic_batch=dynamic_batch, exporter=exporter)
    if check:
        sizes = list(CHECK_BATCH_SIZES) if dynamic_batch else [batch_size]
        diffs = [max_abs_diff(data, module, tuple(examples(n))) for n in sizes]
        result.max_abs_diff = max(diffs)
        result.checked_batch_sizes = sizes
    if result.path is not None:
        result.path.write_bytes(data)
    return result


@contextlib.contextmanager
def _quiet():
    """The exporters talk a lot (progress lines, deprecation warnings): keep it out of the user's way."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "torch.fx",
                                               "torch._export", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _export(module, sample, input_names, output_names, dynamic_batch, opset) -> tuple[bytes, str]:
    """The dynamo exporter (torch.export + onnxscript); the TorchScript one when it cannot."""
    kwargs = {"opset_version": opset} if opset else {}
    errors = []
    with _quiet():
        try:
            dynamic = None
            if dynamic_batch:
                batch = torch.export.Dim("batch")
                dynamic = tuple({0: batch} for _ in sample)
                if any(p.kind is inspect.Parameter.VAR_POSITIONAL
                       for p in inspect.signature(module.forward).parameters.values()):
                    dynamic = (dynamic,)   # forward(*data): one parameter holding all inputs
            program = torch.onnx.export(module, sample, dynamo=True, input_names=input_names,
                                        output_names=output_names, dynamic_shapes=dynamic, verbose=False, **kwargs)
            return program.model_proto.SerializeToString(), "dynamo"
        except Exception as exc:   # an op torch.export cannot capture: try the older exporter
            errors.append(f"{type(exc).__name__}: {exc}")
        try:
            buf = io.BytesIO()
            axes = {n: {0: "batch"} for n in [*input_names, *output_names]} if dynamic_batch else None
            torch.onnx.export(module, sample, buf, dynamo=False, input_names=input_names, output_names=output_names,
                              dynamic_axes=axes, **kwargs)
            return buf.getvalue(), "torchscript"
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    raise ExportError("export.onnx_failed", detail=" | ".join(e[:300] for e in errors))


def _with_metadata(data: bytes, run, part: str, input_names, output_names, with_preprocess: bool) -> bytes:
    import onnx
    proto = onnx.load_from_string(data)
    props = {
        "netcanvas.graph_name": run.name,
        "netcanvas.part": part,
        "netcanvas.mode": run.mode,
        "netcanvas.inputs": json.dumps(list(input_names)),
        "netcanvas.outputs": json.dumps(list(output_names)),
        "netcanvas.preprocess_included": json.dumps(with_preprocess),
        "netcanvas.preprocess": json.dumps(run.preprocess, ensure_ascii=False),
        "netcanvas.class_names": json.dumps(run.class_names, ensure_ascii=False),
    }
    existing = {p.key: p for p in proto.metadata_props}
    for key, value in props.items():
        if key in existing:
            existing[key].value = value
        else:
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
    return proto.SerializeToString()


def run_onnx(data: bytes | str | Path, inputs, threads: int | None = 1) -> list[np.ndarray]:
    """Run an ONNX model in onnxruntime (CPU) on a tuple of tensors/arrays, in input order.

    ``threads``: onnxruntime's intra-op threads (1 by default: checks use small batches, and
    spinning worker threads only slow a busy machine down); None lets onnxruntime decide."""
    import onnxruntime as ort
    if isinstance(data, (str, Path)):
        data = Path(data).read_bytes()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    feeds = {}
    for meta, x in zip(session.get_inputs(), inputs):
        feeds[meta.name] = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return session.run(None, feeds)


@torch.no_grad()
def max_abs_diff(data: bytes, module: nn.Module, inputs) -> float:
    """Largest absolute difference between onnxruntime's and PyTorch's outputs."""
    ours = run_onnx(data, inputs)
    ref = module(*inputs)
    ref = ref if isinstance(ref, tuple) else (ref,)
    if len(ref) != len(ours):
        raise ExportError("export.onnx_failed", detail=f"{len(ours)} outputs from onnxruntime, {len(ref)} from PyTorch")
    return max(float(np.max(np.abs(o.astype(np.float64) - r.float().numpy().astype(np.float64)))) if r.numel() else 0.0
               for o, r in zip(ours, ref))
