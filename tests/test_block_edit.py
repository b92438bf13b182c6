"""builder.block_edit: group, expand, rename, add an instance, replace a definition (pure functions)."""
from __future__ import annotations

import copy

import pytest

from builder import block_edit as be
from builder import templates
from builder.graph import parse
from builder.shapes import check


def chain() -> dict:
    """x -> c1 -> r1 -> c2 -> r2 -> flat -> fc -> y, with positions."""
    ids = [("x", "Input", {"shape": [3, 16, 16]}), ("c1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
           ("r1", "ReLU", {}), ("c2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
           ("r2", "ReLU", {}), ("flat", "Flatten", {}), ("fc", "Linear", {"out_features": 10}), ("y", "Output", {})]
    nodes = [{"id": i, "type": t, "params": p, "pos": [k * 250, 0]} for k, (i, t, p) in enumerate(ids)]
    edges = [{"source": a[0], "target": b[0]} for a, b in zip(ids, ids[1:])]
    return {"format": "netcanvas.graph", "version": 1, "name": "chain", "nodes": nodes, "edges": edges}


def residual() -> dict:
    """x -> c1 -> c2 -> add(c2, c1) -> y: c1 feeds two nodes of the selection {c2, add}."""
    return {"format": "netcanvas.graph", "version": 1, "name": "res", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [4, 8, 8]}, "pos": [0, 0]},
        {"id": "c1", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3, "padding": 1}, "pos": [250, 0]},
        {"id": "c2", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3, "padding": 1}, "pos": [500, 0]},
        {"id": "add", "type": "Add", "params": {}, "pos": [750, 0]},
        {"id": "y", "type": "Output", "params": {}, "pos": [1000, 0]}],
        "edges": [{"source": "x", "target": "c1"}, {"source": "c1", "target": "c2"},
                  {"source": "c2", "target": "add"}, {"source": "c1", "target": "add", "port": 1},
                  {"source": "add", "target": "y"}]}


def ok(doc):
    result = check(doc)
    assert result.ok, [e.message() for e in result.errors]
    return result


def test_group_makes_a_definition_and_one_instance_with_the_same_model():
    doc = chain()
    before = ok(doc)
    grouped = be.group(doc, ["c1", "r1", "c2", "r2"], "Features")
    assert doc == chain(), "the document given is never changed"
    assert grouped["version"] == 2
    ids = [n["id"] for n in grouped["nodes"]]
    assert ids == ["x", "features", "flat", "fc", "y"], "the instance takes the place of the first grouped node"
    inst = grouped["nodes"][1]
    assert inst["type"] == "Block" and inst["params"] == {"block": "Features"}
    (block,) = grouped["blocks"]
    assert block["name"] == "Features"
    assert [n["type"] for n in block["nodes"]] == ["Input", "Conv2d", "ReLU", "Conv2d", "ReLU", "Output"]
    assert {"source": "x", "target": "features"} in grouped["edges"]
    assert {"source": "features", "target": "flat"} in grouped["edges"]
    after = ok(grouped)
    assert after.total_params == before.total_params
    assert after.shapes["features"] == before.shapes["r2"]
    assert not parse(grouped)[1]


def test_group_residual_one_input_per_outside_value():
    doc = residual()
    grouped = be.group(doc, ["c2", "add"], "Res")
    block = be.definition(grouped, "Res")
    inputs = [n for n in block["nodes"] if n["type"] == "Input"]
    assert len(inputs) == 1, "c1 feeds two nodes inside: one block input"
    assert sum(1 for e in block["edges"] if e["source"] == inputs[0]["id"]) == 2
    assert ok(grouped).total_params == ok(doc).total_params


