"""Text generation benchmark (issue 18): char_lstm on shakespeare, on 2 CPU cores, for a fixed time.

    python bench/textgen_bench.py [--minutes 5] [--threads 2] [--lr 3e-3] [--batch-size 64]

Trains the char_lstm template with NetCanvas's own trainer (mode language_model, the whole corpus: 1.1 million
characters, 10% held out) until the time is up, evaluating the validation loss (nats per character) at the end
of every epoch and once more when it stops. Prints the validation loss after each epoch with the minutes it took,
the last validation loss and perplexity, and a 300-character sample at temperature 0.8.
Acceptance: validation loss < 1.6 nats per character within 5 minutes on 2 CPU cores. The load average printed
at the start and the end says how much of the machine the run had.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from runtime.callbacks import Callback  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.lm import generate_text  # noqa: E402
from runtime.train import train  # noqa: E402

TARGET = 1.6


class TimeBudget(Callback):
    """Stops the run at the first log point past ``seconds`` (the epoch's validation still runs)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = time.time()

    def on_log(self, trainer, record: dict) -> None:
        if time.time() - self.started >= self.seconds:
            trainer.should_stop = True

    def on_epoch_end(self, trainer, record: dict) -> None:
        if "val_loss" in record:
            minutes = (time.time() - self.started) / 60
            print(f"epoch {record['epoch']:.2f}  step {record['step']}  val_loss {record['val_loss']:.3f} nats/char  "
                  f"after {minutes:.2f} min", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)     # the trainer's thread count (runtime.device.cpu_threads)
    torch.set_num_threads(args.threads)
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; torch threads {args.threads}")
    cfg = TrainConfig.from_dict({"data": "shakespeare", "mode": "language_model", "epochs": 100, "val_split": 0.1,
                                 "lr": args.lr, "batch_size": args.batch_size, "seed": 0, "device": "cpu"})
    budget = TimeBudget(args.minutes * 60)
    trainer, summary = train(cfg, templates.load("char_lstm"), callbacks=[budget])
    minutes = (time.time() - budget.started) / 60
    loss = summary["val_loss"]
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"char_lstm on shakespeare: validation loss {loss:.3f} nats/char (perplexity {2.718281828 ** loss:.2f}) "
          f"after {minutes:.2f} min, {summary['steps']} steps, {summary['samples_per_s']:.0f} windows/s: "
          f"{'PASS' if loss < TARGET and minutes <= args.minutes + 0.5 else 'FAIL'} (target < {TARGET})")
    print("sample (temperature 0.8, from the start of a line):")
    print(generate_text(trainer.module, trainer.data.preprocess, "", 300, 0.8, 0))


if __name__ == "__main__":
    main()
