"""Advice: graphs that check but will probably not train as the user hopes.

Advice is not an error (the graph compiles and runs); it is shown on the node it concerns,
with the fix, and a training set-up that would suffer from it says so too.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from . import catalog
from .errors import CheckError

SOFTMAX_LAST = "advice.softmax_last"
LINEAR_LAST_DIM = "advice.linear_last_dim"

# Layers whose output is a sequence of positions, each a vector: a Linear after them is meant to act
# on each position (per-step classifiers, token heads, the feed-forward part of a Transformer).
SEQUENCE_LAYERS = ("RNN", "LSTM", "GRU", "TransformerEncoderLayer", "Embedding", "MultiheadAttention", "PositionalEncoding")
# Layers that keep the positions of their input where they are (element-wise, per position, or
# merging inputs of one layout): walking back through them finds where a layout came from.
LAYOUT_KEEPING_CATEGORIES = ("activation", "regular", "norm", "merge")


@dataclass(frozen=True)
class _Around:
    """What the graph around a block instance tells the advice inside it: which block Outputs
    reach only the model's Outputs, and which block Inputs carry values laid out by position."""
    final_outputs: frozenset
    per_position_inputs: frozenset


def advise(result, around: _Around | None = None) -> list[CheckError]:
    """Advice for a graph that checks (``result`` from ``builder.shapes.check``), inside its block
    instances too: such advice is on the instance, with the ``path`` to the node inside."""
    around = around or _Around(frozenset(result.output_nodes()), frozenset())
    advice = [CheckError(SOFTMAX_LAST, {}, node=node) for node in final_softmax_nodes(result, around.final_outputs)]
    for node_id in linear_on_last_dim_nodes(result, around.per_position_inputs):
        source, port = result.sources(node_id)[0]
        advice.append(CheckError(LINEAR_LAST_DIM, {"input_shape": list(result.shape_at(source, port)),
                                                   "output_shape": list(result.shapes[node_id])}, node=node_id))
    for node in result.graph.nodes:
        inside = result.instances.get(node.id)
        if inside is not None:
            advice += [a.inside(node.id) for a in advise(inside, _around_instance(result, node.id, inside, around))]
    position = {n.id: i for i, n in enumerate(result.graph.nodes)}
    return sorted(advice, key=lambda a: position.get(a.node, -1))


def _around_instance(result, instance: str, inside, around: _Around) -> _Around:
    outputs, inputs = inside.output_nodes(), inside.input_nodes()
    final = {out for port, out in enumerate(outputs)
             if _goes_only_to(result, instance, port, around.final_outputs)}
    per_position = {node for port, node in enumerate(inputs) if port < len(result.sources(instance))
                    and _per_position(result, *result.sources(instance)[port], around.per_position_inputs)}
    return _Around(frozenset(final), frozenset(per_position))


def _goes_only_to(result, source: str, source_port: int, targets: frozenset) -> bool:
    """Whether output ``source_port`` of ``source`` feeds something, and only nodes in ``targets``."""
    fed = {e.target for e in result.graph.edges if e.source == source and e.source_port == source_port}
    return bool(fed) and fed <= targets


def final_softmax_nodes(result, final_outputs: frozenset | None = None) -> list[str]:
    """Softmax nodes whose output goes only to Outputs: cross-entropy applies softmax itself, so
    training through one squashes the gradients (a classic cause of slow or stalled learning).
    (In a block: only to the block's Outputs that reach only the model's Outputs.)"""
    final = frozenset(result.output_nodes()) if final_outputs is None else final_outputs
    return [n.id for n in result.graph.nodes if n.type == "Softmax" and _goes_only_to(result, n.id, 0, final)]


def linear_on_last_dim_nodes(result, per_position_inputs: frozenset = frozenset()) -> list[str]:
    """Linear nodes fed more than one dimension per sample that is not a sequence of positions.

    torch's Linear acts on the last dimension only: (1, 8, 8) -> Linear(64) gives (1, 8, 64), which
    checks and trains, but mixes each row of the image on its own, where a learner means the whole
    image (a Flatten first). After a recurrent layer's sequence, a Transformer or an Embedding, a
    per-position Linear is the usual design, so that is left alone, and so is a Linear fed by
    another Linear (the first one of the chain carries the advice)."""
    out = []
    for n in result.graph.nodes:
        if n.type != "Linear" or not result.sources(n.id):
            continue
        source, port = result.sources(n.id)[0]
        if len(result.shape_at(source, port) or ()) > 1 and not _per_position(result, source, port, per_position_inputs):
            out.append(n.id)
    return out


def _per_position(result, node_id: str, port: int = 0, per_position_inputs: frozenset = frozenset()) -> bool:
    """Whether the value ``node_id`` outputs is laid out by position on purpose: it comes (through
    layers that keep the layout) from a sequence layer, or from a Linear (which is advised itself),
    also through block instances (their insides) and from outside a block (``per_position_inputs``)."""
    seen, todo = set(), [(node_id, port)]
    while todo:
        current, current_port = todo.pop()
        if current is None or (current, current_port) in seen:
            continue
        seen.add((current, current_port))
        node = result.graph.node(current)
        if node.type in SEQUENCE_LAYERS or node.type == "Linear" or current in per_position_inputs:
            return True
        inside = result.instances.get(current)
        if inside is not None:
            outputs = inside.output_nodes()
            if current_port < len(outputs) and _per_position(inside, outputs[current_port], 0, frozenset(
                    n for k, n in enumerate(inside.input_nodes()) if k < len(result.sources(current))
                    and _per_position(result, *result.sources(current)[k], per_position_inputs))):
                return True
            continue
        spec = catalog.get(node.type)
        if spec is not None and (spec.category in LAYOUT_KEEPING_CATEGORIES or node.type == "Output"):
            todo.extend(result.sources(current))
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
