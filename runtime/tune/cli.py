"""``python -m runtime tune GRAPH --data NAME --trials N --out DIR [...]`` and the internal ``tune-worker``.

``--out DIR`` is the runs folder: each trial is a run ``DIR/<id>/``, the study ``DIR/studies/<name>/``.
This process runs one worker itself and starts ``--workers`` - 1 more; it prints one line per finished
trial (on stderr with ``--json``, whose summary is then the last stdout line). Exit codes as ``train``:
0 done, 1 a problem with the config, space, data or storage, 2 the graph file cannot be read.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from builder.errors import CodedError
from builder.i18n import translate

from .space import TuneError

LINES = {"COMPLETE": "tune.line_complete", "PRUNED": "tune.line_pruned", "FAIL": "tune.line_failed"}


def add_tune_arguments(p) -> None:
    from .study import KEEP_CHECKPOINTS, PRUNERS, SAMPLERS
    p.add_argument("--trials", type=int, required=True, metavar="N", help="Trials to run (added to a joined study)")
    p.add_argument("--timeout", type=float, metavar="S", help="Start no trial after S seconds")
    p.add_argument("--space", metavar="FILE", help="The search space, a JSON file (docs/tune-space.md; "
                                                   "default: lr on a log scale and the batch size)")
    p.add_argument("--metric", metavar="NAME", help="The per-epoch figure to optimize (default: the one the "
                                                    "run's checkpointing watches, val_loss)")
    p.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="How trials are proposed (default: tpe)")
    p.add_argument("--pruner", choices=PRUNERS, default="median", help="How hopeless trials are stopped "
                                                                       "(default: median)")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="Processes running trials at once")
    p.add_argument("--storage", metavar="URL", help="Any database URL Optuna supports (default: an SQLite "
                                                    "file in the study's folder)")
    p.add_argument("--study", metavar="NAME", help="The study's name; an existing study of that name is joined")
    p.add_argument("--keep-checkpoints", type=int, default=KEEP_CHECKPOINTS, metavar="N",
                   help=f"The best trials that keep their checkpoint files (default: {KEEP_CHECKPOINTS})")
    p.add_argument("--sampler-seed", type=int, metavar="N", help="The sampler's random seed (default: none)")


def cmd_tune(args) -> int:
    from ..__main__ import _read_graph, given_settings
    graph = _read_graph(args.graph, args.lang)
    if graph is None:
        return 2
    try:
        folder = create_study(args, graph, given_settings(args))
        if run_here(args, folder):
            print(translate("tune.interrupted", args.lang, study=folder.name), file=sys.stderr)
            return 130
        summary = summarize(folder, args.lang)
    except CodedError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": False, "error": exc.to_json(args.lang)}, ensure_ascii=False))
        return 1
    if args.json:
        print(json.dumps(summary))
    else:
        print(translate("tune.done", args.lang, study=summary["study"], complete=summary["n_complete"],
                        pruned=summary["n_pruned"], total=summary["n_trials"], metric=summary["metric"],
                        value=_shown(summary["best_value"]), run=summary["best_run"] or "-"))
    return 0


def create_study(args, graph: dict, config: dict) -> Path:
    from ..__main__ import download_with_bar
    from ..config import TrainConfig
    from ..data import builtin
    from ..data.errors import DataError
    from . import study as studies
    cfg = TrainConfig.from_dict(config)
    if not cfg.upload:
        try:
            builtin.info(cfg.data)
        except DataError as exc:
            from ..config import ConfigError
            raise ConfigError(exc.code, **exc.info) from None
        download_with_bar(cfg.data)
    if args.workers < 1:
        raise TuneError("tune.count", what="workers", received=str(args.workers))
    return studies.create(graph, config, read_space(args.space), n_trials=args.trials, timeout=args.timeout,
                          metric=args.metric, sampler=args.sampler, pruner=args.pruner, root=Path(args.out),
                          study=args.study, storage=args.storage, keep_checkpoints=args.keep_checkpoints,
                          seed=args.sampler_seed)


def read_space(path: str | None):
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TuneError("tune.space_file", path=path, detail=str(exc)[:200]) from None


def run_here(args, folder: Path) -> bool:
    """Worker 0 in this process, the others as processes; waits for them all. Whether Ctrl+C stopped it:
    the study is then asked to stop (``stop.json``), which every worker's running trial obeys at its next
    log point, and no new trial starts (a second Ctrl+C interrupts at once)."""
    import signal
    import time
    from . import study as studies
    interrupted = []

    def on_ctrl_c(_sig, _frame):
        interrupted.append(True)
        studies.request_stop(folder)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGINT, on_ctrl_c)
    workers = min(args.workers, args.trials)
    pool = studies.open_pool(folder, args.trials)
    others = studies.spawn_workers(folder, workers - 1, pool, args.trials, first_index=1)
    studies.record_workers(folder, [os.getpid()])
    printer = TrialLines(sys.stderr if args.json else sys.stdout, args.lang)
    printer.done = {t.number for t in studies.load(folder)[1].get_trials(deepcopy=False, states=studies.FINISHED)}
    study = studies.run_worker(folder, args.trials, pool=pool, on_trial=lambda s, _t: printer.new(s))
    while any(_alive(pid) for pid in others):
        printer.new(study)
        time.sleep(0.5)
    printer.new(study)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return bool(interrupted)


def _alive(pid: int) -> bool:
    from ..runs import _alive as alive
    return alive(pid)


class TrialLines:
    """One line per finished trial of the study (whichever worker ran it), each printed once."""

    def __init__(self, stream, lang: str):
        self.stream, self.lang, self.done = stream, lang, set()

    def new(self, study) -> None:
        from .study import FINISHED
        for t in sorted(study.get_trials(deepcopy=False, states=FINISHED), key=lambda t: t.number):
            if t.number in self.done:
                continue
            self.done.add(t.number)
            error = error_text(t.user_attrs.get("error"), self.lang)
            epochs = max(t.intermediate_values, default=0)
            params = ", ".join(f"{k}={_shown(v)}" for k, v in t.params.items())
            self.stream.write(translate(LINES[t.state.name], self.lang, number=t.number, value=_shown(t.value),
                                        epoch=epochs, params=params, error=error) + "\n")
            self.stream.flush()


def error_text(error: dict | None, lang: str) -> str:
    """A failed trial's error (stored as code and args) in ``lang``."""
    from builder.errors import render_message
    if not error:
        return ""
    try:
        return render_message(error["code"], error.get("args") or {}, lang)
    except (KeyError, IndexError, TypeError, ValueError):     # a code this version does not know
        return str(error.get("message", ""))


def summarize(folder: Path, lang: str = "en") -> dict:
    """The --json summary; a TuneError when every trial failed (the graph cannot train on this data, say)."""
    from . import read
    view = read(folder)
    failed = [t for t in view.trials if t.state == "FAIL"]
    if failed and len(failed) == len(view.trials):
        raise TuneError("tune.all_failed", study=view.name, error=error_text(failed[-1].error, lang) or "-")
    best = view.best
    return {"ok": True, "best_value": best.value if best else None, "best_params": best.params if best else None,
            "metric": view.metric, "direction": view.direction, "n_trials": len(view.trials),
            "n_complete": view.count("COMPLETE"), "n_pruned": view.count("PRUNED"),
            "best_run": best.run if best else None, "study": view.name, "storage": view.storage}


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def cmd_tune_worker(args) -> int:
    from .study import run_worker
    run_worker(Path(args.folder), args.trials, index=args.index, pool=Path(args.pool) if args.pool else None)
    return 0
