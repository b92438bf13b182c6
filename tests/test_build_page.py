"""Build page logic without a browser (AppTest): summary, property panel, templates, undo, errors, language.

The canvas itself is a custom component, opaque to AppTest; tests/e2e drives it for real.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from tests.graphs import chain
from ui.literal import md_literal
from ui.workspace import Workspace

APP = Path(__file__).resolve().parent / "app_entry.py"   # app.py, with st.navigation from the first run


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def saved(tmp_path, key="digits_cnn"):
    return json.loads((tmp_path / "ws" / "graphs" / f"{key}.json").read_text())


def test_opens_on_the_default_template_with_its_summary(app):
    assert metric(app, "Trainable parameters") == "13,706"
    table = app.dataframe[0].value
    assert list(table["node"]) == ["x", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flat", "fc1", "relu3",
                                   "fc2", "y"]
    assert table.loc[table["node"] == "fc1", "parameters"].item() == 8_256
    assert table.loc[table["node"] == "conv1", "output shape"].item() == "(16, 8, 8)"
    assert not app.code                                   # the code view is closed: no code generated
    app.session_state["build_code_view"] = True           # open it
    app.run()
    assert any("class DigitsCnn(nn.Module)" in c.value for c in app.code)


def test_an_edit_generates_no_code_while_the_code_view_is_closed(app, monkeypatch):
    from builder import codegen
    calls = []
    real = codegen.generate
    monkeypatch.setattr(codegen, "generate", lambda *a, **k: calls.append(1) or real(*a, **k))
    app.session_state["focus_node"] = "fc2"
    app.run()
    next(w for w in app.number_input if w.key and w.key.endswith(":fc2:out_features")).set_value(5).run()
    assert metric(app, "Trainable parameters") == "13,381"
    assert calls == []                                    # checked and shown, but no code generated
    app.session_state["build_code_view"] = True
    app.run()
    assert calls and any("nn.Linear(64, 5)" in c.value for c in app.code)


def test_property_panel_edits_params_and_rechecks(app, tmp_path):
    app.session_state["focus_node"] = "fc2"
    app.run()
    field = next(w for w in app.number_input if w.key and w.key.endswith(":fc2:out_features"))
    assert field.value == 10
    field.set_value(5).run()
    assert not app.exception
    assert metric(app, "Trainable parameters") == "13,381"     # 64*5+5 instead of 64*10+10
    assert next(n for n in saved(tmp_path)["nodes"] if n["id"] == "fc2")["params"] == {"out_features": 5}
    assert any("What this layer does" in m.value for m in app.markdown)


def test_the_node_panel_draws_its_texts_in_few_elements(app):
    # each element of the side panel is sent and drawn again with every edit on the canvas: the title
    # and the node's id line are one element, the explanation and its heading another
    app.session_state["focus_node"] = "fc2"
    app.run()
    texts = [m.value for m in app.markdown]
    assert any(t.startswith("#### Linear") and "fc2 · Core" in t for t in texts), texts
    assert any("What this layer does" in t and "fully connected layer" in t for t in texts), texts
    assert not any("fc2" in c.value for c in app.caption)


def test_the_panel_keeps_its_fields_and_shows_what_undo_and_redo_bring_back(app):
    app.session_state["focus_node"] = "fc2"
    app.run()
    field = next(w for w in app.number_input if w.key and w.key.endswith(":fc2:out_features"))
    key = field.key
    field.set_value(5).run()
    app.button(key="btn_undo").click().run()
    assert app.number_input(key=key).value == 10          # the same field, given the graph's value back
    assert metric(app, "Trainable parameters") == "13,706"
    app.button(key="btn_redo").click().run()
    assert app.number_input(key=key).value == 5
    app.number_input(key=key).set_value(7).run()          # and it still edits
    assert metric(app, "Trainable parameters") == "13,511"       # 64*7+7 in place of 64*10+10


def test_a_bad_param_value_shows_the_error_on_that_node(app, tmp_path):
    ws = Workspace(tmp_path / "ws")
    doc = copy.deepcopy(ws.tab.doc)
    next(n for n in doc["nodes"] if n["id"] == "conv1")["params"]["kernel_size"] = 20
    ws.edit(doc)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert "1 problem(s) to fix before training" in [e.value for e in at.error][0]
    buttons = [b for b in at.button if b.label.startswith("node conv1:")]
    assert buttons and "window of size 20" in buttons[0].label
    buttons[0].click().run()                  # the error links to its node: the panel opens on it
    assert any(m.value.startswith("#### Conv2d") for m in at.markdown)
    assert not at.code or not any("class DigitsCnn" in c.value for c in at.code)   # no code for a broken graph


def test_template_replaces_the_canvas_and_undo_brings_it_back(app):
    app.button(key="btn_templates").click().run()         # the gallery opens as a dialog
    app.button(key="tpl_lenet5").click().run()
    assert metric(app, "Trainable parameters") == "61,706"
    app.button(key="btn_undo").click().run()
    assert metric(app, "Trainable parameters") == "13,706"
    app.button(key="btn_redo").click().run()
    assert metric(app, "Trainable parameters") == "61,706"


def test_gan_template_opens_generator_and_discriminator(app):
    app.button(key="btn_templates").click().run()
    app.button(key="tpl_gan_generator").click().run()
    tabs = next(s for s in app.segmented_control if s.label == "Open graphs")
    assert list(tabs.options) == ["gan_generator", "gan_discriminator"]


def test_new_tab_and_close(app):
    app.button(key="btn_new").click().run()
    assert metric(app, "Nodes") == "0"
    assert "the graph has no nodes" in " ".join(m.value for m in app.markdown)   # about no node: text, not a link
    app.button(key="btn_close").click().run()
    assert metric(app, "Trainable parameters") == "13,706"


def test_language_switch_changes_every_label(app):
    app.segmented_control(key="lang_switch").set_value("zh").run()
    assert any(s.value == "模型概要" for s in app.subheader)
    assert any(m.label == "可训练参数" for m in app.metric)
    assert "检查通过" in app.success[0].value


def test_clicking_the_language_already_chosen_keeps_it_chosen(app):
    app.segmented_control(key="lang_switch").set_value("zh").run()
    app.segmented_control(key="lang_switch").set_value(None).run()      # what a second click on 简体中文 sends
    assert app.segmented_control(key="lang_switch").value == "zh"
    assert any(s.value == "模型概要" for s in app.subheader)


def test_an_empty_or_hostile_workspace_file_does_not_break_the_page(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    ws = Workspace(tmp_path / "ws")
    hostile = chain(("Linear", {"out_features": "1); import os"}), name="<script>alert(1)</script>")
    ws.open_doc(hostile)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert any("out_features must be an integer" in b.label for b in at.button)


def test_templates_gallery_lists_every_template(app):
    assert not any(b.key and b.key.startswith("tpl_") for b in app.button)    # closed: not drawn
    app.button(key="btn_templates").click().run()
    keys = {b.key for b in app.button if b.key and b.key.startswith("tpl_")}
    expected = {f"tpl_{t.key}" for t in templates.gallery()}
    assert "tpl_gan_generator" in expected and "tpl_gan_discriminator" not in expected
    assert keys == expected


@pytest.mark.parametrize("language, said", [("en", "'x' is not a number"), ("zh", "“x”不是数字")])
def test_a_shape_that_is_not_numbers_is_said_and_kept_in_the_field(app, tmp_path, language, said):
    if language != "en":
        app.segmented_control(key="lang_switch").set_value(language).run()
    app.session_state["focus_node"] = "x"
    app.run()
    field = next(w for w in app.text_input if w.key and w.key.endswith(":x:shape"))
    assert field.value == "1, 8, 8"
    field.set_value("4, x").run()
    assert not app.exception
    assert said in [e.value for e in app.error]
    field = next(w for w in app.text_input if w.key and w.key.endswith(":x:shape"))
    assert field.value == "4, x"                                           # what was typed stays
    assert next(n for n in saved(tmp_path)["nodes"] if n["id"] == "x")["params"]["shape"] == [1, 8, 8]
    field.set_value("1, 8, 8").run()                                      # fixed: the message goes
    assert said not in [e.value for e in app.error]


def rename_field(at):
    return next(w for w in at.text_input if w.key and w.key.startswith("rename_name_"))


def test_rename_the_graph_tab_code_and_the_next_run_follow(app, tmp_path, monkeypatch):
    app.session_state["build_code_view"] = True        # the code view open
    rename_field(app).set_value("Mein Netz 🚀 <b>1</b>")
    app.button(key="FormSubmitter:rename_digits_cnn-Rename").click().run()
    assert not app.exception
    tabs = next(s for s in app.segmented_control if s.label == "Open graphs")
    assert list(tabs.options) == [md_literal("Mein Netz 🚀 <b>1</b>")]                   # shown as text
    assert any("class MeinNetzB1B(nn.Module)" in c.value for c in app.code)
    assert saved(tmp_path)["name"] == "Mein Netz 🚀 <b>1</b>"                        # autosaved, same file
    assert rename_field(app).value == "Mein Netz 🚀 <b>1</b>"

    from runtime import runs
    from tests.test_train_page import seed_run
    labels = []

    def fake_start(graph, config, discriminator=None, root=None, run_id=None, label=None):
        labels.append(label)
        return seed_run(Path(root), graph, config.to_dict(), label=label)

    monkeypatch.setattr(runs, "start", fake_start)
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    app.switch_page(str(Path(__file__).resolve().parents[1] / "pages" / "train.py")).run()
    app.button(key="tp_start").click().run()
    assert not app.exception, app.exception
    assert labels == ["Mein Netz 🚀 <b>1</b>"]                                        # the run is listed by it


def test_rename_refuses_an_empty_name(app, tmp_path):
    rename_field(app).set_value("   ")
    app.button(key="FormSubmitter:rename_digits_cnn-Rename").click().run()
    assert "A graph needs a name: the name cannot be empty." in [e.value for e in app.error]
    assert saved(tmp_path)["name"] == "digits_cnn"


def _edit_fc2(at, value):
    at.session_state["focus_node"] = "fc2"
    at.run()
    next(w for w in at.number_input if w.key and w.key.endswith(":fc2:out_features")).set_value(value).run()


def test_a_graph_another_tab_saved_is_not_overwritten_and_the_user_picks(app, tmp_path):
    other_tab = Workspace(tmp_path / "ws")                  # a second browser session on the same folder
    doc = copy.deepcopy(other_tab.tab.doc)
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "relu3"]
    other_tab.edit(doc)
    _edit_fc2(app, 5)
    assert "relu3" not in {n["id"] for n in saved(tmp_path)["nodes"]}          # the other tab's delete stands
    warning = next(w.value for w in app.warning if "changed in another browser tab" in w.value)
    assert warning.startswith("**digits_cnn** was changed")
    assert any(md_literal("digits_cnn (your edits)") in c.value for c in app.caption)
    app.button(key="conflict_theirs_digits_cnn").click().run()
    assert not app.exception and not [w for w in app.warning if "another browser tab" in w.value]
    tabs = next(s for s in app.segmented_control if s.label == "Open graphs")
    assert list(tabs.options) == ["digits_cnn", md_literal("digits_cnn (your edits)")] and tabs.value == 0
    assert metric(app, "Nodes") == "11"                                          # the other tab's graph
    mine = saved(tmp_path, "digits_cnn_your_edits")
    assert next(n for n in mine["nodes"] if n["id"] == "fc2")["params"] == {"out_features": 5}


def test_the_conflict_message_in_chinese_and_keeping_mine(app, tmp_path):
    app.segmented_control(key="lang_switch").set_value("zh").run()
    other_tab = Workspace(tmp_path / "ws")
    doc = copy.deepcopy(other_tab.tab.doc)
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "relu3"]
    other_tab.edit(doc)
    _edit_fc2(app, 5)
    assert any("另一个浏览器标签页" in w.value for w in app.warning)
    app.button(key="conflict_mine_digits_cnn").click().run()
    assert "relu3" in {n["id"] for n in saved(tmp_path)["nodes"]}             # mine, knowingly
    theirs = next(p for p in (tmp_path / "ws" / "graphs").glob("digits_cnn_*.json"))
    assert json.loads(theirs.read_text())["name"] == "digits_cnn（来自另一个标签页）"


def test_undo_works_in_a_new_session(app, tmp_path):
    _edit_fc2(app, 5)
    again = AppTest.from_file(str(APP), default_timeout=30)     # a reload: a new session, a new Workspace
    again.run()
    assert metric(again, "Trainable parameters") == "13,381"
    again.button(key="btn_undo").click().run()
    assert metric(again, "Trainable parameters") == "13,706"
    again.button(key="btn_redo").click().run()
    assert metric(again, "Trainable parameters") == "13,381"


def test_a_setting_both_tabs_changed_is_saved_from_this_tab_and_said(app, tmp_path):
    other_tab = Workspace(tmp_path / "ws")
    other_tab.set_data_choice(data="moons")
    app.session_state["workspace"].set_data_choice(data="circles")       # as the Data page would
    app.run()
    assert [t.value for t in app.toast] == [
        "Another browser tab had changed the data choice too; this tab's choice is the one saved."]
    assert Workspace(tmp_path / "ws").data_choice()["data"] == "circles"
    app.run()
    assert not app.toast                                                   # said once


def test_a_run_that_does_not_change_the_graph_does_not_check_it_again(app, monkeypatch):
    from builder import shapes
    from ui import build_fragment
    calls = []
    real = shapes.check
    monkeypatch.setattr(build_fragment, "check", lambda doc: calls.append(1) or real(doc))
    app.session_state["focus_node"] = "fc2"               # another node shown: the same graph
    app.run()
    assert calls == [] and metric(app, "Trainable parameters") == "13,706"
    next(w for w in app.number_input if w.key and w.key.endswith(":fc2:out_features")).set_value(5).run()
    assert calls == [1] and metric(app, "Trainable parameters") == "13,381"    # an edit: checked again
