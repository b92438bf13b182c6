"""One trial: a normal run in the runs folder (job.json with ``study`` and ``trial``), its value the
best of the study's metric over the run's epochs, stopped with reason ``pruned`` when the pruner says so."""
from __future__ import annotations

import math
import time
from pathlib import Path

import optuna

from builder.errors import CodedError

from ..callbacks import Callback
from ..config import TrainConfig
from .. import runfiles
from .space import TuneError, apply, suggest

PRUNED = "pruned"       # the run's stop reason (status.json, summary.json) when the pruner stopped it


class Pruning(Callback):
    """Reports each epoch's value of the study's metric to the trial; stops the run when it should prune.

    With a pruner each value is written as it comes (the pruner reads it at once). Without one, only the Tune
    page's chart of intermediate values reads them while the trial trains: they are written together, at
    most every ``WRITE_EVERY_S`` and when the run ends (``flush``). Optuna writes each reported value in a
    transaction of its own (~3-4 ms of SQLAlchemy on SQLite), and one per epoch was most of what a study
    cost beyond its trainings (bench/tune_bench.py)."""

    WRITE_EVERY_S = 1.0

    def __init__(self, trial: optuna.Trial, metric: str):
        self.trial, self.metric = trial, metric
        # no pruner: the question costs a read of the trial from storage each epoch, and the answer is no
        self.may_prune = not isinstance(trial.study.pruner, optuna.pruners.NopPruner)
        self.pending: dict[int, float] = {}
        self.written = time.monotonic()

    def on_epoch_end(self, trainer, record):
        value = record.get(self.metric)
        if not record["epoch"] or value is None or not math.isfinite(value):
            return
        if not self.may_prune:
            self.pending[record["epoch"]] = float(value)
            if time.monotonic() - self.written >= self.WRITE_EVERY_S:
                self.flush()
            return
        self.trial.report(value, record["epoch"])
        if self.trial.should_prune():
            trainer.should_stop = True
            trainer.stop_reason = PRUNED

    def flush(self) -> None:
        """Write the values not written yet."""
        if self.pending:
            report_values(self.trial, self.pending)
            self.pending = {}
        self.written = time.monotonic()


def report_values(trial: optuna.Trial, values: dict[int, float]) -> None:
    """``trial.report(value, step)`` for each of ``values`` ({step: value}, steps not reported before), in one
    statement on a database storage. Optuna 5.0 has no public call for several values; this writes the rows
    its ``set_trial_intermediate_value`` writes (tests/test_tune.py compares the two)."""
    backend = getattr(trial.storage, "_backend", trial.storage)    # the RDBStorage under Optuna's cache
    if not isinstance(backend, optuna.storages.RDBStorage):
        for step, value in values.items():
            trial.report(value, step)
        return
    import sqlalchemy
    from optuna.storages._rdb.models import TrialIntermediateValueModel as Row
    rows = []
    for step, value in values.items():
        stored, kind = Row.intermediate_value_to_stored_repr(value)
        rows.append({"trial_id": trial._trial_id, "step": step, "intermediate_value": stored,
                     "intermediate_value_type": kind})
    with backend.engine.begin() as connection:
        connection.execute(sqlalchemy.insert(Row), rows)
    trial._cached_frozen_trial.intermediate_values.update(values)      # as report() keeps them


class StudyStop(Callback):
    """Stops the run at its next log point once the study is asked to stop (``stop.json``), whichever
    process trains it (the app's Stop, Ctrl+C on the command line)."""

    EVERY_S = 0.5       # a look at the file costs a stat: not at each of a fast run's many log points

    def __init__(self, stop_requested):
        self.stop_requested = stop_requested
        self.looked = 0.0

    def on_log(self, trainer, record):
        now = time.monotonic()
        if now - self.looked < self.EVERY_S:
            return
        self.looked = now
        if self.stop_requested():
            trainer.should_stop = True
            trainer.stop_reason = "stopped"


def best_value(history: list[dict], metric: str, maximize: bool):
    """The best value of ``metric`` over the trained epochs (epoch 0, the untrained model, is not one)."""
    values = [r[metric] for r in history if r.get("epoch") and isinstance(r.get(metric), (int, float))
              and math.isfinite(r[metric])]
    if not values:
        return None
    return max(values) if maximize else min(values)


def new_trial_folder(root: Path) -> Path:
    """A fresh run folder (the runs' id format); never one another worker took in the same second."""
    from ..runs import new_run_id
    runfiles.make_dir(Path(root))
    while True:
        run_dir = Path(root) / new_run_id()
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue


def run_trial(trial: optuna.Trial, spec: dict, space: list, root: Path, stop_requested) -> float:
    """Train the trial's run in this process; its value, or TrialPruned, or a CodedError (the trial fails,
    its error kept as the trial's ``error`` attribute: code, args and the English message)."""
    try:
        return _trained_value(trial, spec, space, root, stop_requested)
    except CodedError as exc:
        trial.set_user_attr("error", exc.to_json("en"))
        raise
    except Exception as exc:
        from ..runs import coded
        error = coded(exc)         # out of memory: a message too
        if error is None:
            raise
        trial.set_user_attr("error", error.to_json("en"))
        raise error from exc


def _trained_value(trial: optuna.Trial, spec: dict, space: list, root: Path, stop_requested) -> float:
    from ..runs import FileControl, job_record, trainer_of
    from ..train import train
    if stop_requested():
        trial.study.stop()
        raise TuneError("tune.trial_stopped")
    values = suggest(trial, space)
    graph, config = apply(spec["graph"], spec["config"], space, values)
    cfg = TrainConfig.from_dict(config)     # values that do not go together are a ConfigError: the trial fails
    run_dir = new_trial_folder(root)
    trial.set_user_attr("run", str(run_dir))
    job = dict(job_record(cfg, graph), study=spec["name"], trial=trial.number)
    pruning = Pruning(trial, spec["metric"])
    with trainer_of(run_dir, job=job):
        try:
            trainer, _ = train(cfg, graph, run_dir=run_dir, control=FileControl(run_dir),
                               callbacks=[pruning, StudyStop(stop_requested)])
        finally:
            pruning.flush()      # the epochs trained, whatever ended the run
    if trainer.stop_reason == PRUNED:
        raise optuna.TrialPruned()
    if trainer.stop_reason == "stopped":
        raise TuneError("tune.trial_stopped")
    value = best_value(trainer.history, spec["metric"], spec["direction"] == "maximize")
    if value is None:
        raise TuneError("tune.metric_missing", metric=spec["metric"], run=run_dir.name)
    return value
