"""The Build page reruns only its canvas part (a fragment) on an edit: what the rest of the page shows
from the graph still follows, and quick edits are all kept."""
from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.canvas_helpers import (
    PACED_MESSAGES, add_from_palette, center, drag, drop_from_palette, head, in_port, new_empty_tab, node,
    on_streamlit_frames, out_port,
)
from tests.e2e.build_app import app, page, workdir  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


def current_tab(page):
    return page.locator("[class*=\"st-key-tabs_\"]").get_by_role("radio", checked=True)


def graph_nodes(workdir, key: str) -> list[str]:
    try:
        return [n["id"] for n in json.loads((workdir / "workspace" / "graphs" / f"{key}.json").read_text())["nodes"]]
    except (OSError, ValueError):
        return []


def wait_until(check, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_an_edit_on_the_canvas_updates_the_errors_list_the_undo_button_and_the_tab_name(page, app_idle):
    new_empty_tab(page, app_idle)
    expect(current_tab(page)).to_have_text("untitled")
    undo = page.locator(".st-key-btn_undo button").first
    expect(undo).to_be_disabled()

    add_from_palette(page, app_idle, "Linear", 420, 220, "linear_1")     # reruns the canvas part only
    expect(page.get_by_text("3 problem(s) to fix before training")).to_be_visible()    # the errors list beside it
    expect(page.get_by_role("button", name=re.compile(r"^node linear_1: "))).to_be_visible()
    expect(undo).to_be_enabled()                                         # the bar above it follows

    add_from_palette(page, app_idle, "Input", 120, 220, "input_1")
    drag(page, center(out_port(page, "input_1")), center(in_port(page, "linear_1")))
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    app_idle(page)
    expect(page.get_by_role("button", name=re.compile(r"^node linear_1: "))).to_have_count(0)
    expect(page.get_by_text("1 problem(s) to fix before training")).to_be_visible()    # no Output yet

    page.get_by_role("button", name="File").click()
    field = page.get_by_role("textbox", name="Name of this graph")
    field.fill("Alpha")
    page.get_by_role("button", name="Rename").click()
    expect(current_tab(page)).to_have_text("Alpha")
    app_idle(page)
    page.keyboard.press("Escape")

    page.locator('.nc-btn[data-action="undo"]').click()                 # the canvas's undo: a rerun of its part ...
    expect(current_tab(page)).to_have_text("untitled")                   # ... that takes back the name in the tab
    app_idle(page)
    expect(node(page, "linear_1")).to_contain_text("(1, 8, 64)")
    page.locator('.nc-btn[data-action="undo"]').click()                 # and then the edge
    expect(page.get_by_role("button", name=re.compile(r"^node linear_1: "))).to_be_visible()


def script_runs(page) -> list[bool]:
    """Each script run the page is sent from now on: True for a run of fragments only, False for the
    whole page (its ``new_session`` message names no fragment)."""
    runs: list[bool] = []

    def frame(payload) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "new_session":
            runs.append(bool(msg.metadata.run.fragment_ids))
    on_streamlit_frames(page, frame)
    return runs


def elements_by_run(page) -> list[list[str]]:
    """Each script run the page is sent from now on, as the kinds of the elements it draws, in order."""
    runs: list[list[str]] = []

    def frame(payload) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "new_session":
            runs.append([])
        elif runs and msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            runs[-1].append(msg.delta.new_element.WhichOneof("type"))
    on_streamlit_frames(page, frame)
    return runs


# What node ``id`` showed in the last frame drawn, each time the canvas tells the page it has drawn
_SHOWN_WHEN_TOLD = """(id) => {
  const host = [...document.querySelectorAll('*')].find(h => h.shadowRoot && h.shadowRoot.querySelector('.nc-root'));
  const text = () => { const n = host.shadowRoot.querySelector('.nc-node[data-id="' + id + '"]'); return n && n.textContent; };
  window.__shownWhenTold = [];
  const frame = () => { window.__lastFrameShowed = text(); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  window.addEventListener('netcanvas:drawn', () => window.__shownWhenTold.push(window.__lastFrameShowed));
}"""


def test_the_summary_follows_an_edit_in_a_run_after_the_canvas_and_a_click_that_selects_reruns_none(
        app, new_page, app_idle):
    page = new_page()
    runs = elements_by_run(page)
    page.goto(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    page.locator("[class*=\"st-key-tabs_\"]").get_by_role("radio", name="digits_cnn").click()
    node(page, "fc2").wait_for()
    app_idle(page)
    total = page.locator('[data-testid="stMetric"]').filter(has_text="Trainable parameters").locator(
        '[data-testid="stMetricValue"]')
    checks_out = page.get_by_text(re.compile(r"^Checks out: "))
    before = total.text_content()
    assert before in checks_out.text_content()

    runs.clear()
    page.mouse.click(*head(page, "fc2"))                                 # a click that only selects
    field = page.get_by_role("spinbutton", name="out_features *")
    field.wait_for()
    app_idle(page)
    assert runs and not any({"dataframe", "metric"} & set(run) for run in runs), runs     # no summary drawn again

    runs.clear()
    page.evaluate(_SHOWN_WHEN_TOLD, "fc2")
    field.evaluate("e => e.__kept = true")
    field.fill("7")
    field.press("Enter")
    expect(node(page, "fc2")).to_contain_text("(7,)")
    app_idle(page)
    # the form is not made anew by the edit: the same field, still with the focus, to type on
    assert field.evaluate("e => e.__kept === true && document.activeElement === e")
    expect(total).not_to_have_text(before)                               # the summary follows the edit ...
    told = page.evaluate("window.__shownWhenTold")
    assert told and "(7,)" in told[-1], told     # ... asked once a frame showed the edit, not before it
    after = total.text_content()
    assert after in checks_out.text_content()                            # ... to the count the check gives
    app_idle(page)
    canvas = next(i for i, run in enumerate(runs) if "bidi_component" in run and "dataframe" not in run)
    summary = next(i for i, run in enumerate(runs) if "dataframe" in run)
    assert summary > canvas and "metric" not in runs[canvas], runs
    # the verdict beside the canvas ("Checks out: ...") comes with the summary, not on the canvas's way
    assert "alert" not in runs[canvas] and "alert" in runs[summary], runs
    assert runs[canvas][-1] == "bidi_component", runs[canvas]     # the canvas drawn last, once all is ready

    page.locator(".st-key-btn_undo button").first.click()               # and it follows the bar's undo
    expect(node(page, "fc2")).to_contain_text("(10,)")
    expect(total).to_have_text(before)
    expect(field).to_have_value("10")                                    # as does the form
    app_idle(page)


def test_the_first_edit_and_the_undo_and_redo_buttons_rerun_only_the_canvas_part(app, new_page, app_idle):
    page = new_page()
    runs = script_runs(page)
    page.goto(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    new_empty_tab(page, app_idle)
    undo, redo = page.locator(".st-key-btn_undo button").first, page.locator(".st-key-btn_redo button").first
    expect(undo).to_be_disabled()
    runs.clear()
    add_from_palette(page, app_idle, "ReLU", 420, 220, "relu_1")        # the first edit: undo can be done now
    expect(undo).to_be_enabled()
    expect(redo).to_be_disabled()
    undo.click()                                                         # the bar's buttons
    expect(node(page, "relu_1")).to_have_count(0)
    expect(redo).to_be_enabled()
    expect(undo).to_be_disabled()
    app_idle(page)
    redo.click()
    node(page, "relu_1").wait_for()
    expect(redo).to_be_disabled()
    app_idle(page)
    assert runs and all(runs), runs                                      # no run of the whole page


def test_the_errors_list_keeps_its_look_without_its_style_sent_with_each_edit(app, new_page, app_idle):
    page = new_page()
    frames: list[bytes] = []
    on_streamlit_frames(page, lambda p: frames.append(p if isinstance(p, bytes) else p.encode()))
    page.goto(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    new_empty_tab(page, app_idle)
    frames.clear()
    add_from_palette(page, app_idle, "Linear", 420, 220, "linear_1")     # a run of the canvas part only
    entry = page.get_by_role("button", name=re.compile(r"^node linear_1: "))
    expect(entry).to_be_visible()
    assert entry.evaluate("e => getComputedStyle(e).justifyContent") == "flex-start"   # the list's style
    assert b"st-key-build_errors" not in b"".join(frames)                # drawn once by the page, not per edit


# How each element of the canvas's fragment is styled each time Streamlit marks it stale (a run has not
# reached it yet): [which ("canvas", "side" or "undo"), opacity, transition-property, transition-duration]
_STALE_LOOKS = """() => {
  window.__staleLooks = [];
  const which = (el) => el.classList.contains('st-key-canvas') ? 'canvas'
      : el.classList.contains('st-key-btn_undo') ? 'undo' : el.closest('.st-key-build_work') ? 'side' : null;
  new MutationObserver((changes) => { for (const { target: el } of changes) {
      if (el.dataset.stale !== 'true' || !which(el)) continue;
      const s = getComputedStyle(el);
      window.__staleLooks.push([which(el), s.opacity, s.transitionProperty, s.transitionDuration]); } })
    .observe(document.body, {attributes: true, attributeFilter: ['data-stale'], subtree: true});
}"""


def test_the_canvas_and_its_side_panel_are_neither_faded_nor_animated_while_an_edit_reruns_them(
        app, new_page, app_idle):
    # Streamlit's delayed fade of a stale element made Chrome paint the whole canvas anew twice per edit
    page = new_page()
    page.add_init_script(PACED_MESSAGES)
    page.goto(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    new_empty_tab(page, app_idle)
    add_from_palette(page, app_idle, "ReLU", 300, 220, "relu_1")    # undo is enabled: in the fragment's runs
    page.evaluate(_STALE_LOOKS)
    page.evaluate("window.__paceMs = 60")      # a slow run: its elements come one by one
    drop_from_palette(page, "ReLU", 420, 220)
    expect(node(page, "relu_2")).to_contain_text("needs an input")     # the check socket's answer, then the run's
    # the run's messages come slowly: wait until it has reached the canvas and the undo button
    page.wait_for_function("() => ['canvas', 'undo'].every(w => window.__staleLooks.some(l => l[0] === w))",
                           timeout=30_000)
    app_idle(page)
    page.evaluate("window.__paceMs = 0")
    looks = page.evaluate("window.__staleLooks")
    assert {"canvas", "side", "undo"} <= {look[0] for look in looks}, looks    # each was stale a while
    assert all(opacity == "1" and (prop == "none" or duration == "0s") for _, opacity, prop, duration in looks), looks


def test_two_edits_in_a_row_then_a_reload_keep_both(page, app_idle, workdir):
    new_empty_tab(page, app_idle)
    drop_from_palette(page, "Input", 120, 220)
    drop_from_palette(page, "ReLU", 420, 220)                            # before the first edit's rerun is over
    node(page, "input_1").wait_for()
    node(page, "relu_1").wait_for()
    app_idle(page)
    wait_until(lambda: any(set(graph_nodes(workdir, p.stem)) == {"input_1", "relu_1"}    # both saved
                           for p in (workdir / "workspace" / "graphs").glob("untitled*.json")))

    page.reload()
    page.locator(".nc-root").wait_for()
    node(page, "relu_1").wait_for()
    expect(node(page, "input_1")).to_be_visible()
    app_idle(page)
    page.locator(".st-key-btn_undo button").first.click()               # the undo steps were kept too
    expect(node(page, "relu_1")).to_have_count(0)
    expect(node(page, "input_1")).to_be_visible()


def test_the_code_is_shown_when_its_view_is_opened_and_follows_an_edit(page, app_idle):
    page.locator("[class*=\"st-key-tabs_\"]").get_by_role("radio", name="digits_cnn").click()
    node(page, "fc2").wait_for()
    app_idle(page)
    code = page.locator(".st-key-build_code_view [data-testid='stCode']")
    expect(code).to_have_count(0)                                        # closed: no code made
    page.get_by_text("Show the generated code").click()
    expect(code).to_contain_text("class DigitsCnn(nn.Module)")
    expect(code).to_contain_text("nn.Linear(64, 10)")
    app_idle(page)
    page.mouse.click(*head(page, "fc2"))
    field = page.get_by_role("spinbutton", name="out_features *")
    field.wait_for()
    app_idle(page)
    field.fill("7")
    field.press("Enter")
    expect(node(page, "fc2")).to_contain_text("(7,)")
    expect(code).to_contain_text("nn.Linear(64, 7)")                     # open: made again after the edit


# -- the canvas's payloads in a fragment (apps/canvas_fragment.py) -----------------------------------
@pytest.fixture(scope="module")
def fragment_app(streamlit_app):
    return streamlit_app("canvas_fragment.py", args=["--theme.base", "light"])


def held(page) -> dict:
    return json.loads(page.locator('[data-testid="stCode"] code').text_content())


def test_a_payload_the_canvas_did_not_get_is_followed_by_a_whole_one(fragment_app, new_page, app_idle):
    page = new_page(fragment_app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    drop_from_palette(page, "ReLU", 200, 120)
    expect(node(page, "relu_1")).to_contain_text("1 nodes")              # a patch, on the whole first payload
    app_idle(page)
    drop_from_palette(page, "ReLU", 200, 300)
    expect(node(page, "relu_2")).to_contain_text("2 nodes")
    expect(node(page, "relu_1")).to_contain_text("2 nodes")
    app_idle(page)
    assert held(page)["resyncs"] == 0

    page.get_by_role("button", name="lose").click()                      # the next patch builds on a lost one
    page.wait_for_function("() => document.querySelector('[data-testid=\"stCode\"] code')"
                           ".textContent.includes('\"resyncs\": 1')", timeout=15_000)
    app_idle(page)
    drop_from_palette(page, "ReLU", 420, 200)                            # and the canvas is in step again
    expect(node(page, "relu_3")).to_contain_text("3 nodes")
    expect(node(page, "relu_1")).to_contain_text("3 nodes")
    app_idle(page)
    assert held(page)["resyncs"] == 1 and held(page)["nodes"] == ["relu_1", "relu_2", "relu_3"]
