"""Per-browser-session state: the workspace (restored from disk) and the language."""
from __future__ import annotations

import streamlit as st

from builder.i18n import translate

from .workspace import Workspace

LANG_LABELS = {"en": "English", "zh": "简体中文"}


def workspace() -> Workspace:
    ws = st.session_state.get("workspace")
    if ws is None:
        ws = st.session_state["workspace"] = Workspace()
    return ws


def lang() -> str:
    return workspace().lang


def localized(key: str, **args) -> str:
    """The text for ``key`` in the session's language."""
    return translate(key, lang(), **args)


def labeller(prefix: str):
    """A ``format_func`` showing option ``o`` as the text of ``prefix + o``, in the language of this run
    (bound now: Streamlit may call it after the run, e.g. AppTest reading widget values)."""
    language = lang()
    return lambda option: translate(prefix + str(option), language)


def device_text(facts: dict) -> str:
    """A device as ``runtime.device.facts`` (and status.json) give it, in the session's language:
    a CPU from ``device_kind`` and ``threads``; a GPU, or a run written before those fields, by its
    ``device`` name as it is."""
    threads = facts.get("threads")
    if facts.get("device_kind") == "cpu" and isinstance(threads, int):
        return localized("device.cpu_1") if threads == 1 else localized("device.cpu_n", n=threads)
    return str(facts.get("device") or "")


def made_with(key: str, value, *identity):
    """What the widget under ``key`` is made with, for a parameter Streamlit counts in its identity
    (``st.tabs``' ``default``, ``st.expander``'s ``expanded``): ``value`` when the widget is new (not in
    session state: a first run, a return to the page; or ``identity``, its other counted parameters such as
    the label, changed), else what it was made with.

    Passing the current value on every run changed the widget's identity whenever the user used it:
    Streamlit made it anew in the next run, and everything inside with it (a file still uploading, the
    focus of a field)."""
    made = st.session_state.setdefault("_made_with", {})
    kept = made.get(key)
    if key not in st.session_state or kept is None or kept[0] != identity:
        kept = made[key] = (identity, value)
    return kept[1]


_NOTHING = object()


def graph_value(key: str, value):
    """``value``, what the graph holds for the widget under ``key``, put into the widget when the graph
    changed it since the widget last showed it (an undo, an edit on the canvas, another field that
    changed this one), or when the widget is new; returned, to be passed to the widget as its value too.

    So a form on the graph (the property panel, a block instance's params) keeps its keys across edits.
    Keyed by the graph's version, every edit made the whole form anew in the browser: remounting its
    inputs took much of the page's redraw after an edit, and the field being typed in lost the focus.
    What the user typed and the graph did not take (a list that does not read) stays in the field: the
    graph did not change."""
    shown_key = key + ":shown"
    if key not in st.session_state or st.session_state.get(shown_key, _NOTHING) != value:
        st.session_state[key] = value
        st.session_state[shown_key] = value
    return value


def lasting_expander(label: str, key: str, **kwargs):
    """A keyed expander that stays open or closed when its label changes (the language switch).

    Streamlit counts the label in a widget's identity, so a new label is a new, closed expander: the state
    is also kept under ``key + "__open"`` and given back as ``expanded`` when one is made.
    """
    remembered = f"{key}__open"
    view = st.expander(label, expanded=made_with(key, st.session_state.get(remembered, False), label), key=key,
                       on_change="rerun", **kwargs)
    st.session_state[remembered] = view.open
    return view


def language_switch() -> None:
    ws = workspace()

    def changed():
        choice = st.session_state.get("lang_switch")
        if choice in LANG_LABELS:
            ws.set_lang(choice)
        else:       # a click on the language already chosen unselects it: keep it chosen
            st.session_state["lang_switch"] = ws.lang

    # The label names both languages, so it never changes (and the widget keeps its identity).
    st.segmented_control("Language · 语言", options=list(LANG_LABELS), format_func=LANG_LABELS.get,
                         default=ws.lang, key="lang_switch", on_change=changed, label_visibility="collapsed")


def ensure_app_shell() -> None:
    """Run pages inside the app's navigation (ui/shell.py) even when the very first request opens a page URL.

    Streamlit falls back to its old pages/-folder mode until some session has run ui/shell.py's
    ``st.navigation`` (e.g. a reload of /train right after the server started): that mode
    would skip ui/shell.py (header, language, our page list). Switch it off and rerun once.
    """
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
