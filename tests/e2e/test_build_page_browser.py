"""The Build page in a real browser: draw, connect, edit, see errors, undo, templates, autosave, language."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.build_app import app, page, workdir  # noqa: F401 (fixtures)
from tests.e2e.canvas_helpers import (
    add_from_palette, center, drag, head, in_port, input_to_linear_panel, new_empty_tab, node, out_port,
)
from tests.graphs import chain

pytestmark = pytest.mark.e2e


def graph_file(workdir, key):
    return json.loads((workdir / "workspace" / "graphs" / f"{key}.json").read_text())


def test_draw_connect_edit_error_undo(page, app_idle, workdir):
    new_empty_tab(page, app_idle)      # a fresh tab with an empty canvas
    field = input_to_linear_panel(page, app_idle)
    # Edit a param in the property panel: the shape label follows.
    field.fill("10")
    field.press("Enter")
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 10)")
    app_idle(page)

    # An invalid connection: an LSTM wants (L, features) and gets (1, 8, 10).
    add_from_palette(page, app_idle, "LSTM", 260, 420, "lstm_1")
    drag(page, center(out_port(page, "linear_1")), center(in_port(page, "lstm_1")))
    err = node(page, "lstm_1").locator(".nc-err")
    expect(err).to_contain_text("LSTM expects input (L, features); received (1, 8, 10)")
    assert "err" in (node(page, "lstm_1").get_attribute("class") or "")
    app_idle(page)

    # Undo (Ctrl+Z on the canvas) takes the connection back: the shape error goes with it
    # (the LSTM is simply unconnected again).
    page.mouse.click(*head(page, "input_1"))
    app_idle(page)
    page.keyboard.press("Control+z")
    expect(err).to_contain_text("needs an input")
    expect(err).not_to_contain_text("(L, features)")
    app_idle(page)
    saved = graph_file(workdir, "untitled")
    assert {(e["source"], e["target"]) for e in saved["edges"]} == {("input_1", "linear_1")}
    assert next(n for n in saved["nodes"] if n["id"] == "linear_1")["params"]["out_features"] == 10


def test_template_autosave_reload_and_language(page, app_idle, new_page, app):
    page.get_by_role("button", name="Templates").click()
    page.locator(".st-key-tpl_lenet5 button").click()
    node(page, "c1").wait_for()
    app_idle(page)
    assert page.get_by_text("61,706").first.is_visible()

    # A browser reload (a new session) finds the graph where it was left: autosaved.
    page.reload()
    page.locator(".nc-root").wait_for()
    node(page, "c1").wait_for()
    assert node(page, "f7").count() == 1

    # Switch to Chinese: the page, the palette and the checker's messages change language.
    page.get_by_text("简体中文").click()
    page.get_by_text("模型概要").wait_for()
    page.locator(".nc-pal-cat", has_text="卷积").first.wait_for()
    assert page.get_by_text("检查通过").first.is_visible()
    page.get_by_text("English").click()
    page.get_by_text("Model summary").wait_for()


def test_a_bad_graph_file_keeps_the_current_graph(page, app_idle, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "netcanvas.graph", "version": 7, "nodes": []}')
    before = page.locator(".nc-node").count()
    page.get_by_role("button", name="File").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text("Could not open that file").wait_for()
    assert "version 7" in page.get_by_text("Could not open that file").text_content()
    assert page.locator(".nc-node").count() == before


def test_a_shape_with_a_letter_is_said_on_the_field_and_kept(page, app_idle):
    new_empty_tab(page, app_idle)
    add_from_palette(page, app_idle, "Input", 200, 260, "input_1")
    expect(node(page, "input_1").locator(".nc-shape")).to_have_text("(1, 8, 8)")
    page.mouse.click(*head(page, "input_1"))
    field = page.get_by_role("textbox", name="shape *")
    field.fill("4, x")
    field.press("Enter")
    expect(page.get_by_text("'x' is not a number")).to_be_visible()
    app_idle(page)
    expect(field).to_have_value("4, x")                       # what the user typed is still there to fix
    expect(node(page, "input_1").locator(".nc-shape")).to_have_text("(1, 8, 8)")   # the graph is unchanged
    field.fill("4, 4")
    field.press("Enter")
    expect(node(page, "input_1").locator(".nc-shape")).to_have_text("(4, 4)")
    expect(page.get_by_text("'x' is not a number")).to_have_count(0)


def test_every_error_is_listed_and_each_shows_its_node(page, app_idle, tmp_path):
    broken = chain(*[("Linear", {"out_features": 0}) for _ in range(12)], input_shape=(4,), name="twelve_errors")
    path = tmp_path / "twelve_errors.json"
    path.write_text(json.dumps(broken))
    page.get_by_role("button", name="File").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    node(page, "n11").wait_for()
    page.keyboard.press("Escape")
    app_idle(page)
    expect(page.get_by_text("12 problem(s) to fix before training")).to_be_visible()
    entries = page.get_by_role("button", name=re.compile(r"^node n\d+: out_features"))
    expect(entries).to_have_count(12)                                   # all of them, none left out
    expect(page.get_by_text("All 12 are listed: scroll the list for more")).to_be_visible()   # the cue
    box = page.locator(".st-key-build_errors_scrolling")
    assert box.evaluate("e => e.scrollHeight > e.clientHeight + 20")

    last = page.get_by_role("button", name=re.compile(r"^node n11: "))
    last.click()                                                        # scrolled to, then clicked
    expect(node(page, "n11")).to_have_class(re.compile(r"\bsel\b"))    # selected on the canvas ...
    canvas_box = page.locator(".nc-viewport").bounding_box()
    app_idle(page)
    node_box = node(page, "n11").bounding_box()                         # ... and in view
    assert canvas_box["x"] <= node_box["x"] and node_box["x"] + node_box["width"] <= canvas_box["x"] + canvas_box["width"]
    assert canvas_box["y"] <= node_box["y"] and node_box["y"] + node_box["height"] <= canvas_box["y"] + canvas_box["height"]
    expect(page.get_by_text("n11 · Core")).to_be_visible()             # the property panel shows it
    first = page.get_by_role("button", name=re.compile(r"^node n0: "))
    first.click()
    expect(node(page, "n0")).to_have_class(re.compile(r"\bsel\b"))
    expect(node(page, "n11")).not_to_have_class(re.compile(r"\bsel\b"))


def test_rename_the_current_graph(page, app_idle):
    new_empty_tab(page, app_idle)
    current_tab = page.locator("[class*=\"st-key-tabs_\"]").get_by_role("radio", checked=True)
    expect(current_tab).to_have_text("untitled")
    page.get_by_role("button", name="File").click()
    field = page.get_by_role("textbox", name="Name of this graph")
    field.fill("")
    field.press("Enter")
    expect(page.get_by_text("A graph needs a name: the name cannot be empty.")).to_be_visible()
    field.fill("我的 MLP <i>v2</i>")
    page.get_by_role("button", name="Rename").click()
    expect(current_tab).to_have_text("我的 MLP <i>v2</i>")              # the tab, as text
    app_idle(page)
    expect(page.get_by_role("textbox", name="Name of this graph")).to_have_value("我的 MLP <i>v2</i>")


def _view(page) -> tuple[float, float, float]:
    matrix = page.locator(".nc-world").evaluate("e => getComputedStyle(e).transform")
    a, _b, _c, _d, tx, ty = (float(v) for v in re.findall(r"[-\d.e]+", matrix))
    return round(a, 4), round(tx), round(ty)


def test_each_graph_tab_keeps_its_view(page, app_idle):
    new_empty_tab(page, app_idle)
    page.get_by_role("button", name="Templates").click()
    page.locator(".st-key-tpl_perceptron button").click()
    node(page, "x").wait_for()
    app_idle(page)
    page.locator('.nc-btn[data-action="zoom_in"]').click()
    vp = page.locator(".nc-viewport").bounding_box()
    start = (vp["x"] + 60, vp["y"] + vp["height"] - 60)
    drag(page, start, (start[0] + 70, start[1] - 40), steps=5)          # pan by dragging the background
    left = _view(page)

    new_empty_tab(page, app_idle)                                       # another tab ...
    page.locator("[class*=\"st-key-tabs_\"]").get_by_role("radio", name="perceptron").click()   # ... and back
    node(page, "x").wait_for()
    app_idle(page)
    expect(page.locator(".nc-zoom")).to_have_text(f"{round(left[0] * 100)}%")
    assert _view(page) == left
