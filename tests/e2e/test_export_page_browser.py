"""The Export page in a real browser: download the bundle and check its files; draw a digit and get a prediction."""
from __future__ import annotations

import io
import re
import json
import zipfile

import pytest
from playwright.sync_api import expect

from builder import templates
from tests.e2e.conftest import VIEWPORT, netcanvas_app, open_export_page
from tests.graphs import chain
from tests.trained_runs import started_run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A briefly trained digits CNN in the runs folder the app reads, and before it a run on an uploaded CSV."""
    root = tmp_path_factory.mktemp("export_page")
    rows = ["width,height,kind"] + [f"{i % 7},{i % 5},{'tall' if i % 5 > 2 else 'flat'}" for i in range(80)]
    (root / "boxes.csv").write_text("\n".join(rows) + "\n")
    table = chain(("Linear", {"out_features": 2}), input_shape=(2,), name="boxes_net")
    # trained in this process (the run folders are as the app's runs write them); ids in the order of the runs
    started_run(root / "runs", table, {"upload": str(root / "boxes.csv"), "upload_options": {"target": "kind"},
                                       "epochs": 2}, run_id="20260101-000001-csv0")
    run_dir = started_run(root / "runs", templates.load("digits_cnn"), {"data": "digits", "epochs": 2, "lr": 3e-3},
                          run_id="20260101-000002-cnn0")
    return root, run_dir


@pytest.fixture(scope="module")
def app(streamlit_app, trained):
    root, _ = trained
    return netcanvas_app(streamlit_app, root)


@pytest.fixture(scope="module")
def page(app, browser):
    """One Export page for the tests that read the default run's tabs (each leaves it usable: opening the app
    costs seconds); the test that edits the workspace opens its own, last."""
    context = browser.new_context(viewport=VIEWPORT)

    def new_page(url):
        p = context.new_page()
        p.set_default_timeout(20_000)
        p.goto(url)
        return p

    yield open_export_page(new_page, app.url)
    context.close()


def test_download_the_bundle(page, trained, app_idle):
    _, run_dir = trained
    expect(page.get_by_role("combobox", name="What to export")).to_have_value(re.compile(run_dir.name))
    page.get_by_role("tab", name="Bundle (.zip)").click()
    page.get_by_role("button", name="Prepare the bundle").click()
    button = page.get_by_role("button", name="Download everything (.zip)")
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    data = open(info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        assert {"model.py", "train.py", "graph.json", "config.json", "preprocess.json", "README.md"} <= {
            n.split("/")[-1] for n in names}
        assert any(n.endswith(".safetensors") for n in names) and any(n.endswith(".pt") for n in names)
        graph = json.loads(z.read(next(n for n in names if n.endswith("graph.json"))))
        assert graph["name"] == "digits_cnn"
        assert "class DigitsCnn(nn.Module)" in z.read(next(n for n in names if n.endswith("model.py"))).decode()


def settled_box(page, locator, steady_ms: int = 600, timeout_ms: int = 20_000) -> dict:
    """The element's box once it has stayed shown and in place for ``steady_ms`` (a rerun may still be
    drawing the page when the script has finished: the box is None while it does)."""
    last, since, waited = None, 0, 0
    while waited < timeout_ms:
        box = locator.bounding_box() if locator.count() == 1 else None
        since = since + 100 if box is not None and box == last else 0
        if since >= steady_ms:
            return box
        last = box
        page.wait_for_timeout(100)
        waited += 100
    raise AssertionError(f"{locator} never stayed in place for {steady_ms} ms")


# Runs started since, counted from every change of the app's script state: a short run can start and end
# before the observer's callback, which then sees the state back at 'notRunning' (a CI run once), so the
# value each change set is read from the next record's old value (the last one's: the attribute now).
_COUNT_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__runs = 0;
  new MutationObserver((records) => {
    records.forEach((r, i) => {
      const set = i + 1 < records.length ? records[i + 1].oldValue : app.getAttribute('data-test-script-state');
      if (set === 'running' && r.oldValue !== 'running') window.__runs += 1;
    });
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
}"""


def test_a_tab_click_keeps_the_tabs_elements_so_a_file_dropped_at_once_is_not_lost(page, app_idle):
    """A tab click reruns the page (it remembers the open tab for a language switch). The tabs and what
    they hold stay the same elements: they used to be made anew by that run, and a WAV dropped on Try the
    model while it uploaded was lost with the uploader that held it (a CI run once)."""
    page.evaluate(_COUNT_RUNS)
    code_tab = page.get_by_role("tab", name="Model code")
    if code_tab.get_attribute("aria-selected") != "true":
        code_tab.click()
        page.wait_for_function("() => window.__runs >= 1")     # that click's run: over before the next click
    app_idle(page)
    page.evaluate("window.__runs = 0")
    page.locator('[data-testid="stTabs"], .st-key-dl_model').evaluate_all("els => els.forEach(e => e.__kept = true)")
    page.get_by_role("tab", name="Try the model").click()
    page.wait_for_function("() => window.__runs >= 1")
    app_idle(page)
    page.wait_for_timeout(300)                  # the run's last deltas drawn
    assert page.locator('[data-testid="stTabs"], .st-key-dl_model').evaluate_all(
        "els => els.map(e => e.__kept === true)") == [True, True]


def test_draw_a_digit_and_see_a_prediction(page, app_idle):
    page.get_by_role("tab", name="Try the model").click()
    app_idle(page)
    expect(page.get_by_text("Draw something on the pad")).to_be_visible()
    box = settled_box(page, page.locator(".nd-pad"))
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.15
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 16):                      # a vertical stroke: a "1"
        page.mouse.move(x, y + i * box["height"] * 0.05)
    page.mouse.up()
    expect(page.get_by_text("Prediction:").first).to_be_visible()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart).to_be_visible()
    assert page.get_by_text("Draw something on the pad").count() == 0


def test_a_run_on_an_uploaded_csv_is_named_by_its_data(page):
    page.get_by_role("combobox", name="What to export").click()
    option = page.get_by_role("option", name=re.compile("boxes_net"))
    expect(option).to_contain_text("boxes_net · boxes · ")          # the CSV's name, not the default set's
    expect(option).not_to_contain_text("digits")
    page.keyboard.press("Escape")


def test_switching_language_keeps_the_open_tab(page, app_idle):
    page.get_by_role("tab", name="Weights").click()
    expect(page.get_by_role("button", name="Download weights (.safetensors)")).to_be_visible()
    page.get_by_role("radio", name="简体中文").click()
    expect(page.get_by_role("tab", name="权重")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("button", name=re.compile("safetensors"))).to_be_visible()
    page.get_by_role("tab", name="试用模型").click()
    app_idle(page)
    page.get_by_role("radio", name="English").click()      # the workspace keeps the language: back to English
    expect(page.get_by_role("tab", name="Try the model")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".nd-pad")).to_be_visible()


def test_invalid_graph_export_is_refused_with_the_checker_messages(app, new_page, app_idle, trained):
    root, _ = trained
    from ui.workspace import Workspace
    ws = Workspace(root / "workspace")
    bad = templates.load("mlp")
    bad["nodes"][2]["params"]["out_features"] = 0
    ws.open_doc(bad)
    p = new_page(app.url + "/export")
    box = p.get_by_role("combobox", name="What to export")
    box.click()
    p.get_by_role("option", name=re.compile("not trained yet")).click()
    expect(p.get_by_text("does not check, so it cannot be exported")).to_be_visible()
    expect(p.get_by_text("node fc1: out_features must be in [1, 65536]; received 0")).to_be_visible()
