"""The data steps that travel: splits, the ``preprocess`` record applied, text encoding, CSV rows.

The record (``dataset.split`` + ``binding.bind``) holds, per data input, missing-value
fills and normalisation statistics of the training split, then how the data inputs map
(and reshape) onto the graph's Inputs, plus class names, vocabulary and the CSV column
plan. Every function here needs only the standard library, numpy and torch, because
``runtime.export.script`` pastes their source into the exported ``train.py``: the data
layer, "try the model", the ONNX wrapper and the exported script share this one copy.
"""
from __future__ import annotations

import math
import re

import numpy as np
import torch

MISSING = "(missing)"


# -- splits ----------------------------------------------------------------------------------------
def allocate(counts, total):
    """Split ``total`` over groups in proportion to ``counts`` (largest remainder)."""
    n = sum(counts)
    if n == 0 or total == 0:
        return [0] * len(counts)
    exact = [c * total / n for c in counts]
    out = [min(c, math.floor(e)) for c, e in zip(counts, exact)]
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - math.floor(exact[i])), i))
    left = total - sum(out)
    while left > 0:
        moved = False
        for i in order:
            if left and out[i] < counts[i]:
                out[i] += 1
                left -= 1
                moved = True
        if not moved:
            break
    return out


def split_indices(n, labels, val_fraction, test_fraction, seed):
    """(train, val, test) index tensors; stratified by class when ``labels`` are given."""
    n_val = max(round(val_fraction * n), 1) if val_fraction > 0 else 0
    n_test = max(round(test_fraction * n), 1) if test_fraction > 0 else 0
    g = torch.Generator().manual_seed(int(seed))
    perm = torch.randperm(n, generator=g)
    if labels is None:
        return perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]
    shuffled = labels[perm]
    groups = [perm[shuffled == c] for c in torch.unique(shuffled).tolist()]
    counts = [len(group) for group in groups]
    test_q = allocate(counts, n_test)
    val_q = allocate([c - q for c, q in zip(counts, test_q)], n_val)
    parts = [[], [], []]
    for group, nt, nv in zip(groups, test_q, val_q):
        parts[2].append(group[:nt])
        parts[1].append(group[nt:nt + nv])
        parts[0].append(group[nt + nv:])
    out = []
    for chunks in parts:
        idx = torch.cat(chunks) if chunks else torch.empty(0, dtype=torch.int64)
        out.append(idx[torch.randperm(len(idx), generator=g)])
    return out[0], out[1], out[2]


def split_with_test_part(n, labels, val_fraction, n_test, seed):
    """(train, val, test) index tensors for data whose last ``n_test`` samples are an official
    test set: that is the test split; train and validation split the rest as ``split_indices``."""
    n_pool = n - n_test
    train, val, _ = split_indices(n_pool, None if labels is None else labels[:n_pool], val_fraction, 0.0, seed)
    return train, val, torch.arange(n_pool, n)


def split_with_val_part(n, labels, test_fraction, n_val, seed):
    """(train, val, test) index tensors for data whose last ``n_val`` samples are the validation set
    (voices training must not hear): test and train split the rest as ``split_indices``."""
    n_pool = n - n_val
    train, _, test = split_indices(n_pool, None if labels is None else labels[:n_pool], 0.0, test_fraction, seed)
    return train, torch.arange(n_pool, n), test


# -- the record, applied ------------------------------------------------------------------
def fill_missing(x, rec):
    """NaN -> the training split's median, per feature."""
    value = torch.tensor(rec["value"], dtype=x.dtype, device=x.device).expand_as(x)
    return torch.where(torch.isnan(x), value, x)


def normalize(x, rec):
    """(x - mean) / std with the training split's statistics, broadcast over ``rec["shape"]``."""
    mean = torch.tensor(rec["mean"], dtype=x.dtype, device=x.device).reshape(rec["shape"])
    std = torch.tensor(rec["std"], dtype=x.dtype, device=x.device).reshape(rec["shape"])
    return (x - mean) / std


