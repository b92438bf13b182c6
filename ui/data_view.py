"""What the Data page shows about a data set, without streamlit.

``summarize(ds)`` turns a loaded ``DataSet`` into a small, picklable ``DataView``: a few
preview samples per kind, the labels (for class balance and split sizes) and a *probe*,
a handful of samples (including the smallest and largest token ids) on which the
binding check gives the same answer as on the whole set. The page caches the view per
data set + options, so a 20,000-image set is generated once, not on every rerun.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from runtime.data import builtin, standard
from runtime.data.augment import AUGMENTATIONS, check_config
from runtime.data.augment import RANGES as AUGMENT_RANGES
from runtime.data.dataset import DataSet, split_indices
from runtime.data.errors import DataError

# How many samples each kind of preview keeps.
PREVIEW_IMAGES = 24
PREVIEW_ROWS = 200
PREVIEW_POINTS = 3000
PREVIEW_SEQUENCES = 6
PREVIEW_TEXTS = 12
AUGMENT_SAMPLES = 8
PROBE_SAMPLES = 16
DISPLAY_SIDE = 64              # preview images larger than this are shrunk for the grid


@dataclass
class DataView:
    name: str
    kind: str
    task: str
    n: int
    source: str                                  # "builtin" | "upload"
    description: dict[str, str]
    input_shapes: dict[str, tuple[int, ...]]
    input_dtypes: dict[str, str]
    class_names: list[str] | None
    feature_names: list[str] | None
    vocab: list[str] | None
    extra: dict                                  # JSON-able notes (csv plan, image spec, options, ...)
    labels: np.ndarray | None                    # classification: (N,) int64
    targets: np.ndarray | None                   # regression: (N,) first target column
    sample_index: np.ndarray                     # which samples the previews show
    samples: dict[str, np.ndarray]               # input -> preview samples (images shrunk for display)
    sample_targets: np.ndarray | None            # their labels or target values
    augment_samples: np.ndarray | None           # images at full size for the augmentation preview
    points: np.ndarray | None = None             # 2-D / 1-D sets: a random subset for the scatter plot
    point_labels: np.ndarray | None = None
    probe: DataSet | None = field(default=None, repr=False)
    fixed_test: int = 0                          # the last N samples: an official test set (the test split)

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.task == "classification" and self.class_names else None

    @property
    def is_image(self) -> bool:
        return self.kind == "image" and len(self.input_shapes) == 1 and len(next(iter(self.input_shapes.values()))) == 3

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return next(iter(self.input_shapes.values()))

    def class_counts(self) -> dict[str, int]:
        if self.labels is None or not self.class_names:
            return {}
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def label_text(self, value) -> str:
        """A preview sample's label as people read it: class name, or the target value."""
        if value is None:
            return ""
        if self.task == "classification" and self.class_names:
            i = int(value)
            return self.class_names[i] if 0 <= i < len(self.class_names) else str(i)
        arr = np.asarray(value, dtype=float).reshape(-1)
        return ", ".join(f"{v:.3g}" for v in arr[:3]) + (" …" if arr.size > 3 else "")


