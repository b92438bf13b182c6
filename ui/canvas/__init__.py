# How the canvas JS is loaded: parts joined here, not ES modules. The parts in ``js/`` are
# plain source files with one job each, joined by ``_js_source`` in the fixed order of
# ``JS_PARTS`` into the one module Streamlit loads (no build step, no npm). That module
# is written once under a name holding its hash and served by URL, with canvas.css in a
# small entry module that styles the shadow root first (``ui.served_component``): the
# browser imports them once per page, where inline source would travel with every
# rerun's delta.
"""The network canvas: a Streamlit custom component (v2) to draw a graph document.

Plain JS and CSS (the parts in ``js/``, ``canvas.css`` next to this file), mounted
in an open shadow DOM; no iframe and no build step.

Python API
----------
``graph_canvas(graph, *, rev, palette, annotations, strings, ack, key="canvas",
height=620) -> CanvasEvent | None`` mounts the canvas.
``read_canvas_event(key="canvas", *, rev, ack, graph=None) -> CanvasEvent | None``
reads what the canvas sent *before* mounting it, so a page can apply an edit and
mount the canvas with fresh annotations in the same run (one edit = one rerun).
``canvas_strings(lang)`` gives the toolbar labels from ``builder.i18n``.

Data sent to the browser on every run (``data``)
------------------------------------------------
``{"graph", "rev", "palette", "annotations", "strings", "ack", "focus", "view_key", "drawn",
"quick_check"}``

* ``graph`` is taken by the canvas only when ``rev`` differs from the rev it last
  took (template loaded, undo/redo, a param edited in a side panel, a file loaded).
  Otherwise the canvas keeps its own graph, view and selection across reruns.
  On taking a graph it keeps the selection of node ids that still exist, and fits
  the view when the graph shares no node id with the previous one. Nodes without
  ``pos`` are laid out left to right by topological depth (not sent back until the
  next edit).
* ``annotations`` (``{"nodes": {id: {"shape", "params", "error"}}, "edges":
  {"<source>-><target>:<port>": {"shape", "error"}}, "graph_errors": [str]}``) are
  applied in place on every run.
* ``ack`` is the highest sequence number Python has applied.
* ``focus`` (optional, ``{"id": node id, "seq": n}``): select that node and bring it to the
  middle of the view, once per new ``seq`` (an error clicked in a list beside the canvas). The
  selection is sent back as if the user had clicked the node.
* ``view_key`` (optional): which document is shown (a tab). Pan and zoom are remembered per
  key in the browser: showing a key again (another tab was shown, or the page was left and
  opened again) restores its view instead of fitting the graph.
* ``drawn`` (optional, a string): once this payload is on the screen (the frame that shows it
  painted), announce it in the page, once per value: ``window.__netcanvasDrawn = drawn`` and a
  ``netcanvas:drawn`` event on ``window`` with it as ``detail``. The Build page asks so while the summary below the canvas
  shows an older check: its follower hears it and reruns the summary's fragment, after the
  canvas has drawn, not before (``ui/build_fragment.py``).
* ``quick_check`` (optional, ``{"url", "lang"}``): the path of the check socket
  (``ui/canvas_check.py``) and the language of its answers. After each edit the canvas sends
  the graph there too and shows the shapes and errors it answers until this edit's own
  ``annotations`` come (``ack`` reaches its ``seq``). None: no socket (a block's definition shown).
  With ``"listen": token`` the canvas also says it listens for pushes (``push_payload``: a new
  rev of the graph, made beside the canvas, drawn before its run comes).
* ``payload = {"id", "base"}``: in a whole-page run all of the above is sent (``base`` None).
  In a run of a fragment that holds the canvas (it stays mounted), only what changed since
  payload ``base`` is: no ``graph`` unless ``rev`` or ``view_key`` changed, no ``palette`` or
  ``strings`` unless they changed, and ``annotations_patch`` (the entries that changed, None for
  gone ones) instead of ``annotations``. A canvas that does not hold payload ``base`` (a run
  was dropped on the way, or it was mounted anew) sends trigger ``resync`` and gets a whole
  payload in the run that follows (``payload_for``).

State the browser sends back
----------------------------
One counter ``seq`` orders edits and commands; every value is a whole snapshot,
never a delta, because ``setStateValue`` keeps only the latest value.

* state ``doc = {"seq": n, "rev": r, "graph": {...}}`` after every model-changing
  edit (add, connect, disconnect, delete, move on drag end, auto layout). ``rev`` is
  the rev the edit was made on. The whole graph document is sent, with any fields
  the canvas does not know kept as they were.
* state ``selection = {"seq": m, "ids": [node ids], "edges": [edge keys]}`` when the
  selection changes (its own counter; it is never acknowledged).
* trigger ``command = {"name": "undo" | "redo", "seq": n}`` for Ctrl+Z,
  Ctrl+Shift+Z / Ctrl+Y and the toolbar buttons. The canvas never edits locally
  for these: Python owns the history and answers with a new ``rev``. Until Python
  acknowledges the command (``ack >= seq``, or 3 s pass) the canvas makes no edit
  and queues further commands, so an edit can never be ordered before a pending
  undo.

Selection and the edit of one gesture are set in the same tick, which Streamlit
sends as one rerun. Node moves are sent on drag end only.

How a page applies an event (``CanvasEvent``)
---------------------------------------------
``event.graph`` is set when the canvas holds an edit newer than ``ack`` that was
made on the current ``rev``: replace the graph with it (and push history).
``event.command`` is ``"undo"``/``"redo"`` when a new command came: apply it after
the graph (bump ``rev``). ``event.seq``, when set, is the new ``ack``: store it even
when ``graph`` is None (an edit made on an older rev is dropped; the canvas
drops it too when it takes the new rev). ``event.selection`` is always the current
selection of node ids (filtered to ids in ``graph`` when one is given)::

    ev = read_canvas_event("canvas", rev=ss.rev, ack=ss.ack, graph=ss.graph)
    if ev and ev.seq is not None:
        ss.ack = ev.seq
        if ev.graph is not None:
            history.push(ev.graph); ss.graph = ev.graph
        if ev.command == "undo" and history.can_undo:
            ss.graph = history.undo(); ss.rev += 1
    graph_canvas(ss.graph, rev=ss.rev, ack=ss.ack, annotations=check(ss.graph), ...)

The canvas labels every string from ``strings`` (keys such as ``search``,
``delete``, ``fit``; ``canvas.``-prefixed keys are accepted too) and falls back to
the key itself, so it never shows hard-coded English.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from ..served_component import ServedComponent, reported

__all__ = [
    "COMPONENT_NAME",
    "STRING_KEYS",
    "CanvasEvent",
    "canvas_strings",
    "event_from_state",
    "graph_canvas",
    "in_fragment_rerun",
    "read_canvas_event",
]

COMPONENT_NAME = "graph_canvas"   # served as netcanvas.graph_canvas (inline: netcanvas_graph_canvas)
_HERE = Path(__file__).resolve().parent

# Every label the JS shows (the keys of ``strings``; builder.i18n has them as
# ``canvas.<key>``).
STRING_KEYS = (
    "layers", "search", "no_match", "select", "pan", "undo", "redo", "zoom_in",
    "zoom_out", "zoom_reset", "fit", "auto_layout", "delete", "params", "summary",
    "empty_hint", "help", "block_in", "block_out", "block_badge",
)
COMMANDS = ("undo", "redo")


# The canvas JS, in the order it is joined: util (shared free functions and
# constants) first, each part's methods next, canvas.js (the Canvas class, which
# mixes the parts in, and the entry point) last.
JS_PARTS = (
    "util.js",         # helpers and constants every part uses
    "render.js",       # DOM skeleton, palette, nodes, ports, edges, annotations, status
    "viewport.js",     # pan, zoom, coordinates, fit
    "layout.js",       # auto layout
    "edit.js",         # edits of the graph document
    "interaction.js",  # listeners: pointer gestures, keys, toolbar
    "protocol.js",     # data in, state out: graph + seq, rev, acknowledgements
    "blocks.js",       # block instances: their palette entries, cards, output ports, in/out shapes
    "quick.js",        # the check socket: an edit's shapes and errors before the fragment's run
    "canvas.js",       # the Canvas class, its life cycle, the component entry point
)


def _read(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def _js_source() -> str:
    """The component's JS: the parts in ``js/`` joined in ``JS_PARTS`` order."""
    return "\n".join(_read(f"js/{name}") for name in JS_PARTS)


