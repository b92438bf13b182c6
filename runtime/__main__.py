"""Command line: ``python -m runtime train G.json --data NAME --epochs N --out DIR [--json]``.

Also ``python -m runtime tune G.json --data NAME --trials N --out DIR`` (hyperparameter search,
``runtime.tune.cli``).
Also ``python -m runtime compress RUN [--prune AMOUNT] [--structured] [--quantize dynamic|static]
[--finetune-epochs N] --out DIR [--json]`` (``runtime.compress.cli``).
Also ``python -m runtime data NAME --save FILE.npz`` (a built-in set as NPZ, for exported
scripts) and the internal ``run DIR`` / ``worker`` used by the app to start runs.
Exit codes: 0 trained, 1 a problem with the config, data or training, 2 the graph
file cannot be read.
"""
from __future__ import annotations

import argparse
import gc
import os
import json
import sys
from pathlib import Path

# Flags whose value is not the setting's own: --early-stopping PATIENCE switches early stopping on
# with that patience; --augment NAME[=STRENGTH] is repeatable; --freeze and --classes take A[,B...].
FLAG_VALUES = {
    "early_stopping": (int, lambda v: {"early_stopping": True, "es_patience": v}),
    "augment": (str, lambda items: {"augment": dict(_parse_augment(a) for a in items)}),
    "freeze": (str, lambda v: {"freeze": _comma_list(v)}),
    "classes": (str, lambda v: {"classes": _comma_list(v)}),
    "upload_options": (str, lambda items: {"upload_options": dict(_parse_option(a) for a in items)}),
    "data_options": (str, lambda items: {"data_options": dict(_parse_option(a) for a in items)}),
}
TYPES = {"int": int, "float": float, "rate": float, "share": float, "choice": str, "text": str}


