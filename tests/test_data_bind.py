"""Binding data inputs to a graph's Inputs: names, reshapes, refusals with both shapes,
dtypes, and token ids against the Embedding size."""
import json

import pytest
import torch

from runtime.data import DataError, apply_preprocess, bind, load, split


def test_matching_counts_reshape_and_are_recorded():
    s = split(load("digits"), 0.2, seed=0)
    b = bind(s, [{"name": "pixels", "shape": [64], "dtype": "float32"}])
    assert b.train.sample_shapes() == {"pixels": (64,)}
    assert torch.equal(b.train.inputs["pixels"], s.train.inputs["x"].reshape(-1, 64))
    assert b.val.inputs["pixels"].shape == (len(s.val), 64)
    assert b.preprocess["reshape"] == {"pixels": {"source": "x", "from": [1, 8, 8], "to": [64]}}
    json.dumps(b.preprocess)
    raw = load("digits").inputs["x"][:3]
    assert apply_preprocess(b.preprocess, raw)["pixels"].shape == (3, 64)


def test_equal_shapes_bind_unchanged_whatever_the_name():
    s = split(load("shapes", n_samples=100), 0.2)
    b = bind(s, [{"name": "image", "shape": [1, 28, 28]}])
    assert torch.equal(b.train.inputs["image"], s.train.inputs["x"])


def test_mismatched_counts_are_refused_naming_both_shapes():
    ds = load("digits")
    with pytest.raises(DataError) as e:
        bind(ds, [{"name": "x", "shape": [1, 28, 28], "dtype": "float32"}])
    assert e.value.code == "data.bind_shape"
    msg = e.value.message()
    assert msg == ('The data set "digits" gives samples of shape (1, 8, 8) (64 values); '
                   'the graph\'s Input "x" expects (1, 28, 28) (784 values).')
    zh = e.value.message("zh")
    assert "(1, 8, 8)" in zh and "(1, 28, 28)" in zh and "784" in zh
    assert e.value.args["data_shape"] == [1, 8, 8] and e.value.args["graph_shape"] == [1, 28, 28]


def test_bind_before_split_gives_the_same_record():
    ds = load("iris")
    gi = [{"name": "features", "shape": [4]}]
    a = split(bind(ds, gi), 0.2, seed=1)
    b = bind(split(ds, 0.2, seed=1), gi)
    assert a.preprocess == b.preprocess
    assert torch.equal(a.train.inputs["features"], b.train.inputs["features"])


def test_multi_input_binds_by_name():
    ds = load("ratings")
    gi = [{"name": "user", "shape": [1], "dtype": "int64", "max_token": 100},
          {"name": "item", "shape": [1], "dtype": "int64", "max_token": 200}]
    b = bind(split(ds, 0.2), gi)
    assert set(b.train.inputs) == {"user", "item"}
    with pytest.raises(DataError) as e:
        bind(ds, [{"name": "customer", "shape": [1], "dtype": "int64"}, gi[1]])
    assert e.value.code == "data.bind_missing"
    assert "customer" in e.value.message() and "user" in e.value.message()


def test_token_ids_past_the_embedding_are_refused():
    ds = load("ratings")
    with pytest.raises(DataError) as e:
        bind(ds, [{"name": "user", "shape": [1], "dtype": "int64", "max_token": 50},
                  {"name": "item", "shape": [1], "dtype": "int64", "max_token": 200}])
    assert e.value.code == "data.token_range"
    assert e.value.args["high"] == 99 and e.value.args["max_token"] == 50
    assert "99" in e.value.message() and "50" in e.value.message()
    s = split(load("sentiment", n_samples=300), 0.2)
    top = max(int(p.inputs["x"].max()) for p in s.parts())
    bind(s, [{"name": "tokens", "shape": [16], "dtype": "int64", "max_token": top + 1}])
    with pytest.raises(DataError) as e:
        bind(s, [{"name": "tokens", "shape": [16], "dtype": "int64", "max_token": top}])
    assert e.value.code == "data.token_range"


def test_dtype_mismatch_is_refused():
    with pytest.raises(DataError) as e:
        bind(load("sentiment", n_samples=100), [{"name": "x", "shape": [16], "dtype": "float32"}])
    assert e.value.code == "data.bind_dtype" and "int64" in e.value.message()
    with pytest.raises(DataError) as e:
        bind(load("iris"), [{"name": "x", "shape": [4], "dtype": "int64"}])
    assert e.value.code == "data.bind_dtype"


def test_templates_shapes_fit_their_data():
    # the shapes the builder's templates declare for their data sets
    cases = [("digits", [{"name": "x", "shape": [1, 8, 8]}]),
             ("shapes", [{"name": "x", "shape": [1, 28, 28]}]),
             ("parity", [{"name": "x", "shape": [20, 1]}]),
             ("dna", [{"name": "x", "shape": [4, 64]}]),
             ("iris", [{"name": "x", "shape": [4]}]),
             ("sentiment", [{"name": "tokens", "shape": [16], "dtype": "int64", "max_token": 256}]),
             ("ratings", [{"name": "user", "shape": [1], "dtype": "int64", "max_token": 100},
                          {"name": "item", "shape": [1], "dtype": "int64", "max_token": 200}])]
    for name, gi in cases:
        bind(load(name), gi)
