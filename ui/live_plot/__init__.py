"""Plotly figures that update in place: a Streamlit custom component (v2, plain JS, no iframe).

``st.plotly_chart`` gives a chart a new element id whenever its figure changes, so a
figure refreshed every second is unmounted and drawn from scratch each time: the
zoom is lost (``uirevision`` cannot help), the chart blinks, and the browser pays for
a full ``Plotly.newPlot``. ``live_plot(fig, key=...)`` keeps one element per ``key``
and calls ``Plotly.react`` with the new figure instead; a call whose ``rev`` was
already drawn costs the browser nothing.

The component uses the plotly.js that Streamlit's own charts load (``window.Plotly``);
``ensure_plotly()`` draws one tiny, never-changing ``st.plotly_chart`` so that it is
loaded on any page that shows live plots.
"""
from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

_HERE = Path(__file__).parent
COMPONENT_NAME = "netcanvas_live_plot"
_mount = st.components.v2.component(COMPONENT_NAME, js=(_HERE / "live_plot.js").read_text(encoding="utf-8"),
                                    css=".nc-live-plot{width:100%}", isolate_styles=False)
DEFAULT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def spec(fig: go.Figure) -> dict:
    """The figure as plain JSON (what Plotly.react takes)."""
    return json.loads(pio.to_json(fig, validate=False))


def live_plot(fig: go.Figure | dict, *, key: str, rev=None, height: int | None = None,
              config: dict | None = None) -> None:
    """Draw ``fig`` under ``key``; later calls with the same key update it in place.

    ``rev`` names the figure's content (e.g. the data version): pass the same ``rev``
    and ``fig`` may be a cached spec, and the browser does nothing at all.
    """
    data = fig if isinstance(fig, dict) else spec(fig)
    h = height or (data.get("layout") or {}).get("height") or 300
    _mount(key=key, data={"spec": data, "config": config or DEFAULT_CONFIG, "rev": str(rev if rev is not None
                                                                                    else hash(json.dumps(data)))
                          , "height": int(h)}, height=int(h))


def ensure_plotly() -> None:
    """Have Streamlit load plotly.js on this page (a 1-pixel static chart, drawn once)."""
    with st.container(key="nc_plotly_loader", height=1, border=False):
        st.plotly_chart(go.Figure(layout=dict(height=10, width=10, margin=dict(l=0, r=0, t=0, b=0),
                                              xaxis=dict(visible=False), yaxis=dict(visible=False))),
                        config={"staticPlot": True, "displayModeBar": False}, key="nc_plotly_loader_chart")
