"""The app's pages, in navigation order: ui/shell.py (the app's script) builds st.navigation from them, and pages link
to each other through them (Page objects, so links work whatever the entry script's folder)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
# The tab icon, a local SVG (sent as a data URL): a ":material/..." page icon is fetched from fonts.gstatic.com.
FAVICON = Path(__file__).resolve().parent / "favicon.svg"
# name -> (title key, icon); the first is the default page.
PAGES = {
    "build": ("nav.build", ":material/account_tree:"),
    "data": ("nav.data", ":material/dataset:"),
    "train": ("nav.train", ":material/monitoring:"),
    "tune": ("nav.tune", ":material/tune:"),
    "export": ("nav.export", ":material/ios_share:"),
}


def page(name: str, title: str | None = None) -> st.Page:
    from .session import localized
    key, icon = PAGES[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title or localized(key), icon=icon, default=name == next(iter(PAGES)))


def all_pages() -> list:
    """The pages that exist (each issue adds its page file), in navigation order."""
    return [page(name) for name in PAGES if (PAGES_DIR / f"{name}.py").exists()]
