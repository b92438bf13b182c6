"""The Build page in three parts: the page (the workspace bar, conflicts, the canvas's and side panel's
columns) and two fragments, one with the canvas and the side panel's node form, one with the check's
verdict (at the top of the side panel: all is well, or every problem), the summary and the code below.
An edit on the canvas or in the side panel reruns only the canvas's fragment instead of the whole page.

The verdict and summary are then updated by a run of their own fragment, after the canvas has drawn:
while it shows an older check, the canvas's fragment asks the canvas to announce when its payload is on
the screen (``summary_request``), and a follower in the summary's fragment (``follow_the_canvas``, an
invisible component listening for it) sets a trigger of its own, which reruns its own fragment. The
edit's result reaches the canvas without waiting for the verdict's and summary's ~20 elements to be
sent and rendered first (the canvas marks each problem on its node at once); a click that only selects
a node reruns neither. A problem clicked in the verdict is passed on to the canvas by the follower,
which selects and centres its node. Being a plain widget of that fragment, the
follower's rerun joins any other the user asks for at the same moment (Streamlit runs the union of
the fragments asked for): no click is lost to it, and it cuts no run short.

What the page above the fragment shows from the graph is kept right by ``rerun_page_if_changed``:
the page remembers what it showed (``remember_page``: the tabs' names, the current tab, a conflict
with another browser tab), and a fragment run whose edit changed any of it reruns the whole page. The
undo and redo buttons in the page's bar are drawn by the fragment (into the bar's columns), so the
first edit, which makes undo possible, reruns only the fragment. What the page offers to download is
made when clicked, from the graph as it is then (``document_download``). The code is generated only to be shown (the code view open) or
downloaded (``code_download``, when clicked): an edit with the code view closed generates none.
"""
from __future__ import annotations

import secrets
from typing import Callable

import streamlit as st

from builder import codegen
from builder.graph import copy_document, write_document
from builder.shapes import CheckResult, check

from .canvas import in_fragment_rerun, read_canvas_event
from .served_component import reported

PAGE_SHOWS = "build_page_shows"     # session state: what the page outside the fragment was drawn with
CODE_VIEW_KEY = "build_code_view"   # the code expander (its state says whether it is open)
CHECKED = "build_checked"           # session state: (a copy of the graph last checked, its CheckResult, its number)
SUMMARY_SHOWS = "build_summary_shows"   # session state: the CheckResult the summary was last drawn with
WORK_KEY = "build_work"             # the container of the canvas and its side panel (made by the page)
VERDICT_KEY = "build_verdict"       # the top of the side panel: the check's verdict, drawn by the summary's fragment
UNDO_KEY, REDO_KEY = "btn_undo", "btn_redo"   # the fragment's buttons in the page's bar
LISTEN_KEY = "build_canvas_listen"  # session state: the token the canvas listens with (ui/canvas_check.py)


def steady_style() -> None:
    """The canvas, its side panel and the bar's undo and redo are never faded while a run redraws them:
    drawn once by the page, outside the fragment they are in.

    Streamlit fades an element its current run has not reached yet with an opacity transition (delayed
    0.5 s, so a quick run never shows it). Starting it when a run began and cancelling it when the
    element came made Chrome paint each of them anew twice per edit: the whole canvas, 30-50 ms each
    at 200 nodes with software raster. The canvas shows its own state and stays usable during a run;
    the status widget says a run is going on.
    """
    steady = [f".st-key-{WORK_KEY} .stElementContainer"] + [f".stElementContainer.st-key-{k}" for k in (UNDO_KEY, REDO_KEY)]
    st.html(f"<style>{', '.join(steady)} {{ opacity: 1 !important; transition: none !important; }}</style>")


def apply_canvas_event(ws, key: str, rev_of: Callable[[], str]) -> list[str]:
    """Apply what the canvas sent (an edit, undo or redo) to the current tab; the selected node ids.
    Applying it twice is harmless: the second time finds nothing newer than the tab's ``seq``."""
    tab = ws.tab
    event = read_canvas_event(key, rev=rev_of(), ack=tab.seq, graph=tab.doc)
    if event is not None and event.seq is not None:
        tab.seq = event.seq
        if event.graph is not None:
            ws.edit(event.graph)
        if event.command == "undo":
            ws.undo()
        elif event.command == "redo":
            ws.redo()
    return event.selection if event is not None else []


