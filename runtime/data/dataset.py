"""The DataSet type, and turning one into training data: splits, missing-value fill,
normalisation with training statistics, label noise.

Everything a trained model needs to see new data the way it saw its training data
goes into one JSON-able ``preprocess`` record (see ``split``); ``preprocess.py``
applies it to new raw inputs and ``binding.py`` maps inputs onto a graph's Inputs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch

from . import portable
from .errors import DataError

KINDS = ("image", "tabular", "points2d", "sequence", "tokens", "ratings", "dna", "points", "trees", "audio", "corpus")
TASKS = ("classification", "regression", "unsupervised", "language_model")
# Kinds whose samples are channels-first (C, ...): statistics per channel (dim 1).
CHANNELS_FIRST = ("image", "dna")
RECORD_VERSION = 1


@dataclass
class DataSet:
    name: str
    kind: str                          # one of KINDS
    task: str                          # one of TASKS
    inputs: dict[str, torch.Tensor]    # input name -> (N, *sample_shape); single input: "x"
    target: torch.Tensor | None = None  # classification (N,) int64; regression (N, k) float32
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    vocab: list[str] | None = None     # token sets: id -> word, 0 = "<pad>", 1 = "<unk>"
    description: dict[str, str] = field(default_factory=dict)
    normalize: bool = True             # standardise float inputs with training statistics
    extra: dict = field(default_factory=dict)  # JSON-able notes: csv plan, token settings, ...
    fixed_test: int = 0                # the last ``fixed_test`` samples are an official test set, kept as the test split

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.task not in TASKS or not self.inputs:
            raise DataError("data.inconsistent", name=self.name, detail=f"kind={self.kind} task={self.task}")
        sizes = {int(v.shape[0]) for v in self.inputs.values()}
        if self.target is not None:
            sizes.add(int(self.target.shape[0]))
        if len(sizes) != 1:
            raise DataError("data.inconsistent", name=self.name, detail=f"lengths {sorted(sizes)}")

    def __len__(self) -> int:
        return int(next(iter(self.inputs.values())).shape[0])

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.task == "classification" and self.class_names else None

    def sample_shapes(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(int(d) for d in v.shape[1:]) for k, v in self.inputs.items()}

    def to(self, device) -> DataSet:
        """The same set with its tensors on ``device`` (the trainer keeps data on the device)."""
        return replace(self, inputs={k: v.to(device) for k, v in self.inputs.items()},
                       target=None if self.target is None else self.target.to(device), extra=dict(self.extra))

    def subset(self, index: torch.Tensor) -> DataSet:
        """The samples at ``index`` (a 1-D int64 tensor), everything else shared."""
        return replace(
            self,
            inputs={k: v.index_select(0, index) for k, v in self.inputs.items()},
            target=None if self.target is None else self.target.index_select(0, index),
            extra=dict(self.extra),
            fixed_test=0,   # any order of samples: no official test part any more
        )


@dataclass
class Splits:
    train: DataSet
    val: DataSet
    test: DataSet | None
    preprocess: dict  # JSON-able; see split()

    def parts(self) -> list[DataSet]:
        return [s for s in (self.train, self.val, self.test) if s is not None]


# ----------------------------------------------------------------------------- splits

def split_indices(ds: DataSet, val_fraction: float = 0.2, test_fraction: float = 0.0,
                  seed: int = 0, stratify: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train, val, test) index tensors; stratified by class for classification sets. A set with
    an official test part (``fixed_test``) keeps it as the test split (``test_fraction`` is not
    used) and takes the validation split from the rest."""
    if ds.fixed_test:
        test_fraction = 0.0
    for frac in (val_fraction, test_fraction):
        if not (isinstance(frac, (int, float)) and 0.0 <= frac < 1.0 and math.isfinite(frac)):
            raise DataError("data.split_fraction", val=val_fraction, test=test_fraction)
    if val_fraction + test_fraction >= 1.0:
        raise DataError("data.split_fraction", val=val_fraction, test=test_fraction)
    n = len(ds) - ds.fixed_test
    n_val = round(val_fraction * n) if val_fraction > 0 else 0
    n_test = round(test_fraction * n) if test_fraction > 0 else 0
    n_val = max(n_val, 1) if val_fraction > 0 else 0
    n_test = max(n_test, 1) if test_fraction > 0 else 0
    if n - n_val - n_test < 1:
        raise DataError("data.too_few_samples", name=ds.name, n=n)
    labels = ds.target if stratify and ds.task == "classification" and ds.target is not None else None
    if ds.fixed_test:
        return portable.split_with_test_part(len(ds), labels, val_fraction, ds.fixed_test, seed)
    if ds.extra.get("fixed_val"):
        return portable.split_with_val_part(len(ds), labels, test_fraction, ds.extra["fixed_val"], seed)
    return portable.split_indices(n, labels, val_fraction, test_fraction, seed)