def test_group_two_outputs_use_source_ports():
    doc = residual()
    # c1 alone feeds c2 and add; c2 alone... group {c1, c2}: both c1 and c2 are used outside (by add)
    grouped = be.group(doc, ["c1", "c2"], "Two")
    block = be.definition(grouped, "Two")
    assert [n["type"] for n in block["nodes"]].count("Output") == 2
    outs = [e for e in grouped["edges"] if e["source"] == "two"]
    assert sorted((e["target"], e.get("port", 0), e.get("source_port", 0)) for e in outs) == [("add", 0, 0), ("add", 1, 1)]
    assert ok(grouped).total_params == ok(doc).total_params


@pytest.mark.parametrize("ids, name, code", [
    ([], "B", "blockedit.empty"),
    (["x", "c1"], "B", "blockedit.io_node"),
    (["c1", "nope"], "B", "blockedit.unknown_node"),
    (["c1"], "1bad", "blockedit.bad_name"),
    (["c1"], "has space", "blockedit.bad_name"),
    (["c1", "c2"], "B", "blockedit.cycle"),       # c1 -> r1 -> c2: r1 would be outside, fed by and feeding the block
])
def test_group_refuses_with_a_message(ids, name, code):
    with pytest.raises(be.BlockEditError) as info:
        be.group(chain(), ids, name)
    assert info.value.code == code
    for lang in ("en", "zh"):
        text = info.value.message(lang)
        assert text and "blockedit." not in text


def test_group_refuses_a_taken_name():
    grouped = be.group(chain(), ["c1"], "Conv")
    with pytest.raises(be.BlockEditError) as info:
        be.group(grouped, ["c2"], "Conv")
    assert info.value.code == "blockedit.name_taken"


def test_expand_inverts_group():
    doc = chain()
    grouped = be.group(doc, ["c1", "r1", "c2", "r2"], "Features")
    expanded = be.expand(grouped, "features")
    types = sorted(n["type"] for n in expanded["nodes"])
    assert types == sorted(n["type"] for n in doc["nodes"])
    result = ok(expanded)
    assert result.total_params == ok(doc).total_params
    assert be.definition(expanded, "Features") is not None, "the definition stays (My blocks)"
    ids = {n["id"] for n in expanded["nodes"]}
    assert len(ids) == len(expanded["nodes"])
    # laid out left to right where the instance was; the nodes after it moved right
    pos = {n["id"]: n["pos"] for n in expanded["nodes"]}
    inner = [i for i in ids if i.startswith("features_")]
    assert len(inner) == 4
    assert max(pos[i][0] for i in inner) < pos["flat"][0]


def test_expand_puts_args_in_and_keeps_nested_instances():
    doc = templates.load("resnet18") if hasattr(templates, "load") else None
    doc = copy.deepcopy(doc)
    before = ok(doc)
    expanded = be.expand(doc, "layer2")
    after = ok(expanded)
    assert after.total_params == before.total_params
    inner = [n for n in expanded["nodes"] if n["id"].startswith("layer2_")]
    assert [n["type"] for n in inner] == ["Block", "Block"]
    assert inner[0]["params"]["args"]["planes"] == 128, "the instance's args replace {$param: planes}"
    assert len(expanded["nodes"]) == len(doc["nodes"]) + 1
    again = be.expand(expanded, inner[0]["id"])
    assert ok(again).total_params == before.total_params


def test_expand_refuses_what_is_not_an_instance():
    with pytest.raises(be.BlockEditError) as info:
        be.expand(chain(), "c1")
    assert info.value.code == "blockedit.not_instance"


def test_rename_updates_every_instance_and_nested_use():
    doc = templates.load("resnet18")
    renamed = be.rename_block(doc, "BasicBlock", "Basic")
    assert be.definition(renamed, "BasicBlock") is None and be.definition(renamed, "Basic") is not None
    stage = be.definition(renamed, "Stage")
    assert {n["params"]["block"] for n in stage["nodes"] if n["type"] == "Block"} == {"Basic"}
    assert ok(renamed).total_params == ok(doc).total_params
    with pytest.raises(be.BlockEditError):
        be.rename_block(doc, "BasicBlock", "Stage")
    with pytest.raises(be.BlockEditError):
        be.rename_block(doc, "BasicBlock", "no good")
    assert be.rename_block(doc, "BasicBlock", "BasicBlock") == doc


