"""Property tests: for every catalog layer, the shape pass agrees with torch, both ways.

Over random params and input sizes (some valid, some not): when the checker accepts
a one-layer graph, the compiled module's real output shape and parameter count equal
the inferred ones. When it refuses, the refusal is a node error with a known code, never
an exception, and torch refuses too: the same layer written directly in torch from the
raw params (no checker, no code generator) fails to build or run on a batch, or the
refusal is one of the DOCUMENTED_LIMITS below (docs/graph-format.md, "Limits"), where
NetCanvas is stricter than torch on purpose.
"""
from __future__ import annotations

import functools
import operator
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from builder import catalog, params as catalog_params
from builder.codegen import compile_graph
from builder.errors import CheckError
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
                        params(out_features=st.integers(1, 12) | st.just(catalog_params.MAX_UNITS + 1),
                               bias=opt(st.booleans()))),
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
                                                norm_first=opt(st.booleans()), bias=opt(st.booleans()),
                                                causal=opt(st.booleans()))),
    "PositionalEncoding": st.tuples(st.one_of(st.tuples(small, small), st.tuples(size)),
                                    params(kind=opt(st.sampled_from(["sinusoidal", "learned"])),
                                           max_len=opt(st.integers(1, 12)))),
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
    "Add": st.tuples(st.lists(st.sampled_from([(4,), (4,), (3, 2), (1,)]), min_size=2, max_size=3), st.just({})),
    "Multiply": st.tuples(st.lists(st.sampled_from([(2, 3), (2, 3), (3,)]), min_size=2, max_size=3), st.just({})),
    "Concat": st.tuples(st.lists(st.tuples(st.integers(1, 3), st.sampled_from([2, 3])), min_size=2, max_size=3),
                        params(dim=opt(st.integers(-3, 2)))),
    "Reparameterize": st.tuples(st.lists(st.sampled_from([(4,), (4,), (2,)]), min_size=2, max_size=2), st.just({})),
}
STRUCTURAL_ONLY = {"Input", "Output"}   # covered by every graph here
OWN_TESTS = {"TreeRNN", "TreeLSTM",      # not torch.nn layers: tests/test_trees_layers.py
             "MultiheadAttention",      # two ports, a padding mask: tests/test_attention.py
             "Spectrogram", "MelSpectrogram"}   # tests/test_speech_layers.py (against numpy's FFT)


def test_every_catalog_layer_has_a_property_test():
    covered = set(CASES) | set(MULTI) | STRUCTURAL_ONLY | OWN_TESTS
    assert covered == {s.type for s in catalog.all_specs()}


def _graph(layer, shapes, params, dtype):
    nodes = [(f"x{i}", "Input", {"shape": list(s), **({"dtype": dtype} if dtype != "float32" else {})})
             for i, s in enumerate(shapes)]
    nodes += [("layer", layer, params), ("y", "Output", {})]
    edges = [(f"x{i}", "layer", i) for i in range(len(shapes))] + [("layer", "y")]
    return doc(nodes, edges, name=f"one {layer}")


def _agrees_with_torch(layer, shapes, params):
    dtype = "int64" if layer == "Embedding" else "float32"
    result = check(_graph(layer, shapes, params, dtype))
    if not result.ok:
        for e in result.errors:
            assert e.node == "layer", e.message()
            assert e.code in TEXT, e.code
            assert "{" not in e.message() and "{" not in e.message("zh"), e.message()
        undocumented = [e.message() for e in result.errors if documented_limit(layer, shapes, params, e) is None]
        if undocumented:   # a refusal of the checker's own: torch must refuse too
            assert not torch_accepts(layer, shapes, params), \
                f"torch runs {layer}{shapes} {params}; the checker refused: {undocumented}"
        return
    model = compile_graph(result.graph, result).build()
    inputs = _inputs_of(shapes, layer, params, batch=2)
    for train in (True, False):
        model.train(train)
        with torch.no_grad():
            out = model(*inputs)
        assert tuple(out.shape[1:]) == result.shapes["layer"], (params, shapes)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == result.counts["layer"] == result.total_params


# -- torch's own answer, for what the checker refuses ------------------------------------
# The torch constructor's input size, read from the sample shape (the params a graph leaves out).
TORCH_SIZE_DIM = {"Linear": -1, "LayerNorm": -1, "RNN": -1, "LSTM": -1, "GRU": -1, "TransformerEncoderLayer": -1,
                  "Conv1d": 0, "Conv2d": 0, "ConvTranspose2d": 0, "BatchNorm1d": 0, "BatchNorm2d": 0}
