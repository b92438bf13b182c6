"""A newcomer's first run: the default settings on each small built-in set, through the app's own path.

For each data set, the graph a newcomer would train (the matching template, else a plain MLP)
is started with ``runtime.runs.start`` and nothing but the data set chosen, exactly as the Train
page's Start does: the settings are the schema's defaults for that mode and data set, the run is
handed to the warm worker at the app's thread count. Prints the median validation accuracy over
seeds 0-4 and the seconds from Start to finished (median and worst).

    python bench/defaults_bench.py [--seeds 5] [--sets iris,wine,...]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from runtime import runfiles  # noqa: E402
from runtime import runs  # noqa: E402
from tests.graphs import chain  # noqa: E402

TARGETS = {"iris": 0.93, "wine": 0.93, "breast_cancer": 0.93, "moons": 0.95, "digits": 0.95}
WORKER_READY_S = 4.0      # the spare worker imports torch while the user looks at the page


def mlp(n_in: int, n_out: int) -> dict:
    return chain(("Linear", {"out_features": 32}), ("ReLU", {}), ("Linear", {"out_features": n_out}),
                 input_shape=(n_in,), name="mlp")


GRAPHS = {"iris": lambda: templates.load("perceptron"), "wine": lambda: mlp(13, 3),
          "breast_cancer": lambda: mlp(30, 2), "moons": lambda: mlp(2, 2), "digits": lambda: templates.load("digits_cnn")}


def first_run(data: str, seed: int, root: Path) -> tuple[float, float]:
    """(validation accuracy, seconds from Start to finished) of one run with the defaults."""
    runs.prewarm()
    time.sleep(WORKER_READY_S)
    start = time.perf_counter()
    run_dir = runs.start(GRAPHS[data](), {"data": data, "seed": seed}, root=root)
    status = runs.wait(run_dir, timeout=300)
    seconds = time.perf_counter() - start
    if status.get("state") != "finished":
        raise SystemExit(f"{data} seed {seed}: {status.get('state')} {status.get('error')}")
    return runfiles.read_json(run_dir / runfiles.SUMMARY)["val_acc"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", default=",".join(TARGETS))
    args = parser.parse_args()
    print(f"defaults per data set, median over seeds 0-{args.seeds - 1}, warm worker at "
          f"{runs.app_run_threads()} thread(s)")
    print(f"{'data':<14} {'val acc':>8} {'target':>7} {'worst':>7} {'s median':>9} {'s worst':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for data in args.sets.split(","):
            results = [first_run(data, seed, Path(tmp)) for seed in range(args.seeds)]
            accs, secs = [a for a, _ in results], [s for _, s in results]
            print(f"{data:<14} {statistics.median(accs):>8.3f} {TARGETS.get(data, 0):>7.2f} {min(accs):>7.3f} "
                  f"{statistics.median(secs):>9.1f} {max(secs):>8.1f}", flush=True)


if __name__ == "__main__":
    main()