def test_add_instance_and_replace_definition_update_every_instance():
    doc = be.group(chain(), ["c1", "r1"], "ConvRelu")
    doc, second = be.add_instance(doc, "ConvRelu", pos=(100, 300))
    assert second == "convrelu_2"
    assert be.instance_ids(doc, "ConvRelu") == ["convrelu", "convrelu_2"]
    body = be.body_document(doc, "ConvRelu")
    for n in body["nodes"]:
        if n["type"] == "Conv2d":
            n["params"]["out_channels"] = 16
    doc2 = be.replace_definition(doc, "ConvRelu", body)
    conv = next(n for n in be.definition(doc2, "ConvRelu")["nodes"] if n["type"] == "Conv2d")
    assert conv["params"]["out_channels"] == 16
    result = check(doc2)
    assert result.shapes["convrelu"] == (16, 16, 16)
    body["nodes"].append({"id": "me", "type": "Block", "params": {"block": "ConvRelu"}})
    with pytest.raises(be.BlockEditError) as info:
        be.replace_definition(doc, "ConvRelu", body)
    assert info.value.code == "blockedit.self_instance"


def test_templates_group_and_expand_round_trip():
    for key in ("resnet_small", "vgg_blocks"):
        doc = templates.load(key)
        base = ok(doc)
        for inst in [n["id"] for n in doc["nodes"] if n["type"] == "Block"]:
            assert ok(be.expand(doc, inst)).total_params == base.total_params


def test_expand_without_positions_leaves_the_layout_to_the_canvas():
    doc = templates.load("resnet18")           # no positions: the canvas lays it out
    expanded = be.expand(doc, "layer3")
    assert all("pos" not in n for n in expanded["nodes"])


def test_an_unused_block_is_deleted_and_a_used_one_is_refused_with_a_message():
    from builder.block_edit import BlockEditError, delete_block, unused
    from builder.shapes import check
    doc = templates.load("resnet18")
    assert unused(doc) == []
    with pytest.raises(BlockEditError) as refused:
        delete_block(doc, "BasicBlock")
    assert "BasicBlock" in refused.value.message("en") and "instance" in refused.value.message("en")
    assert "模块" in refused.value.message("zh")
    # the graph's own instances of DownStage deleted (with their edges): DownStage is unused, and only then
    # are DownBasicBlock and Downsample (used inside it) unused too
    stages = [n["id"] for n in doc["nodes"] if n.get("params", {}).get("block") == "DownStage"]
    doc = dict(doc, nodes=[n for n in doc["nodes"] if n["id"] not in stages],
               edges=[e for e in doc["edges"] if e["source"] not in stages and e["target"] not in stages])
    assert unused(doc) == ["DownStage"]
    doc = delete_block(doc, "DownStage")
    assert sorted(unused(doc)) == ["DownBasicBlock"]
    doc = delete_block(delete_block(doc, "DownBasicBlock"), "Downsample")
    assert {b["name"] for b in doc["blocks"]} == {"BasicBlock", "Stage"}
    assert not [e for e in check(doc).errors if e.code.startswith("block.")]


def test_deleting_the_last_block_makes_a_version_1_document_again():
    from builder.block_edit import delete_block, group
    doc = group(templates.load("mlp"), ["fc1", "relu1"], "Hidden")
    instance = next(n["id"] for n in doc["nodes"] if n["type"] == "Block")
    doc = dict(doc, nodes=[n for n in doc["nodes"] if n["id"] != instance],
               edges=[e for e in doc["edges"] if instance not in (e["source"], e["target"])])
    assert doc["version"] == 2
    out = delete_block(doc, "Hidden")
    assert out["version"] == 1 and "blocks" not in out
