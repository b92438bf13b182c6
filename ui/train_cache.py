"""The Train page's session caches: what it has read of the run folder, and the figures it built.

While a run is live the page reruns every couple of seconds. It reads only what a run
appended since the last look (``.jsonl`` byte offsets), re-reads a JSON or NPZ file only
when it was replaced, and rebuilds a figure only when the data behind it changed; figures
keep a fixed ``uirevision`` so zoom and hidden traces survive the refresh. All of it lives
in ``st.session_state``, per browser session.
"""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from runtime import runfiles
from ui import figures
from ui import live_plot
from ui import train_state

CACHE = "tp_cache"          # {"tails": {path: Tail}, "figs": {name: (version, fig)}, "npz": {path: (version, dict)}}
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
               "responsive": True}


# -- the run folder, read through the session ---------------------------------------------------------
def cache() -> dict:
    return st.session_state.setdefault(CACHE, {"tails": {}, "figs": {}, "npz": {}})


def tail(path: Path) -> train_state.Tail:
    """The records of a ``.jsonl`` run file, brought up to date (only what was appended is read)."""
    return train_state.tail(cache()["tails"], Path(path))


def metrics(run_dir: Path) -> train_state.Tail:
    return tail(Path(run_dir) / runfiles.METRICS)


def npz(path: Path) -> tuple[int | None, dict | None]:
    """An npz file's arrays, re-read only when the file was replaced."""
    return read_once_per_version(path, runfiles.read_npz, keep_last_good=True)


def json_file(path: Path) -> tuple[int | None, dict | None]:
    return read_once_per_version(path, runfiles.read_json)


def read_once_per_version(path: Path, read, keep_last_good: bool = False) -> tuple[int | None, object]:
    """(version, ``read(path)``), read again only when the file's version changed; with ``keep_last_good``
    a failed read (the file is being replaced right now) gives the last good content."""
    version = train_state.file_version(path)
    store = cache()["npz"]
    hit = store.get(str(path))
    if hit is not None and hit[0] == version:
        return hit
    content = read(path) if version is not None else None
    if content is None and hit is not None and keep_last_good:
        return hit
    store[str(path)] = (version, content)
    return version, content


def run_file(run_dir: Path, name: str) -> tuple:
    """(version, content) of any run file: a ``.jsonl`` file's records (version: bumped on each append),
    an ``.npz`` file's arrays or a JSON file's content (version: changes when it is replaced)."""
    path = Path(run_dir) / name
    if name.endswith(".jsonl"):
        records = tail(path)
        return records.version, records.records
    if name.endswith(".npz"):
        return npz(path)
    return json_file(path)


def preprocess(run_dir: Path) -> dict:
    """preprocess.json: class names, the data's mode and kind ({} before the trainer wrote it)."""
    _, content = json_file(Path(run_dir) / runfiles.PREPROCESS)
    return content or {}


# -- figures, built once per change of their data ------------------------------------------------------
def figure(name: str, version, build, min_interval: float = 0.0) -> dict:
    """The figure ``build()`` makes, as a Plotly JSON spec, built once per ``version``
    (anything hashable that changes with the data and the language), and at most once
    per ``min_interval`` seconds while the first element of ``version`` stays the same."""
    c = cache()
    figs = c["figs"]
    hit = figs.get(name)
    now = time.monotonic()
    if hit is not None and (hit[0] == version or (
            now - hit[2] < min_interval and isinstance(version, tuple) and hit[0][:1] == version[:1]
            and hit[0][-1:] == version[-1:])):
        return hit[1]
    fig = build()
    spec = live_plot.spec(fig) if not isinstance(fig, dict) else dict(fig)
    c["serial"] = c.get("serial", 0) + 1
    spec["_rev"] = c["serial"]          # tells the browser whether there is anything new to draw
    figs[name] = (version, spec, now)
    return spec


def curve(name: str, version, series, shape, build, min_interval: float = 0.0) -> dict:
    """A live curve: built as a Plotly figure once per ``shape`` (run, language, traces),
    then refreshed by swapping the traces' arrays into that spec (no Plotly objects)."""
    shells = cache().setdefault("shells", {})
    key = (shape, tuple(kind for kind, _, _ in series))
    if shells.get(name, (None,))[0] != key:
        min_interval = 0.0      # a new trace (the first point, the first epoch) is drawn at once

    def make():
        shell = shells.get(name)
        if shell is None or shell[0] != key:
            spec = live_plot.spec(build())
            shells[name] = (key, spec)
            return spec
        return figures.patch_spec(shell[1], series)

    return figure(name, version, make, min_interval)


def chart(spec: dict, key: str) -> None:
    """A chart that updates in place (zoom kept, no blink); the browser redraws only when ``spec`` changed."""
    with st.container(key=key):
        live_plot.live_plot({k: v for k, v in spec.items() if k != "_rev"}, key="plot_" + key,
                            rev=spec.get("_rev"), config=PLOT_CONFIG)