def fmt_num(x: float) -> str:
    """A number for people: 3 significant digits, thousands separated, no exponent below a million."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or (x != 0 and abs(x) < 1e-3):
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def fmt_shape(shape) -> str:
    """(1, 8, 8) -> '1×8×8'."""
    return "×".join(str(int(d)) for d in shape) if len(shape) else "1"


# ----------------------------------------------------------------------------- summarize

def _preview_order(labels: np.ndarray | None, n: int, k: int) -> np.ndarray:
    """The first ``k`` samples, taking classes in turn (0, 1, 2, ..., 0, 1, ...) when labelled,
    so that a grid shows every class."""
    if labels is None or n == 0:
        return np.arange(min(n, k))
    per_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    out: list[int] = []
    depth = 0
    while len(out) < min(k, n):
        added = False
        for idx in per_class:
            if depth < len(idx) and len(out) < k:
                out.append(int(idx[depth]))
                added = True
        if not added:
            break
        depth += 1
    return np.asarray(out, dtype=np.int64)


def _shrink(images: torch.Tensor, side: int = DISPLAY_SIDE) -> torch.Tensor:
    h, w = images.shape[-2:]
    if max(h, w) <= side:
        return images
    scale = side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return torch.nn.functional.interpolate(images, size=size, mode="area")


def _probe(ds: DataSet, index: np.ndarray) -> DataSet:
    """A few samples that answer every binding question like the whole set: the preview's
    first ones, plus the samples holding the smallest and largest token ids."""
    rows = set(int(i) for i in index[:PROBE_SAMPLES]) or {0}
    for x in ds.inputs.values():
        if not x.is_floating_point() and x.numel():
            flat = x.reshape(len(x), -1)
            rows.add(int(flat.min(dim=1).values.argmin()))
            rows.add(int(flat.max(dim=1).values.argmax()))
    return ds.subset(torch.tensor(sorted(rows), dtype=torch.int64))


def summarize(ds: DataSet, source: str = "builtin") -> DataView:
    """The page's view of ``ds``: small previews, labels and a binding probe."""
    n = len(ds)
    labels = targets = None
    if ds.task == "classification" and ds.target is not None:
        labels = ds.target.detach().cpu().numpy().astype(np.int64).reshape(-1)
    elif ds.target is not None:
        targets = ds.target.detach().cpu().float().numpy().reshape(n, -1)[:, 0]
    k = {"image": PREVIEW_IMAGES, "sequence": PREVIEW_SEQUENCES, "tokens": PREVIEW_TEXTS,
         "dna": PREVIEW_TEXTS}.get(ds.kind, PREVIEW_ROWS)
    index = _preview_order(labels, n, k)
    idx_t = torch.from_numpy(index)
    samples: dict[str, np.ndarray] = {}
    augment_samples = None
    for name, x in ds.inputs.items():
        part = x.index_select(0, idx_t).detach().cpu()
        if ds.kind == "image" and part.dim() == 4 and part.is_floating_point():
            augment_samples = part[:AUGMENT_SAMPLES].numpy().copy()
            part = _shrink(part)
        samples[name] = part.numpy().copy()
    sample_targets = None
    if ds.target is not None:
        sample_targets = ds.target.index_select(0, idx_t).detach().cpu().numpy().copy()
    points = point_labels = None
    first = next(iter(ds.inputs.values()))
    if ds.kind in ("points2d", "points") and first.dim() == 2 and first.shape[1] <= 2:
        rng = np.random.default_rng(0)
        pick = np.sort(rng.permutation(n)[:PREVIEW_POINTS]) if n > PREVIEW_POINTS else np.arange(n)
        points = first.detach().cpu().numpy()[pick].copy()
        point_labels = labels[pick] if labels is not None else None
    extra = {k: v for k, v in ds.extra.items()
             if k in ("csv", "image", "options", "tokens", "alphabet", "n_users", "n_items", "skipped_count",
                      "skipped", "source")}
    return DataView(
        name=ds.name, kind=ds.kind, task=ds.task, n=n, source=source, description=dict(ds.description or {}),
        input_shapes=ds.sample_shapes(),
        input_dtypes={k: ("float32" if v.is_floating_point() else "int64") for k, v in ds.inputs.items()},
        class_names=list(ds.class_names) if ds.class_names else None,
        feature_names=list(ds.feature_names) if ds.feature_names else None,
        vocab=list(ds.vocab) if ds.vocab else None, extra=extra, labels=labels, targets=targets,
        sample_index=index, samples=samples, sample_targets=sample_targets, augment_samples=augment_samples,
        points=points, point_labels=point_labels, probe=_probe(ds, index),
        fixed_test=ds.fixed_test)


def builtin_view(name: str, options: dict | None = None) -> DataView:
    """Load a built-in set and summarize it (DataError for unknown names or bad options). A standard set
    streamed from disk is not loaded: its view comes from the unpacked labels and the preview images."""
    options = dict(options or {})
    if options.get("stream") and name in standard.SETS:
        return _streamed_standard_view(name, options)
    return summarize(builtin.load(name, **options), "builtin")


def _streamed_standard_view(name: str, options: dict) -> DataView:
    from runtime.data import stream
    about = builtin.info(name, **options)          # checks the options as loading would
    images = stream.standard_images(name)          # memory-mapped: nothing read but the labels yet
    return streamed_view(images, "builtin", about.description, {"options": {**about.options, **options}})


def upload_view(path: str, options: dict | None = None) -> DataView:
    """Load an uploaded file (saved under the workspace) and summarize it, in a worker
    thread with a time limit (``uploads.PARSE_SECONDS``): a slow file is a DataError
    naming the limit, not a page that waits for it."""
    from runtime.data import uploads
    return uploads.with_time_limit(_load_and_summarize, str(path), dict(options or {}), file=Path(path).name)