BATCH_FIRST = ("RNN", "LSTM", "GRU", "TransformerEncoderLayer")
RECURRENT = ("RNN", "LSTM", "GRU")
INLINE = {   # structural nodes: the torch expressions graph-format.md defines them as
    "Add": lambda xs, p, training: functools.reduce(operator.add, xs),
    "Multiply": lambda xs, p, training: functools.reduce(operator.mul, xs),
    "Concat": lambda xs, p, training: torch.cat(xs, dim=p.get("dim", 1)),
    "Reshape": lambda xs, p, training: xs[0].reshape(xs[0].size(0), *p["shape"]),
    "Permute": lambda xs, p, training: xs[0].permute(*p["dims"]),
    "Reparameterize": lambda xs, p, training: (xs[0] + torch.exp(0.5 * xs[1]) * torch.randn_like(xs[0])
                                               if training else xs[0]),
    # one vector per position, for at most max_len positions (its values: tests/test_textgen.py)
    "PositionalEncoding": lambda xs, p, training: xs[0] + torch.zeros(p.get("max_len", 512), xs[0].shape[2])[
        torch.arange(xs[0].shape[1])],
}


def _graph_defaults(layer, params) -> dict:
    """The defaults graph-format.md gives where they differ from torch's."""
    if layer in ("Softmax", "LogSoftmax"):
        return {"dim": 1}
    if layer == "Upsample" and params.get("size") is None:
        return {"scale_factor": 2.0}
    return {}


class TorchLayer(nn.Module):
    """One layer written directly in torch from a node's raw params: no checker, no code generator."""

    def __init__(self, layer: str, sample: tuple, params: dict):
        super().__init__()
        self.layer, self.params = layer, dict(params)
        if layer not in INLINE:
            kwargs = {**_graph_defaults(layer, params), **{k: v for k, v in params.items() if k not in ("return", "causal")}}
            if layer in BATCH_FIRST:
                kwargs["batch_first"] = True
            sizes = [sample[TORCH_SIZE_DIM[layer]]] if layer in TORCH_SIZE_DIM else []
            self.module = getattr(nn, layer)(*sizes, **kwargs)

    def forward(self, *xs):
        if self.layer in INLINE:
            return INLINE[self.layer](xs, self.params, self.training)
        out = self.module(*xs)
        if self.layer not in RECURRENT:
            return out
        if self.params.get("return", "sequence") == "sequence":
            return out[0]
        h = out[1][0] if self.layer == "LSTM" else out[1]
        return torch.cat([h[-2], h[-1]], dim=1) if self.params.get("bidirectional") else h[-1]


def torch_accepts(layer, shapes, params) -> bool:
    """Whether torch computes this layer on batches of samples: it builds, runs in training and in
    evaluation mode on batches of 2 and of 3, gives one output per sample, every sample's output of
    one shape, and (evaluation) each sample's output does not depend on the others in its batch."""
    sample_shapes = set()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # a deprecation is still an answer: see DOCUMENTED_LIMITS
            for batch in (2, 3):
                module = TorchLayer(layer, shapes[0], params)
                xs = _inputs_of(shapes, layer, params, batch)
                with torch.no_grad():
                    for training in (True, False):
                        out = module.train(training)(*xs)
                        if out.shape[0] != batch:
                            return False
                        sample_shapes.add(tuple(out.shape[1:]))
                    alone = torch.cat([module(*(x[i:i + 1] for x in xs)) for i in range(batch)])
                if not torch.allclose(alone, out, atol=1e-5, equal_nan=True):
                    return False
    except Exception:   # noqa: BLE001 - any refusal of torch's: a wrong size, an assertion, a shape
        return False
    return len(sample_shapes) == 1


def _inputs_of(shapes, layer, params, batch):
    if layer == "Embedding":
        return [torch.randint(0, params["num_embeddings"], (batch, *s)) for s in shapes]
    return [torch.randn(batch, *s) for s in shapes]


# -- where NetCanvas is stricter than torch on purpose (docs/graph-format.md, "Limits") ----
@dataclass(frozen=True)
class Limit:
    code: str
    reason: str
    applies: Callable[[str, list, dict, CheckError], bool] = lambda layer, shapes, params, error: True


CATALOG_MAXIMA = {catalog_params.MAX_UNITS, catalog_params.MAX_VOCAB, catalog_params.MAX_KERNEL,
                  catalog_params.MAX_DIM, catalog_params.MAX_LAYERS, catalog_params.MAX_HEADS}


