"""The fixtures of the Build page's browser test modules: a fresh folder, the real app on it and a page
with the canvas drawn. Import them into a module (``from tests.e2e.build_app import app, page, workdir``):
each module gets its own folder and app."""
from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import netcanvas_app


@pytest.fixture(scope="module")
def workdir(request, tmp_path_factory):
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def app(streamlit_app, workdir):
    return netcanvas_app(streamlit_app, workdir)


@pytest.fixture
def page(app, new_page, app_idle):
    p = new_page(app.url)
    p.locator(".nc-root").wait_for(timeout=120_000)   # a fresh app's first page imports torch: slow on busy cores
    app_idle(p, timeout=60_000)
    return p


@pytest.fixture
def fresh_workdir(workdir):
    """The module's folder with its workspace emptied: each test of a module that shares one app on ``workdir``
    starts on a fresh workspace (what a test writes there before it opens a page is what the app shows: a new
    browser session reads the workspace anew). Costs no server start, unlike an app per test."""
    shutil.rmtree(workdir / "workspace", ignore_errors=True)
    return workdir
