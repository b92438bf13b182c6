"""Hostile names in a real browser: a graph, node, CSV columns, classes and a run whose names are
markdown images, HTML, links, Streamlit icons and LaTeX are shown as typed on every page, and the
browser asks nothing of any host but the app's own."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import netcanvas_app
from tests.hostile import (BAD_ID, BAD_TYPE, CLASSES, COLUMNS, DESCRIPTION, LABEL, NAME, OTHER, hostile_run,
                           hostile_workspace)

pytestmark = pytest.mark.e2e

LOCAL_HOSTS = {"localhost", "127.0.0.1"}
# the page's text: the DOM's visible text, Plotly's SVG text, without the invisible word joiners
PAGE_TEXT_JS = """() => [document.body.innerText,
  ...Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)].join('\\n').replaceAll('\\u2060', '')"""
ALL_SHOWN_JS = f"(texts) => {{ const all = ({PAGE_TEXT_JS})(); return texts.every(t => all.includes(t)); }}"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_text")
    ws, upload = hostile_workspace(root / "workspace")
    ws.set_data_choice(upload=str(upload), upload_options={"target": "label", "task": "auto"})
    hostile_run(root / "runs", upload, monitor=True)
    return root


@pytest.fixture(scope="module")
def app(streamlit_app, home):
    return netcanvas_app(streamlit_app, home)


@pytest.fixture
def watched_page(app, new_page):
    """A page whose requests to any host but the app's are recorded and refused."""
    page = new_page()
    foreign: list[str] = []

    def route(r):
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: None if urlparse(req.url).scheme in ("data", "blob")
            or urlparse(req.url).hostname in LOCAL_HOSTS else foreign.append(req.url))
    page.goto(app.url)
    return page, foreign


def shown_as_typed(page, foreign: list[str], *texts: str, timeout: float = 30_000) -> None:
    """Wait until each of ``texts`` is on the page as typed; then no other host may have been asked."""
    try:
        page.wait_for_function(ALL_SHOWN_JS, arg=list(texts), timeout=timeout)
    except Exception:   # noqa: BLE001 - report what is missing, not the timeout
        shown = page.evaluate(PAGE_TEXT_JS)
        missing = [t for t in texts if t not in shown]
        raise AssertionError(f"not shown as typed: {missing}; other hosts asked: {foreign}") from None
    assert not foreign, f"the browser asked other hosts for {foreign}"


def go(page, app_idle, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    app_idle(page)


def test_hostile_names_are_text_on_every_page_and_fetch_nothing(watched_page, app_idle):
    page, foreign = watched_page
    # Build: the graph switcher and the current graph's description
    page.locator(".nc-root").wait_for()
    app_idle(page)
    shown_as_typed(page, foreign, NAME, OTHER, *DESCRIPTION.split("\n"))

    # Data: the fit message names the graph; the CSV's columns in the plan, its classes in the balance chart
    go(page, app_idle, "Data")
    shown_as_typed(page, foreign, f"Fits the graph {NAME}", *COLUMNS)
    page.get_by_role("tab", name="Classes and split").click()
    shown_as_typed(page, foreign, *CLASSES)

    # Train: the run's card and its delete confirmation
    go(page, app_idle, "Train")
    card = page.locator(".st-key-tp_run_card")
    card.get_by_role("button", name="Delete", exact=True).click()
    shown_as_typed(page, foreign, f"Delete {LABEL} and its checkpoints?", f"{LABEL} · ")
    page.keyboard.press("Escape")

    # Export: the run in the source list (opened), then Try the model: one field per CSV column
    go(page, app_idle, "Export")
    page.get_by_role("combobox", name="What to export").click()
    shown_as_typed(page, foreign, LABEL)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Try the model").click()
    shown_as_typed(page, foreign, *COLUMNS, "Prediction:")
    assert any(f"Prediction: {c}" in page.evaluate(PAGE_TEXT_JS) for c in CLASSES)

    # Build again, on the broken graph: its node id and type in the errors and on the canvas
    go(page, app_idle, "Build")
    page.locator("[class*='st-key-tabs_'] button").nth(2).click()
    app_idle(page)
    shown_as_typed(page, foreign, BAD_ID, BAD_TYPE)
    expect(page.locator(".nc-root")).to_contain_text(BAD_ID)     # the canvas writes node ids as text (once drawn)
    page.wait_for_timeout(500)                                   # late image requests would show up here
    assert not foreign, f"the browser asked other hosts for {foreign}"
