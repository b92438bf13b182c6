"""The run folder on disk (see docs/run-format.md): atomic JSON writes, append-only JSONL, tolerant readers.

Writers never leave half a file: JSON and arrays go to a temporary name and are
renamed into place; JSONL records are appended one whole line per write, and
readers ignore a trailing line without its newline (a record still being written).
"""
from __future__ import annotations

import io
import json
import math
import os
import time
from pathlib import Path

import numpy as np

RUN_FORMAT_VERSION = 1

CONFIG = "config.json"
GRAPH = "graph.json"
DISCRIMINATOR = "discriminator.json"
STATUS = "status.json"
CONTROL = "control.json"
METRICS = "metrics.jsonl"
STATS = "stats.jsonl"
SUMMARY = "summary.json"
PREPROCESS = "preprocess.json"
ACTIVATIONS = "activations.npz"
SAMPLES = "samples.npz"
CONFUSION = "confusion.json"
BOUNDARY = "boundary.npz"
TEST = "test.json"
LOG = "log.txt"
CKPT_LAST = "checkpoint_last.pt"
CKPT_BEST = "checkpoint_best.pt"


def _clean(value):
    """JSON-safe: NaN/inf become None (JSON has no NaN), numpy scalars become numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_clean(data), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def jsonl_line(record: dict) -> str:
    return json.dumps(_clean(record), ensure_ascii=False, separators=(",", ":")) + "\n"


def append_jsonl(path: Path, record: dict) -> None:
    append_lines(path, [jsonl_line(record)])


def append_lines(path: Path, lines: list[str]) -> None:
    """Whole lines in one append, so a reader never sees part of a record but the last line's."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(lines).encode("utf-8"))
    finally:
        os.close(fd)


def read_jsonl(path: Path, start: int = 0) -> tuple[list[dict], int]:
    """Records from byte offset ``start``; returns them and the offset to continue from."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
    except OSError:
        return [], start
    end = data.rfind(b"\n") + 1   # a last line without newline is still being written
    records = []
    for line in data[:end].splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records, start + end


def write_npz(path: Path, **arrays) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def read_npz(path: Path) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError):
        return None


def now() -> float:
    return time.time()
