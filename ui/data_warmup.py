"""The Data page's slow start, done in the background before anyone opens the page.

No other page imports torch in the server process, so the first visit of the Data page used
to pay for it: about 1.1 s for ``import torch`` and 0.3 s for the data modules, before
loading and summarizing the chosen set. ``start_for_session`` (ui/shell.py calls it after each run)
does that work once per server process, in a daemon thread: it imports the page's modules
and loads the session's data choice (and builds its image grid, the process's first Plotly
figure) through the same cached functions the page calls, so a first visit finds them ready.
A visit while the warm-up is still importing waits for the modules it needs (Python's import
lock), never longer than it would without a warm-up.

The thread starts with the session's first run but waits until no run has started for 2 s
(``touch``: the app's runs (ui/shell.py) and the Build page's fragments call it). ``import torch`` holds the
interpreter for most of its ~1.5-2.5 s (its libraries load with it held): begun at once, it kept
the first page's run going 2.5 s after the canvas was drawn, and the user's first edits waited
for it (a first drop on the canvas took 1.1-1.4 s to show its checks, the later ones 0.15-0.25 s).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

QUIET_S = 2.0      # the warm-up starts once no run has started for this long
_lock = threading.Lock()
_thread: threading.Thread | None = None
_last_run = time.monotonic()


def touch() -> None:
    """A run starts (the user is at work): the warm-up waits ``QUIET_S`` from now."""
    global _last_run
    _last_run = time.monotonic()


def _wait_for_quiet() -> None:
    while (left := QUIET_S - (time.monotonic() - _last_run)) > 0:
        time.sleep(left)


def start_for_session() -> bool:
    """``start_once`` for this session's data choice, the set a first visit of the Data page shows."""
    if _thread is not None:
        return False
    from .session import workspace
    return start_once(workspace().data_choice)     # asked in the thread: it imports runtime.data, and torch


def start_once(choice: dict | Callable[[], dict]) -> bool:
    """Warm up for ``choice`` (a workspace's data choice, or what gives it) unless this process has
    started a warm-up already; True when this call started it."""
    global _thread
    with _lock:
        if _thread is not None:
            return False
        given = choice if callable(choice) else (lambda kept=dict(choice): kept)
        _thread = threading.Thread(target=_when_quiet, args=(given,), name="data-page-warm-up", daemon=True)
    _thread.start()
    return True


def _when_quiet(choice: Callable[[], dict]) -> None:
    _wait_for_quiet()
    warm_up(dict(choice()))


def warm_up(choice: dict) -> None:
    """Import the Data page's modules and put ``choice``'s summary, and its sample grid when it is
    an image set, into the page's caches. A set that does not load is left for the page to report."""
    from runtime.data.errors import DataError      # importing runtime.data imports torch: here, not in ui/shell.py

    from . import data_fit, data_upload, figures  # noqa: F401 - imported now for what importing them costs
    from . import data_download, data_preview
    if not choice.get("upload") and data_download.needs_download(choice["data"]):
        return                      # the page downloads on its button, never on its own
    try:
        if choice.get("upload"):
            view = data_preview.load_upload(choice["upload"], choice.get("upload_options") or {})
        else:
            view = data_preview.load_builtin(choice["data"], choice.get("data_options") or {})
    except (DataError, OSError):
        return
    data_preview.image_grid(view)


def finished(timeout: float | None = None) -> bool:
    """Whether the warm-up has run to its end (waiting up to ``timeout`` s); False when none started."""
    thread = _thread
    if thread is None:
        return False
    thread.join(timeout)
    return not thread.is_alive()
