"""Hyperparameter search benchmark: what a study costs beyond its trials, and what a second worker buys.

    python bench/tune_bench.py [--trials N] [--epochs E] [--repeats R] [--worker-trials N] [--worker-epochs E]

1. Overhead: a study of N trials (the MLP template on digits, the learning rate searched, random
   sampler, no pruning, SQLite storage, run in this process) against the same N trials, with the
   study's own learning rates, trained one after another with ``runtime.train.train()`` in one
   process into run folders of their own. Both use one torch thread. Prints the wall-time ratio
   (target: <= 1.15x), the median of R interleaved repeats. 30 epochs make trials of about a second: a
   study's fixed costs per trial (Optuna's ask and tell in SQLite, ~20-40 ms) against a trial's length.
2. Workers: ``python -m runtime tune ... --workers 2`` against ``--workers 1`` (the same study,
   each from the command line, process start-up included), 20 trials (the app's default study) of
   the digits CNN for 12 epochs (~1.5 s each): a worker process takes ~3-4 s to start (torch, Optuna),
   so trials of a fraction of a second measure start-up, not search. The workers share one pool of
   trials (the one started in the command's own process runs more while the other starts). Prints the
   wall-time ratio (target on 2 free cores: <= 0.65x).
Times are wall-clock: on a machine shared with other work the figures move; say so with them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder import templates  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.train import train  # noqa: E402
from runtime.tune import read  # noqa: E402
from runtime.tune import study as studies  # noqa: E402

LR_ONLY = [{"target": "config", "name": "lr", "kind": "float", "low": 1e-3, "high": 3e-2, "log": True}]


def timed_study(root: Path, trials: int, epochs: int) -> tuple[float, list[float]]:
    """Seconds for a study of ``trials`` in this process; the learning rates it tried."""
    start = time.perf_counter()
    folder = studies.create(templates.load("mlp"), {"data": "digits", "epochs": epochs}, LR_ONLY, n_trials=trials,
                            sampler="random", pruner="none", root=root, seed=0)
    studies.run_worker(folder, trials)
    seconds = time.perf_counter() - start
    return seconds, [t.params["lr"] for t in sorted(read(folder).trials, key=lambda t: t.number)]


def timed_plain_trials(root: Path, rates: list[float], epochs: int) -> float:
    """Seconds to train the same trials one after another with ``train()``, one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    for i, lr in enumerate(rates):
        cfg = TrainConfig.from_dict({"data": "digits", "epochs": epochs, "lr": lr})
        train(cfg, templates.load("mlp"), run_dir=root / f"plain-{i}")
    seconds = time.perf_counter() - start
    torch.set_num_threads(threads)
    return seconds


def timed_cli(root: Path, trials: int, epochs: int, workers: int, template: str) -> float:
    graph = root / f"{template}.json"
    graph.write_text(json.dumps(templates.load(template)))
    space = root / "space.json"
    space.write_text(json.dumps(LR_ONLY))
    args = [sys.executable, "-m", "runtime", "tune", str(graph), "--data", "digits", "--epochs", str(epochs),
            "--trials", str(trials), "--space", str(space), "--sampler", "random", "--pruner", "none",
            "--workers", str(workers), "--out", str(root / f"w{workers}"), "--json"]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["ok"] and summary["n_complete"] == trials, done.stderr[-2000:]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker-trials", type=int, default=20)
    parser.add_argument("--worker-template", default="digits_cnn")
    parser.add_argument("--worker-epochs", type=int, default=12)
    args = parser.parse_args()
    ratios, workers = [], []
    with tempfile.TemporaryDirectory() as tmp:
        # first calls import and build what every later one reuses (torch._dynamo with the first optimizer)
        timed_study(Path(tmp) / "warm", 1, 1)
        timed_plain_trials(Path(tmp) / "warm-plain", [1e-2], 1)
        for r in range(args.repeats):
            root = Path(tmp) / f"r{r}"
            study_s, rates = timed_study(root, args.trials, args.epochs)
            plain_s = timed_plain_trials(root / "plain", rates, args.epochs)
            ratios.append(study_s / plain_s)
            print(f"repeat {r}: study {study_s:.2f} s, plain train() {plain_s:.2f} s, ratio {ratios[-1]:.3f}")
            one = timed_cli(root, args.worker_trials, args.worker_epochs, 1, args.worker_template)
            two = timed_cli(root, args.worker_trials, args.worker_epochs, 2, args.worker_template)
            workers.append(two / one)
            print(f"repeat {r}: --workers 1 {one:.2f} s, --workers 2 {two:.2f} s, ratio {workers[-1]:.3f}")
    print(f"study overhead (SQLite, {args.trials} trials x {args.epochs} epochs): "
          f"{statistics.median(ratios):.3f}x plain train() (target <= 1.15x)")
    print(f"--workers 2 / --workers 1 ({args.worker_trials} trials of {args.worker_template} x {args.worker_epochs} epochs): "
          f"{statistics.median(workers):.3f}x (target <= 0.65x on 2 free cores)")


if __name__ == "__main__":
    main()
