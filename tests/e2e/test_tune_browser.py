"""The Tune page in headless Chromium: pick two parameters, start a 3-trial study of one epoch a trial on
digits, reload the page while it runs and find the study again, wait until the trials table holds 3
finished (complete or pruned) trials, apply the best settings and find them on Train (the learning rate)
and in the graph Build edits (fc1's width)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from builder import templates
from runtime import tune
from ui.workspace import Workspace
from tests.e2e.test_runs_at_scale_browser import pick

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
STUDY_RUN_S = 300_000       # three one-epoch trials and their worker's start, on two busy cores


@pytest.fixture(scope="module")
def tune_app(streamlit_app, tmp_path_factory):
    home, root = tmp_path_factory.mktemp("workspace"), tmp_path_factory.mktemp("runs")
    ws = Workspace(home)
    ws.replace(templates.load("mlp"))
    ws.set_data_choice(data="digits")
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(root)})
    app.home, app.root = home, root
    return app


def open_tune(page, app_idle) -> None:
    app_idle(page, timeout=60_000)
    page.get_by_test_id("stTopNavLink").filter(has_text="Tune").click()
    page.get_by_role("button", name="Start the search").wait_for()
    app_idle(page)


def test_a_study_from_the_page_survives_a_reload_and_its_best_settings_apply(tune_app, new_page, app_idle):
    page = new_page(tune_app.url)
    open_tune(page, app_idle)
    expect(page.locator(".st-key-tune_empty")).to_contain_text("No study yet")
    pick(page, "tune_params_en", "Learning", "Learning rate")
    app_idle(page)
    pick(page, "tune_params_en", "fc1", "fc1 · out_features")
    app_idle(page)
    expect(page.locator(".st-key-tune_param_fc1__out_features").get_by_label("From")).to_have_value("64")
    setup = page.locator(".st-key-tune_setup")
    for label, value in (("Trials", "3"), ("Epochs", "1")):
        box = setup.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Tab")
        app_idle(page)
    page.get_by_role("button", name="Start the search").click()
    status = page.locator(".st-key-tune_status")
    expect(status).to_contain_text("running", timeout=60_000)
    [study] = tune.list_studies(tune_app.root)

    page.reload()               # mid-study: the page finds the running study again
    app_idle(page, timeout=60_000)
    expect(status).to_contain_text(study["name"], timeout=60_000)
    expect(status).to_contain_text("3 of 3 trials done", timeout=STUDY_RUN_S)
    expect(status).to_contain_text("finished")
    view = tune.read(Path(study["folder"]))
    assert {t.state for t in view.trials} <= {"COMPLETE", "PRUNED"} and view.best is not None
    assert sorted(view.best.params) == ["fc1.out_features", "lr"]
    # the trials table (a canvas grid; its cells are also in the page for assistive technology)
    cells = page.locator(".st-key-tune_trials_box [role=gridcell]")
    expect(cells.filter(has_text="complete").or_(cells.filter(has_text="pruned"))).to_have_count(3)
    app_idle(page)
    for name in ("history", "parallel"):
        # .first: while the live view's last rerun replaces a chart, the old one can still be in the page
        expect(page.locator(f".st-key-tune_fig_{name} .js-plotly-plot").first).to_be_visible()

    page.get_by_role("button", name="Apply the best settings to my graph").click()
    expect(page.get_by_text("Applied to")).to_be_visible()
    fc1 = next(n for n in Workspace(tune_app.home).tab.doc["nodes"] if n["id"] == "fc1")
    assert fc1["params"]["out_features"] == view.best.params["fc1.out_features"]
    app_idle(page)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    lr = page.locator(".st-key-tp_setup").get_by_label("Learning rate", exact=True)
    expect(lr).to_be_visible()
    assert float(lr.input_value()) == pytest.approx(view.best.params["lr"], rel=1e-3)
