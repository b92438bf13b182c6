"""attention.npz: what the MultiheadAttention layers of a run look at, for the Train page.

The generated code asks nn.MultiheadAttention for its output only (``need_weights=False``: the
layer returns one tensor). For a few validation samples, one extra pass here asks for the
weights too (a forward pre-hook turns ``need_weights`` on, averaged over the heads) and keeps
them: ``weights__<node>`` (n, L, S) per layer, ``tokens`` (n, L) when the input is token ids.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import runfiles

SAMPLES = 4     # validation samples whose attention is recorded


def attention_layers(watch: dict, model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """Node key -> module for every nn.MultiheadAttention among the watched modules."""
    modules = {key: model.get_submodule(path) for key, path in watch.items()}
    return {key: m for key, m in modules.items() if isinstance(m, torch.nn.MultiheadAttention)}


@torch.no_grad()
def attention_weights(model: torch.nn.Module, layers: dict[str, torch.nn.Module], inputs: list) -> dict:
    """Each layer's attention weights (n, L, S), averaged over its heads, on one eval pass of ``inputs``."""
    captured, handles = {}, []

    def ask_for_weights(_module, args, kwargs):
        return args, {**kwargs, "need_weights": True, "average_attn_weights": True}

    def keep(key):
        def hook(_module, _args, output):
            captured[key] = output[1].detach().float().cpu().numpy()
        return hook

    for key, module in layers.items():
        handles.append(module.register_forward_pre_hook(ask_for_weights, with_kwargs=True))
        handles.append(module.register_forward_hook(keep(key)))
    was = model.training
    model.eval()
    try:
        model(*inputs)
    finally:
        model.train(was)
        for handle in handles:
            handle.remove()
    return captured


def write_attention(run_dir: Path, trainer, layers: dict, epoch: int) -> None:
    """attention.npz for the first ``SAMPLES`` validation (else training) samples."""
    split = trainer.data.val or trainer.data.train
    inputs, _ = split.take(slice(0, min(SAMPLES, len(split))))
    weights = attention_weights(trainer.module, layers, inputs)
    arrays = {f"weights__{key}": value for key, value in weights.items()}
    if not inputs[0].is_floating_point() and inputs[0].ndim == 2:
        arrays["tokens"] = inputs[0].cpu().numpy()
    runfiles.write_npz(Path(run_dir) / runfiles.ATTENTION, epoch=np.array(epoch), **arrays)
