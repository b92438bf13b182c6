"""builder.block_edit: grouping inside a block's definition, editing a block's param declarations, and
collapsing an instance expanded in place (pure functions on documents)."""
from __future__ import annotations

import copy

import pytest
import torch

from builder import block_edit as be
from builder import templates
from builder.codegen import build_model, generate
from builder.shapes import check
from tests.blockgraphs import block, graph, int_param, use

WIDTH = {"kind": "int", "default": 8, "lo": 1, "hi": 512}


def unit_graph() -> dict:
    """Block Unit(width): Linear(width) -> ReLU -> Linear(width) -> ReLU -> Linear(4); used twice, with
    width 16 and the default 8."""
    unit = block("Unit", [("Linear", {"out_features": {"$param": "width"}}), ("ReLU", {}),
                          ("Linear", {"out_features": {"$param": "width"}}), ("ReLU", {}),
                          ("Linear", {"out_features": 4})],
                 params={"width": dict(WIDTH), "unused": int_param(default=3)}, ids=["a", "r", "b", "s", "c"])
    return graph([unit], [use("Unit", width=16), use("Unit")], input_shape=(6,), ids=["u1", "u2"])


def ok(doc):
    result = check(doc)
    assert result.ok, [e.message() for e in result.errors]
    return result


def same_model(before: dict, after: dict) -> None:
    """Same shapes, parameter count and outputs: the weights of ``before`` loaded by position into
    ``after`` give the same outputs on the same batch."""
    r0, r1 = ok(before), ok(after)
    assert r1.total_params == r0.total_params
    assert {k: r1.shapes[k] for k in r0.shapes} == r0.shapes
    torch.manual_seed(0)
    m0, m1 = build_model(before).eval(), build_model(after).eval()
    s0, s1 = m0.state_dict(), m1.state_dict()
    assert [tuple(v.shape) for v in s0.values()] == [tuple(v.shape) for v in s1.values()]
    m1.load_state_dict(dict(zip(s1.keys(), s0.values())))
    x = torch.randn(5, *ok(before).shapes["x"])
    torch.testing.assert_close(m1(x), m0(x))


# -- grouping inside a definition ---------------------------------------------------------------------
def test_grouping_inside_a_block_makes_a_nested_block_that_takes_the_params_it_uses():
    doc = unit_graph()
    out = be.group_inside(doc, "Unit", ["a", "r", "b"], "Pair")
    assert doc == unit_graph(), "the document given is never changed"
    pair = be.definition(out, "Pair")
    assert pair["params"] == {"width": WIDTH}, "only the outer params its nodes take, declared as the outer one does"
    unit = be.definition(out, "Unit")
    assert [n["type"] for n in unit["nodes"]] == ["Input", "Block", "ReLU", "Linear", "Output"]
    inst = unit["nodes"][1]
    assert inst["params"] == {"block": "Pair", "args": {"width": {"$param": "width"}}}
    # every instance of Unit follows: both have Pair inside, with their own width
    result = ok(out)
    assert result.inner(["u1", inst["id"]]).shapes["b"] == (16,)
    assert result.inner(["u2", inst["id"]]).shapes["b"] == (8,)
    same_model(doc, out)
    source = generate(out).source
    assert "class Pair(nn.Module)" in source and "class Unit(nn.Module)" in source
    assert source.index("class Pair(") < source.index("class Unit(")


def test_grouping_inside_without_params_declares_none_and_the_state_dict_nests_one_level():
    doc = unit_graph()
    out = be.group_inside(doc, "Unit", ["s", "c"], "Head")
    assert "params" not in be.definition(out, "Head")
    inst = next(n for n in be.definition(out, "Unit")["nodes"] if n["type"] == "Block")
    assert "args" not in inst["params"]
    same_model(doc, out)
    keys = list(build_model(out).state_dict())
    assert f"u1.{inst['id']}.c.weight" in keys and "u1.c.weight" not in keys


