"""The workspace: named graphs open side by side (tabs), undo/redo, and autosave to a local folder.

Plain Python (no streamlit), so it is tested directly. Every edit is saved at once
(atomic rename), so a browser reload or an app restart loses nothing.
"""
from __future__ import annotations

import copy
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from builder import templates
from builder.errors import FormatError
from builder.graph import read_document, write_document
from runtime.runfiles import read_json as _read_json, write_json as _write_json

MAX_HISTORY = 200
SESSION = "session.json"


def default_home() -> Path:
    return Path(os.environ.get("NETCANVAS_WORKSPACE", Path.cwd() / "workspace"))


def slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60]
    return s or "graph"


@dataclass
class Tab:
    key: str                      # file stem in the workspace, unique
    doc: dict
    rev: int = 0                  # bumped whenever Python replaces the canvas's graph
    seq: int = 0                  # last canvas sequence number applied
    undo: list = field(default_factory=list)
    redo: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.doc.get("name", self.key)


class Workspace:
    def __init__(self, home: Path | None = None):
        self.home = Path(home or default_home())
        self.graphs_dir = self.home / "graphs"
        self.graphs_dir.mkdir(parents=True, exist_ok=True)
        self.tabs: list[Tab] = []
        self.active = 0
        self.lang = "en"
        self.data: dict = {}          # the Data page's choice, see data_choice()
        self.train: dict = {}         # the Train page's form: {"mode": str, "values": {mode: {field: value}}}
        self.uploads_dir = self.home / "uploads"
        self._restore()

    # -- persistence -------------------------------------------------------------------
    def _restore(self) -> None:
        session = _read_json(self.home / SESSION) or {}
        for key in session.get("open", []):
            doc = self._read_graph(key)
            if doc is not None:
                self.tabs.append(Tab(key=key, doc=doc))
        self.lang = session.get("lang", "en") if session.get("lang") in ("en", "zh") else "en"
        self.data = session.get("data") if isinstance(session.get("data"), dict) else {}
        self.train = session.get("train") if isinstance(session.get("train"), dict) else {}
        if not self.tabs:
            self.open_template(templates.DEFAULT, save=True)
        self.active = min(max(0, int(session.get("active", 0) or 0)), len(self.tabs) - 1)

    def _read_graph(self, key: str) -> dict | None:
        path = self.graphs_dir / f"{slug(key)}.json"
        try:
            return read_document(path.read_bytes())
        except (OSError, FormatError):
            return None

    def save_session(self) -> None:
        _write_json(self.home / SESSION, {"open": [t.key for t in self.tabs], "active": self.active,
                                          "lang": self.lang, "data": self.data, "train": self.train,
                                          "saved": time.time()})

    def save_tab(self, tab: Tab) -> None:
        path = self.graphs_dir / f"{tab.key}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(write_document(tab.doc), encoding="utf-8")
        os.replace(tmp, path)

    def saved_graphs(self) -> list[dict]:
        """Every graph in the workspace folder, newest first, for "open a saved graph"."""
        out = []
        for p in sorted(self.graphs_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            out.append({"key": p.stem, "modified": p.stat().st_mtime,
                        "open": any(t.key == p.stem for t in self.tabs)})
        return out

    # -- tabs --------------------------------------------------------------------------
    @property
    def tab(self) -> Tab:
        return self.tabs[self.active]

    def _unique_key(self, name: str) -> str:
        base = slug(name)
        taken = {t.key for t in self.tabs}
        key, i = base, 2
        while key in taken:
            key, i = f"{base}_{i}", i + 1
        return key

    def open_doc(self, doc: dict, save: bool = True, key: str | None = None) -> Tab:
        tab = Tab(key=key or self._unique_key(doc.get("name", "graph")), doc=copy.deepcopy(doc))
        self.tabs.append(tab)
        self.active = len(self.tabs) - 1
        if save:
            self.save_tab(tab)
            self.save_session()
        return tab

    def open_saved(self, key: str) -> Tab | None:
        for i, t in enumerate(self.tabs):
            if t.key == key:
                self.active = i
                self.save_session()
                return t
        doc = self._read_graph(key)
        return None if doc is None else self.open_doc(doc, save=True, key=key)

    def open_template(self, key: str, save: bool = True) -> list[Tab]:
        """Open a template (and, for a GAN, its partner) in new tabs; returns them."""
        tpl = templates.get(key)
        opened = [self.open_doc(tpl.document(), save=save)]
        if tpl.partner and not any(t.doc.get("name") == tpl.partner for t in self.tabs):
            first = self.active
            opened.append(self.open_doc(templates.load(tpl.partner), save=save))
            self.active = first
        return opened

    def close(self, index: int) -> None:
        if len(self.tabs) <= 1:
            return
        self.tabs.pop(index)
        self.active = min(self.active, len(self.tabs) - 1)
        self.save_session()

    def select(self, index: int) -> None:
        self.active = max(0, min(index, len(self.tabs) - 1))
        self.save_session()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.save_session()

    # -- the data the next run trains on (chosen on the Data page, used by the Train page) ------
    def data_choice(self) -> dict:
        """``{"data", "data_options", "upload", "upload_options", "augment", "val_split", "test_split",
        "label_noise"}``: the TrainConfig fields of the same names.

        Until the user picks a data set, it follows the current graph: the built-in set its
        template names (so the default template and data fit each other), else digits.
        """
        from runtime.data import builtin
        choice = {"data": None, "data_options": {}, "upload": None, "upload_options": {}, "augment": {},
                  "val_split": 0.2, "test_split": 0.0, "label_noise": 0.0}
        choice.update({k: v for k, v in self.data.items() if k in choice})
        if not choice["data"] and not choice["upload"]:
            named = (self.tab.doc.get("meta") or {}).get("data")
            choice["data"] = named if named in builtin.names() else "digits"
        return choice

    def set_data_choice(self, **changes) -> None:
        self.data.update(changes)
        self.save_session()

    # -- the Train page's settings (kept like the data choice: across runs, pages and reloads) ----
    def train_mode(self) -> str | None:
        mode = self.train.get("mode")
        return mode if isinstance(mode, str) else None

    def train_values(self, mode: str) -> dict:
        """The form values last used for ``mode`` (as saved; the form checks them)."""
        values = (self.train.get("values") or {}).get(mode)
        return dict(values) if isinstance(values, dict) else {}

    def set_train(self, mode: str | None = None, values: dict | None = None, for_mode: str | None = None) -> None:
        if mode is not None:
            self.train["mode"] = mode
        if values is not None and for_mode is not None:
            stored = self.train.get("values")
            self.train["values"] = stored = stored if isinstance(stored, dict) else {}
            stored[for_mode] = dict(values)
        self.save_session()

    # -- edits ---------------------------------------------------------------------------
    def edit(self, doc: dict, replace_canvas: bool = False, tab: Tab | None = None) -> None:
        """Record the graph for undo, take ``doc``, autosave. Python-made edits bump ``rev``.
        ``tab``: another open graph than the current one (the Train page edits the one it trains)."""
        tab = tab or self.tab
        if doc == tab.doc:
            return
        tab.undo.append(tab.doc)
        del tab.undo[:-MAX_HISTORY]
        tab.redo.clear()
        tab.doc = copy.deepcopy(doc)
        if replace_canvas:
            tab.rev += 1
        self.save_tab(tab)

    def replace(self, doc: dict) -> None:
        """Replace the whole graph (template, upload): undoable, and the canvas reloads it."""
        self.edit(doc, replace_canvas=True)

    def undo(self) -> bool:
        tab = self.tab
        if not tab.undo:
            return False
        tab.redo.append(tab.doc)
        tab.doc = tab.undo.pop()
        tab.rev += 1
        self.save_tab(tab)
        return True

    def redo(self) -> bool:
        tab = self.tab
        if not tab.redo:
            return False
        tab.undo.append(tab.doc)
        tab.doc = tab.redo.pop()
        tab.rev += 1
        self.save_tab(tab)
        return True

    def rename(self, name: str) -> None:
        doc = copy.deepcopy(self.tab.doc)
        doc["name"] = name
        self.edit(doc, replace_canvas=True)
