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


# -- what runs where on an accelerator (pure decisions; the trainer asks the device for the facts) ----------
DEVICE_DATA_SHARE = 0.4   # of the free device memory; the rest is the model's, its gradients' and activations'


def data_placement(data_bytes: int, device_type: str, free_bytes: int | None) -> str:
    """Where a run's data live: "device" (indexed there, no copies per step) or "host" (page-locked batches
    copied to the device with ``non_blocking``): data over ``DEVICE_DATA_SHARE`` of the device's free
    memory stay on the host. A CPU (and MPS, whose memory is the host's) keeps everything as it is."""
    if device_type != "cuda" or free_bytes is None:
        return "device"
    return "device" if data_bytes <= DEVICE_DATA_SHARE * free_bytes else "host"


def free_memory(device: torch.device) -> int | None:
    """Free bytes on a CUDA device (None elsewhere)."""
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return int(free)


def amp_mode(requested: str, device_type: str, bf16_supported: bool) -> str:
    """The mixed precision a run computes in: "off", "bf16" or "fp16". "auto" takes bfloat16 where the GPU
    has it (no loss scaling needed), float16 with a loss scaler on older CUDA GPUs, and float32 elsewhere:
    a CPU never gets half precision it did not ask for."""
    if requested != "auto":
        return requested
    if device_type != "cuda":
        return "off"
    return "bf16" if bf16_supported else "fp16"


def bf16_supported(device: torch.device) -> bool:
    return device.type == "cuda" and torch.cuda.is_bf16_supported()


def channels_last(requested: str, device_type: str, has_conv2d: bool) -> bool:
    """Whether the model and its 4-D image batches use the channels-last layout: "auto" uses it on CUDA for
    graphs with a Conv2d (tensor cores read NHWC); a CPU keeps the contiguous layout unless asked."""
    if requested == "auto":
        return device_type == "cuda" and has_conv2d
    return requested == "channels_last"
