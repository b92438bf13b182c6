"""Renaming the current graph (the File menu of the Build page).

The name is the document's ``name``: the tab shows it, a run started from the graph is listed
under it, and the generated class is named after it. Any text is a name (it is shown as text);
an empty one is refused.
"""
from __future__ import annotations

import streamlit as st

from .session import localized

MAX_NAME = 200    # builder.graph refuses longer names


def clean_name(typed: str) -> str | None:
    """The name to keep, or None when nothing but spaces was typed."""
    name = typed.strip()
    return name or None


def rename_form(ws) -> None:
    """A field with the current graph's name and a Rename button (Enter submits too)."""
    tab = ws.tab
    with st.form(key=f"rename_{tab.key}", border=False):
        typed = st.text_input(localized("build.rename_label"), value=tab.name, max_chars=MAX_NAME,
                              key=f"rename_name_{tab.key}_{tab.rev}")
        submitted = st.form_submit_button(localized("build.rename"), icon=":material/edit:", width="stretch")
    if not submitted:
        return
    name = clean_name(typed)
    if name is None:
        st.error(localized("build.rename_empty"), icon=":material/error:")
    elif name != tab.name:
        ws.rename(name)
        st.rerun()
