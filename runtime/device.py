"""Which device a run uses: CUDA when present, else MPS, else CPU."""
from __future__ import annotations

import torch

from .config import ConfigError


def pick(requested: str = "auto") -> torch.device:
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.no_device", device="cuda")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("train.no_device", device="mps")
    return torch.device(requested)


def describe(device: torch.device) -> str:
    """A plain name for people: the GPU's model, or CPU with its thread count."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"GPU: {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    return cpu_name(torch.get_num_threads())


def cpu_name(threads: int) -> str:
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def gpu_count() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0
