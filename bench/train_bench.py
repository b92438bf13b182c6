"""Training benchmark: NetCanvas's trainer against a minimal hand-written PyTorch loop, in one run.

    python bench/train_bench.py [--epochs N] [--repeats R]

For the MLP and the small CNN templates on digits it trains three ways, with the same
model, data, batch size, optimizer, shuffling and per-epoch validation:
  plain    a minimal hand-written loop (the reference)
  off      NetCanvas's Trainer, no callbacks (monitor off)
  on       NetCanvas's Trainer writing a live run folder (metrics, snapshots, checkpoints)
and prints samples/s (median of repeats, interleaved) and the ratios to the plain loop
(target: monitoring on >= 0.95x). A CIFAR-shaped run (the small ResNet on synthetic 3x32x32
images, bench/cifar_shaped.py) compares monitoring on with the plain loop the same way: both train the
same model on the same tensors with Adam, batch 64, randperm shuffling and the whole validation split
evaluated after every epoch; the trainer also measures the untrained model on 256 validation samples
(the curves' first point), writes metrics, norms at log points, paced snapshots, epoch views and
checkpoints. It also measures the time from ``runtime.runs.start()`` to the first metrics record on
disk, with and without a pre-started worker.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builder import templates  # noqa: E402
from builder.codegen import compile_graph  # noqa: E402
from runtime import runfiles  # noqa: E402
from runtime import runs  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.monitor import run_callbacks  # noqa: E402
from runtime.prepare import prepare  # noqa: E402
from runtime.train import Trainer  # noqa: E402

BATCH = 64
LR = 2e-3


def plain_loop(graph: dict, cfg: TrainConfig, epochs: int) -> float:
    """The reference: what one would write by hand. Returns training samples per second."""
    data = prepare(cfg, graph)
    x, y = data.train.inputs[0], data.train.target
    xv, yv = data.val.inputs[0], data.val.target
    torch.manual_seed(cfg.seed)
    model = compile_graph(graph).build()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(cfg.seed)
    n = len(x)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            float(F.cross_entropy(model(xv), yv))
    return epochs * n / (time.perf_counter() - start)


def netcanvas(graph: dict, cfg: TrainConfig, monitor: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        callbacks = run_callbacks(Path(tmp)) if monitor else []
        trainer = Trainer(cfg, graph, callbacks=callbacks)
        n = len(trainer.data.train)
        start = time.perf_counter()
        trainer.fit()
        seconds = time.perf_counter() - start
        return cfg.epochs * n / seconds


def bench_loops(epochs: int, repeats: int) -> None:
    print(f"samples/s on digits, batch {BATCH}, {epochs} epochs, median of {repeats} interleaved repeats "
          f"({torch.get_num_threads()} threads)")
    print(f"{'model':<12} {'plain':>10} {'monitor off':>12} {'monitor on':>11} {'off/plain':>10} {'on/plain':>9}")
    for key in ("mlp", "digits_cnn"):
        graph = templates.load(key)
        cfg = TrainConfig(data="digits", epochs=epochs, batch_size=BATCH, lr=LR, seed=0)
        plain, off, on = [], [], []
        netcanvas(graph, cfg, True)   # warm-up (first-call costs)
        for _ in range(repeats):
            plain.append(plain_loop(graph, cfg, epochs))
            off.append(netcanvas(graph, cfg, False))
            on.append(netcanvas(graph, cfg, True))
        p, f, o = statistics.median(plain), statistics.median(off), statistics.median(on)
        print(f"{key:<12} {p:>10.0f} {f:>12.0f} {o:>11.0f} {f / p:>10.3f} {o / p:>9.3f}")


def bench_cifar(epochs: int, repeats: int, samples: int) -> None:
    """The CIFAR-shaped run: the small ResNet on synthetic 3x32x32 images, 10 classes (bench/cifar_shaped.py)."""
    from cifar_shaped import app_run, config, plain_run, resnet_small_cifar, synthetic_prepared
    graph = resnet_small_cifar()
    prepared = synthetic_prepared(graph, samples, samples // 4)
    cfg = config(epochs, BATCH, "cpu")
    print(f"\nCIFAR-shaped: resnet_small on synthetic 3x32x32, {samples} samples, batch {BATCH}, {epochs} epochs, "
          f"median of {repeats} interleaved repeats")
    _, trainer = app_run(graph, prepared, cfg)      # warm-up (first-call costs)
    load_before = os.getloadavg()
    plain, on = [], []
    for _ in range(repeats):
        plain.append(plain_run(graph, prepared, cfg, like=trainer))
        on.append(app_run(graph, prepared, cfg)[0])
    ratios = sorted(o / p for o, p in zip(on, plain))   # each pair ran back to back: less exposed to other load
    p, o = statistics.median(plain), statistics.median(on)
    print(f"  plain {p:.0f} samples/s, monitoring on {o:.0f} samples/s, on/plain {o / p:.3f}; "
          f"median of the pairs' ratios {statistics.median(ratios):.3f} (pairs: {', '.join(f'{r:.3f}' for r in ratios)})")
    print(f"  machine load (1-minute average) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} cores): other processes' load makes single runs noisy")


def bench_first_point(repeats: int) -> None:
    graph = templates.load("digits_cnn")
    print("\ntime from runs.start() to the first metrics record on disk (digits_cnn on digits)")
    with tempfile.TemporaryDirectory() as tmp:
        for label, warm in (("cold process", False), ("pre-started worker", True)):
            times = []
            for _ in range(repeats):
                if warm:
                    runs.prewarm()
                    time.sleep(4.0)   # the worker imports torch meanwhile, as while the user reads the page
                t0 = time.perf_counter()
                if not warm:
                    runs._spare.take()   # make sure no spare is waiting
                run_dir = runs.start(graph, {"data": "digits", "epochs": 2}, root=Path(tmp))
                while not (run_dir / runfiles.METRICS).exists() or not runfiles.read_jsonl(run_dir / runfiles.METRICS)[0]:
                    time.sleep(0.005)
                times.append(time.perf_counter() - t0)
                runs.wait(run_dir, 120)
            print(f"  {label:<20} median {statistics.median(times):.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})")
        spare = runs._spare.take()
        if spare is not None:
            spare.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cifar-only", action="store_true", help="only the CIFAR-shaped run")
    parser.add_argument("--cifar-samples", type=int, default=4096, help="synthetic samples in the CIFAR-shaped run")
    parser.add_argument("--cifar-epochs", type=int, default=2, help="epochs of the CIFAR-shaped run")
    args = parser.parse_args()
    print(f"torch {torch.__version__}")
    if not args.cifar_only:
        bench_loops(args.epochs, args.repeats)
    bench_cifar(args.cifar_epochs, args.repeats, args.cifar_samples)
    if not args.cifar_only:
        bench_first_point(args.repeats)


if __name__ == "__main__":
    main()
