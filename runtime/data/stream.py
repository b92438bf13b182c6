"""Image folders too large for memory: listed once, decoded batch by batch from disk.

A local folder with one sub-folder per class (the rules of the zip upload: extensions,
junk files, class limits, the per-image pixel limit) is listed without decoding anything;
only the file names and labels stay in memory, packed in two numpy arrays so that
``DataLoader`` worker processes share them instead of copying them page by page
(a Python list of strings is touched by every refcount and copied into each worker).
A sample is decoded with Pillow in a worker and travels as uint8; the trainer turns it
into floats on the device (``runtime.batches``).

``ImageFiles`` and ``ImageArray`` are map-style datasets over files or a uint8 array: any
of them can be streamed the same way (the standard sets can stream from their arrays).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import uploads
from .classes import SOURCE_ZIP, check_classes
from .errors import DataError

# A streamed folder holds far more images than an upload decoded into memory (uploads.MAX_IMAGES);
# its listing is bounded too: entries looked at (files of any kind and folders) and folder depth.
MAX_STREAM_IMAGES = 2_000_000
MAX_LISTED_ENTRIES = 4_000_000
MAX_DEPTH = 4
STATS_SAMPLES = 1_000          # training images decoded for normalisation statistics and checks


@dataclass
class FolderImages:
    """A listed image folder: what a DataSet says about itself, with files instead of tensors."""
    name: str
    root: str
    files: "PackedPaths"
    labels: torch.Tensor                  # (N,) int64
    class_names: list[str]
    size: int
    channels: int
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    normalize: bool = False
    fixed_test: int = 0                   # a folder has no official test part (the standard sets' have)
    kind: str = "image"
    task: str = "classification"

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def mode(self) -> str:
        return "RGB" if self.channels == 3 else "L"

    def dataset(self) -> "ImageFiles":
        return ImageFiles(self.root, self.files, self.labels, self.size, self.mode)


@dataclass
class ArrayImages:
    """A standard set streamed from its cache folder (``standard.unpacked_arrays``): uint8 images
    memory-mapped from disk, decoded to floats batch by batch; the official test set last."""
    name: str
    root: str
    images: np.ndarray                    # (N, C, H, W) uint8, memory-mapped
    labels: torch.Tensor                  # (N,) int64
    class_names: list[str]
    fixed_test: int
    normalize: bool = False               # in [0, 1], as the set is in memory
    kind: str = "image"
    task: str = "classification"

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def size(self) -> int:
        return int(self.images.shape[2])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    def dataset(self) -> "ImageArray":
        return ImageArray(self.images, self.labels)


def standard_images(name: str) -> ArrayImages:
    """The standard set ``name`` to stream (its files downloaded and unpacked first when needed)."""
    from . import standard
    images, labels, n_test = standard.unpacked_arrays(name)
    return ArrayImages(name, str(standard.folder(name)), images, torch.from_numpy(labels.astype(np.int64)),
                       list(standard.SETS[name].class_names), n_test)


# What streams from disk: a listed image folder, or a standard set's unpacked array.
STREAMED = (FolderImages, ArrayImages)


class PackedPaths:
    """Relative paths as one UTF-8 byte buffer and offsets: shared, not copied, by forked workers."""

    def __init__(self, paths: list[str]):
        encoded = [p.encode("utf-8", "surrogateescape") for p in paths]
        self.offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=self.offsets[1:])
        self.buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self.buffer[self.offsets[i]:self.offsets[i + 1]].tobytes().decode("utf-8", "surrogateescape")


# ----------------------------------------------------------------------------- listing

def check_folder(path) -> Path:
    """The folder's resolved path; a DataError when it is missing or a file."""
    root = Path(str(path)).expanduser()
    if not root.exists():
        raise DataError("data.folder_missing", path=str(path)[:200])
    if not root.is_dir():
        raise DataError("data.folder_not_dir", path=str(path)[:200])
    return root.resolve()


def _inside(root: Path, entry: os.DirEntry) -> bool:
    target = Path(os.path.realpath(entry.path))
    return target == root or root in target.parents


