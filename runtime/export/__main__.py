"""Command line: export a run (a run folder or a checkpoint file).

    python -m runtime.export RUN_DIR --zip out.zip            # the bundle
    python -m runtime.export RUN_DIR --onnx model.onnx [--fixed-batch N] [--with-preprocess] [--part decoder]
    python -m runtime.export RUN_DIR --script train.py        # the standalone training script
    python -m runtime.export RUN_DIR --safetensors w.safetensors --state-dict w.pt --model model.py
    python -m runtime.export RUN_DIR --predict inputs.npy     # try the model: one JSON object per line
    python -m runtime.export RUN_DIR --generate "PROMPT" [--tokens N] [--temperature T] [--seed S]   # a language model writes on
    python -m runtime.export --graph G.json [--config C.json] [--discriminator D.json] --script train.py

Exit codes: 0 exported, 1 the export was refused (invalid graph, bad checkpoint, ...), 2 a file
cannot be read or written.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _read_inputs(path: str):
    """--predict FILE: .npy (one array), .npz (arrays by input name), .csv (rows), .txt (one text per
    line), .json (a list of texts, rows, or nested number lists)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        return np.load(p, allow_pickle=False)
    if suffix == ".npz":
        with np.load(p, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    if suffix == ".csv":
        import csv
        with open(p, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    if suffix == ".txt":
        return [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(p.read_text(encoding="utf-8"))


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def add_generate_arguments(parser) -> None:
    from runtime.export.script import bounded
    parser.add_argument("--generate", metavar="PROMPT", help="language model: print the text it writes after PROMPT")
    parser.add_argument("--tokens", type=bounded(int, 1, 100_000), default=200, metavar="N",
                        help="--generate: how many tokens to write (default 200)")
    parser.add_argument("--temperature", type=bounded(float, 0.0, 5.0), default=0.8, metavar="T",
                        help="--generate: 0 takes the likeliest token; higher is bolder (default 0.8)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="--generate: the same seed writes the same text")


def generate_from_run(run, args) -> str:
    from runtime.lm import MODE, generate_text
    from runtime.config import ConfigError
    if run.mode != MODE:
        raise ConfigError("textgen.not_a_language_model", mode=run.mode)
    from .predict import Predictor
    predictor = Predictor(run)
    return generate_text(predictor.module, predictor.record, args.generate, args.tokens, args.temperature, args.seed)


def main(argv=None) -> int:
    from builder.i18n import translate

    parser = argparse.ArgumentParser(prog="python -m runtime.export", description="Export a trained NetCanvas run.")
    parser.add_argument("run", nargs="?", help="a run folder or a checkpoint file")
    parser.add_argument("--zip", metavar="OUT.zip", help="the bundle: model, weights, training script, README")
    parser.add_argument("--with-onnx", action="store_true", help="put model.onnx into the bundle too")
    parser.add_argument("--onnx", metavar="OUT.onnx", help="ONNX model, checked in onnxruntime")
    parser.add_argument("--fixed-batch", type=int, metavar="N", help="ONNX with batch size N (default: dynamic)")
    parser.add_argument("--with-preprocess", action="store_true", help="ONNX takes raw data (normalisation inside)")
    parser.add_argument("--part", choices=("model", "decoder", "discriminator"), default="model",
                        help="what the ONNX file holds")
    parser.add_argument("--script", metavar="OUT.py", help="standalone training script")
    parser.add_argument("--model", metavar="OUT.py", help="the generated model source")
    parser.add_argument("--safetensors", metavar="OUT.safetensors", help="weights as safetensors")
    parser.add_argument("--state-dict", metavar="OUT.pt", help="weights as a PyTorch state dict")
    parser.add_argument("--predict", metavar="FILE", help="inputs to try the model on (.npy .npz .csv .txt .json)")
    parser.add_argument("--sample", type=int, metavar="N", help="VAE / GAN: N generated samples as JSON")
    add_generate_arguments(parser)
    parser.add_argument("--graph", help="without a run: the graph file (for --script or --model)")
    parser.add_argument("--config", help="without a run: the training config JSON (for --script)")
    parser.add_argument("--discriminator", help="without a run: the GAN discriminator graph (for --script)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    args = parser.parse_args(argv)
    lang = args.lang
    from builder.errors import CodedError
    from runtime.__main__ import _read_graph

    def wrote(path, **extra):
        if extra.get("diff") is not None:
            print(translate("export.onnx_checked", lang, path=path, diff=f"{extra['diff']:.2e}"))
        else:
            print(translate("export.wrote", lang, path=path))

    try:
        if args.run is None:
            if not args.graph or not (args.script or args.model):
                parser.error(translate("export.cli_need_run", lang))
            graph = _read_graph(args.graph, lang)
            disc = _read_graph(args.discriminator, lang) if args.discriminator else None
            if graph is None or (args.discriminator and disc is None):
                return 2
            config = {}
            if args.config:
                try:
                    config = json.loads(Path(args.config).read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    print(f"cannot read {args.config}: {exc}", file=sys.stderr)
                    return 2
            from .common import model_source
            from .script import training_script
            if args.model:
                Path(args.model).write_text(model_source(graph), encoding="utf-8")
                wrote(args.model)
            if args.script:
                Path(args.script).write_text(training_script(graph, config, None, disc), encoding="utf-8")
                wrote(args.script)
            return 0

        from .common import load_run
        run = load_run(args.run)
        did = False
        if args.zip:
            from .bundle import make_bundle
            make_bundle(run, args.zip, lang=lang, onnx=args.with_onnx)
            wrote(args.zip)
            did = True
        if args.script:
            from .script import training_script
            disc = run.discriminator if run.mode == "gan" else None
            Path(args.script).write_text(training_script(run.graph, run.config, run.preprocess, disc), encoding="utf-8")
            wrote(args.script)
            did = True
        if args.model:
            from .common import model_source
            Path(args.model).write_text(model_source(run.graph), encoding="utf-8")
            wrote(args.model)
            did = True
        if args.safetensors:
            from .weights import save_safetensors
            save_safetensors(run, args.safetensors)
            wrote(args.safetensors)
            did = True
        if args.state_dict:
            from .weights import save_state_dict
            save_state_dict(run, args.state_dict)
            wrote(args.state_dict)
            did = True
        if args.onnx:
            from .onnx_export import export_onnx
            result = export_onnx(run, args.onnx, part=args.part, dynamic_batch=args.fixed_batch is None,
                                 batch_size=args.fixed_batch or 1, with_preprocess=args.with_preprocess)
            wrote(args.onnx, diff=result.max_abs_diff)
            did = True
        if args.generate is not None:
            print(generate_from_run(run, args))
            did = True
        if args.predict or args.sample:
            from .predict import Predictor
            predictor = Predictor(run)
            if args.predict:
                try:
                    raw = _read_inputs(args.predict)
                except (OSError, ValueError) as exc:
                    print(f"cannot read {args.predict}: {exc}", file=sys.stderr)
                    return 2
                print(json.dumps({k: _jsonable(v) for k, v in predictor.predict(raw).items()}, ensure_ascii=False))
            if args.sample:
                print(json.dumps({"samples": predictor.sample(args.sample).tolist()}))
            did = True
        if not did:
            parser.error(translate("export.cli_nothing", lang))
    except CodedError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    except OSError as exc:     # an output that cannot be written: a folder that does not exist, a full disk
        print(f"cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
