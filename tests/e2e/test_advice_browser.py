"""A final Softmax under cross-entropy: advice on the node (Build), a warning with a one-click fix (Train)."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.canvas_helpers import node
from tests.e2e.conftest import REPO_ROOT
from tests.graphs import chain

pytestmark = pytest.mark.e2e

GRAPH = chain(("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 3}), ("Softmax", {}),
              input_shape=(4,), name="iris_softmax")


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    home = tmp_path_factory.mktemp("workspace")
    (home / "graphs").mkdir()
    (home / "graphs" / "iris_softmax.json").write_text(json.dumps(GRAPH))
    (home / "session.json").write_text(json.dumps({"open": ["iris_softmax"], "active": 0, "data": {"data": "iris"}}))
    return streamlit_app(REPO_ROOT / "app.py", cwd=tmp_path_factory.mktemp("cwd"),
                         env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp_path_factory.mktemp("runs"))})


def test_softmax_advice_on_the_node_and_the_fix_in_the_form(app, new_page, app_idle):
    page = new_page(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    softmax = node(page, "n3")
    expect(softmax.locator(".nc-err.warn")).to_contain_text("Softmax right before the Output")
    assert "err" not in (softmax.get_attribute("class") or "").split()      # advice, not an error

    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    advice = page.locator(".st-key-tp_softmax_advice")
    expect(advice).to_contain_text("cross-entropy")
    advice.get_by_role("button", name="Train on logits (remove the Softmax)").click()
    expect(advice).to_have_count(0)
    app_idle(page)

    page.get_by_test_id("stTopNavLink").filter(has_text="Build").click()
    page.locator(".nc-root").wait_for()
    app_idle(page)
    expect(node(page, "n2")).to_be_visible()
    expect(node(page, "n3")).to_have_count(0)
    expect(page.locator(".nc-node.warn")).to_have_count(0)
