"""Applying a ``preprocess`` record (from ``split`` and ``bind``) to new raw data, so a
trained model sees new inputs exactly the way it saw its training data."""
from __future__ import annotations

import math

import numpy as np
import torch

from . import portable
from .errors import DataError


def as_batch(name: str, value, spec: dict) -> torch.Tensor:
    """One data input as a batch tensor of the record's dtype and shape. One sample without
    its batch axis is fine, and so are missing size-1 axes: (N, 8, 8) for (N, 1, 8, 8)."""
    if isinstance(value, torch.Tensor):
        x = value.detach().cpu()
    else:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            raise DataError("data.preprocess_input", input=name) from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise DataError("data.preprocess_input", input=name)
        x = torch.from_numpy(np.array(arr))
    if spec.get("dtype") == "int64":
        if x.is_floating_point() and not bool(torch.all(x == torch.round(x))):
            raise DataError("data.preprocess_input", input=name)
        x = x.to(torch.int64)
    else:
        x = x.to(torch.float32)
    want = [int(d) for d in spec["shape"]]
    squeezed = [d for d in want if d != 1]
    if list(x.shape) == want or (x.dim() > 0 and [d for d in x.shape if d != 1] == squeezed
                                 and x.numel() == math.prod(want) and x.dim() <= len(want)):
        x = x.reshape(1, *want)   # one sample
    elif x.dim() > 0 and [d for d in x.shape[1:] if d != 1] == squeezed:
        x = x.reshape(len(x), *want)
    if list(x.shape[1:]) != want:
        raise DataError("data.input_shape", input=name, data_shape=list(x.shape[1:]), expected_shape=want)
    return x


def images_from_pil(record: dict, value) -> torch.Tensor | None:
    """PIL images (one or a list) -> (N, C, H, W) in [0, 1], when the record describes images."""
    spec = record.get("image")
    if not spec:
        return None
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return None
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items or not all(isinstance(v, Image.Image) for v in items):
        return None
    h, w = spec["size"]
    mode = "L" if spec["channels"] == 1 else "RGB"
    arrs = [np.asarray(im.convert(mode).resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0
            for im in items]
    x = torch.from_numpy(np.stack(arrs))
    return x.unsqueeze(1) if mode == "L" else x.permute(0, 3, 1, 2).contiguous()


def _raw_dict(record: dict, raw) -> dict:
    names = list(record["inputs"])
    try:
        import pandas as pd
        is_frame = isinstance(raw, pd.DataFrame)
    except ImportError:  # pragma: no cover
        is_frame = False
    if is_frame:
        if not record.get("csv"):
            raise DataError("data.preprocess_input", input=names[0])
        from .tables import features
        return {names[0]: features(record["csv"], raw)}
    if isinstance(raw, str) or (isinstance(raw, (list, tuple)) and raw and all(isinstance(s, str) for s in raw)):
        tok = record.get("tokens")
        if not (tok and record.get("vocab")):
            raise DataError("data.preprocess_input", input=names[0])
        texts = [raw] if isinstance(raw, str) else list(raw)
        return {names[0]: torch.from_numpy(portable.encode_texts(texts, record["vocab"], tok["seq_len"],
                                                                 tok.get("padding", "pre")))}
    images = images_from_pil(record, raw)
    if images is not None:
        return {names[0]: images}
    if isinstance(raw, dict):
        return raw
    if len(names) != 1:
        raise DataError("data.preprocess_missing", input=names[1], available=[])
    return {names[0]: raw}


def apply_preprocess(record: dict, raw_inputs) -> dict[str, torch.Tensor]:
    """New raw inputs -> the tensors the trained model takes, keyed by its Input names.

    ``raw_inputs``: a dict {data input name: array/tensor}, or for a single-input set
    one array/tensor; a pandas DataFrame of raw rows for CSV sets; a string or list of
    strings for token sets; PIL images for image uploads. One sample without its batch
    dimension is accepted too. Steps: fill missing values, normalise, reshape/rename."""
    raw = _raw_dict(record, raw_inputs)
    out: dict[str, torch.Tensor] = {}
    for name, spec in record["inputs"].items():
        if name not in raw:
            raise DataError("data.preprocess_missing", input=name, available=[str(k) for k in raw])
        out[name] = as_batch(name, raw[name], spec)
    return portable.to_model_inputs(record, out)   # fill, normalise, rename and reshape: the shared steps
