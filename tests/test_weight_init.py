"""The ``init`` param: generated code that starts where plain torch with ``nn.init`` starts, and the
effect theory predicts on the signal at step 0 (runtime/init_compare.py, the Build page's view)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from builder.codegen import build_model, generate
from builder.errors import CodedError
from builder.shapes import check
from runtime import init_compare
from tests.graphs import chain


def _mlp(activation: str, depth: int = 6, width: int = 256) -> dict:
    layers = []
    for _ in range(depth):
        layers += [("Linear", {"out_features": width, "bias": False}), (activation, {})]
    return chain(*layers, input_shape=(width,), name="deep")


def test_generated_model_starts_where_plain_torch_with_nn_init_does():
    doc = chain(("Conv2d", {"out_channels": 4, "kernel_size": 3, "init": "kaiming_normal"}), ("Flatten", {}),
                ("Linear", {"out_features": 3, "init": "xavier_uniform"}), input_shape=(2, 5, 5))
    torch.manual_seed(3)
    model = build_model(doc)
    torch.manual_seed(3)
    conv = nn.Conv2d(2, 4, 3)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    linear = nn.Linear(36, 3)
    nn.init.xavier_uniform_(linear.weight)
    reference = [conv.weight, conv.bias, linear.weight, linear.bias]
    for got, want in zip(model.parameters(), reference, strict=True):
        assert torch.equal(got, want)


def test_every_weight_of_a_recurrent_layer_is_initialised():
    doc = chain(("LSTM", {"hidden_size": 6, "num_layers": 2, "init": "orthogonal"}), input_shape=(3, 4))
    model = build_model(doc)
    weights = {name: w for name, w in model.named_parameters() if "weight" in name}
    assert len(weights) == 4      # ih and hh of both layers
    for name, w in weights.items():
        rows = w.detach()           # (4·hidden, in): orthonormal columns
        assert torch.allclose(rows.T @ rows, torch.eye(rows.shape[1]), atol=1e-5), name


def test_default_writes_no_init_line_and_init_is_no_torch_keyword():
    plain = generate(chain(("Linear", {"out_features": 3}))).source
    assert "nn.init" not in plain and "init=" not in plain
    source = generate(chain(("Linear", {"out_features": 3, "init": "orthogonal"}))).source
    assert "nn.init.orthogonal_(self.n0.weight)" in source and "init=" not in source


def test_an_unknown_init_is_an_error_on_its_node():
    result = check(chain(("Linear", {"out_features": 3, "init": "he"})))
    assert not result.ok
    error = result.errors[0]
    assert error.node == "n0" and error.code == "param.choice"
    assert "xavier_uniform" in error.message()


def _mean_squares(layers) -> np.ndarray:
    return np.array([float(np.mean(layer.values.astype(np.float64) ** 2)) for layer in layers])


def test_kaiming_keeps_relu_signal_and_xavier_halves_it_layer_after_layer():
    # He et al. 2015: with Var(w) = 2/fan_in, E[relu(z)^2] stays constant through depth; with
    # Glorot's 1/fan_in (square layers) it halves at every layer.
    compared = init_compare.compare(_mlp("ReLU"), "kaiming_normal", "xavier_normal")
    kaiming, xavier = _mean_squares(compared["kaiming_normal"]), _mean_squares(compared["xavier_normal"])
    assert len(kaiming) == 6
    assert np.all((kaiming[1:] / kaiming[:-1] > 0.8) & (kaiming[1:] / kaiming[:-1] < 1.25))
    assert np.all((xavier[1:] / xavier[:-1] > 0.4) & (xavier[1:] / xavier[:-1] < 0.6))


def test_deep_sigmoid_net_spreads_less_with_torch_default_than_with_xavier():
    compared = init_compare.compare(_mlp("Sigmoid"), "default", "xavier_normal")
    default = [layer.std for layer in compared["default"]]
    xavier = [layer.std for layer in compared["xavier_normal"]]
    # torch's default Var(w) = 1/(3·fan_in): a third of Glorot's, so sigmoid units sit near 0.5
    assert all(d < 0.7 * x for d, x in zip(default[1:], xavier[1:]))


def test_a_graph_that_does_not_check_is_refused_with_a_message():
    with pytest.raises(CodedError) as info:
        init_compare.activations_at_start(chain(("Linear", {"out_features": 0})), "default")
    assert info.value.code == "initcmp.invalid"
