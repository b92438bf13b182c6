"""The Train page's views in headless Chromium on real runs: the gradients of a short run, activation
layers and the Input's caption, the header against the runs list and the speed chart, pausing, and
Compare picking up a new run.

The finished runs are trained in this process before the server starts (docs/run-format.md is what
the page reads); one more is started from the page and stopped by the test.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from builder import templates
from runtime import runfiles
from runtime import runs
from tests.e2e.conftest import choose
from tests.trained_runs import trained_run

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]

TRACES_JS = """(key) => {
  const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  if (!el || !el.data) return null;
  return el.data.map(t => ({name: t.name, points: (t.x || []).length,
                            last: (t.y && t.y.length) ? t.y[t.y.length - 1] : null}));
}"""
TITLE_JS = """(key) => {
  const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  return el && el.layout && el.layout.title ? el.layout.title.text : null;
}"""


def finished_run(root: Path, label: str, template: str, config: dict, run_id: str) -> Path:
    return trained_run(root, config, templates.load(template), label=label, run_id=run_id)


@pytest.fixture(scope="module")
def train_app(streamlit_app, tmp_path_factory):
    runs_root = tmp_path_factory.mktemp("runs")
    # cut short by a step limit: 23 steps an epoch, so one epoch done of three
    # ids in the order of the runs (older than any run the page starts): no waiting for the next second
    cut = finished_run(runs_root, "cut short", "digits_cnn", {"data": "digits", "epochs": 3, "max_steps": 30},
                       run_id="20240101-000001-cut0")
    short = finished_run(runs_root, "short mlp", "mlp", {"data": "digits", "epochs": 1},     # 23 steps, about a second
                         run_id="20240101-000002-mlp0")
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(tmp_path_factory.mktemp("workspace")),
                             "NETCANVAS_RUNS": str(runs_root)},
                        args=["--theme.base", "light", "--client.toolbarMode", "minimal"])
    app.runs = {"cut": cut, "short": short}
    app.runs_root = runs_root
    return app


@pytest.fixture
def train_page(train_app, new_page, app_idle):
    page = new_page(train_app.url)
    app_idle(page, timeout=60_000)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.get_by_role("button", name="Start training").wait_for()
    app_idle(page)
    return page


def status_text(page) -> str:
    return page.locator(".st-key-tp_status").inner_text()


def show_run(page, app_idle, label: str, run_dir: Path) -> None:
    choose(page, "Run", f"{label} · {run_dir.name}")
    app_idle(page)
    page.locator(".st-key-tp_run_card").get_by_role("button", name="Show").click()
    expect(page.locator("h4").filter(has_text=label)).to_be_visible()
    app_idle(page)


def test_the_gradients_of_a_short_run_draw_a_curve_per_layer(train_page):
    page = train_page
    expect(page.locator("h4").filter(has_text="short mlp")).to_be_visible()        # the newest run
    page.get_by_role("radio", name="Gradients").wait_for()
    page.wait_for_function(f"() => ({TRACES_JS})('tp_norms_grad')", timeout=30_000)
    traces = page.evaluate(TRACES_JS, "tp_norms_grad")
    assert sorted(t["name"] for t in traces) == ["fc1", "fc2", "fc3"], traces
    assert all(t["points"] >= 10 for t in traces), traces          # a norm at every log point
    assert page.get_by_text("Too little to draw a curve").count() == 0


def test_activation_layers_can_be_watched_and_the_input_says_what_it_shows(train_page, app_idle):
    page = train_page
    page.get_by_text("Layer to watch", exact=True).wait_for()
    page.wait_for_function(f"() => ({TITLE_JS})('tp_maps')", timeout=30_000)       # the first maps are drawn
    app_idle(page)
    choose(page, "Layer to watch", "relu1 · ReLU")
    page.wait_for_function(f"() => ({TITLE_JS})('tp_maps') === 'Activations of relu1'", timeout=30_000)
    expect(page.get_by_text(re.compile(r"relu1 \(ReLU\) for the same validation samples, output 128"))).to_be_visible()
    app_idle(page)
    choose(page, "Layer to watch", "x · Input")
    expect(page.get_by_text(re.compile(r"x \(Input\): the watched validation samples as the network receives "
                                       r"them, shape 1 × 8 × 8, at step \d+"))).to_be_visible()
    assert page.get_by_text(re.compile(r"output\s*,")).count() == 0


def test_the_header_agrees_with_the_runs_list_and_the_speed_chart(train_page, train_app, app_idle):
    page = train_page
    show_run(page, app_idle, "cut short", train_app.runs["cut"])
    expect(page.locator(".st-key-tp_status")).to_contain_text("1/3 epochs done")
    expect(page.locator(".st-key-tp_run_card")).to_contain_text("1/3 epochs")
    steps = [r for r in runfiles.read_jsonl(train_app.runs["cut"] / runfiles.METRICS)[0] if r["kind"] == "step"]
    page.locator(".st-key-tp_speed").scroll_into_view_if_needed()     # a chart out of view is drawn when it shows
    page.wait_for_function(f"() => (({TRACES_JS})('tp_speed') || [{{}}])[0].points === {len(steps)}", timeout=30_000)
    (speed,) = page.evaluate(TRACES_JS, "tp_speed")      # the cut-short run's speed chart
    tile = re.search(r"Samples per second\s*([\d,]+)", status_text(page)).group(1)
    assert tile == f"{speed['last']:,.0f}", (tile, speed)


def test_a_paused_run_shows_no_time_left_and_compare_adds_the_new_run(train_page, train_app, app_idle):
    page = train_page
    epochs = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
    epochs.fill("500")
    epochs.press("Tab")
    app_idle(page)
    page.get_by_role("button", name="Start training").click()
    page.locator(".st-key-tp_status").get_by_text("running").wait_for(timeout=45_000)
    expect(page.locator(".st-key-tp_status")).to_contain_text("left", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    page.locator(".st-key-tp_status").get_by_text("paused").wait_for(timeout=30_000)
    app_idle(page)
    time.sleep(2.5)        # a refresh or two of the paused header
    assert "left" not in status_text(page), status_text(page)
    new_run = max((d for d in train_app.runs_root.iterdir() if (d / runs.JOB).exists()), key=lambda d: d.name)
    compare = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Compare runs")
    expect(compare).to_contain_text(f"digits_cnn · {new_run.name}")      # the run just started
    page.get_by_role("button", name="Stop").click()
    page.locator(".st-key-tp_status").get_by_text("stopped").wait_for(timeout=45_000)
