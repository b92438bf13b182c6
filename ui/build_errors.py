"""The Build page's list of problems: every one of them, a cue when the list scrolls, and each a
link that selects its node on the canvas and brings it into view."""
from __future__ import annotations

import streamlit as st

from builder.shapes import CheckResult

from .literal import md_literal
from .session import localized

FOCUS_NODE = "focus_node"        # the node the property panel shows while nothing is selected
FOCUS_REQUEST = "focus_request"  # {"id", "seq"}: the canvas selects and centres that node, once
VISIBLE_ROWS = 6                 # more problems than this scroll in a box of this many rows
ROW_PX = 46

STYLE = """<style>
[class*="st-key-build_errors"] { gap: 2px; }
[class*="st-key-build_errors"] button [data-testid="stIconMaterial"] { color: var(--st-blue-color, #1c83e1); }
[class*="st-key-build_errors"] button { justify-content: flex-start; text-align: left; width: 100%;
  padding: 4px 8px; border-radius: 6px; min-height: 0; }
[class*="st-key-build_errors"] button p { text-align: left; }
[class*="st-key-build_errors"] button:hover { background: rgba(28, 131, 225, .08); text-decoration: underline; }
.st-key-build_errors_scrolling { border: 1px solid rgba(49, 51, 63, .15); border-radius: 8px;
  background:
    linear-gradient(var(--st-background-color, #fff) 30%, transparent) center top,
    linear-gradient(transparent, var(--st-background-color, #fff) 70%) center bottom,
    radial-gradient(farthest-side at 50% 0, rgba(0, 0, 0, .18), transparent) center top,
    radial-gradient(farthest-side at 50% 100%, rgba(0, 0, 0, .18), transparent) center bottom;
  background-repeat: no-repeat; background-size: 100% 36px, 100% 36px, 100% 12px, 100% 12px;
  background-attachment: local, local, scroll, scroll; }
</style>"""


def show_node(node_id: str) -> None:
    """Ask the canvas to select ``node_id`` and bring it into view (an on_click callback, so the run
    that follows passes the request on: to the canvas it draws, or by the summary's follower,
    ui/build_fragment.py, when the list is in that fragment)."""
    previous = st.session_state.get(FOCUS_REQUEST) or {}
    st.session_state[FOCUS_NODE] = node_id
    st.session_state[FOCUS_REQUEST] = {"id": node_id, "seq": int(previous.get("seq", 0)) + 1}


def focus_request() -> dict | None:
    """The request for the canvas, taken once by the first who passes it on in a run (a canvas
    mounted later, after a visit to another page, must not jump to an old problem)."""
    request = st.session_state.get(FOCUS_REQUEST)
    if request and not request.get("sent"):
        st.session_state[FOCUS_REQUEST] = dict(request, sent=True)
        return {"id": request["id"], "seq": request["seq"]}
    return None


def style() -> None:
    """The list's look: drawn once by the page, outside the fragment the list is in (so it is not sent
    again with every edit)."""
    st.html(STYLE)


def errors_list(result: CheckResult, language: str) -> None:
    """Every error of ``result``: the count, a hint (that the list scrolls, that an entry shows its
    node), and one entry per error. An error on a node or an edge is a link to that node."""
    errors = result.errors
    scrolls = len(errors) > VISIBLE_ROWS
    st.error(localized("build.n_errors", n=len(errors)), icon=":material/error:")
    st.caption(localized("build.errors_scroll", n=len(errors)) if scrolls else localized("build.errors_click"))
    with st.container(key="build_errors_scrolling" if scrolls else "build_errors",
                      height=VISIBLE_ROWS * ROW_PX if scrolls else "content", border=False):
        for i, err in enumerate(errors):
            node_id = err.node if err.node is not None else (err.edge[1] if err.edge is not None else None)
            text = md_literal(err.message(language))
            if node_id is None:
                st.markdown(f":material/error: {text}")       # about the whole graph: no node to show
            else:
                st.button(text, key=f"err_{i}", type="tertiary", icon=":material/my_location:",
                          on_click=show_node, args=(node_id,))