def listen_token() -> str:
    """This session's token for the canvas's socket: pushes made with it reach this session's canvas
    alone (another browser tab is another session)."""
    token = st.session_state.get(LISTEN_KEY)
    if not isinstance(token, str):
        token = st.session_state[LISTEN_KEY] = secrets.token_urlsafe(18)
    return token


def checked(doc: dict) -> CheckResult:
    """``check(doc)``, kept for the next run: a run that did not change the graph (a node selected,
    an error clicked, the code view opened) does not check it again."""
    kept = st.session_state.get(CHECKED)
    if kept is not None and kept[0] == doc:
        return kept[1]
    result = check(doc)
    st.session_state[CHECKED] = (copy_document(doc), result, (kept[2] + 1) if kept is not None else 1)
    return result


def summary_request(result: CheckResult) -> str | None:
    """What the canvas is to say once drawn (``graph_canvas(drawn=...)``): in a run of the canvas's
    fragment alone, while the summary shows another check than ``result`` (what ``checked`` gave in
    this run), a name of this check; else None (a whole-page run draws the summary itself)."""
    if not in_fragment_rerun() or st.session_state.get(SUMMARY_SHOWS) is result:
        return None
    return f"check-{st.session_state[CHECKED][2]}"     # ``result`` is the one ``checked`` kept


def summary_shows(result: CheckResult) -> None:
    """Called by the summary's fragment: the check it is drawn with."""
    st.session_state[SUMMARY_SHOWS] = result


# The summary's follower: the canvas announces on window what it drew (ui/canvas, ``drawn``); each
# value not told yet becomes a trigger of this component, which reruns the fragment it is in. A value
# announced while it was not listening (between two of its runs) is left on window for it.
# The other way, a request to show a node (a problem clicked in the verdict, which this fragment
# draws) is passed on to the canvas as a window event, once per request: the canvas selects and
# centres the node as for its own ``focus`` (ui/canvas/js/protocol.js), without a run of its fragment.
FOLLOWER_JS = """
export default function ({ data, setTriggerValue }) {
  const tell = (token) => {
    if (typeof token !== "string" || token === window.__netcanvasDrawnTold) return;
    window.__netcanvasDrawnTold = token;
    setTriggerValue("drawn", token);
  };
  const hear = (event) => tell(event.detail);
  window.addEventListener("netcanvas:drawn", hear);
  tell(window.__netcanvasDrawn);
  const focus = data && data.focus;
  if (focus && typeof focus === "object" && focus.seq !== window.__netcanvasFocusTold) {
    window.__netcanvasFocusTold = focus.seq;
    window.dispatchEvent(new CustomEvent("netcanvas:focus", { detail: focus }));
  }
  return () => window.removeEventListener("netcanvas:drawn", hear);
}
"""
_follower = st.components.v2.component("netcanvas_summary_follower", html="", js=FOLLOWER_JS)


def follow_the_canvas(focus: dict | None) -> None:
    """Called in the summary's fragment: rerun it when the canvas has drawn a check it does not show;
    ``focus``: a node the canvas is to show (``build_errors.focus_request``), or None."""
    _follower(key="summary_follower", data={"focus": focus}, height=0, on_drawn_change=reported)


def page_shows(ws) -> tuple:
    """What the page outside the fragment shows that an edit in the fragment may change (not undo and
    redo: the fragment draws them in the page's bar)."""
    return ws.active, tuple((t.key, t.name, t.conflict is not None) for t in ws.tabs)


def remember_page(ws) -> None:
    """Called by the page (a whole-page run) once its bar is drawn."""
    st.session_state[PAGE_SHOWS] = page_shows(ws)


def rerun_page_if_changed(ws) -> None:
    """After the fragment applied an edit: rerun the whole page if the edit changed what it shows (a
    tab's name after an undo, a conflict found on saving)."""
    if st.session_state.get(PAGE_SHOWS) != page_shows(ws):
        st.rerun(scope="app")


def document_download(tab) -> Callable[[], str]:
    """The graph file of ``tab`` as it is when the download is clicked."""
    return lambda: write_document(tab.doc)


def source(doc: dict, result: CheckResult) -> str:
    """The generated PyTorch code of a graph that checks."""
    return codegen.generate(doc, result).source


def code_download(doc: dict, result: CheckResult) -> Callable[[], str]:
    """The code of this graph, generated when the download is clicked."""
    return lambda: source(doc, result)
