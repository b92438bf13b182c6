"""Property tests: for every catalog layer, the shape pass agrees with torch.

Over random params and input sizes (some valid, some not): when the checker accepts
a one-layer graph, the compiled module's real output shape and parameter count equal
the inferred ones; when it refuses, the refusal is a node error with a known code,
never an exception.
"""
from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from builder import catalog
from builder.codegen import compile_graph
from builder.i18n import TEXT
from builder.shapes import check
from tests.graphs import doc

small = st.integers(1, 6)
size = st.integers(1, 14)
ch = st.integers(1, 8)


def ks(n, lo=1, hi=5):
    one = st.integers(lo, hi)
    return st.one_of(one, st.lists(one, min_size=n, max_size=n)) if n > 1 else one


def opt(strategy):
    """Sometimes leave the param out (torch's default), sometimes give it."""
    return st.one_of(st.just(None), strategy)


def params(**fields):
    @st.composite
    def build(draw):
        out = {}
        for name, strategy in fields.items():
            value = draw(strategy)
            if value is not None:
                out[name] = value
        return out
    return build()


def image(n):
    return st.tuples(ch, *([size] * n))


@st.composite
def upsample_params(draw):
    p = {}
    if draw(st.booleans()):
        p["scale_factor"] = None
        p["size"] = draw(st.one_of(st.integers(1, 9), st.lists(st.integers(1, 9), min_size=2, max_size=2)))
    elif draw(st.booleans()):
        p["scale_factor"] = draw(st.sampled_from([1.0, 1.5, 2.0, 3.0]))
    if draw(st.integers(0, 9)) == 0:
        p["size"] = draw(st.integers(1, 4))   # sometimes both size and scale_factor: an error
    p.update(draw(params(mode=opt(st.sampled_from(["nearest", "linear", "bilinear", "bicubic"])),
                         align_corners=opt(st.booleans()))))
    return p


CASES = {
    "Linear": st.tuples(st.one_of(st.tuples(size), st.tuples(small, size)),
                        params(out_features=st.integers(1, 12), bias=opt(st.booleans()))),
    "Embedding": st.tuples(st.one_of(st.tuples(size), st.tuples(small, small)),
                           params(num_embeddings=st.integers(1, 30), embedding_dim=st.integers(1, 8),
                                  padding_idx=opt(st.integers(-35, 35)), max_norm=opt(st.floats(0.5, 3.0)),
                                  scale_grad_by_freq=opt(st.booleans()))),
    "LayerNorm": st.tuples(st.one_of(st.tuples(size), st.tuples(small, size)),
                           params(eps=opt(st.floats(1e-6, 1e-2)), elementwise_affine=opt(st.booleans()),
                                  bias=opt(st.booleans()))),
    "BatchNorm1d": st.tuples(st.one_of(st.tuples(ch), st.tuples(ch, size), st.tuples(ch, size, size)),
                             params(eps=opt(st.floats(1e-6, 1e-2)), momentum=opt(st.floats(0.0, 1.0)),
                                    affine=opt(st.booleans()), track_running_stats=opt(st.booleans()))),
    "BatchNorm2d": st.tuples(st.one_of(image(2), image(1)),
                             params(affine=opt(st.booleans()), momentum=opt(st.one_of(st.none(), st.floats(0.0, 1.0))))),
    "Dropout": st.tuples(st.one_of(st.tuples(size), image(2)), params(p=opt(st.floats(0.0, 1.0)))),
    "Dropout2d": st.tuples(st.one_of(image(2), st.tuples(size)), params(p=opt(st.floats(0.0, 0.99)))),
    "Softmax": st.tuples(st.one_of(st.tuples(size), image(2)), params(dim=opt(st.integers(-4, 4)))),
    "LogSoftmax": st.tuples(st.one_of(st.tuples(size), st.tuples(small, size)), params(dim=opt(st.integers(-3, 3)))),
    "LeakyReLU": st.tuples(st.tuples(size), params(negative_slope=opt(st.floats(0.0, 1.0)))),
    "ELU": st.tuples(st.tuples(size), params(alpha=opt(st.floats(0.0, 2.0)))),
    "GELU": st.tuples(st.tuples(size), params(approximate=opt(st.sampled_from(["none", "tanh"])))),
    "Flatten": st.tuples(st.one_of(st.tuples(size), image(1), image(2)),
                         params(start_dim=opt(st.integers(-4, 3)), end_dim=opt(st.integers(-4, 3)))),
    "Reshape": st.tuples(st.one_of(st.tuples(st.integers(1, 24)), image(1)),
                         params(shape=st.lists(st.one_of(st.integers(1, 6), st.just(-1)), min_size=1, max_size=3))),
    "Permute": st.tuples(st.one_of(st.tuples(small, small), image(2)),
                         params(dims=st.permutations([0, 1, 2, 3]).map(list) | st.permutations([0, 1, 2]).map(list))),
    "Upsample": st.tuples(st.one_of(image(1), image(2)), upsample_params()),
    "TransformerEncoderLayer": st.tuples(st.tuples(small, st.sampled_from([4, 6, 8])),
                                         params(nhead=st.sampled_from([1, 2, 3, 4]), dim_feedforward=opt(st.integers(1, 16)),
                                                dropout=opt(st.floats(0.0, 0.5)), activation=opt(st.sampled_from(["relu", "gelu"])),
                                                norm_first=opt(st.booleans()), bias=opt(st.booleans()))),
}

