"""Generated forward passes drop each intermediate after its last use (see tests/live_memory.py for the measure)."""
from __future__ import annotations

import torch

from builder import templates
from builder.codegen import compile_graph
from tests.graphs import chain
from tests.live_memory import peak_live_bytes

WIDTH, BATCH = 256, 64


def test_a_deep_chain_holds_a_few_activations_not_all():
    """50 Linear/ReLU pairs: before, all 100 outputs lived until return; now at most the
    caller's input, the layer's input and its output are alive at any call."""
    layers = [("Linear", {"out_features": WIDTH}), ("ReLU", {})] * 50
    model = compile_graph(chain(*layers, input_shape=(WIDTH,))).build().eval()
    x = torch.randn(BATCH, WIDTH)
    one = x.untyped_storage().nbytes()
    peak = peak_live_bytes(model, (x,))
    assert 2 * one <= peak <= 3 * one, peak / one   # at least a layer's input and output: the hooks did see


def test_resnet18_holds_about_two_feature_maps_per_sample():
    """Eval, one 3x224x224 image: the input, plus the largest layer's input and output
    (64x112x112 floats each). Before issue 11 it held every intermediate: 33.5 MB."""
    model = compile_graph(templates.load("resnet18")).build().eval()
    x = torch.randn(1, 3, 224, 224)
    largest = 64 * 112 * 112 * 4
    peak = peak_live_bytes(model, (x,))
    assert peak == x.untyped_storage().nbytes() + 2 * largest, peak
