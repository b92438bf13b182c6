"""CIFAR-10's binary version (``cifar-10-binary.tar.gz``), read member by member from the
archive: nothing is extracted to disk and nothing is unpickled (the "python version" of
CIFAR is a pickle; this module never opens it).

Each batch file holds records of 1 label byte and 3,072 pixel bytes (1,024 red, then green,
then blue, row by row): 10,000 records per official batch.
"""
from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

FOLDER = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCH = "test_batch.bin"
OTHER_MEMBERS = ("batches.meta.txt", "readme.html")
RECORD = 1 + 3 * 32 * 32
MAX_RECORDS = 10_000          # per batch file, as in the official archive
MAX_MEMBERS = 32


def _corrupt(path: Path, detail: str) -> DataError:
    return DataError("data.std_corrupt", file=path.name, folder=str(path.parent), detail=detail)


def _member_name(path: Path, member: tarfile.TarInfo) -> str | None:
    """The member's file name inside FOLDER (None for the folder itself); anything else is refused."""
    parts = member.name.replace("\\", "/").strip("/").split("/")
    if member.isdir() and parts == [FOLDER]:
        return None
    if not member.isfile() or len(parts) != 2 or parts[0] != FOLDER \
            or parts[1] not in (*TRAIN_BATCHES, TEST_BATCH, *OTHER_MEMBERS):
        raise _corrupt(path, f"unexpected archive member {member.name[:80]!r}")
    return parts[1]


def _records(path: Path, name: str, raw: bytes, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    if not raw or len(raw) % RECORD or len(raw) // RECORD > MAX_RECORDS:
        raise _corrupt(path, f"{name} holds {len(raw):,} bytes, not a whole number of {RECORD}-byte records "
                             f"(at most {MAX_RECORDS:,})")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = rows[:, 0].copy()
    if labels.max() >= num_classes:
        raise _corrupt(path, f"{name} has the label {int(labels.max())} (classes 0 to {num_classes - 1})")
    return rows[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


def read(path: Path, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) from the archive at ``path``:
    images uint8 (N, 3, 32, 32), labels uint8. A DataError names the file when a member is
    missing, unexpected, or not a whole number of records."""
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for count, member in enumerate(archive):
                if count >= MAX_MEMBERS:
                    raise _corrupt(path, f"more than {MAX_MEMBERS} archive members")
                name = _member_name(path, member)
                if name in (*TRAIN_BATCHES, TEST_BATCH):
                    if member.size > MAX_RECORDS * RECORD:
                        raise _corrupt(path, f"{name} is {member.size:,} bytes (at most {MAX_RECORDS * RECORD:,})")
                    batches[name] = _records(path, name, archive.extractfile(member).read(), num_classes)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise _corrupt(path, f"not a complete .tar.gz archive ({type(exc).__name__})") from None
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if n not in batches]
    if missing:
        raise _corrupt(path, f"the archive lacks {', '.join(missing)}")
    x_train = np.concatenate([batches[n][0] for n in TRAIN_BATCHES])
    y_train = np.concatenate([batches[n][1] for n in TRAIN_BATCHES])
    return x_train, y_train, batches[TEST_BATCH][0], batches[TEST_BATCH][1]


def write(path: Path, batches: dict[str, tuple[np.ndarray, np.ndarray]], class_names: list[str]) -> None:
    """An archive in the official layout: ``batches`` maps each batch file name to
    (images uint8 (N, 3, 32, 32), labels); ``batches.meta.txt`` lists ``class_names``."""
    import io

    def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{FOLDER}/{name}")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    with tarfile.open(path, "w:gz") as archive:
        for name, (images, labels) in batches.items():
            rows = np.concatenate([np.asarray(labels, np.uint8)[:, None],
                                   np.asarray(images, np.uint8).reshape(len(labels), -1)], axis=1)
            add(archive, name, rows.tobytes())
        add(archive, "batches.meta.txt", ("\n".join(class_names) + "\n").encode())
