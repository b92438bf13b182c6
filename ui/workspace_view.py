"""What the pages say about the workspace folder when another browser tab saved into it too:
a graph both tabs changed (settled here, in the user's words), and settings both tabs changed."""
from __future__ import annotations

import streamlit as st

from .literal import md_literal
from .session import localized, workspace
from .workspace import Tab, Workspace

SETTING_NAMES = {"lang": "workspace.setting_lang", "data": "workspace.setting_data",
                 "train": "workspace.setting_train"}
MAX_NAME = 150          # a copy's name adds a few words; a graph's name holds at most 200 characters


def conflicts(ws: Workspace) -> None:
    """For each open graph whose autosave was refused (another browser tab saved it first): say so, and
    offer both ways out. Whichever the user picks, the other version is kept as a new graph."""
    for tab in [t for t in ws.tabs if t.conflict is not None]:
        _conflict(ws, tab)


def _conflict(ws: Workspace, tab: Tab) -> None:
    name = tab.name[:MAX_NAME]
    mine_copy = localized("workspace.copy_mine", name=name)
    theirs_copy = localized("workspace.copy_theirs", name=name)
    with st.container(border=True, key=f"conflict_{tab.key}"):
        st.warning(localized("workspace.conflict", name=md_literal(tab.name)), icon=":material/sync_problem:")
        load, keep = st.columns(2)
        if load.button(localized("workspace.load_theirs"), key=f"conflict_theirs_{tab.key}",
                       icon=":material/download:", width="stretch"):
            ws.resolve_conflict(tab, keep="theirs", copy_name=mine_copy)
            st.rerun()
        load.caption(localized("workspace.load_theirs_means", copy=md_literal(mine_copy)))
        if keep.button(localized("workspace.keep_mine"), key=f"conflict_mine_{tab.key}",
                       icon=":material/save:", width="stretch"):
            ws.resolve_conflict(tab, keep="mine", copy_name=theirs_copy)
            st.rerun()
        keep.caption(localized("workspace.keep_mine_means", copy=md_literal(theirs_copy)))


def settings_notice() -> None:
    """A settings change this session saved over another tab's change of the same setting: say so once."""
    ws = workspace()
    if ws.session_collisions:
        names = localized("workspace.list_separator").join(localized(SETTING_NAMES[name])
                                                          for name in ws.session_collisions if name in SETTING_NAMES)
        ws.session_collisions.clear()
        st.toast(localized("workspace.settings_collided", settings=names), icon=":material/sync_problem:")
