"""Checkpoints: unwrapped weights plus everything needed to use them again, loaded safely.

A checkpoint is one ``torch.save`` of plain containers and tensors, so
``torch.load(weights_only=True)`` reads it without running any pickled code.
It is written to a temporary file and renamed, so a crash never corrupts the
previous one.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .config import ConfigError

FORMAT = "netcanvas.checkpoint"
VERSION = 1


def unwrap_state_dict(module: torch.nn.Module) -> dict:
    """Weights without DDP's ``module.`` or torch.compile's ``_orig_mod.`` prefixes."""
    module = getattr(module, "_orig_mod", module)
    module = getattr(module, "module", module)
    out = {}
    for key, value in module.state_dict().items():
        for prefix in ("_orig_mod.", "module."):
            while key.startswith(prefix):
                key = key[len(prefix):]
        out[key] = value.detach().cpu().clone()
    return out


def save(path: Path, **content) -> None:
    payload = {"format": FORMAT, "version": VERSION, **content}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load(path: str | Path) -> dict:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConfigError("train.checkpoint_missing", path=str(path)) from None
    except Exception as exc:   # corrupt or foreign file: refused, never executed
        raise ConfigError("train.checkpoint_bad", path=str(path), detail=str(exc)[:200]) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConfigError("train.checkpoint_bad", path=str(path), detail="not a NetCanvas checkpoint")
    return payload
