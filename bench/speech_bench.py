"""Acceptance bench for issue 17: speech_cnn on spoken_digits, trained the way the app trains it
(``python -m runtime train``, the set's defaults: 40 epochs, Adam, one-cycle schedule to lr 0.01),
on the CPU with 2 threads.

    python bench/speech_bench.py [--budget 120]

Prints the validation accuracy (voices training never heard) after each epoch with the seconds
since the run started, the first time it reached 90%, and the accuracy within the budget.
Target: >= 90% within 120 s on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds")
    parser.add_argument("--template", default="speech_cnn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "runtime", "train", str(ROOT / f"builder/templates/{args.template}.json"),
                        "--data", "spoken_digits", "--device", "cpu", "--out", out, "--json"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        total = time.perf_counter() - start
        epochs = [json.loads(line) for line in (Path(out) / "metrics.jsonl").read_text().splitlines()
                  if '"kind":"epoch"' in line.replace(" ", "")]
    first_90 = next((e["time"] for e in epochs if e["val_acc"] >= 0.9), None)
    within = max((e["val_acc"] for e in epochs if e["time"] <= args.budget), default=0.0)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for e in epochs:
        print(f"epoch {e['epoch']:2d}  {e['time']:6.1f} s  val_acc {e['val_acc']:.3f}")
    print(f"whole run (process start to end): {total:.1f} s")
    print(f"first >= 90%: {'never' if first_90 is None else f'{first_90:.1f} s'}; best within {args.budget:.0f} s: "
          f"{within:.3f} -> {'PASS' if within >= 0.9 else 'FAIL'}")


if __name__ == "__main__":
    main()
