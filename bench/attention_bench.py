"""Acceptance bench for issue 19's attention item: the text_transformer template must reach the text_lstm
template's validation accuracy on the sentiment set within 1 point, with at most half its parameters.

    python bench/attention_bench.py [--epochs 15] [--seeds 0,1,2] [--threads 1]

Both templates are trained by NetCanvas's own CLI with the same settings (the defaults: Adam, lr 2e-3,
batch 64; the same epochs and seeds), on the sentiment set's default 4,000 sentences with 20% validation.
It prints each run's best validation accuracy, the mean over seeds and the parameter counts, and exits 0
when the mean gap is at most 1 point and the parameter ratio at most 0.5.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder import templates  # noqa: E402
from builder.shapes import check  # noqa: E402

TEMPLATES = ("text_lstm", "text_transformer")


def best_val_acc(template: str, epochs: int, seed: int, threads: int) -> float:
    out = Path(tempfile.mkdtemp(prefix=f"attention_bench_{template}_"))
    cmd = [sys.executable, "-m", "runtime", "train", f"builder/templates/{template}.json", "--data", "sentiment",
           "--epochs", str(epochs), "--device", "cpu", "--seed", str(seed), "--out", str(out), "--json"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return max(r["val_acc"] for r in records if r.get("kind") == "epoch")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    params = {t: check(templates.get(t).document()).total_params for t in TEMPLATES}
    means = {}
    for template in TEMPLATES:
        accs = [best_val_acc(template, args.epochs, seed, args.threads) for seed in seeds]
        means[template] = sum(accs) / len(accs)
        print(f"{template:17s} params {params[template]:6,d}  best val_acc per seed "
              + " ".join(f"{a:.4f}" for a in accs) + f"  mean {means[template]:.4f}", flush=True)
    gap = (means["text_lstm"] - means["text_transformer"]) * 100
    ratio = params["text_transformer"] / params["text_lstm"]
    print(f"transformer - lstm: {-gap:+.2f} points; parameters {ratio:.2f}x")
    return 0 if gap <= 1.0 and ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
