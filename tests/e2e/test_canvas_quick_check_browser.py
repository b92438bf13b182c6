"""An edit on the canvas is answered by the check socket (ui/canvas_check.py) before the fragment's run:
the canvas draws the socket's shapes and errors at once, then Python's own for that edit."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.build_app import app, workdir  # noqa: F401 (fixtures)
from tests.e2e.canvas_helpers import (
    PACED_MESSAGES, STREAM, add_from_palette, center, drag, drop_from_palette, in_port, input_to_linear_panel,
    new_empty_tab, node, out_port,
)
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
            if "listen" in msg:             # the canvas listens for pushes: none in this test
                return
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
    checks = [f for f in frames["sent"] if "seq" in f]
    assert len(checks) == 3, frames["sent"]                                       # one per edit
    assert [f for f in frames["sent"] if "seq" not in f] == [{"listen": frames["sent"][0]["listen"]}]
    last = frames["received"][-1]
    assert last["seq"] == checks[-1]["seq"]
    assert last["annotations"]["nodes"]["linear_1"]["shape"] == "(1, 8, 64)"
    assert last["annotations"]["edges"]["input_1->linear_1:0"]["shape"] == "(1, 8, 8)"


# Each text node linear_1 showed, with how many payloads and pushes the canvas had taken by then.
WATCH_TAKEN = """root => { window.__ncTaken = []; const sr = root.getRootNode();
  new MutationObserver(() => { const n = sr.querySelector('.nc-node[data-id="linear_1"]');
      if (n) window.__ncTaken.push([n.textContent, root._ncStats.updates, root._ncStats.pushes]); })
    .observe(sr, {subtree: true, childList: true, characterData: true}); }"""


def first_showing(page, text: str) -> list:
    """[text, payloads taken, pushes taken] when linear_1 first showed ``text``."""
    return next((t for t in page.evaluate("window.__ncTaken") if text in t[0]), None)


def taken(root) -> list[int]:
    return root.evaluate("r => [r._ncStats.updates, r._ncStats.pushes]")


def wait_for_a_payload(page, root, payloads: int) -> None:
    page.wait_for_function("([r, n]) => r._ncStats.updates > n", arg=[root.element_handle(), payloads])


def test_a_param_edit_and_undo_beside_the_canvas_are_pushed_to_it_before_their_run(app, new_page, app_idle):
    """The side panel's edit and the bar's undo are Streamlit widgets: their runs draw the canvas last,
    after the run's start, status and elements have been rendered (here slowed down). The canvas shows the
    new shape before that run's payload: pushed over its socket from the edit's callback. The same for
    the canvas's own undo and redo, pushed as the run applies them."""
    page = open_build_page(new_page, app, app_idle, lambda p: p.add_init_script(PACED_MESSAGES))
    field = input_to_linear_panel(page, app_idle)
    app_idle(page)
    root = page.locator(".nc-root")
    root.evaluate(WATCH_TAKEN)
    payloads, pushes = taken(root)
    page.evaluate("window.__paceMs = 100")      # the runs' messages come slowly
    field.fill("20")
    field.press("Enter")
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 20)")
    assert first_showing(page, "(1, 8, 20)")[1:] == [payloads, pushes + 1], page.evaluate("window.__ncTaken")
    app_idle(page)
    wait_for_a_payload(page, root, payloads)      # the run's own, which changed nothing the push drew
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 20)")

    payloads, pushes = taken(root)
    page.evaluate("window.__ncTaken = []")
    page.locator(".st-key-btn_undo button").first.click()
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    assert first_showing(page, "(1, 8, 64)")[1:] == [payloads, pushes + 1], page.evaluate("window.__ncTaken")
    app_idle(page)
    wait_for_a_payload(page, root, payloads)
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    expect(field).to_have_value("64")

    # the canvas's own undo and redo: a command the fragment's run applies, pushed as soon as it is
    for action, shows in (("undo", "needs an input"), ("redo", "(1, 8, 64)")):    # the wire taken back, then again
        payloads, pushes = taken(root)
        page.evaluate("window.__ncTaken = []")
        page.locator(f'.nc-btn[data-action="{action}"]').click()
        expect(node(page, "linear_1")).to_contain_text(shows)
        assert first_showing(page, shows)[1:] == [payloads, pushes + 1], page.evaluate("window.__ncTaken")
        app_idle(page)
        wait_for_a_payload(page, root, payloads)
        expect(node(page, "linear_1")).to_contain_text(shows)
    page.evaluate("window.__paceMs = 0")


