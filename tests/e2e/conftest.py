"""Shared fixtures for the end-to-end tests: headless Chromium and Streamlit servers.

* ``browser``: the system Chromium (or one installed by ``playwright install
  chromium``) driven by Playwright. Without any Chromium the tests are skipped with
  a hint, except under ``CI=true``, where that is a failure.
* ``streamlit_app``: a factory, ``streamlit_app(script, cwd=..., env=...,
  args=[...]) -> StreamlitApp``, that starts ``streamlit run`` on a free port, waits
  for ``/_stcore/health`` and stops the server at the end of the session. The same
  script with the same options is started once and shared.
* ``new_page``: a factory for 1400x900 pages that are closed after the test.
* ``wait_for_app_idle(page)``: waits until Streamlit has finished its script run.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from servers import CHROMIUM_ARGS, REPO_ROOT, VIEWPORT, StreamlitApp, find_chromium, launch, stop_all  # noqa: F401 - shared

APPS_DIR = Path(__file__).resolve().parent / "apps"

# Assertions wait for what they expect; on 2 busy cores a rerun can take seconds, not the default 5.
try:
    from playwright.sync_api import expect as _expect
    _expect.set_options(timeout=20_000)
except ImportError:   # reported by the fixtures below
    pass
NO_CHROMIUM_HINT = (
    "no Chromium found for the end-to-end tests: install one with "
    "`apt-get install chromium` or `python -m playwright install chromium`"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _skip_or_fail(msg: str) -> None:
    if _in_ci():
        pytest.fail(f"{msg} (CI=true: the end-to-end tests must run)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def playwright_session():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("the `playwright` package is not installed (pip install playwright); " + NO_CHROMIUM_HINT)
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_session):
    exe = find_chromium(playwright_session)
    if not exe:
        _skip_or_fail(NO_CHROMIUM_HINT)
    browser = playwright_session.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page(url=None, **context_options)`` -> a 1400x900 page, closed after the test."""
    contexts = []

    def make(url: str | None = None, **options):
        options.setdefault("viewport", VIEWPORT)
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        if url:
            page.goto(url)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


# ----------------------------------------------------------------- Streamlit servers
@pytest.fixture(scope="session")
def streamlit_app(tmp_path_factory):
    """Factory: ``streamlit_app(script, cwd=None, env=None, args=()) -> StreamlitApp``."""
    started: dict[tuple, StreamlitApp] = {}

    def start(script, *, cwd=None, env=None, args=(), timeout: float = 60) -> StreamlitApp:
        script = Path(script)
        if not script.is_absolute():
            script = APPS_DIR / script
        script = script.resolve()
        cache_key = (str(script), str(cwd), tuple(sorted((env or {}).items())), tuple(args))
        app = started.get(cache_key)
        if app is not None and app.proc.poll() is None:
            return app
        workdir = Path(cwd) if cwd else tmp_path_factory.mktemp("st-cwd")
        log_dir = tmp_path_factory.mktemp("st-log")   # never inside the project, whatever cwd is
        log_path = Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log", dir=log_dir)[1])
        app = launch(script, cwd=workdir, env=env, args=args, log_path=log_path, timeout=timeout)
        started[cache_key] = app
        if cwd is not None or env:
            start.own.add(cache_key)
        return app

    start.started, start.own = started, set()   # own: servers on a caller's folders (a cwd or env given)
    yield start
    stop_all(started.values())


@pytest.fixture(scope="module", autouse=True)
def stop_the_modules_own_servers(streamlit_app):
    """At the end of a test module, stop the servers it started on its own folders (an ``env`` or ``cwd``
    given): no later module asks for them, and each idle one holds ~400 MB and some CPU for the rest of the
    session. Harness apps started without either are shared by modules and live to the session's end."""
    before = set(streamlit_app.started)
    yield
    stop_all(streamlit_app.started[key] for key in streamlit_app.own - before)


