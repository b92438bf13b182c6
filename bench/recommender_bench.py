"""Acceptance bench for issue 19's recommender item: the recommender template on the ratings set, trained by
NetCanvas's own CLI with the defaults (30 epochs; for ratings lr 5e-3 and weight decay 1e-3), must end at most
0.78x the validation MSE of predicting the training mean, for each of seeds 0-2.

    python bench/recommender_bench.py [--seeds 0,1,2]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.78


def last_epoch(seed: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="recommender_bench_"))
    cmd = [sys.executable, "-m", "runtime", "train", "builder/templates/recommender.json", "--data", "ratings",
           "--device", "cpu", "--seed", str(seed), "--out", str(out), "--json"]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r for r in records if r.get("kind") == "epoch"][-1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    ratios = []
    for seed in (int(s) for s in args.seeds.split(",")):
        r = last_epoch(seed)
        ratios.append(r["val_loss"] / r["val_baseline"])
        print(f"seed {seed}: val MSE {r['val_loss']:.3f} against {r['val_baseline']:.3f} for the mean: "
              f"{ratios[-1]:.3f}x", flush=True)
    print(f"worst {max(ratios):.3f}x (target <= {TARGET}x)")
    return 0 if max(ratios) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
