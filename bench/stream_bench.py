"""Streaming benchmark: peak memory of a training run over an image folder of 25,000 files against
one of 100,000 (target: peak over 100k <= peak over 25k + 150 MB).

    python bench/stream_bench.py [--dir CACHE] [--sizes 25000,100000] [--steps N]
    python bench/stream_bench.py --standard [--steps N]

``--standard``: CIFAR-10 (60,000 images) in memory against streamed from disk (``--data-option
stream=true``): peak memory of each run. Uses the real file when it is in NETCANVAS_DATA, else
writes a full-size archive in the official binary format with generated pixels.

It writes N 32x32 RGB PNGs in 10 class folders under ``--dir`` (kept for the next run; the smaller
set is hard links to the first files of the larger one), then trains one epoch of a small CNN on
each with ``python -m runtime train --upload FOLDER`` (images streamed from disk through
``DataLoader`` workers, monitoring on) in a subprocess, and prints the peak resident memory of
the trainer with its workers: polled every 0.1 s and summed over the process tree (pages the
workers share with the trainer are counted in each, so the sum is an upper bound), and each
process's own peak (VmHWM).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASSES = 10
SIDE = 32
CNN = {"format": "netcanvas.graph", "version": 1, "name": "stream_cnn", "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [3, SIDE, SIDE]}},
    {"id": "conv", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}},
    {"id": "relu", "type": "ReLU", "params": {}},
    {"id": "pool", "type": "MaxPool2d", "params": {"kernel_size": 4}},
    {"id": "flat", "type": "Flatten", "params": {}},
    {"id": "fc", "type": "Linear", "params": {"out_features": CLASSES}},
    {"id": "y", "type": "Output", "params": {}}]}
CNN["edges"] = [{"source": a["id"], "target": b["id"]} for a, b in zip(CNN["nodes"], CNN["nodes"][1:])]


# ----------------------------------------------------------------------------- the images

def _write_chunk(args) -> None:
    import numpy as np
    from PIL import Image
    folder, start, stop = args
    for i in range(start, stop):
        cls = i % CLASSES
        rng = np.random.default_rng(i)
        tint = np.array([(cls * 25) % 256, (cls * 70) % 256, (cls * 140) % 256], dtype=np.int16)
        pixels = np.clip(rng.integers(-60, 60, (SIDE, SIDE, 3)) + tint, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(Path(folder) / f"c{cls}" / f"{i:07d}.png")


def image_folder(cache: Path, n: int, largest: int) -> Path:
    """``cache/N``: N images, made once (in parallel) or, below the largest set, linked from it."""
    folder = cache / str(n)
    done = folder / ".complete"
    if done.exists():
        return folder
    for c in range(CLASSES):
        (folder / f"c{c}").mkdir(parents=True, exist_ok=True)
    source = cache / str(largest)
    if n < largest and (source / ".complete").exists():
        for i in range(n):
            name = Path(f"c{i % CLASSES}") / f"{i:07d}.png"
            if not (folder / name).exists():
                os.link(source / name, folder / name)
    else:
        chunks = [(str(folder), s, min(n, s + 2000)) for s in range(0, n, 2000)]
        with multiprocessing.Pool(max(1, (os.cpu_count() or 2))) as pool:
            pool.map(_write_chunk, chunks)
    done.write_text(str(n))
    return folder


# ----------------------------------------------------------------------------- memory of a process tree

def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def run_measured(cmd: list[str]) -> dict:
    """Run ``cmd``; its peak summed RSS (MB) over the process tree, per-process peaks and its output."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_sum, peak_anon, hwm = 0, 0, {}
    started = time.time()
    while proc.poll() is None:
        pids = _tree(proc.pid)
        peak_sum = max(peak_sum, sum(_status_kb(p, "VmRSS") for p in pids))
        # anonymous memory only: a memory-mapped file's pages are in RSS too, but they are the page cache's
        peak_anon = max(peak_anon, sum(_status_kb(p, "RssAnon") for p in pids))
        for p in pids:
            hwm[p] = max(hwm.get(p, 0), _status_kb(p, "VmHWM"))
        time.sleep(0.1)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"training failed ({proc.returncode}):\n{err[-3000:]}")
    return {"seconds": time.time() - started, "peak_sum_mb": peak_sum / 1024, "peak_anon_mb": peak_anon / 1024,
            "trainer_hwm_mb": hwm.get(proc.pid, 0) / 1024,
            "workers_hwm_mb": sorted(round(v / 1024) for p, v in hwm.items() if p != proc.pid and v),
            "summary": json.loads(out.strip().splitlines()[-1])}


