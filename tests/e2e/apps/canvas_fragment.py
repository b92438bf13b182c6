"""Test app: ui.canvas in a fragment, as the Build page mounts it, to drive its payloads.

Each node is annotated with its shape label ``"<n> nodes"`` (n: how many nodes the graph has), so a
test sees that the annotations of every run reached the canvas. The button "lose" makes Python
believe that ten payloads were sent which the canvas never got (as when a rerun drops them): the
next payload builds on one the canvas does not hold. What Python holds is printed in ``st.code``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.canvas import SENT_STATE, canvas_strings, graph_canvas, read_canvas_event  # noqa: E402

PALETTE = [{"type": "ReLU", "category": "Activation", "category_label": "Activation", "title": "ReLU",
            "help": "max(0, x)", "defaults": {}, "inputs": {"min": 1, "max": 1, "names": ["in"]}, "key_params": []}]
ss = st.session_state
ss.setdefault("graph", {"format": "netcanvas.graph", "version": 1, "nodes": [], "edges": []})
ss.setdefault("ack", 0)
ss.setdefault("resyncs", 0)


def lose_payloads():
    ss[SENT_STATE + "canvas"] = dict(ss[SENT_STATE + "canvas"], id=ss[SENT_STATE + "canvas"]["id"] + 10)


@st.fragment
def canvas_part():
    state = ss.get("canvas")
    if state is not None and isinstance(dict(state).get("resync"), dict):
        ss.resyncs += 1
    event = read_canvas_event("canvas", rev=1, ack=ss.ack, graph=ss.graph)
    if event is not None and event.seq is not None:
        ss.ack = event.seq
        if event.graph is not None:
            ss.graph = event.graph
    n = len(ss.graph["nodes"])
    annotations = {"nodes": {node["id"]: {"shape": f"{n} nodes", "params": 0, "error": None}
                             for node in ss.graph["nodes"]}, "edges": {}, "graph_errors": []}
    graph_canvas(ss.graph, rev=1, palette=PALETTE, annotations=annotations, strings=canvas_strings("en"),
                 ack=ss.ack, key="canvas", height=420)
    st.button("lose", on_click=lose_payloads)
    st.code(json.dumps({"nodes": [x["id"] for x in ss.graph["nodes"]], "resyncs": ss.resyncs,
                        "sent": ss.get(SENT_STATE + "canvas", {}).get("id")}), language="json")


canvas_part()
