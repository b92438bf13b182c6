"""A disk that fails under one folder, for the fault-path tests: writes there raise the OSError
a real disk raises (ENOSPC, EROFS, EDQUOT), at the OS boundary the run files go through.

``FaultyDisk(folder, rule)`` patches ``open`` (``io.open`` too, which pathlib uses), ``os.open``,
``os.write`` and ``os.close``; before
a file under ``folder`` is created or written, ``rule(path, creating)`` is asked for an errno
(None lets the write through). Temporary names (``.status.json.<pid>.tmp``) are given to the rule
as the file they become (``status.json``).
"""
from __future__ import annotations

import builtins
import errno
import io
import os
import re
from pathlib import Path

TEMPORARY = re.compile(r"^\.(.+)\.\d+\.tmp$")     # .<name>.<pid>.tmp (docs/run-format.md)
_real_open, _real_os_open, _real_write, _real_close = builtins.open, os.open, os.write, os.close


def target(path: Path) -> Path:
    """``.name.<pid>.tmp`` -> ``name``: the file a temporary becomes."""
    match = TEMPORARY.match(path.name)
    return path.with_name(match.group(1)) if match else path


class _Metered:
    """A file object under the folder: each write asks the rule first."""

    def __init__(self, f, disk: "FaultyDisk", path: Path):
        self._f, self._disk, self._path = f, disk, path

    def write(self, data):
        self._disk.check(self._path, creating=False)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


class FaultyDisk:
    def __init__(self, folder: Path, rule):
        self.folder = Path(folder).resolve()
        self.rule = rule
        self.fds: dict[int, Path] = {}
        self.refused: list[tuple[str, int]] = []     # (file name, errno) of every refused write

    def _ours(self, file) -> Path | None:
        if isinstance(file, int):
            return None
        path = Path(os.path.abspath(file))
        return path if self.folder in path.parents else None

    def check(self, path: Path, creating: bool) -> None:
        code = self.rule(target(path), creating)
        if code is not None:
            self.refused.append((target(path).name, code))
            raise OSError(code, os.strerror(code), str(path))

    def open(self, file, mode="r", *args, **kwargs):
        path = self._ours(file)
        if path is None or not any(c in mode for c in "wax+"):
            return _real_open(file, mode, *args, **kwargs)
        self.check(path, creating=not path.exists())
        return _Metered(_real_open(file, mode, *args, **kwargs), self, path)

    def os_open(self, file, flags, *args, **kwargs):
        path = self._ours(file)
        if path is not None and flags & (os.O_WRONLY | os.O_RDWR):
            self.check(path, creating=not path.exists())
        fd = _real_os_open(file, flags, *args, **kwargs)
        if path is not None:
            self.fds[fd] = path
        return fd

    def os_write(self, fd, data):
        if fd in self.fds:
            self.check(self.fds[fd], creating=False)
        return _real_write(fd, data)

    def os_close(self, fd):
        self.fds.pop(fd, None)
        return _real_close(fd)

    def __enter__(self):
        builtins.open = io.open = self.open
        os.open, os.write, os.close = self.os_open, self.os_write, self.os_close
        return self

    def __exit__(self, *exc):
        builtins.open = io.open = _real_open
        os.open, os.write, os.close = _real_os_open, _real_write, _real_close


def fails(name: str, code: int = errno.ENOSPC):
    """A rule: every write to the file ``name`` fails with ``code``."""
    return lambda path, creating: code if path.name == name else None


def no_new_files_after(n: int, code: int = errno.ENOSPC):
    """A rule: after ``n`` files were created, no more can be (the file system's inodes are used up);
    files that exist still take appends, as on a real disk."""
    made = []

    def rule(path, creating):
        if not creating:
            return None
        if len(made) >= n:
            return code
        made.append(path.name)
        return None
    return rule


def read_only_after(n: int, code: int = errno.EROFS):
    """A rule: after ``n`` writes the file system is read-only; nothing more can be written."""
    seen = []

    def rule(path, creating):
        seen.append(path.name)
        return code if len(seen) > n else None
    return rule
