"""``python -m runtime compress RUN [--prune AMOUNT] [--structured] [--quantize dynamic|static]
[--finetune-epochs N] --out DIR [--json]``. Exit codes as ``train``: 0 compressed, 1 a problem a
user can fix (the message says which), 2 the run cannot be read."""
from __future__ import annotations

import json
import sys

from . import QUANTIZE_MODES

KEYS = ("params", "nonzero", "bytes", "latency_ms", "val_acc", "val_loss")


def add_compress_arguments(p) -> None:
    p.add_argument("source", metavar="RUN", help="the trained run folder (or its checkpoint file)")
    p.add_argument("--prune", type=float, metavar="AMOUNT",
                   help="share of the weights to remove, between 0 and 1 (global magnitude pruning)")
    p.add_argument("--structured", action="store_true",
                   help="remove whole conv channels / linear units instead: the layers really shrink")
    p.add_argument("--quantize", choices=QUANTIZE_MODES,
                   help="int8: dynamic (Linear/LSTM/GRU) or static (conv nets, calibrated on training samples)")
    p.add_argument("--finetune-epochs", type=int, default=0, metavar="N",
                   help="epochs of fine-tuning after pruning, with the run's own settings (default: 0)")
    p.add_argument("--out", metavar="DIR", required=True, help="the new run folder")
    p.add_argument("--json", action="store_true", help="Print a JSON summary as the last line")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="Language of the messages (default: en)")


def row(table: dict) -> dict:
    return {k: table[k] for k in KEYS if k in table}


def cmd_compress(args) -> int:
    from builder.errors import CodedError
    from builder.i18n import translate
    from .pipeline import Steps, compress
    steps = Steps(prune=args.prune, structured=args.structured, quantize=args.quantize,
                  finetune_epochs=args.finetune_epochs)
    try:
        report = compress(args.source, args.out, steps)
    except CodedError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": False, "error": exc.to_json(args.lang)}, ensure_ascii=False))
        return 1
    before, after = row(report["before"]), row(report["after"])
    if args.json:
        print(json.dumps({"ok": True, "before": before, "after": after, "run_dir": str(args.out),
                          "float_layers": report["float_layers"]}))
    else:
        for key in before:
            print(f"{key:>11}  {before[key]:>12g}  ->  {after[key]:>12g}")
        print(translate("compress.done", args.lang, out=args.out))
    return 0
