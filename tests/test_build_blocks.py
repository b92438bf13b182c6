"""ui/build_blocks: the My blocks palette entries and what a collapsed instance shows (no browser)."""
from __future__ import annotations

from builder import block_edit, templates
from builder.shapes import check
from ui import build_blocks, build_view


def chain() -> dict:
    layers = [("x", "Input", {"shape": [3, 16, 16]}),
              ("c1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}), ("r1", "ReLU", {}),
              ("c2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}), ("y", "Output", {})]
    return {"format": "netcanvas.graph", "version": 1, "name": "chain",
            "nodes": [{"id": i, "type": t, "params": p} for i, t, p in layers],
            "edges": [{"source": a[0], "target": b[0]} for a, b in zip(layers, layers[1:])]}


def test_palette_has_one_entry_per_block_in_my_blocks():
    doc = templates.load("resnet18")
    entries = build_blocks.palette_entries(doc, "en")
    assert [e["block"] for e in entries] == [b["name"] for b in doc["blocks"]]
    basic = next(e for e in entries if e["block"] == "BasicBlock")
    assert basic["type"] == "block:BasicBlock" and basic["node_type"] == "Block"
    assert basic["defaults"] == {"block": "BasicBlock"}
    assert basic["inputs"]["min"] == basic["inputs"]["max"] == 1 and basic["outputs"] == 1
    assert basic["category_label"] == "My blocks" and basic["help"] == "1 in · 1 out · 7 layers"
    assert build_blocks.palette_entries(doc, "zh")[0]["category_label"] == "我的模块"
    # while BasicBlock is edited: neither it nor the blocks that contain it (no block inside itself)
    editing = {e["block"] for e in build_blocks.palette_entries(doc, "en", exclude="BasicBlock")}
    assert editing == {"Downsample", "DownBasicBlock"}     # Stage and DownStage contain BasicBlock


def test_body_palette_adds_inputs_without_a_shape():
    layers = build_view.palette("en")
    body = build_blocks.body_palette(layers)
    entry = next(e for e in body if e["type"] == "Input")
    assert entry["defaults"] == {} and entry["key_params"] == []
    assert next(e for e in layers if e["type"] == "Input")["defaults"], "the graph's own palette is unchanged"


def test_annotations_of_an_instance_show_its_shapes_in_and_out():
    doc = templates.load("resnet18")
    result = check(doc)
    ann = build_blocks.annotate(build_view.annotations(result, "en"), result, "en")
    assert ann["nodes"]["layer2"]["block"] == {"in": ["(64, 56, 56)"], "out": ["(128, 28, 28)"]}
    assert ann["nodes"]["layer2"]["params"] == result.counts["layer2"] > 0


def test_an_error_inside_marks_the_instance_with_its_path():
    doc = block_edit.group(chain(), ["c1", "r1"], "ConvRelu")
    for n in block_edit.definition(doc, "ConvRelu")["nodes"]:
        if n["id"] == "c1":
            n["params"]["kernel_size"] = 40
    result = check(doc)
    ann = build_blocks.annotate(build_view.annotations(result, "en"), result, "en")
    assert ann["nodes"]["convrelu"]["error"].startswith("c1: ")


def test_body_annotations_are_the_first_instances_inside():
    doc = templates.load("resnet18")
    result = check(doc)
    ann = build_blocks.body_annotations(result, "DownBasicBlock", "en", build_view.annotations)
    assert ann["nodes"]["conv1"]["shape"] == "(128, 28, 28)"
    assert ann["nodes"]["downsample"]["block"]["out"] == ["(128, 28, 28)"]


def test_two_outputs_edge_shapes_come_from_their_output():
    doc = {"format": "netcanvas.graph", "version": 1, "name": "two", "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [16]}},
        {"id": "a", "type": "Linear", "params": {"out_features": 8}},
        {"id": "b", "type": "Linear", "params": {"out_features": 4}},
        {"id": "cat", "type": "Concat", "params": {"dim": -1}},
        {"id": "y", "type": "Output", "params": {}}],
        "edges": [{"source": "x", "target": "a"}, {"source": "a", "target": "b"},
                  {"source": "b", "target": "cat"}, {"source": "a", "target": "cat", "port": 1},
                  {"source": "cat", "target": "y"}]}
    grouped = block_edit.group(doc, ["a", "b"], "Two")
    result = check(grouped)
    assert result.ok, [e.message() for e in result.errors]
    ann = build_blocks.annotate(build_view.annotations(result, "en"), result, "en")
    assert ann["nodes"]["two"]["block"]["out"] == ["(4,)", "(8,)"]
    assert ann["edges"]["two->cat:0"]["shape"] == "(4,)"
    assert ann["edges"]["two->cat:1"]["shape"] == "(8,)"


def test_an_instance_expanded_in_place_carries_its_inside_with_this_instances_shapes():
    doc = block_edit.set_collapsed(templates.load("resnet18"), "layer3", False)
    result = check(doc)
    ann = build_blocks.annotate(build_view.annotations(result, "en"), result, "en")
    assert "inside" not in ann["nodes"]["layer2"], "a collapsed instance is one card"
    inside = ann["nodes"]["layer3"]["inside"]
    assert [(n["id"], n["title"], n["shape"], n["block"]) for n in inside["nodes"]] == [
        ("0", "DownBasicBlock", "(256, 14, 14)", True), ("1", "BasicBlock", "(256, 14, 14)", True)]
    assert inside["edges"] == [["0", "1"]]
    first, second = inside["nodes"]
    assert second["x"] >= first["x"] + inside["card_w"], "the second card stands right of the first"
    assert inside["w"] >= second["x"] + inside["card_w"] and inside["h"] >= first["y"] + inside["card_h"]
    assert build_blocks.inside_size(block_edit.definition(doc, "DownStage")) == (inside["w"], inside["h"])


def test_an_error_inside_an_expanded_instance_marks_its_card():
    doc = block_edit.set_collapsed(templates.load("resnet18"), "layer1", False)
    for n in block_edit.definition(doc, "BasicBlock")["nodes"]:
        if n["id"] == "conv1":
            n["params"]["kernel_size"] = 200         # larger than the 56x56 image
    result = check(doc)
    ann = build_blocks.annotate(build_view.annotations(result, "en"), result, "en")
    cards = {n["id"]: n["error"] for n in ann["nodes"]["layer1"]["inside"]["nodes"]}
    assert cards == {"0": True, "1": False}, "the first has the error; what follows it gets no shape to check"