def _stat_layout(kind: str, ndim: int) -> tuple[list[int], int]:
    """(reduced axes incl. the batch axis, feature axis) for a float input of ``ndim`` dims."""
    if ndim <= 1:
        return [0], -1
    feat = 1 if kind in CHANNELS_FIRST else ndim - 1
    return [a for a in range(ndim) if a != feat], feat


def _stat_shape(ndim: int, feat: int, nfeat: int) -> list[int]:
    shape = [1] * (ndim - 1)
    if ndim > 1:
        shape[feat - 1] = nfeat
    return shape


def _is_float(x: torch.Tensor) -> bool:
    return x.is_floating_point()


def _fill_record(name: str, x_train: torch.Tensor, all_parts: list[torch.Tensor]) -> dict | None:
    """Missing values (NaN) in a (N, F) float input: the training median per feature."""
    if not any(bool(torch.isnan(p).any()) for p in all_parts):
        return None
    if x_train.dim() != 2:
        raise DataError("data.nan_values", input=name)
    med = torch.nanmedian(x_train, dim=0).values if len(x_train) else torch.zeros(x_train.shape[1])
    med = torch.nan_to_num(med, nan=0.0)
    return {"value": [float(v) for v in med]}


def _norm_record(kind: str, x_train: torch.Tensor, mask: list[int] | None) -> dict:
    axes, feat = _stat_layout(kind, x_train.dim())
    nfeat = 1 if x_train.dim() == 1 else int(x_train.shape[feat])
    x64 = x_train.double()
    mean = x64.mean(dim=axes) if x_train.dim() > 1 else x64.mean().reshape(1)
    std = x64.std(dim=axes, unbiased=False) if x_train.dim() > 1 else x64.std(unbiased=False).reshape(1)
    std = torch.where(std < 1e-8, torch.ones_like(std), std)
    if mask is not None:
        keep = torch.zeros(nfeat, dtype=torch.bool)
        keep[torch.tensor(mask, dtype=torch.int64)] = True
        mean = torch.where(keep, mean, torch.zeros_like(mean))
        std = torch.where(keep, std, torch.ones_like(std))
    return {"mean": [float(v) for v in mean], "std": [float(v) for v in std],
            "axes": axes, "shape": _stat_shape(x_train.dim(), feat, nfeat)}


# The record's steps, applied: one copy, shared with the exported train.py.
fill_missing = portable.fill_missing
normalize_with = portable.normalize


def base_record(ds: DataSet) -> dict:
    return {
        "version": RECORD_VERSION,
        "data": ds.name,
        "kind": ds.kind,
        "task": ds.task,
        "inputs": {k: {"shape": list(s), "dtype": str(ds.inputs[k].dtype).replace("torch.", "")}
                   for k, s in ds.sample_shapes().items()},
        "fill": {},
        "normalize": {},
        "target": None,
        "reshape": {},
        "class_names": list(ds.class_names) if ds.class_names else None,
        "feature_names": list(ds.feature_names) if ds.feature_names else None,
        "vocab": list(ds.vocab) if ds.vocab else None,
        "tokens": ds.extra.get("tokens"),
        "csv": ds.extra.get("csv"),
        "image": ds.extra.get("image"),
    } | ({"fixed_test": ds.fixed_test} if ds.fixed_test else {}) \
      | {k: ds.extra[k] for k in ("audio", "fixed_val") if k in ds.extra}   # sounds: rate, held-out voices


