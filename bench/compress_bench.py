"""Compression benchmark: what pruning and int8 quantization buy on the digits templates, measured by
``runtime.compress`` (the same table as ``python -m runtime compress --json``).

    python bench/compress_bench.py [--mlp-epochs N] [--cnn-epochs N] [--text-epochs N]

Trains the digits MLP, the digits CNN and the text LSTM (sentiment) templates (runs in a temporary
folder), then checks:
1. digits MLP, dynamic int8: bytes of the saved weights <= 0.35x, validation accuracy within 1 point;
2. digits CNN, static int8 (calibrated on 512 training samples): bytes <= 0.45x, within 1 point;
3. digits MLP, 50% magnitude pruning + 2 epochs of fine-tuning: non-zero parameters <= 0.5x after
   ``prune.remove``, within 1 point;
4. text LSTM (Embedding, LSTM, Linear), dynamic int8 (LSTM and Linear int8, the Embedding float):
   bytes <= 0.5x, within 1 point.
Latency (one thread, batch of 64, median of 15) is printed as a ratio too, not a target: on a machine
shared with other work it moves.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = [  # (name, template, compression steps, {key: largest after/before ratio})
    ("digits MLP, dynamic int8", "mlp", {"quantize": "dynamic"}, {"bytes": 0.35}),
    ("digits CNN, static int8", "digits_cnn", {"quantize": "static"}, {"bytes": 0.45}),
    ("digits MLP, 50% pruning + 2 epochs", "mlp", {"prune": 0.5, "finetune_epochs": 2}, {"nonzero": 0.5}),
    ("sentiment text LSTM, dynamic int8", "text_lstm", {"quantize": "dynamic"}, {"bytes": 0.5}),
]
DATA = {"mlp": "digits", "digits_cnn": "digits", "text_lstm": "sentiment"}
ACCURACY_POINTS = 1.0


def train(root: Path, template: str, epochs: int) -> Path:
    from tests.trained_runs import trained_run
    graph = json.loads((ROOT / "builder" / "templates" / f"{template}.json").read_text())
    return trained_run(root, {"data": DATA[template], "epochs": epochs}, graph, run_id=template)


def check(name: str, report: dict, limits: dict) -> bool:
    before, after = report["before"], report["after"]
    ok = True
    print(f"\n{name}")
    for key in ("params", "nonzero", "bytes", "latency_ms", "val_acc"):
        ratio = after[key] / before[key] if before[key] else float("nan")
        verdict = ""
        if key in limits:
            passed = ratio <= limits[key]
            ok &= passed
            verdict = f"  target <= {limits[key]}x: {'PASS' if passed else 'FAIL'}"
        print(f"  {key:>10}: {before[key]:>12.4g} -> {after[key]:>12.4g}  ({ratio:.3f}x){verdict}")
    drop = 100 * (before["val_acc"] - after["val_acc"])
    passed = drop <= ACCURACY_POINTS
    print(f"  accuracy change: {-drop:+.2f} points  target within {ACCURACY_POINTS}: {'PASS' if passed else 'FAIL'}")
    if report["float_layers"]:
        print(f"  layers left float: {', '.join(report['float_layers'])}")
    return ok and passed


def main() -> int:
    from runtime.compress.pipeline import Steps, compress
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlp-epochs", type=int, default=20)
    parser.add_argument("--cnn-epochs", type=int, default=10)
    parser.add_argument("--text-epochs", type=int, default=2)
    args = parser.parse_args()
    epochs = {"mlp": args.mlp_epochs, "digits_cnn": args.cnn_epochs, "text_lstm": args.text_epochs}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = {t: train(root, t, epochs[t]) for t in epochs}
        for i, (name, template, steps, limits) in enumerate(CASES):
            report = compress(sources[template], root / f"compressed-{i}", Steps(**steps))
            ok &= check(name, report, limits)
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
