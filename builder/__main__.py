"""Command line: ``python -m builder check G.json [--json]``, ``python -m builder export G.json -o model.py`` and
``python -m builder import FILE.py:ClassName [--args JSON] [--weights W] -o graph.json`` (or ``FILE.onnx``).

Exit codes: 0 valid, 1 the graph has errors, 2 the file is not a graph we can read
(not JSON, another format, an unknown version, too large or too deeply nested).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .codegen import generate
from .errors import CheckError, CodedError, FormatError, fmt_shape
from .graph import INSTANCE, read_file
from .i18n import LANGS, translate
from .shapes import check


def _print_errors(errors: list[CheckError], lang: str) -> None:
    for e in errors:
        print(e.message(lang))


def cmd_check(args) -> int:
    try:
        doc = read_file(args.graph)
    except FormatError as exc:
        if args.json:
            print(json.dumps({"ok": False, "errors": [exc.error.to_json(args.lang)], "shapes": {}, "params": 0},
                             ensure_ascii=False))
        else:
            print(exc.message(args.lang), file=sys.stderr)
        return 2
    result = check(doc)
    if args.json:
        print(json.dumps(result.to_json(args.lang), ensure_ascii=False))
    elif result.ok:
        width = max((len(n.id) for n in result.graph.nodes), default=4)
        for n in result.graph.nodes:
            kind = n.type if n.type != INSTANCE else f"{INSTANCE} {n.params['block']}"   # an instance: its block
            print(f"{n.id:<{width}}  {kind:<24} {fmt_shape(result.shapes[n.id]):<18} {result.counts.get(n.id, 0):>12,}")
        print(translate("cli.check_ok", args.lang, nodes=len(result.graph.nodes), params=f"{result.total_params:,}"))
        for advice in result.advice:      # it checks, but may not train well: say so, exit 0
            print(translate("cli.advice", args.lang, message=advice.message(args.lang)))
    else:
        _print_errors(result.errors, args.lang)
    return 0 if result.ok else 1


def cmd_export(args) -> int:
    try:
        doc = read_file(args.graph)
    except FormatError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 2
    result = check(doc)
    if not result.ok:
        _print_errors(result.errors, args.lang)
        return 1
    source = generate(doc, result).source
    if args.output in (None, "-"):
        sys.stdout.write(source)
    else:
        Path(args.output).write_text(source, encoding="utf-8")
        print(translate("cli.exported", args.lang, path=args.output, params=f"{result.total_params:,}"))
    return 0


def cmd_import(args) -> int:
    from .importing import import_source   # torch only for this command
    try:
        imported = import_source(args.source, args.args, weights=args.weights, output=args.output)
    except CodedError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 1
    print(translate("import.cli_done", args.lang, path=args.output, nodes=imported.nodes,
                    params=f"{imported.params:,}"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m builder", description="Check and export NetCanvas graphs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="check a graph file: shapes, errors, parameter count")
    p.add_argument("graph", help="graph JSON file ('-' for standard input)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--lang", choices=LANGS, default="en")
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("export", help="write standalone PyTorch source for a graph")
    p.add_argument("graph", help="graph JSON file ('-' for standard input)")
    p.add_argument("-o", "--output", help="output .py file (default: standard output)")
    p.add_argument("--lang", choices=LANGS, default="en")
    p.set_defaults(run=cmd_export)
    p = sub.add_parser("import", help="a PyTorch nn.Module (FILE.py:ClassName; runs the file's code) or an ONNX "
                                      "file as a graph")
    p.add_argument("source", help="FILE.py:ClassName or FILE.onnx")
    p.add_argument("--args", help='input shapes without the batch dimension, as JSON: {"x": [1, 28, 28]}')
    p.add_argument("--weights", help="a state dict (.safetensors, or .pt read with weights_only=True) to bring along")
    p.add_argument("-o", "--output", required=True, help="graph JSON file to write")
    p.add_argument("--lang", choices=LANGS, default="en")
    p.set_defaults(run=cmd_import)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
