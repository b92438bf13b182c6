"""Checkpoints: unwrapped weights plus everything needed to use them again, loaded safely.

A checkpoint is one ``torch.save`` of plain containers and tensors, so
``torch.load(weights_only=True)`` reads it without running any pickled code.
It is written to a temporary file and renamed, so a crash never corrupts the
previous one. A file that cannot be read is refused with a message that says what
is wrong with it (damaged, not a checkpoint, or holding objects that are not allowed),
never with torch's advice to load it unsafely.
"""
from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import torch

from . import runfiles
from .config import ConfigError

FORMAT = "netcanvas.checkpoint"
VERSION = 1
NOT_OURS = "not a NetCanvas checkpoint"


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
    tmp = runfiles.temporary(path)
    with runfiles.writing(path, tmp):
        with open(tmp, "wb") as f:     # a file object: a full disk is an OSError with its errno
            torch.save(payload, f)
        os.replace(tmp, path)


def load(path: str | Path) -> dict:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConfigError("train.checkpoint_missing", path=str(path)) from None
    except Exception as exc:   # corrupt or foreign file: refused, never executed
        code, args = refusal(exc)
        raise ConfigError(code, path=str(path), **args) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConfigError("train.checkpoint_bad", path=str(path), detail=NOT_OURS)
    return payload


_UNSAFE_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_UNPICKLER_SAYS = re.compile(r"WeightsUnpickler error:\s*(.+?)(?:\n\n|$)", re.S)
_ADVICE = ("weights_only", "safe_globals", "http", "torch.load")


def refusal(exc: Exception) -> tuple[str, dict]:
    """Why ``torch.load(weights_only=True)`` refused a file: an error code and its args, keeping
    what helps (the global that is not allowed, the damage) and none of torch's advice to load
    the file unsafely."""
    text = str(exc)
    if isinstance(exc, pickle.UnpicklingError):
        unsafe = _UNSAFE_GLOBAL.search(text)
        if unsafe:
            return "train.checkpoint_unsafe", {"detail": unsafe.group(1)}
        said = _UNPICKLER_SAYS.search(text)
        return "train.checkpoint_bad", {"detail": _without_advice(said.group(1) if said else "") or NOT_OURS}
    if isinstance(exc, EOFError):
        return "train.checkpoint_damaged", {"detail": "the file ends too early"}
    if isinstance(exc, OSError):
        return "train.checkpoint_damaged", {"detail": runfiles.os_detail(exc)}
    if isinstance(exc, RuntimeError) and "PytorchStreamReader" in text:
        return "train.checkpoint_damaged", {"detail": _without_advice(text.split(". ")[0])}
    return "train.checkpoint_bad", {"detail": _without_advice(text) or NOT_OURS}


def _without_advice(text: str) -> str:
    """The first line of torch's text, or nothing if it tells the reader how to load unsafely."""
    line = text.strip().splitlines()[0][:200] if text.strip() else ""
    return "" if any(word in line for word in _ADVICE) else line
