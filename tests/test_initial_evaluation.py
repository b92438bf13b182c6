"""Curves start at step 0: the untrained model's validation point, measured on an evenly spread sample of
the validation split (a few per cent of a short run's time saved), close to the whole split's value."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from builder import templates
from runtime import runfiles
from runtime.callbacks import Callback
from runtime.config import TrainConfig
from runtime.monitor import run_callbacks
from runtime.train import INITIAL_VAL_SAMPLES, Trainer


def _digits_trainer(tmp_path, **extra) -> Trainer:
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 1, "val_split": 0.5, "seed": 0, "batch_size": 64,
                                 **extra})
    return Trainer(cfg, templates.load("mlp"), callbacks=run_callbacks(tmp_path))


@torch.no_grad()
def _whole_split_loss(trainer: Trainer) -> float:
    """Plain cross-entropy of the model as it is now over the whole validation split."""
    val = trainer.data.val
    trainer.module.eval()
    loss = float(F.cross_entropy(trainer.module(*val.inputs), val.target))
    trainer.module.train()
    return loss


def test_the_first_curve_point_is_the_untrained_models_loss_measured_on_a_sample(tmp_path):
    trainer = _digits_trainer(tmp_path)
    assert len(trainer.data.val) > INITIAL_VAL_SAMPLES      # ~900 validation samples
    untrained = _whole_split_loss(trainer)
    trainer.fit()
    first, after = trainer.history[0], trainer.history[1]
    assert (first["epoch"], first["step"]) == (0, 0)
    assert first["val_samples"] == INITIAL_VAL_SAMPLES
    assert abs(first["val_loss"] - untrained) <= 0.05 * untrained, (first["val_loss"], untrained)
    assert "val_samples" not in after and after["val_loss"] < first["val_loss"]   # epoch 1: the whole split
    written = [r for r in runfiles.read_jsonl(tmp_path / runfiles.METRICS)[0] if r["kind"] == "epoch"]
    assert written[0]["step"] == 0 and written[0]["val_samples"] == INITIAL_VAL_SAMPLES


class ConfusionAtEpochEnds(Callback):
    """Reads confusion.json after each epoch's views are written (the monitor's callbacks run first)."""

    def __init__(self, run_dir):
        self.path, self.seen = run_dir / runfiles.CONFUSION, []

    def on_epoch_end(self, trainer, record):
        self.seen.append(runfiles.read_json(self.path))


def test_the_first_confusion_matrix_counts_the_sample_the_first_point_was_measured_on(tmp_path):
    trainer = _digits_trainer(tmp_path, snapshot_seconds=600.0)   # epoch 0's views, then the end's
    peek = ConfusionAtEpochEnds(tmp_path)
    trainer.callbacks.append(peek)
    trainer.fit()
    first = peek.seen[0]
    assert first["epoch"] == 0 and sum(map(sum, first["matrix"])) == INITIAL_VAL_SAMPLES
    assert sum(map(sum, runfiles.read_json(tmp_path / runfiles.CONFUSION)["matrix"])) == len(trainer.data.val)
