"""How the training loop speaks to the outside: callback hooks (Lightning's names) and the control.

The loop (``runtime.train.Trainer``) calls the hooks; what a run writes to its folder
(``runtime.monitor``), the console progress bar and early stopping are callbacks. This module
imports nothing of the loop, so callbacks and the loop do not import each other.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:            # for the hooks' types only
    from .train import Trainer


class Callback:
    """Hooks the loop calls; override what you need."""

    def on_fit_start(self, trainer: Trainer) -> None:
        """Before the first step (data prepared, model built, optimizer ready)."""

    def on_after_backward(self, trainer: Trainer) -> None:
        """After each backward pass, before the optimizer step (gradients are there); ``trainer.log_step``
        says whether the step under way ends at a log point (then ``on_log`` follows it)."""

    def on_log(self, trainer: Trainer, record: dict) -> None:
        """At each log point: a step record (docs/run-format.md, metrics.jsonl)."""

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        """After each epoch's validation (and once before training, epoch 0): the epoch record."""

    def on_fit_end(self, trainer: Trainer, summary: dict) -> None:
        """After the last epoch, the test score and the summary."""


class Control:
    """Where pause/stop requests come from; the base never asks for either."""

    def poll(self) -> str:
        return "run"

    def wait_while_paused(self, trainer: Trainer) -> str:
        return self.poll()
