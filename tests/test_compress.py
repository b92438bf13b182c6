"""Compression (runtime.compress): pruning, int8 quantization, the before/after measures, the
``python -m runtime compress`` command and the compressed run's export, against torch's own counts,
file sizes and module types."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from builder.codegen import compile_graph
from runtime.checkpoint import unwrap_state_dict
from runtime.compress import CompressError
from runtime.compress.measure import count, saved_bytes
from runtime.compress.prune import make_permanent, mask_smallest, shrink_graph
from runtime.compress.quantize import ao, float_layers, quantize_dynamic, quantize_static
from runtime.compress.rnn_cells import load_plain_state_dict, plain_state_dict, quantize_dynamic_as_saved

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "builder" / "templates"


def template(name: str) -> dict:
    return json.loads((TEMPLATES / f"{name}.json").read_text())


def built(graph: dict, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return compile_graph(graph).build().eval()


# -- pruning --------------------------------------------------------------------------------------------
def test_magnitude_pruning_zeroes_the_smallest_share_across_layers_and_stays_after_remove():
    model = built(template("mlp"))
    weights = torch.cat([p.detach().abs().reshape(-1) for m in model.modules() if isinstance(m, nn.Linear)
                         for p in (m.weight, m.bias)])
    pruned = round(0.6 * weights.numel())      # torch.nn.utils.prune rounds a share to a count
    threshold = weights.sort().values[pruned - 1]
    mask_smallest(model, 0.6)
    make_permanent(model)
    kept = torch.cat([p.detach().reshape(-1) for m in model.modules() if isinstance(m, nn.Linear) for p in (m.weight, m.bias)])
    assert int((kept == 0).sum()) == pruned            # exactly the share asked
    assert float(kept[kept != 0].abs().min()) >= float(threshold)   # and the smallest ones went
    assert all(name.endswith(("weight", "bias")) for name in model.state_dict())   # plain parameters again
    total, nonzero = count(model)
    assert total == sum(p.numel() for p in model.parameters())
    assert nonzero == sum(int(torch.count_nonzero(p)) for p in model.parameters())


@pytest.mark.parametrize("amount", [0, 1, 1.5, -0.2])
def test_an_amount_outside_0_1_is_a_message(amount):
    with pytest.raises(CompressError) as exc:
        mask_smallest(built(template("mlp")), amount)
    assert exc.value.code == "compress.amount" and str(amount) in exc.value.message("en")


def _silence_half(model: nn.Module, layers: list[str]) -> None:
    """Every other unit of each layer gets zero weights and bias: after ReLU it adds nothing, so a
    correct shrink (which removes exactly those, the weakest) changes no output."""
    with torch.no_grad():
        for layer in layers:
            getattr(model, layer).weight[1::2] = 0
            getattr(model, layer).bias[1::2] = 0


@pytest.mark.parametrize("name,hidden", [("mlp", {"fc1": 128, "fc2": 64}),
                                         ("digits_cnn", {"conv1": 16, "conv2": 32, "fc1": 64})])
def test_structured_pruning_shrinks_the_layers_and_keeps_what_the_kept_units_compute(name, hidden):
    graph = template(name)
    model = built(graph)
    _silence_half(model, list(hidden))
    small_graph, state, sizes = shrink_graph(graph, unwrap_state_dict(model), 0.5)
    assert sizes == {layer: (units, units // 2) for layer, units in hidden.items()}   # the output layer keeps its 10
    for node in small_graph["nodes"]:
        if node["id"] in hidden:
            assert node["params"].get("out_features", node["params"].get("out_channels")) == hidden[node["id"]] // 2
    small = compile_graph(small_graph).build().eval()
    small.load_state_dict(state)                       # the generated code has the smaller sizes
    x = torch.randn(16, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(small(x), model(x), atol=1e-5)
    assert sum(p.numel() for p in small.parameters()) < 0.6 * sum(p.numel() for p in model.parameters())


def test_structured_pruning_refuses_a_graph_whose_units_it_cannot_follow_naming_the_node():
    graph = template("resnet_small")
    with pytest.raises(CompressError) as exc:
        shrink_graph(graph, unwrap_state_dict(built(graph)), 0.5)
    first_block = next(n["id"] for n in graph["nodes"] if n["type"] == "Block")
    assert exc.value.code == "compress.structure" and first_block in exc.value.message("en")


# -- quantization ---------------------------------------------------------------------------------------
def test_dynamic_int8_replaces_every_linear_and_shrinks_the_saved_weights():
    model = built(template("mlp"))
    q = quantize_dynamic(model)
    with ao():
        from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear
    assert [type(m) for m in q.modules() if isinstance(m, nn.Linear)] == []
    assert sum(isinstance(m, DynamicInt8Linear) for m in q.modules()) == 3
    assert float_layers(q) == []
    assert saved_bytes(q) < 0.35 * saved_bytes(model)
    with torch.inference_mode():
        x = torch.randn(8, 1, 8, 8)
        assert torch.allclose(q(x), model(x), atol=0.05)


def test_static_int8_quantizes_convs_and_is_refused_without_one():
    model = built(template("digits_cnn"))
    x = torch.randn(64, 1, 8, 8)
    q = quantize_static(model, [(x,)])
    kinds = {m._get_name() for m in q.modules()}
    assert {"QuantizedConvReLU2d", "QuantizedLinearReLU", "QuantizedLinear"} <= kinds
    assert not any(type(m) in (nn.Conv2d, nn.Linear) for m in q.modules())
    with pytest.raises(CompressError) as exc:
        quantize_static(built(template("mlp")), [(x,)])
    assert exc.value.code == "compress.static_needs_conv"


def test_saved_bytes_is_the_size_of_the_state_dict_file(tmp_path):
    model = built(template("digits_cnn"))
    torch.save(model.state_dict(), tmp_path / "weights.pt")   # the archive holds its name: the same one
    assert saved_bytes(model) == (tmp_path / "weights.pt").stat().st_size


@pytest.mark.parametrize("name,rnn,kept_float", [("text_lstm", "lstm", ["embed"]), ("gru_sequence", "rnn", [])])
def test_lstm_and_gru_get_int8_weights_saved_as_plain_tensors_that_load_back_exactly(tmp_path, name, rnn, kept_float):
    model = built(template(name))
    q = quantize_dynamic(model)
    with ao():
        from torch.ao.nn.quantized.dynamic import GRU as DynamicInt8GRU, LSTM as DynamicInt8LSTM
    assert isinstance(getattr(q, rnn), (DynamicInt8LSTM, DynamicInt8GRU))
    assert float_layers(q) == kept_float                      # the Embedding is all that stays float
    floats = {k: v.detach() for k, v in getattr(model, rnn).named_parameters()}
    for key, w in getattr(q, rnn).get_weight().items():       # int8, within half a step of the float weight
        assert w.dtype == torch.qint8 and float((w.dequantize() - floats[key]).abs().max()) <= w.q_scale() / 2 + 1e-6
    path = tmp_path / "model_int8.pt"
    with ao():       # saving and loading int8 tensors repeats torch's deprecation notices
        torch.save(plain_state_dict(q), path)
        state = torch.load(path, weights_only=True)         # no TorchScript objects in the file
    assert all(isinstance(v, (torch.Tensor, tuple, torch.dtype)) for v in state.values())
    assert saved_bytes(q, path.name) == path.stat().st_size < 0.5 * saved_bytes(model)
    packed = tmp_path / "packed" / path.name                # torch's own form, with the packed cells
    packed.parent.mkdir()
    with ao():
        torch.save(q.state_dict(), packed)
    assert path.stat().st_size <= packed.stat().st_size      # plain tensors cost no bytes over it
    loaded = load_plain_state_dict(quantize_dynamic(built(template(name), seed=1)), state)   # other weights first
    assert isinstance(getattr(loaded, rnn), type(getattr(q, rnn)))
    x = torch.randint(1, 256, (8, 16)) if name == "text_lstm" else torch.randn(8, 20, 1)
    with torch.inference_mode():
        assert torch.allclose(loaded(x), q(x), atol=1e-6)
        assert torch.allclose(q(x), model(x), atol=0.05)


def test_a_file_saved_when_lstm_stayed_float_still_loads_with_its_float_layers_named(tmp_path):
    model = built(template("text_lstm"))
    with ao() as q:
        old = q.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)     # how such runs were quantized
        torch.save(old.state_dict(), tmp_path / "model_int8.pt")
        state = torch.load(tmp_path / "model_int8.pt", weights_only=True)
        loaded = load_plain_state_dict(quantize_dynamic_as_saved(built(template("text_lstm"), seed=1), ["embed", "lstm"]), state)
        as_saved_now = quantize_dynamic_as_saved(built(template("text_lstm")))    # nothing named: LSTM int8 too
    assert type(loaded.lstm) is nn.LSTM and float_layers(loaded) == ["embed", "lstm"]
    x = torch.randint(1, 256, (8, 16))
    with torch.inference_mode():
        assert torch.allclose(loaded(x), old(x), atol=1e-6)
        assert torch.allclose(as_saved_now(x), quantize_dynamic(model)(x), atol=1e-6)
