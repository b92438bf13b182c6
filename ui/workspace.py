"""The workspace: named graphs open side by side (tabs), undo/redo, and autosave to a local folder.

Plain Python (no streamlit), so it is tested directly. Every edit is saved at once
(atomic rename), or at the end of the script run that made it (``defer_saves``), so a browser
reload or an app restart loses nothing.

Each browser session builds its own ``Workspace`` on the one folder (ui/session.py), so two
browser tabs are two of these. Every save checks first that the file on disk is still the one
this session last read or wrote (its revision, ``uiRevision`` in a graph file, ``revision`` in
session.json): a graph changed by another tab is not overwritten (the tab keeps a ``conflict``
for the user to settle, ``resolve_conflict``), and session.json is merged (ui/session_merge.py).
Undo and redo are kept in a side file per graph (ui/undo_history.py), written after the script
run by ``flush_history``.
"""
from __future__ import annotations

import copy
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from builder import templates
from builder.errors import FormatError
from builder.graph import copy_document, read_document, write_document
from runtime.runfiles import read_json as _read_json, write_json as _write_json

from . import session_merge, undo_history

MAX_HISTORY = 200
SESSION = "session.json"
REVISION = "uiRevision"          # a graph file's revision (a ui* key: the graph format allows it, the model ignores it)
REVISION_HEAD = re.compile(rb'\A\{\s*"uiRevision":\s*(\d+)\s*[,}]')
# One check-then-write at a time: every browser session of this server is a thread of this process.
SAVING = threading.Lock()


def default_home() -> Path:
    return Path(os.environ.get("NETCANVAS_WORKSPACE", Path.cwd() / "workspace"))


def _int_or_zero(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60]
    return s or "graph"



# The data choices whose defaults depend on the data set (runtime.config data_defaults: e.g. CIFAR-10's
# crop and flip, the standard sets' 10% validation).
FOLLOW_THE_DATA = ("val_split", "augment")


def _per_set_defaults(choice: dict) -> dict:
    from runtime.config import defaults
    return defaults(None, None if choice.get("upload") else choice.get("data"))

@dataclass
class OnDisk:
    """A graph file as read: the graph (without its revision) and the revision (0: the file has none)."""
    doc: dict
    revision: int


