"""A study: its folder, its Optuna storage, its worker processes, and what the app reads of it.

The study folder is ``<runs root>/studies/<name>/`` (docs/tune-space.md): ``study.json`` (the spec),
``study.db`` (the default SQLite storage), ``workers.json`` (the worker processes' pids),
``stop.json`` (written by ``stop``), ``worker-<i>.log`` and, while workers run, ``pool-<id>/`` (the tickets of
the trials still to start). Its trials are normal runs in the runs root.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import optuna

from builder.errors import CodedError

from .. import runfiles
from ..config import TrainConfig
from .objective import run_trial
from .space import TuneError, check_space, default_space, to_json

STUDY = "study.json"
DB = "study.db"
WORKERS = "workers.json"
STOP = "stop.json"
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
STUDY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
METRIC = re.compile(r"^(train|val)_[a-z_]{1,30}$")
KEEP_CHECKPOINTS = 3        # the best trials that keep their checkpoint files
THREADS_PER_TRIAL = 1       # torch threads of each worker process
HEARTBEAT_S = 3             # a running trial's heartbeat; one silent for GRACE_S is a killed worker's: failed
GRACE_S = 20
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)


def quiet_optuna() -> None:
    """Optuna's own log lines off (a failed trial's traceback included): the CLI prints one line per trial."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)


quiet_optuna()


@contextlib.contextmanager
def no_experimental_warnings():
    """Heartbeats and stale-trial checks are "experimental" in Optuna: said once per call otherwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def fail_stale_trials(study: optuna.Study) -> None:
    """A trial whose worker was killed (its heartbeat silent for GRACE_S) becomes failed."""
    with no_experimental_warnings():
        optuna.storages.fail_stale_trials(study)


# -- the spec -----------------------------------------------------------------------------------------------
def studies_root(root: Path) -> Path:
    return Path(root) / "studies"


def default_metric(config: dict) -> str:
    """The metric the run's checkpointing watches (``runtime.train.best_metric``)."""
    from ..train import best_metric
    cfg = TrainConfig.from_dict(config)
    return best_metric(cfg, has_val=cfg.val_split > 0 or bool(cfg.upload))


def direction_of(metric: str) -> str:
    return "maximize" if metric.endswith("acc") else "minimize"


def make_spec(graph: dict, config: dict, space: list | None, *, name: str, n_trials: int, timeout: float | None,
              metric: str | None, sampler: str, pruner: str, storage: str, keep_checkpoints: int,
              seed: int | None) -> dict:
    """The study's spec (study.json), every part checked: a TuneError or ConfigError names what is wrong."""
    TrainConfig.from_dict(config)
    params = check_space(default_space() if space is None else space, graph)
    _one_of("sampler", sampler, SAMPLERS)
    _one_of("pruner", pruner, PRUNERS)
    if sampler == "grid":
        for p in params:
            p.grid_values()
    if not STUDY_NAME.match(str(name)):
        raise TuneError("tune.study_name", name=str(name)[:80])
    for what, value in (("n_trials", n_trials), ("keep_checkpoints", keep_checkpoints)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if what == "n_trials" else 0):
            raise TuneError("tune.count", what=what, received=str(value)[:40])
    metric = metric or default_metric(config)
    if not METRIC.match(metric):
        raise TuneError("tune.metric", metric=str(metric)[:40])
    return {"format": "netcanvas.study", "version": 1, "name": name, "graph": graph, "config": config,
            "space": to_json(params), "metric": metric, "direction": direction_of(metric), "sampler": sampler,
            "pruner": pruner, "n_trials": n_trials, "timeout": timeout, "storage": storage,
            "keep_checkpoints": keep_checkpoints, "seed": seed, "created": time.time()}


