"""The standard image sets (MNIST, Fashion-MNIST, KMNIST, CIFAR-10, CIFAR-100): one table of their
files, the cache folder, download on first use, and reading them into a ``DataSet``
whose last 10,000 samples are the official test set.

The cache folder is ``$NETCANVAS_DATA`` (default: a per-user cache folder); each set's
files keep their official names in ``<cache>/<set name>/``. Files already there are
used as they are, checked by their format (so a copy from any mirror works); files
this module downloads are checked by SHA-256 against the table below. Checksums and
sizes: tensorflow/datasets' url_checksums (mnist.txt, fashion_mnist.txt, kmnist.txt,
cifar10.txt, cifar100.txt); the MNIST mirror is the one PyTorch's own data set class uses.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import cifar_binary, fetch, idx
from .errors import DataError
from .fetch import RemoteFile

IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_SOURCES = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")


@dataclass(frozen=True)
class StandardSet:
    name: str
    files: tuple[RemoteFile, ...]
    reader: str                       # "idx" (MNIST family) or "cifar_binary"
    shape: tuple[int, int, int]       # (channels, height, width)
    class_names: tuple[str, ...]
    n_train: int                      # official sizes (files placed by hand may hold fewer)
    n_test: int

    def megabytes(self) -> float:
        return sum(f.size for f in self.files) / 1e6


def _idx_files(bases: tuple[str, ...], sizes_and_sums: tuple[tuple[int, str], ...]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(name, size, digest, tuple(base + name for base in bases))
                 for name, (size, digest) in zip(IDX_NAMES, sizes_and_sums))


SETS: dict[str, StandardSet] = {
    "mnist": StandardSet("mnist", _idx_files(MNIST_SOURCES, (
        (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"))),
        "idx", (1, 28, 28), tuple(str(i) for i in range(10)), 60_000, 10_000),
    "fashion_mnist": StandardSet("fashion_mnist", _idx_files(("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",), (
        (26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        (29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        (4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        (5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"))),
        "idx", (1, 28, 28), ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                             "Bag", "Ankle boot"), 60_000, 10_000),
    "kmnist": StandardSet("kmnist", _idx_files(("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",), (
        (18165135, "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
        (29497, "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
        (3041136, "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
        (5120, "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"))),
        "idx", (1, 28, 28), ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"), 60_000, 10_000),
    "cifar10": StandardSet("cifar10", (RemoteFile(
        "cifar-10-binary.tar.gz", 170052171, "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",)),),
        "cifar_binary", (3, 32, 32), ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                                      "ship", "truck"), 50_000, 10_000),
    "cifar100": StandardSet("cifar100", (RemoteFile(
        "cifar-100-binary.tar.gz", 168513733, "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
        ("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",)),),
        "cifar_binary", (3, 32, 32), tuple("""
        apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can
        castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin
        elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster
        man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck
        pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk
        skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger
        tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm""".split()), 50_000, 10_000),
}


def cache_root() -> Path:
    """``$NETCANVAS_DATA``, else ``%LOCALAPPDATA%\\netcanvas`` (Windows) or
    ``$XDG_CACHE_HOME/netcanvas`` (default ``~/.cache/netcanvas``)."""
    if os.environ.get("NETCANVAS_DATA"):
        return Path(os.environ["NETCANVAS_DATA"]).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "netcanvas"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "netcanvas"


def folder(name: str) -> Path:
    return cache_root() / name


def missing_files(name: str) -> list[str]:
    """The official names of ``name``'s files not yet in its cache folder (a look, no reading)."""
    return [f.name for f in SETS[name].files if not (folder(name) / f.name).is_file()]


def ensure(name: str, progress: fetch.Progress | None = None) -> Path:
    """The set's cache folder with all its files: those missing are downloaded (verified by
    SHA-256). Offline, a DataError says which files to place in which folder."""
    where = folder(name)
    unreachable = []
    for file in SETS[name].files:
        if (where / file.name).is_file():
            continue
        if unreachable:             # offline for one file: do not wait for the others' timeouts
            unreachable.append(file.name)
            continue
        try:
            fetch.download(file, where, progress)
        except OSError:
            unreachable.append(file.name)
    if unreachable:
        raise DataError("data.std_offline", name=name, folder=str(where), files=", ".join(unreachable),
                        all_files=", ".join(f.name for f in SETS[name].files))
    return where


