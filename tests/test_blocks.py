"""Blocks (graph format version 2): reading and writing, structural errors as messages, errors on
the instance with a path down to the node, and shapes inside instances against torch's own."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from blockgraphs import block, graph, int_param, use
from builder import templates
from builder.__main__ import main as cli
from builder.codegen import compile_graph, generate
from builder.graph import (BLOCKS_VERSION, INSTANCE, MAX_BLOCK_DEPTH, MAX_EXPANDED_NODES, VERSION, BlockDef, parse,
                           read_document, write_document)
from builder.i18n import LANGS
from builder.shapes import check
from graphs import chain

V1_GRAPHS = Path(__file__).resolve().parent / "fixtures" / "v1" / "graphs"
V1_FILES = sorted(p.name for p in V1_GRAPHS.glob("*.json") if p.name != "expected.json")


# -- reading and writing ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", V1_FILES)
def test_a_version_1_file_writes_back_as_the_same_version_1_text(name):
    raw = (V1_GRAPHS / name).read_bytes()
    doc = read_document(raw)
    assert write_document(doc).encode() == raw            # the document as read: the very same bytes
    graph_, errors = parse(doc)
    assert errors == [] and not graph_.has_blocks()
    again = json.loads(write_document(graph_))            # through the Graph: the same content, still version 1
    assert again["version"] == VERSION == 1 and "blocks" not in again
    assert parse(again)[0].to_document() == graph_.to_document()
    assert write_document(parse(again)[0]) == write_document(graph_)


def test_a_graph_without_blocks_is_written_as_version_1_exactly_as_before():
    doc = chain(("Linear", {"out_features": 3}), name="plain")
    doc["version"] = 2          # a version 2 file without blocks goes back to version 1
    doc["blocks"] = []
    text = write_document(parse(doc)[0])
    assert text == (
        '{\n  "format": "netcanvas.graph",\n  "version": 1,\n  "name": "plain",\n  "nodes": [\n'
        '    {\n      "id": "x",\n      "type": "Input",\n      "params": {\n        "shape": [\n          4\n'
        '        ]\n      }\n    },\n    {\n      "id": "n0",\n      "type": "Linear",\n      "params": {\n'
        '        "out_features": 3\n      }\n    },\n    {\n      "id": "y",\n      "type": "Output",\n'
        '      "params": {}\n    }\n  ],\n  "edges": [\n    {\n      "source": "x",\n      "target": "n0"\n'
        '    },\n    {\n      "source": "n0",\n      "target": "y"\n    }\n  ]\n}\n')
    assert json.loads(write_document(doc))["version"] == 1 and "blocks" not in json.loads(write_document(doc))


def _with_layout(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    for b in doc["blocks"]:
        b["uiColor"] = "#abc"
        for i, n in enumerate(b["nodes"]):
            n["pos"] = [10 * i, 20]
            n["uiNote"] = f"inside {b['name']}"
    for n in doc["nodes"]:
        if n["type"] == INSTANCE:
            n["uiCollapsed"] = False
    return doc


@pytest.mark.parametrize("name", ["resnet18", "resnet_small", "vgg16", "vgg_blocks"])
def test_a_graph_with_blocks_writes_version_2_and_round_trips(name):
    doc = _with_layout(templates.load(name))
    graph_, errors = parse(doc)
    assert errors == [] and graph_.has_blocks()
    assert all(isinstance(b, BlockDef) for b in graph_.blocks)
    text = write_document(graph_)
    again = read_document(text.encode())
    assert again["version"] == BLOCKS_VERSION == 2
    assert again == json.loads(json.dumps(doc))           # blocks, args, $param refs, layout keys: all kept
    assert write_document(parse(again)[0]) == text
    assert check(again).total_params == check(templates.load(name)).total_params


def test_a_graph_with_instances_but_version_1_is_written_as_version_2():
    doc = graph([block("Act", [("ReLU", {})])], [use("Act")])
    written = json.loads(write_document({**doc, "version": 1}))
    assert written["version"] == 2


def test_layout_keys_inside_a_definition_never_change_the_model():
    doc = templates.load("resnet_small")
    plain, laid_out = generate(doc).source, generate(_with_layout(doc)).source
    assert plain == laid_out


# -- structural errors: messages, never exceptions --------------------------------------------------
def _codes(doc) -> list[str]:
    result = check(doc)
    for e in result.errors:     # every message renders in every language
        for lang in LANGS:
            assert e.message(lang) and "{" not in e.message(lang)
    return [e.code for e in result.errors]


def _one(doc, code):
    result = check(doc)
    assert not result.ok
    errors = [e for e in result.errors if e.code == code]
    assert errors, [e.to_json() for e in result.errors]
    return errors[0]


def test_an_unknown_block_is_an_error_on_its_instance():
    doc = graph([block("Act", [("ReLU", {})])], [use("Missing")])
    e = _one(doc, "block.unknown")
    assert e.node == "n0"
    assert e.message() == "node n0: there is no block named Missing; the blocks are Act"
    assert "Missing" in e.message("zh")


def test_a_block_that_uses_itself_is_a_cycle_named_on_the_block():
    doc = graph([block("Loop", [use("Loop")])], [use("Loop")])
    e = _one(doc, "graph.cycle")
    assert e.block == "Loop" and e.args["path"] == ["Loop", "Loop"]
    assert e.message() == "block Loop: is on a cycle Loop -> Loop; a network must flow one way (a DAG)"


def test_definitions_that_use_each_other_are_a_cycle():
    doc = graph([block("A", [use("B")]), block("B", [("ReLU", {}), use("C")]), block("C", [use("A")])], [use("A")])
    e = _one(doc, "graph.cycle")
    assert e.block == "A" and e.args["path"] == ["A", "B", "C", "A"]
    assert "A -> B -> C -> A" in e.message() and "A -> B -> C -> A" in e.message("zh")


def test_blocks_nested_too_deep_are_refused_before_anything_is_expanded():
    depth = MAX_BLOCK_DEPTH + 4
    blocks = [block(f"B{i}", [use(f"B{i + 1}")]) for i in range(depth)] + [block(f"B{depth}", [("ReLU", {})])]
    e = _one(graph(blocks, [use("B0")]), "graph.blocks_too_deep")
    assert e.args == {"depth": depth + 1, "limit": MAX_BLOCK_DEPTH}
    assert "at most 16" in e.message()
    nested_ok = [block(f"B{i}", [use(f"B{i + 1}")]) for i in range(MAX_BLOCK_DEPTH - 1)] + \
        [block(f"B{MAX_BLOCK_DEPTH - 1}", [("ReLU", {})])]
    assert check(graph(nested_ok, [use("B0")])).ok


def test_a_blow_up_past_the_node_limit_is_refused_before_anything_is_expanded():
    # 12 instances of 12 instances of 12 instances of 12 ReLUs: a small file, 20,000+ nodes expanded
    blocks = [block("L0", [("ReLU", {})] * 12)]
    blocks += [block(f"L{i + 1}", [use(f"L{i}")] * 12) for i in range(3)]
    doc = graph(blocks, [use("L3")])
    assert len(json.dumps(doc)) < 20_000
    e = _one(doc, "graph.too_many_expanded")
    assert e.args["nodes"] > MAX_EXPANDED_NODES and e.args["limit"] == MAX_EXPANDED_NODES
    result = check(doc)
    assert result.instances == {}           # nothing was expanded
    small = graph(blocks[:3], [use("L2")])  # 12 * 12 * 12 nodes: fine
    assert check(small).ok


def test_a_reference_to_an_undeclared_block_param_names_the_node_inside():
    doc = graph([block("Wide", [("Linear", {"out_features": {"$param": "width"}})], params={"size": int_param(4)})],
                [use("Wide")])
    e = _one(doc, "block.unknown_param")
    assert e.node == "n0" and e.path == ("n0", "l0")
    assert e.message() == "node n0/l0: out_features refers to width, which block Wide does not declare; its params are size"


def test_a_param_reference_outside_any_block_is_an_error():
    doc = chain(("Linear", {"out_features": {"$param": "width"}}))
    e = _one(doc, "block.param_outside")
    assert e.node == "n0" and "width" in e.message()


@pytest.mark.parametrize("args, code, message", [
    ({"size": "big"}, "param.type", "node n0: size must be an integer; received 'big'"),
    ({"size": 2.5}, "param.type", "node n0: size must be an integer; received 2.5"),
    ({"size": True}, "param.type", "node n0: size must be an integer; received true"),
    ({"size": 1000}, "param.range", "node n0: size must be in [1, 100]; received 1000"),
    ({"sise": 3}, "block.unknown_arg", "node n0: block Wide has no param sise; its params are size"),
])
def test_a_wrong_instance_arg_is_an_error_on_the_instance(args, code, message):
    doc = graph([block("Wide", [("Linear", {"out_features": {"$param": "size"}})], params={"size": int_param(4, hi=100)})],
                [use("Wide", **args)])
    e = _one(doc, code)
    assert e.node == "n0" and e.message() == message


def test_an_arg_for_a_block_without_params_says_it_has_none():
    doc = graph([block("Act", [("ReLU", {})])], [use("Act", p=1)])
    e = _one(doc, "block.unknown_arg_none")
    assert e.message() == "node n0: block Act has no param p; it declares no params"


@pytest.mark.parametrize("declaration, code", [
    ({"kind": "int", "default": 2.5}, "param.type"),
    ({"kind": "tensor", "default": 2}, "block.bad_param"),
    ({"kind": "int", "default": 3, "lo": "one"}, "block.bad_param"),
    ({"kind": "choice", "default": "a"}, "block.bad_param"),
    ({"kind": "int", "default": 3, "shape": [1]}, "graph.unknown_key"),
])
def test_a_bad_param_declaration_names_the_block(declaration, code):
    doc = graph([block("Wide", [("Linear", {"out_features": {"$param": "size"}})], params={"size": declaration})],
                [use("Wide")])
    e = _one(doc, code)
    assert e.block == "Wide" and e.message().startswith("block Wide: ")


def test_a_required_block_param_must_be_given():
    doc = graph([block("Wide", [("Linear", {"out_features": {"$param": "size"}})], params={"size": int_param()})],
                [use("Wide")])
    assert _one(doc, "param.required").node == "n0"
    assert check(graph(doc["blocks"], [use("Wide", size=5)])).shapes["n0"] == (5,)


@pytest.mark.parametrize("bad", [
    {"blocks": "none"},
    {"blocks": [17]},
    {"blocks": [{"name": "9lives", "nodes": [], "edges": []}]},
    {"blocks": [{"name": "A", "nodes": "x", "edges": []}]},
    {"blocks": [{"name": "A", "nodes": [], "edges": [], "colour": 1}]},
    {"blocks": [block("A", [("ReLU", {})]), block("A", [("Tanh", {})])]},
    {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}}, {"id": "b", "type": "Block", "params": {"block": 3}},
               {"id": "y", "type": "Output", "params": {}}]},
    {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}}, {"id": "b", "type": "Block", "params": {"block": "A", "args": [1]}},
               {"id": "y", "type": "Output", "params": {}}]},
])
def test_malformed_blocks_are_errors_not_exceptions(bad):
    doc = {**graph([block("A", [("ReLU", {})])], [use("A")], ids=["b"]), **bad}
    codes = _codes(doc)
    assert codes


def test_blocks_in_a_version_1_file_are_an_error():
    doc = {**graph([block("A", [("ReLU", {})])], [("ReLU", {})]), "version": 1}
    assert _one(doc, "graph.blocks_version").message() == 'graph: blocks need "version": 2; the file says version 1'


def test_an_input_inside_a_block_takes_no_shape():
    bad = block("A", [("ReLU", {})])
    bad["nodes"][0]["params"] = {"shape": [4]}
    e = _one(graph([bad], [use("A")]), "block.input_param")
    assert e.path == ("n0", "x")


def test_an_error_in_a_definition_no_instance_uses_names_the_block():
    doc = graph([block("Unused", [("Linear", {})])], [("ReLU", {})])
    e = _one(doc, "param.required")
    assert e.block == "Unused" and e.path == ("l0",)
    assert e.message() == "block Unused, node l0: Linear needs out_features; it is missing"
    assert e.message("zh").startswith("模块 Unused 的节点 l0: ")


# -- errors inside instances: on the instance, with a path ---------------------------------------------
def _nested():
    inner = block("Inner", [("Conv2d", {"out_channels": 4, "kernel_size": 3})], ids=["conv"])
    outer = block("Outer", [("ReLU", {}), use("Inner")], ids=["act", "inner"])
    return graph([inner, outer], [("Linear", {"out_features": 6}), use("Outer")], ids=["fc", "stage"])


def test_an_error_inside_nested_instances_marks_the_top_instance_with_the_path_down():
    result = check(_nested())
    (e,) = result.errors
    assert e.code == "shape.rank" and e.node == "stage" and e.path == ("stage", "inner", "conv")
    assert result.errors_for("stage") == [e]
    assert e.message() == "node stage/inner/conv: Conv2d expects input (C, H, W); received (6,)"
    assert e.to_json()["path"] == ["stage", "inner", "conv"]
    assert result.inner(["stage", "inner"]).errors_for("conv")       # the inside's own check has it on the node
    assert result.shapes["fc"] == (6,) and result.shapes["stage"] is None


def test_check_json_on_the_command_line_carries_the_path(tmp_path, capsys):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(_nested()))
    assert cli(["check", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    (err,) = out["errors"]
    assert err["node"] == "stage" and err["path"] == ["stage", "inner", "conv"] and err["code"] == "shape.rank"
    assert err["message"] == "node stage/inner/conv: Conv2d expects input (C, H, W); received (6,)"
    assert cli(["check", str(path), "--lang", "zh"]) == 1
    assert "节点 stage/inner/conv" in capsys.readouterr().out


def test_check_and_export_on_the_command_line_with_a_block_graph(tmp_path, capsys):
    path = tmp_path / "resnet18.json"
    path.write_text(json.dumps(templates.load("resnet18")))
    assert cli(["check", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["params"] == 11_689_512 and out["errors"] == []
    assert out["shapes"]["layer4"] == [512, 7, 7]
    assert out["inner_shapes"]["layer2/0/downsample/0"] == [128, 28, 28]
    assert out["inner_shapes"]["layer1/1/conv2"] == [64, 56, 56]
    assert cli(["check", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Block Stage" in text and "Block DownStage" in text and "11,689,512" in text
    assert cli(["export", str(path), "-o", str(tmp_path / "model.py")]) == 0
    source = (tmp_path / "model.py").read_text()
    assert "class BasicBlock(nn.Module):" in source and "11,689,512" in capsys.readouterr().out


def test_one_error_in_a_block_used_twice_is_reported_on_each_instance():
    doc = graph([block("Img", [("Conv2d", {"out_channels": 4, "kernel_size": 3})], ids=["conv"])],
                [use("Img"), use("Img")], ids=["a", "b"])
    result = check(doc)
    assert [(e.node, e.path) for e in result.errors] == [("a", ("a", "conv"))]   # b is fed by an error: not again
    doc = graph([block("Img", [("Conv2d", {"out_channels": 4, "kernel_size": 3})], ids=["conv"])],
                [use("Img")], ids=["a"], edges=[("x", "a"), ("x", "b"), ("a", "y")])
    doc["nodes"].insert(2, {"id": "b", "type": "Block", "params": {"block": "Img"}})
    doc["nodes"].append({"id": "z", "type": "Output", "params": {"name": "z"}})
    doc["edges"].append({"source": "b", "target": "z"})
    result = check(doc)
    assert sorted((e.node, e.path) for e in result.errors) == [("a", ("a", "conv")), ("b", ("b", "conv"))]


def test_an_instance_with_several_outputs_feeds_each_by_source_port():
    split = block("Split", [("Linear", {"out_features": 3}), ("Linear", {"out_features": 5})], ids=["p", "q"],
                  outputs=("o1", "o2"), edges=[("x", "p"), ("x", "q"), ("p", "o1"), ("q", "o2")])
    doc = graph([split], [use("Split"), ("Concat", {"dim": -1})], ids=["s", "cat"],
                edges=[("x", "s"), {"source": "s", "target": "cat", "port": 0},
                       {"source": "s", "target": "cat", "port": 1, "source_port": 1}, ("cat", "y")])
    result = check(doc)
    assert result.ok, [e.message() for e in result.errors]
    assert result.port_shapes["s"] == [(3,), (5,)] and result.shapes["cat"] == (8,)
    model = compile_graph(doc).build()
    assert tuple(model(torch.randn(2, 8)).shape) == (2, 8)
    bad = copy.deepcopy(doc)
    bad["edges"][2]["source_port"] = 2
    assert _one(bad, "graph.bad_source_port").message() == \
        "edge s -> cat: source_port 2 does not exist: the source has 2 output(s)"


# -- shapes inside instances are torch's ---------------------------------------------------------------
def _torch_shapes(doc, batch=2) -> tuple[dict, dict]:
    """(what the checker says, what torch's modules output) for every node with a module, by path."""
    result = check(doc)
    assert result.ok, [e.message() for e in result.errors]
    compiled = compile_graph(doc, result)
    torch.manual_seed(0)
    model = compiled.build().eval()
    module = __import__("types").ModuleType("m")
    exec(compiled.source, module.__dict__)
    seen, handles = {}, []
    for path, dotted in compiled.generated.module_paths.items():
        def hook(_m, _i, out, path=path):
            seen[path] = tuple(out.shape[1:]) if torch.is_tensor(out) else tuple(tuple(o.shape[1:]) for o in out)
        handles.append(model.get_submodule(dotted).register_forward_hook(hook))
    with torch.no_grad():
        model(*module.example_inputs(batch))
    for h in handles:
        h.remove()
    expected = {}
    for prefix, inside in result.walk():
        for node in inside.graph.nodes:
            path = prefix + (node.id,)
            if path in seen:
                ports = inside.port_shapes.get(node.id)
                expected[path] = tuple(ports) if ports is not None and len(ports) > 1 else inside.shapes[node.id]
    return expected, seen


@pytest.mark.parametrize("name", ["resnet18", "resnet_small", "vgg_blocks"])
def test_shapes_inside_instances_are_the_shapes_torch_gives(name):
    torch.set_num_threads(1)
    doc = templates.load(name)
    expected, seen = _torch_shapes(doc, batch=1)
    assert expected == seen
    inner = [p for p in seen if len(p) > 1]
    assert len(inner) > 10
    assert check(doc).inner_shapes()[inner[0]] == seen[inner[0]]


def test_a_block_param_sets_the_size_inside_each_instance():
    wide = block("Wide", [("Linear", {"out_features": {"$param": "width"}}), ("ReLU", {})],
                 params={"width": int_param(4)})
    doc = graph([wide], [use("Wide"), use("Wide", width=7), use("Wide", width=2)], ids=["a", "b", "c"])
    result = check(doc)
    assert [result.shapes[n] for n in "abc"] == [(4,), (7,), (2,)]
    assert result.inner(["b"]).shapes["l0"] == (7,)
    assert result.total_params == (8 * 4 + 4) + (4 * 7 + 7) + (7 * 2 + 2)
    expected, seen = _torch_shapes(doc)
    assert expected == seen and seen[("b", "l0")] == (7,)


# -- wrapping a chain into a block changes nothing --------------------------------------------------------
VECTOR_LAYERS = st.one_of(
    st.builds(lambda n, b: ("Linear", {"out_features": n, "bias": b}), st.integers(1, 12), st.booleans()),
    st.sampled_from([("ReLU", {}), ("Tanh", {}), ("GELU", {}), ("Sigmoid", {}), ("LayerNorm", {}),
                     ("BatchNorm1d", {}), ("Dropout", {"p": 0.25}), ("LeakyReLU", {"negative_slope": 0.2})]),
)
IMAGE_LAYERS = st.one_of(
    st.builds(lambda c, k, p: ("Conv2d", {"out_channels": c, "kernel_size": k, "padding": p}),
              st.integers(1, 6), st.integers(1, 3), st.integers(0, 1)),
    st.sampled_from([("ReLU", {}), ("BatchNorm2d", {}), ("MaxPool2d", {"kernel_size": 2}), ("Tanh", {}),
                     ("AvgPool2d", {"kernel_size": 2}), ("Dropout2d", {"p": 0.1})]),
)


@st.composite
def wrapped_chains(draw):
    image = draw(st.booleans())
    layers = draw(st.lists(IMAGE_LAYERS if image else VECTOR_LAYERS, min_size=1, max_size=7))
    start = draw(st.integers(0, len(layers) - 1))
    stop = draw(st.integers(start + 1, len(layers)))
    numbered = draw(st.booleans())          # ids 0, 1, ...: an nn.Sequential; else a class with forward
    nested = draw(st.none() | st.tuples(st.integers(0, stop - start - 1), st.integers(1, stop - start)).map(sorted))
    return (image, layers, start, stop, numbered, nested)


@settings(max_examples=30)
@given(wrapped_chains())
def test_wrapping_any_chain_into_a_block_keeps_shapes_params_and_outputs(case):
    image, layers, start, stop, numbered, nested = case
    shape = (3, 8, 8) if image else (5,)
    flat = chain(*layers, input_shape=shape)
    flat_result = check(flat)
    if not flat_result.ok:
        return      # a chain that does not check (a pooling past the image's size) has nothing to keep
    inner = layers[start:stop]
    blocks = []
    if nested is not None and nested[0] < nested[1]:    # part of the block wrapped again: a block inside a block
        a, b = nested
        blocks.append(block("Core", inner[a:b]))
        inner = [*inner[:a], use("Core"), *inner[b:]]
    ids = [str(i) for i in range(len(inner))] if numbered else [f"m{i}" for i in range(len(inner))]
    blocks.append(block("Part", inner, ids=ids))
    wrapped = graph(blocks, [*layers[:start], use("Part"), *layers[stop:]], input_shape=shape)
    result = check(wrapped)
    assert result.ok, [e.message() for e in result.errors]
    out = result.shapes[result.sources("y")[0][0]]
    assert out == flat_result.shapes[flat_result.sources("y")[0][0]]
    assert result.total_params == flat_result.total_params
    assert result.counts[f"n{start}"] == sum(flat_result.counts.get(f"n{i}", 0) for i in range(start, stop))
    torch.manual_seed(0)
    a, b = compile_graph(flat).build().eval(), compile_graph(wrapped).build().eval()
    sa, sb = a.state_dict(), b.state_dict()
    assert [v.shape for v in sa.values()] == [v.shape for v in sb.values()]
    assert sum(p.numel() for p in b.parameters()) == flat_result.total_params
    b.load_state_dict(dict(zip(sb, sa.values())))
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert torch.allclose(a(x), b(x), atol=1e-6)
