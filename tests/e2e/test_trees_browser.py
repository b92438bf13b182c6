"""Trees in the real app (headless Chromium): load the tree_lstm template on Build, choose
expr_trees on Data (fewer samples), see a sample tree and pick another, then train it on the
Train page until the curve has points. Waits are on what the page shows, never fixed sleeps."""
from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

# the tree chart's title as drawn (Streamlit's Plotly theme wraps the layout's title text in <b>)
TREE_TITLE = ".st-key-data_tree .gtitle"
CURVE_JS = """() => { const el = document.querySelector('.st-key-tp_curve_0 .js-plotly-plot');
  return !!el && !!el.data && el.data.some(t => t.x && t.x.length > 0); }"""


def wait_until(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for: {what}"
        time.sleep(0.3)


def _data_choice(tmp_path) -> dict:
    path = tmp_path / "home" / "session.json"
    return json.loads(path.read_text()).get("data", {}) if path.exists() else {}


@pytest.fixture
def app(streamlit_app, tmp_path):
    cwd = tmp_path / "cwd"
    shutil.copytree(REPO_ROOT / ".streamlit", cwd / ".streamlit")
    return streamlit_app(REPO_ROOT / "app.py", cwd=cwd, env={"NETCANVAS_WORKSPACE": str(tmp_path / "home"),
                                                             "NETCANVAS_RUNS": str(tmp_path / "runs")})


def test_tree_lstm_on_expr_trees_from_template_to_tree_view_to_training(app, new_page, app_idle, tmp_path):
    runs = tmp_path / "runs"
    page = new_page()
    page.set_default_timeout(90_000)
    page.goto(app.url, timeout=180_000)
    app_idle(page, timeout=240_000)            # the first run of the app imports torch and plotly: slow on busy cores
    page.get_by_role("button", name="Templates").click()
    page.locator(".st-key-tpl_tree_lstm button").click()
    page.locator(".nc-node").filter(has_text="treelstm").first.wait_for()
    app_idle(page, timeout=60_000)

    page.get_by_role("link", name="Data").click()
    page.get_by_text("Where the data comes from").wait_for()
    app_idle(page, timeout=60_000)
    box = page.get_by_role("combobox", name="Data set")
    box.click()
    box.fill("expr_trees")
    page.get_by_role("option").filter(has_text="expr_trees").first.click()
    page.locator("h4").filter(has_text="expr_trees").wait_for()
    app_idle(page, timeout=90_000)
    samples = page.get_by_role("spinbutton", name="Samples")
    samples.fill("400")
    samples.press("Enter")
    wait_until(lambda: _data_choice(tmp_path).get("data_options", {}).get("n_samples") == 400, "400 samples stored")
    app_idle(page, timeout=90_000)
    title = page.locator(TREE_TITLE)
    expect(title).to_have_text(re.compile(r"^Sample 1: "))
    expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Fits the graph")).to_be_visible()
    first_title = title.text_content()
    assert "label: " in first_title and any(op in first_title for op in "+−×")

    pick = page.get_by_role("combobox", name="Sample", exact=True)
    pick.click()
    page.get_by_role("option", name="2", exact=True).click()
    # while the chart is redrawn the old title can still be there beside the new one
    expect(title.filter(has_text=re.compile(r"^Sample 2: .*label: "))).to_be_visible()
    expect(title).to_have_count(1)
    expect(page.locator(".st-key-data_tree .scatterlayer .textpoint").first).to_be_visible()   # the nodes drawn

    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    app_idle(page, timeout=60_000)
    epochs = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
    epochs.fill("2")
    epochs.press("Tab")
    app_idle(page, timeout=60_000)
    start.click()
    page.wait_for_function(CURVE_JS, timeout=180_000)           # the curve draws the tree network's loss
    wait_until(lambda: list(runs.glob("*/summary.json")), "the run finished", seconds=240)
    run = next(runs.glob("*/summary.json")).parent
    assert json.loads((run / "status.json").read_text())["state"] == "finished"
    assert json.loads((run / "job.json").read_text())["config"]["data"] == "expr_trees"
