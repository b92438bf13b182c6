"""The standard sets' acceptance runs: LeNet-5 on MNIST (3 epochs, target >= 98.5% test accuracy) and
fashion_cnn on Fashion-MNIST (5 epochs, >= 89%), trained by the app's trainer with the data sets'
own defaults (runtime/config.py), exactly as ``python -m runtime train`` would.

The sets are read from ``NETCANVAS_DATA`` (default ~/.cache/netcanvas) and never downloaded here:
when a set's files are not there, its run prints ``skipped: files missing`` with the official file
names and the folder they go in. ``--stand-in`` times one epoch of each model on 60,000 random 28x28
samples instead (an uploaded NPZ, split 54,000 / 6,000 like the real runs), so one knows whether
3 and 5 epochs fit on this machine.

Runs use the threads a run started from the app gets (runtime.device.cpu_threads: 1 on 2 cores; torch's
threads wait for each other, so on busy cores 2 threads were 15x slower than 1 for LeNet-5 here).

    python bench/standard_data_bench.py [--sets mnist,fashion_mnist[,cifar10]] [--stand-in] [--threads N]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from runtime.config import MNIST_LIKE, TrainConfig  # noqa: E402
from runtime.data import standard  # noqa: E402
from runtime.device import cpu_threads  # noqa: E402
from runtime.train import train  # noqa: E402

# data set -> (template, epochs, target test accuracy); CIFAR-10 on a CPU: one epoch of VGG-11 for its time
RUNS = {"mnist": ("lenet5", 3, 0.985), "fashion_mnist": ("fashion_cnn", 5, 0.89), "cifar10": ("vgg11_cifar", 1, None)}
STAND_IN_SAMPLES = 60_000


def missing_files(data: str) -> list[Path]:
    """The set's official files not in its cache folder (NETCANVAS_DATA/<set>/): the table in runtime.data.standard."""
    folder = standard.folder(data)
    return [folder / name for name in standard.missing_files(data)]


def train_seconds(cfg: TrainConfig, graph: dict) -> tuple[dict, float]:
    start = time.perf_counter()
    _, summary = train(cfg, graph)
    return summary, time.perf_counter() - start


def accuracy_text(summary: dict, target: float | None) -> str:
    if "test_acc" in summary:
        acc, where = summary["test_acc"], "test"
    else:                   # a build whose set keeps no test split: say so rather than pass it off as test
        acc, where = summary.get("val_acc", float("nan")), "validation"
    verdict = "" if target is None else f"  target {target:.3f}: {'met' if acc >= target else 'NOT met'}"
    return f"{where} accuracy {acc:.4f}{verdict}"


def real_run(data: str) -> None:
    key, epochs, target = RUNS[data]
    lacking = missing_files(data)
    if lacking:
        print(f"{data:<14} skipped: files missing in {standard.folder(data)}: {', '.join(p.name for p in lacking)}")
        return
    summary, seconds = train_seconds(TrainConfig(data=data, epochs=epochs, seed=0), templates.load(key))
    print(f"{data:<14} {key} {epochs} epochs: {accuracy_text(summary, target)}, {seconds / epochs:.1f} s/epoch "
          f"({summary.get('samples_per_s', 0):.0f} samples/s, {summary.get('device')})", flush=True)


def stand_in_upload(folder: Path) -> Path:
    """60,000 random 1x28x28 uint8 images with 10 random labels, as an NPZ upload."""
    rng = np.random.default_rng(0)
    path = folder / "random28.npz"
    np.savez(path, x=rng.integers(0, 256, (STAND_IN_SAMPLES, 1, 28, 28), dtype=np.uint8),
             y=rng.integers(0, 10, STAND_IN_SAMPLES))
    return path


def stand_in(sets: list[str]) -> None:
    print(f"stand-in: one epoch on {STAND_IN_SAMPLES:,} random 1x28x28 samples (54,000 trained, 6,000 validated)")
    with tempfile.TemporaryDirectory() as tmp:
        upload = str(stand_in_upload(Path(tmp)))
        for key, epochs, _ in (RUNS[s] for s in sets if s in MNIST_LIKE):
            cfg = TrainConfig(upload=upload, epochs=1, batch_size=64, val_split=0.1, seed=0)   # the sets' batch and split
            summary, seconds = train_seconds(cfg, templates.load(key))
            print(f"  {key:<12} {seconds:6.1f} s/epoch ({summary.get('samples_per_s', 0):.0f} samples/s): "
                  f"{epochs} epochs ~ {epochs * seconds / 60:.1f} min", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="mnist,fashion_mnist", help="of " + ", ".join(RUNS))
    parser.add_argument("--stand-in", action="store_true", help="time the models on random data instead")
    parser.add_argument("--threads", type=int, default=cpu_threads(),
                        help="torch threads (default: what a run started from the app gets)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, args.threads))
    sets = [s for s in args.sets.split(",") if s]
    unknown = sorted(set(sets) - set(RUNS))
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}: choose from {', '.join(RUNS)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), data in {standard.cache_root()}")
    if args.stand_in:
        stand_in(sets)
        return
    for data in sets:
        real_run(data)


if __name__ == "__main__":
    main()
