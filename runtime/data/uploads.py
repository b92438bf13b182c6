"""Data sets from users' files: CSV tables, NPZ arrays, and zips of image folders.

Files come from users: sizes are capped before anything is parsed, zip members are
checked for path traversal, links and decompression bombs, NPZ is read with
``allow_pickle=False`` (headers checked before any allocation), and every problem is
a ``DataError`` with a stable code. Nothing from a file is ever executed.
"""
from __future__ import annotations

import csv
import contextlib
import io
import json
import functools
import os
import re
import stat
import threading
import warnings
import zipfile
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import tables, trees
from .classes import SOURCE_CSV, SOURCE_NPZ, SOURCE_ZIP, check_classes
from .dataset import KINDS, TASKS, DataSet
from .errors import DataError

# Limits (read at call time, so an app or a test may lower them).
MAX_UPLOAD_BYTES = 200 * 2**20        # the file as uploaded
MAX_ROWS = 500_000                    # CSV rows / NPZ samples
MAX_COLUMNS = 1_000                   # CSV columns
MAX_IMAGES = 20_000                   # images in a zip
MAX_IMAGE_PIXELS = 25_000_000         # one image before resizing (5000 x 5000)
MAX_TOTAL_PIXELS = 2_000_000_000      # all images of a zip together, as decoded (read from headers first)
MAX_ZIP_MEMBERS = 50_000
MAX_UNZIPPED_BYTES = 1 * 2**30        # all members together, declared and actually read
MAX_MEMBER_BYTES = 64 * 2**20         # one member
MAX_RATIO = 100                       # declared size / compressed size, for members over 1 MiB
MAX_OUTPUT_VALUES = 150_000_000       # floats in the resulting tensor (600 MB)
PARSE_SECONDS = 60.0                  # reading one upload for the app (``with_time_limit``)
IMAGE_SIZES = (8, 256)
HEADER_BYTES = 64 * 2**10             # an image member's first bytes, where its header is
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "MPO")
_JUNK = re.compile(r"(^|/)(__MACOSX/|\.[^/]*$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)


# ----------------------------------------------------------------------------- reading bytes

def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def read_source(src, limit: int | None = None) -> tuple[bytes, str | None]:
    """(bytes, file name or None) from bytes, a path, or a file-like object (e.g. an
    uploaded file), refusing anything larger than ``limit`` before reading it all."""
    limit = MAX_UPLOAD_BYTES if limit is None else limit
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        name = None
    elif isinstance(src, (str, os.PathLike)):
        path = Path(src)
        if not path.is_file():
            raise DataError("data.file_missing", path=str(path)[:200])
        size = path.stat().st_size
        if size > limit:
            raise DataError("data.too_large", size_mb=_mb(size), limit_mb=_mb(limit))
        data = path.read_bytes()
        name = path.name
    elif hasattr(src, "read"):
        data = src.read(limit + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = getattr(src, "name", None)
        name = Path(name).name if isinstance(name, str) else None
    else:
        raise DataError("data.bad_source", type=type(src).__name__)
    if len(data) > limit:
        raise DataError("data.too_large", size_mb=_mb(len(data)), limit_mb=_mb(limit))
    return data, name


def _stem(name: str | None, default: str) -> str:
    return Path(name).stem[:60] if name else default


# ----------------------------------------------------------------------------- time limit

@dataclass(frozen=True)
class _TimeLimit:
    expired: threading.Event
    file: str
    seconds: float


_time_limit: ContextVar[_TimeLimit | None] = ContextVar("upload_time_limit", default=None)


def _check_time() -> None:
    """Stop a parse whose caller has stopped waiting (the loaders call this between steps)."""
    limit = _time_limit.get()
    if limit is not None and limit.expired.is_set():
        raise DataError("data.parse_timeout", file=limit.file, seconds=limit.seconds)


def with_time_limit(fn, *args, file: str | None = None, seconds: float | None = None, **kwargs):
    """``fn(*args, **kwargs)`` run in a worker thread and waited for at most ``seconds``
    (default ``PARSE_SECONDS``): past that, a DataError naming the file and the limit, and
    the worker stops at its next check (between images, arrays, parsing steps). The
    caller's thread (a page's script) never parses; what the worker raises is raised here."""
    limit = _TimeLimit(threading.Event(), (file or "upload")[:200], PARSE_SECONDS if seconds is None else seconds)
    outcome: dict = {}

    def work() -> None:
        _time_limit.set(limit)
        try:
            outcome["value"] = fn(*args, **kwargs)
        except Exception as exc:  # handed to the caller, who decides what a user sees
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"upload-parse {limit.file}", daemon=True)
    worker.start()
    worker.join(limit.seconds)
    if worker.is_alive():
        limit.expired.set()
        raise DataError("data.parse_timeout", file=limit.file, seconds=limit.seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# ----------------------------------------------------------------------------- CSV

def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise DataError("data.csv_parse", detail="binary data (NUL bytes)")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(data: bytes, nrows: int | None = None):
    """A CSV upload's rows as text: a pandas DataFrame of strings, at most ``nrows`` rows,
    column names stripped. The bytes are decoded as UTF-8 (a BOM allowed), else GB18030,
    else Latin-1, and split on the delimiter sniffed from the first lines (``,;\\t|``): the
    loader's reading, which the Data page's column list and preview show too.
    Raises ``DataError`` ``data.csv_empty`` (nothing to read) or ``data.csv_parse`` (not a table)."""
    import pandas as pd

    text = _decode(data)
    if not text.strip():
        raise DataError("data.csv_empty")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_sniff(text), dtype=str, skipinitialspace=True,
                            nrows=nrows, engine="c")
    except pd.errors.EmptyDataError:
        raise DataError("data.csv_empty") from None
    except Exception as exc:  # ParserError, ValueError, csv.Error, ...: all mean "not a table we can read"
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        raise DataError("data.csv_parse", detail=lines[0][:200].rstrip(".")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def load_csv(src, target: str | None = None, task: str = "auto", name: str | None = None,
             drop: list[str] | tuple[str, ...] = ()) -> DataSet:
    """A table: numeric columns become features (standardised later with training
    statistics; missing numbers get the training median), text columns are one-hot
    (their categories recorded), ``target`` (a column name) is the label:
    classification ids with ``class_names``, or a regression value. Columns named in
    ``drop``, empty columns and id-like text columns (too many distinct values) are
    left out and listed in ``extra["csv"]["dropped_columns"]``."""
    data, fname = read_source(src)
    _check_time()
    df = read_table(data, MAX_ROWS + 1)
    if df.shape[1] > MAX_COLUMNS:
        raise DataError("data.too_many_columns", columns=int(df.shape[1]), limit=MAX_COLUMNS)
    if len(df) > MAX_ROWS:
        raise DataError("data.too_many_rows", rows=f">{MAX_ROWS}", limit=MAX_ROWS)
    if len(df) == 0:
        raise DataError("data.csv_empty")
    _check_time()
    x, y, plan = tables.build(df, target, task, drop)
    if plan["class_names"] is not None:
        check_classes(plan["class_names"], fname, SOURCE_CSV, column=str(target)[:60])
    return DataSet(name or _stem(fname, "upload"), "tabular", plan["task"], {"x": x}, y,
                   class_names=plan["class_names"], feature_names=plan["features"],
                   description={"en": "Uploaded table", "zh": "上传的表格"}, normalize=True,
                   extra={"csv": plan, "norm_features": {"x": tables.numeric_features(plan)},
                          "normalize_target": plan["task"] == "regression", "source": "upload"})


# ----------------------------------------------------------------------------- zip checks

def _open_zip(data: bytes, code: str, **args) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # a damaged archive raises all sorts (BadZipFile, NotImplementedError, ...)
        raise DataError(code, **args) from None


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse the whole archive for unsafe names, links, encryption or bomb-like sizes."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DataError("data.zip_too_many", count=len(infos), limit=MAX_ZIP_MEMBERS)
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if not name:
            raise DataError("data.zip_bad_member", member="?")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/") or "\x00" in name:
            raise DataError("data.zip_traversal", member=info.filename[:200])
        if stat.S_ISLNK(info.external_attr >> 16):
            raise DataError("data.zip_symlink", member=info.filename[:200])
        if info.flag_bits & 0x1:
            raise DataError("data.zip_encrypted", member=info.filename[:200])
        size = info.file_size
        ratio = size / max(info.compress_size, 1)
        if size > MAX_MEMBER_BYTES or (size > 2**20 and ratio > MAX_RATIO):
            raise DataError("data.zip_bomb", member=info.filename[:200], size_mb=_mb(size),
                            ratio=round(ratio), limit_mb=_mb(MAX_MEMBER_BYTES), max_ratio=MAX_RATIO)
        total += size
        if total > MAX_UNZIPPED_BYTES:
            raise DataError("data.zip_bomb", member=info.filename[:200], size_mb=_mb(total),
                            ratio=round(ratio), limit_mb=_mb(MAX_UNZIPPED_BYTES), max_ratio=MAX_RATIO)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """The member's bytes, never more than it declares nor than the remaining budget."""
    cap = min(info.file_size, budget[0])
    try:
        with zf.open(info) as fh:
            data = fh.read(cap + 1)
    except Exception:  # damaged member: bad CRC, bad offsets, unknown compression, ...
        raise DataError("data.zip_bad_member", member=info.filename[:200]) from None
    if len(data) > cap:
        raise DataError("data.zip_bomb", member=info.filename[:200], size_mb=_mb(len(data)),
                        ratio="?", limit_mb=_mb(cap), max_ratio=MAX_RATIO)
    budget[0] -= len(data)
    return data


# ----------------------------------------------------------------------------- NPZ

def _npy_header(fh, key: str) -> tuple[tuple[int, ...], np.dtype, bool]:
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:
            raise ValueError(version)
    except Exception:
        raise DataError("data.npz_bad", detail=key[:60]) from None
    return shape, dtype, fortran


def _read_npz(data: bytes) -> dict[str, np.ndarray]:
    zf = _open_zip(data, "data.npz_bad", detail="not a zip archive")
    infos = zf.infolist()
    _check_members(infos)
    arrays: dict[str, np.ndarray] = {}
    budget = MAX_UNZIPPED_BYTES
    for info in infos:
        if info.is_dir() or not info.filename.endswith(".npy"):
            continue
        key = info.filename[:-4]
        _check_time()
        try:
            with zf.open(info) as fh:
                shape, dtype, _ = _npy_header(fh, key)
                if dtype.hasobject:
                    raise DataError("data.npz_pickle", array=key[:60])
                nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if nbytes > info.file_size or nbytes > budget:
                    raise DataError("data.npz_bad", detail=f"{key[:60]}: size does not match its header")
                budget -= nbytes
            with zf.open(info) as fh:
                arrays[key] = np.lib.format.read_array(fh, allow_pickle=False)
        except DataError:
            raise
        except Exception:
            raise DataError("data.npz_bad", detail=key[:60]) from None
    return arrays


def _meta(arrays: dict) -> dict:
    if "meta" not in arrays:
        return {}
    m = arrays.pop("meta")
    try:
        meta = json.loads(str(m.item())) if m.dtype.kind == "U" and m.ndim == 0 else None
    except (ValueError, TypeError):
        meta = None
    if not isinstance(meta, dict):
        raise DataError("data.npz_meta")
    return meta


def _str_list(meta: dict, key: str) -> list[str] | None:
    v = meta.get(key)
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise DataError("data.npz_meta")
    return v


def _input_tensor(key: str, a: np.ndarray, kind: str | None) -> tuple[torch.Tensor, str]:
    """An input array as a tensor, and the kind of data it looks like."""
    if a.dtype.kind not in "biuf" or a.ndim == 0:
        raise DataError("data.npz_dtype", array=key, dtype=str(a.dtype))
    if a.dtype.kind == "u" and a.dtype.itemsize == 1 and a.ndim >= 3 and kind in (None, "image"):
        x = a.astype(np.float32) / 255.0                     # 8-bit images
        if x.ndim == 3:
            x = x[:, None]
        elif x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):
            x = x.transpose(0, 3, 1, 2)                      # channels last -> first
        return torch.from_numpy(np.ascontiguousarray(x)), "image"
    if a.dtype.kind in "iu":
        if a.dtype.kind == "u" and a.dtype.itemsize == 8 and a.size and a.max() > np.iinfo(np.int64).max:
            raise DataError("data.npz_dtype", array=key, dtype=str(a.dtype))
        x = torch.from_numpy(np.ascontiguousarray(a.astype(np.int64)))
        return (x[:, None] if x.dim() == 1 else x), ("tokens" if a.ndim == 2 else "ratings")
    x = a.astype(np.float32)
    if np.isinf(x).any() or (x.ndim != 2 and np.isnan(x).any()):
        raise DataError("data.npz_nonfinite", array=key)  # NaN in a table: the training median
    t = torch.from_numpy(np.ascontiguousarray(x))
    if t.dim() == 1:
        t = t[:, None]
    return t, {2: "tabular", 3: "sequence", 4: "image"}.get(t.dim(), "tabular")


# what save_npz keeps of DataSet.extra (JSON-able notes the preprocess record needs)
_KEEP_EXTRA = ("tokens", "image", "pixels", "n_users", "n_items", "alphabet", "normalize_target", "csv", "norm_features",
               "audio", "fixed_val")


def load_npz(src, name: str | None = None) -> DataSet:
    """Arrays ``x`` (or ``x_<input>`` for several inputs) and optionally ``y``: integer,
    boolean or text labels make a classification set, floats a regression set, no ``y``
    an unsupervised one. Object arrays are refused (``allow_pickle=False`` always).
    Files written by ``save_npz`` keep their names, kinds, classes and vocabulary."""
    data, fname = read_source(src)
    if data[:6] == b"\x93NUMPY":
        raise DataError("data.npz_bad", detail="a single .npy array, not an .npz archive")
    arrays = _read_npz(data)
    if trees.is_flat(arrays):   # trees in the flat form with offsets (docs/design.md)
        return trees.from_arrays(str(name or _stem(fname, "upload"))[:60], arrays)
    meta = _meta(arrays)
    x_keys = ["x"] if "x" in arrays else sorted(k for k in arrays if k.startswith("x_"))
    saved_names = _str_list(meta, "input_names")
    if saved_names and sorted(f"x_{n}" for n in saved_names) == x_keys:
        x_keys = [f"x_{n}" for n in saved_names]
    if not x_keys:
        raise DataError("data.npz_no_x", keys=sorted(arrays)[:20])
    meta_kind = meta.get("kind") if meta.get("kind") in KINDS else None
    inputs: dict[str, torch.Tensor] = {}
    kinds = []
    for key in x_keys:
        t, kind = _input_tensor(key, arrays[key], meta_kind)
        in_name = key[2:] if key != "x" else (saved_names[0] if saved_names and len(saved_names) == 1 else "x")
        inputs[in_name] = t
        kinds.append(kind)
    n = {int(t.shape[0]) for t in inputs.values()}
    if len(n) != 1:
        raise DataError("data.npz_length", x=sorted(n)[0], y=sorted(n)[-1])
    n_rows = n.pop()
    if n_rows > MAX_ROWS:
        raise DataError("data.too_many_rows", rows=n_rows, limit=MAX_ROWS)
    if n_rows == 0:
        raise DataError("data.csv_empty")
    kind = meta_kind or (kinds[0] if len(kinds) == 1 else "ratings" if all(k == "ratings" for k in kinds)
                         else "tabular")
    target, task, class_names = None, "unsupervised", _str_list(meta, "class_names")
    if "y" in arrays:
        y = arrays["y"]
        if y.ndim == 2 and y.shape[1] == 1 and y.dtype.kind in "biuU":
            y = y[:, 0]
        if len(y) != n_rows:
            raise DataError("data.npz_length", x=n_rows, y=int(len(y)))
        if y.dtype.kind in "biuU":
            if y.ndim != 1:
                raise DataError("data.npz_dtype", array="y", dtype=f"{y.dtype} {list(y.shape)}")
            task = "classification"
            if y.dtype.kind in "iu" and class_names and y.size and 0 <= y.min() and y.max() < len(class_names):
                target = torch.from_numpy(y.astype(np.int64))
            else:
                values, ids = np.unique(y, return_inverse=True)
                class_names = [str(v) for v in values.tolist()]
                target = torch.from_numpy(ids.astype(np.int64).reshape(-1))
        elif y.dtype.kind == "f":
            if not np.isfinite(y).all():
                raise DataError("data.npz_nonfinite", array="y")
            task = "regression"
            class_names = None
            target = torch.from_numpy(np.ascontiguousarray(y.astype(np.float32).reshape(n_rows, -1)))
        else:
            raise DataError("data.npz_dtype", array="y", dtype=str(y.dtype))
    if task == "classification":
        check_classes(class_names, fname, SOURCE_NPZ)
    if meta.get("task") in TASKS and meta["task"] != task and not (meta["task"] == "unsupervised"):
        raise DataError("data.npz_meta")
    saved = meta.get("extra") if isinstance(meta.get("extra"), dict) else {}
    extra = {k: v for k, v in saved.items() if k in _KEEP_EXTRA}
    extra["source"] = "upload"
    desc = meta.get("description") if isinstance(meta.get("description"), dict) else None
    normalize = meta.get("normalize")
    if not isinstance(normalize, bool):
        normalize = kind in ("tabular", "points2d", "points", "sequence")
    return DataSet(str(name or meta.get("name") or _stem(fname, "upload"))[:60], kind, task, inputs, target,
                   class_names=class_names if task == "classification" else None,
                   feature_names=_str_list(meta, "feature_names"), vocab=_str_list(meta, "vocab"),
                   description={k: str(v) for k, v in desc.items()} if desc else
                   {"en": "Uploaded arrays", "zh": "上传的数组"},
                   normalize=normalize, extra=extra, fixed_test=_fixed_test(meta, n_rows))


def save_npz(ds: DataSet, path) -> None:
    """Write ``ds`` as an NPZ that ``load_npz`` reads back (exported scripts use it):
    ``x`` or ``x_<input>`` arrays, ``y`` when labelled, and a JSON ``meta`` string."""
    arrays: dict[str, np.ndarray] = {}
    names = list(ds.inputs)
    if len(names) == 1:
        arrays["x"] = _saved_array(ds, ds.inputs[names[0]])
    else:
        for k in names:
            arrays[f"x_{k}"] = _saved_array(ds, ds.inputs[k])
    if ds.target is not None:
        arrays["y"] = ds.target.detach().cpu().numpy()
    keep = {k: v for k, v in ds.extra.items() if k in _KEEP_EXTRA}
    meta = {"name": ds.name, "kind": ds.kind, "task": ds.task, "input_names": names,
            "class_names": ds.class_names, "feature_names": ds.feature_names, "vocab": ds.vocab,
            "description": ds.description, "normalize": ds.normalize, "extra": keep, "fixed_test": ds.fixed_test}
    arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
    np.savez_compressed(path, **arrays)


def _saved_array(ds: DataSet, x: torch.Tensor) -> np.ndarray:
    """An input as stored: images of 8-bit sets (``pixels: uint8``, values k / 255) as uint8,
    a quarter of float32's size (CIFAR-10: 184 MB, not 737 MB); ``load_npz`` divides by 255."""
    a = x.detach().cpu().numpy()
    if ds.extra.get("pixels") == "uint8" and x.is_floating_point() and x.dim() == 4:
        return np.rint(a * 255.0).astype(np.uint8)
    return a


def _fixed_test(meta: dict, n_rows: int) -> int:
    """The size of the official test part ``save_npz`` recorded (0: none)."""
    value = meta.get("fixed_test", 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < n_rows:
        raise DataError("data.npz_meta")
    return value


# ----------------------------------------------------------------------------- image folders

def _check_image_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS or width < 1 or height < 1:
        raise DataError("data.image_too_big", width=width, height=height, limit=MAX_IMAGE_PIXELS)


@contextlib.contextmanager
def _opened_image(data: bytes, size: int, mode: str):
    """The image in ``data`` opened (its header read, nothing decoded), or None when it is not one of
    ours; refuses one over the per-image limit. A JPEG is set to decode at the reduced size (draft)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in IMAGE_FORMATS:
                yield None
                return
            _check_image_size(*im.size)
            if im.format == "JPEG":
                im.draft(mode, (size, size))       # sets the size it will decode to; decodes nothing
            yield im


def _image_pixels(data: bytes, size: int, mode: str) -> int | None:
    """The pixels decoding ``data`` will cost, from the image's header alone (nothing is
    decoded; a JPEG counts at the reduced size its decoder is asked for), or None when the
    bytes do not start an image we read. Refuses an image over the per-image limit."""
    try:
        with _opened_image(data, size, mode) as im:
            return None if im is None else im.size[0] * im.size[1]
    except DataError:
        raise
    except Exception:  # not an image PIL can read: skipped, as when decoding
        return None


def _header_pixels(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, mode: str,
                   budget: list[int]) -> int | None:
    """``_image_pixels`` of a member, from its first bytes (all of it only when the header
    lies further in, e.g. after a large EXIF block)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(HEADER_BYTES)
    except Exception:  # damaged member: bad CRC, bad offsets, unknown compression, ...
        raise DataError("data.zip_bad_member", member=info.filename[:200]) from None
    pixels = _image_pixels(head, size, mode)
    if pixels is None and len(head) < info.file_size:
        pixels = _image_pixels(_read_member(zf, info, budget), size, mode)
    return pixels


def _check_pixel_budget(zf: zipfile.ZipFile, members: list[tuple[zipfile.ZipInfo, str]], size: int, mode: str,
                        file: str | None) -> list[tuple[zipfile.ZipInfo, str]]:
    """The members that are images, after adding up what decoding them all would cost and
    refusing the zip when that is over ``MAX_TOTAL_PIXELS`` (before anything is decoded)."""
    images, total, budget = [], 0, [MAX_UNZIPPED_BYTES]
    for info, cls in members:
        _check_time()
        pixels = _header_pixels(zf, info, size, mode, budget)
        if pixels is not None:
            images.append((info, cls))
            total += pixels
    if total > MAX_TOTAL_PIXELS:
        raise DataError("data.pixel_budget", file=(file or "upload")[:200], images=len(images),
                        megapixels=round(total / 1e6), limit_megapixels=round(MAX_TOTAL_PIXELS / 1e6))
    return images


def _decode_image(data: bytes, size: int, mode: str):
    """(size, size[, 3]) uint8 array, or None when the bytes are not an image we read."""
    from PIL import Image

    try:
        with _opened_image(data, size, mode) as im:
            if im is None:
                return None
            if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            im = im.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8)
    except DataError:
        raise
    except Exception:  # not an image PIL can read (UnidentifiedImageError, truncated data, ...)
        return None