def _idx_arrays(where: Path) -> tuple[np.ndarray, ...]:
    out = []
    for images, labels in ((IDX_NAMES[0], IDX_NAMES[1]), (IDX_NAMES[2], IDX_NAMES[3])):
        x = idx.read(where / images, idx.IMAGES_MAGIC)
        y = idx.read(where / labels, idx.LABELS_MAGIC)
        if len(x) != len(y):
            raise DataError("data.std_counts", images=images, n_images=len(x), labels=labels, n_labels=len(y),
                            folder=str(where))
        out += [x[:, None], y]
    return tuple(out)


def read_arrays(name: str, progress: fetch.Progress | None = None) -> tuple[np.ndarray, ...]:
    """(train images, train labels, test images, test labels): images uint8 (N, C, H, W),
    labels uint8; downloads first what is missing. A file of the wrong shape or with a label
    past the classes is a DataError naming it."""
    spec = SETS[name]
    where = ensure(name, progress)
    if spec.reader == "idx":
        arrays = _idx_arrays(where)
    else:
        arrays = cifar_binary.read(where / spec.files[0].name, len(spec.class_names), cifar_binary.LAYOUTS[name])
    for part, (images, labels) in enumerate((arrays[:2], arrays[2:])):
        images_file, labels_file = _part_files(spec, part)
        if tuple(images.shape[1:]) != spec.shape:
            raise DataError("data.std_corrupt", file=images_file, folder=str(where),
                            detail=f"images of shape {tuple(images.shape[1:])}, expected {spec.shape}")
        if len(labels) and int(labels.max()) >= len(spec.class_names):
            raise DataError("data.std_corrupt", file=labels_file, folder=str(where),
                            detail=f"the label {int(labels.max())} (classes 0 to {len(spec.class_names) - 1})")
    return arrays


UNPACKED = "unpacked"      # <cache>/<set>/unpacked/: the set's images as one raw array, for streaming


def unpacked_arrays(name: str, progress: fetch.Progress | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """(images (N, C, H, W) uint8 memory-mapped from disk, labels, the official test count, last): the
    files are unpacked once into the cache folder's ``unpacked/`` and then read from disk only as batches
    need them, so a run holds the labels in memory, not the images. Unpacked again when the files change."""
    where = ensure(name, progress)
    out = where / UNPACKED
    stats = {f.name: (where / f.name).stat() for f in SETS[name].files}
    stamp = {file_name: [st.st_size, st.st_mtime_ns] for file_name, st in stats.items()}
    info_path = out / "info.json"
    try:
        info = json.loads(info_path.read_text())
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict) or info.get("files") != stamp:
        info = _unpack(name, out, stamp)
    images = np.load(out / "images.npy", mmap_mode="r", allow_pickle=False)
    labels = np.load(out / "labels.npy", allow_pickle=False)
    if tuple(images.shape[1:]) != SETS[name].shape or len(images) != len(labels) or images.dtype != np.uint8:
        raise DataError("data.std_corrupt", file=f"{UNPACKED}/images.npy", folder=str(where),
                        detail=f"images of shape {tuple(images.shape)}; delete the folder {UNPACKED} to unpack again")
    return images, labels, int(info["n_test"])


def _unpack(name: str, out: Path, stamp: dict) -> dict:
    x_train, y_train, x_test, y_test = read_arrays(name)
    out.mkdir(exist_ok=True)
    for file_name, array in (("images.npy", np.concatenate([x_train, x_test])),
                             ("labels.npy", np.concatenate([y_train, y_test]))):
        part = out / (file_name + ".part")
        with open(part, "wb") as f:
            np.save(f, array, allow_pickle=False)
        os.replace(part, out / file_name)
    info = {"files": stamp, "n_test": len(x_test)}
    (out / "info.json").write_text(json.dumps(info))      # last: its stamp says the arrays are complete
    return info


def _part_files(spec: StandardSet, part: int) -> tuple[str, str]:
    """(images file, labels file) of the training (0) or test (1) part."""
    if spec.reader == "idx":
        return IDX_NAMES[2 * part], IDX_NAMES[2 * part + 1]
    return spec.files[0].name, spec.files[0].name
