"""Advice: graphs that check but will probably not train as the user hopes.

Advice is not an error (the graph compiles and runs); it is shown on the node it concerns,
with the fix, and a training set-up that would suffer from it says so too.
"""
from __future__ import annotations

import copy

from . import catalog
from .errors import CheckError

SOFTMAX_LAST = "advice.softmax_last"
LINEAR_LAST_DIM = "advice.linear_last_dim"

# Layers whose output is a sequence of positions, each a vector: a Linear after them is meant to act
# on each position (per-step classifiers, token heads, the feed-forward part of a Transformer).
SEQUENCE_LAYERS = ("RNN", "LSTM", "GRU", "TransformerEncoderLayer", "Embedding")
# Layers that keep the positions of their input where they are (element-wise, per position, or
# merging inputs of one layout): walking back through them finds where a layout came from.
LAYOUT_KEEPING_CATEGORIES = ("activation", "regular", "norm", "merge")


def advise(result) -> list[CheckError]:
    """Advice for a graph that checks (``result`` from ``builder.shapes.check``)."""
    advice = [CheckError(SOFTMAX_LAST, {}, node=node) for node in final_softmax_nodes(result)]
    for node_id in linear_on_last_dim_nodes(result):
        source = result.inputs[node_id][0]
        advice.append(CheckError(LINEAR_LAST_DIM, {"input_shape": list(result.shapes[source]),
                                                   "output_shape": list(result.shapes[node_id])}, node=node_id))
    position = {n.id: i for i, n in enumerate(result.graph.nodes)}
    return sorted(advice, key=lambda a: position.get(a.node, -1))


def final_softmax_nodes(result) -> list[str]:
    """Softmax nodes whose output goes only to Outputs: cross-entropy applies softmax itself, so
    training through one squashes the gradients (a classic cause of slow or stalled learning)."""
    graph = result.graph
    consumers: dict[str, set[str]] = {}
    for e in graph.edges:
        consumers.setdefault(e.source, set()).add(graph.node(e.target).type)
    return [n.id for n in graph.nodes if n.type == "Softmax" and consumers.get(n.id) == {"Output"}]


def linear_on_last_dim_nodes(result) -> list[str]:
    """Linear nodes fed more than one dimension per sample that is not a sequence of positions.

    torch's Linear acts on the last dimension only: (1, 8, 8) -> Linear(64) gives (1, 8, 64), which
    checks and trains, but mixes each row of the image on its own, where a learner means the whole
    image (a Flatten first). After a recurrent layer's sequence, a Transformer or an Embedding, a
    per-position Linear is the usual design, so that is left alone, and so is a Linear fed by
    another Linear (the first one of the chain carries the advice)."""
    graph = result.graph
    return [n.id for n in graph.nodes
            if n.type == "Linear" and len(result.shapes.get((result.inputs.get(n.id) or [None])[0]) or ()) > 1
            and not _per_position(result, result.inputs[n.id][0])]


def _per_position(result, node_id: str) -> bool:
    """Whether the value ``node_id`` outputs is laid out by position on purpose: it comes (through
    layers that keep the layout) from a sequence layer, or from a Linear (which is advised itself)."""
    seen, todo = set(), [node_id]
    while todo:
        current = todo.pop()
        if current is None or current in seen:
            continue
        seen.add(current)
        node = result.graph.node(current)
        if node.type in SEQUENCE_LAYERS or node.type == "Linear":
            return True
        spec = catalog.get(node.type)
        if spec is not None and spec.category in LAYOUT_KEEPING_CATEGORIES:
            todo.extend(result.inputs.get(current) or [])
    return False


def without_final_softmax(doc: dict, result) -> dict:
    """The fix: the same graph training on logits (each final Softmax removed, its input wired to
    where its output went). Probabilities are still shown at prediction, from the logits."""
    drop = set(final_softmax_nodes(result))
    if not drop:
        return doc
    fixed = copy.deepcopy(doc)
    feeds = {e["target"]: e["source"] for e in fixed["edges"] if e["target"] in drop}
    fixed["nodes"] = [n for n in fixed["nodes"] if n["id"] not in drop]
    edges = []
    for e in fixed["edges"]:
        if e["target"] in drop:
            continue
        if e["source"] in drop:
            e = dict(e, source=feeds[e["source"]])
        edges.append(e)
    fixed["edges"] = edges
    return fixed
