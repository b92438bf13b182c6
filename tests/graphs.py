"""Small helpers to write graph documents in tests."""
from __future__ import annotations


def doc(nodes, edges, name="test", **meta):
    d = {"format": "netcanvas.graph", "version": 1, "name": name,
         "nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
         "edges": [edge(e) for e in edges]}
    if meta:
        d["meta"] = meta
    return d


def edge(e):
    if isinstance(e, dict):
        return e
    source, target, *port = e
    return {"source": source, "target": target, **({"port": port[0]} if port else {})}


def chain(*layers, input_shape=(4,), dtype="float32", name="chain"):
    """Input -> layers... -> Output; each layer is (type, params)."""
    nodes = [("x", "Input", {"shape": list(input_shape), **({"dtype": dtype} if dtype != "float32" else {})})]
    for i, (t, p) in enumerate(layers):
        nodes.append((f"n{i}", t, p))
    nodes.append(("y", "Output", {}))
    ids = [n[0] for n in nodes]
    return doc(nodes, list(zip(ids, ids[1:])), name=name)
