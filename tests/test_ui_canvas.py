"""ui.canvas without a browser: the event contract, the labels and the JS parts."""
from __future__ import annotations

import re
from pathlib import Path

from builder import i18n
from ui.canvas import (
    JS_PARTS, STRING_KEYS, CanvasEvent, _clean_strings, _finite, _js_source, canvas_strings, event_from_state,
)

JS_DIR = Path(__file__).resolve().parents[1] / "ui" / "canvas" / "js"

G = {"format": "netcanvas.graph", "version": 1, "nodes": [{"id": "a"}, {"id": "b"}], "edges": []}


def test_nothing_sent_yet():
    assert event_from_state({}, rev=1, ack=0) is None
    assert event_from_state(None, rev=1, ack=0) is None


def test_new_edit_on_current_rev_is_applied():
    ev = event_from_state({"doc": {"seq": 5, "rev": 2, "graph": G}}, rev=2, ack=4)
    assert ev == CanvasEvent(graph=G, seq=5, selection=[], command=None)


def test_already_acknowledged_edit_is_not_offered_again():
    ev = event_from_state({"doc": {"seq": 5, "rev": 2, "graph": G}}, rev=2, ack=5)
    assert ev.graph is None and ev.seq is None


def test_edit_made_on_an_older_rev_is_acknowledged_but_dropped():
    ev = event_from_state({"doc": {"seq": 6, "rev": 1, "graph": G}}, rev=2, ack=5)
    assert ev.graph is None and ev.seq == 6


def test_command_and_edit_in_one_run():
    state = {"doc": {"seq": 7, "rev": 3, "graph": G}, "command": {"name": "undo", "seq": 8}}
    ev = event_from_state(state, rev=3, ack=6)
    assert ev.graph == G and ev.command == "undo" and ev.seq == 8


def test_unknown_or_old_commands_are_ignored():
    assert event_from_state({"command": {"name": "rm -rf", "seq": 9}}, rev=1, ack=0).command is None
    assert event_from_state({"command": {"name": "redo", "seq": 3}}, rev=1, ack=3).command is None


def test_selection_is_filtered_to_nodes_of_the_graph():
    state = {"selection": {"seq": 1, "ids": ["a", "zz", 3], "edges": ["a->b:0"]}}
    ev = event_from_state(state, rev=1, ack=0, graph=G)
    assert ev.selection == ["a"] and ev.selected_edges == ["a->b:0"] and ev.seq is None


def test_bool_is_not_a_sequence_number():
    assert event_from_state({"doc": {"seq": True, "rev": 1, "graph": G}}, rev=1, ack=0).seq is None


def test_strings_every_key_in_both_languages():
    for lang in i18n.LANGS:
        labels = canvas_strings(lang)
        assert set(labels) == set(STRING_KEYS)
        assert all(v and not v.startswith("canvas.") for v in labels.values())
    assert _clean_strings({"canvas.fit": "Fit", "delete": "Del", 3: "x"}) == {"fit": "Fit", "delete": "Del"}


