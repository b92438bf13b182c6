"""An edit on the canvas is answered by the check socket (ui/canvas_check.py) before the fragment's run:
the canvas draws the socket's shapes and errors at once, then Python's own for that edit."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.build_app import app, workdir  # noqa: F401 (fixtures)
from tests.e2e.canvas_helpers import add_from_palette, center, drag, drop_from_palette, in_port, new_empty_tab, node, out_port
from ui.canvas_check import CHECK_PATH

pytestmark = pytest.mark.e2e

# Every text a node of the canvas showed, recorded by a MutationObserver on the canvas's shadow root.
WATCH = """root => { window.__ncSeen = []; const sr = root.getRootNode();
  new MutationObserver(() => { for (const n of sr.querySelectorAll('.nc-node')) window.__ncSeen.push(n.dataset.id + ':' + n.textContent); })
    .observe(sr, {subtree: true, childList: true, characterData: true}); }"""


def open_build_page(new_page, app, app_idle, before=None):
    """The Build page on an empty graph; ``before(page)`` runs before it loads (the socket opens with it)."""
    page = new_page()
    if before:
        before(page)
    page.goto(app.url)
    page.locator(".nc-root").wait_for(timeout=120_000)
    app_idle(page, timeout=60_000)
    new_empty_tab(page, app_idle)
    return page


def seen(page, node_id: str) -> list[str]:
    return [t.split(":", 1)[1] for t in page.evaluate("window.__ncSeen") if t.startswith(node_id + ":")]


def test_the_canvas_draws_the_sockets_answer_then_the_runs(app, new_page, app_idle):
    """The socket is played by the test: its answer names a shape no check gives, which the canvas draws
    until Python's annotations for the edit replace it. An answer for an older edit is never drawn."""
    asked = []

    def fake_socket(ws):
        def on_message(message):
            msg = json.loads(message)
            asked.append(msg)
            ids = [n["id"] for n in msg["graph"]["nodes"]]
            stale = {"nodes": {i: {"shape": "(99, 99)", "params": 0} for i in ids}, "edges": {}, "graph_errors": []}
            ws.send(json.dumps({"seq": msg["seq"] - 1, "annotations": stale}))     # an older edit's: dropped
            quick = {"nodes": {i: {"shape": "(12345,)", "params": 0} for i in ids}, "edges": {}, "graph_errors": []}
            ws.send(json.dumps({"seq": msg["seq"], "annotations": quick}))
        ws.on_message(on_message)

    page = open_build_page(new_page, app, app_idle, lambda p: p.route_web_socket("**" + CHECK_PATH, fake_socket))
    page.locator(".nc-root").evaluate(WATCH)
    add_from_palette(page, app_idle, "ReLU", 300, 200, "relu_1")
    expect(node(page, "relu_1")).to_contain_text("needs an input")       # Python's, in the end
    assert asked and asked[-1]["lang"] == "en" and [n["id"] for n in asked[-1]["graph"]["nodes"]] == ["relu_1"]
    shown = seen(page, "relu_1")
    assert any("(12345,)" in t for t in shown), shown                     # the socket's answer was drawn
    assert not any("(99, 99)" in t for t in shown), shown                 # the older one never
    assert "(12345,)" not in node(page, "relu_1").text_content()


def test_the_real_socket_answers_each_edit_with_its_check(app, new_page, app_idle):
    frames = {"sent": [], "received": []}

    def watch(ws):
        if ws.url.endswith(CHECK_PATH):
            ws.on("framesent", lambda p: frames["sent"].append(json.loads(p)))
            ws.on("framereceived", lambda p: frames["received"].append(json.loads(p)))

    page = open_build_page(new_page, app, app_idle, lambda p: p.on("websocket", watch))
    add_from_palette(page, app_idle, "Input", 120, 220, "input_1")
    drop_from_palette(page, "Linear", 420, 220)
    node(page, "linear_1").wait_for()
    drag(page, center(out_port(page, "input_1")), center(in_port(page, "linear_1")))
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    app_idle(page)
    assert len(frames["sent"]) == 3, [f["seq"] for f in frames["sent"]]       # one per edit
    last = frames["received"][-1]
    assert last["seq"] == frames["sent"][-1]["seq"]
    assert last["annotations"]["nodes"]["linear_1"]["shape"] == "(1, 8, 64)"
    assert last["annotations"]["edges"]["input_1->linear_1:0"]["shape"] == "(1, 8, 8)"
