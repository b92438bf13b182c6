"""Which device a run uses: CUDA when present, else MPS, else CPU."""
from __future__ import annotations

import os

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


def facts(device: torch.device, threads: int | None = None) -> dict:
    """The device as status.json records it: ``device``, a plain name for people (as is, in English),
    and what a reader translates from: ``device_kind`` ("cpu", "cuda" or "mps") and, on a CPU,
    ``threads`` (this process's torch threads unless given)."""
    if device.type != "cpu":
        return {"device": describe(device), "device_kind": device.type}
    threads = torch.get_num_threads() if threads is None else threads
    return {"device": cpu_name(threads), "device_kind": "cpu", "threads": threads}


def gpu_count() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


# Pasted into the exported train.py (runtime.export.script): standard library only.
def cpu_threads(processes=1):
    """CPU threads for one training process: the cores it may use less one, left to the rest of the
    machine (the app, a browser, a shell), shared among ``processes`` on this machine; at least one.
    OMP_NUM_THREADS, when set, wins. Torch's threads wait for each other at every operation, so a
    core taken by something else slows a run that uses all of them far more than its share
    (measured on 2 busy cores: 36% slower with 2 threads than with 1, which the small CNN on
    digits runs as fast on)."""
    if os.environ.get("OMP_NUM_THREADS", "").strip().isdigit():
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        cores = os.cpu_count() or 1
    return max(1, (cores - 1) // max(1, processes))
