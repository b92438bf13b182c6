"""Small helpers to write graph documents with blocks (format version 2) in tests."""
from __future__ import annotations

from tests.graphs import edge


def block(name, layers, params=None, ids=None, inputs=("x",), outputs=("out",), edges=None):
    """A block definition: by default its Input ``x``, ``layers`` (type, params) in a chain, Output ``out``.
    ``edges`` (source, target[, port]) replaces the chain when given."""
    ids = list(ids) if ids is not None else [f"l{i}" for i in range(len(layers))]
    nodes = [{"id": i, "type": "Input", "params": {}} for i in inputs]
    nodes += [{"id": i, "type": t, "params": p} for i, (t, p) in zip(ids, layers)]
    nodes += [{"id": o, "type": "Output", "params": {}} for o in outputs]
    if edges is None:
        chain = [inputs[0], *ids, outputs[0]]
        edges = list(zip(chain, chain[1:]))
    out = {"name": name, "nodes": nodes, "edges": [edge(e) for e in edges]}
    if params:
        out["params"] = params
    return out


def int_param(default=None, lo=1, hi=4096):
    out = {"kind": "int", "lo": lo, "hi": hi}
    if default is not None:
        out["default"] = default
    return out


def graph(blocks, layers, input_shape=(8,), ids=None, name="blocks", edges=None, dtype=None):
    """A version 2 graph: Input ``x`` -> ``layers`` (type, params) in a chain (ids n0, n1, ...) -> Output ``y``."""
    ids = list(ids) if ids is not None else [f"n{i}" for i in range(len(layers))]
    x = {"id": "x", "type": "Input", "params": {"shape": list(input_shape), **({"dtype": dtype} if dtype else {})}}
    nodes = [x, *({"id": i, "type": t, "params": p} for i, (t, p) in zip(ids, layers)),
             {"id": "y", "type": "Output", "params": {}}]
    if edges is None:
        chain = ["x", *ids, "y"]
        edges = list(zip(chain, chain[1:]))
    return {"format": "netcanvas.graph", "version": 2, "name": name, "blocks": list(blocks), "nodes": nodes,
            "edges": [edge(e) for e in edges]}


def use(block_name, **args):
    """An instance node's (type, params)."""
    return ("Block", {"block": block_name, **({"args": args} if args else {})})
