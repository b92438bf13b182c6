"""Advice in the browser: a final Softmax under cross-entropy (on the node on Build, a warning with a one-click
fix on Train); a Linear fed an image (a hint on the node and in its property panel, in the user's language)."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.canvas_helpers import add_from_palette, center, drag, head, in_port, new_empty_tab, node, out_port
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


def test_linear_after_an_image_gets_a_hint_on_the_node(app, new_page, app_idle):
    """A new user's MLP on 8x8 digits without a Flatten: (1, 8, 8) -> Linear -> (1, 8, 64) checks out, and
    the node says why that is probably not what they meant, in their language."""
    page = new_page(app.url)
    page.locator(".nc-root").wait_for()
    app_idle(page)
    new_empty_tab(page, app_idle)
    for type_, x in (("Input", 110), ("Linear", 340), ("Output", 570)):
        add_from_palette(page, app_idle, type_, x, 260, f"{type_.lower()}_1")
    drag(page, center(out_port(page, "input_1")), center(in_port(page, "linear_1")))
    app_idle(page)
    drag(page, center(out_port(page, "linear_1")), center(in_port(page, "output_1")))
    linear = node(page, "linear_1")
    expect(linear.locator(".nc-shape")).to_have_text("(1, 8, 64)")
    hint = linear.locator(".nc-err.warn")
    expect(hint).to_contain_text("Linear acts on the last dimension only: (1, 8, 8) → (1, 8, 64). Add a Flatten")
    assert "err" not in (linear.get_attribute("class") or "").split()       # advice: the graph still checks
    expect(page.get_by_text("Checks out")).to_be_visible()
    page.mouse.click(*head(page, "linear_1"))                              # the panel says it in full
    expect(page.get_by_test_id("stAlert").filter(has_text="Linear acts on the last dimension only")).to_be_visible()

    app_idle(page)
    page.get_by_text("简体中文").click()
    expect(hint).to_contain_text("Linear 只作用于最后一维")
    page.get_by_text("English").click()
    expect(hint).to_contain_text("Linear acts on the last dimension only")
