"""The README's GAN command (gan_generator + gan_discriminator on digits, 20 epochs, every other setting
at its default): does it teach well? Prints, per seed, the pixel spread across 500 generated samples
against the real digits' (mode collapse: near 0), and how digit-like the samples are: a classifier
trained on real digits (the mlp template) names each sample; its mean confidence and how many of the 10
classes it finds among the samples (a collapsed GAN finds one or two). Writes a grid of samples per seed.

    python bench/gan_bench.py [--seeds 0,1,2] [--epochs 20] [--png DIR] [--set g_lr=2e-4 ...]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from builder import templates  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.tasks import spread  # noqa: E402
from runtime.train import train  # noqa: E402

TARGET_SPREAD = 0.15


def classifier():
    trainer, summary = train(TrainConfig.from_dict({"data": "digits", "epochs": 15, "seed": 0, "monitor": False}),
                             templates.load("mlp"))
    return trainer.module.eval(), summary["val_acc"]


def gan(seed: int, epochs: int, overrides: dict):
    cfg = {"data": "digits", "epochs": epochs, "seed": seed, "monitor": False, **overrides}
    trainer, _ = train(TrainConfig.from_dict(cfg), templates.load("gan_generator"), templates.load("gan_discriminator"))
    with torch.no_grad():
        noise = torch.randn(500, *trainer.task.latent, generator=torch.Generator().manual_seed(1000 + seed))
        fake = trainer.module.eval()(noise)
    return fake, trainer.data.train.inputs[0][:500]


def save_grid(images: torch.Tensor, path: Path) -> None:
    from PIL import Image
    tiles = images[:64, 0].clamp(0, 1).numpy()
    rows = [np.concatenate(list(np.pad(tiles[r * 8:(r + 1) * 8], ((0, 0), (1, 1), (1, 1)))), axis=1) for r in range(8)]
    Image.fromarray((np.concatenate(rows, axis=0) * 255).astype(np.uint8)).resize((640, 640), Image.NEAREST).save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--png", default="")
    ap.add_argument("--set", nargs="*", default=[], help="KEY=JSON overrides of the training config")
    args = ap.parse_args()
    torch.set_num_threads(1)
    overrides = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    judge, judge_acc = classifier()
    print(f"judge: mlp on real digits, val acc {judge_acc:.3f}")
    for seed in (int(s) for s in args.seeds.split(",")):
        fake, real = gan(seed, args.epochs, overrides)
        with torch.no_grad():
            probs = torch.softmax(judge(fake), 1)
            real_probs = torch.softmax(judge(real), 1)
        classes = int(torch.bincount(probs.argmax(1), minlength=10).gt(10).sum())
        print(f"seed {seed}: spread {spread(fake):.3f} (real {spread(real):.3f}, target >= {TARGET_SPREAD}); "
              f"judge confidence {float(probs.max(1).values.mean()):.2f} (real {float(real_probs.max(1).values.mean()):.2f}); "
              f"classes found {classes}/10")
        if args.png:
            Path(args.png).mkdir(parents=True, exist_ok=True)
            save_grid(fake, Path(args.png) / f"gan_seed{seed}.png")


if __name__ == "__main__":
    main()
