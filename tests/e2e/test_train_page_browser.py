"""The Train page in headless Chromium against ``streamlit run app.py``: start, watch, pick a layer, stop.

One real run of digits_cnn on digits (the defaults), long enough to watch (500 epochs),
stopped by the test. Waits are on what the page shows (points on the Plotly loss curve,
texts), with time-outs, never fixed sleeps.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import choose

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]

# how far the curve reaches (the largest x drawn): it grows while the run trains, even once a
# long run's line is thinned to a fixed number of points
PROGRESS_JS = """(key) => {
  const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  if (!el || !el.data) return 0;
  return Math.max(0, ...el.data.filter(t => t.x && t.x.length).map(t => Number(t.x[t.x.length - 1])));
}"""
TITLE_JS = """(key) => {
  const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  return el && el.layout && el.layout.title ? el.layout.title.text : null;
}"""


@pytest.fixture(scope="module")
def train_app(streamlit_app, tmp_path_factory):
    home = tmp_path_factory.mktemp("workspace")
    runs_root = tmp_path_factory.mktemp("runs")
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs_root)},
                        args=["--theme.base", "light", "--client.toolbarMode", "minimal"])
    app.runs_root = runs_root
    return app


def progress(page, key: str = "tp_curve_0") -> float:
    return page.evaluate(PROGRESS_JS, key)


def wait_progress(page, beyond: float, key: str = "tp_curve_0", timeout: float = 30_000) -> float:
    page.wait_for_function(f"() => ({PROGRESS_JS})({key!r}) > {beyond}", timeout=timeout)
    return progress(page, key)


def test_start_watch_pick_a_layer_stop(train_app, new_page, app_idle):
    t0 = time.monotonic()
    page = new_page(train_app.url)
    app_idle(page, timeout=60_000)

    # the app opens on Build with digits_cnn; Train is one click in the top navigation
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    app_idle(page)
    epochs = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
    epochs.fill("500")      # long enough to watch on a fast machine too (the test stops it)
    epochs.press("Tab")
    app_idle(page)
    assert page.get_by_text("Trains on").first.is_visible()

    clicked = time.monotonic()
    start.click()
    first = wait_progress(page, 0, timeout=30_000)
    first_point_s = time.monotonic() - clicked
    n = wait_progress(page, first, timeout=45_000)            # the curve grows while it trains
    page.wait_for_function("() => (document.querySelector('.st-key-tp_status') || {}).innerText"
                           "?.includes('running')", timeout=10_000)
    n = wait_progress(page, n, timeout=45_000)

    # a reload does not lose (or stop) the run: the page finds it again and keeps drawing
    page.reload()
    app_idle(page, timeout=30_000)
    again = wait_progress(page, 0, timeout=30_000)
    assert again >= n
    wait_progress(page, again, timeout=45_000)

    # watch a conv layer: pick it in the select box beside the graph, see its feature maps
    page.get_by_text("Layer to watch", exact=True).wait_for(timeout=30_000)
    page.wait_for_function(f"() => ({TITLE_JS})('tp_maps') && ({TITLE_JS})('tp_maps').includes('Feature maps')", timeout=30_000)
    choose(page, "Layer to watch", "conv2 · Conv2d")
    page.wait_for_function(f"() => ({TITLE_JS})('tp_maps') .includes('Feature maps of conv2')", timeout=30_000)
    assert page.locator('[data-testid="stCustomComponentV1"]').count() == 1        # the clickable graph

    # stop: the run ends as "stopped" and is listed among the runs
    page.get_by_role("button", name="Stop").click()
    page.locator(".st-key-tp_run_card").get_by_text("stopped").first.wait_for(timeout=45_000)
    card = page.locator(".st-key-tp_run_card").inner_text()
    assert "digits_cnn" in card and "/500 epochs" in card
    assert not page.get_by_role("button", name="Start training").is_disabled()
    run_dirs = [d for d in train_app.runs_root.iterdir() if (d / "job.json").exists()]
    assert len(run_dirs) == 1 and (run_dirs[0] / "checkpoint_last.pt").exists()
    print(f"\nstart -> first point {first_point_s:.2f} s; whole test {time.monotonic() - t0:.1f} s")