@dataclass
class Tab:
    key: str                      # file stem in the workspace, unique
    doc: dict
    rev: int = 0                  # bumped whenever Python replaces the canvas's graph
    seq: int = 0                  # last canvas sequence number applied
    undo: list = field(default_factory=list)
    redo: list = field(default_factory=list)
    file_revision: int = 0        # the graph file's revision when this session last read or wrote it
    conflict: OnDisk | None = None   # another browser tab's version, found when a save was refused
    history: undo_history.HistoryFile = field(default_factory=undo_history.HistoryFile)
    history_read: bool = True     # False until the history file of a graph read from disk is read (on first use)

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
        self.session_revision = 0     # session.json's revision when this session last read or wrote it
        self.session_collisions: list[str] = []   # settings another tab had changed too (this tab's were saved)
        self._session_disk: dict = {}     # session.json's settings then (session_merge.fields_of)
        self._session_mine: dict = {}     # this session's settings then
        self._deferred: list[Tab] | None = None   # tabs edited after ``defer_saves``, saved by ``flush_history``
        self._restore()

    # -- persistence -------------------------------------------------------------------
    def _restore(self) -> None:
        session = _read_json(self.home / SESSION) or {}
        self._remember_session(session)
        for key in session.get("open", []):
            on_disk = self._read_graph(key)
            if on_disk is not None:
                self.tabs.append(self._tab_from_disk(key, on_disk))
        self.lang = session.get("lang", "en") if session.get("lang") in ("en", "zh") else "en"
        self.data = session.get("data") if isinstance(session.get("data"), dict) else {}
        self.train = session.get("train") if isinstance(session.get("train"), dict) else {}
        if not self.tabs:
            self.open_template(templates.DEFAULT, save=True)
        self.active = min(max(0, int(session.get("active", 0) or 0)), len(self.tabs) - 1)

    def graph_path(self, key: str) -> Path:
        return self.graphs_dir / f"{slug(key)}.json"

    def _read_graph(self, key: str) -> OnDisk | None:
        try:
            doc = read_document(self.graph_path(key).read_bytes())
        except (OSError, FormatError):
            return None
        return OnDisk(doc, _int_or_zero(doc.pop(REVISION, 0)))

    def _tab_from_disk(self, key: str, on_disk: OnDisk) -> Tab:
        return Tab(key=key, doc=on_disk.doc, file_revision=on_disk.revision, history_read=False)

    def _revision_on_disk(self, key: str) -> int | None:
        """The graph file's revision, read from its first bytes where this class wrote it; None: no file."""
        try:
            with open(self.graph_path(key), "rb") as f:
                head = f.read(64)
        except OSError:
            return None
        match = REVISION_HEAD.match(head)
        if match:
            return int(match.group(1))
        on_disk = self._read_graph(key)      # written by hand or by an older version: read it all
        return None if on_disk is None else on_disk.revision

    def _remember_session(self, saved: dict) -> None:
        """session.json as this session last read or wrote it (what the next save merges against)."""
        self.session_revision = _int_or_zero(saved.get("revision")) if isinstance(saved, dict) else 0
        self._session_disk = session_merge.fields_of(saved)
        self._session_mine = copy.deepcopy(self._session_disk)

    def _session_fields(self) -> dict:
        return {"open": [t.key for t in self.tabs], "active": self.tabs[self.active].key if self.tabs else None,
                "lang": self.lang, "data": copy.deepcopy(self.data), "train": copy.deepcopy(self.train)}

    def save_session(self) -> None:
        """Write this session's settings, merged into what another browser tab may have saved meanwhile."""
        with SAVING:
            saved = _read_json(self.home / SESSION) or {}
            saved = saved if isinstance(saved, dict) else {}
            mine = self._session_fields()
            merged, collisions = session_merge.merge(self._session_mine, mine, self._session_disk,
                                                     session_merge.fields_of(saved))
            revision = max(self.session_revision, _int_or_zero(saved.get("revision"))) + 1
            _write_json(self.home / SESSION, session_merge.file_of(merged, revision=revision, saved=time.time()))
            self.session_revision, self._session_disk, self._session_mine = revision, merged, mine
            self.session_collisions += [name for name in collisions if name not in self.session_collisions]

    def save_tab(self, tab: Tab) -> bool:
        """Autosave ``tab``, unless another browser tab saved its file since this session read it: then
        nothing is written, ``tab.conflict`` holds the other version, and the answer is False."""
        with SAVING:
            on_disk = self._revision_on_disk(tab.key)
            if on_disk is not None and on_disk != tab.file_revision:
                other = self._read_graph(tab.key)
                if other is not None and other.doc == tab.doc:
                    tab.conflict, tab.file_revision = None, other.revision    # the same graph: nothing to settle
                    return True
                tab.conflict = other
                if other is not None:
                    return False
            tab.conflict = None
            self._write_graph(tab, max(tab.file_revision, on_disk or 0) + 1)
            return True

    def _write_graph(self, tab: Tab, revision: int) -> None:
        path = self.graph_path(tab.key)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(write_document({REVISION: revision, **tab.doc}), encoding="utf-8")
        os.replace(tmp, path)
        tab.file_revision = revision

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
        return self._with_history(self.tabs[self.active])

    def _unique_key(self, name: str) -> str:
        """A key no open tab and no file in the folder has (a new graph never overwrites a saved one,
        which may be open in another browser tab)."""
        base = slug(name)
        taken = {t.key for t in self.tabs}
        key, i = base, 2
        while key in taken or self.graph_path(key).exists():
            key, i = f"{base}_{i}", i + 1
        return key

    def open_doc(self, doc: dict, save: bool = True, key: str | None = None) -> Tab:
        doc = {k: v for k, v in doc.items() if k != REVISION}     # a file's revision is the folder's business
        tab = Tab(key=key or self._unique_key(doc.get("name", "graph")), doc=copy.deepcopy(doc))
        tab.history.rewrite = self._history_path(tab).exists()    # left by a graph file deleted by hand
        return self._add_tab(tab, save=save)

    def _add_tab(self, tab: Tab, save: bool = True) -> Tab:
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
        on_disk = self._read_graph(key)
        if on_disk is None:
            return None
        tab = self._add_tab(self._tab_from_disk(key, on_disk), save=False)   # as it is on disk: nothing to write
        self.save_session()
        return tab

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
        self._flush_tab_history(self.tabs.pop(index))
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
        "label_noise", "env"}``: the TrainConfig fields of the same names.

        Until the user picks a data set, it follows the current graph: the built-in set its
        template names (so the default template and data fit each other), else digits. ``env`` (an
        agent's environment, runtime.rl.envs) likewise: the one chosen, else the one an agent's graph names.
        """
        from runtime.data import builtin
        from runtime.rl import envs
        choice = {"data": None, "data_options": {}, "upload": None, "upload_options": {}, "augment": {},
                  "val_split": 0.2, "test_split": 0.0, "label_noise": 0.0, "env": None}
        choice.update({k: v for k, v in self.data.items() if k in choice})
        if "env" not in self.data and not choice["upload"]:
            named = (self.tab.doc.get("meta") or {}).get("data")
            choice["env"] = named if named in envs.ENVS else None
        if not choice["data"] and not choice["upload"]:
            named = (self.tab.doc.get("meta") or {}).get("data")
            choice["data"] = named if named in builtin.names() else "digits"
        per_set = _per_set_defaults(choice)
        choice.update({k: per_set[k] for k in FOLLOW_THE_DATA if k not in self.data})
        return choice

    def set_data_choice(self, **changes) -> None:
        """Take ``changes``; a new data set brings its own validation share and augmentation (its
        defaults, runtime.config) unless the user had set other values than the old set's defaults."""
        if "data" in changes or "upload" in changes:
            old = _per_set_defaults(self.data_choice())
            for key in FOLLOW_THE_DATA:
                if key not in changes and key in self.data and self.data[key] == old[key]:
                    del self.data[key]
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
        tab = self._with_history(tab or self.tab)
        if doc == tab.doc:
            return
        previous = tab.doc
        tab.undo.append(previous)
        del tab.undo[:-MAX_HISTORY]
        tab.redo.clear()
        tab.doc = copy_document(doc)
        if replace_canvas:
            tab.rev += 1
        self._save_step(tab, "edit", previous)

    def replace(self, doc: dict) -> None:
        """Replace the whole graph (template, upload): undoable, and the canvas reloads it."""
        self.edit(doc, replace_canvas=True)

    def undo(self) -> bool:
        tab = self.tab
        if not tab.undo:
            return False
        previous = tab.doc
        tab.redo.append(previous)
        tab.doc = tab.undo.pop()
        tab.rev += 1
        self._save_step(tab, "undo", previous)
        return True

    def redo(self) -> bool:
        tab = self.tab
        if not tab.redo:
            return False
        previous = tab.doc
        tab.undo.append(previous)
        tab.doc = tab.redo.pop()
        tab.rev += 1
        self._save_step(tab, "redo", previous)
        return True

    def rename(self, name: str) -> None:
        self.edit({**self.tab.doc, "name": name}, replace_canvas=True)    # edit keeps a copy of its own

    # -- undo history on disk (ui/undo_history.py) ----------------------------------------
    def _save_step(self, tab: Tab, step: str, previous: dict) -> None:
        """Autosave the graph now (or in ``flush_history`` after ``defer_saves``); its history line waits for
        ``flush_history`` (after the script run) and carries the revision the save wrote."""
        tab.history.pending.append((step, previous, None))
        if self._deferred is None:
            self._save_with_steps(tab)
        elif tab not in self._deferred:
            self._deferred.append(tab)

    def _save_with_steps(self, tab: Tab) -> None:
        self.save_tab(tab)
        tab.history.pending[:] = [(step, previous, tab.file_revision if revision is None else revision)
                                  for step, previous, revision in tab.history.pending]

    def defer_saves(self) -> None:
        """Edits from now on are autosaved by the next ``flush_history`` (the end of the script run):
        the Build page's fragment draws the canvas first, then writes the file."""
        if self._deferred is None:
            self._deferred = []

    def _save_deferred(self) -> None:
        tabs, self._deferred = self._deferred or [], None
        for tab in tabs:
            self._save_with_steps(tab)

    def _history_path(self, tab: Tab) -> Path:
        return undo_history.history_path(self.graphs_dir, tab.key)

    def _with_history(self, tab: Tab) -> Tab:
        """``tab``, its undo and redo read from its history file if not yet (only the graphs used pay)."""
        if not tab.history_read:
            self._load_history(tab)
        return tab

    def _load_history(self, tab: Tab) -> None:
        replayed = undo_history.replay(self._history_path(tab), MAX_HISTORY)
        tab.history, tab.history_read = undo_history.HistoryFile(lines=replayed.lines), True
        if replayed.revision == tab.file_revision:
            tab.undo, tab.redo = replayed.undo, replayed.redo
        else:
            tab.undo, tab.redo = [], []
            tab.history.rewrite = replayed.lines > 0     # it leads elsewhere: start it again from here

    def flush_history(self) -> None:
        """Autosave what ``defer_saves`` held back, then write every tab's new undo steps to its history
        file (call after the script run: an edit's latency never includes it). A tab in conflict
        waits until the user settles it."""
        self._save_deferred()
        for tab in self.tabs:
            self._flush_tab_history(tab)

    def _flush_tab_history(self, tab: Tab) -> None:
        if tab.conflict is None and tab.history_read:
            undo_history.flush(self._history_path(tab), tab.history, tab.undo, tab.redo, tab.file_revision,
                               MAX_HISTORY)

    # -- two browser tabs on one graph ------------------------------------------------------
    def resolve_conflict(self, tab: Tab, keep: str, copy_name: str) -> Tab | None:
        """Settle ``tab.conflict``: ``keep="theirs"`` loads the other browser tab's version (with its
        undo history) and keeps this one's as a new graph named ``copy_name``; ``keep="mine"`` saves
        this one's over it and keeps the other's as ``copy_name``. The copy opens in a tab beside it
        (this graph stays the current one); returns it."""
        other = tab.conflict
        if other is None:
            return None
        with SAVING:
            fresh = self._read_graph(tab.key)
            other = fresh if fresh is not None else other          # the newest, if it changed again
            kept = tab.doc if keep == "theirs" else other.doc
            if keep == "theirs":
                tab.doc, tab.file_revision, tab.conflict = other.doc, other.revision, None
                tab.rev += 1
                self._load_history(tab)
            else:
                tab.conflict = None
                self._write_graph(tab, other.revision + 1)
                tab.history = undo_history.HistoryFile(rewrite=True)   # the file held the other tab's steps
        return self._open_copy(dict(kept, name=copy_name), beside=tab)

    def _open_copy(self, doc: dict, beside: Tab) -> Tab:
        copied, current = Tab(key=self._unique_key(doc["name"]), doc=doc), self.tab
        self.tabs.insert(self.tabs.index(beside) + 1, copied)
        self.active = self.tabs.index(current)
        self.save_tab(copied)
        self.save_session()
        return copied
