"""The canvas's check socket (ui/canvas_check.py): what it answers, and what it refuses."""
from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from builder.shapes import check
from ui import build_blocks, build_view
from ui.build_fragment import LISTEN_KEY
from ui.canvas import SENT_STATE
from ui.canvas_check import MAX_CHARS, annotations_for, answer, check_socket, listen_message, listening, push, same_origin


def page_annotations(doc: dict, lang: str) -> dict:
    """What the Build page's fragment sends the canvas for ``doc`` (build_blocks.canvas_view)."""
    ws = SimpleNamespace(tab=SimpleNamespace(doc=doc, key="t"))
    result = check(doc)
    view = build_blocks.canvas_view(ws, result, lang, build_view.palette(lang), build_view.annotations)
    return view.annotations


@pytest.mark.parametrize("key", ["resnet18", "digits_cnn", "text_transformer", "vae"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_socket_answers_what_the_page_sends(key, lang, monkeypatch):
    monkeypatch.setattr(build_blocks, "editing", lambda ws: None)
    doc = templates.load(key)
    assert annotations_for(doc, lang) == page_annotations(doc, lang)


def test_an_answer_carries_the_edit_number_and_every_error():
    doc = {"format": "netcanvas.graph", "version": 1, "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [4]}},
        {"id": "r", "type": "ReLU", "params": {}}], "edges": []}
    reply = json.loads(answer(json.dumps({"seq": 7, "lang": "en", "graph": doc})))
    assert reply["seq"] == 7
    assert reply["annotations"]["nodes"]["x"]["shape"] == "(4,)"
    assert "needs an input" in reply["annotations"]["nodes"]["r"]["error"]
    zh = json.loads(answer(json.dumps({"seq": 8, "lang": "zh", "graph": doc})))
    assert zh["annotations"]["nodes"]["r"]["error"] != reply["annotations"]["nodes"]["r"]["error"]
    # an unknown language is answered in the first one
    other = json.loads(answer(json.dumps({"seq": 9, "lang": "fr", "graph": doc})))
    assert other["annotations"] == reply["annotations"]


@pytest.mark.parametrize("message", [
    None, b"{}", "", "not json", "[]", "{}", json.dumps({"seq": 1}), json.dumps({"seq": "1", "graph": {}}),
    json.dumps({"seq": True, "graph": {}}), json.dumps({"seq": 1, "graph": []}),
    json.dumps({"seq": 1, "graph": {"nodes": "x" * 10}}) + " " * MAX_CHARS,
])
def test_what_is_not_a_message_gets_no_answer(message):
    assert answer(message) is None


@pytest.mark.parametrize("graph", [
    {"nodes": "many", "edges": 3},
    {"nodes": [{"id": "a", "type": "Linear", "params": {"out_features": "__import__('os')"}}], "edges": []},
    {"nodes": [{"id": "a", "type": "Nope"}, {"id": "a", "type": "Input"}], "edges": [{"source": "a", "target": "zz"}]},
])
def test_a_hostile_graph_is_answered_with_errors_never_run(graph):
    reply = answer(json.dumps({"seq": 1, "lang": "en", "graph": graph}))
    assert reply is None or json.loads(reply)["seq"] == 1


def test_a_fault_of_the_checker_is_no_answer_and_the_socket_goes_on(monkeypatch):
    import ui.canvas_check as socket_module

    def broken(doc, lang):
        raise KeyError("a bug")
    monkeypatch.setattr(socket_module, "annotations_for", broken)
    assert answer(json.dumps({"seq": 1, "lang": "en", "graph": {"nodes": []}})) is None


def test_a_page_of_another_site_may_not_use_the_socket():
    assert same_origin({"origin": "http://localhost:8501", "host": "localhost:8501"})
    assert same_origin({"host": "localhost:8501"})      # not a browser
    assert not same_origin({"origin": "https://evil.example", "host": "localhost:8501"})
    assert not same_origin({"origin": "http://localhost:9999", "host": "localhost:8501"})


# -- pushes: an edit made beside the canvas sent to the canvas of that session ------------------------
class FakeSocket:
    """What check_socket uses of Starlette's WebSocket, driven from the test's thread."""

    def __init__(self, loop, headers=None) -> None:
        self.loop = loop
        self.headers = headers or {"origin": "http://localhost:8501", "host": "localhost:8501"}
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.sent: queue.Queue = queue.Queue()

    async def accept(self) -> None:
        pass

    async def close(self, code: int) -> None:
        self.sent.put(("closed", code))

    async def receive(self) -> dict:
        return await self.incoming.get()

    async def send_text(self, text: str) -> None:
        self.sent.put(json.loads(text))

    def say(self, msg: dict) -> None:
        self.loop.call_soon_threadsafe(self.incoming.put_nowait, {"type": "websocket.receive", "text": json.dumps(msg)})

    def hang_up(self) -> None:
        self.loop.call_soon_threadsafe(self.incoming.put_nowait, {"type": "websocket.disconnect"})

    def next(self) -> dict:
        return self.sent.get(timeout=10)


def eventually(condition) -> None:
    end = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < end, "never happened"
        time.sleep(0.01)


@pytest.fixture
def server():
    """check_socket served on an event loop of its own thread, as the app's server does; a function that
    opens a socket to it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    opened = []

    def open_socket(headers=None) -> FakeSocket:
        sock = FakeSocket(loop, headers)
        sock.done = asyncio.run_coroutine_threadsafe(check_socket(sock), loop)
        opened.append(sock)
        return sock
    yield open_socket
    for sock in opened:
        sock.hang_up()
        sock.done.result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


TOKEN_A, TOKEN_B = "a" * 24, "b-_" * 8


def test_a_canvas_that_listens_gets_its_sessions_pushes_and_no_other(server):
    a, b = server(), server()
    a.say({"listen": TOKEN_A})
    b.say({"listen": TOKEN_B})
    eventually(lambda: listening(TOKEN_A) and listening(TOKEN_B))
    assert push(TOKEN_A, {"rev": "t:2"}) == 1                     # sent from this thread, not the loop's
    assert push(TOKEN_B, {"rev": "u:5"}) == 1
    assert a.next() == {"push": {"rev": "t:2"}}
    assert b.next() == {"push": {"rev": "u:5"}}                   # B's first message: A's push never came
    a.say({"seq": 3, "lang": "en", "graph": {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}}]}})
    assert a.next()["annotations"]["nodes"]["x"]["shape"] == "(4,)"   # and it still answers its edits
    a.hang_up()
    eventually(lambda: not listening(TOKEN_A))
    assert push(TOKEN_A, {"rev": "t:3"}) == 0                     # gone with its socket
    assert listening(TOKEN_B)


def test_a_page_of_another_site_cannot_listen(server):
    sock = server({"origin": "https://evil.example", "host": "localhost:8501"})
    assert sock.next() == ("closed", 1008)
    assert not listening(TOKEN_A) and push(TOKEN_A, {"rev": "x"}) == 0


@pytest.mark.parametrize("text", [
    None, "", "{}", "[]", json.dumps({"listen": 5}), json.dumps({"listen": "short"}), json.dumps({"listen": "a b" * 10}),
    json.dumps({"listen": "x" * 65}), json.dumps({"listen": "<script>" * 3}), json.dumps({"listen": "a" * 24}) + " " * 200,
])
def test_what_is_not_a_listen_message_is_not_one(text):
    assert listen_message(text) is None


def test_a_listen_message_names_its_token():
    assert listen_message(json.dumps({"listen": TOKEN_B})) == TOKEN_B


APP = Path(__file__).resolve().parent / "app_entry.py"


def test_a_param_edit_and_undo_in_the_build_page_are_pushed_as_their_run_draws_them(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["focus_node"] = "fc2"
    at.run()
    canvas = server()
    canvas.say({"listen": at.session_state[LISTEN_KEY]})
    eventually(lambda: listening(at.session_state[LISTEN_KEY]))
    next(w for w in at.number_input if w.key and w.key.endswith(":fc2:out_features")).set_value(5).run()
    pushed = canvas.next()["push"]
    sent = at.session_state[SENT_STATE + "canvas"]      # what the run then sent the canvas
    assert next(n for n in pushed["graph"]["nodes"] if n["id"] == "fc2")["params"] == {"out_features": 5}
    assert pushed["annotations"]["nodes"]["fc2"]["shape"] == "(5,)"
    assert (pushed["rev"], pushed["view_key"], pushed["annotations"]) == (sent["rev"], sent["view_key"], sent["annotations"])
    assert "palette" not in pushed                    # the canvas has it
    assert pushed["ack"] == 0                         # no edit of the canvas's own yet
    at.button(key="btn_undo").click().run()
    undone = canvas.next()["push"]
    assert next(n for n in undone["graph"]["nodes"] if n["id"] == "fc2")["params"] == {"out_features": 10}
    assert undone["annotations"]["nodes"]["fc2"]["shape"] == "(10,)"
    assert undone["rev"] == at.session_state[SENT_STATE + "canvas"]["rev"] != pushed["rev"]
    at.run()                                          # a run with no edit pushes nothing
    assert canvas.sent.empty()
