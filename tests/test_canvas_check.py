"""The canvas's check socket (ui/canvas_check.py): what it answers, and what it refuses."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from builder import templates
from builder.shapes import check
from ui import build_blocks, build_view
from ui.canvas_check import MAX_CHARS, annotations_for, answer, same_origin


def page_annotations(doc: dict, lang: str) -> dict:
    """What the Build page's fragment sends the canvas for ``doc`` (build_blocks.canvas_view)."""
    ws = SimpleNamespace(tab=SimpleNamespace(doc=doc, key="t"))
    result = check(doc)
    view = build_blocks.canvas_view(ws, result, lang, build_view.palette(lang), build_view.annotations)
    return view.annotations


@pytest.mark.parametrize("key", ["resnet18", "digits_cnn", "text_transformer", "vae"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_socket_answers_what_the_page_sends(key, lang, monkeypatch):
    monkeypatch.setattr(build_blocks, "editing", lambda ws: None)
    doc = templates.load(key)
    assert annotations_for(doc, lang) == page_annotations(doc, lang)


def test_an_answer_carries_the_edit_number_and_every_error():
    doc = {"format": "netcanvas.graph", "version": 1, "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [4]}},
        {"id": "r", "type": "ReLU", "params": {}}], "edges": []}
    reply = json.loads(answer(json.dumps({"seq": 7, "lang": "en", "graph": doc})))
    assert reply["seq"] == 7
    assert reply["annotations"]["nodes"]["x"]["shape"] == "(4,)"
    assert "needs an input" in reply["annotations"]["nodes"]["r"]["error"]
    zh = json.loads(answer(json.dumps({"seq": 8, "lang": "zh", "graph": doc})))
    assert zh["annotations"]["nodes"]["r"]["error"] != reply["annotations"]["nodes"]["r"]["error"]
    # an unknown language is answered in the first one
    other = json.loads(answer(json.dumps({"seq": 9, "lang": "fr", "graph": doc})))
    assert other["annotations"] == reply["annotations"]


@pytest.mark.parametrize("message", [
    None, b"{}", "", "not json", "[]", "{}", json.dumps({"seq": 1}), json.dumps({"seq": "1", "graph": {}}),
    json.dumps({"seq": True, "graph": {}}), json.dumps({"seq": 1, "graph": []}),
    json.dumps({"seq": 1, "graph": {"nodes": "x" * 10}}) + " " * MAX_CHARS,
])
def test_what_is_not_a_message_gets_no_answer(message):
    assert answer(message) is None


@pytest.mark.parametrize("graph", [
    {"nodes": "many", "edges": 3},
    {"nodes": [{"id": "a", "type": "Linear", "params": {"out_features": "__import__('os')"}}], "edges": []},
    {"nodes": [{"id": "a", "type": "Nope"}, {"id": "a", "type": "Input"}], "edges": [{"source": "a", "target": "zz"}]},
])
def test_a_hostile_graph_is_answered_with_errors_never_run(graph):
    reply = answer(json.dumps({"seq": 1, "lang": "en", "graph": graph}))
    assert reply is None or json.loads(reply)["seq"] == 1


def test_a_fault_of_the_checker_is_no_answer_and_the_socket_goes_on(monkeypatch):
    import ui.canvas_check as socket_module

    def broken(doc, lang):
        raise KeyError("a bug")
    monkeypatch.setattr(socket_module, "annotations_for", broken)
    assert answer(json.dumps({"seq": 1, "lang": "en", "graph": {"nodes": []}})) is None


def test_a_page_of_another_site_may_not_use_the_socket():
    assert same_origin({"origin": "http://localhost:8501", "host": "localhost:8501"})
    assert same_origin({"host": "localhost:8501"})      # not a browser
    assert not same_origin({"origin": "https://evil.example", "host": "localhost:8501"})
    assert not same_origin({"origin": "http://localhost:9999", "host": "localhost:8501"})
