"""The Build page's File > Import: a PyTorch file (its class traced in a limited child process) or an ONNX
model, with optional weights, opened as a new graph tab.

Importing a ``.py`` runs the file's code on the machine that serves the app: the dialog says so, and
the Import button stays disabled until the user confirms it.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import streamlit as st

from builder.errors import CodedError
from builder.importing import imported_name, import_source, save_weights, weights_file
from builder.pyimport import MEMORY_MB, TIMEOUT_S
from ui.literal import md_literal
from ui.session import lang, localized

OPEN = "import_open"
ERROR = "import_error"
MENU = "build_file_menu"     # the Build page's File popover, which holds Import model…


def menu_key() -> str:
    """The File popover's key: a new one each time Import model… opens the dialog, so the browser draws the
    menu anew, closed (left open it covers the dialog). Closing it by its state instead (a tracked popover set
    to closed) left it open on a busy server, most likely when the run that heard of it being open was cut
    short by Import model…'s own click: a popover told "closed" that was never told "open" stays open."""
    return f"{MENU}_{st.session_state.get(MENU, 0)}"


def open_dialog() -> None:
    """Import model…'s callback: the dialog opens and the File menu closes (it would cover the dialog)."""
    st.session_state[OPEN] = True
    st.session_state[MENU] = st.session_state.get(MENU, 0) + 1


def close() -> None:
    st.session_state[OPEN] = False
    st.session_state.pop(ERROR, None)


def _saved_upload(upload, folder: Path, fallback: str) -> Path:
    """The upload written under a safe name that keeps its extension (line numbers then point into it)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(upload.name).name) or fallback
    path = folder / name
    path.write_bytes(upload.getvalue())
    return path


def _import(ws, source, class_name: str, shapes: str, weights) -> None:
    with tempfile.TemporaryDirectory(prefix="netcanvas-upload-") as folder:
        path = _saved_upload(source, Path(folder), "model")
        spec = str(path) if path.suffix == ".onnx" else f"{path}:{class_name.strip()}"
        weights_path = str(_saved_upload(weights, Path(folder), "weights.pt")) if weights is not None else None
        imported = import_source(spec, shapes.strip() or None, weights=weights_path)
    tab = ws.open_doc(imported.graph)
    if imported.state_dict is not None:    # kept beside the workspace's graphs: the Train page starts from them
        st.session_state["import_weights_path"] = save_weights(imported, str(weights_file(ws.home, tab.key)))


def import_dialog(ws) -> None:
    """Open while ``st.session_state[OPEN]``; made on each run, titled in the session's language (a decorator
    runs once, at this module's import, and would keep the first session's language)."""
    st.dialog(localized("import.ui_title"), width="large", on_dismiss=close)(_dialog_body)(ws)


def _dialog_body(ws) -> None:
    st.caption(localized("import.ui_intro"))
    source = st.file_uploader(localized("import.ui_source"), type=["py", "onnx"], key="import_source")
    python = source is not None and source.name.lower().endswith(".py")
    class_name, shapes, confirmed = "", "", True
    if python:
        st.warning(localized("import.ui_runs_code", seconds=TIMEOUT_S, memory_mb=MEMORY_MB), icon=":material/warning:")
        class_name = st.text_input(localized("import.ui_class"), key="import_class")
        shapes = st.text_input(localized("import.ui_shapes"), key="import_shapes", placeholder='{"x": [1, 28, 28]}')
        confirmed = st.checkbox(localized("import.ui_confirm"), key="import_confirm")
    weights = st.file_uploader(localized("import.ui_weights"), type=["safetensors", "pt"], key="import_weights")
    ready = source is not None and confirmed and (not python or class_name.strip().isidentifier())
    if st.button(localized("import.ui_run"), type="primary", disabled=not ready, icon=":material/upload:"):
        with st.spinner(localized("import.ui_running")):
            try:
                _import(ws, source, class_name, shapes, weights)
            except CodedError as exc:
                st.session_state[ERROR] = exc.message(lang())
            else:
                close()
                st.rerun()
    if st.session_state.get(ERROR):
        st.error(md_literal(st.session_state[ERROR]))


def weights_note() -> None:
    """Where the last import's weights went and how to fine-tune from them (once, after the import)."""
    path = st.session_state.pop("import_weights_path", None)
    if path:
        st.info(localized("import.ui_weights_saved", path=md_literal(path), name=md_literal(imported_name(path))),
                icon=":material/check:")
