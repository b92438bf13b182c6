"""A run's trained weights as safetensors and as a plain PyTorch state dict.

Both hold the checkpoint's unwrapped ``state_dict`` under the attribute names of the
generated model class, so ``Model().load_state_dict(...)`` takes them as they are.
The safetensors file also carries the graph (``netcanvas.graph`` metadata), so it
says which network it belongs to.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from ..checkpoint import refusal
from .common import Run, generated, load_run, refused


def state_dict(source, which: str = "model") -> dict[str, torch.Tensor]:
    """The weights of a run (folder, checkpoint file or dict): contiguous CPU tensors, own storage."""
    run = load_run(source)
    generated(run.graph_of(which), which)   # invalid graphs are refused with the checker's messages
    return {k: v.detach().cpu().contiguous().clone() for k, v in run.state_dict(which).items()}


def _metadata(run: Run, which: str) -> dict[str, str]:
    graph = run.graph_of(which)
    gen = generated(graph, which)
    return {"format": "pt", "netcanvas.class": gen.class_name, "netcanvas.which": which,
            "netcanvas.graph": json.dumps(graph, ensure_ascii=False, separators=(",", ":"))}


def safetensors_bytes(source, which: str = "model") -> bytes:
    from safetensors.torch import save
    run = load_run(source)
    return save(state_dict(run, which), metadata=_metadata(run, which))


def state_dict_bytes(source, which: str = "model") -> bytes:
    buf = io.BytesIO()
    torch.save(state_dict(source, which), buf)
    return buf.getvalue()


def save_safetensors(source, path: str | Path, which: str = "model") -> Path:
    """Write the weights as ``.safetensors``; returns the path."""
    path = Path(path)
    path.write_bytes(safetensors_bytes(source, which))
    return path


def save_state_dict(source, path: str | Path, which: str = "model") -> Path:
    """Write the weights as a ``torch.save`` of the plain state dict (``.pt``); returns the path."""
    path = Path(path)
    path.write_bytes(state_dict_bytes(source, which))
    return path


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """Read exported weights back (``.safetensors``, else ``torch.load(weights_only=True)``)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file
        return load_file(str(path))
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:   # a foreign or broken file: refused, never executed
        code, args = refusal(exc)
        raise refused(code, dict(args, path=str(path))) from None
    if isinstance(payload, dict) and isinstance(payload.get("state_dict"), dict):
        payload = payload["state_dict"]   # a NetCanvas checkpoint
    return payload
