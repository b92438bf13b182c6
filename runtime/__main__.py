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

FLAGS = {  # flag -> (config key, type)
    "--data": ("data", str), "--epochs": ("epochs", int), "--optimizer": ("optimizer", str), "--lr": ("lr", float),
    "--batch-size": ("batch_size", int), "--seed": ("seed", int), "--device": ("device", str), "--mode": ("mode", str),
    "--val-split": ("val_split", float), "--loss": ("loss", str), "--schedule": ("schedule", str),
    "--weight-decay": ("weight_decay", float), "--l1": ("l1", float), "--amp": ("amp", str),
    "--upload": ("upload", str), "--init-from": ("init_from", str), "--max-steps": ("max_steps", int),
    "--test-split": ("test_split", float),
}


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
        for flag, (key, _type) in FLAGS.items():
            value = getattr(args, flag[2:].replace("-", "_"))
            if value is not None:
                base[key] = value
        if args.early_stopping is not None:
            base["early_stopping"] = True
            base["es_patience"] = args.early_stopping
        if args.augment:
            base["augment"] = dict(_parse_augment(a) for a in args.augment)
        if args.compile:
            base["compile"] = True
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
    p.add_argument("graph")
    for flag, (_key, typ) in FLAGS.items():
        p.add_argument(flag, type=typ)
    p.add_argument("--out", help="run folder (default: runs/<id>)")
    p.add_argument("--config", help="training config JSON; flags override it")
    p.add_argument("--discriminator", help="discriminator graph (GAN)")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE", help="stop after PATIENCE epochs without improvement")
    p.add_argument("--augment", action="append", metavar="NAME[=STRENGTH]", help="image augmentation, repeatable")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--json", action="store_true", help="last stdout line: a JSON summary")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
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
