"""Streamlit's Plotly bundle, loaded by the browser before a page needs it.

The first page of a browser session that draws a Plotly figure (Data, Train) waits for Streamlit's
Plotly bundle: about 4.7 MB of JavaScript, a second or more of CPU to compile and run on a small
machine, more than the rest of the Data page's first visit together. ``preload_in_browser``
(ui/shell.py calls it after each run) sends, on a session's first run, an invisible component that
imports that bundle once the browser is idle and the user has not touched the page (pointer,
keys, wheel) for 2 s, at least 0.3 s after the first page is drawn. Running the bundle holds the
browser for about a second, so it must not start under a user who is already at work: on the
Build page a first drag taken in that second was drawn 1.4 s late instead of 0.2 s. The browser
keeps one copy of a module per address, so the chart that needs it later finds it loaded; a
visit before the bundle is ready waits for that same load, never starts a second one.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

DELAY_MS = 300     # after the first page is drawn, and when the browser is next idle
QUIET_MS = 2000    # ... and the user has not touched the page for this long

JS = """
export default function ({ data }) {
  if (!data || !data.bundle || window.__netcanvasPlotlyPreload) return;
  window.__netcanvasPlotlyPreload = true;
  const index = [...document.scripts].find((s) => /\\/static\\/js\\/index\\.[^/]*\\.js$/.test(s.src));
  if (!index) return;
  const inputs = ["pointerdown", "pointermove", "keydown", "wheel"];
  let touched = performance.now();
  const seen = () => { touched = performance.now(); };
  for (const type of inputs) window.addEventListener(type, seen, { capture: true, passive: true });
  const load = () => {
    const quiet = performance.now() - touched;
    if (quiet < data.quiet_ms) { setTimeout(() => whenIdle(load, { timeout: 3000 }), data.quiet_ms - quiet); return; }
    for (const type of inputs) window.removeEventListener(type, seen, { capture: true });
    import(new URL(data.bundle, index.src).href).catch(() => {});
  };
  const whenIdle = window.requestIdleCallback || ((f) => setTimeout(f, 0));
  setTimeout(() => whenIdle(load, { timeout: 3000 }), data.delay_ms);
}
"""

_component = st.components.v2.component("netcanvas_plotly_preload", html="", js=JS)


@lru_cache(maxsize=1)
def plotly_bundle() -> str | None:
    """The file name of Streamlit's Plotly chart bundle (``PlotlyChart.<hash>.js``, next to the
    ``index.<hash>.js`` the page loads); None unless this Streamlit has exactly one."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


def preload_in_browser() -> bool:
    """On a session's first run, ask the browser to load the Plotly bundle when it is idle. Draws
    nothing; True when this run asked."""
    bundle = plotly_bundle()
    if bundle is None or st.session_state.get("plotly_preload_sent"):
        return False
    st.session_state["plotly_preload_sent"] = True
    _component(key="plotly_preload", data={"bundle": bundle, "delay_ms": DELAY_MS, "quiet_ms": QUIET_MS}, height=0)
    return True
