"""The canvas's JS and CSS reach the browser once per page load, by URL (the JS, and an entry module holding
the CSS), and never again with an edit's messages (Streamlit would send inline source with every rerun
that draws the canvas)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.canvas_helpers import add_from_palette, center, drag, in_port, new_empty_tab, node, out_port
from tests.e2e.build_app import app, workdir  # noqa: F401 (fixtures)
from ui.canvas import JS_PARTS

CANVAS = Path(__file__).resolve().parents[2] / "ui" / "canvas"

pytestmark = pytest.mark.e2e

ASSETS = "/_stcore/bidi-components/netcanvas.graph_canvas/"
# A line of the canvas's own source (its entry point) and of its style sheet: text only they hold.
JS_MARK = next(line for line in (CANVAS / "js" / "canvas.js").read_text(encoding="utf-8").splitlines()
               if line.startswith("export default function"))
CSS_MARK = (CANVAS / "canvas.css").read_text(encoding="utf-8").splitlines()[0]


class Traffic:
    """Requests for the canvas's files, and the websocket messages the page received."""

    def __init__(self, page) -> None:
        self.assets: list[str] = []
        self.frames: list[bytes] = []
        page.on("request", lambda r: self.assets.append(r.url.split(ASSETS, 1)[1]) if ASSETS in r.url else None)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode("utf-8"))

    def received(self) -> bytes:
        return b"".join(self.frames)


def test_the_canvas_source_is_fetched_once_per_page_and_not_sent_with_edits(app, new_page, app_idle):
    assert JS_PARTS[-1] == "canvas.js" and len(JS_MARK) > 20 and len(CSS_MARK) > 20
    page = new_page()
    traffic = Traffic(page)
    page.goto(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    new_empty_tab(page, app_idle)                                         # a whole-page run: the canvas drawn again
    modules = sorted(traffic.assets)
    assert len(modules) == 2 and all(a.startswith("graph_canvas") and a.endswith(".js") for a in modules), modules

    traffic.frames.clear()
    add_from_palette(page, app_idle, "Input", 120, 220, "input_1")        # three edits, each a rerun of the canvas part
    add_from_palette(page, app_idle, "Linear", 420, 220, "linear_1")
    drag(page, center(out_port(page, "input_1")), center(in_port(page, "linear_1")))
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    app_idle(page)
    sent = traffic.received()
    assert traffic.frames, "no messages were received after the edits"
    assert JS_MARK.encode() not in sent and CSS_MARK.encode() not in sent   # the source stayed out of them
    assert sorted(traffic.assets) == modules                               # and was not fetched again
    assert node(page, "input_1").evaluate("e => getComputedStyle(e).width") == "200px"   # styled by canvas.css

    page.reload()                                                           # a new page loads it again (cached or not)
    page.locator(".nc-root").wait_for()
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