def test_grouping_inside_the_resnet_block_keeps_the_model():
    doc = templates.load("resnet18_cifar")
    out = be.group_inside(doc, "DownBasicBlock", ["conv1", "bn1", "relu"], "ConvBnRelu")
    assert be.definition(out, "ConvBnRelu")["params"] == {"planes": be.definition(doc, "DownBasicBlock")["params"]["planes"],
                                                          "stride": be.definition(doc, "DownBasicBlock")["params"]["stride"]}
    before, after = ok(doc), ok(out)
    assert after.total_params == before.total_params == 11_173_962
    assert after.shapes == before.shapes
    keys = generate(out).source
    assert "class ConvBnRelu(nn.Module)" in keys


@pytest.mark.parametrize("ids, code", [(["x"], "blockedit.io_node"), (["nope"], "blockedit.unknown_node"),
                                       ([], "blockedit.empty")])
def test_grouping_inside_refuses_with_a_message(ids, code):
    with pytest.raises(be.BlockEditError) as err:
        be.group_inside(unit_graph(), "Unit", ids, "Pair")
    assert err.value.code == code
    with pytest.raises(be.BlockEditError, match="there is already a block named Unit"):
        be.group_inside(unit_graph(), "Unit", ["a"], "Unit")
    with pytest.raises(be.BlockEditError, match="there is no block named Nope"):
        be.group_inside(unit_graph(), "Nope", ["a"], "Pair")


# -- param declarations -------------------------------------------------------------------------------
def test_add_a_param_and_use_it():
    doc = be.add_param(unit_graph(), "Unit", "out", {"kind": "int", "default": 4, "lo": 1, "hi": 64})
    assert list(be.definition(doc, "Unit")["params"]) == ["width", "unused", "out"]
    body = be.definition(doc, "Unit")
    body["nodes"][5]["params"]["out_features"] = {"$param": "out"}
    doc = be.set_args(doc, "u2", {"out": 7})
    assert ok(doc).shapes["u2"] == (7,)
    assert ok(doc).shapes["u1"] == (4,), "the default where an instance gives none"


@pytest.mark.parametrize("name, decl, message", [
    ("width", {"kind": "int", "default": 1}, "block Unit already has a param named width"),
    ("2x", {"kind": "int", "default": 1}, "invalid block param name 2x"),
    ("k", {"kind": "int", "default": 9, "lo": 1, "hi": 4}, "k must be in [1, 4]; received 9"),
    ("k", {"kind": "int", "default": 2, "lo": 5, "hi": 4}, "param k: the lowest value 5 is above the highest 4"),
    ("k", {"kind": "choice", "default": "c", "choices": ["a", "b"]}, "k must be one of a, b; received 'c'"),
    ("k", {"kind": "text", "default": "a"}, 'param k: "kind" has an invalid value'),
])
def test_a_bad_declaration_is_refused_with_a_message(name, decl, message):
    with pytest.raises(be.BlockEditError) as err:
        be.add_param(unit_graph(), "Unit", name, decl)
    assert message in err.value.message("en")
    assert err.value.message("zh") != err.value.message("en")


def test_rename_a_param_follows_its_uses_and_every_instances_args():
    doc = unit_graph()
    out = be.rename_param(doc, "Unit", "width", "hidden")
    unit = be.definition(out, "Unit")
    assert list(unit["params"]) == ["hidden", "unused"], "the declaration keeps its place"
    assert unit["nodes"][1]["params"] == {"out_features": {"$param": "hidden"}}
    assert next(n for n in out["nodes"] if n["id"] == "u1")["params"]["args"] == {"hidden": 16}
    same_model(doc, out)
    assert "hidden=16" in generate(out).source
    with pytest.raises(be.BlockEditError, match="already has a param named unused"):
        be.rename_param(doc, "Unit", "width", "unused")


def test_rename_a_param_passed_on_to_a_nested_block():
    doc = templates.load("resnet18_cifar")
    out = be.rename_param(doc, "DownBasicBlock", "stride", "step")
    inner = next(n for n in be.definition(out, "DownBasicBlock")["nodes"] if n["id"] == "downsample")
    assert inner["params"]["args"] == {"planes": {"$param": "planes"}, "stride": {"$param": "step"}}
    stage = next(n for n in be.definition(out, "DownStage")["nodes"] if n["id"] == "0")
    assert stage["params"]["args"] == {"planes": {"$param": "planes"}, "step": {"$param": "stride"}}
    assert ok(out).shapes == ok(doc).shapes


