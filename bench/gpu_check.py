"""The GPU check: the CIFAR-shaped ResNet-18 trained by NetCanvas's trainer (monitoring on) and by a plain
PyTorch loop in the same run, on synthetic data of CIFAR-10's shape; samples/s for each, their ratio and the
peak GPU memory. With CIFAR-10's files in NETCANVAS_DATA/cifar10/ (and the reader that loads them), also
2 epochs of test accuracy.

    bash bench/gpu_check.sh                 # on a GPU machine: within 5 minutes on one modern GPU
    bash bench/gpu_check.sh --cpu --quick   # a few steps on the CPU (CI)

Both loops use what the trainer decides for the device (``runtime.device``): bfloat16 or float16 autocast
(``--amp``, automatic by default), channels-last for the convolutions, data on the device.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cifar_shaped import (app_run, config, parameter_count, plain_run, resnet18_cifar,  # noqa: E402
                          synthetic_prepared)
from runtime.config import CIFAR_AUGMENT  # noqa: E402  (cifar_shaped puts the project on the path)



def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true", help="train on the CPU (no GPU needed)")
    parser.add_argument("--quick", action="store_true", help="a few steps with a small batch (CI)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic data only, even when CIFAR-10 is there")
    parser.add_argument("--amp", default="auto", choices=("auto", "off", "bf16", "fp16"))
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None, help="synthetic training samples")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--compile", action="store_true", help="torch.compile both models")
    return parser.parse_args(argv)


def sizes(args) -> tuple[int, int, int]:
    """(training samples, batch size, epochs): tiny for --quick, about a minute a loop on a modern GPU else."""
    quick = args.quick
    batch = args.batch_size or (16 if quick else 512)
    samples = args.samples or (4 * batch if quick else 50 * batch * 2)
    epochs = args.epochs or (1 if quick else 3)
    return samples - samples % batch, batch, epochs


def peak_memory(device: torch.device) -> str:
    if device.type != "cuda":
        return "n/a (cpu)"
    return f"{torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def throughput(args) -> None:
    device = "cpu" if args.cpu else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_check: no CUDA device here; run with --cpu --quick for the CPU check")
    n, batch, epochs = sizes(args)
    graph = resnet18_cifar()
    prepared = synthetic_prepared(graph, n, max(batch, n // 10))
    cfg = config(epochs, batch, device, args.amp, log_points_per_epoch=5, compile=args.compile)
    print(f"model: resnet18_cifar ({parameter_count(graph):,} parameters)")
    if not args.quick:      # warm-up: cuDNN's kernel choice, the allocator, first-call costs
        app_run(graph, prepared, config(1, batch, device, args.amp), monitor=False)
    reset_peak(torch.device(device))
    app, trainer = app_run(graph, prepared, cfg)
    app_peak = peak_memory(trainer.device)
    reset_peak(trainer.device)
    plain = plain_run(graph, prepared, cfg, like=trainer)
    print(f"device: {trainer.device_name}; amp {trainer.amp}; channels_last {trainer.channels_last}; "
          f"data on the {trainer.data_placement}")
    print(f"data: synthetic 3x32x32, {n} training samples, batch {batch}, {epochs} epoch(s)")
    print(f"plain loop: {plain:.1f} samples/s")
    print(f"app trainer: {app:.1f} samples/s (monitoring on)")
    note = " (quick: 4 steps, the run's fixed costs dominate: a smoke test, not a measurement)" if args.quick else ""
    print(f"ratio: {app / plain:.3f}{note}")
    print(f"peak GPU memory: app {app_peak}, plain {peak_memory(trainer.device)}")
    if trainer.device.type == "cuda":
        print(f"app trainer, data on the host (pinned, non_blocking copies): {host_placed(graph, prepared, cfg):.1f} "
              f"samples/s")


def host_placed(graph, prepared, cfg) -> float:
    """The trainer's samples/s with the data kept in host memory, as for data too big for the GPU."""
    import runtime.train
    decide = runtime.train.data_placement
    runtime.train.data_placement = lambda *facts: "host"
    try:
        return app_run(graph, prepared, cfg)[0]
    finally:
        runtime.train.data_placement = decide


def cifar_accuracy(args) -> None:
    """2 epochs on the real CIFAR-10 when its file is in the cache folder; otherwise says why not."""
    from runtime.data import standard
    if args.synthetic or args.quick:
        print("cifar10 accuracy: skipped: synthetic data only")
        return
    missing = standard.missing_files("cifar10")
    if missing:
        print(f"cifar10 accuracy: skipped: files missing: {', '.join(str(standard.folder('cifar10') / m) for m in missing)}")
        return
    from runtime.train import Trainer
    cfg = config(2, 512, "cpu" if args.cpu else "cuda", args.amp, data="cifar10", val_split=0.1,
                 augment=dict(CIFAR_AUGMENT), optimizer="momentum", lr=0.05, schedule="onecycle")
    summary = Trainer(cfg, resnet18_cifar()).fit()
    print(f"cifar10 test accuracy after 2 epochs: {summary.get('test_acc')}")


def main(argv=None) -> None:
    args = parse(argv)
    print(f"gpu_check: torch {torch.__version__}, cuda {torch.version.cuda}, "
          f"{'cpu' if args.cpu else 'gpu'}{' quick' if args.quick else ''}")
    throughput(args)
    cifar_accuracy(args)


if __name__ == "__main__":
    main()
