"""Command line: ``python -m runtime train G.json --data NAME --epochs N --out DIR [--json]``.

Also ``python -m runtime data NAME --save FILE.npz`` (a built-in set as NPZ, for exported
scripts) and the internal ``run DIR`` / ``worker`` used by the app to start runs.
Exit codes: 0 trained, 1 a problem with the config, data or training, 2 the graph
file cannot be read.
"""
from __future__ import annotations

import argparse
import os
import json
import sys
from pathlib import Path

FLAGS = {  # flag -> (config key, type, metavar); help, choices and default come from the config and the words
    "--data": ("data", str, "NAME"), "--upload": ("upload", str, "FILE"), "--mode": ("mode", str, None),
    "--epochs": ("epochs", int, "N"), "--batch-size": ("batch_size", int, "N"), "--max-steps": ("max_steps", int, "N"),
    "--optimizer": ("optimizer", str, None), "--lr": ("lr", float, "RATE"), "--loss": ("loss", str, None),
    "--schedule": ("schedule", str, None), "--weight-decay": ("weight_decay", float, "L2"), "--l1": ("l1", float, "L1"),
    "--grad-clip": ("grad_clip", float, "NORM"), "--label-noise": ("label_noise", float, "SHARE"),
    "--val-split": ("val_split", float, "SHARE"), "--test-split": ("test_split", float, "SHARE"),
    "--seed": ("seed", int, "N"), "--device": ("device", str, None), "--amp": ("amp", str, None),
    "--init-from": ("init_from", str, "CHECKPOINT"), "--freeze": ("freeze", str, "ID[,ID...]"),
}


def _choices(key: str):
    from .config import AMP, DEVICES, LOSSES, MODES, OPTIMIZERS, SCHEDULES
    return {"mode": MODES, "optimizer": OPTIMIZERS, "loss": LOSSES, "schedule": SCHEDULES, "device": DEVICES,
            "amp": AMP}.get(key)


def _help(key: str, default=None) -> str:
    """One line: what the setting does (the Train form's words, first sentence), its choices, its default."""
    from builder.i18n import TEXT, t
    text = t(f"trainpage.help.{key}") if f"trainpage.help.{key}" in TEXT else t(f"cli.help.{key}")
    text = text.split(". ")[0].rstrip(".")
    choices = _choices(key)
    if choices:
        text += f"; one of {', '.join(choices)}"
    if default not in (None, "", [], {}):
        text += f" (default: {default:g})" if isinstance(default, float) else f" (default: {default})"
    return text.replace("%", "%%")


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
    from builder.i18n import t
    from .config import ConfigError, TrainConfig
    from .progress import ConsoleProgress
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
        for flag, (key, _type, _metavar) in FLAGS.items():
            value = getattr(args, flag[2:].replace("-", "_"))
            if value is not None:
                base[key] = [n.strip() for n in value.split(",") if n.strip()] if key == "freeze" else value
        if args.early_stopping is not None:
            base["early_stopping"] = True
            base["es_patience"] = args.early_stopping
        if args.augment:
            base["augment"] = dict(_parse_augment(a) for a in args.augment)
        if args.compile:
            base["compile"] = True
        if args.resume:
            base["resume"] = True
        cfg = TrainConfig.from_dict(base)
        out = Path(args.out) if args.out else Path("runs") / new_run_id()
        control = FileControl(out)
        control.install_signal_handlers()
        with trainer_of(out, job=job_record(cfg, graph, disc)):   # the folder's one trainer; job.json as the app's
            trainer, summary = train(cfg, graph, disc, run_dir=out, control=control, callbacks=[ConsoleProgress(lang=args.lang)])
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
    else:
        print(t("train.done", args.lang, epochs=summary["epochs"], out=out))
    return 0


def _parse_augment(text: str):
    name, _, value = text.partition("=")
    try:
        return name, float(value) if value else 1.0
    except ValueError:
        return name, value


def cmd_data(args) -> int:
    from .data import builtin
    from .data.errors import DataError
    try:
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime", description="Train NetCanvas graphs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a graph on a data set")
    p.add_argument("graph", help="the graph file (NetCanvas graph JSON)")
    from .config import TrainConfig
    defaults = TrainConfig()
    for flag, (key, typ, metavar) in FLAGS.items():
        p.add_argument(flag, type=typ, metavar=metavar or "{" + ",".join(_choices(key)) + "}",
                       help=_help(key, getattr(defaults, key)))
    p.add_argument("--out", metavar="DIR", help=_help("out"))
    p.add_argument("--config", metavar="FILE", help=_help("config"))
    p.add_argument("--discriminator", metavar="GRAPH", help=_help("discriminator"))
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE", help=_help("early_stopping_patience"))
    p.add_argument("--augment", action="append", metavar="NAME[=STRENGTH]", help=_help("augment"))
    p.add_argument("--compile", action="store_true", help=_help("compile"))
    p.add_argument("--resume", action="store_true", help=_help("resume"))
    p.add_argument("--json", action="store_true", help=_help("json"))
    p.add_argument("--lang", choices=("en", "zh"), default="en", help=_help("lang", "en"))
    p.set_defaults(run=cmd_train)
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
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
