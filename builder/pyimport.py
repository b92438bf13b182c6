"""Import a Python ``nn.Module`` file: its code runs in a separate process with a time and memory limit.

Importing runs the user's file (its module body, the class's ``__init__`` and one forward pass), so it
never runs in the caller's process (the app may be served to others): ``builder.fx_import`` does
the work in a child process under ``resource.setrlimit`` limits and a wall-clock timeout, and
answers with one JSON line.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import CodedError

MEMORY_MB = 2048        # address space of the worker: torch itself needs about 700 MB of it
TIMEOUT_S = 60          # wall clock, the file's module body included
CPU_S = 120             # CPU seconds, every thread together
MAX_SOURCE_BYTES = 1 << 20
ROOT = Path(__file__).resolve().parents[1]


class ImportRefused(CodedError):
    """The file could not be imported: an ``import.*`` code of the locale tables."""


def _limits(memory_mb: int, cpu_s: int):
    def apply():
        size = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _worker_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="",
               PYTHONDONTWRITEBYTECODE="1")
    return env


def import_python(path: str | Path, class_name: str, shapes: dict | None = None, *, timeout: float = TIMEOUT_S,
                  memory_mb: int = MEMORY_MB) -> dict:
    """``{"graph": document, "modules": {user module path: node path}}`` for ``class_name`` in the file;
    raises ImportRefused with what went wrong (and the line, when the file's code is at fault)."""
    path = Path(path)
    if not path.is_file():
        raise ImportRefused("import.no_file", path=str(path))
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise ImportRefused("import.too_large", path=path.name, limit_kb=MAX_SOURCE_BYTES >> 10)
    command = [sys.executable, "-m", "builder.fx_import", str(path.resolve()), class_name,
               json.dumps(shapes) if shapes is not None else ""]
    with tempfile.TemporaryDirectory(prefix="netcanvas-import-") as cwd:   # files it writes go away
        try:
            proc = subprocess.run(command, cwd=cwd, env=_worker_env(), capture_output=True, text=True,
                                  timeout=timeout, preexec_fn=_limits(memory_mb, CPU_S), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ImportRefused("import.timeout", seconds=int(timeout)) from None
    return _answer(proc, memory_mb)


def _answer(proc: subprocess.CompletedProcess, memory_mb: int) -> dict:
    lines = proc.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        if proc.returncode < 0 or "MemoryError" in proc.stderr or "allocate" in proc.stderr:
            raise ImportRefused("import.memory", limit_mb=memory_mb)
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1][:300]
        raise ImportRefused("import.crashed", code=proc.returncode, detail=tail)
    if not answer.get("ok"):
        error = answer.get("error") or {}
        args = dict(error.get("args") or {})
        if error.get("code") == "import.memory":
            args = {"limit_mb": memory_mb}
        raise ImportRefused(error.get("code", "import.crashed"), **args)
    return {"graph": answer["graph"], "modules": answer.get("modules", {})}