def _load_and_summarize(path: str, options: dict) -> DataView:
    from runtime.data import uploads
    if Path(path).is_dir():
        return folder_view(path, options)
    return summarize(uploads.load_upload(path, **options), "upload")


def folder_view(path: str, options: dict) -> DataView:
    """A local image folder's view (``streamed_view``)."""
    from runtime.data import stream
    folder = stream.list_folder(path, **options)
    about = {"en": "Image folder, streamed from disk", "zh": "图片文件夹，从磁盘流式读取"}
    return streamed_view(folder, "upload", about,
                         {"source": "folder", "skipped": folder.skipped, "skipped_count": folder.skipped_count})


def streamed_view(images, source: str, description: dict, extra: dict) -> DataView:
    """The view of a set streamed from disk (``stream.STREAMED``: a listed folder, a standard set's unpacked
    array): every label (the class balance), and the preview images alone decoded."""
    from runtime.data import stream
    labels = images.labels.numpy()
    index = _preview_order(labels, len(images), PREVIEW_IMAGES)
    x, y, readable, _ = stream.collate_readable([images.dataset()[int(i)] for i in index])
    if not bool(readable.any()):
        raise DataError("data.folder_unreadable_images", path=str(images.root)[-200:], count=len(index))
    index = index[readable.numpy()]
    shown = DataSet(images.name, "image", "classification", {"x": x[readable].float() / 255.0}, y[readable],
                    class_names=images.class_names, description=description,
                    extra={"image": {"size": [images.size] * 2, "channels": images.channels}, **extra})
    view = summarize(shown, source)
    return replace(view, n=len(images), labels=labels, sample_index=index[view.sample_index],
                   fixed_test=images.fixed_test)


# ----------------------------------------------------------------------------- splits

def split_sizes(view: DataView, val: float, test: float = 0.0, seed: int = 0) -> dict:
    """``{"train", "val", "test": sizes, "per_class": {split: [count per class]} | None}``
    exactly as training will split (stratified by class); a DataError when the fractions
    do not leave a training set."""
    if view.labels is not None:
        target = torch.from_numpy(view.labels)
    else:
        target = None
    light = DataSet(view.name, view.kind, view.task if target is not None else "unsupervised",
                    {"x": torch.zeros(view.n, 0)}, target, fixed_test=view.fixed_test)
    train, valid, test_idx = split_indices(light, val_fraction=val, test_fraction=test, seed=seed)
    out = {"train": len(train), "val": len(valid), "test": len(test_idx), "per_class": None}
    if view.labels is not None and view.class_names:
        k = len(view.class_names)
        out["per_class"] = {name: np.bincount(view.labels[idx.numpy()], minlength=k).tolist()
                            for name, idx in (("train", train), ("val", valid), ("test", test_idx))}
    return out


def flipped_labels(n_train: int, fraction: float) -> int:
    """How many training labels label noise flips (``add_label_noise`` flips exactly this many)."""
    return round(fraction * n_train)


# ----------------------------------------------------------------------------- built-in options

@dataclass(frozen=True)
class OptionSpec:
    key: str
    kind: str                 # "int" | "float" | "str" | "bool"
    default: object
    low: float | None = None
    high: float | None = None
    step: float | None = None
    widget: str = "slider"    # "slider" | "number" | "text" | "choice" | "toggle"


def option_specs(name: str) -> list[OptionSpec]:
    """The options a built-in set takes, as widgets (declared in runtime.data.builtin.DATA_OPTIONS);
    generated sets also take ``seed``."""
    defaults = dict(builtin.info(name).options)
    if defaults and builtin.is_generated(name):
        defaults["seed"] = 0
    specs = []
    for key, default in defaults.items():
        declared = builtin.OPTIONS_BY_NAME.get(key)
        if isinstance(default, bool):
            specs.append(OptionSpec(key, "bool", default, widget="toggle"))
            continue
        if isinstance(default, str) or declared is None or declared.lo is None:
            specs.append(OptionSpec(key, "str", default, widget="text"))
            continue
        kind = "float" if isinstance(default, float) else "int"
        low = declared.lo
        if kind == "float" and key == "std":
            low = 0.01  # the slider's step; 0.001 stays reachable from the command line
        specs.append(OptionSpec(key, kind, default, low, declared.hi, declared.step, _widget(declared)))
    return specs


