"""Each graph's undo and redo, kept beside it so that they survive a reload: ``graphs/<key>.history.jsonl``.

Plain Python (no streamlit). One JSON line per step, appended after the script run
(``Workspace.flush_history``), never in the autosave that every edit writes:

    {"step": "edit", "graph": {...}, "revision": 7}

``graph`` is the graph as it was before the step and ``revision`` the graph file's revision
after it. Replaying the lines in order rebuilds both stacks, exactly as ``Workspace`` changed them:

* ``edit``: ``graph`` goes onto undo; redo is emptied.
* ``undo``: the top of undo became the graph; ``graph`` goes onto redo.
* ``redo``: the top of redo became the graph; ``graph`` goes onto undo.
* ``redo_entry``: ``graph`` goes onto redo (only in a rewritten file, see ``rewrite``).

A file past ``2 * max_history`` lines is rewritten with the stacks alone (one line per entry).
History that does not end at the graph file's revision (written by another browser tab that
then lost a conflict, or cut short) is not used.
"""
from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from builder.errors import FormatError
from builder.graph import check_header
from runtime.runfiles import read_jsonl

STEPS = ("edit", "undo", "redo", "redo_entry")
SUFFIX = ".history.jsonl"


@dataclass
class Replayed:
    undo: list = field(default_factory=list)
    redo: list = field(default_factory=list)
    revision: int | None = None        # the revision the last line left; None: no usable line
    lines: int = 0


@dataclass
class HistoryFile:
    """What a tab has not yet written to its history file, and how long that file is."""
    pending: list = field(default_factory=list)     # (step, graph before the step, revision after it)
    lines: int = 0
    rewrite: bool = False                           # the file no longer matches the stacks: write them anew


def history_path(graphs_dir: Path, key: str) -> Path:
    return graphs_dir / f"{key}{SUFFIX}"


def apply_step(undo: list, redo: list, step: str, graph: dict, max_history: int) -> None:
    if step == "edit":
        undo.append(graph)
        redo.clear()
    elif step == "undo":
        if undo:
            undo.pop()
        redo.append(graph)
    elif step == "redo":
        if redo:
            redo.pop()
        undo.append(graph)
    elif step == "redo_entry":
        redo.append(graph)
    del undo[:-max_history]
    del redo[:-max_history]


def replay(path: Path, max_history: int) -> Replayed:
    records = _read_without_gc_pauses(path)
    replayed = Replayed(lines=len(records))
    for record in records:
        parsed = _parsed(record)
        if parsed is not None:
            step, graph, revision = parsed
            apply_step(replayed.undo, replayed.redo, step, graph, max_history)
            replayed.revision = revision
    return replayed


def _read_without_gc_pauses(path: Path) -> list:
    """The file's records. Up to 2x max_history graphs at once: the cyclic collector, run again and
    again over them as they are built, would take most of the time (a 200-node graph: 4x)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return read_jsonl(path)[0]
    finally:
        if collecting:
            gc.enable()


def _parsed(record) -> tuple[str, dict, int] | None:
    if not isinstance(record, dict) or record.get("step") not in STEPS:
        return None
    revision = record.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool):
        return None
    try:
        graph = check_header(record.get("graph"))
    except FormatError:
        return None
    return record["step"], graph, revision


def step_line(step: str, graph: dict, revision: int) -> str:
    # ASCII: a lone surrogate in a user's text (which the checker refuses) still writes and reads back
    return json.dumps({"step": step, "graph": graph, "revision": revision}, separators=(",", ":")) + "\n"


def append(path: Path, lines: list[str]) -> None:
    """Whole lines in one append (a reader never sees part of a line but the last one's)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(lines).encode("ascii"))
    finally:
        os.close(fd)


def rewrite(path: Path, undo: list, redo: list, revision: int) -> int:
    """The stacks alone, atomically; returns the number of lines written."""
    lines = [step_line("edit", graph, revision) for graph in undo]
    lines += [step_line("redo_entry", graph, revision) for graph in redo]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes("".join(lines).encode("ascii"))
    os.replace(tmp, path)
    return len(lines)


def flush(path: Path, history: HistoryFile, undo: list, redo: list, revision: int, max_history: int) -> None:
    """Write what ``history`` holds: the pending steps, or the stacks anew when asked or past 2x."""
    if not history.pending and not history.rewrite:
        return
    lines = [step_line(step, graph, after) for step, graph, after in history.pending]
    history.pending.clear()
    try:
        if history.rewrite or history.lines + len(lines) > 2 * max_history:
            history.lines = rewrite(path, undo, redo, revision)
        else:
            append(path, lines)
            history.lines += len(lines)
        history.rewrite = False
    except OSError:
        history.rewrite = True      # the stacks are still in memory: try again after the next run
