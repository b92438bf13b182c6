"""A study without a pruner writes each epoch's value beside the training (a thread), not in its way: every
value still reaches the trial, in order, before the trial ends; a failed write fails the trial as before."""
from __future__ import annotations

from pathlib import Path

import pytest

from builder import templates
from runtime import runfiles, tune
from runtime.tune import study as studies
from runtime.tune.objective import ReportWriter

LR = [{"target": "config", "name": "lr", "kind": "float", "low": 1e-3, "high": 3e-2, "log": True}]


class Trial:
    """What the writer needs of an Optuna trial: ``report``, which fails from the ``fail_at`` epoch on."""

    def __init__(self, fail_at=None):
        self.reported, self.fail_at = [], fail_at

    def report(self, value, step):
        if step == self.fail_at:
            raise RuntimeError("database is locked")
        self.reported.append((value, step))


def test_the_writer_reports_every_value_in_order_before_it_closes():
    trial = Trial()
    writer = ReportWriter(trial)
    for epoch in range(1, 201):
        writer.put(1.0 / epoch, epoch)
    assert writer.close() is None
    assert trial.reported == [(1.0 / e, e) for e in range(1, 201)]


def test_a_failed_write_is_the_writers_error_and_nothing_after_it_is_written():
    trial = Trial(fail_at=3)
    writer = ReportWriter(trial)
    for epoch in range(1, 6):
        writer.put(0.5, epoch)
    error = writer.close()
    assert isinstance(error, RuntimeError) and [step for _, step in trial.reported] == [1, 2]


@pytest.mark.slow
def test_a_trial_without_a_pruner_holds_each_epochs_value_of_its_run(tmp_path):
    folder = studies.create(templates.load("mlp"), {"data": "digits", "epochs": 4}, LR, n_trials=1, pruner="none",
                            root=tmp_path, seed=0)
    studies.run_worker(folder, 1)
    (trial,) = tune.read(folder).trials
    epochs = [r for r in runfiles.read_jsonl(Path(trial.run) / runfiles.METRICS)[0]
              if r["kind"] == "epoch" and r["epoch"]]
    assert trial.state == "COMPLETE" and trial.intermediate == {r["epoch"]: r["val_loss"] for r in epochs}
    assert list(trial.intermediate) == [1, 2, 3, 4]