# Served by URL: the browser fetches the source once per page, not with every rerun's delta.
_mount = ServedComponent(COMPONENT_NAME, css=_read("canvas.css"), js=_js_source())


@dataclass(frozen=True)
class CanvasEvent:
    """What the canvas sent, relative to the ``rev``/``ack`` Python holds."""

    graph: dict | None
    seq: int | None
    selection: list[str] = field(default_factory=list)
    command: str | None = None
    selected_edges: list[str] = field(default_factory=list)


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def event_from_state(state: Any, *, rev: Any, ack: int,
                     graph: dict | None = None) -> CanvasEvent | None:
    """Build a ``CanvasEvent`` from the component's raw state mapping.

    ``state`` holds ``doc``, ``selection`` and ``command`` as the JS sent them.
    Returns None when the canvas has sent nothing at all yet.
    """
    if not isinstance(state, dict):
        try:
            state = dict(state or {})
        except (TypeError, ValueError):
            return None
    doc = state.get("doc")
    sel = state.get("selection")
    cmd = state.get("command")
    if not any(isinstance(x, dict) for x in (doc, sel, cmd)):
        return None

    new_seqs: list[int] = []
    new_graph = None
    if isinstance(doc, dict):
        seq = _int(doc.get("seq"))
        if seq is not None and seq > ack:
            new_seqs.append(seq)
            g = doc.get("graph")
            if doc.get("rev") == rev and isinstance(g, dict):
                new_graph = g
    command = None
    if isinstance(cmd, dict):
        seq = _int(cmd.get("seq"))
        name = cmd.get("name")
        if seq is not None and seq > ack and name in COMMANDS:
            new_seqs.append(seq)
            command = name

    selection: list[str] = []
    edges: list[str] = []
    if isinstance(sel, dict):
        selection = [x for x in sel.get("ids") or [] if isinstance(x, str)]
        edges = [x for x in sel.get("edges") or [] if isinstance(x, str)]
    ref = new_graph if new_graph is not None else graph
    if isinstance(ref, dict) and isinstance(ref.get("nodes"), list):
        ids = {n.get("id") for n in ref["nodes"] if isinstance(n, dict)}
        selection = [x for x in selection if x in ids]
    return CanvasEvent(
        graph=new_graph,
        seq=max(new_seqs) if new_seqs else None,
        selection=selection,
        command=command,
        selected_edges=edges,
    )


