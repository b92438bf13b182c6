"""The Build page in three parts: the page (the workspace bar, conflicts) and two fragments, one with
the canvas and its side panel, one with the summary and the code below them. An edit on the canvas or
in the side panel reruns only the canvas's fragment instead of the whole page.

The summary is then updated by a run of its own fragment, after the canvas has drawn: while it shows
an older check, the canvas's fragment asks the canvas to say when its payload is on the screen
(``summary_request``), and that trigger's callback reruns the summary's fragment alone
(``rerun_summary``). The edit's result reaches the canvas without waiting for the summary's ~17
elements to be sent and rendered first; a click that only selects a node reruns no summary.

What the page above the fragment shows from the graph is kept right by ``rerun_page_if_changed``:
the page remembers what it showed (``remember_page``: the tabs' names, the current tab, a conflict
with another browser tab), and a fragment run whose edit changed any of it reruns the whole page. The
undo and redo buttons in the page's bar are drawn by the fragment (into the bar's columns), so the
first edit, which makes undo possible, reruns only the fragment. What the page offers to download is
made when clicked, from the graph as it is then (``document_download``). The code is generated only to be shown (the code view open) or
downloaded (``code_download``, when clicked): an edit with the code view closed generates none.
"""
from __future__ import annotations

import copy
from typing import Callable

import streamlit as st

from builder import codegen
from builder.graph import write_document
from builder.shapes import CheckResult, check

from .canvas import in_fragment_rerun, read_canvas_event

PAGE_SHOWS = "build_page_shows"     # session state: what the page outside the fragment was drawn with
CODE_VIEW_KEY = "build_code_view"   # the code expander (its state says whether it is open)
CHECKED = "build_checked"           # session state: (a copy of the graph last checked, its CheckResult, its number)
SUMMARY_KEY = "build_summary"       # the summary and code's fragment: st.rerun(SUMMARY_KEY) reruns it alone
SUMMARY_SHOWS = "build_summary_shows"   # session state: the CheckResult the summary was last drawn with


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


def checked(doc: dict) -> CheckResult:
    """``check(doc)``, kept for the next run: a run that did not change the graph (a node selected,
    an error clicked, the code view opened) does not check it again."""
    kept = st.session_state.get(CHECKED)
    if kept is not None and kept[0] == doc:
        return kept[1]
    result = check(doc)
    st.session_state[CHECKED] = (copy.deepcopy(doc), result, (kept[2] + 1) if kept is not None else 1)
    return result


def summary_request(result: CheckResult) -> str | None:
    """What the canvas is to say once drawn (``graph_canvas(drawn=...)``): in a run of the canvas's
    fragment alone, while the summary shows another check than ``result``, a name of this check; else
    None (a whole-page run draws the summary itself, after the canvas)."""
    if not in_fragment_rerun() or st.session_state.get(SUMMARY_SHOWS) is result:
        return None
    kept = st.session_state.get(CHECKED)
    return f"check-{kept[2]}" if kept is not None and kept[1] is result else "check"


def summary_shows(result: CheckResult) -> None:
    """Called by the summary's fragment: the check it is drawn with."""
    st.session_state[SUMMARY_SHOWS] = result


def rerun_summary() -> None:
    """The canvas drew a payload that asked for it (a widget callback): rerun the summary's fragment
    alone, instead of the canvas's."""
    st.rerun(SUMMARY_KEY)


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