def _one_of(what: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise TuneError("tune.choice", what=what, received=str(value)[:40], choices=", ".join(allowed))


def create(graph: dict, config: dict, space: list | None = None, *, n_trials: int = 20, timeout: float | None = None,
           metric: str | None = None, sampler: str = "tpe", pruner: str = "median", root: Path | None = None,
           study: str | None = None, storage: str | None = None, keep_checkpoints: int = KEEP_CHECKPOINTS,
           seed: int | None = None) -> Path:
    """The study's folder with its spec written and the study in its storage (joined when it exists)."""
    from ..runs import default_root, new_run_id
    name = study or f"study-{new_run_id()}"
    folder = studies_root(root or default_root()) / name
    url = storage or f"sqlite:///{(folder / DB).resolve()}"
    spec = make_spec(graph, config, space, name=name, n_trials=n_trials, timeout=timeout, metric=metric,
                     sampler=sampler, pruner=pruner, storage=url, keep_checkpoints=keep_checkpoints, seed=seed)
    new = not folder.exists()
    runfiles.make_dir(folder)
    fresh = storage is None and not (folder / DB).exists()
    if fresh:
        copy_blank_db(folder / DB)
    try:
        optuna.create_study(storage=open_storage(url, fresh=fresh), study_name=name, direction=spec["direction"],
                            load_if_exists=True)
    except (TuneError, ValueError) as exc:
        if new:       # nothing of a study that could not begin is left behind
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, TuneError):
            raise
        raise TuneError("tune.direction_mismatch", study=name, direction=spec["direction"],   # goes the other way
                        detail=str(exc)[:200]) from None
    (folder / STOP).unlink(missing_ok=True)
    runfiles.write_json(folder / STUDY, spec)
    return folder


def copy_blank_db(path: Path) -> None:
    """A new study's SQLite file, copied from an empty one with Optuna's tables (made once per Optuna version
    in the data cache): making the tables in each new file loads Optuna's schema migrations, ~0.4 s a study."""
    from ..data.standard import cache_root
    blank = cache_root() / "optuna" / f"blank-{optuna.__version__}.db"
    if not blank.exists():
        runfiles.make_dir(blank.parent)
        part = blank.with_name(f"{blank.name}.{os.getpid()}.part")
        part.unlink(missing_ok=True)
        with no_experimental_warnings():
            optuna.storages.RDBStorage(f"sqlite:///{part}").engine.dispose()
        os.replace(part, blank)     # atomic: another process never copies a half-made file
    shutil.copyfile(blank, path)


_storages: dict[str, optuna.storages.RDBStorage] = {}     # one per URL and process: opening one costs ~0.5 s


def open_storage(url: str, fresh: bool = False) -> optuna.storages.RDBStorage:
    """The storage at ``url`` with heartbeats (a killed worker's running trial is failed, not left running).
    ``fresh``: a copy of this Optuna's blank file, whose schema needs no check (the check loads every migration)."""
    if url not in _storages:
        try:
            with no_experimental_warnings():
                _storages[url] = optuna.storages.RDBStorage(url, engine_kwargs=engine_options(url),
                                                            skip_compatibility_check=fresh, skip_table_creation=fresh,
                                                            heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S)
        except Exception as exc:       # SQLAlchemy and drivers raise many kinds: any is "cannot open it"
            raise TuneError("tune.storage", storage=shown_storage(url),
                            detail=str(exc).splitlines()[0][:200]) from None
    _storages[url].grace_period = GRACE_S      # as it is now (a test shortens it)
    return _storages[url]


def engine_options(url: str) -> dict:
    """SQLite: wait for other workers' writes (not "database is locked"), and a write-ahead log synced at
    checkpoints: a commit survives a killed process (not a power cut) and costs no fsync of its own."""
    if not url.startswith("sqlite:///"):
        return {}
    import sqlite3
    path = url[len("sqlite:///"):]

    def connect():
        connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection
    return {"creator": connect}


