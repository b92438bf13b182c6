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
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from builder.i18n import LANGS
from builder.shapes import check

from . import build_view
from .build_blocks import annotate

CHECK_PATH = "/netcanvas/check"     # app.py's route (at the server's root, beside Streamlit's own)
MAX_CHARS = 4_000_000               # a 2,000-node graph is ~250 KB; larger messages are not answered
_LOG = logging.getLogger(__name__)


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


async def check_socket(websocket) -> None:
    """Starlette websocket endpoint: answer each message (``answer``) in a worker thread, so the
    server's event loop keeps sending Streamlit's messages while a large graph is checked."""
    from starlette.concurrency import run_in_threadpool
    from starlette.websockets import WebSocketDisconnect

    if not same_origin(websocket.headers):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message.get("type") == "websocket.disconnect":
                return
            reply = await run_in_threadpool(answer, message.get("text"))
            if reply is not None:
                await websocket.send_text(reply)
    except WebSocketDisconnect:
        return
