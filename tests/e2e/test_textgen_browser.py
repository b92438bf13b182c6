"""A language model in a real browser, the way a person gets there: open the char_lstm template (it brings
shakespeare), start training, read what the model writes while it trains, turn the temperature up and see the
next sample drawn with it, stop. Waits are on what the page shows."""
from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT, open_train_page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("textgen")
    served = streamlit_app(REPO_ROOT / "app.py", cwd=REPO_ROOT, timeout=300,      # busy machines start it slowly
                           env={"NETCANVAS_WORKSPACE": str(folder / "workspace"), "NETCANVAS_RUNS": str(folder / "runs")})
    served.runs_root = folder / "runs"
    return served


def test_train_a_char_lstm_and_read_what_it_writes(app, new_page, app_idle):
    t0 = time.monotonic()
    page = new_page()
    page.set_default_timeout(60_000)       # a machine busy with other work: the waits below say how long at most
    page.goto(app.url, timeout=120_000)
    page.locator(".nc-root").wait_for(timeout=120_000)
    app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Templates").click()
    page.locator(".st-key-tpl_char_lstm button").click()
    app_idle(page, timeout=60_000)

    open_train_page(page, "shakespeare").click()

    # the first sample comes after the first step: characters, drawn from an untrained model
    live = page.locator(".st-key-tg_live")
    live.get_by_text("What it writes now").wait_for(timeout=90_000)
    page.wait_for_function("() => { const c = document.querySelector('.st-key-tg_live [data-testid=stCode]');"
                           " return c && c.innerText.trim().length > 50; }", timeout=90_000)
    expect(live).to_contain_text("temperature 0.8")

    # a bolder temperature: the run reads it for its next sample
    slider = live.get_by_role("slider")
    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    page.wait_for_function("() => (document.querySelector('.st-key-tg_live') || {}).innerText?.includes('temperature 1.2')",
                           timeout=90_000)
    run_dir = next(d for d in app.runs_root.iterdir() if (d / "job.json").exists())
    assert json.loads((run_dir / "sample_settings.json").read_text()) == {"temperature": 1.2}

    expect(live.get_by_test_id("stCode")).not_to_be_empty()

    page.locator(".st-key-tp_stop button").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Stopping")).to_be_visible(timeout=60_000)  # the click was taken
    # the run saves a checkpoint before it ends: on a loaded machine that takes a while
    page.locator(".st-key-tp_run_card").get_by_text("stopped").first.wait_for(timeout=180_000)
    expect(page.locator(".st-key-tp_stop button")).to_be_disabled()

    print(f"\nwhole test {time.monotonic() - t0:.1f} s")