def split(ds: DataSet, val_fraction: float = 0.2, test_fraction: float = 0.0, seed: int = 0,
          stratify: bool = True, normalize: bool | None = None,
          normalize_target: bool | None = None) -> Splits:
    """Train/val/test views of ``ds``. Missing values are filled with the training median,
    float inputs standardised with training mean/std (when ``normalize``, default
    ``ds.normalize``), and regression targets optionally standardised; the statistics
    go into ``Splits.preprocess``::

        {"version": 1, "data": name, "kind", "task",
         "inputs": {name: {"shape": [...], "dtype": "float32"}},
         "fill": {name: {"value": [...]}},
         "normalize": {name: {"mean": [...], "std": [...], "axes": [...], "shape": [...]}},
         "target": {"mean": [...], "std": [...]} | None,
         "reshape": {graph_input: {"source": name, "from": [...], "to": [...]}},
         "class_names", "feature_names", "vocab", "tokens", "csv", "image"}

    Apply ``normalize`` as ``(x - mean.reshape(shape)) / std.reshape(shape)``.
    """
    if "bind" in ds.extra:  # bound before splitting: split the unbound data, bind again
        from .binding import rebind, unbind
        return rebind(split(unbind(ds), val_fraction, test_fraction, seed, stratify,
                            normalize, normalize_target), ds.extra["bind"])
    tr_i, va_i, te_i = split_indices(ds, val_fraction, test_fraction, seed, stratify)
    parts = [ds.subset(tr_i), ds.subset(va_i), ds.subset(te_i) if len(te_i) else None]
    live = [p for p in parts if p is not None]
    record = base_record(ds)
    do_norm = ds.normalize if normalize is None else bool(normalize)
    masks = ds.extra.get("norm_features", {})
    for name, x in ds.inputs.items():
        if not _is_float(x):
            continue
        fill = _fill_record(name, parts[0].inputs[name], [p.inputs[name] for p in live])
        if fill is not None:
            record["fill"][name] = fill
            for p in live:
                p.inputs[name] = fill_missing(p.inputs[name], fill)
        if do_norm and len(parts[0]):
            rec = _norm_record(ds.kind, parts[0].inputs[name], masks.get(name))
            record["normalize"][name] = rec
            for p in live:
                p.inputs[name] = normalize_with(p.inputs[name], rec)
    want_t = ds.extra.get("normalize_target", False) if normalize_target is None else normalize_target
    if want_t and ds.task == "regression" and ds.target is not None and len(parts[0]):
        y = parts[0].target.double()
        mean, std = y.mean(0), y.std(0, unbiased=False)
        std = torch.where(std < 1e-8, torch.ones_like(std), std)
        record["target"] = {"mean": [float(v) for v in mean], "std": [float(v) for v in std]}
        for p in live:
            p.target = ((p.target - mean.float()) / std.float()).float()
    for p in live:
        p.normalize = False
        p.extra["preprocessed"] = True
    return Splits(parts[0], parts[1], parts[2], record)


# Model outputs back in the data's own units (undoes target standardisation).
invert_target = portable.target_to_units


# ----------------------------------------------------------------------------- label noise

def add_label_noise(train, fraction: float, seed: int = 0):
    """Flip exactly ``round(fraction * N)`` training labels, each to a different class
    chosen uniformly. Takes a training DataSet or a Splits (only ``train`` changes) and
    returns the same type; the input is left untouched."""
    if isinstance(train, Splits):
        return replace(train, train=add_label_noise(train.train, fraction, seed))
    if train.task != "classification" or train.target is None:
        raise DataError("data.noise_not_classification", name=train.name)
    if not (isinstance(fraction, (int, float)) and 0.0 <= fraction <= 1.0):
        raise DataError("data.noise_fraction", fraction=fraction)
    k = train.num_classes or int(train.target.max()) + 1
    if k < 2:
        raise DataError("data.one_class", name=train.name)
    n = len(train)
    n_flip = round(fraction * n)
    g = torch.Generator().manual_seed(int(seed))
    chosen = torch.randperm(n, generator=g)[:n_flip]
    shift = torch.randint(1, k, (n_flip,), generator=g)
    y = train.target.clone()
    y[chosen] = (y[chosen] + shift) % k
    extra = dict(train.extra, label_noise={"fraction": fraction, "flipped": n_flip, "seed": seed})
    return replace(train, target=y, extra=extra)
