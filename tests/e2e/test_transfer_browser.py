"""Transfer learning on the Train page in a real browser: a finished run of a digits CNN with a narrower conv2
exists; the user opens "Start from a finished run's weights", picks it and, before starting, reads which layers
take its weights and which start fresh (issue 19)."""
from __future__ import annotations

import copy
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from builder import templates
from tests.e2e.conftest import netcanvas_app
from tests.trained_runs import trained_run

pytestmark = pytest.mark.e2e
SOURCE = "20260101-000001-narr"


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("transfer_page")
    narrow = copy.deepcopy(templates.load("digits_cnn"))       # the app's default graph, conv2 narrower
    next(n for n in narrow["nodes"] if n["id"] == "conv2")["params"]["out_channels"] = 8
    # a few steps: the page needs a finished run with weights, not a good one
    trained_run(root / "runs", {"data": "digits", "epochs": 1, "max_steps": 3, "monitor": False}, narrow,
                label="narrow cnn", run_id=SOURCE)
    return netcanvas_app(streamlit_app, root)


def open_transfer_picker(page, app_idle):
    """The Train page through the navigation with "Start from a finished run's weights" open: the setup
    column and the picker of the run (or imported model) to start from."""
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.locator(".st-key-tp_start").wait_for(timeout=60_000)
    app_idle(page, timeout=60_000)
    setup = page.locator(".st-key-tp_setup")
    setup.get_by_text("Start from a finished run's weights").click()
    box = setup.get_by_role("combobox", name="Start from run")
    expect(box).to_be_visible()
    app_idle(page, timeout=60_000)      # a rerun under way would redraw the picker and close its list
    return setup, box


def pick_source(page, box, option) -> None:
    """Open the picker and click ``option``; a rerun that lands just after the list opens redraws the picker
    and closes the list, so open it again (up to three times) rather than wait on a closed list. A rerun
    that lands just after the click may also show the picker as it was (a full run once showed no pick
    20 s later): pick again until the picker shows it."""
    for _ in range(3):
        box.click()
        try:
            text = option.inner_text(timeout=8_000).strip()
            option.click(timeout=8_000)
        except PlaywrightTimeoutError:
            continue
        try:
            expect(box).to_have_value(text, timeout=5_000)
            return
        except AssertionError:
            continue
    box.click()
    text = option.inner_text().strip()
    option.click()
    expect(box).to_have_value(text, timeout=20_000)


def test_pick_a_finished_run_and_read_the_layer_report(app, new_page, app_idle):
    t0 = time.monotonic()
    page = new_page(app.url)
    page.locator(".nc-root").wait_for(timeout=60_000)
    app_idle(page, timeout=60_000)
    setup, box = open_transfer_picker(page, app_idle)
    pick_source(page, box, page.get_by_role("option").filter(has_text="narrow cnn").first)
    app_idle(page, timeout=60_000)

    report = page.locator(".st-key-tp_transfer_report")
    expect(report).to_be_visible()
    # the same graph but conv2 (and what reads its output) narrower: conv1 loads, conv2 is skipped
    conv1 = report.locator("li").filter(has_text="conv1")
    conv2 = report.locator("li").filter(has_text="conv2")
    expect(conv1).to_contain_text("loaded")
    expect(conv1).to_contain_text("same id and shape")
    expect(conv2).to_contain_text("skipped")
    expect(conv2).to_contain_text("the shapes differ")
    expect(setup).to_contain_text("layers take the run's weights")
    expect(setup).to_contain_text("start fresh")
    expect(page.get_by_role("button", name="Start training")).to_be_enabled()
    print(f"\ntransfer report: {time.monotonic() - t0:.1f} s")
