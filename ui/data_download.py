"""The Data page's download panel for a standard set (MNIST, CIFAR-10, ...) whose files are not
in the cache folder yet: what is missing and where it goes, a Download button, a progress bar
fed by the download's callback, and the offline message when no source answers. The page never
downloads without the button: loading a set whose files are missing waits for it."""
from __future__ import annotations

import streamlit as st

from runtime.data import standard
from runtime.data.errors import DataError

from .literal import md_literal
from .session import lang, localized


def needs_download(name: str) -> bool:
    """Whether ``name`` is a standard set with files missing from its cache folder (a look, no reading)."""
    return name in standard.SETS and bool(standard.missing_files(name))


def official_test_size(choice: dict) -> int:
    """The official test set's size of the chosen standard set (0 for others), known before its files are."""
    spec = None if choice.get("upload") else standard.SETS.get(choice.get("data"))
    return spec.n_test if spec else 0


def _progress_to(bar):
    """A download progress callback drawing on ``bar`` (one update per whole percent)."""
    shown = {"at": None}

    def draw(done: int, total: int, file_name: str) -> None:
        percent = min(100, done * 100 // max(total, 1))
        if shown["at"] == (file_name, percent):
            return
        shown["at"] = (file_name, percent)
        bar.progress(percent, text=localized("datapage.std_downloading", file=md_literal(file_name),
                                            done=f"{done / 1e6:.1f}", total=f"{total / 1e6:.1f}"))
    return draw


def panel(name: str) -> None:
    """What is missing, the Download button and, once pressed, the progress bar; reruns the page
    when every file is in place, or shows why not."""
    spec = standard.SETS[name]
    st.info(localized("datapage.std_missing", name=md_literal(name), mb=f"{spec.megabytes():.1f}",
                      folder=md_literal(str(standard.folder(name))),
                      files=md_literal(", ".join(standard.missing_files(name)))), icon=":material/cloud_download:")
    if st.button(localized("datapage.std_download"), key=f"download_{name}", type="primary",
                 icon=":material/download:"):
        bar = st.progress(0, text=localized("datapage.std_starting"))
        try:
            standard.ensure(name, _progress_to(bar))
        except DataError as exc:
            bar.empty()
            st.error(md_literal(exc.message(lang())), icon=":material/cloud_off:")
            return
        st.rerun()
