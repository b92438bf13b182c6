"""Hyperparameter search on Optuna: every trial a normal run, the study in an SQLite file (or any database).

The app's API (names kept stable; no streamlit here):

- ``candidates(graph, config) -> list[SearchParam]``: every training option and layer param a study can
  vary, ranges prefilled from the settings schema and the layer catalog (``SearchParam.to_json()`` is
  the ``--space`` file's entry, docs/tune-space.md; ``.key`` its name in a trial's params, ``lr`` or
  ``fc1.out_features``; ``.label(lang)`` how a page names it).
- ``check_space(space, graph) -> list[SearchParam]``: a space people gave (list of dicts), checked;
  a ``TuneError`` (a CodedError: ``.message(lang)``) names what is wrong.
- ``start(graph, config, space=None, *, n_trials=20, timeout=None, metric=None, sampler="tpe",
  pruner="median", workers=1, root=None, study=None, storage=None, keep_checkpoints=3, seed=None)
  -> Path``: checks everything (TuneError/ConfigError), writes the study folder, starts ``workers``
  background processes and returns the study folder at once. ``study`` names it (joined if it exists).
- ``read(folder) -> StudyView``: name, metric, direction, state (running/finished/stopped), trials
  (``TrialView``: number, state COMPLETE/PRUNED/FAIL/RUNNING, value, params, run folder,
  intermediate values per epoch, error), best trial; ``count(state)``.
- ``stop(folder)``: no new trials; the running ones are stopped.
- ``figures(folder, lang="en") -> dict``: Plotly figures ``history``, ``parallel``, ``importances``,
  ``intermediate``; each None when there is not enough to draw it (never raises).
- ``best_graph_and_config(folder) -> (graph, config)``: the study's graph and config with the best
  trial's values applied ("train the best", "apply the best settings to my graph").
- ``list_studies(root=None) -> list[dict]``: the studies in a runs root, newest first:
  ``{"name", "folder", "metric", "direction", "state", "created"}``.

Trials are run folders in the runs root whose job.json has ``study`` and ``trial``; a pruned trial's run
ends ``finished`` with stop reason ``pruned``. The command line is ``python -m runtime tune``.
"""
from __future__ import annotations

from pathlib import Path

from .space import SearchParam, TuneError, candidates, check_space, default_space
from .study import KEEP_CHECKPOINTS, StudyView, TrialView

__all__ = ["SearchParam", "TuneError", "StudyView", "TrialView", "candidates", "check_space", "default_space",
           "start", "read", "stop", "figures", "best_graph_and_config", "list_studies"]


def start(graph: dict, config: dict, space: list | None = None, *, n_trials: int = 20, timeout: float | None = None,
          metric: str | None = None, sampler: str = "tpe", pruner: str = "median", workers: int = 1,
          root: Path | None = None, study: str | None = None, storage: str | None = None,
          keep_checkpoints: int = KEEP_CHECKPOINTS, seed: int | None = None) -> Path:
    """Create (or join) the study and start its worker processes in the background; its folder."""
    from . import study as studies
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise TuneError("tune.count", what="workers", received=str(workers)[:40])
    folder = studies.create(graph, config, space, n_trials=n_trials, timeout=timeout, metric=metric, sampler=sampler,
                            pruner=pruner, root=root, study=study, storage=storage,
                            keep_checkpoints=keep_checkpoints, seed=seed)
    studies.spawn_workers(folder, min(workers, n_trials), studies.open_pool(folder, n_trials), n_trials)
    return folder


def read(folder: Path) -> StudyView:
    """The study as it stands (a killed worker's running trial reads failed once its heartbeat is stale)."""
    from . import study as studies
    folder = Path(folder)
    spec, study = studies.load(folder)
    studies.fail_stale_trials(study)
    trials = [studies.trial_view(t) for t in study.get_trials(deepcopy=False)]
    complete = [t for t in trials if t.state == "COMPLETE" and t.value is not None]
    best = None
    if complete:
        pick = max if spec["direction"] == "maximize" else min
        best = pick(complete, key=lambda t: t.value)
    return StudyView(spec["name"], str(folder), spec["metric"], spec["direction"], studies.study_state(folder),
                     spec["sampler"], spec["pruner"], spec["n_trials"], studies.shown_storage(spec["storage"]),
                     trials, best)


def stop(folder: Path) -> None:
    """No new trials start; the running trials' runs stop at their next log point (they end ``stopped``,
    the trials failed)."""
    from .. import runs
    from . import study as studies
    folder = Path(folder)
    studies.request_stop(folder)
    for trial in read(folder).trials:     # also a paused run, which reads no stop.json until resumed
        if trial.state == "RUNNING" and trial.run and Path(trial.run).is_dir():
            runs.stop(Path(trial.run))


def figures(folder: Path, lang: str = "en") -> dict:
    from .plots import study_figures
    return study_figures(Path(folder), lang)


def best_graph_and_config(folder: Path) -> tuple[dict, dict]:
    from . import study as studies
    from .space import apply
    view = read(folder)
    if view.best is None:
        raise TuneError("tune.no_best", study=view.name)
    spec = studies.read_spec(Path(folder))
    return apply(spec["graph"], spec["config"], studies.space_of(spec), view.best.params)


def list_studies(root: Path | None = None) -> list[dict]:
    from .. import runfiles
    from ..runs import default_root
    from . import study as studies
    base = studies.studies_root(Path(root or default_root()))
    out = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        spec = runfiles.read_json(folder / studies.STUDY)
        if isinstance(spec, dict) and spec.get("format") == "netcanvas.study":
            out.append({"name": spec["name"], "folder": str(folder), "metric": spec["metric"],
                        "direction": spec["direction"], "state": studies.study_state(folder),
                        "created": spec.get("created")})
    return sorted(out, key=lambda s: s["created"] or 0, reverse=True)
