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
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = Path(__file__).resolve().parent / "apps"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}

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


def find_chromium(playwright=None) -> str | None:
    """The system Chromium, else the one Playwright installed, else None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if playwright is not None:
        try:
            exe = playwright.chromium.executable_path
        except Exception:  # noqa: BLE001 - not installed
            exe = None
        if exe and os.path.exists(exe):
            return exe
    return None


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
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitApp:
    script: Path
    port: int
    proc: subprocess.Popen
    cwd: Path
    log_path: Path
    _log: object = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()


def _wait_healthy(app: StreamlitApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"{app.url}/_stcore/health"
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {app.proc.returncode}:\n{app.log()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer {url} within {timeout:.0f}s:\n{app.log()[-4000:]}")


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
        port = free_port()
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
        )
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        full_env.update(env or {})
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            *args,
        ]
        log_dir = tmp_path_factory.mktemp("st-log")   # never inside the project, whatever cwd is
        log_path = Path(tempfile.mkstemp(prefix="streamlit-", suffix=".log", dir=log_dir)[1])
        log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(cmd, cwd=workdir, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        app = StreamlitApp(script=script, port=port, proc=proc, cwd=workdir, log_path=log_path, _log=log)
        started[cache_key] = app
        _wait_healthy(app, timeout)
        return app

    yield start
    for app in started.values():
        app.stop()


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
