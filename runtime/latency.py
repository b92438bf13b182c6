"""What a trained run costs to use: its parameters and its CPU latency per batch of 64, measured once and kept.

The latency is the median of repeated forward passes on one CPU thread, in eval mode without gradients,
on inputs of the graph's own shapes (token ids for integer Inputs): one thread makes runs measured on a
busy or a quiet machine comparable, and the median ignores the odd slow pass. The result is kept in the
run folder's ``latency.json`` so a page that shows it never measures a run twice.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from . import checkpoint, runfiles

LATENCY = "latency.json"
BATCH = 64
REPEATS = 15
WARMUP = 3


def run_checkpoint(run_dir: Path) -> Path | None:
    """A run's best checkpoint, else its last; None when it has none yet."""
    for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
        if (Path(run_dir) / name).is_file():
            return Path(run_dir) / name
    return None


def example_batch(result, batch: int = BATCH) -> list[torch.Tensor]:
    """One batch of inputs of a checked graph's shapes and types (random: the timing does not depend on values)."""
    from .prepare import graph_inputs
    gen = torch.Generator().manual_seed(0)
    out = []
    for spec in graph_inputs(result):
        shape = (batch, *spec["shape"])
        if spec["dtype"] == "int64":
            out.append(torch.randint(0, max(1, spec["max_token"] or 1), shape, generator=gen))
        else:
            out.append(torch.randn(shape, generator=gen))
    return out


def median_latency_ms(model: torch.nn.Module, inputs: list[torch.Tensor], repeats: int = REPEATS) -> float:
    """The median milliseconds of one forward pass on one CPU thread (the thread count is restored after)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    times = []
    try:
        with torch.inference_mode():
            for i in range(WARMUP + repeats):
                start = time.perf_counter()
                model(*inputs)
                if i >= WARMUP:
                    times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return 1000 * statistics.median(times)


def measure(run_dir: Path) -> dict | None:
    """The run's parameters and latency, measured now from its checkpoint (None without one)."""
    from builder.codegen import compile_graph
    from builder.shapes import check
    ckpt = run_checkpoint(run_dir)
    if ckpt is None:
        return None
    saved = checkpoint.load(ckpt)
    result = check(saved["graph"])
    model = compile_graph(saved["graph"], result).build()
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return {"params": sum(p.numel() for p in model.parameters()), "batch": BATCH, "threads": 1, "repeats": REPEATS,
            "latency_ms": median_latency_ms(model, example_batch(result)), "checkpoint": ckpt.name}


def run_latency(run_dir: Path) -> dict | None:
    """``latency.json`` of a run, measured first if it is not there yet (None: no checkpoint to measure)."""
    path = Path(run_dir) / LATENCY
    kept = runfiles.read_json(path)
    if isinstance(kept, dict) and "latency_ms" in kept:
        return kept
    facts = measure(run_dir)
    if facts is not None:
        runfiles.write_json(path, facts)
    return facts
