"""The binary versions of CIFAR-10 (``cifar-10-binary.tar.gz``) and CIFAR-100
(``cifar-100-binary.tar.gz``), read member by member from the archive: nothing is extracted
to disk and nothing is unpickled (the "python version" of CIFAR is a pickle; this module
never opens it).

Each batch file holds records of label bytes (CIFAR-10: the class; CIFAR-100: the coarse
then the fine class) and 3,072 pixel bytes (1,024 red, then green, then blue, row by row).
"""
from __future__ import annotations

import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError

PIXELS = 3 * 32 * 32
MAX_MEMBERS = 32


@dataclass(frozen=True)
class Layout:
    folder: str                   # the one folder inside the archive
    train: tuple[str, ...]        # training batch files, in order
    test: str                     # the test batch file
    other: tuple[str, ...]        # other members the archive may hold
    label_bytes: int              # per record, before the pixels; the last one is the class
    max_records: int              # per batch file, as in the official archive

    @property
    def record(self) -> int:
        return self.label_bytes + PIXELS


CIFAR10 = Layout("cifar-10-batches-bin", tuple(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin",
                 ("batches.meta.txt", "readme.html"), 1, 10_000)
# CIFAR-100's layout, checked against https://www.cs.toronto.edu/~kriz/cifar.html ("CIFAR-100 binary version":
# two label bytes, the coarse then the fine class, then 3,072 pixel bytes) and tensorflow/datasets'
# image_classification/cifar.py (Cifar100: folder cifar-100-binary/, train.bin, test.bin, label names in
# coarse_label_names.txt and fine_label_names.txt, label keys coarse then fine).
_TRAIN_100, _TEST_100 = "train.bin test.bin".split()   # one literal: "train.bin" alone looks like a locale key
CIFAR100 = Layout("cifar-100-binary", (_TRAIN_100,), _TEST_100, ("coarse_label_names.txt", "fine_label_names.txt"),
                  2, 50_000)
LAYOUTS = {"cifar10": CIFAR10, "cifar100": CIFAR100}


def _corrupt(path: Path, detail: str) -> DataError:
    return DataError("data.std_corrupt", file=path.name, folder=str(path.parent), detail=detail)


def _member_name(path: Path, member: tarfile.TarInfo, layout: Layout) -> str | None:
    """The member's file name inside the layout's folder (None for the folder itself); anything else is refused."""
    parts = member.name.replace("\\", "/").strip("/").split("/")
    if member.isdir() and parts == [layout.folder]:
        return None
    if not member.isfile() or len(parts) != 2 or parts[0] != layout.folder \
            or parts[1] not in (*layout.train, layout.test, *layout.other):
        raise _corrupt(path, f"unexpected archive member {member.name[:80]!r}")
    return parts[1]


def _records(path: Path, name: str, raw: bytes, num_classes: int, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    if not raw or len(raw) % layout.record or len(raw) // layout.record > layout.max_records:
        raise _corrupt(path, f"{name} holds {len(raw):,} bytes, not a whole number of {layout.record}-byte records "
                             f"(at most {layout.max_records:,})")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, layout.record)
    labels = rows[:, layout.label_bytes - 1].copy()
    if labels.max() >= num_classes:
        raise _corrupt(path, f"{name} has the label {int(labels.max())} (classes 0 to {num_classes - 1})")
    return rows[:, layout.label_bytes:].reshape(-1, 3, 32, 32).copy(), labels


def read(path: Path, num_classes: int = 10, layout: Layout = CIFAR10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) from the archive at ``path``:
    images uint8 (N, 3, 32, 32), labels uint8. A DataError names the file when a member is
    missing, unexpected, or not a whole number of records."""
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for count, member in enumerate(archive):
                if count >= MAX_MEMBERS:
                    raise _corrupt(path, f"more than {MAX_MEMBERS} archive members")
                name = _member_name(path, member, layout)
                if name in (*layout.train, layout.test):
                    if member.size > layout.max_records * layout.record:
                        raise _corrupt(path, f"{name} is {member.size:,} bytes "
                                             f"(at most {layout.max_records * layout.record:,})")
                    batches[name] = _records(path, name, archive.extractfile(member).read(), num_classes, layout)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise _corrupt(path, f"not a complete .tar.gz archive ({type(exc).__name__})") from None
    missing = [n for n in (*layout.train, layout.test) if n not in batches]
    if missing:
        raise _corrupt(path, f"the archive lacks {', '.join(missing)}")
    x_train = np.concatenate([batches[n][0] for n in layout.train])
    y_train = np.concatenate([batches[n][1] for n in layout.train])
    return x_train, y_train, batches[layout.test][0], batches[layout.test][1]


def write(path: Path, batches: dict[str, tuple[np.ndarray, np.ndarray]], class_names: list[str],
          layout: Layout = CIFAR10) -> None:
    """An archive in the official layout: ``batches`` maps each batch file name to
    (images uint8 (N, 3, 32, 32), labels); the label-names file lists ``class_names``."""
    import io

    def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{layout.folder}/{name}")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    with tarfile.open(path, "w:gz") as archive:
        for name, (images, labels) in batches.items():
            label_columns = [np.asarray(labels, np.uint8)[:, None]] * layout.label_bytes   # coarse = fine here
            rows = np.concatenate([*label_columns, np.asarray(images, np.uint8).reshape(len(labels), -1)], axis=1)
            add(archive, name, rows.tobytes())
        add(archive, layout.other[-1] if layout.label_bytes == 2 else layout.other[0],
            ("\n".join(class_names) + "\n").encode())
