"""Pages on fault paths (AppTest, no browser): a runs folder that cannot be written and a damaged
checkpoint are messages on the page, and the page keeps working (tests/e2e/test_faults_browser.py
does the same in Chromium)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from runtime import runfiles
from runtime import runs
from tests.trained_runs import trained_run

APP = str(Path(__file__).resolve().parent / "app_entry.py")   # app.py, with st.navigation from the first run
PAGES = Path(__file__).resolve().parents[1] / "pages"


def unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def open_page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(str(PAGES / name)).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    return tmp_path


def test_start_with_a_runs_folder_that_cannot_be_written_is_a_message(env, monkeypatch):
    (env / "file.txt").write_text("a file where the runs folder should be")
    root = env / "file.txt" / "runs"
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    at = open_page("train.py")
    for _ in range(2):                          # and again: the page keeps working
        at.button(key="tp_start").click().run()
        assert not at.exception, at.exception
        errors = [unescaped(e.value) for e in at.error]
        assert any(f"cannot write to the runs folder {root}" in e and "NETCANVAS_RUNS" in e for e in errors), errors
    assert not at.button(key="tp_start").disabled


def finished_run(root: Path, name: str, data: str, run_id: str) -> Path:
    """A run trained for a few steps, with its job.json: listed and exportable."""
    return trained_run(root, {"data": data, "epochs": 1, "max_steps": 3}, templates.load(name), label=name, run_id=run_id)


@pytest.mark.slow
def test_export_page_names_a_damaged_checkpoint_and_other_runs_still_export(env, monkeypatch):
    root = env / "runs"
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    good = finished_run(root, "perceptron", "iris", "20260101-000001-aaaa")
    damaged = finished_run(root, "digits_cnn", "digits", "20260101-000002-bbbb")   # the canvas's graph: the default
    for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
        data = (damaged / name).read_bytes()
        (damaged / name).write_bytes(data[:len(data) // 2])     # cut short, as a full disk or a kill leaves it
    at = open_page("export.py")
    assert at.selectbox(key="export_source").value == damaged.name
    [error] = [unescaped(e.value) for e in at.error]
    assert error.startswith(f"the checkpoint is damaged: {damaged / runfiles.CKPT_BEST} cannot be read")
    assert not at.tabs                       # nothing to export from it
    at.selectbox(key="export_source").set_value(good.name).run()
    assert not at.exception and not at.error
    assert any("class Perceptron" in c.value for c in at.code)
