"""The Data page of the real app (``streamlit run app.py``) in headless Chromium: choose
data sets, see them, upload a bad file, set an augmentation and watch the preview.

The workspace and runs folders are temporary; what the page stores is read back from the
workspace's ``session.json``, the file the Train page's runs start from.
"""
from __future__ import annotations

import json
import shutil
import time

import pytest

from conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

CHART = '[data-testid="stPlotlyChart"]'


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    home = tmp_path_factory.mktemp("workspace")
    runs = tmp_path_factory.mktemp("runs")
    cwd = tmp_path_factory.mktemp("cwd")           # the app's own theme and upload limit, logs kept out of the repo
    shutil.copytree(REPO_ROOT / ".streamlit", cwd / ".streamlit")
    server = streamlit_app(REPO_ROOT / "app.py", cwd=cwd,
                           env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs)})
    server.home = home
    return server


def stored(app) -> dict:
    return json.loads((app.home / "session.json").read_text()).get("data", {})


@pytest.fixture(scope="module")
def page(app, browser):
    """One browser session for the module (opening the app costs seconds on a busy machine):
    the app's start page, then Data through the navigation, as a user gets there."""
    from conftest import open_data_page
    context, page = open_data_page(browser, app.url)
    yield page
    context.close()


def choose(page, app_idle, name: str) -> None:
    """Pick a built-in set in the data-set selectbox (type to filter, Enter)."""
    box = page.get_by_role("combobox", name="Data set")
    box.click()
    box.fill(name)
    page.get_by_role("option").filter(has_text=name).first.click()
    app_idle(page, timeout=60_000)
    page.locator("h4").filter(has_text=name).wait_for()


def test_digits_grid_then_moons_scatter(page, app_idle, app):
    t0 = time.monotonic()
    choose(page, app_idle, "digits")
    grid = page.locator(CHART).first
    grid.wait_for()
    # the grid is one heat map with a class label above each of the 24 images
    page.wait_for_function("""() => document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot')
                               && document.querySelectorAll('[data-testid="stPlotlyChart"] g.annotation').length >= 24""")
    assert page.get_by_text("24 of 1,797 images").is_visible()
    assert page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Fits the graph").is_visible()

    choose(page, app_idle, "moons")
    page.locator(CHART).filter(has_text="moons: every point coloured by its class").wait_for()
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .scatterlayer .trace')]
                               .length === 2""")
    assert stored(app)["data"] == "moons"
    # moons (2 numbers) into the CNN's 1x8x8 Input: both shapes in the message
    error = page.locator('[data-testid="stAlertContentError"]')
    assert "(2,)" in error.inner_text() and "(1, 8, 8)" in error.inner_text()
    print(f"digits + moons: {time.monotonic() - t0:.1f}s")


def test_bad_csv_upload_shows_a_message_and_keeps_the_choice(page, app_idle, app, tmp_path):
    t0 = time.monotonic()
    choose(page, app_idle, "iris")
    page.get_by_role("radio", name="Your file").click()
    app_idle(page)
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"a,b\n1,2\n\x00\x01\x02\x00")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("Could not use that file").wait_for(timeout=30_000)
    app_idle(page)
    assert page.get_by_text("cannot be read as a CSV table", exact=False).first.is_visible()
    assert page.get_by_text("training still uses iris").is_visible()
    assert page.locator("h4").filter(has_text="iris").is_visible()
    assert stored(app)["data"] == "iris" and not stored(app).get("upload")
    assert not list((app.home / "uploads").glob("*/*"))
    print(f"bad upload: {time.monotonic() - t0:.1f}s")


def test_augmentation_strength_changes_the_preview(page, app_idle, app):
    t0 = time.monotonic()
    page.get_by_role("radio", name="Built-in").click()
    app_idle(page)
    choose(page, app_idle, "digits")
    page.get_by_role("tab", name="Augmentation").click()
    page.get_by_text("After: no augmentation switched on yet").wait_for()
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="Rotation").get_by_role("slider")
    thumb.focus()
    for _ in range(6):                       # 6 steps of 5 degrees
        page.keyboard.press("ArrowRight")
    # each step redraws the preview: a chart being replaced may still be in the page, hidden, beside it
    page.get_by_text("After augmentation (one random draw)").filter(visible=True).first.wait_for(timeout=30_000)
    app_idle(page)
    assert stored(app)["augment"] == {"rotation": 30.0}
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Augmentation").inner_text().endswith("1 on")
    print(f"augmentation: {time.monotonic() - t0:.1f}s")


PLOTLY_FETCHES_JS = "() => performance.getEntriesByType('resource').filter(e => /PlotlyChart\\./.test(e.name)).length"


def test_the_plotly_bundle_waits_while_the_user_works_on_the_canvas(app, new_page, app_idle):
    page = new_page(app.url)
    page.locator(".nc-root").wait_for(timeout=60_000)
    box = page.locator(".nc-viewport").bounding_box()
    end = time.monotonic() + 4
    while time.monotonic() < end:                     # a user at work: the pointer on the canvas
        page.mouse.move(box["x"] + 100 + 200 * (end - time.monotonic()), box["y"] + 150)
        time.sleep(0.25)
    assert page.evaluate(PLOTLY_FETCHES_JS) == 0, "the bundle was run under the user"
    page.wait_for_function(f"() => ({PLOTLY_FETCHES_JS})() > 0", timeout=30_000)    # and once they stop


def test_the_plotly_bundle_is_loaded_while_the_start_page_is_idle(app, new_page, app_idle):
    page = new_page(app.url)
    app_idle(page, timeout=60_000)
    page.wait_for_function(f"() => ({PLOTLY_FETCHES_JS})() > 0", timeout=30_000)    # on Build, nothing drawn
    assert not page.locator(CHART).count()
    page.get_by_test_id("stTopNavLink").filter(has_text="Data").click()
    page.wait_for_function("""() => document.querySelectorAll('[data-testid="stPlotlyChart"] g.annotation').length >= 24""")
    assert page.evaluate(PLOTLY_FETCHES_JS) == 1, "the grid used the preloaded bundle"
