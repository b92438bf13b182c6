"""The Train form keeps the user's settings (and the test split is scored and shown): across runs, reloads, page switches and language switches.

Streamlit forgets the state of widgets that are not drawn, and the form is hidden while a run
trains: before the fix, a changed form came back after a run showing the lowest value of every
field (Epochs 1, Batch size 1, Learning rate 0.000001), and the next Start trained with those.
Whether it did depended on timing (whether the browser still sent the hidden widgets' state with
the rerun that drew them again); a long enough run made it likely.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"Epochs": "25", "Batch size": "32", "Learning rate": "0.005"}
LABELS_ZH = {"Epochs": "训练轮数", "Batch size": "批大小", "Learning rate": "学习率"}
START_ENABLED_JS = ("(name) => [...document.querySelectorAll('button')]"
                    ".some(b => b.innerText.includes(name) && !b.disabled)")


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    runs_root = tmp_path_factory.mktemp("runs")
    home = tmp_path_factory.mktemp("workspace")
    (home / "session.json").write_text(json.dumps({"data": {"test_split": 0.2}}))   # as the Data page saves it
    app = streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                        env={"NETCANVAS_WORKSPACE": str(home),
                             "NETCANVAS_RUNS": str(runs_root)},
                        args=["--theme.base", "light"])
    app.runs_root = runs_root
    return app


def form_values(page, labels=None) -> dict:
    setup = page.locator(".st-key-tp_setup")
    labels = labels or {k: k for k in SETTINGS}
    return {name: setup.get_by_label(label, exact=True).input_value() for name, label in labels.items()}


def settled_form_values(page, labels=None, expected=SETTINGS, timeout_s: float = 10) -> dict:
    """``form_values`` once they are ``expected`` or ``timeout_s`` has passed. A page just opened may draw
    its fields more than once (a CI run read Epochs 1 once, the field's lowest value, right after the
    Train page was opened from Build): what stays shown is what matters, and it is what is returned."""
    end = time.monotonic() + timeout_s
    values = form_values(page, labels)
    while values != expected and time.monotonic() < end:
        page.wait_for_timeout(200)
        values = form_values(page, labels)
    return values


def finished_runs(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if (d / "summary.json").exists())


def train_once(page, app, app_idle) -> dict:
    """Press Start, wait until the run has finished and the form is back; the run's config."""
    before = len(finished_runs(app.runs_root))
    page.get_by_role("button", name="Start training").click()
    deadline = time.monotonic() + 120
    while len(finished_runs(app.runs_root)) == before:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)
    page.wait_for_function(START_ENABLED_JS, arg="Start training", timeout=60_000)
    app_idle(page)
    run = finished_runs(app.runs_root)[-1]
    assert json.loads((run / "status.json").read_text())["state"] == "finished"
    return json.loads((run / "job.json").read_text())["config"]


def test_settings_survive_runs_reloads_pages_and_languages(app, new_page, app_idle):
    page = new_page(app.url + "/train")
    app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    setup = page.locator(".st-key-tp_setup")
    for label, value in SETTINGS.items():
        box = setup.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Tab")
        app_idle(page)
    assert form_values(page) == SETTINGS

    first = train_once(page, app, app_idle)
    assert form_values(page) == SETTINGS            # not the lowest value of each field
    # the test split was scored once, at the end: the Test set view shows it
    page.get_by_role("radio", name="Test set").click()
    page.get_by_test_id("stMetric").filter(has_text="Test accuracy").wait_for()
    page.get_by_text("test samples that training never saw").wait_for()
    second = train_once(page, app, app_idle)        # trained again, untouched
    for config in (first, second):
        assert (config["epochs"], config["batch_size"], config["lr"]) == (25, 32, 0.005)
    assert first == second

    page.reload()
    app_idle(page, timeout=30_000)
    page.get_by_role("button", name="Start training").wait_for()
    assert settled_form_values(page) == SETTINGS

    page.get_by_test_id("stTopNavLink").filter(has_text="Build").click()
    app_idle(page)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.get_by_role("button", name="Start training").wait_for()
    app_idle(page)
    assert settled_form_values(page) == SETTINGS

    page.get_by_role("radio", name="简体中文").click()
    page.get_by_role("button", name="开始训练").wait_for()
    app_idle(page)
    assert settled_form_values(page, LABELS_ZH) == SETTINGS
    page.get_by_role("radio", name="English").click()
    page.get_by_role("button", name="Start training").wait_for()
    app_idle(page)
    assert settled_form_values(page) == SETTINGS


def test_the_field_being_typed_in_keeps_the_focus_when_the_first_change_shows_the_reset_row(app, new_page, app_idle):
    """The first change adds 'changed: ... Reset' above the fields; the field the user tabbed into must not be
    drawn anew (it lost the focus and the typing, and for a moment the page had two of it)."""
    page = new_page(app.url + "/train")
    app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    setup = page.locator(".st-key-tp_setup")
    if page.locator(".st-key-tp_defaults_reset").count():      # an earlier test changed the form: back to defaults
        page.locator(".st-key-tp_defaults_reset").get_by_role("button").click()
        page.locator(".st-key-tp_defaults_reset").wait_for(state="detached")
        app_idle(page)
    epochs = setup.get_by_label("Epochs", exact=True)
    epochs.fill("31")
    setup.get_by_label("Batch size", exact=True).click()    # the user goes on to the next field; the rerun shows the reset row
    page.locator(".st-key-tp_defaults_reset").wait_for()
    app_idle(page)
    assert setup.get_by_label("Batch size", exact=True).count() == 1
    assert page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')") == "Batch size"
    page.locator(".st-key-tp_defaults_reset").get_by_role("button").click()     # leave the defaults as found
    page.locator(".st-key-tp_defaults_reset").wait_for(state="detached")
    app_idle(page)