def image_mode(size, color: str) -> tuple[str, int]:
    """(Pillow mode, channels) for the image options ``size`` and ``color``; a DataError when out of range."""
    if isinstance(size, bool) or not isinstance(size, int) or not IMAGE_SIZES[0] <= size <= IMAGE_SIZES[1]:
        raise DataError("data.option_range", option="size", value=str(size)[:20], low=IMAGE_SIZES[0],
                        high=IMAGE_SIZES[1])
    if color not in ("grey", "gray", "rgb"):
        raise DataError("data.bad_option", option="color", value=str(color)[:20], expected=["grey", "rgb"])
    return ("RGB", 3) if color == "rgb" else ("L", 1)


def load_image_zip(src, size: int = 28, color: str = "grey", name: str | None = None,
                   normalize: bool = False) -> DataSet:
    """A zip with one folder per class (``cats/001.png``, ``dogs/a.jpg``; an enclosing
    folder is fine), images resized to ``size`` x ``size``, grey (1 channel) or RGB (3),
    values in [0, 1]. Non-image members are skipped (listed in ``extra["skipped"]``)."""
    mode, channels = image_mode(size, color)
    data, fname = read_source(src)
    zf = _open_zip(data, "data.zip_bad")
    infos = zf.infolist()
    _check_members(infos)
    members: list[tuple[zipfile.ZipInfo, str]] = []
    skipped: list[str] = []
    for info in infos:
        fn = info.filename.replace("\\", "/")
        if info.is_dir() or _JUNK.search(fn):
            continue
        if not fn.lower().endswith(IMAGE_EXTENSIONS):
            skipped.append(fn)
            continue
        parts = fn.split("/")
        if len(parts) < 2 or not parts[-2]:
            raise DataError("data.zip_layout", member=fn[:200])
        members.append((info, parts[-2]))
    if not members:
        raise DataError("data.zip_no_images", skipped=len(skipped))
    if len(members) > MAX_IMAGES:
        raise DataError("data.too_many_images", count=len(members), limit=MAX_IMAGES)
    classes = sorted({c for _, c in members})
    if len(classes) < 2:
        raise DataError("data.zip_one_class", classes=classes)
    check_classes(classes, fname, SOURCE_ZIP)
    if len(members) * channels * size * size > MAX_OUTPUT_VALUES:
        raise DataError("data.too_large_output", count=len(members), size=size, channels=channels)
    readable = _check_pixel_budget(zf, members, size, mode, fname)
    kept = {id(info) for info, _ in readable}
    skipped.extend(info.filename for info, _ in members if id(info) not in kept)
    index = {c: i for i, c in enumerate(classes)}
    budget = [MAX_UNZIPPED_BYTES]
    images, labels = [], []
    for info, cls in readable:
        _check_time()
        arr = _decode_image(_read_member(zf, info, budget), size, mode)
        if arr is None:
            skipped.append(info.filename)
            continue
        images.append(arr)
        labels.append(index[cls])
    if not images:
        raise DataError("data.zip_no_images", skipped=len(skipped))
    present = sorted(set(labels))
    if len(present) < 2:
        raise DataError("data.zip_one_class", classes=[classes[i] for i in present])
    if len(present) < len(classes):  # a class whose images all failed to decode
        keep = {old: new for new, old in enumerate(present)}
        classes = [classes[i] for i in present]
        labels = [keep[v] for v in labels]
    x = np.stack(images).astype(np.float32) / 255.0
    x = x[:, None] if channels == 1 else x.transpose(0, 3, 1, 2)
    return DataSet(name or _stem(fname, "images"), "image", "classification",
                   {"x": torch.from_numpy(np.ascontiguousarray(x))}, torch.tensor(labels, dtype=torch.int64),
                   class_names=classes, description={"en": "Uploaded images", "zh": "上传的图片"},
                   normalize=normalize,
                   extra={"image": {"size": [size, size], "channels": channels}, "skipped": skipped[:50],
                          "skipped_count": len(skipped), "source": "upload"})