for _n in (1, 2):
    _conv_params = dict(out_channels=ch, kernel_size=ks(_n), stride=opt(ks(_n, 1, 3)),
                        padding=opt(st.one_of(ks(_n, 0, 2), st.sampled_from(["same", "valid"]))),
                        dilation=opt(ks(_n, 1, 2)), groups=opt(st.sampled_from([1, 2, 3])), bias=opt(st.booleans()))
    CASES[f"Conv{_n}d"] = st.tuples(st.one_of(image(_n), st.tuples(size)), params(**_conv_params))
    CASES[f"MaxPool{_n}d"] = st.tuples(image(_n), params(kernel_size=ks(_n, 1, 4), stride=opt(ks(_n, 1, 3)),
                                                           padding=opt(ks(_n, 0, 2)), dilation=opt(ks(_n, 1, 2)),
                                                           ceil_mode=opt(st.booleans())))
    CASES[f"AvgPool{_n}d"] = st.tuples(image(_n), params(kernel_size=ks(_n, 1, 4), stride=opt(ks(_n, 1, 3)),
                                                           padding=opt(ks(_n, 0, 2)), ceil_mode=opt(st.booleans()),
                                                           count_include_pad=opt(st.booleans())))
    for _kind in ("Avg", "Max"):
        CASES[f"Adaptive{_kind}Pool{_n}d"] = st.tuples(st.one_of(image(_n), image(3 - _n)),
                                                       params(output_size=ks(_n, 1, 6)))
CASES["ConvTranspose2d"] = st.tuples(image(2), params(out_channels=ch, kernel_size=ks(2, 1, 4), stride=opt(ks(2, 1, 3)),
                                                      padding=opt(ks(2, 0, 2)), output_padding=opt(ks(2, 0, 2)),
                                                      groups=opt(st.sampled_from([1, 2])), bias=opt(st.booleans()),
                                                      dilation=opt(ks(2, 1, 2))))
for _t in ("RNN", "LSTM", "GRU"):
    _rnn = dict(hidden_size=st.integers(1, 8), num_layers=opt(st.integers(1, 3)), bias=opt(st.booleans()),
                dropout=opt(st.sampled_from([0.0, 0.2])), bidirectional=opt(st.booleans()),
                **{"return": opt(st.sampled_from(["sequence", "last"]))})
    if _t == "RNN":
        _rnn["nonlinearity"] = opt(st.sampled_from(["tanh", "relu"]))
    CASES[_t] = st.tuples(st.one_of(st.tuples(small, small), st.tuples(size)), params(**_rnn))
for _t in ("ReLU", "Sigmoid", "Tanh", "SiLU"):
    CASES[_t] = st.tuples(st.one_of(st.tuples(size), image(2)), st.just({}))

# Several inputs: (list of input shapes, params).
MULTI = {
    "Add": st.tuples(st.lists(st.sampled_from([(4,), (4,), (3, 2)]), min_size=2, max_size=3), st.just({})),
    "Multiply": st.tuples(st.lists(st.sampled_from([(2, 3), (2, 3), (3,)]), min_size=2, max_size=3), st.just({})),
    "Concat": st.tuples(st.lists(st.tuples(st.integers(1, 3), st.sampled_from([2, 3])), min_size=2, max_size=3),
                        params(dim=opt(st.integers(-3, 2)))),
    "Reparameterize": st.tuples(st.lists(st.sampled_from([(4,), (4,), (2,)]), min_size=2, max_size=2), st.just({})),
}
STRUCTURAL_ONLY = {"Input", "Output"}   # covered by every graph here


def test_every_catalog_layer_has_a_property_test():
    covered = set(CASES) | set(MULTI) | STRUCTURAL_ONLY
    assert covered == {s.type for s in catalog.all_specs()}


def _graph(layer, shapes, params, dtype):
    nodes = [(f"x{i}", "Input", {"shape": list(s), **({"dtype": dtype} if dtype != "float32" else {})})
             for i, s in enumerate(shapes)]
    nodes += [("layer", layer, params), ("y", "Output", {})]
    edges = [(f"x{i}", "layer", i) for i in range(len(shapes))] + [("layer", "y")]
    return doc(nodes, edges, name=f"one {layer}")


def _inputs(shapes, dtype, params):
    if dtype == "int64":
        return [torch.randint(0, params["num_embeddings"], (2, *s)) for s in shapes]
    return [torch.randn(2, *s) for s in shapes]


def _agrees_with_torch(layer, shapes, params):
    dtype = "int64" if layer == "Embedding" else "float32"
    result = check(_graph(layer, shapes, params, dtype))
    if not result.ok:
        for e in result.errors:
            assert e.node == "layer", e.message()
            assert e.code in TEXT, e.code
            assert "{" not in e.message() and "{" not in e.message("zh"), e.message()
        return
    model = compile_graph(result.graph, result).build()
    inputs = _inputs(shapes, dtype, params)
    for train in (True, False):
        model.train(train)
        with torch.no_grad():
            out = model(*inputs)
        assert tuple(out.shape[1:]) == result.shapes["layer"], (params, shapes)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == result.counts["layer"] == result.total_params


@pytest.mark.parametrize("layer", sorted(CASES))
def test_single_input_layer_shapes_match_torch(layer):
    @given(CASES[layer])
    def run(case):
        shape, params = case
        _agrees_with_torch(layer, [shape], params)
    run()


@pytest.mark.parametrize("layer", sorted(MULTI))
def test_multi_input_layer_shapes_match_torch(layer):
    @given(MULTI[layer])
    def run(case):
        shapes, params = case
        _agrees_with_torch(layer, shapes, params)
    run()


def test_a_known_invalid_case_is_a_node_error():
    result = check(_graph("Conv2d", [(400,)], {"out_channels": 4, "kernel_size": 3}, "float32"))
    assert [e.message() for e in result.errors] == ["node layer: Conv2d expects input (C, H, W); received (400,)"]