def test_change_a_default_and_range():
    doc = be.set_param(unit_graph(), "Unit", "width", {"kind": "int", "default": 32, "lo": 2, "hi": 64})
    assert be.definition(doc, "Unit")["params"]["width"] == {"kind": "int", "default": 32, "lo": 2, "hi": 64}
    result = ok(doc)
    assert result.inner(["u2"]).shapes["a"] == (32,) and result.inner(["u1"]).shapes["a"] == (16,)
    bad = be.set_param(doc, "Unit", "width", {"kind": "int", "default": 4, "lo": 1, "hi": 8})
    codes = {(e.node, e.code) for e in check(bad).errors}
    assert ("u1", "param.range") in codes, "an instance's value out of the new range is an error on it"


def test_delete_an_unused_param_and_refuse_a_used_one_naming_where():
    doc = be.set_args(unit_graph(), "u2", {"unused": 5})
    out = be.delete_param(doc, "Unit", "unused")
    assert list(be.definition(out, "Unit")["params"]) == ["width"]
    assert "args" not in next(n for n in out["nodes"] if n["id"] == "u2")["params"]
    assert ok(out).total_params == ok(doc).total_params
    with pytest.raises(be.BlockEditError) as err:
        be.delete_param(doc, "Unit", "width")
    assert err.value.message("en") == "param width of block Unit is used by a, b: give those a value of their own first"
    assert "a, b" in err.value.message("zh")
    with pytest.raises(be.BlockEditError, match="block Unit has no param named nope"):
        be.delete_param(doc, "Unit", "nope")


def test_deleting_the_last_param_removes_the_declarations():
    doc = be.delete_param(be.set_param(unit_graph(), "Unit", "width", dict(WIDTH)), "Unit", "unused")
    body = be.definition(doc, "Unit")
    for n in body["nodes"]:
        if n["params"].get("out_features") == {"$param": "width"}:
            n["params"]["out_features"] = 8
    doc = be.set_args(be.set_args(doc, "u1", {}), "u2", {})
    out = be.delete_param(doc, "Unit", "width")
    assert "params" not in be.definition(out, "Unit")
    ok(out)


@pytest.mark.parametrize("kind, field, text, value", [
    ("int", "default", " 12 ", 12), ("float", "hi", "0.5", 0.5), ("bool", "default", "True", True),
    ("choice", "choices", "same, 2, 0.5", ["same", 2, 0.5]), ("choice", "default", "same", "same"),
    ("int", "lo", "", None)])
def test_typed_values(kind, field, text, value):
    assert be.param_value(kind, field, text) == value


def test_a_typed_value_of_the_wrong_kind_is_a_message():
    with pytest.raises(be.BlockEditError) as err:
        be.param_value("int", "default", "1.5", "planes")
    assert err.value.message("en") == "param planes: default must be an integer; received 1.5"


# -- collapsed, expanded in place ----------------------------------------------------------------------
def test_expand_in_place_and_collapse_keep_the_same_instance_and_model():
    doc = unit_graph()
    for k, n in enumerate(doc["nodes"]):
        n["pos"] = [k * 250, 0]
    opened = be.set_collapsed(doc, "u1", False, shift=300)
    u1 = next(n for n in opened["nodes"] if n["id"] == "u1")
    assert u1["uiCollapsed"] is False and not be.collapsed(u1)
    assert [n["pos"][0] for n in opened["nodes"]] == [0, 250, 800, 1050], "what is right of it moves right"
    assert generate(opened).source == generate(doc).source
    shut = be.set_collapsed(opened, "u1", True, shift=-300)
    assert shut == doc, "collapsed again: the document as it was"
    with pytest.raises(be.BlockEditError, match="x is not a block instance"):
        be.set_collapsed(doc, "x", False)


def test_group_inside_keeps_copies_apart():
    doc = unit_graph()
    snapshot = copy.deepcopy(doc)
    out = be.group_inside(doc, "Unit", ["a"], "One")
    be.definition(out, "One")["nodes"][1]["params"]["out_features"] = 99
    assert doc == snapshot
