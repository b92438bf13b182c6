"""A console progress bar for ``python -m runtime train`` (drawn only on a terminal)."""
from __future__ import annotations

import sys

from .train import Callback

EPOCH_KEYS = ("val_loss", "val_acc", "val_mae", "val_recon", "val_kl", "val_d_loss", "val_g_loss")


class ConsoleProgress(Callback):
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total = 1

    def on_fit_start(self, trainer):
        self.total = max(1, trainer.total_steps)

    def on_log(self, trainer, record):
        if not self.tty:
            return
        bar = "#" * int(30 * record["step"] / self.total)
        self.stream.write(f"\r[{bar:<30}] {record['step']}/{self.total}  loss {record['loss']:.4f}  "
                          f"{record['samples_per_s']:.0f} samples/s")
        self.stream.flush()

    def on_epoch_end(self, trainer, record):
        parts = [f"epoch {record['epoch']}"]
        if record.get("train_loss") is not None:   # epoch 0 (the untrained model) has validation metrics only
            parts.append(f"train_loss {record['train_loss']:.4f}")
        parts += [f"{k} {record[k]:.4f}" for k in EPOCH_KEYS if record.get(k) is not None]
        self.stream.write(("\r" if self.tty else "") + "  ".join(parts) + " " * 10 + "\n")
        self.stream.flush()
