"""The canvas's check socket: an edit on the canvas answered with its shapes and errors at once.

An edit on the canvas (a layer added, a wire drawn, a node deleted) goes to Python as the component's
state, which reruns the canvas's fragment: the edit is applied there (history, autosave, side panel)
and the canvas gets the check's annotations back with that run. Every Streamlit run makes the browser
render the whole page again several times (its start, its status, its elements, its end: 15-30 ms
each on 2 cores), so the annotations reached the canvas 100-200 ms after the edit.

The canvas also sends the edited graph over this websocket (served beside Streamlit by app.py) and
shows the annotations it answers, the same ``check`` and the same annotations as the fragment's run
(``annotations_for``), until that run's own arrive (ui/canvas/js/quick.js). The socket keeps nothing:
each message is answered from its graph alone, and a canvas whose socket fails still gets everything
from the fragment's run.

Message in:  ``{"seq": n, "lang": "en" | "zh", "graph": {...}}`` (text, at most ``MAX_CHARS``)
Message out: ``{"seq": n, "annotations": {...}}`` (what ``graph_canvas(annotations=...)`` takes)

The other way, an edit made beside the canvas (a param in the side panel, the bar's undo and redo) is
pushed to the canvas over its socket from that edit's callback, before the fragment's run draws it
(``push``): a canvas that says ``{"listen": token}`` (its session's token, given in its data) gets
``{"push": {"rev", "view_key", "graph", "annotations"[, "palette"]}}``, the run's own payload ahead of
time (ui/canvas/js/quick.js draws it unless the canvas has an edit of its own on the way).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from urllib.parse import urlsplit

from builder.i18n import LANGS
from builder.shapes import check

from . import build_view
from .build_blocks import annotate

CHECK_PATH = "/netcanvas/check"     # app.py's route (at the server's root, beside Streamlit's own)
MAX_CHARS = 4_000_000               # a 2,000-node graph is ~250 KB; larger messages are not answered
_LOG = logging.getLogger(__name__)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")   # a session's listen token (secrets.token_urlsafe)


def annotations_for(doc: dict, lang: str) -> dict:
    """The canvas's annotations of the top-level graph ``doc`` (not a block's definition being edited):
    what the Build page's fragment sends for it (``build_blocks.canvas_view``)."""
    result = check(doc)
    return annotate(build_view.annotations(result, lang), result, lang)


def answer(text: str) -> str | None:
    """The reply to one message, or None for a message that is not one (then the fragment's run
    alone answers the edit)."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return None
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    if not isinstance(msg, dict) or not isinstance(msg.get("graph"), dict):
        return None
    seq = msg.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    lang = msg.get("lang") if msg.get("lang") in LANGS else LANGS[0]
    try:
        return json.dumps({"seq": seq, "annotations": annotations_for(msg["graph"], lang)}, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return None     # a number JSON cannot hold, a graph nested past reason: the fragment's run shows it
    except Exception:   # noqa: BLE001 - a fault of the checker: the fragment's run shows the graph as it can,
        _LOG.exception("the check socket could not answer")   # and the socket stays open for the next edit
        return None


def same_origin(headers) -> bool:
    """Whether a browser's socket comes from a page of this server (a websocket is not bound by CORS:
    another site's page could open one). A client without an Origin (not a browser) is let in."""
    origin = headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == (headers.get("host") or "").lower()


class _Socket:
    """One canvas's open socket: its sends, from its own loop and from a script thread's push, one
    at a time (a websocket takes one message at a time)."""

    def __init__(self, websocket, loop: asyncio.AbstractEventLoop) -> None:
        self.websocket, self.loop = websocket, loop
        self.lock = asyncio.Lock()

    async def send(self, text: str) -> None:
        try:
            async with self.lock:
                await self.websocket.send_text(text)
        except Exception:  # noqa: BLE001 - closed on the way: the fragment's run shows the edit
            pass


_LISTENING: dict[str, set[_Socket]] = {}    # a session's token -> its canvases' open sockets
_LISTENING_LOCK = threading.Lock()         # taken by the server's loop and by script threads


def listen_message(text) -> str | None:
    """The token of a ``{"listen": token}`` message, else None."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    token = msg.get("listen") if isinstance(msg, dict) else None
    return token if isinstance(token, str) and TOKEN.fullmatch(token) else None


def _listen(token: str, sock: _Socket) -> None:
    with _LISTENING_LOCK:
        _LISTENING.setdefault(token, set()).add(sock)


def _forget(sock: _Socket) -> None:
    with _LISTENING_LOCK:
        for token in [t for t, socks in _LISTENING.items() if sock in socks]:
            _LISTENING[token].discard(sock)
            if not _LISTENING[token]:
                del _LISTENING[token]


def listening(token: str | None) -> bool:
    """Whether a canvas of the session with ``token`` has its socket open (then ``push`` reaches it)."""
    with _LISTENING_LOCK:
        return bool(token) and bool(_LISTENING.get(token))


def push(token: str | None, payload: dict) -> int:
    """Send ``{"push": payload}`` to the canvases listening with ``token``, from any thread, without
    waiting for it to go out; the number of sockets it was handed to."""
    with _LISTENING_LOCK:
        socks = list(_LISTENING.get(token or "", ()))
    if not socks:
        return 0
    text = json.dumps({"push": payload}, allow_nan=False)
    for sock in socks:
        asyncio.run_coroutine_threadsafe(sock.send(text), sock.loop)
    return len(socks)


async def check_socket(websocket) -> None:
    """Starlette websocket endpoint: answer each message (``answer``) in a worker thread, so the
    server's event loop keeps sending Streamlit's messages while a large graph is checked; a
    ``{"listen": token}`` message makes the socket one that ``push`` reaches."""
    from starlette.concurrency import run_in_threadpool
    from starlette.websockets import WebSocketDisconnect

    if not same_origin(websocket.headers):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    sock = _Socket(websocket, asyncio.get_running_loop())
    try:
        while True:
            message = await websocket.receive()
            if message.get("type") == "websocket.disconnect":
                return
            text = message.get("text")
            token = listen_message(text)
            if token is not None:
                _listen(token, sock)
                continue
            reply = await run_in_threadpool(answer, text)
            if reply is not None:
                await sock.send(reply)
    except WebSocketDisconnect:
        return
    finally:
        _forget(sock)
