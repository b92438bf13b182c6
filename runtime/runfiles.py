"""The run folder on disk (see docs/run-format.md): atomic JSON writes, append-only JSONL, tolerant readers.

Writers never leave half a file: JSON and arrays go to a temporary name and are
renamed into place; JSONL records are appended one whole line per write, and
readers ignore a trailing line without its newline (a record still being written).
A write that fails (full disk, read-only folder) raises ``RunFolderError``, a coded
error naming the file, and leaves no temporary file behind.
"""
from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import time
from pathlib import Path

import numpy as np

from builder.errors import CodedError

try:
    import fcntl
except ImportError:     # not on Unix: runs are not locked
    fcntl = None

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
ATTENTION = "attention.npz"
CONFUSION = "confusion.json"
BOUNDARY = "boundary.npz"
TEST = "test.json"
LOG = "log.txt"
CKPT_LAST = "checkpoint_last.pt"
CKPT_BEST = "checkpoint_best.pt"
LOCK = "run.lock"
TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")    # .<name>.<pid of the writer>.tmp
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
FAILURE_MARK = "netcanvas-run-failed "             # a log.txt line: the failure a status could not hold


class RunFolderError(CodedError):
    """A run folder that cannot be used: it cannot be made or written (full disk, read-only,
    a file in the way), or another trainer holds it."""


def os_detail(exc: OSError) -> str:
    """``No space left on device``: the errno's text without Python's decoration."""
    return os.strerror(exc.errno) if exc.errno else str(exc)


def write_error(path, exc: OSError) -> RunFolderError:
    code = "run.disk_full" if exc.errno in DISK_FULL else "run.write_failed"
    return RunFolderError(code, path=str(path), detail=os_detail(exc))


def temporary(path: Path) -> Path:
    """Where a file is written before it is renamed into place (this process's own name)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def writing(path: Path, tmp: Path | None = None):
    """OSError while writing ``path`` -> RunFolderError naming it; the temporary file is removed
    (on a full disk that gives the space back, so the failed status can still be written)."""
    try:
        yield
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise write_error(path, exc) from exc


def make_dir(path: Path) -> None:
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFolderError("run.folder_unusable", path=str(path), detail=os_detail(exc)) from exc


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


def write_bytes(path: Path, data: bytes) -> None:
    """Written whole under a temporary name, then renamed into place."""
    tmp = temporary(path)
    with writing(path, tmp):
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data) -> None:
    write_text(path, json.dumps(_clean(data), ensure_ascii=False, indent=1))


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
    with writing(path):
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


def write_npz(path: Path, compress: bool = True, **arrays) -> None:
    """``arrays`` as one .npz file; ``compress=False`` for files rewritten every few seconds while a run
    trains, where zlib would cost more time than the disk space it saves."""
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    write_bytes(path, buf.getvalue())


def read_npz(path: Path) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError):
        return None


# -- one trainer per folder -------------------------------------------------------------------
def take_lock(run_dir: Path, wait: float = 1.0):
    """The folder's exclusive lock (``run.lock``), held while the returned file stays open; the OS
    releases it when the process ends, however it ends. None when another process holds it
    for ``wait`` seconds (a reader's brief probe, ``is_locked``, is not a trainer)."""
    path = Path(run_dir) / LOCK
    with writing(path):
        lock = open(path, "a")
    if fcntl is None:
        return lock
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.close()
                return None
            time.sleep(0.05)


def is_locked(run_dir: Path, wait: float = 1.0) -> bool:
    """Whether a trainer holds the folder's lock, and still holds it ``wait`` seconds on (a trainer
    that has just written its last status lets go of the lock a moment later)."""
    try:
        probe = open(Path(run_dir) / LOCK, "rb")
    except OSError:
        return False
    deadline = time.monotonic() + wait
    with probe:
        while fcntl is not None:
            try:
                fcntl.flock(probe.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return True
                time.sleep(0.05)
                continue
            fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
            break
    return False


# -- a failure that status.json could not hold -------------------------------------------------
def append_failure(run_dir: Path, error: dict) -> None:
    """The failure as a last line of log.txt (a short append often fits where a new file does not)."""
    record = json.dumps({"pid": os.getpid(), "error": _clean(error)}, ensure_ascii=False)
    append_lines(Path(run_dir) / LOG, [FAILURE_MARK + record + "\n"])


def last_failure(run_dir: Path, pid: int) -> dict | None:
    """The error that process ``pid`` left in log.txt with ``append_failure``, if any."""
    try:
        with open(Path(run_dir) / LOG, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 16384))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        if not line.startswith(FAILURE_MARK):
            continue
        try:
            record = json.loads(line[len(FAILURE_MARK):])
        except ValueError:
            continue
        if record.get("pid") == pid and isinstance(record.get("error"), dict):
            return record["error"]
    return None


def now() -> float:
    return time.time()