def netcanvas_app(streamlit_app, folder: Path) -> StreamlitApp:
    """The real app (app.py with the project's .streamlit/config.toml) on ``folder``/workspace and
    ``folder``/runs."""
    env = {"NETCANVAS_WORKSPACE": str(folder / "workspace"), "NETCANVAS_RUNS": str(folder / "runs")}
    return streamlit_app(REPO_ROOT / "app.py", cwd=REPO_ROOT, env=env)


# ----------------------------------------------------------------- waiting helpers
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state === 'running' || state === 'rerunRequested' || state === 'initial') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  return !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]');
}"""


def wait_for_app_idle(page, timeout: float = 20_000) -> None:
    """Wait until the Streamlit app is connected and no script run is in progress."""
    page.wait_for_function(_IDLE_JS, timeout=timeout)


@pytest.fixture
def app_idle():
    return wait_for_app_idle


def open_export_page(new_page, url: str):
    """A new page on the app, then Export through the navigation, idle."""
    page = new_page(url)
    page.locator(".nc-root").wait_for()
    page.get_by_role("link", name="Export").click()
    page.get_by_text("What to export").wait_for()
    wait_for_app_idle(page)
    return page


def open_data_page(browser, url: str):
    """A browser session on the app's start page, then Data through the navigation, as a user gets
    there; returns (context, page). One per test module: opening the app costs seconds."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_for_app_idle(page, timeout=60_000)
    page.get_by_role("link", name="Data").click()
    page.get_by_text("Where the data comes from").wait_for(timeout=60_000)
    wait_for_app_idle(page, timeout=60_000)
    return context, page


def fresh_app(streamlit_app, folder: Path):
    """The app on a fresh workspace and runs folder under ``folder`` (``.runs_root`` says where the runs go);
    started with a long timeout: busy machines start it slowly."""
    served = streamlit_app(REPO_ROOT / "app.py", cwd=REPO_ROOT, timeout=300,
                           env={"NETCANVAS_WORKSPACE": str(folder / "workspace"), "NETCANVAS_RUNS": str(folder / "runs")})
    served.runs_root = folder / "runs"
    return served


def template_on_train_page(new_page, url: str, template: str):
    """A new page on the app, the ``template`` opened from Build's Templates menu, then the Train page, idle
    with its Start button; waits are generous (a machine busy with other work)."""
    page = new_page()
    page.set_default_timeout(60_000)
    page.goto(url, timeout=120_000)
    page.locator(".nc-root").wait_for(timeout=120_000)
    wait_for_app_idle(page, timeout=60_000)
    page.get_by_role("button", name="Templates").click()
    page.locator(f".st-key-tpl_{template} button").click()
    wait_for_app_idle(page, timeout=60_000)
    open_train_page(page)
    return page


def open_train_page(page, data_name: str | None = None):
    """Train through the navigation, idle (with ``data_name`` in the run's setup, if given); returns the Start
    button."""
    from playwright.sync_api import expect
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    start = page.get_by_role("button", name="Start training")
    start.wait_for(timeout=60_000)
    wait_for_app_idle(page, timeout=60_000)
    if data_name is not None:
        expect(page.locator(".st-key-tp_setup")).to_contain_text(data_name)
    return start


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label``: type its first word (it is the first
    option left), Enter. (No click on the option: a component mounting after a rerun can redraw the list
    under the pointer.)"""
    from playwright.sync_api import expect
    box = page.get_by_role("combobox", name=label, exact=True)
    for attempt in range(3):    # a rerun that lands while typing closes the list, or before Enter redraws the box
        box.click()
        box.fill(option.split(" ")[0])
        try:
            expect(page.get_by_role("option", name=option, exact=True)).to_be_visible(timeout=10_000)
            box.press("Enter")
            expect(box).to_have_value(option, timeout=5_000)
            return
        except AssertionError:
            if attempt == 2:
                raise
            box.press("Escape")
