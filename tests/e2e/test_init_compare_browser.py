"""Build page, weight initialisation: a deep sigmoid MLP, the user opens "Compare weight initialisations",
reads the two inits' activations layer by layer (std in each row's title), picks another init, and reads
it all again in Chinese. ``NETCANVAS_SHOTS=DIR`` also writes init-compare-en.png and -zh.png there."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT
from tests.graphs import chain

pytestmark = pytest.mark.e2e

LAYERS = []
for _ in range(5):
    LAYERS += [("Linear", {"out_features": 64}), ("Sigmoid", {})]
GRAPH = chain(*LAYERS, input_shape=(64,), name="deep_sigmoid")


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    home = tmp_path_factory.mktemp("workspace")
    (home / "graphs").mkdir()
    (home / "graphs" / "deep_sigmoid.json").write_text(json.dumps(GRAPH))
    (home / "session.json").write_text(json.dumps({"open": ["deep_sigmoid"], "active": 0}))
    return streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                         env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp_path_factory.mktemp("runs"))})


def _shot(page, name: str) -> None:
    folder = os.environ.get("NETCANVAS_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator(".st-key-build_init_view").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_compare_two_inits_of_a_deep_sigmoid_net(app, new_page, app_idle):
    page = new_page(app.url)
    page.locator(".nc-root").wait_for(timeout=120_000)   # a fresh app's first page imports torch: slow on busy cores
    app_idle(page, timeout=60_000)
    view = page.locator(".st-key-build_init_view")
    view.get_by_text("Compare weight initialisations").click()
    expect(view.get_by_text("Xavier suits sigmoid and tanh")).to_be_visible(timeout=60_000)
    figure = view.locator('.st-key-initcmp_fig:not([data-stale="true"])')   # the chart drawn by the latest run
    expect(figure).to_contain_text("n1 (Sigmoid): std", timeout=60_000)
    expect(figure).to_contain_text("n9 (Sigmoid): std")
    expect(figure).to_contain_text("xavier_normal")            # the legend: default against xavier_normal
    app_idle(page)
    _shot(page, "init-compare-en.png")

    view.get_by_test_id("stSelectbox").nth(1).click()
    page.get_by_role("option", name="orthogonal").click()
    expect(figure).to_contain_text("orthogonal", timeout=60_000)
    app_idle(page)

    page.get_by_text("简体中文").click()
    expect(view.get_by_text("比较权重初始化")).to_be_visible(timeout=60_000)
    expect(figure).to_contain_text("标准差", timeout=60_000)
    app_idle(page)
    _shot(page, "init-compare-zh.png")