def to_model_inputs(record, data):
    """Data inputs (by data name, batch first) -> the model's inputs (by graph Input name):
    fill missing values, normalise, then rename and reshape as training did."""
    out = {}
    for name, x in data.items():
        if x.is_floating_point():
            if name in record.get("fill", {}):
                x = fill_missing(x, record["fill"][name])
            if name in record.get("normalize", {}):
                x = normalize(x, record["normalize"][name])
        out[name] = x
    reshape = record.get("reshape") or {}
    if not reshape:
        return out
    return {graph_name: out[b["source"]].reshape(out[b["source"]].shape[0], *b["to"])
            for graph_name, b in reshape.items()}


def target_to_units(record, y):
    """Regression outputs back in the data's own units (undoes target standardisation)."""
    rec = record.get("target")
    if not rec:
        return y
    mean = torch.tensor(rec["mean"], dtype=y.dtype, device=y.device)
    std = torch.tensor(rec["std"], dtype=y.dtype, device=y.device)
    return y * std + mean


def target_standardize(record, y):
    """Regression targets in the units the model was trained on."""
    rec = record.get("target")
    if not rec:
        return y
    mean = torch.tensor(rec["mean"], dtype=y.dtype, device=y.device)
    std = torch.tensor(rec["std"], dtype=y.dtype, device=y.device)
    return (y - mean) / std


# -- text -------------------------------------------------------------------------------------
def tokenize(text):
    """Lower-case words; "didn't" reads as "did not", "can't" as "can not"."""
    out = []
    for tok in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'")):
        if tok.endswith("n't"):
            out.extend([{"can't": "can", "won't": "will"}.get(tok, tok[:-3]), "not"])
        elif "'" in tok:
            out.append(tok.split("'")[0])
        else:
            out.append(tok)
    return out


def encode_texts(texts, vocab, seq_len, padding="pre"):
    """(N, seq_len) int64 token ids; unknown words -> 1, padding 0 before ("pre") or after."""
    index = {w: i for i, w in enumerate(vocab)}
    out = np.zeros((len(texts), seq_len), dtype=np.int64)
    for r, text in enumerate(texts):
        ids = [index.get(w, 1) for w in tokenize(text)]
        if padding == "pre":
            ids = ids[-seq_len:]
            out[r, seq_len - len(ids):] = ids
        else:
            ids = ids[:seq_len]
            out[r, :len(ids)] = ids
    return out


# -- tables (the CSV column plan) ---------------------------------------------------------------
def _is_blank(value):
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def csv_features(plan, rows):
    """(N, F) float32 features of ``rows`` (dicts: column -> value) under the CSV plan:
    numeric columns as numbers (NaN where missing), categorical ones one-hot
    (unknown categories all 0)."""
    x = np.zeros((len(rows), len(plan["features"])), dtype=np.float64)
    for r, row in enumerate(rows):
        j = 0
        for col in plan["columns"]:
            value = row.get(col["name"])
            if col["type"] == "numeric":
                try:
                    x[r, j] = math.nan if _is_blank(value) else float(str(value).strip())
                except ValueError:
                    raise ValueError(f"column {col['name']!r}: {value!r} is not a number") from None
                j += 1
            else:
                text = plan.get("missing", MISSING) if _is_blank(value) else str(value).strip()
                if text in col["categories"]:
                    x[r, j + col["categories"].index(text)] = 1.0
                j += len(col["categories"])
    return torch.tensor(x, dtype=torch.float32)


def csv_target(plan, rows):
    """The target column: class ids (classification) or (N, 1) values (regression)."""
    name = plan["target"]
    if plan["task"] == "regression":
        return torch.tensor([[float(row[name])] for row in rows], dtype=torch.float32)
    index = {c: i for i, c in enumerate(plan["class_names"])}
    labels = []
    for row in rows:
        text = str(row[name]).strip()
        if text not in index:   # "1.0" in a file whose classes are the integers "0", "1", ...
            try:
                text = str(int(float(text)))
            except ValueError:
                pass
        if text not in index:
            raise ValueError(f"unknown class {row[name]!r} in column {name!r}")
        labels.append(index[text])
    return torch.tensor(labels, dtype=torch.int64)


def csv_rows_with_target(plan, rows):
    """Rows whose target is present (training drops the others)."""
    return [row for row in rows if not _is_blank(row.get(plan["target"]))]
