"""Any Unicode text that ``check`` accepts in a graph's name, description, ids or I/O names gives
code that compiles and runs (the model, the standalone export and the training script); text that
cannot be written as UTF-8 (lone surrogates) is refused by ``check`` with a graph error."""
from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.codegen import compile_graph, generate
from builder.shapes import check
from runtime.export.script import training_script
from tests.graphs import chain

# every code point, surrogates and line/paragraph separators included, weighted towards the awkward ones
AWKWARD = st.sampled_from(['"', "'", "\\", '"""', "\t", "\n", "\r", "\u2028", "\u2029", "\x00", "\x0b", "\x85",
                           "\ufeff", "\udc80", "\ud800", "{", "}", "#", "é", "中", "𝔘"])
TEXT = st.lists(st.one_of(AWKWARD, st.characters()), max_size=12).map("".join)
NAME = st.lists(st.one_of(AWKWARD, st.characters()), min_size=1, max_size=12).map("".join)
IDS = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)
IO_NAMES = st.one_of(IDS, IDS, IDS, TEXT)       # id-like names are what check accepts; others are refused


def graph_with(name, description, zh, in_id, in_name, out_name):
    g = chain(("Linear", {"out_features": 3}), input_shape=(4,), name=name)
    g["nodes"][0]["id"] = in_id
    g["edges"][0]["source"] = in_id
    g["nodes"][0]["params"]["name"] = in_name
    g["nodes"][-1]["params"]["name"] = out_name
    g["meta"] = {"description": {"en": description, "zh": zh}}
    return json.loads(json.dumps(g))      # as a file gives it


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


@settings(max_examples=80)
@given(NAME, TEXT, TEXT, IDS, IO_NAMES, IO_NAMES)
def test_accepted_text_gives_code_that_runs(name, description, zh, in_id, in_name, out_name):
    g = graph_with(name, description, zh, in_id, in_name, out_name)
    result = check(g)
    # as the file carries them (JSON joins a surrogate pair into one character)
    texts = (g["name"], g["meta"]["description"]["en"], g["meta"]["description"]["zh"],
             g["nodes"][0]["params"]["name"], g["nodes"][-1]["params"]["name"])
    if not all(map(encodable, texts)):
        assert not result.ok and "graph.text_encoding" in {e.code for e in result.errors}
        return
    if not result.ok:      # refused for another reason (an empty or clashing I/O name): a message, not code
        assert all(e.message("en") for e in result.errors)
        return
    source = generate(g, result).source
    compile(source, "model.py", "exec")
    model = compile_graph(g, result).build()
    assert model(torch.zeros(2, 4)).shape == (2, 3)
    compile(training_script(g, {"data": "iris", "mode": "classification"}, None), "train.py", "exec")


@pytest.mark.parametrize("where", ["name", "description", "zh", "in_name", "out_name"])
def test_a_lone_surrogate_is_a_graph_error_naming_where(where):
    values = dict(name="g", description="d", zh="z", in_id="x", in_name="x", out_name="y")
    values[where] = "bad\udc80text"
    result = check(graph_with(**values))
    errors = [e for e in result.errors if e.code == "graph.text_encoding"]
    assert errors and not result.ok
    assert "UTF-8" in errors[0].message("en")


@pytest.mark.parametrize("text", ["tab\there", "line\u2028separator", "para\u2029graph", 'quote """ inside',
                                  "ends with a backslash \\"])
def test_awkward_descriptions_compile(text):
    g = graph_with("g", text, text, "x", "x", "y")
    assert check(g).ok
    model = compile_graph(g).build()
    assert model.__doc__ is not None


def test_a_document_with_a_lone_surrogate_can_still_be_saved_and_read_back():
    from builder.graph import read_document, write_document
    g = graph_with("bad\udc80name", "d", "z", "x", "x", "y")
    text = write_document(g)
    text.encode("utf-8")                      # the workspace can store it (and the user fix it)
    assert read_document(text)["name"] == "bad\udc80name"
