"""Two weight initialisations of one network, compared at step 0.

The same graph is built twice, every layer with weights set to one ``init`` and then to the
other, and the same random batch goes through both: the values each activation layer puts out
show whether the signal keeps its scale through the depth (xavier for sigmoid/tanh, kaiming for
ReLU) or dies out or saturates. Nothing is trained.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from builder import catalog
from builder.codegen import compile_graph
from builder.errors import CodedError
from builder.shapes import check

SAMPLE = 4000          # values kept per layer for the histogram


@dataclass
class LayerValues:
    """What one layer put out at step 0: a sample of its values, and their spread over the whole batch."""
    node: str
    layer_type: str
    values: np.ndarray
    mean: float
    std: float


def with_init(doc: dict, init: str) -> dict:
    """A copy of the graph with every layer that takes ``init`` set to it."""
    out = copy.deepcopy(doc)
    for node in out.get("nodes", []):
        spec = catalog.get(node.get("type"))
        if spec is not None and spec.param("init") is not None:
            node.setdefault("params", {})["init"] = init
    return out


def watched_nodes(result) -> list[str]:
    """The activation layers in forward order; the layers with weights when there are none."""
    order = [n for n in result.order if catalog.get(result.graph.node(n).type) is not None]
    acts = [n for n in order if catalog.get(result.graph.node(n).type).category == "activation"]
    return acts or [n for n in order if catalog.get(result.graph.node(n).type).param("init") is not None]


def activations_at_start(doc: dict, init: str, batch: int = 256, seed: int = 0) -> list[LayerValues]:
    """Each watched layer's output for one random batch, the weights as ``init`` makes them."""
    result = check(with_init(doc, init))
    if not result.ok:
        raise CodedError("initcmp.invalid", error=result.errors[0].message())
    watched = watched_nodes(result)
    if not watched:
        raise CodedError("initcmp.no_layers")
    compiled = compile_graph(result.graph.to_document(), result)
    torch.manual_seed(seed)
    model = compiled.build().eval()
    # The generated module's own random batch: the shapes, dtypes and token ranges the model takes.
    example_inputs = compiled.model_class.__init__.__globals__["example_inputs"]
    torch.manual_seed(seed + 1)          # the same batch for every init
    inputs = example_inputs(batch)
    seen: dict[str, torch.Tensor] = {}
    hooks = [model.get_submodule(compiled.generated.names[n]).register_forward_hook(_keep(seen, n)) for n in watched]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    return [_layer_values(n, result.graph.node(n).type, seen[n]) for n in watched if n in seen]


def _keep(seen: dict, node: str):
    def hook(module, args, output):
        seen[node] = (output[0] if isinstance(output, tuple) else output).detach().float()
    return hook


def _layer_values(node: str, layer_type: str, out: torch.Tensor) -> LayerValues:
    flat = out.flatten()
    picked = flat[torch.randperm(flat.numel(), generator=torch.Generator().manual_seed(0))[:SAMPLE]]
    return LayerValues(node, layer_type, picked.numpy(), float(flat.mean()), float(flat.std()))


def compare(doc: dict, first: str, second: str, batch: int = 256, seed: int = 0) -> dict[str, list[LayerValues]]:
    return {init: activations_at_start(doc, init, batch, seed) for init in (first, second)}
