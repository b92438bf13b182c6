"""Downloading a data set's files: standard library only (urllib), streamed to a ``.part``
file, resumed with an HTTP Range request after a cut connection, verified by SHA-256
before an atomic rename into the cache, each source tried in turn.

``progress(done_bytes, total_bytes, file_name)`` is called as bytes arrive (the terminal
bar below, the app's progress bar).
"""
from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import DataError

try:
    import fcntl
except ImportError:       # Windows: no lock; two downloads of one file at once may then clash
    fcntl = None

Progress = Callable[[int, int, str], None]
TIMEOUT_S = 30            # per connection attempt and per read
CHUNK = 1 << 16
ATTEMPTS_PER_SOURCE = 4   # a connection cut after some bytes is resumed up to this many times


@dataclass(frozen=True)
class RemoteFile:
    name: str                  # the official file name, also its name in the cache
    size: int                  # bytes
    sha256: str
    urls: tuple[str, ...]      # official source first, then mirrors


class ChecksumMismatch(Exception):
    """The bytes a source sent are not the file (wrong SHA-256)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_once(url: str, part: Path, total: int, name: str, progress: Progress | None) -> None:
    """Append to ``part`` what ``url`` sends from the byte ``part`` already holds on."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "NetCanvas"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        if have and response.status != 206:   # the server ignored the Range: start again
            have = 0
        with open(part, "ab" if have else "wb") as out:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                have += len(chunk)
                if progress:
                    progress(have, total, name)


def _complete(part: Path, size: int) -> bool:
    return part.exists() and part.stat().st_size >= size


def _from_source(url: str, part: Path, file: RemoteFile, progress: Progress | None) -> None:
    """Fetch ``file`` from ``url`` into ``part``, resuming after cut connections."""
    attempts = 0
    while not _complete(part, file.size):
        if attempts == ATTEMPTS_PER_SOURCE:
            raise OSError(f"{url}: the connection was cut {attempts} times")
        attempts += 1
        before = part.stat().st_size if part.exists() else 0
        try:
            _fetch_once(url, part, file.size, file.name, progress)
        except urllib.error.HTTPError as exc:
            if exc.code == 416:          # the source's file ends before the size we expect: not our file
                part.unlink()
                raise ChecksumMismatch(url) from None
            raise                        # 404 and the like: this source does not have it
        except (OSError, EOFError, http.client.HTTPException):   # cut or timed out: resume from what arrived
            if not part.exists() or part.stat().st_size == before:
                raise OSError(f"{url}: nothing arrived") from None   # unreachable: no point asking again
            continue
    if _sha256(part) != file.sha256:
        part.unlink()
        raise ChecksumMismatch(url)


@contextlib.contextmanager
def _one_download_at_a_time(folder: Path, name: str):
    """Held while ``name`` is downloaded into ``folder``: a second process (or thread) asking for the same
    file waits here instead of writing into the same ``.part``, then finds the file there. An exclusive
    ``flock`` on ``.<name>.lock`` (released when the file closes or the process ends, however it ends),
    removed by its holder so nothing is left in the cache folder."""
    if fcntl is None:
        yield
        return
    path = folder / f".{name}.lock"
    while True:
        lock = open(path, "a")
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if _same_file(path, lock):
            break
        lock.close()            # its holder removed it while this one waited: lock the current one
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        lock.close()


def _same_file(path: Path, opened) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(opened.fileno()).st_ino
    except FileNotFoundError:
        return False


def download(file: RemoteFile, folder: Path, progress: Progress | None = None) -> Path:
    """``folder/file.name``, downloaded from the first source that sends the right bytes (once: a
    download of the same file already under way is waited for, ``_one_download_at_a_time``). A checksum
    that does not match is refused (nothing is cached, the ``.part`` removed); when no source answers, ``OSError`` (the caller says which files to place where)."""
    folder.mkdir(parents=True, exist_ok=True)
    final, part = folder / file.name, folder / (file.name + ".part")
    mismatch = None
    with _one_download_at_a_time(folder, file.name):
        if final.is_file():         # another process downloaded it while this one waited
            return final
        for url in file.urls:
            try:
                _from_source(url, part, file, progress)
            except ChecksumMismatch:
                mismatch = url
                continue
            except (OSError, ValueError, urllib.error.URLError):
                continue
            os.replace(part, final)
            return final
    if mismatch:
        raise DataError("data.std_checksum", file=file.name, url=mismatch, expected=file.sha256)
    raise OSError(f"no source reachable for {file.name}")


def terminal_bar(stream=None) -> Progress:
    """A progress callback drawing one line per file on ``stream`` (stderr by default)."""
    out = stream or sys.stderr
    shown = {"name": None, "percent": -1}

    def draw(done: int, total: int, name: str) -> None:
        percent = min(100, done * 100 // max(total, 1))
        if name == shown["name"] and percent == shown["percent"]:
            return
        shown.update(name=name, percent=percent)
        bar = "#" * (percent // 4)
        out.write(f"\r{name} [{bar:<25}] {percent:3d}% {done / 1e6:.1f}/{total / 1e6:.1f} MB")
        if done >= total:
            out.write("\n")
        out.flush()
    return draw