def _past_catalog_maximum(layer, shapes, params, error) -> bool:
    param = catalog.get(layer).param(error.args["param"])
    value = params.get(param.name)
    return param.hi in CATALOG_MAXIMA and isinstance(value, int) and value > param.hi


def _dropout_of_one(layer, shapes, params, error) -> bool:
    return error.args["param"] in ("p", "dropout") and params.get(error.args["param"]) == 1.0


def _unbatched(layer, shapes, params, error) -> bool:
    """The sample is one dimension short of a rank the layer takes ("(C, H, W)" names 3)."""
    named = re.findall(r"\(([^)]*)\)", error.args["expected"])
    ranks = {len([d for d in names.split(",") if d.strip()]) for names in named}
    return len(shapes[0]) + 1 in ranks


DOCUMENTED_LIMITS = (
    Limit("param.range", "sizes past the catalog's maxima (builder/params.py): a hostile or mistyped size is "
                         "refused before anything allocates", _past_catalog_maximum),
    Limit("param.range", "dropout p = 1 zeroes every element while training: nothing before it can learn",
          _dropout_of_one),
    Limit("param.batch_dim", "a dim that names the batch: a graph describes one sample, and no layer mixes "
                             "the samples of a batch (torch would flatten, normalise or join across them)"),
    Limit("shape.rank", "a sample one dimension short of the layer's: torch's unbatched form would read the "
                        "batch as the sample's first dimension (channels, sequence)", _unbatched),
    Limit("shape.rank", "Dropout2d on a vector: torch deprecates it (a warning now, an error in a future "
                        "release); Dropout is the layer for vectors",
          lambda layer, shapes, params, error: layer == "Dropout2d"),
    Limit("shape.mismatch", "Add and Multiply take inputs of one shape: torch would broadcast, which hides "
                            "a wrong connection", lambda layer, shapes, params, error: layer in ("Add", "Multiply")),
    Limit("shape.empty", "an output dimension of size 0: torch returns an empty tensor (ConvTranspose2d) that "
                         "nothing after it can learn from"),
    Limit("param.rnn_dropout", "dropout with a single recurrent layer has no effect (torch only warns)"),
)


def documented_limit(layer, shapes, params, error: CheckError) -> Limit | None:
    return next((lim for lim in DOCUMENTED_LIMITS
                 if lim.code == error.code and lim.applies(layer, shapes, params, error)), None)


def test_every_documented_limit_is_in_the_graph_format():
    text = Path(__file__).resolve().parents[1].joinpath("docs", "graph-format.md").read_text("utf-8")
    limits = text[text.index("## Limits"):]
    missing = sorted({lim.code for lim in DOCUMENTED_LIMITS if f"`{lim.code}`" not in limits})
    assert missing == []


def test_torch_accepts_what_it_runs_and_refuses_what_it_cannot():
    assert torch_accepts("Conv2d", [(3, 8, 8)], {"out_channels": 4, "kernel_size": 3})
    assert not torch_accepts("Conv2d", [(3, 2, 2)], {"out_channels": 4, "kernel_size": 3})   # window too big
    assert not torch_accepts("Concat", [(2,), (2,)], {"dim": 0})           # joins batches: 2B outputs
    assert not torch_accepts("GRU", [(5,)], {"hidden_size": 3})            # unbatched: the batch is the sequence
    assert torch_accepts("AdaptiveAvgPool2d", [(4, 6)], {"output_size": 1})  # unbatched, yet per sample
    assert documented_limit("AdaptiveAvgPool2d", [(4, 6)], {"output_size": 1},
                            check(_graph("AdaptiveAvgPool2d", [(4, 6)], {"output_size": 1}, "float32")).errors[0])


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


@pytest.mark.parametrize("layer,shape,params", [
    # ceil_mode: a window may overhang the input; torch refuses only an empty output
    ("MaxPool1d", (4, 3), {"kernel_size": 4, "ceil_mode": True}),
    ("AvgPool1d", (1, 3), {"kernel_size": 4, "stride": 2, "ceil_mode": True, "count_include_pad": False}),
    ("AvgPool2d", (7, 2, 9), {"kernel_size": [3, 3], "ceil_mode": True}),
    # a size given alone: no scale factor (its 2.0 default holds only without a size)
    ("Upsample", (3, 5), {"size": 7}),
    ("Upsample", (2, 4, 4), {"size": [6, 9], "mode": "bilinear"}),
])
def test_layers_the_checker_once_refused_are_checked_against_torch(layer, shape, params):
    assert check(_graph(layer, [shape], params, "float32")).ok
    _agrees_with_torch(layer, [shape], params)
