"""A console progress bar for ``python -m runtime train`` (drawn only on a terminal)."""
from __future__ import annotations

import sys

from builder.i18n import translate

from .callbacks import Callback

EPOCH_KEYS = ("val_loss", "val_acc", "val_mae", "val_recon", "val_kl", "val_d_loss", "val_g_loss")


class ConsoleProgress(Callback):
    def __init__(self, stream=None, lang: str = "en"):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total = 1
        self.lang = lang

    def on_fit_start(self, trainer):
        self.total = max(1, trainer.total_steps)
        for advice in trainer.advice:      # before the first line: what will make this run train badly
            self.stream.write(translate("cli.advice", self.lang, message=advice.message(self.lang)) + "\n")

    def on_log(self, trainer, record):
        if not self.tty:
            return
        bar = "#" * int(30 * record["step"] / self.total)
        self.stream.write(f"\r[{bar:<30}] {record['step']}/{self.total}  loss {record['loss']:.4f}  "
                          f"{record['samples_per_s']:.0f} samples/s")
        self.stream.flush()

    def on_epoch_end(self, trainer, record):
        parts = [f"epoch {record['epoch']}"]
        parts += [f"{k} {record[k]:.4f}" for k in ("train_loss",) + EPOCH_KEYS if record.get(k) is not None]
        self.stream.write(("\r" if self.tty else "") + "  ".join(parts) + " " * 10 + "\n")
        self.stream.flush()
