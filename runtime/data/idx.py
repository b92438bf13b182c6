"""IDX files (the MNIST family's format), gzip-compressed, read into uint8 numpy arrays.

An IDX file is a 4-byte magic number (0x0000 then the element type, 0x08 = unsigned
byte, then the number of dimensions), one big-endian uint32 per dimension, then the
elements. A file is checked by its format, not by a checksum: the magic number, and a
header whose counts match the bytes that follow, so a copy from any mirror works.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

IMAGES_MAGIC = 0x00000803      # unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801      # unsigned bytes, 1 dimension (count)
MAX_ELEMENTS = 200_000_000     # far above the largest official file (60,000 x 28 x 28)


def _corrupt(path: Path, detail: str) -> DataError:
    return DataError("data.std_corrupt", file=path.name, folder=str(path.parent), detail=detail)


def _header(f, path: Path, magic: int) -> tuple[int, ...]:
    head = f.read(4)
    if len(head) < 4 or struct.unpack(">I", head)[0] != magic:
        got = struct.unpack(">I", head)[0] if len(head) == 4 else None
        raise _corrupt(path, f"magic number {got if got is None else hex(got)}, expected {hex(magic)}")
    ndim = magic & 0xFF
    dims = f.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise _corrupt(path, "the header ends early")
    return struct.unpack(f">{ndim}I", dims)


def read(path: Path, magic: int) -> np.ndarray:
    """The uint8 array in the gzip-compressed IDX file ``path``; a DataError naming the file
    when it is not gzip, has another magic number, or holds more or fewer bytes than its header says."""
    try:
        with gzip.open(path, "rb") as f:
            shape = _header(f, path, magic)
            count = int(np.prod(shape, dtype=np.int64))
            if count > MAX_ELEMENTS:
                raise _corrupt(path, f"the header announces {count:,} values (at most {MAX_ELEMENTS:,})")
            body = f.read(count)
            if len(body) != count:
                raise _corrupt(path, f"{len(body):,} bytes of values, the header announces {count:,}")
            if f.read(1):
                raise _corrupt(path, f"more bytes than the {count:,} values the header announces")
    except (OSError, EOFError, zlib.error) as exc:   # not gzip, or a cut-off gzip stream
        raise _corrupt(path, f"not a complete gzip file ({type(exc).__name__})") from None
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def write(path: Path, array: np.ndarray) -> None:
    """``array`` (uint8, 1 or 3 dimensions) as a gzip-compressed IDX file (tests, and users'
    own sets in the same format)."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    head = struct.pack(">I", 0x00000800 | a.ndim) + struct.pack(f">{a.ndim}I", *a.shape)
    with gzip.open(path, "wb") as f:
        f.write(head + a.tobytes())