# ----------------------------------------------------------------------------- any upload

def check_option_names(loader, options: dict) -> None:
    """Refuse an option ``loader`` does not take (a typo on the command line or in a config file)."""
    import inspect
    names = list(inspect.signature(loader).parameters)[1:]      # after the source
    for key, value in options.items():
        if key not in names:
            raise DataError("data.bad_option", option=str(key)[:40], value=str(value)[:20],
                            expected=[f"{n}=…" for n in names])


def load_trees_json(src, name: str | None = None) -> DataSet:
    """Trees as JSON (``{"format": "netcanvas.trees", ...}``, docs/design.md)."""
    data, fname = read_source(src)
    return trees.read_json(str(name or _stem(fname, "upload"))[:60], data)


def load_upload(src, filename: str | None = None, **options) -> DataSet:
    """Pick the loader by file extension: .csv/.tsv/.txt, .npz, .zip."""
    fname = filename or (str(src) if isinstance(src, (str, os.PathLike)) else getattr(src, "name", None))
    ext = Path(str(fname or "")).suffix.lower()
    loaders = {".csv": load_csv, ".tsv": load_csv, ".txt": load_csv, ".npz": load_npz, ".zip": load_image_zip,
               ".json": load_trees_json}
    options = dict(options)
    if ext == ".txt" and options.pop("corpus", False) in (True, "true"):    # a corpus for a language model
        from .corpora import load_text
        loaders[".txt"] = functools.partial(load_text, name=Path(str(fname)).name)
    if ext not in loaders:
        raise DataError("data.unknown_format", ext=ext or "?")
    if ext == ".zip":
        from . import audio
        if audio.zip_holds_audio(src):      # class folders of WAV files: sounds, not images
            check_option_names(audio.load_audio_zip, options)
            return audio.load_audio_zip(src, **options)
    check_option_names(loaders[ext], options)
    return loaders[ext](src, **options)

