"""What compression changes, measured the same way before and after: parameters, non-zero
parameters, bytes of the saved weights, CPU latency per batch of 64 (median, one thread) and the
validation accuracy or loss; per layer: sparsity and a weight histogram (data for plots)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..latency import BATCH, median_latency_ms   # one latency measure: Compare's and this table's
from .rnn_cells import plain_state_dict

HISTOGRAM_BINS = 41


def own_tensors(layer: nn.Module) -> dict[str, torch.Tensor]:
    """A layer's own weights and biases as float tensors, for float and quantized layers alike."""
    if hasattr(layer, "get_weight") and hasattr(layer, "get_bias"):      # dynamic int8 LSTM/GRU
        found = {**layer.get_weight(), **layer.get_bias()}
    elif callable(getattr(layer, "weight", None)):                       # int8 Linear/Conv
        found = {"weight": layer.weight(), "bias": layer.bias()}
    else:
        found = dict(layer.named_parameters(recurse=False))
    return {k: (v.dequantize() if v.is_quantized else v).detach() for k, v in found.items() if v is not None}


def layers_with_weights(module: nn.Module) -> dict[str, dict[str, torch.Tensor]]:
    out = {}
    for name, layer in module.named_modules():
        tensors = own_tensors(layer)
        if tensors:
            out[name] = tensors
    return out


def count(module: nn.Module) -> tuple[int, int]:
    """(parameters, non-zero parameters) over every layer's weights and biases."""
    total = nonzero = 0
    for tensors in layers_with_weights(module).values():
        for t in tensors.values():
            total += t.numel()
            nonzero += int(torch.count_nonzero(t))
    return total, nonzero


def saved_bytes(module: nn.Module, file_name: str = "weights.pt") -> int:
    """Size of ``torch.save(state_dict)`` (int8 LSTM/GRU cells as plain tensors): what the weights
    file ``file_name`` of this model weighs (the archive holds the name, so it counts too)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file_name
        torch.save(plain_state_dict(module), path)
        return path.stat().st_size


def latency_batch(inputs: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    """The first 64 samples (repeated when the split is smaller)."""
    n = inputs[0].shape[0]
    idx = torch.arange(BATCH) % n
    return tuple(x[idx].cpu() for x in inputs)


def score(module: nn.Module, inputs: list[torch.Tensor], target: torch.Tensor, classification: bool) -> dict:
    """{"val_acc"} for classification (share of argmax == label), else {"val_loss"} (mean squared error)."""
    with torch.inference_mode():
        out = torch.cat([module(*[x[i:i + 256].cpu() for x in inputs]) for i in range(0, len(target), 256)])
    target = target.cpu()
    if classification:
        return {"val_acc": float((out.argmax(1) == target).float().mean())}
    return {"val_loss": float(nn.functional.mse_loss(out.float(), target.reshape(out.shape).float()))}


def per_layer(module: nn.Module, edges: dict | None = None) -> dict[str, dict]:
    """{layer: {"sparsity", "weights", "histogram": {"edges", "counts"}}} for every layer's weight; with
    ``edges`` ({layer: bin edges}, the "before" ones) the histograms share bins with those."""
    out = {}
    for name, tensors in layers_with_weights(module).items():
        w = tensors.get("weight", next(iter(tensors.values()))).float().reshape(-1)
        out[name] = {"weights": w.numel(), "sparsity": float((w == 0).float().mean()),
                     "histogram": histogram(w, (edges or {}).get(name))}
    return out


def histogram(w: torch.Tensor, edges: list | None = None) -> dict:
    values = w.numpy()
    if edges is None:
        edges = np.linspace(float(values.min()), float(values.max()) or 1.0, HISTOGRAM_BINS + 1)
    counts, edges = np.histogram(values, bins=edges)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def table(module: nn.Module, inputs: list[torch.Tensor], target: torch.Tensor, classification: bool,
          file_name: str = "weights.pt") -> dict:
    """The whole-model row of the before/after table; ``bytes`` as saved in ``file_name``."""
    params, nonzero = count(module)
    return {"params": params, "nonzero": nonzero, "bytes": saved_bytes(module, file_name),
            "latency_ms": round(median_latency_ms(module, list(latency_batch(inputs))), 4),
            **score(module, inputs, target, classification)}
