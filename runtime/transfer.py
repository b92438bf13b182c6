"""Starting a network from another run's weights: which layers take them, which do not, and why.

One matching rule for the trainer (``Trainer._init_from_checkpoint``) and the Train page's report
before a run starts: a weight is taken when this graph has a tensor of the same name (the node's
id, or its path into blocks) and the same shape. A class-incremental run also grows its output
layer (``grow``): the source's rows are kept and the new classes' rows keep their fresh values.

The report has one row per layer (node) of either network, with a status and a reason code
(``transfer.status.*`` in the locale files), so it reads the same in every language and is saved
as it is in the run's summary.
"""
from __future__ import annotations

import torch

from builder.codegen import compile_graph
from builder.shapes import check

LOADED, GROWN, SHAPE, ABSENT, UNUSED = "loaded", "grown", "shape", "absent", "unused"
STATUSES = (LOADED, GROWN, SHAPE, ABSENT, UNUSED)


def layer_names(generated) -> dict[str, str]:
    """Dotted module path -> the name people use for the layer: its node id, or its path into blocks."""
    names = {path: "/".join(node) for node, path in generated.module_paths.items()}
    names.update({ident: node for node, ident in generated.names.items()})
    return names


def _layer_of(key: str, names: dict[str, str]) -> str:
    module = key.rsplit(".", 1)[0]
    return names.get(module, module.replace(".", "/"))


def grown_rows(source: torch.Tensor, own: torch.Tensor) -> torch.Tensor | None:
    """``own`` with ``source``'s rows in its first rows, when ``own`` only has more rows; else None."""
    if source.dim() != own.dim() or source.shape[1:] != own.shape[1:] or source.shape[0] >= own.shape[0]:
        return None
    out = own.detach().clone()
    out[: source.shape[0]] = source.to(out.dtype)
    return out


def match(source: dict, own: dict, grow: tuple[str, ...] = ()) -> tuple[dict, list[dict]]:
    """(the tensors to load into ``own``, one row per tensor: key, status, shapes). ``grow``: the
    module paths whose tensors may gain rows (the output layer of a class-incremental run)."""
    loaded, rows = {}, []
    for key, value in own.items():
        src = source.get(key)
        row = {"key": key, "shape": list(value.shape), "source_shape": None if src is None else list(src.shape)}
        if src is None:
            row["status"] = ABSENT
        elif src.shape == value.shape:
            loaded[key], row["status"] = src, LOADED
        elif key.rsplit(".", 1)[0] in grow and (bigger := grown_rows(src, value)) is not None:
            loaded[key], row["status"] = bigger, GROWN
        else:
            row["status"] = SHAPE
        rows.append(row)
    rows += [{"key": k, "status": UNUSED, "shape": None, "source_shape": list(v.shape)}
             for k, v in source.items() if k not in own]
    return loaded, rows


def by_layer(rows: list[dict], names: dict[str, str], frozen: list[str] = ()) -> list[dict]:
    """The tensor rows gathered per layer, in the model's order: the layer's worst status (a layer is
    loaded only when all its tensors are), the first tensor that decided it, and whether it is frozen."""
    order = {s: i for i, s in enumerate((LOADED, GROWN, ABSENT, SHAPE, UNUSED))}
    layers: dict[str, dict] = {}
    for row in rows:
        name = _layer_of(row["key"], names)
        kept = layers.get(name)
        if kept is None or order[row["status"]] > order[kept["status"]]:
            layers[name] = {"layer": name, "status": row["status"], "tensor": row["key"].rsplit(".", 1)[-1],
                            "shape": row["shape"], "source_shape": row["source_shape"]}
    for name, layer in layers.items():
        layer["frozen"] = name in frozen
    return list(layers.values())


def report(source_state: dict, graph: dict, grow_nodes: tuple[str, ...] = (), frozen: list[str] = ()) -> list[dict]:
    """What starting ``graph`` from ``source_state`` (a state dict) would do, per layer, before any
    training (``grow_nodes``: the output layer of a class-incremental run): the Train page shows this;
    the trainer saves the same rows in the run."""
    compiled = compile_graph(graph, check(graph))
    own = compiled.build().state_dict()
    _, rows = match(source_state, own, tuple(compiled.generated.module_path(n) for n in grow_nodes))
    return by_layer(rows, layer_names(compiled.generated), frozen)


def counts(layers: list[dict]) -> dict[str, int]:
    """How many layers have each status."""
    return {s: sum(1 for layer in layers if layer["status"] == s) for s in STATUSES}
