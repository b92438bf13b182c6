"""Binding data inputs to a graph's Input nodes: by name, with reshape when only the
layout differs, and clear refusals when shapes, dtypes or token ids do not fit."""
from __future__ import annotations

import math
from dataclasses import replace

import torch

from .dataset import DataSet, Splits
from .errors import DataError

_FLOAT_DTYPES = ("float32", "float", "float16", "bfloat16", "float64")


def _count(shape) -> int:
    return math.prod(int(d) for d in shape)


def _dtype_word(x: torch.Tensor) -> str:
    return "float32" if x.is_floating_point() else "int64"


def plan(ds: DataSet, graph_inputs: list[dict], parts: list[DataSet] | None = None) -> dict:
    """{graph input name: {"source": data input name, "from": [...], "to": [...]}}, or a
    DataError. ``graph_inputs``: [{"name", "shape", "dtype" ("float32"|"int64"),
    "max_token" (the smallest num_embeddings the Input feeds, or None)}]."""
    parts = parts or [ds]
    data_names = list(ds.inputs)
    shapes = ds.sample_shapes()
    if not graph_inputs:
        raise DataError("data.bind_no_inputs", name=ds.name)
    mapping: dict[str, str] = {}
    if len(data_names) == 1 and len(graph_inputs) == 1:
        mapping[str(graph_inputs[0]["name"])] = data_names[0]
    else:
        for gi in graph_inputs:
            gname = str(gi["name"])
            if gname not in ds.inputs:
                raise DataError("data.bind_missing", name=ds.name, input=gname, available=data_names)
            mapping[gname] = gname
    out: dict[str, dict] = {}
    for gi in graph_inputs:
        gname = str(gi["name"])
        src = mapping[gname]
        have = list(shapes[src])
        want = [int(d) for d in gi["shape"]]
        x = ds.inputs[src]
        gdtype = str(gi.get("dtype") or "float32")
        if x.is_floating_point() != (gdtype in _FLOAT_DTYPES):
            raise DataError("data.bind_dtype", name=ds.name, input=gname, source=src,
                            data_dtype=_dtype_word(x), graph_dtype=gdtype)
        if have != want and _count(have) != _count(want):
            raise DataError("data.bind_shape", name=ds.name, input=gname, data_shape=have,
                            data_count=_count(have), graph_shape=want, graph_count=_count(want))
        if not x.is_floating_point():
            check_tokens(ds.name, gname, [p.inputs[src] for p in parts], gi.get("max_token"))
        out[gname] = {"source": src, "from": have, "to": want}
    return out


def check_tokens(name: str, gname: str, tensors: list[torch.Tensor], max_token) -> None:
    """Token ids must lie in [0, max_token): a message, not a device-side assert."""
    vals = [t for t in tensors if t.numel()]
    if not vals:
        return
    lo = min(int(t.min()) for t in vals)
    hi = max(int(t.max()) for t in vals)
    if lo < 0:
        raise DataError("data.token_negative", name=name, input=gname, low=lo)
    if max_token is not None and hi >= int(max_token):
        raise DataError("data.token_range", name=name, input=gname, high=hi, max_token=int(max_token))


def apply_plan(ds: DataSet, binding: dict) -> DataSet:
    inputs = {}
    for gname, b in binding.items():
        x = ds.inputs[b["source"]]
        inputs[gname] = x.reshape(x.shape[0], *b["to"]) if b["from"] != b["to"] else x
    return replace(ds, inputs=inputs, extra=dict(ds.extra, bind=binding))


def bind(data, graph_inputs: list[dict]):
    """Map data inputs onto the graph's Inputs. Takes a DataSet or a Splits and returns
    the same type with inputs renamed (and reshaped where only the layout differs);
    a Splits' ``preprocess["reshape"]`` records the mapping."""
    if isinstance(data, Splits):
        binding = plan(data.train, graph_inputs, data.parts())
        return rebind(data, binding)
    return apply_plan(data, plan(data, graph_inputs))


def rebind(splits: Splits, binding: dict) -> Splits:
    record = dict(splits.preprocess, reshape=binding)
    return Splits(apply_plan(splits.train, binding), apply_plan(splits.val, binding),
                  None if splits.test is None else apply_plan(splits.test, binding), record)


def unbind(ds: DataSet) -> DataSet:
    """The data set as it was before ``bind``: data input names and shapes."""
    binding = ds.extra["bind"]
    inputs = {b["source"]: ds.inputs[g].reshape(len(ds), *b["from"]) for g, b in binding.items()}
    extra = {k: v for k, v in ds.extra.items() if k != "bind"}
    return replace(ds, inputs=inputs, extra=extra)
