"""Fault paths in a real browser (issue 10): Start with a runs folder that cannot be written, and
the Export page with a damaged checkpoint as its default run. Each is a message on the page, never
Streamlit's exception box, and the page keeps working."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from runtime import runfiles
from tests.e2e.conftest import REPO_ROOT
from tests.test_fault_pages import finished_run

pytestmark = pytest.mark.e2e
EXCEPTION = '[data-testid="stException"]'


@pytest.fixture(scope="module")
def blocked(streamlit_app, tmp_path_factory):
    """The app with NETCANVAS_RUNS under a regular file: no process can make it, root included
    (where ``chmod 555`` would not stop a write)."""
    base = tmp_path_factory.mktemp("blocked")
    (base / "file.txt").write_text("a file where the runs folder should be")
    root = base / "file.txt" / "runs"
    app = streamlit_app(REPO_ROOT / "app.py", cwd=base,
                        env={"NETCANVAS_WORKSPACE": str(base / "ws"), "NETCANVAS_RUNS": str(root)})
    return app, root


def test_start_with_a_runs_folder_that_cannot_be_written_is_a_message(blocked, new_page, app_idle):
    app, root = blocked
    page = new_page(app.url)
    app_idle(page, timeout=60_000)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    app_idle(page)
    for epochs in ("3", "4"):                   # twice: the page stays usable after the message
        field = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
        field.fill(epochs)
        field.press("Tab")
        app_idle(page)
        start.click()
        message = page.locator('[data-testid="stAlertContentError"]').filter(has_text="cannot write to the runs folder")
        expect(message).to_be_visible()
        app_idle(page)
        text = message.inner_text()
        assert str(root) in text and "NETCANVAS_RUNS" in text
        assert page.locator(EXCEPTION).count() == 0
    assert start.is_enabled()


@pytest.fixture(scope="module")
def damaged(streamlit_app, tmp_path_factory):
    """Two runs; the newer one, of the canvas's graph (so the Export page's default), has both
    checkpoints cut short."""
    base = tmp_path_factory.mktemp("damaged")
    root = base / "runs"
    good = finished_run(root, "perceptron", "iris", "20260101-000001-aaaa")
    bad = finished_run(root, "digits_cnn", "digits", "20260101-000002-bbbb")
    for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
        data = (bad / name).read_bytes()
        (bad / name).write_bytes(data[:len(data) // 2])
    app = streamlit_app(REPO_ROOT / "app.py", cwd=REPO_ROOT,
                        env={"NETCANVAS_WORKSPACE": str(base / "ws"), "NETCANVAS_RUNS": str(root)})
    return app, good, bad


def test_export_page_names_a_damaged_checkpoint_and_other_runs_still_export(damaged, new_page, app_idle):
    app, good, bad = damaged
    page = new_page(app.url)
    page.locator(".nc-root").wait_for()
    page.get_by_role("link", name="Export").click()
    page.get_by_text("What to export").wait_for()
    app_idle(page)
    box = page.get_by_role("combobox", name="What to export")
    expect(box).to_have_value(re.compile(bad.name))
    message = page.locator('[data-testid="stAlertContentError"]').filter(has_text="the checkpoint is damaged")
    expect(message).to_be_visible()
    assert str(bad / runfiles.CKPT_BEST) in message.inner_text()
    assert page.locator(EXCEPTION).count() == 0

    box.click()
    page.get_by_role("option", name=re.compile(good.name)).click()
    app_idle(page)
    expect(page.get_by_role("tab", name="Bundle (.zip)")).to_be_visible()
    expect(page.get_by_text("class Perceptron").first).to_be_visible()
    assert page.get_by_text("the checkpoint is damaged").count() == 0
    assert page.locator(EXCEPTION).count() == 0