def _widget(declared) -> str:
    """A choice between two or three values, a box to type large counts in, else a slider."""
    if declared.kind == "int" and declared.hi - declared.lo <= 2:
        return "choice"
    if declared.kind == "int" and declared.hi > 1000:
        return "number"
    return "slider"


def clean_options(name: str, values: dict) -> dict:
    """Only the options that differ from the set's defaults (what the data choice stores)."""
    defaults = {s.key: s.default for s in option_specs(name)}
    out = {}
    for key, value in values.items():
        if key not in defaults:
            continue
        if isinstance(defaults[key], float) and isinstance(value, (int, float)):
            value = round(float(value), 6)
        if value != defaults[key]:
            out[key] = value
    return out


# ----------------------------------------------------------------------------- augmentation

AUGMENT_KEYS = list(AUGMENT_RANGES)


def clean_augment(values: dict) -> dict:
    """The strengths that are on (> 0), and ``padding`` when not the default; checked by
    ``runtime.data.augment.check_config`` (a DataError if out of range)."""
    full = check_config({k: v for k, v in values.items() if k in AUGMENT_RANGES or k == "padding"})
    out = {k: round(full[k], 6) for k in AUGMENT_KEYS if full[k] > 0}
    if full["padding"] != "zeros" and out:
        out["padding"] = full["padding"]
    return out


def colour_refused(view: DataView, name: str) -> int | None:
    """The channel count when augmentation ``name`` needs RGB and these images are not; else None."""
    from runtime.data.augment import RGB_ONLY
    if name not in RGB_ONLY or view.augment_samples is None or view.augment_samples.shape[1] == 3:
        return None
    return int(view.augment_samples.shape[1])


def augment_preview(view: DataView, config: dict, seed: int = 0) -> tuple[np.ndarray, np.ndarray] | None:
    """(before, after) images for the preview, shrunk for display; None for non-image data."""
    if view.augment_samples is None:
        return None
    from runtime.data.augment import preview
    before, after = preview(torch.from_numpy(view.augment_samples), config, seed=seed)
    return _shrink(before).numpy(), _shrink(after).numpy()


def text_rows(view: DataView, lang_label: str = "label") -> list[dict]:
    """Token sets: decoded text of the preview samples (padding left out)."""
    from runtime.data.text import decode
    ids = next(iter(view.samples.values()))
    vocab = view.vocab or []
    rows = []
    for i, row in enumerate(ids):
        target = None if view.sample_targets is None else view.sample_targets[i]
        rows.append({"text": decode(row.tolist(), vocab) if vocab else " ".join(str(int(v)) for v in row if v),
                     lang_label: view.label_text(target),
                     "ids": " ".join(str(int(v)) for v in row)})
    return rows


def dna_letters(x: np.ndarray, alphabet: str = "ACGT") -> str:
    """One one-hot (len(alphabet), L) sample as letters; an all-zero column reads N."""
    x = np.asarray(x)
    hot = x.max(axis=0) > 0
    letters = np.asarray(list(alphabet))[x.argmax(axis=0)]
    return "".join(ch if h else "N" for ch, h in zip(letters, hot))


def table_frame(view: DataView, target_label: str = "target"):
    """Tabular / ratings sets: the preview rows as a pandas DataFrame (raw values, before
    standardisation), with the label or target as the last column."""
    import pandas as pd
    cols = {}
    for name, x in view.samples.items():
        x2 = x.reshape(len(x), -1)
        names = view.feature_names if (len(view.samples) == 1 and view.feature_names
                                       and len(view.feature_names) == x2.shape[1]) else None
        for j in range(x2.shape[1]):
            cols[names[j] if names else (name if x2.shape[1] == 1 else f"{name}[{j}]")] = x2[:, j]
    frame = pd.DataFrame(cols)
    if view.sample_targets is not None:
        frame[target_label] = [view.label_text(t) if view.task == "classification" else
                               float(np.asarray(t, dtype=float).reshape(-1)[0]) for t in view.sample_targets]
    return frame


def mosaic_titles(view: DataView, count: int) -> list[str]:
    if view.sample_targets is None:
        return [f"#{int(i)}" for i in view.sample_index[:count]]
    return [view.label_text(t) for t in view.sample_targets[:count]]


def grid_columns(n: int, side: int) -> int:
    """Columns for an image grid: 8, or fewer for large images."""
    return max(4, min(8, math.ceil(8 * 32 / max(side, 32)))) if n > 4 else max(1, n)