# Streamlit's websocket slowed on the way out while window.__sendLagMs is set: each message the page
# sends leaves that much later, in order (a slow network), so an edit's rerun and the press after it
# reach the server together.
LAGGED_SENDS = """(() => { const Base = window.WebSocket; let last = 0;
  window.__sendLagMs = 0;
  window.WebSocket = class extends Base {
    send(data) {
      const lag = window.__sendLagMs;
      if (!lag || !String(this.url).includes('STREAM')) return super.send(data);
      last = Math.max(performance.now() + lag, last);
      setTimeout(() => super.send(data), last - performance.now());
    }
  };
})()""".replace("STREAM", STREAM)


def test_an_edit_followed_at_once_by_another_pages_link_is_kept(app, new_page, app_idle):
    """The press on the Train page's link reaches the server with the edit's rerun (a slow network): the
    edit's fragment run is not cut short by the Train page's run, and the edit is on the canvas after."""
    page = open_build_page(new_page, app, app_idle, lambda p: p.add_init_script(LAGGED_SENDS))
    page.evaluate("window.__sendLagMs = 400")
    drop_from_palette(page, "ReLU", 300, 220)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.wait_for_timeout(600)
    page.evaluate("window.__sendLagMs = 0")
    app_idle(page)
    page.get_by_test_id("stTopNavLink").filter(has_text="Build").click()
    page.locator(".nc-root").wait_for()
    app_idle(page)
    expect(node(page, "relu_1")).to_contain_text("needs an input")


def test_a_push_that_comes_after_an_edit_on_the_canvas_is_not_drawn_over_it(app, new_page, app_idle):
    """A param edit beside the canvas is pushed to it; here the push is held on the way (a slow socket)
    until the user has dropped a layer on the canvas. The push does not know that drop: it is not drawn
    (the drop would vanish until the runs are over), and both edits are on the canvas in the end."""
    held, route = [], {"hold": False}

    def slow_pushes(ws):
        route["ws"] = ws
        server = ws.connect_to_server()

        def from_server(message):
            if route["hold"] and '"push"' in str(message):
                held.append(message)
            else:
                ws.send(message)
        server.on_message(from_server)

    def before(p):
        p.route_web_socket("**" + CHECK_PATH, slow_pushes)
        p.add_init_script(PACED_MESSAGES)     # after the route: it wraps Playwright's routed WebSocket

    page = open_build_page(new_page, app, app_idle, before)
    field = input_to_linear_panel(page, app_idle)
    app_idle(page)
    root = page.locator(".nc-root")
    pushes = taken(root)[1]
    page.evaluate("window.__hold = true")       # the param edit's run reaches the page only when released
    route["hold"] = True
    field.fill("20")
    field.press("Enter")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1, held
    drop_from_palette(page, "ReLU", 300, 360)
    expect(node(page, "relu_1")).to_contain_text("needs an input")     # the socket's answer to the drop
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")      # the param edit's run has not drawn yet
    route["hold"] = False
    route["ws"].send(held.pop())
    page.wait_for_timeout(300)
    assert taken(root)[1] == pushes             # not taken: it would have drawn the graph without relu_1
    expect(node(page, "relu_1")).to_be_visible()
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    page.evaluate("window.__release()")
    app_idle(page)
    expect(node(page, "relu_1")).to_contain_text("needs an input")
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 20)")
