"""Build page benchmark, in the real browser: from an edit to the updated shape labels on the canvas.

    python bench/build_page_bench.py [--repeats N]

Starts ``streamlit run app.py`` on a free port with a workspace holding a 20-node and a
200-node graph, drives headless Chromium (the ``chromium`` on PATH) and times, for each:
  add      drop a layer from the palette until the checker's verdict shows on the new node
  connect  wire it up until its output shape shows on it
  param    change a Linear's out_features in the property panel until the canvas shows the
           new shape downstream
  undo     the bar's undo button, until the canvas shows that param's shape from before
Target (issue 13): at most 150 ms at 200 nodes and 100 ms at 20. Prints the median and worst of
the repeats, and the load average before and after (other jobs on the machine slow every edit).
It also times the same kind of edit in a bare Streamlit app (bench/fragment_floor_app.py: a fragment
with one number input and the line showing its value), the least any edit costs in this Streamlit on
this machine, and prints each edit's ratio to it.

Measured 2026-11-30 on 2 CPUs shared with other jobs (load average 1-4), --repeats 5, the median
of three alternated runs each (ms, add / connect / param):
  before the fragment (deb8d2b)   20 nodes 287 / 294 / 328    200 nodes 447 / 330 / 366
  after (fragment, payload diff)  20 nodes 277 / 260 / 222    200 nodes 266 / 272 / 279
Not yet the target on that machine: what is left is mostly the fragment's own run (the check,
the autosave, ~35 deltas) and the machine's other jobs.
Again after the blocks were merged, on the same machine with nothing else running (load 1.5-3 from
the bench itself), --repeats 5, two alternated runs each (ms, add / connect / param):
  before (deb8d2b)   20 nodes 152-264 / 180-185 / 165-189    200 nodes 203-295 / 212-267 / 273-325
  after              20 nodes 127-186 / 119-136 / 158-171    200 nodes 150-189 / 136-161 / 191-236
Issue 13's speed part (branch i13-perf: the canvas's JS and CSS served by URL, the autosave after the
fragment has drawn, undo and redo drawn by the fragment, the errors list's style sent once), on 2 CPUs
shared with 4 other developers (load average 5-12 all along: absolute times are high and noisy, the
ratios and bytes matter), --repeats 5, alternated runs of main (a222d1b) and the branch:
  three runs each (the branch at 869838e), median of the medians (ms, add / connect / param), KB
  received per edit
    before  20 nodes 416 / 275 / 266  113-115 KB    200 nodes 343 / 243 / 421  125-134 KB
    after   20 nodes 215 / 270 / 211   12-14 KB     200 nodes 254 / 320 / 361   23 KB
  three runs each with undo (each param edit taken back by the bar's button; the next add then clears
  redo, which reran the whole page before), median of the medians (ms, add / connect / param / undo)
    before  20 nodes 748 / 336 / 245 / 744    200 nodes 629 / 248 / 392 / 852
    after   20 nodes 236 / 326 / 190 / 384    200 nodes 279 / 273 / 375 / 296
What is left, profiled: the fragment's Python is 10-25 ms of an edit at 200 nodes (check 7-15 ms,
summary table 4-30 ms); in the browser (a Chrome trace of 4 param edits at 200 nodes) paint, pre-paint,
layerize and commit take ~1.5 s of the main thread's ~3.5 s, scripts ~1 s: mostly the page's redraw.
With the floor (2026-11-30, quiet machine, load 1.6-2 from the bench itself, --repeats 5): a bare
fragment's edit takes 99 ms, so issue 13's 100 ms at 20 nodes is this Streamlit's floor itself; the
Build page's edits were 2.3-2.9x the floor at 20 nodes and 3.2-4.1x at 200 (ms, add / connect / param /
undo: 20 nodes 286 / 227 / 268 / 227, 200 nodes 401 / 315 / 329 / 384). Of a param edit at 200 nodes
(websocket frames timed): ~15 ms until the browser sends it, 160-250 ms until the last message of the
fragment's run arrives (its Python ~40-50 ms: the check ~15-25, the autosave ~10), 0-140 ms of redraw.
Later the same day (quiet machine, load 1.7-3.8 from the bench itself, --repeats 7, two alternated runs
each, medians, ms, add / connect / param / undo):
  before (42d7475)  20 nodes 267-286 / 216-254 / 282-312 / 254-303   200 nodes 351-414 / 324-358 / 357-434 / 356-362
  after  (96f9355) 20 nodes 179-197 / 143-161 / 179-202 / 175-179   200 nodes 256-318 / 241-254 / 273-319 / 213-275
  the first add of a session, worst of 7: 1,168-1,419 ms before, 198-228 ms after
What changed: Streamlit's full garbage collection after every run is off and the imports' objects are
frozen (it took 130-150 ms with torch loaded; 50 ms in the bare app, whose floor went from 77-86 to 26-40
ms with the project's .streamlit/config.toml); an edge keeps its elements across a new rev; check() 40%
faster; the summary and code are a fragment of their own, updated after the canvas has drawn; the Data
page's warm-up and the Plotly preload wait for the user to pause (they held the first edits ~1 s).
What is left, from a Chrome trace of param edits at 200 nodes: the canvas fragment's run until its last
message ~90-130 ms after the edit is sent (its Python ~30 ms), React's render of its ~23 elements 30-60 ms,
the canvas's update 4-13 ms, then Chrome's software raster on 2 cores 30-80 ms before the frame shows it.
2026-12-01 (load 1.6-3.2 from the bench itself, --repeats 7, two alternated runs each, medians, ms,
add / connect / param / undo; the floor, a bare fragment's edit, measured 31-53 ms in the same runs):
  before (5fa1c6a)  20 nodes 164-219 / 167-177 / 190-193 / 172-178   200 nodes 193-234 / 170-250 / 232-280 / 207-325
  after  (9c844c2)  20 nodes 169-170 / 158-163 / 176-186 / 143-144   200 nodes 232-248 / 224-264 / 203-207 / 138-215
What changed: the canvas tells the page it has drawn once the frame showing the edit is painted (the
summary's run came back first and React drew the summary before that frame); the property panel's
fields keep their keys across edits (keyed by the graph's version, the whole form was made anew in the
browser after every edit, and the field being typed in lost the focus). Add and connect did not move:
what is left there is the fragment's run (~50-65 ms on the server at 200 nodes: check 12-25, the side
panel 6-13, the autosave 5-10) and two redraws of the page in the browser (React 30-40 ms, paint 40-80).
Later on 2026-12-01, with each edit timed from a quiet page (``settle``: before, the next edit often
began while the summary's run after the last one went on, and waited for it), both trees timed by this
bench, --repeats 7, two alternated runs each, medians, ms, add / connect / param / undo (floor 27-32):
  before (1466446)  20 nodes 183-192 / 117-163 / 159-162 / 144-145   200 nodes 233-275 / 238-273 / 286-295 / 249-256
  after  (5271dcb)  20 nodes 158-181 / 127-153 / 138-147 / 108-127   200 nodes 198-202 / 164-169 / 168-171 / 134-153
What changed: the canvas, its side panel and undo/redo are never faded while a run redraws them
(Streamlit's delayed fade of a stale element started and cancelled a transition that repainted the
whole canvas twice per edit, 30-50 ms each at 200 nodes); a palette drop no longer restyles every
element of the canvas before its edit is sent (drop to send 69-77 -> 31 ms at 200 nodes); check()
reuses the structure's verdict across param edits and the edit path copies documents 3x faster.
What is left at 20 nodes, per edit: ~15-25 ms from the input to the websocket send (Streamlit sends a
widget's change from a timer, after the frame the input causes), ~25-35 ms of the fragment's run on
the server, then React rendering the run's elements twice (stale, then new: 20-40 ms each, in
Streamlit's frontend) and the frames that show the canvas's update.
Later on 2026-12-01 (d7bf999..564ef44): the check's verdict beside the canvas (all is well, or every
problem) is drawn by the summary's fragment after the canvas has drawn, and the node panel's texts are
two elements instead of five. This bench cannot tell them apart from the machine's noise (the same tree
measured 77-150 ms, mean of the four medians at 20 nodes, within the hour), so each step was timed by
an A/B script that runs both trees' apps at once and alternates every single edit between them (9-11
repeats, mean of the four medians, ms; an A/A run differs by 12-22):
  verdict moved     20 nodes 131 -> 124, 150 -> 136    200 nodes 191 -> 175, 193 -> 174
  panel texts       20 nodes 139 -> 129                200 nodes 154 -> 140
  both (d7bf999 -> 564ef44)  20 nodes 138 -> 124       200 nodes 154 -> 151
What is left, counted with a React DevTools hook in the page: at 20 nodes, 1,500-2,300 component
renders from a param edit's keypress to the canvas's update, in 4-9 commits (the run's start, its
status, the elements in batches of Streamlit's 10 ms buffer, its end), each rendering the whole page
again (~730 components: the top navigation ~120, the summary and code ~190). Tried without a
measurable gain: the canvas first in its run instead of last; the bar, the header and the summary's
figures as horizontal containers instead of columns (component renders -22%, latency within the noise).
2026-12-01, the check socket (ui/canvas_check.py, cb5b609 -> e109d16): an edit on the canvas also
goes to a websocket served beside Streamlit (app.py, st.App), which answers with the same check and
annotations as the fragment's run; the canvas draws them at once. Why: every Streamlit run, even a
fragment's, makes the browser render the whole page 3-5 times (its new_session, its status, its elements,
its end: 15-40 ms each on 2 cores, ~1,150-1,600 React components each), and the run's own annotations
came after them. --repeats 7, two alternated runs each, medians, ms, add / connect / param / undo (floor
29-33; load 1.5-2.2, the bench itself):
  before (cb5b609)  20 nodes 158-202 / 101-141 / 146-177 / 125-136   200 nodes 208-229 / 157-169 / 167-180 / 139-158
  after  (e109d16)  20 nodes  55-58  /  59-65  / 138-155 / 108-123   200 nodes  76-112 / 124-129 / 170-179 / 144-179
Param and undo are Streamlit widgets' edits (the property panel, the bar's undo): they still wait for the
fragment's run. Received per edit grows by the socket's answer (14.5 -> 16.3 KB at 20 nodes, 35 -> 48 KB at
200). Measured without a gain: the summary drawn only while an expander is open (-270 components per
render; param 144 -> 135, undo 123 -> 123 at 20 nodes in an A/B, within the noise).
2026-12-01, pushes (8822c61 -> 709010e): a param edit in the side panel, the bar's undo and redo and the
canvas's own undo and redo send the new graph and its annotations to the canvas over its check socket
(ui/canvas_check.py ``push``) as their callback applies them, before the fragment's run is rendered.
--repeats 7, medians, ms, add / connect / param / undo (floor 35-52; load 1.5-3, the bench itself):
  before (8822c61)  20 nodes 111 / 93 / 192 / 177, 64 / 68 / 158 / 133, 63 / 90 / 173 / 160
                    200 nodes 131 / 176 / 209 / 219, 116 / 154 / 197 / 162, 132 / 148 / 192 / 174
  after  (709010e)  20 nodes 61 / 71 / 75 / 56, 73 / 74 / 77 / 72, 46 / 62 / 68 / 64
                    200 nodes 120 / 135 / 99 / 92, 108 / 143 / 115 / 102, 108 / 104 / 119 / 96
The same trees again on a fresh, quiet machine (load 0.6-2.6, the bench itself; floor 23-28):
  before (8822c61)  20 nodes 34 / 46 / 97 / 91      200 nodes 46 / 87 / 123 / 88
  after             20 nodes 35 / 33 / 51 / 33, 37 / 31 / 45 / 29      200 nodes 47 / 65 / 70 / 60, 56 / 67 / 65 / 46
  ratios to the floor, after: 1.3-2.1x at 20 nodes, 1.9-2.9x at 200 (before: param 3.4x and 4.4x)
Received per edit grows by the push, which carries the graph (16.4 -> 18.9 KB at 20 nodes, 48 -> 72 KB at
200). Tried and left out: holding an edit's state back from Python until the socket's answer was painted
(at most 150 ms; add 29-31 ms at 20 nodes, 61-72 at 200): an edit held when the user pressed another
page's link was lost, and the targets were met without it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.canvas_helpers import center, drag, drop_from_palette, head, in_port, node, out_port  # noqa: E402
from tests.e2e.servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402


def chain(n: int, name: str) -> dict:
    """Input (64,) -> Linear/ReLU ... -> Output: ``n`` nodes, laid out in rows."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [64]}}]
    for i in range(1, n - 1):
        nodes.append({"id": f"n{i}", "type": "Linear" if i % 2 else "ReLU",
                      "params": {"out_features": 64} if i % 2 else {}})
    nodes.append({"id": "y", "type": "Output", "params": {}})
    for i, nd in enumerate(nodes):
        nd["pos"] = [40 + (i % 10) * 240, 40 + (i // 10) * 160]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"format": "netcanvas.graph", "version": 1, "name": name, "nodes": nodes, "edges": edges}


def start_app(home: Path):
    graphs = home / "graphs"
    graphs.mkdir(parents=True)
    for n in (20, 200):
        (graphs / f"chain{n}.json").write_text(json.dumps(chain(n, f"chain{n}")))
    (home / "session.json").write_text(json.dumps({"open": ["chain20", "chain200"], "active": 0}))
    return launch(ROOT / "app.py", cwd=ROOT, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(home / "runs")})


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


class Received:
    """Bytes the page received over Streamlit's websocket (each edit's messages: deltas, the canvas's data),
    and when the last message went either way."""

    def __init__(self, page) -> None:
        self.bytes = 0
        self.per_edit: list[int] = []
        self.last = time.monotonic()
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framereceived", self._add)
        ws.on("framesent", self._sent)

    def _add(self, payload) -> None:
        self.bytes += len(payload)
        self.last = time.monotonic()

    def _sent(self, payload) -> None:
        self.last = time.monotonic()


QUIET_S = 0.3    # no message either way for this long: the runs an edit leads to are over


def settle(page, received: Received) -> None:
    """Wait until the page is quiet: no run going and no message for ``QUIET_S``. The status widget alone
    is not enough: the summary's run that follows the canvas's (ui/build_fragment.py) starts after it
    is gone, and an edit timed while it runs would wait for it (an edit made at once after another)."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        idle(page)
        quiet_for = time.monotonic() - received.last
        if quiet_for >= QUIET_S:
            return
        page.wait_for_timeout((QUIET_S - quiet_for) * 1000 + 10)


def timed(page, action, ready_js: str, arg, received: Received) -> float:
    received.bytes = 0
    action()
    t0 = time.perf_counter()
    try:
        page.wait_for_function(ready_js, arg=arg, polling="raf", timeout=30_000)
    except Exception as err:  # noqa: BLE001 - say which edit never showed
        raise RuntimeError(f"the canvas never showed {arg!r}: {node_text(page, arg[0])!r}") from err
    ms = (time.perf_counter() - t0) * 1000
    settle(page, received)
    received.per_edit.append(received.bytes)
    return ms


# The node with this id on the visible canvas (a replaced canvas may linger in the DOM for a moment).
FIND = """(id) => { for (const h of document.querySelectorAll('*')) { if (!h.shadowRoot) continue;
  const n = h.shadowRoot.querySelector('.nc-node[data-id="' + id + '"]');
  if (n && n.getClientRects().length) return n; } return null; }"""
HAS_TEXT = "([id, text]) => { const n = (" + FIND + ")(id); return !!n && n.textContent.includes(text); }"
LACKS_TEXT = "([id, text]) => { const n = (" + FIND + ")(id); return !!n && !n.textContent.includes(text); }"


def node_text(page, node_id: str) -> str | None:
    return page.evaluate("(id) => { const n = (" + FIND + ")(id); return n && n.textContent; }", node_id)


SHOWS_TEXT = "(text) => document.body.innerText.includes(text)"


def floor_ms(browser, edits: int) -> list[float]:
    """An edit in the bare fragment app, timed as the Build page's param edits are."""
    app = launch(Path(__file__).with_name("fragment_floor_app.py"), cwd=ROOT, env={})
    page = browser.new_page(viewport=VIEWPORT)
    try:
        received = Received(page)
        page.goto(app.url)
        page.get_by_text("shown 0").wait_for(timeout=60_000)
        field = page.get_by_role("spinbutton", name="value")
        times = []
        for i in range(1, 2 * edits + 1):       # twice the edits: each takes a fraction of the page's
            def change():
                field.fill(str(i))
                field.press("Enter")
            times.append(timed(page, change, SHOWS_TEXT, f"shown {i}", received))
        return times
    finally:
        page.close()
        app.stop()


def bench_graph(page, tab_name: str, last: str, edits: int, received: Received) -> dict:
    # a click on the tab already shown reruns the whole page, and the first edit timed would wait for it
    tabs = page.locator('[class*="st-key-tabs_"]')
    if tabs.get_by_role("radio", checked=True).text_content() != tab_name:
        tabs.get_by_role("radio", name=tab_name).click()
    node(page, last).wait_for()
    settle(page, received)
    times = {"add": [], "connect": [], "param": [], "undo": []}
    for i in range(edits):
        new = f"relu_{i + 1}"
        times["add"].append(timed(page, lambda: drop_from_palette(page, "ReLU", 160 + 30 * i, 60 + 20 * i),
                                  HAS_TEXT, [new, "needs an input"], received))
        # wire it to n4, in the first row (in view at any zoom), after the Linear(64) that n1's edits do not touch
        times["connect"].append(timed(page, lambda: drag(page, center(out_port(page, "n4")), center(in_port(page, new))),
                                      HAS_TEXT, [new, "(64,)"], received))
        page.mouse.click(*head(page, "n1"))
        field = page.get_by_role("spinbutton", name="out_features *")
        field.wait_for()
        settle(page, received)      # the click's run (a node selected) is over
        value = 40 + i

        def change():
            field.fill(str(value))
            field.press("Enter")
        times["param"].append(timed(page, change, HAS_TEXT, ["n1", f"({value},)"], received))
        # the bar's undo button takes the param edit back (an edit of the page's bar, not of the canvas)
        times["undo"].append(timed(page, lambda: page.locator(".st-key-btn_undo button").first.click(),
                                   LACKS_TEXT, ["n1", f"({value},)"], received))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    home = Path(tempfile.mkdtemp(prefix="netcanvas-bench-"))
    app = start_app(home / "workspace")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            received = Received(page)
            page.goto(app.url)
            page.locator(".nc-root").wait_for(timeout=60_000)
            idle(page)
            print("edit -> updated labels on the canvas, in the browser (ms; median / worst of "
                  f"{args.repeats}); load average {load()}")
            results = {}
            for name, last in (("chain20", "n18"), ("chain200", "n198")):
                received.per_edit.clear()
                results[name] = bench_graph(page, name, last, args.repeats, received)
                row = "  ".join(f"{k} {statistics.median(v):6.0f} / {max(v):6.0f}" for k, v in results[name].items())
                print(f"{name:<9} {row}   received per edit {statistics.median(received.per_edit) / 1000:.1f} KB")
            floor = statistics.median(floor_ms(browser, args.repeats))
            print(f"a bare Streamlit fragment (one number input): {floor:.0f} ms, the floor of any edit here")
            for name, times in results.items():
                print(f"{name:<9} " + "  ".join(f"{k} {statistics.median(v) / floor:5.2f}x" for k, v in times.items())
                      + "  the floor")
            print(f"load average at the end {load()} ({os.cpu_count()} CPUs): other jobs slow every edit down")
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