def read_canvas_event(key: str = "canvas", *, rev: Any, ack: int,
                      graph: dict | None = None) -> CanvasEvent | None:
    """The canvas's pending event, read from session state before mounting it."""
    try:
        state = st.session_state.get(key)
    except Exception:  # noqa: BLE001 - a key of another widget type, etc.
        return None
    return event_from_state(state, rev=rev, ack=ack, graph=graph)


def canvas_strings(lang: str = "en") -> dict[str, str]:
    """The canvas labels in ``lang`` from ``builder.i18n`` (keys without prefix)."""
    from builder import i18n

    return {k: i18n.translate(f"canvas.{k}", lang) for k in STRING_KEYS}


def _clean_strings(strings: dict | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (strings or {}).items():
        if isinstance(k, str) and isinstance(v, str):
            out[k[len("canvas."):] if k.startswith("canvas.") else k] = v
    return out


def graph_canvas(graph: dict, *, rev: int, palette: list[dict], annotations: dict,
                 strings: dict, ack: int, key: str = "canvas",
                 height: int = 620, focus: dict | None = None,
                 view_key: str | None = None, drawn: str | None = None,
                 quick_check: dict | None = None) -> CanvasEvent | None:
    """Mount the canvas and return what it sent (see the module docstring).

    The returned event is computed against ``ack``: a page that already applied
    ``read_canvas_event`` and passes the new ``ack`` gets an event with
    ``seq is None`` (nothing new), never the same edit twice.
    """
    data = {
        "graph": graph,
        "rev": rev,
        "palette": palette,
        "annotations": annotations or {},
        "strings": _clean_strings(strings),
        "ack": int(ack),
        "focus": focus,
        "view_key": view_key,
        "drawn": drawn,
        "quick_check": quick_check,
    }
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        # NaN/inf from a user's file: JSON has no such numbers, the browser would
        # refuse the whole payload. Show them as empty (the checker reports them).
        data = _finite(data)
    except TypeError as err:
        raise TypeError(f"graph_canvas: data is not JSON-serialisable: {err}") from err
    data = _send(key, data)
    result = _mount(
        key=key,
        data=data,
        height=int(height),
        on_doc_change=reported,
        on_selection_change=reported,
        on_command_change=reported,
        on_resync_change=reported,
    )
    return event_from_state(dict(result or {}), rev=rev, ack=ack, graph=graph)


# -- what is sent: everything, or what changed since the last payload -------------------------------
SENT_STATE = "netcanvas_canvas_sent:"   # + key: session state, what the canvas of ``key`` was last sent


def _send(key: str, data: dict) -> dict:
    """``data`` as sent to the canvas of ``key`` in this run: whole in a whole-page run (the canvas
    may be mounted anew) and when the canvas asked for it (``resync``), else what changed since the
    last payload (``payload_for``)."""
    try:
        state = st.session_state.get(key)
        resync = isinstance(dict(state or {}).get("resync"), dict)
    except Exception:  # noqa: BLE001 - a key of another widget type, etc.
        resync = False
    whole = resync or not in_fragment_rerun()
    out, record = payload_for(st.session_state.get(SENT_STATE + key), data, whole=whole)
    st.session_state[SENT_STATE + key] = record
    return out


def payload_for(sent: dict | None, data: dict, *, whole: bool) -> tuple[dict, dict]:
    """The payload for ``data`` and the record of it to keep for the next one.

    Each payload has ``payload = {"id", "base"}``. A whole one (``base`` None, also the first and
    whenever ``whole``) has every field of ``data``. Otherwise ``base`` is the id of the payload
    before, and the payload leaves out what did not change since: ``graph`` (sent only with another
    ``rev`` or ``view_key``), ``palette``, ``strings``, and has ``annotations_patch`` instead of
    ``annotations``: ``{"nodes": {id: entry or None}, "edges": {key: entry or None}, "graph_errors"}``
    with only the entries that changed (None: gone). The canvas applies a patch only on top of the
    payload it names as ``base``; on any other it asks for a whole payload (trigger ``resync``), so a
    payload lost on the way (a rerun dropped it) costs one more run, never a wrong picture.
    """
    palette = json.dumps(data.get("palette"), sort_keys=True)
    strings = json.dumps(data.get("strings"), sort_keys=True)
    annotations = data.get("annotations") or {}
    pid = (sent["id"] if isinstance(sent, dict) else 0) + 1
    record = {"id": pid, "rev": data.get("rev"), "view_key": data.get("view_key"), "palette": palette,
              "strings": strings, "annotations": annotations}
    if whole or not isinstance(sent, dict):
        return dict(data, payload={"id": pid, "base": None}), record
    out = {k: data.get(k) for k in ("rev", "ack", "focus", "view_key", "drawn", "quick_check")}
    out["payload"] = {"id": pid, "base": sent["id"]}
    if data.get("rev") != sent["rev"] or data.get("view_key") != sent["view_key"]:
        out["graph"] = data.get("graph")
    if palette != sent["palette"]:
        out["palette"] = data.get("palette")
    if strings != sent["strings"]:
        out["strings"] = data.get("strings")
    out["annotations_patch"] = _annotations_patch(sent["annotations"], annotations)
    return out, record


def push_payload(key: str, *, graph: dict, rev: Any, palette: list[dict], annotations: dict,
                 view_key: str | None, ack: int) -> dict:
    """What the canvas of ``key`` is pushed over its socket ahead of a run (ui/canvas_check.py,
    ``push``): the run's payload for a new ``rev`` before the run draws it: the graph and its
    annotations, and the palette only when it is not the one last sent; ``ack`` as in
    ``graph_canvas``. The canvas draws it unless it has sent an edit or command that ``ack`` does not
    cover, and keeps its annotations apart until the run's own come (ui/canvas/js/quick.js)."""
    sent = st.session_state.get(SENT_STATE + key)
    data = {"graph": graph, "rev": rev, "annotations": annotations or {}, "view_key": view_key, "ack": int(ack)}
    if not isinstance(sent, dict) or json.dumps(palette, sort_keys=True) != sent.get("palette"):
        data["palette"] = palette
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        data = _finite(data)    # as graph_canvas sends it
    return data


def _annotations_patch(before: dict, after: dict) -> dict:
    patch: dict[str, Any] = {}
    for part in ("nodes", "edges"):
        old, new = before.get(part) or {}, after.get(part) or {}
        changed = {k: v for k, v in new.items() if old.get(k) != v}
        changed.update({k: None for k in old if k not in new})
        patch[part] = changed
    patch["graph_errors"] = after.get("graph_errors") or []
    return patch


def in_fragment_rerun() -> bool:
    """Whether this run reruns fragments only (the rest of the page, and the canvas, stay mounted)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        ctx = get_script_run_ctx()
        return bool(ctx is not None and ctx.fragment_ids_this_run)
    except Exception:  # noqa: BLE001 - another streamlit: send everything
        return False


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v
