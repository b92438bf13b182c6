"""Pruning: global magnitude pruning of weights (``torch.nn.utils.prune``, made permanent with
``prune.remove``) and structured pruning that really shrinks a graph's layers."""
from __future__ import annotations

import copy
import math

import torch
from torch import nn
from torch.nn.utils import prune

from .errors import CompressError

PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def check_amount(amount: float) -> float:
    if not isinstance(amount, (int, float)) or not 0 < amount < 1:
        raise CompressError("compress.amount", received=amount)
    return float(amount)


def prunable_weights(module: nn.Module) -> list[tuple[nn.Module, str]]:
    """(layer, "weight") and (layer, "bias") for every Linear and Conv layer, blocks included: the
    amount is a share of all their parameters, so "50%" halves the non-zero count of an MLP."""
    return [(m, name) for m in module.modules() if isinstance(m, PRUNABLE)
            for name in ("weight", "bias") if getattr(m, name, None) is not None]


def mask_smallest(module: nn.Module, amount: float) -> None:
    """Zero the ``amount`` share of all Linear/Conv parameters with the smallest magnitude, across
    layers; the masks stay (as forward pre-hooks) so fine-tuning keeps those weights at zero."""
    params = prunable_weights(module)
    if not params:
        raise CompressError("compress.nothing_to_prune")
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=check_amount(amount))


def make_permanent(module: nn.Module) -> None:
    """Fold the masks into the weights (``prune.remove``): plain parameters again, the zeros kept."""
    for layer, name in prunable_weights(module):
        if hasattr(layer, f"{name}_orig"):
            prune.remove(layer, name)


# -- structured pruning: a smaller graph ------------------------------------------------------------
PRODUCERS = {"Linear": ("out_features", "in_features"), "Conv1d": ("out_channels", "in_channels"),
             "Conv2d": ("out_channels", "in_channels"), "Conv3d": ("out_channels", "in_channels")}
NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
# Layers that keep each channel/unit where it is: a smaller producer passes through them unchanged.
PER_CHANNEL = {"ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Sigmoid", "Tanh", "Dropout", "Dropout1d", "Dropout2d",
               "Dropout3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
               "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "Identity", "Flatten", *NORMS}


def shrink_graph(graph: dict, state_dict: dict, amount: float) -> tuple[dict, dict, dict]:
    """(smaller graph, its sliced weights, {node: (units before, after)}): every Linear/Conv whose
    outputs reach another Linear/Conv through per-channel layers only keeps the ``1 - amount`` share
    of its output units with the largest L2 norm; BatchNorm and the next layer's inputs follow.
    The last layer (the outputs) keeps its size. Refused, naming the node, where a unit's removal
    could not be followed safely (Add, Concat, a branch, a block)."""
    from builder.shapes import check
    check_amount(amount)
    nodes = {n["id"]: n for n in graph["nodes"]}
    consumers = {nid: [] for nid in nodes}
    for e in graph["edges"]:
        consumers[e["source"]].append(e["target"])
    shapes = check(graph).shapes
    graph, state = copy.deepcopy(graph), dict(state_dict)
    new_nodes = {n["id"]: n for n in graph["nodes"]}
    sizes = {}
    for nid, node in nodes.items():
        if node["type"] not in PRODUCERS:
            continue
        chain, follower = _followers(nid, nodes, consumers)
        if follower is None:
            continue          # feeds an Output: its units are the model's outputs
        keep = _strongest(state[f"{nid}.weight"], amount)
        _slice_producer(state, nid, keep)
        new_nodes[nid]["params"][PRODUCERS[node["type"]][0]] = len(keep)
        for link in chain:
            if nodes[link]["type"] in NORMS:
                _slice_norm(state, link, keep)
        _slice_follower_inputs(state, follower, nodes[follower]["type"], keep, _spatial(chain, nodes, shapes, nid))
        sizes[nid] = (int(shapes[nid][0]), len(keep))
    if not sizes:
        raise CompressError("compress.nothing_to_shrink")
    return graph, state, sizes


def _followers(nid: str, nodes: dict, consumers: dict) -> tuple[list[str], str | None]:
    """(per-channel nodes passed, the next Linear/Conv) after ``nid``; None when it reaches an Output."""
    chain, current = [], nid
    while True:
        nxt = consumers[current]
        if len(nxt) != 1:
            raise CompressError("compress.structure", node=current, why="branch" if nxt else "end")
        kind = nodes[nxt[0]]["type"]
        if kind == "Output":
            return chain, None
        if kind in PRODUCERS:
            return chain, nxt[0]
        if kind not in PER_CHANNEL:
            raise CompressError("compress.structure", node=nxt[0], why=kind)
        chain.append(nxt[0])
        current = nxt[0]


def _strongest(weight: torch.Tensor, amount: float) -> torch.Tensor:
    """Indices (in order) of the output units to keep: the largest L2 norms, at least one."""
    units = weight.shape[0]
    kept = max(1, units - math.floor(amount * units))
    norms = weight.reshape(units, -1).norm(dim=1)
    return norms.topk(kept).indices.sort().values


def _slice_producer(state: dict, nid: str, keep: torch.Tensor) -> None:
    for name in ("weight", "bias"):
        key = f"{nid}.{name}"
        if key in state:
            state[key] = state[key][keep].clone()


def _slice_norm(state: dict, nid: str, keep: torch.Tensor) -> None:
    for name in ("weight", "bias", "running_mean", "running_var"):
        key = f"{nid}.{name}"
        if key in state:
            state[key] = state[key][keep].clone()


def _spatial(chain: list[str], nodes: dict, shapes: dict, nid: str) -> int:
    """Positions per channel when a Flatten lies between: its input's numel per channel, else 1."""
    for link in chain:
        if nodes[link]["type"] == "Flatten":
            before = shapes[_previous(link, chain, nid)]
            return int(math.prod(before[1:]))
    return 1


def _previous(link: str, chain: list[str], nid: str) -> str:
    i = chain.index(link)
    return chain[i - 1] if i else nid


def _slice_follower_inputs(state: dict, nid: str, kind: str, keep: torch.Tensor, spatial: int) -> None:
    weight = state[f"{nid}.weight"]
    if kind == "Linear" and spatial > 1:
        cols = (keep[:, None] * spatial + torch.arange(spatial)[None, :]).reshape(-1)
        state[f"{nid}.weight"] = weight[:, cols].clone()
    else:
        state[f"{nid}.weight"] = weight[:, keep].clone()