def test_js_uses_only_known_label_keys():
    js = _js_source()
    used = set(re.findall(r'this\.t\("([a-z_]+)"\)', js))
    used |= set(re.findall(r'this\.label\([^;]*?, "([a-z_]+)"', js))
    used |= set(re.findall(r'btn\(g, "([a-z_]+)"', js))
    used -= {"text", "tip", "placeholder"}  # label(el, key, prop): the prop names
    assert used and used <= set(STRING_KEYS), used - set(STRING_KEYS)
    assert not re.search(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b", js)


def test_non_finite_numbers_become_null():
    assert _finite({"a": [float("nan"), 1.5, {"b": float("inf")}]}) == {"a": [None, 1.5, {"b": None}]}


def _parts() -> dict[str, str]:
    return {name: (JS_DIR / name).read_text(encoding="utf-8") for name in JS_PARTS}


def test_js_parts_are_the_files_in_js_dir_util_first_canvas_last():
    assert sorted(JS_PARTS) == sorted(p.name for p in JS_DIR.glob("*.js"))
    assert JS_PARTS[0] == "util.js" and JS_PARTS[-1] == "canvas.js"
    assert _js_source() == "\n".join(_parts().values())


def test_js_parts_have_a_header_and_one_job():
    parts = _parts()
    for name, text in parts.items():
        assert text.startswith("// "), f"{name}: no header comment"
        # Free functions live in util.js only; the entry point in canvas.js only.
        if name != "util.js":
            assert not re.search(r"^function ", text, re.M), name
        assert bool(re.search(r"^export default ", text, re.M)) == (name == "canvas.js"), name
    # Parts other than util and canvas are one class each, a bag of Canvas methods.
    for name in JS_PARTS[1:-1]:
        assert parts[name].startswith("// Canvas part: "), name
        assert len(re.findall(r"^class \w+Part \{", parts[name], re.M)) == 1, name


def test_js_parts_define_every_name_once():
    top, methods = {}, {}
    for name, text in _parts().items():
        for m in re.finditer(r"^(?:function|const|let|class) (\w+)", text, re.M):
            assert m.group(1) not in top, f"{m.group(1)} in {top.get(m.group(1))} and {name}"
            top[m.group(1)] = name
        # Methods are mixed into one class: a name in two parts would silently win.
        for m in re.finditer(r"^  (\w+)\([^)]*\) \{$", text, re.M):
            assert m.group(1) not in methods, f"{m.group(1)}() in {methods.get(m.group(1))} and {name}"
            methods[m.group(1)] = name
    assert {"h", "isObj", "own", "finite", "icon", "formatShape"} <= {k for k, v in top.items() if v == "util.js"}
    assert {"fit", "toWorld", "pointerDown", "commit", "takeGraph", "renderAll"} <= set(methods)


# -- payloads: whole, or only what changed since the last one ----------------------------------------
from ui.canvas import payload_for  # noqa: E402

ANN = {"nodes": {"a": {"shape": "(3,)", "params": 0, "error": None}, "b": {"shape": None, "params": 4, "error": "x"}},
       "edges": {"a->b:0": {"shape": "(3,)", "error": None}}, "graph_errors": []}


def data(**changes):
    d = {"graph": G, "rev": "t:1", "palette": [{"type": "Linear"}], "annotations": ANN, "strings": {"fit": "Fit"},
         "ack": 3, "focus": None, "view_key": "t"}
    d.update(changes)
    return d


def test_the_first_payload_and_a_whole_one_have_everything():
    out, record = payload_for(None, data(), whole=False)
    assert out == dict(data(), payload={"id": 1, "base": None})
    out, _ = payload_for(record, data(), whole=True)
    assert out == dict(data(), payload={"id": 2, "base": None})


def test_a_canvas_edit_sends_no_graph_palette_or_strings_and_only_the_changed_annotations():
    _, record = payload_for(None, data(), whole=False)
    ann = {"nodes": {"a": ANN["nodes"]["a"], "c": {"shape": "(5,)", "params": 0, "error": None}},
           "edges": {}, "graph_errors": ["no output"]}
    out, record2 = payload_for(record, data(annotations=ann, ack=4), whole=False)
    assert out == {"rev": "t:1", "ack": 4, "focus": None, "view_key": "t", "drawn": None, "quick_check": None,
                   "payload": {"id": 2, "base": 1},
                   "annotations_patch": {"nodes": {"c": ann["nodes"]["c"], "b": None}, "edges": {"a->b:0": None},
                                         "graph_errors": ["no output"]}}
    assert record2["id"] == 2 and record2["annotations"] == ann


def test_a_request_to_hear_when_drawn_is_sent_in_every_payload_that_has_one():
    _, record = payload_for(None, data(), whole=False)
    out, record = payload_for(record, data(drawn="check-2"), whole=False)
    assert out["drawn"] == "check-2" and "graph" not in out
    assert payload_for(record, data(drawn="check-2"), whole=True)[0]["drawn"] == "check-2"


def test_where_the_check_socket_is_goes_with_every_payload():
    quick = {"url": "/netcanvas/check", "lang": "zh"}
    _, record = payload_for(None, data(quick_check=quick), whole=False)
    assert payload_for(record, data(quick_check=quick), whole=False)[0]["quick_check"] == quick
    assert payload_for(record, data(quick_check=None), whole=False)[0]["quick_check"] is None   # a block's body shown


def test_a_new_rev_or_another_tab_sends_the_graph_and_new_labels_send_the_strings():
    _, record = payload_for(None, data(), whole=False)
    assert payload_for(record, data(rev="t:2"), whole=False)[0]["graph"] == G
    assert payload_for(record, data(view_key="u"), whole=False)[0]["graph"] == G
    out, _ = payload_for(record, data(strings={"fit": "适合"}, palette=[{"type": "ReLU"}]), whole=False)
    assert out["strings"] == {"fit": "适合"} and out["palette"] == [{"type": "ReLU"}] and "graph" not in out
