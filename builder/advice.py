"""Advice: graphs that check but will probably not train as the user hopes.

Advice is not an error (the graph compiles and runs); it is shown on the node it concerns,
with the fix, and a training set-up that would suffer from it says so too.
"""
from __future__ import annotations

import copy

from .errors import CheckError

SOFTMAX_LAST = "advice.softmax_last"


def advise(result) -> list[CheckError]:
    """Advice for a graph that checks (``result`` from ``builder.shapes.check``)."""
    return [CheckError(SOFTMAX_LAST, {}, node=node) for node in final_softmax_nodes(result)]


def final_softmax_nodes(result) -> list[str]:
    """Softmax nodes whose output goes only to Outputs: cross-entropy applies softmax itself, so
    training through one squashes the gradients (a classic cause of slow or stalled learning)."""
    graph = result.graph
    consumers: dict[str, set[str]] = {}
    for e in graph.edges:
        consumers.setdefault(e.source, set()).add(graph.node(e.target).type)
    return [n.id for n in graph.nodes if n.type == "Softmax" and consumers.get(n.id) == {"Output"}]


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
