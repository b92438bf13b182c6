"""Several local processes (GPUs, or CPU processes on gloo) training one model with DDP.

A run with ``devices > 1`` is started through torchrun, which sets RANK / WORLD_SIZE /
LOCAL_RANK. ``batch_size`` stays the global batch: each rank takes every world-th sample
of the same shuffled order, so one step on N ranks equals one single-process step on
the combined batch (DDP averages the gradients). Rank 0 alone writes the run folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def from_env() -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return Dist()
    return Dist(rank=int(os.environ.get("RANK", "0")), world=world, local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def init(d: Dist, device: torch.device) -> None:
    if d.enabled and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")


def mean(d: Dist, values: dict[str, float]) -> dict[str, float]:
    """The mean of each value over all ranks (one collective for the whole dict)."""
    if not d.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return {k: float(v) / d.world for k, v in zip(keys, t.tolist())}


def any_rank(d: Dist, flag: bool) -> bool:
    """True on every rank when it is true on any (stop requests, early stopping)."""
    if not d.enabled:
        return flag
    t = torch.tensor([1 if flag else 0], dtype=torch.int64)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def shutdown(d: Dist) -> None:
    if d.enabled and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
