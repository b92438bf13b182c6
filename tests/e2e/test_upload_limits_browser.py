"""Hostile uploads in the real app (headless Chromium): a decode bomb is refused from its
image headers in moments and the page stays usable; a set with many classes is shown by its
most frequent classes, on the Data page and in a real run's confusion matrix on the Train page."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT
from tests.test_upload_limits import decode_bomb

pytestmark = pytest.mark.e2e

N_CLASSES = 40
SUBTITLE_JS = """(key) => {
  const el = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  return el && el.layout && el.layout.title && el.layout.title.subtitle ? el.layout.title.subtitle.text : null;
}"""


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    home = tmp_path_factory.mktemp("workspace")
    runs_root = tmp_path_factory.mktemp("runs")
    cwd = tmp_path_factory.mktemp("cwd")
    shutil.copytree(REPO_ROOT / ".streamlit", cwd / ".streamlit")
    server = streamlit_app(REPO_ROOT / "app.py", cwd=cwd,
                           env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs_root)})
    server.home, server.runs_root = home, runs_root
    return server


@pytest.fixture(scope="module")
def page(app, browser):
    from conftest import open_data_page
    context, page = open_data_page(browser, app.url)
    yield page
    context.close()


def many_classes_npz(path: Path) -> Path:
    """2-D points in ``N_CLASSES`` classes; class i has 3 (i + 1) samples."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(N_CLASSES), np.arange(1, N_CLASSES + 1) * 3)
    angle = y * 2 * np.pi / N_CLASSES
    x = np.stack([np.cos(angle), np.sin(angle)], 1) * (1 + y[:, None] / 10) + rng.normal(scale=0.05, size=(len(y), 2))
    np.savez(path, x=x.astype(np.float32), y=y)
    return path


def upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def stored(app) -> dict:
    return json.loads((app.home / "session.json").read_text()).get("data", {})


@pytest.mark.slow
def test_decode_bomb_is_refused_at_once_and_the_page_stays_usable(page, app_idle, app, tmp_path):
    page.get_by_role("radio", name="Your file").click()
    app_idle(page)
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(decode_bomb())
    t0 = time.monotonic()
    upload(page, bomb)
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="Could not use that file")
    error.wait_for(timeout=30_000)
    refused_s = time.monotonic() - t0
    text = error.inner_text()
    assert "2,000 megapixels" in text and "14,970 megapixels" in text and "bomb.zip" in text
    assert refused_s < 20, f"refused after {refused_s:.1f} s"
    assert not stored(app).get("upload") and not list((app.home / "uploads").glob("*/*"))

    # a class name written as markdown is shown as the text it is
    long_label = tmp_path / "labels.csv"
    long_label.write_text("v,kind\n1,a\n2,a\n3,**bold**" + "x" * 300 + "\n")
    upload(page, long_label)
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="characters per class name")
    error.wait_for()
    assert "**bold**" in error.inner_text() and not error.locator("strong").count()

    # the same page still works: a set of 40 classes loads, its balance shows the 30 most frequent
    upload(page, many_classes_npz(tmp_path / "classes40.npz"))
    page.locator("h4").filter(has_text="classes40.npz").wait_for(timeout=30_000)
    app_idle(page)
    assert stored(app)["upload"].endswith("classes40.npz")
    page.get_by_role("tab", name="Classes and split").click()
    page.locator('[data-testid="stPlotlyChart"]').filter(has_text="showing the 30 most frequent of 40 classes") \
        .wait_for()
    print(f"bomb refused in {refused_s:.1f}s")


@pytest.mark.slow
def test_a_run_with_40_classes_shows_the_30_most_frequent_in_its_confusion_matrix(app, new_page, app_idle,
                                                                                      tmp_path):
    from builder import templates
    from runtime import runfiles
    from tests.trained_runs import started_run

    graph = templates.load("perceptron")
    graph["nodes"][0]["params"]["shape"] = [2]
    graph["nodes"][1]["params"]["out_features"] = N_CLASSES
    data = many_classes_npz(tmp_path / "classes40.npz")
    run_dir = started_run(app.runs_root, graph, {"data": "iris", "upload": str(data), "epochs": 2})   # in this process
    confusion = runfiles.read_json(run_dir / runfiles.CONFUSION)
    assert confusion["classes_total"] == N_CLASSES and len(confusion["matrix"]) == N_CLASSES

    page = new_page(app.url)
    app_idle(page, timeout=60_000)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    app_idle(page, timeout=60_000)
    page.get_by_role("radio", name="Confusion matrix").click()
    for chart in ("tp_confusion", "tp_perclass"):      # drawn one after the other: the second may come later
        page.wait_for_function(f"() => ({SUBTITLE_JS})('{chart}') !== null", timeout=30_000)
    assert page.evaluate(SUBTITLE_JS, "tp_confusion") == "showing the 30 most frequent of 40 classes"
    assert page.evaluate(SUBTITLE_JS, "tp_perclass") == "showing the 30 most frequent of 40 classes"
    rows = page.evaluate("() => document.querySelector('.st-key-tp_confusion .js-plotly-plot').data[0].y")
    assert rows == [str(c) for c in range(N_CLASSES - 30, N_CLASSES)]      # the most frequent, in class order