class _Listing:
    """Walks the folder once: image files with their class folder, skipped files, bounded counts."""

    def __init__(self, root: Path):
        self.root = root
        self.paths: list[str] = []
        self.classes: list[str] = []
        self.skipped: list[str] = []
        self.skipped_count = 0
        self.seen = 0

    def walk(self, folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            raise DataError("data.folder_unreadable", path=str(folder)[:200]) from None
        for entry in entries:
            self.seen += 1
            if self.seen > MAX_LISTED_ENTRIES:
                raise DataError("data.folder_too_many_entries", path=str(self.root)[:200], limit=MAX_LISTED_ENTRIES)
            self.visit(entry, depth)

    def visit(self, entry: os.DirEntry, depth: int) -> None:
        rel = os.path.relpath(entry.path, self.root)
        if entry.is_symlink() and not _inside(self.root, entry):
            raise DataError("data.folder_symlink", member=rel[:200])
        if uploads._JUNK.search(rel.replace(os.sep, "/")):
            return
        if entry.is_dir(follow_symlinks=False):
            if depth < MAX_DEPTH:
                self.walk(Path(entry.path), depth + 1)
            return
        if entry.is_symlink() and entry.is_dir():
            return      # a link to a folder inside: its files are listed where they are
        if not entry.is_file() or not entry.name.lower().endswith(uploads.IMAGE_EXTENSIONS):
            self.skip(rel)
            return
        if depth == 0:
            raise DataError("data.folder_layout", member=rel[:200])
        self.paths.append(rel)
        self.classes.append(Path(rel).parent.name)
        if len(self.paths) > MAX_STREAM_IMAGES:
            raise DataError("data.folder_too_many_images", count=f">{MAX_STREAM_IMAGES:,}", limit=MAX_STREAM_IMAGES)

    def skip(self, rel: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < 50:
            self.skipped.append(rel)


def list_folder(path, size: int = 28, color: str = "grey", name: str | None = None,
                normalize: bool = False) -> FolderImages:
    """List an image folder for streaming: ``path/<class>/<image>`` (deeper folders are fine: an
    image's class is the folder that holds it). Nothing is decoded here. Links leaving the folder,
    images outside a class folder, fewer than two classes and the class limits are refused."""
    _, channels = uploads.image_mode(size, color)
    root = check_folder(path)
    listing = _Listing(root)
    listing.walk(root, 0)
    if not listing.paths:
        raise DataError("data.folder_no_images", path=str(path)[:200], skipped=listing.skipped_count)
    classes = sorted(set(listing.classes))
    if len(classes) < 2:
        raise DataError("data.folder_one_class", classes=classes)
    check_classes(classes, root.name, SOURCE_ZIP)
    index = {c: i for i, c in enumerate(classes)}
    labels = torch.tensor([index[c] for c in listing.classes], dtype=torch.int64)
    return FolderImages(name or root.name[:60] or "images", str(root), PackedPaths(listing.paths), labels, classes,
                        size, channels, listing.skipped, listing.skipped_count, bool(normalize))


# ----------------------------------------------------------------------------- datasets

def read_image(path: str, size: int, mode: str) -> np.ndarray | None:
    """(size, size[, 3]) uint8, or None for a file that is not an image we read (or over the
    per-image pixel limit: the upload's decode budget for one image)."""
    try:
        with open(path, "rb") as fh:
            nbytes = os.fstat(fh.fileno()).st_size
            if nbytes > uploads.MAX_MEMBER_BYTES:
                return None
            data = fh.read(nbytes)      # not read(limit): that would allocate the whole limit for every image
    except OSError:
        return None
    try:
        return uploads._decode_image(data, size, mode)
    except DataError:     # too many pixels: skipped like an unreadable file, counted by the caller
        return None


def _chw(arr: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.array(arr))     # a copy: the decoded array is read-only
    return t[None] if t.dim() == 2 else t.permute(2, 0, 1).contiguous()


class ImageFiles(torch.utils.data.Dataset):
    """Map-style: sample i is (uint8 (C, S, S), label, -1), or for an unreadable file (zeros, label, i):
    ``collate_readable`` leaves it out of the batch and reports its index."""

    def __init__(self, root: str, files: PackedPaths, labels: torch.Tensor, size: int, mode: str):
        self.root, self.files, self.labels, self.size, self.mode = root, files, labels, size, mode
        self.channels = 3 if mode == "RGB" else 1

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int):
        arr = read_image(os.path.join(self.root, self.files[i]), self.size, self.mode)
        if arr is None:
            return torch.zeros(self.channels, self.size, self.size, dtype=torch.uint8), int(self.labels[i]), i
        return _chw(arr), int(self.labels[i]), -1

    def name_of(self, i: int) -> str:
        return self.files[i]


class ImageArray(torch.utils.data.Dataset):
    """Map-style over a uint8 (N, C, H, W) array (e.g. a standard set memory-mapped from disk)."""

    def __init__(self, images: np.ndarray, labels: torch.Tensor):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, i: int):
        return torch.from_numpy(np.array(self.images[i], dtype=np.uint8)), int(self.labels[i]), -1

    def name_of(self, i: int) -> str:
        return f"#{i}"


def collate_readable(samples):
    """(uint8 images, int64 labels, which samples were readable (bool), the data set indices of the
    unreadable ones). Unreadable samples stay in the batch as black images: the caller decides."""
    x = torch.stack([s[0] for s in samples])
    y = torch.tensor([s[1] for s in samples], dtype=torch.int64)
    readable = torch.tensor([s[2] < 0 for s in samples], dtype=torch.bool)
    return x, y, readable, [s[2] for s in samples if s[2] >= 0]
