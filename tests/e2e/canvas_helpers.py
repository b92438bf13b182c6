"""Mouse helpers for driving the canvas (shared by the canvas and the Build page tests)."""
from __future__ import annotations

import re

from playwright.sync_api import expect


STREAM = "/_stcore/stream"      # Streamlit's websocket (the canvas's check socket, ui/canvas_check.py, is another)


def on_streamlit_frames(page, handler) -> None:
    """Call ``handler(payload)`` with each message the page gets on Streamlit's websocket (a ForwardMsg)."""
    page.on("websocket", lambda ws: ws.on("framereceived", handler) if ws.url.split("?")[0].endswith(STREAM) else None)


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box, f"{locator} has no box"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page, src, dst, steps: int = 8) -> None:
    page.mouse.move(*src)
    page.mouse.down()
    page.mouse.move(*dst, steps=steps)
    page.mouse.up()


def node(page, node_id: str):
    return page.locator(f'.nc-node[data-id="{node_id}"]')


def head(page, node_id: str) -> tuple[float, float]:
    box = node(page, node_id).locator(".nc-head").bounding_box()
    return box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2


def out_port(page, node_id: str):
    return node(page, node_id).locator(".nc-port.nc-out")


def in_port(page, node_id: str, port: int = 0):
    return node(page, node_id).locator(f'.nc-port.nc-in[data-port="{port}"]')


def drop_from_palette(page, type_: str, dx: float, dy: float, steps: int = 6) -> None:
    """Drag the palette entry ``type_`` to (dx, dy) px from the canvas's top-left."""
    item = page.locator(f'.nc-pal-item[data-type="{type_}"]')
    item.scroll_into_view_if_needed()
    vp = page.locator(".nc-viewport").bounding_box()
    drag(page, center(item), (vp["x"] + dx, vp["y"] + dy), steps)


def zoom(page) -> float:
    m = page.locator(".nc-world").evaluate("e => getComputedStyle(e).transform")
    return float(re.match(r"matrix\(([-\d.e]+)", m).group(1))


def new_empty_tab(page, app_idle) -> None:
    """The Build page's + button: a new, empty graph tab to draw on."""
    page.locator(".st-key-btn_new button").first.click()
    page.locator(".nc-empty").wait_for()
    app_idle(page)


def add_from_palette(page, app_idle, type_: str, dx: float, dy: float, node_id: str) -> None:
    """Drop ``type_`` at (dx, dy) on the canvas and wait until node ``node_id`` is drawn and the app idle."""
    drop_from_palette(page, type_, dx, dy)
    node(page, node_id).wait_for()
    app_idle(page)


def input_to_linear_panel(page, app_idle):
    """Input -> Linear drawn and wired on an empty canvas, the Linear selected: its out_features field."""
    add_from_palette(page, app_idle, "Input", 120, 220, "input_1")
    add_from_palette(page, app_idle, "Linear", 420, 220, "linear_1")   # the view settles before we aim at the ports
    drag(page, center(out_port(page, "input_1")), center(in_port(page, "linear_1")))
    # Python checks the graph and sends the shape back onto the node: (1, 8, 8) -> Linear(64).
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    app_idle(page)
    page.mouse.click(*head(page, "linear_1"))
    field = page.get_by_role("spinbutton", name="out_features *")
    field.wait_for()
    return field


# Streamlit's messages to the page (its websocket only: not the canvas's check socket), slowed or held: each
# handed over at least ``window.__paceMs`` after the one before (0: at once), so that the page shows what it
# shows between a run's start and that run's elements, as during a slow run; or, while ``window.__hold`` is
# set, kept until ``window.__release()`` hands them over in order (the runs made meanwhile reach it only then).
PACED_MESSAGES = """(() => { const Base = window.WebSocket; let last = 0; const held = [];
  window.__paceMs = 0;
  window.__hold = false;
  window.__release = () => { window.__hold = false; held.splice(0).forEach(f => f()); };
  window.WebSocket = class extends Base {
    addEventListener(type, listener, ...rest) {
      if (type !== 'message' || !String(this.url).includes('STREAM'))
        return super.addEventListener(type, listener, ...rest);
      return super.addEventListener(type, (e) => {
        if (window.__hold || held.length) return held.push(() => listener(e));
        const pace = window.__paceMs;
        if (!pace) return listener(e);
        last = Math.max(performance.now(), last + pace);
        setTimeout(() => listener(e), last - performance.now());
      }, ...rest);
    }
  };
})()""".replace("STREAM", STREAM)