def _comma_list(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


def add_setting_flags(parser) -> None:
    """One flag per training setting the schema puts on the command line (runtime.config.SETTINGS)."""
    from .config import SETTINGS
    from .settings import CLI, on
    for s in on(SETTINGS, CLI):
        kw = {"dest": s.name, "default": None, "help": flag_help(s)}
        if s.name in FLAG_VALUES:
            kw.update(type=FLAG_VALUES[s.name][0], metavar=s.metavar)
            if s.kind == "dict":
                kw["action"] = "append"
        elif s.kind == "bool":
            kw["action"] = "store_true"
        else:
            kw.update(type=TYPES[s.kind], metavar=s.metavar or _metavar(s))
        parser.add_argument(*s.cli_flags, **kw)


def _metavar(s) -> str:
    if s.choices:
        return "{" + ",".join(s.choices) + "}"
    return "N" if s.kind == "int" else "X"


def flag_help(s) -> str:
    """One line: what the setting does (its own words, first sentence), its choices, its default(s)."""
    from .settings import first_sentence
    text = first_sentence(s.help["en"]).rstrip(".")
    if s.choices:
        text += f"; one of {', '.join(s.choices)}"
    if s.name == "early_stopping":
        text += "; PATIENCE: epochs without improvement before stopping"
    elif s.kind != "bool":
        facts = [s.range_text()] if s.lo is not None and not s.choices else []
        if s.default not in (None, "", [], {}):
            facts.append(f"default: {_shown(s.default)}")
            facts += [f"{m} {_shown(v)}" for m, v in s.mode_defaults.items()]
        text += f" ({'; '.join(facts)})" if facts else ""
    return text.replace("%", "%%")


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def given_settings(args) -> dict:
    """The settings the flags give (a flag left out gives nothing: the config file's or the run's default)."""
    from .config import SETTINGS
    from .settings import CLI, on
    out = {}
    for s in on(SETTINGS, CLI):
        value = getattr(args, s.name, None)
        if value is None:
            continue
        out.update(FLAG_VALUES[s.name][1](value) if s.name in FLAG_VALUES else {s.name: value})
    return out


def _read_graph(path: str, lang: str):
    """The graph document, or None after printing why it cannot be read (exit code 2)."""
    from builder.errors import FormatError
    from builder.graph import read_file
    try:
        return read_file(path)
    except FormatError as exc:
        print(exc.message(lang), file=sys.stderr)
        return None


def cmd_train(args) -> int:
    from builder.errors import CodedError
    from builder.i18n import translate
    from .config import ConfigError, TrainConfig
    from .rl import is_rl
    from .runs import FileControl, job_record, new_run_id, trainer_of
    from .train import train

    graph = _read_graph(args.graph, args.lang)
    if graph is None:
        return 2
    disc = None
    if args.discriminator:
        disc = _read_graph(args.discriminator, args.lang)
        if disc is None:
            return 2
    try:
        base = {}
        if args.config:
            try:
                base = json.loads(Path(args.config).read_text())
            except (OSError, ValueError) as exc:
                raise ConfigError("train.config_file", path=args.config, detail=str(exc)[:200]) from None
        base.update(given_settings(args))
        cfg = TrainConfig.from_dict(base)
        agent = is_rl(cfg, graph)          # an agent in an environment (runtime/rl): no data set to fetch
        if not cfg.upload and not agent:
            download_with_bar(cfg.data)
        out = Path(args.out) if args.out else Path("runs") / new_run_id()
        control = FileControl(out)
        control.install_signal_handlers()
        with trainer_of(out, job=job_record(cfg, graph, disc)):   # the folder's one trainer; job.json as the app's
            trainer, summary = train(cfg, graph, disc, run_dir=out, control=control, callbacks=[progress(agent, args.lang)])
    except CodedError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": False, "error": exc.to_json(args.lang)}, ensure_ascii=False))
        return 1
    summary = {"ok": True, **summary, "run_dir": str(out)}
    from .distributed import from_env
    if not from_env().main:      # under torchrun every rank trains; rank 0 alone reports
        return 0
    if args.json:
        print(json.dumps(summary))
    elif agent:
        print(translate("rl.done", args.lang, episodes=summary["episodes"], eval_return=summary["eval_return"], out=out))
    else:
        print(translate("train.done", args.lang, epochs=summary["epochs"], out=out))
    return 0


def progress(agent: bool, lang: str):
    """The console's progress: epochs and losses, or an agent's episodes and returns."""
    if agent:
        from .rl.record import AgentProgress
        return AgentProgress(lang=lang)
    from .progress import ConsoleProgress
    return ConsoleProgress(lang=lang)


def _parse_option(text: str):
    """KEY=VALUE with VALUE read as JSON where it is JSON (32, true), else as text (rgb, label)."""
    key, _, value = text.partition("=")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


def _parse_augment(text: str):
    name, _, value = text.partition("=")
    try:
        return name, float(value) if value else 1.0
    except ValueError:
        return name, value


def download_with_bar(name: str) -> None:
    """A standard set's missing files downloaded now, with a progress bar on stderr (a DataError
    says which files to place where when offline); nothing for other sets."""
    from .data import fetch, standard
    if name in standard.SETS and standard.missing_files(name):
        standard.ensure(name, fetch.terminal_bar())


def cmd_data(args) -> int:
    from .data import builtin
    from .data.errors import DataError
    try:
        download_with_bar(args.name)
        ds = builtin.load(args.name)
        if args.save:
            from .data import save_npz
            save_npz(ds, args.save)
            print(f"wrote {args.save}")
        else:
            shapes = {k: tuple(v.shape) for k, v in ds.inputs.items()}
            print(f"{ds.name}: {ds.kind}, {ds.task}, inputs {shapes}")
    except DataError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 1
    return 0


def cmd_run(args) -> int:
    from .runs import run_folder
    return run_folder(Path(args.run_dir))


def cmd_worker(args) -> int:
    """Import everything heavy now, then wait for one run folder on stdin and train it."""
    import torch
    from . import monitor, optim, prepare, runs, tasks, train  # noqa: F401
    from .data import builtin  # noqa: F401
    # The first optimizer a process builds imports torch._dynamo (~2-4 s): pay that now, not after Start.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    line = sys.stdin.readline().strip()
    if not line:
        return 0
    run_dir = Path(line)
    log = open(run_dir / "log.txt", "ab", buffering=0)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    return runs.run_folder(run_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m runtime", description="Train NetCanvas graphs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a graph on a data set")
    p.add_argument("graph", help="the graph file (NetCanvas graph JSON)")
    add_setting_flags(p)
    p.add_argument("--out", metavar="DIR", help="The run folder (default: runs/<id>)")
    p.add_argument("--config", metavar="FILE", help="The whole training config as a JSON file; flags override it "
                                                    "(docs/config.md lists every setting)")
    p.add_argument("--discriminator", metavar="GRAPH", help="The discriminator's graph file (GAN)")
    p.add_argument("--json", action="store_true", help="Print a JSON summary as the last line")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="Language of the messages (default: en)")
    p.set_defaults(run=cmd_train)
    from .tune.cli import add_tune_arguments, cmd_tune, cmd_tune_worker
    p = sub.add_parser("tune", help="search hyperparameters: a study of trials, each a run (docs/tune-space.md)")
    p.add_argument("graph", help="the graph file (NetCanvas graph JSON)")
    add_setting_flags(p)
    add_tune_arguments(p)
    p.add_argument("--out", metavar="DIR", required=True, help="The runs folder: trials are runs in it, the study "
                                                               "is DIR/studies/NAME")
    p.add_argument("--json", action="store_true", help="Print a JSON summary as the last line")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="Language of the messages (default: en)")
    p.set_defaults(run=cmd_tune)
    p = sub.add_parser("tune-worker", help=argparse.SUPPRESS)
    p.add_argument("folder")
    p.add_argument("--trials", type=int, required=True)
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--pool")
    p.set_defaults(run=cmd_tune_worker)
    from .compress.cli import add_compress_arguments, cmd_compress
    p = sub.add_parser("compress", help="prune and quantize a trained run into a new run (docs/compression.md)")
    add_compress_arguments(p)
    p.set_defaults(run=cmd_compress)
    p = sub.add_parser("data", help="describe a built-in data set or save it as NPZ")
    p.add_argument("name")
    p.add_argument("--save", metavar="FILE.npz")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.set_defaults(run=cmd_data)
    p = sub.add_parser("run", help=argparse.SUPPRESS)
    p.add_argument("run_dir")
    p.set_defaults(run=cmd_run)
    p = sub.add_parser("worker", help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_worker)
    return parser


def train_parser() -> argparse.ArgumentParser:
    """The ``train`` command's parser (its flags come from the settings schema)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def internal_parser() -> argparse.ArgumentParser:
    """The app's own commands (``run DIR``, ``worker``) alone: a trainer process starts without importing what
    the other commands need (Optuna for tune: ~0.3 s)."""
    parser = argparse.ArgumentParser(prog="python -m runtime")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("run_dir")
    run.set_defaults(run=cmd_run)
    sub.add_parser("worker").set_defaults(run=cmd_worker)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = internal_parser() if argv[:1] in (["run"], ["worker"]) else build_parser()
    args = parser.parse_args(argv)
    return args.run(args)


def quick_exit(code: int) -> None:
    """Exit with ``code`` without the interpreter's last garbage collections: with torch._dynamo imported (by
    the first optimizer) they take 2-3 s of CPU after the work is done, in every trainer and worker process.
    Everything is written and closed by then; objects are left to the operating system."""
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    quick_exit(main())