def train_once(folder: Path, steps: int, work: Path) -> dict:
    graph = work / "cnn.json"
    graph.write_text(json.dumps(CNN))
    conf = work / "config.json"
    conf.write_text(json.dumps({"upload_options": {"size": SIDE, "color": "rgb", "normalize": True}}))
    cmd = [sys.executable, "-m", "runtime", "train", str(graph), "--upload", str(folder), "--config", str(conf),
           "--epochs", "1", "--batch-size", "128", "--val-split", "0.1", "--out", str(work / f"run{folder.name}"),
           "--json"]
    if steps:
        cmd += ["--max-steps", str(steps)]
    return run_measured(cmd)


def cifar10_cache(cache: Path) -> Path:
    """A data cache folder holding cifar-10-binary.tar.gz: NETCANVAS_DATA's when the real file is there,
    else ``cache/standard`` with a full-size archive of generated pixels (made once)."""
    import numpy as np
    from runtime.data import cifar_binary, standard
    if not standard.missing_files("cifar10"):
        return standard.cache_root()
    folder = cache / "standard" / "cifar10"
    target = folder / standard.SETS["cifar10"].files[0].name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        layout = cifar_binary.LAYOUTS["cifar10"]
        batches = {b: (rng.integers(0, 256, (10_000, 3, SIDE, SIDE), dtype=np.uint8), np.arange(10_000) % CLASSES)
                   for b in (*layout.train, layout.test)}
        cifar_binary.write(target, batches, [f"c{i}" for i in range(CLASSES)], layout)
    return folder.parent


def standard_runs(cache: Path, steps: int) -> None:
    data = cifar10_cache(cache)
    with tempfile.TemporaryDirectory() as tmp:
        graph = Path(tmp) / "cnn.json"
        graph.write_text(json.dumps(CNN))
        peaks = {}
        for how, flags in (("in memory", []), ("streamed", ["--data-option", "stream=true"])):
            cmd = [sys.executable, "-m", "runtime", "train", str(graph), "--data", "cifar10", *flags, "--epochs", "1",
                   "--batch-size", "128", "--max-steps", str(steps or 100), "--out", str(Path(tmp) / how), "--json"]
            os.environ["NETCANVAS_DATA"] = str(data)
            r = run_measured(cmd)
            peaks[how] = r["peak_anon_mb"]
            print(f"cifar10 {how:>9}: peak anonymous memory (summed) {r['peak_anon_mb']:6.0f} MB; "
                  f"peak RSS (summed, with mapped file pages) {r['peak_sum_mb']:6.0f} MB; trainer's own "
                  f"{r['trainer_hwm_mb']:.0f} MB; workers' {r['workers_hwm_mb']} MB; {r['seconds']:.0f} s, "
                  f"{r['summary']['samples_per_s']:.0f} samples/s")
    print(f"anonymous memory, streamed - in memory: {peaks['streamed'] - peaks['in memory']:+.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "netcanvas_stream_bench"),
                        help="where the generated images are kept between runs")
    parser.add_argument("--sizes", default="25000,100000", help="image counts, comma-separated (smallest first)")
    parser.add_argument("--steps", type=int, default=0, help="stop each epoch after this many steps (0: whole epoch)")
    parser.add_argument("--standard", action="store_true", help="CIFAR-10 in memory against streamed from disk")
    args = parser.parse_args()
    cache = Path(args.dir)
    if args.standard:
        sys.path.insert(0, str(ROOT))
        return standard_runs(cache, args.steps)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    t0 = time.time()
    image_folder(cache, sizes[-1], sizes[-1])
    folders = {n: image_folder(cache, n, sizes[-1]) for n in sizes}
    print(f"images ready in {time.time() - t0:.0f} s under {cache}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            r = results[n] = train_once(folders[n], args.steps, Path(tmp))
            s = r["summary"]
            print(f"{n:>9,} images: peak RSS (trainer + workers, summed) {r['peak_sum_mb']:7.0f} MB; trainer's own "
                  f"peak {r['trainer_hwm_mb']:.0f} MB; workers' {r['workers_hwm_mb']} MB; {r['seconds']:.0f} s, "
                  f"{s['steps']} steps, {s['samples_per_s']:.0f} samples/s, val_acc {s.get('val_acc', 0):.3f}")
    small, large = results[sizes[0]], results[sizes[-1]]
    diff = large["peak_sum_mb"] - small["peak_sum_mb"]
    verdict = "ok" if diff <= 150 else "OVER"
    print(f"peak over {sizes[-1]:,} - peak over {sizes[0]:,}: {diff:+.0f} MB (target <= +150 MB: {verdict}); "
          f"trainer alone {large['trainer_hwm_mb'] - small['trainer_hwm_mb']:+.0f} MB")


if __name__ == "__main__":
    main()
