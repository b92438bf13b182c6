"""The Train page's runs list at scale in headless Chromium: a study's trials under one collapsed row, and
deleting a whole study and a single run at once after a confirmation that counts them.

The runs are fake but valid folders (docs/run-format.md), written before the server starts."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from builder import templates
from runtime import runs
from runtime.config import TrainConfig
from tests.test_runs_at_scale import busy, trial_run
from tests.test_train_page import seed_run

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs_app(streamlit_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    config = TrainConfig(epochs=3).to_dict()
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(tmp_path_factory.mktemp("workspace")),
                             "NETCANVAS_RUNS": str(root)})
    app.trials = [trial_run(root, "sweep", t) for t in range(6)]
    app.plain = seed_run(root, templates.load("mlp"), config, label="plain", run_id="20260103-000001-cccc")
    app.kept = seed_run(root, templates.load("mlp"), config, label="kept", run_id="20260103-000002-cccc")
    app.live = seed_run(root, templates.load("mlp"), config, label="live", run_id="20260103-000003-cccc")
    busy(app.live)      # a trainer at work: this test's process
    return app


def pick(page, key: str, typed: str, option: str) -> None:
    """Add ``option`` to the multiselect with the widget key ``key``: type to filter, click the option (Enter
    would add every option the filter leaves), Escape (the list stays open for more picks, hiding the page).
    A rerun that lands meanwhile redraws the box and may drop the pick: pick again."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    for attempt in range(3):
        box.click()
        box.fill(typed)
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except Exception:
            box.press("Escape")
            if attempt == 2:
                raise
            continue
        box.press("Escape")
        try:     # once the pick was drawn by a run, no older run can take it back
            expect(page.locator(f".st-key-{key}")).to_contain_text(option, timeout=5_000 if attempt < 2 else 20_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_a_study_and_a_run_are_deleted_at_once_after_confirming(runs_app, new_page, app_idle):
    page = new_page(runs_app.url)
    app_idle(page, timeout=60_000)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    study_row = page.get_by_test_id("stExpander").filter(has_text="Study sweep")
    expect(study_row).to_contain_text("6 trials")
    expect(page.locator(".st-key-tp_study_0")).to_be_hidden()          # collapsed until opened
    app_idle(page)

    page.get_by_test_id("stExpander").filter(has_text="Delete many runs").locator("summary").click()
    pick(page, "tp_bulk_studies", "sweep", "sweep (6 trials)")
    app_idle(page)
    pick(page, "tp_bulk_runs", "plain", f"plain · {runs_app.plain.name}")
    app_idle(page)
    pick(page, "tp_bulk_runs", "live", f"live · {runs_app.live.name}")
    app_idle(page)
    expect(page.locator(".st-key-tp_bulk")).to_contain_text("Training now, so not deleted (stop them first): live")
    page.get_by_role("button", name="Delete selected (7)").click()
    expect(page.get_by_text("Runs to delete: 7, freeing")).to_be_visible()
    page.get_by_role("button", name="Delete them").click()

    expect(page.get_by_text("Runs deleted: 7,")).to_be_visible()
    expect(study_row).to_have_count(0)
    assert not any(d.exists() for d in (*runs_app.trials, runs_app.plain))
    assert runs_app.kept.exists() and runs_app.live.exists()
    assert sorted(r.label for r in runs.list_runs(runs_app.plain.parent)) == ["kept", "live"]
