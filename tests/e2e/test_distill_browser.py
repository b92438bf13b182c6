"""Knowledge distillation in headless Chromium: pick a finished run as the teacher on the Train page, train a
student from it, see its kd_loss curve and the teacher beside the student in Compare.

The teacher is trained before the app starts (a few steps: the page needs a finished run, not a good one).
Waits are on files and on what the page shows, with time-outs, never fixed sleeps."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from builder import templates
from tests.e2e.test_train_page_browser import TITLE_JS
from tests.trained_runs import trained_run

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    runs_root = tmp_path_factory.mktemp("runs")
    teacher = trained_run(runs_root, {"data": "digits", "epochs": 1, "max_steps": 3, "monitor": False},
                          templates.load("digits_cnn"), label="cnn teacher")
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(tmp_path_factory.mktemp("workspace")),
                             "NETCANVAS_RUNS": str(runs_root)},
                        args=["--theme.base", "light"])
    app.runs_root, app.teacher = runs_root, teacher
    return app


def pick_teacher(page, run_id: str, tries: int = 4) -> None:
    """Pick the teacher run in its select box: type to filter, click the option. The list can close while
    charts below still load and move the page: then open it again (a bounded number of times)."""
    box = page.get_by_role("combobox", name="Teacher run")
    for attempt in range(tries):
        box.click()
        box.fill("cnn")
        try:
            page.get_by_role("option").filter(has_text=run_id).click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list closed; retry
            if attempt == tries - 1:
                raise
            page.keyboard.press("Escape")


def test_pick_a_teacher_train_a_student_compare_them(app, new_page, app_idle):
    t0 = time.monotonic()
    page = new_page(app.url + "/train")
    app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    setup = page.locator(".st-key-tp_setup")
    epochs = setup.get_by_label("Epochs", exact=True)
    epochs.fill("2")
    epochs.press("Tab")
    app_idle(page)
    setup.get_by_text("Learn from a teacher run (distillation)").click()
    app_idle(page)
    pick_teacher(page, app.teacher.name)
    app_idle(page)
    setup.get_by_label("Teacher weight (alpha)", exact=True).wait_for(timeout=30_000)

    page.get_by_role("button", name="Start training").click()
    deadline = time.monotonic() + 180
    student = None
    while student is None:
        assert time.monotonic() < deadline, "the student run did not finish"
        done = [d for d in app.runs_root.iterdir() if d != app.teacher and (d / "summary.json").exists()]
        student = done[0] if done else None
        time.sleep(0.3)
    job = json.loads((student / "job.json").read_text())
    assert job["config"]["teacher"] == str(app.teacher)
    steps = [json.loads(line) for line in (student / "metrics.jsonl").read_text().splitlines()]
    assert any("kd_loss" in r and "ce_loss" in r for r in steps if r["kind"] == "step")

    # the run's third curve holds the two loss terms
    page.wait_for_function(f"() => (({TITLE_JS})('tp_curve_2') || '').includes('Distillation')", timeout=60_000)
    # Compare (the student is the newest run, picked) brings its teacher: one row each
    table = page.locator(".st-key-tp_compare_teacher")
    table.get_by_text("teacher", exact=True).wait_for(timeout=60_000)
    text = table.inner_text()
    assert "student" in text and app.teacher.name in text and student.name in text
    assert "CPU ms / batch of 64" in text
    print(f"\ndistillation browser test {time.monotonic() - t0:.1f} s")