def shown_storage(url: str) -> str:
    """The storage URL as printed and shown: without its password."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:              # not a URL SQLAlchemy reads: shown as given, cut short
        return str(url)[:120]


def read_spec(folder: Path) -> dict:
    spec = runfiles.read_json(Path(folder) / STUDY)
    if not isinstance(spec, dict) or spec.get("format") != "netcanvas.study":
        raise TuneError("tune.no_study", path=str(folder))
    return spec


def load(folder: Path, **kwargs) -> tuple[dict, optuna.Study]:
    spec = read_spec(folder)
    try:
        study = optuna.load_study(study_name=spec["name"], storage=open_storage(spec["storage"]), **kwargs)
    except KeyError:
        raise TuneError("tune.no_study", path=str(folder)) from None
    return spec, study


# -- samplers and pruners ------------------------------------------------------------------------------------
def make_sampler(spec: dict, index: int = 0):
    from .space import SearchParam
    seed = None if spec.get("seed") is None else spec["seed"] + index   # workers do not propose the same points
    if spec["sampler"] == "grid":
        grid = {p.key: p.grid_values() for p in (SearchParam(**_param(d)) for d in spec["space"])}
        return optuna.samplers.GridSampler(grid, seed=seed)
    if spec["sampler"] == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    with no_experimental_warnings():    # the constant liar: workers do not propose where another is training
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def _param(d: dict) -> dict:
    return dict(d, choices=tuple(d.get("choices", ())))


def space_of(spec: dict) -> list:
    from .space import SearchParam
    return [SearchParam(**_param(d)) for d in spec["space"]]


def make_pruner(spec: dict):
    """Median: a trial below the median of earlier trials at the same epoch stops (after 2 trials have
    finished and from its 1st epoch); Hyperband over the config's epochs; none."""
    if spec["pruner"] == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if spec["pruner"] == "hyperband":       # epochs not given: the data set's default, seen in the first trial
        epochs = spec["config"].get("epochs")
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(epochs, 2) if epochs else "auto")
    return optuna.pruners.NopPruner()


# -- a worker: trials in this process --------------------------------------------------------------------------
def run_worker(folder: Path, n_trials: int, index: int = 0, pruner=None, on_trial=None,
               pool: Path | None = None) -> optuna.Study:
    """Run up to ``n_trials`` trials of the study in ``folder`` in this process, one after another (several
    processes may run this on one study); with a ``pool`` (``open_pool``), each trial first takes one of its
    tickets, so the workers together run exactly the pool's trials, each as many as it gets to.
    ``on_trial(study, trial)`` after each. Returns the study."""
    import torch
    folder = Path(folder)
    spec = read_spec(folder)
    spec, study = load(folder, sampler=make_sampler(spec, index), pruner=pruner or make_pruner(spec))
    space, root = space_of(spec), folder.parent.parent
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS_PER_TRIAL)

    def after_trial(study, trial):
        if stop_requested(folder):
            study.stop()
        keep_best_checkpoints(study, spec["keep_checkpoints"])
        if on_trial is not None:
            on_trial(study, trial)

    def optimize(count: int, timeout: float | None) -> None:
        study.optimize(lambda trial: run_trial(trial, spec, space, root, lambda: stop_requested(folder)),
                       n_trials=count, timeout=timeout, catch=(CodedError,), callbacks=[after_trial],
                       gc_after_trial=False)

    try:
        if pool is None:
            optimize(n_trials, spec.get("timeout"))
        else:
            _optimize_from_pool(optimize, folder, Path(pool), n_trials, spec.get("timeout"))
    finally:
        torch.set_num_threads(threads)      # a caller's own threads (the CLI's process, a test's)
    return study


