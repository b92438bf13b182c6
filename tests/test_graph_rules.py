"""Graph rules and hostile documents: every problem is a message naming its node or edge."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder import shapes, templates
from builder.errors import FormatError
from builder.graph import MAX_BYTES, copy_document, read_document
from builder.shapes import _structure_of, check
from tests.graphs import chain, doc


def messages(d):
    return [e.message() for e in check(d).errors]


def codes(d):
    return sorted(e.code for e in check(d).errors)


def test_a_clean_graph_checks():
    result = check(chain(("Linear", {"out_features": 3}), input_shape=(4,)))
    assert result.ok and result.shapes["n0"] == (3,) and result.total_params == 15


def test_cycle_names_the_nodes_on_it():
    d = doc([("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}), ("c", "Add", {}), ("y", "Output", {})],
            [("x", "c"), ("b", "c", 1), ("c", "a"), ("a", "b"), ("a", "y")])
    (err,) = [e for e in check(d).errors if e.code == "graph.cycle"]
    path = err.args["path"]
    assert set(path) == {"a", "b", "c"} and path[0] == path[-1] == err.node == "a"
    assert err.message() == "node a: is on a cycle a -> b -> c -> a; a network must flow one way (a DAG)"


def test_self_loop_is_a_cycle():
    d = doc([("x", "Input", {"shape": [4]}), ("a", "Add", {}), ("y", "Output", {})],
            [("x", "a"), ("a", "a", 1), ("a", "y")])
    assert "graph.cycle" in codes(d)


def test_edges_to_unknown_nodes_and_duplicate_ids():
    d = doc([("x", "Input", {"shape": [4]}), ("x", "ReLU", {}), ("y", "Output", {})], [("x", "y"), ("x", "ghost")])
    errs = check(d).errors
    assert any(e.code == "graph.duplicate_id" and e.node == "x" for e in errs)
    assert any(e.code == "graph.unknown_node" and e.edge == ("x", "ghost") for e in errs)


def test_port_rules():
    base = [("x", "Input", {"shape": [4]}), ("a", "Add", {}), ("y", "Output", {})]
    assert "graph.port_repeated" in codes(doc(base, [("x", "a"), ("x", "a"), ("a", "y")]))
    assert "graph.port_missing" in codes(doc(base, [("x", "a"), ("x", "a", 2), ("a", "y")]))
    assert "graph.too_few_inputs" in codes(doc(base, [("x", "a"), ("a", "y")]))
    one = [("x", "Input", {"shape": [4]}), ("r", "ReLU", {}), ("y", "Output", {})]
    assert "graph.too_many_inputs" in codes(doc(one, [("x", "r"), ("x", "r", 1), ("r", "y")]))


def test_add_of_the_same_tensor_twice_keeps_both_edges():
    d = doc([("x", "Input", {"shape": [4]}), ("a", "Add", {}), ("y", "Output", {})], [("x", "a"), ("x", "a", 1), ("a", "y")])
    result = check(d)
    assert result.ok and result.inputs["a"] == ["x", "x"]
    assert result.graph.nx().number_of_edges("x", "a") == 2


def test_unreachable_and_dead_end_nodes():
    d = doc([("x", "Input", {"shape": [4]}), ("r", "ReLU", {}), ("lost", "Tanh", {}), ("z", "Input", {"shape": [2]}),
             ("t", "Tanh", {}), ("y", "Output", {})],
            [("x", "r"), ("r", "y"), ("x", "t"), ("z", "lost")])
    errs = {(e.node, e.code) for e in check(d).errors}
    assert ("t", "graph.dead_end") in errs and ("lost", "graph.dead_end") in errs


def test_missing_input_is_reported_once_not_also_as_unreachable():
    d = doc([("x", "Input", {"shape": [4]}), ("r", "ReLU", {}), ("y", "Output", {})], [("x", "y")])
    assert [(e.node, e.code) for e in check(d).errors] == [("r", "graph.missing_input")]


def test_all_independent_errors_at_once():
    d = chain(("Linear", {"out_features": -3}), ("Conv2d", {"out_channels": 4, "kernel_size": 3}),
              ("Dropout", {"p": 1.5}), input_shape=(8,))
    d["nodes"].append({"id": "orphan", "type": "Sigmoid", "params": {}})
    found = codes(d)
    assert found.count("param.range") == 2 and "graph.missing_input" in found


def test_shape_error_messages_read_like_the_spec():
    d = chain(("Linear", {"out_features": 400}), ("Conv2d", {"out_channels": 6, "kernel_size": 5}), input_shape=(8,))
    d["nodes"][2]["id"] = "c2"
    d["edges"] = [{"source": "x", "target": "n0"}, {"source": "n0", "target": "c2"}, {"source": "c2", "target": "y"}]
    assert messages(d) == ["node c2: Conv2d expects input (C, H, W); received (400,)"]
    add = doc([("x", "Input", {"shape": [64]}), ("s", "Linear", {"out_features": 32}), ("add1", "Add", {}), ("y", "Output", {})],
              [("x", "add1"), ("x", "s"), ("s", "add1", 1), ("add1", "y")])
    assert messages(add) == ["node add1: Add needs inputs of one shape; received (64,) on port 0 and (32,) on port 1"]


def test_messages_come_in_chinese_too():
    d = chain(("Linear", {"out_features": True}), input_shape=(4,))
    (err,) = check(d).errors
    assert err.message("zh").startswith("节点 n0") and "整数" in err.message("zh")


@pytest.mark.parametrize("value,code", [
    (True, "param.type"), (3.5, "param.type"), ("12", "param.type"), (None, "param.type"),
    (0, "param.range"), (10**30, "param.range"), (65_537, "param.range"), ([4], "param.type"),
])
def test_bad_int_params(value, code):
    assert codes(chain(("Linear", {"out_features": value}))) == [code]


def test_non_finite_numbers_are_named():
    text = json.dumps(chain(("Dropout", {"p": 0.5}))).replace("0.5", "NaN")
    (err,) = check(read_document(text)).errors
    assert err.code == "param.not_finite" and err.node == "n0"
    text = json.dumps(chain(("LeakyReLU", {"negative_slope": 0.5}))).replace("0.5", "1e999")
    assert codes(read_document(text)) == ["param.not_finite"]


def test_unknown_and_missing_params():
    assert codes(chain(("Linear", {"out_features": 3, "in_features": 4}))) == ["param.unknown"]
    assert codes(chain(("Linear", {}))) == ["param.required"]
    assert codes(chain(("Nope", {}))) == ["graph.unknown_type"]


def test_kernel_larger_than_padded_input():
    d = chain(("Conv2d", {"out_channels": 2, "kernel_size": 7, "padding": 1}), input_shape=(1, 4, 4))
    (err,) = check(d).errors
    assert err.code == "shape.kernel" and "(1, 4, 4)" in err.message()


def test_parameter_budget():
    layers = [("Linear", {"out_features": 65_536})] * 2
    assert "model.too_large" in codes(chain(*layers, input_shape=(65_536,)))


def test_token_ids_must_go_through_an_embedding():
    assert codes(chain(("Linear", {"out_features": 3}), input_shape=(5,), dtype="int64")) == ["shape.dtype_float"]
    assert codes(chain(("Embedding", {"num_embeddings": 9, "embedding_dim": 3}), input_shape=(5,))) == ["shape.dtype_int"]
    assert check(chain(("Embedding", {"num_embeddings": 9, "embedding_dim": 3}), input_shape=(5,), dtype="int64")).ok


def test_hostile_ids_are_refused_not_run():
    for bad in ["x; import os", "a b", "", "x" * 65, "__import__('os')", "é", 7, None]:
        d = chain(("ReLU", {}))
        d["nodes"][1]["id"] = bad
        d["edges"][0]["target"] = bad if isinstance(bad, str) else "n0"
        found = codes(d)
        assert "graph.bad_id" in found, bad


def test_layout_keys_never_change_the_model():
    a = chain(("Linear", {"out_features": 3}))
    b = json.loads(json.dumps(a))
    b["nodes"][1]["pos"] = [10, 20]
    b["nodes"][1]["ui_color"] = "red"
    b["ui_zoom"] = 2
    from builder.codegen import generate
    assert check(b).ok and generate(a).source == generate(b).source


def test_bad_pos_and_unknown_keys_are_errors():
    d = chain(("ReLU", {}))
    d["nodes"][1]["pos"] = [float("nan"), 1]
    d["nodes"][1]["evil"] = 1
    d["mystery"] = 2
    assert codes(d) == ["graph.bad_field", "graph.unknown_key", "graph.unknown_key"]


def test_duplicate_io_names():
    d = doc([("a", "Input", {"shape": [2], "name": "x"}), ("b", "Input", {"shape": [2], "name": "x"}),
             ("s", "Add", {}), ("y", "Output", {})], [("a", "s"), ("b", "s", 1), ("s", "y")])
    assert codes(d) == ["graph.duplicate_name"]


# -- the file itself ----------------------------------------------------------------------
@pytest.mark.parametrize("text,code", [
    ("{not json", "format.not_json"),
    ("[1, 2]", "format.not_object"),
    ('{"format": "keras", "version": 1}', "format.unknown_format"),
    ('{"format": "netcanvas.graph", "version": 3}', "format.unknown_version"),
    ('{"format": "netcanvas.graph", "version": true}', "format.unknown_version"),
    ("[" * 100_000 + "]" * 100_000, "format.too_deep"),
])
def test_unreadable_files_raise_format_errors(text, code):
    with pytest.raises(FormatError) as info:
        read_document(text)
    assert info.value.error.code == code
    assert "{" not in info.value.message().replace('{"', "").replace("{not", "")


def test_huge_files_are_refused_before_parsing():
    with pytest.raises(FormatError) as info:
        read_document(b" " * (MAX_BYTES + 1))
    assert info.value.error.code == "format.too_large"


def test_structure_errors_do_not_raise():
    for bad in [{"nodes": "x"}, {"nodes": [1, "a", None]}, {"nodes": [], "edges": [{"source": 1}]},
                {"nodes": [{"id": "a", "type": "Input", "params": []}]}, {"meta": {"mode": "chaos"}}]:
        d = {"format": "netcanvas.graph", "version": 1, **bad}
        assert not check(d).ok


_json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                            lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                            | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=30)


def _mutables(value) -> list:
    """Every dict and list inside ``value``, itself included."""
    found = [value] if isinstance(value, (dict, list)) else []
    for inner in (value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()):
        found += _mutables(inner)
    return found


@given(_json_values)
def test_a_documents_copy_is_equal_and_shares_nothing_mutable_with_it(value):
    before = copy.deepcopy(value)
    copied = copy_document(value)
    assert copied == value and type(copied) is type(value)
    assert not {id(x) for x in _mutables(copied)} & {id(x) for x in _mutables(value)}
    for inner in _mutables(copied):             # changing the copy leaves the original as it was
        inner.clear()
    assert value == before


def test_a_copy_of_a_template_is_what_deepcopy_gives():
    d = templates.get("resnet18").document()
    assert copy_document(d) == copy.deepcopy(d) == d


@st.composite
def _any_structure(draw):
    """A small graph of any structure (cycles, dead ends, unreachable nodes, missing inputs included)."""
    count = draw(st.integers(1, 7))
    types = ["Input"] + [draw(st.sampled_from(["Linear", "ReLU", "Add", "Output", "Input"])) for _ in range(count - 1)]
    params = {"Input": {"shape": [4]}, "Linear": {"out_features": 4}}
    wires = draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1), st.integers(0, 1)),
                          max_size=10, unique=True))
    return doc([(f"v{i}", t, dict(params.get(t, {}))) for i, t in enumerate(types)],
               [(f"v{a}", f"v{b}", port) for a, b, port in wires])


def _verdict(result):
    return ([(e.code, e.args, e.node, e.edge) for e in result.errors], result.order, result.shapes, result.total_params)


def _edited(d, change: str, at: int, width: int) -> dict:
    """``d`` after one small edit: a param (the structure stays), an edge's port, an edge gone, a type."""
    d = copy.deepcopy(d)
    if change == "param":
        for n in d["nodes"]:
            if n["type"] == "Linear":
                n["params"]["out_features"] = width
    elif change == "port" and d["edges"]:
        e = d["edges"][at % len(d["edges"])]
        e["port"] = 1 - e.get("port", 0)
    elif change == "unwire" and d["edges"]:
        del d["edges"][at % len(d["edges"])]
    elif change == "type":
        n = d["nodes"][at % len(d["nodes"])]
        n["type"], n["params"] = ("ReLU", {}) if n["type"] != "ReLU" else ("Output", {})
    return d


@given(_any_structure(), st.sampled_from(["param", "port", "unwire", "type"]), st.integers(0, 20), st.integers(1, 9))
def test_a_check_after_another_gives_the_verdict_of_a_check_from_scratch(d, change, at, width):
    shapes._STRUCTURES.clear()
    check(d)
    edited = _edited(d, change, at, width)
    worked_out = []
    with pytest.MonkeyPatch.context() as m:
        m.setattr(shapes, "_structure_of", lambda *a: worked_out.append(1) or _structure_of(*a))
        after = check(edited)
    if change == "param":
        assert not worked_out                   # the structure checked just before was reused
    shapes._STRUCTURES.clear()
    assert _verdict(after) == _verdict(check(edited))