def _optimize_from_pool(optimize, folder: Path, pool: Path, n_trials: int, timeout: float | None) -> None:
    """One trial per ticket taken, until the pool is empty, the study is asked to stop or ``timeout`` s
    (from now) have passed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for _ in range(n_trials):
        left = None if deadline is None else deadline - time.monotonic()
        if (left is not None and left <= 0) or stop_requested(folder) or not take_ticket(pool):
            return
        optimize(1, left)


def open_pool(folder: Path, n_trials: int) -> Path:
    """A pool of ``n_trials`` tickets for the workers of one start of the study (a folder of empty files).
    A worker that takes one runs one more trial: a fast or early worker runs more, none waits on a fixed share
    (pruned trials end early; a worker process starts seconds after the first)."""
    from ..runs import new_run_id
    pool = Path(folder) / f"pool-{new_run_id()}-{os.getpid()}"
    pool.mkdir()
    for i in range(n_trials):
        (pool / f"{i:06d}").touch()
    return pool


def take_ticket(pool: Path) -> bool:
    """Take one of the pool's tickets (removing its file: one process succeeds for each); False when none is
    left (the empty pool's folder is then removed)."""
    try:
        names = sorted(os.listdir(pool))
    except FileNotFoundError:
        return False
    for name in names:
        try:
            os.unlink(pool / name)
            return True
        except FileNotFoundError:      # another worker took it
            continue
    with contextlib.suppress(OSError):
        pool.rmdir()
    return False


def keep_best_checkpoints(study: optuna.Study, keep: int) -> None:
    """Only the best ``keep`` complete trials keep their checkpoint files; the other finished trials' runs
    keep their metrics and curves. (A trial out of the best once stays out: it is safe from any worker.)"""
    done = [t for t in study.get_trials(deepcopy=False, states=FINISHED)]
    complete = sorted((t for t in done if t.state == optuna.trial.TrialState.COMPLETE), key=lambda t: t.value,
                      reverse=study.direction == optuna.study.StudyDirection.MAXIMIZE)
    kept = {t.number for t in complete[:keep]}
    for t in done:
        run = t.user_attrs.get("run")
        if t.number in kept or not run:
            continue
        for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
            (Path(run) / name).unlink(missing_ok=True)


def request_stop(folder: Path) -> None:
    runfiles.write_json(Path(folder) / STOP, {"at": time.time()})


def stop_requested(folder: Path) -> bool:
    return (Path(folder) / STOP).exists()


def spawn_workers(folder: Path, workers: int, pool: Path, n_trials: int, first_index: int = 0) -> list[int]:
    """Start ``workers`` worker processes (``python -m runtime tune-worker``) on the study's ``pool`` of at most
    ``n_trials`` trials, each logging into the study folder; their pids."""
    from ..runs import _spawn
    pids = []
    for i in range(first_index, first_index + workers):
        with open(Path(folder) / f"worker-{i}.log", "ab") as log:
            proc = _spawn(["-m", "runtime", "tune-worker", str(folder), "--trials", str(n_trials), "--index", str(i),
                           "--pool", str(pool)], log=log, threads=THREADS_PER_TRIAL)
        pids.append(proc.pid)
    record_workers(folder, pids)
    return pids


def record_workers(folder: Path, pids: list[int]) -> None:
    known = (runfiles.read_json(Path(folder) / WORKERS, {}) or {}).get("pids", [])
    runfiles.write_json(Path(folder) / WORKERS, {"pids": [*known, *pids]})


def workers_alive(folder: Path) -> bool:
    from ..runs import _alive
    return any(_alive(pid) for pid in (runfiles.read_json(Path(folder) / WORKERS, {}) or {}).get("pids", []))


# -- what the app reads ----------------------------------------------------------------------------------------
@dataclass
class TrialView:
    number: int
    state: str                      # COMPLETE, PRUNED, FAIL, RUNNING (or WAITING)
    value: float | None
    params: dict
    run: str | None                 # the run folder
    intermediate: dict              # epoch -> the metric's value
    error: dict | None = None       # {"code", "args", "message"} of a failed trial
    started: float | None = None
    finished: float | None = None


@dataclass
class StudyView:
    name: str
    folder: str
    metric: str
    direction: str
    state: str                      # running, finished, stopped
    sampler: str
    pruner: str
    n_planned: int                  # trials asked for by the last start
    storage: str                    # without its password
    trials: list[TrialView] = field(default_factory=list)
    best: TrialView | None = None

    def count(self, state: str) -> int:
        return sum(t.state == state for t in self.trials)

    def to_json(self) -> dict:
        return asdict(self)


def trial_view(t: optuna.trial.FrozenTrial) -> TrialView:
    stamp = lambda d: d.timestamp() if d else None     # noqa: E731
    value = t.value if t.value is None or math.isfinite(t.value) else None
    return TrialView(t.number, t.state.name, value, dict(t.params), t.user_attrs.get("run"),
                     {int(k): v for k, v in sorted(t.intermediate_values.items())}, t.user_attrs.get("error"),
                     stamp(t.datetime_start), stamp(t.datetime_complete))


def study_state(folder: Path) -> str:
    if workers_alive(folder):
        return "running"
    return "stopped" if stop_requested(folder) else "finished"
