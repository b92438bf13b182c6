"""The workspace folder in a real browser: two browser tabs on one graph, and undo after a reload.

Two browser contexts are two Streamlit sessions, each with its own Workspace on the one folder,
as two tabs of one person's browser are. The module's one app serves every test; each test starts on a
fresh workspace folder (its sessions read it anew).
Set ``NETCANVAS_SHOTS`` to a folder to keep screenshots of the conflict message.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.canvas_helpers import head, node
from tests.e2e.build_app import app, fresh_workdir, workdir  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


@pytest.fixture
def open_build(app, new_page, app_idle):
    """A new browser session (its own context) on the Build page, once the canvas is drawn."""
    def make():
        page = new_page(app.url)
        page.locator(".nc-root").wait_for()
        node(page, "fc2").wait_for()
        app_idle(page)
        return page
    return make


def saved(workdir: Path, key: str = "digits_cnn") -> dict:
    return json.loads((workdir / "workspace" / "graphs" / f"{key}.json").read_text("utf-8"))


def node_ids(workdir: Path, key: str = "digits_cnn") -> set[str]:
    return {n["id"] for n in saved(workdir, key)["nodes"]}


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def set_out_features(page, app_idle, node_id: str, value: int) -> None:
    page.mouse.click(*head(page, node_id))
    # this node's field (another node's panel may be open: typing there would be lost in the rerun)
    field = page.locator(f'[class*="-{node_id}-out_features"] input').first
    field.wait_for()
    app_idle(page)
    field.fill(str(value))
    field.press("Enter")
    app_idle(page)


def delete_node(page, app_idle, node_id: str) -> None:
    page.mouse.click(*head(page, node_id))
    app_idle(page)
    page.keyboard.press("Delete")
    expect(node(page, node_id)).to_have_count(0)
    app_idle(page)


def shoot(page, name: str) -> None:
    folder = os.environ.get("NETCANVAS_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def test_a_stale_tab_is_told_and_loading_the_other_version_keeps_its_own_as_a_copy(open_build, app_idle, fresh_workdir):
    tab_a, tab_b = open_build(), open_build()
    delete_node(tab_b, app_idle, "relu3")
    wait_until(lambda: "relu3" not in node_ids(fresh_workdir))

    # A, not reloaded, still shows relu3 and edits another node: its save would bring relu3 back.
    set_out_features(tab_a, app_idle, "fc1", 32)
    message = tab_a.get_by_text("was changed in another browser tab")
    expect(message).to_be_visible()
    assert "relu3" not in node_ids(fresh_workdir)                        # B's delete stands
    expect(tab_a.get_by_text("digits_cnn (your edits)").first).to_be_visible()
    shoot(tab_a, "conflict-en.png")

    tab_a.get_by_role("button", name="Load the other tab's version").click()
    expect(message).to_have_count(0)
    expect(node(tab_a, "relu3")).to_have_count(0)                 # A shows B's graph now
    app_idle(tab_a)
    tabs = tab_a.locator(".st-key-tabs_2_0")
    expect(tabs.get_by_text("digits_cnn (your edits)")).to_be_visible()
    mine = saved(fresh_workdir, "digits_cnn_your_edits")
    assert "relu3" in {n["id"] for n in mine["nodes"]}
    assert next(n for n in mine["nodes"] if n["id"] == "fc1")["params"]["out_features"] == 32

    # In step again: A's next edit saves, keeping B's delete.
    set_out_features(tab_a, app_idle, "fc2", 7)
    wait_until(lambda: next(n for n in saved(fresh_workdir)["nodes"] if n["id"] == "fc2")["params"]["out_features"] == 7)
    assert "relu3" not in node_ids(fresh_workdir)


def test_in_chinese_keeping_mine_saves_it_and_keeps_the_other_version_as_a_copy(open_build, app_idle, fresh_workdir):
    tab_a, tab_b = open_build(), open_build()
    tab_a.get_by_text("简体中文").click()
    tab_a.get_by_text("模型概要").wait_for()
    app_idle(tab_a)
    delete_node(tab_b, app_idle, "relu3")
    wait_until(lambda: "relu3" not in node_ids(fresh_workdir))

    set_out_features(tab_a, app_idle, "fc1", 32)
    message = tab_a.get_by_text("已在另一个浏览器标签页中被修改")
    expect(message).to_be_visible()
    shoot(tab_a, "conflict-zh.png")

    tab_a.get_by_role("button", name="保留我的版本").click()
    expect(message).to_have_count(0)
    app_idle(tab_a)
    wait_until(lambda: "relu3" in node_ids(fresh_workdir))               # A's version, knowingly saved
    assert next(n for n in saved(fresh_workdir)["nodes"] if n["id"] == "fc1")["params"]["out_features"] == 32
    theirs = [p for p in (fresh_workdir / "workspace" / "graphs").glob("digits_cnn_*.json")]
    assert [json.loads(p.read_text("utf-8"))["name"] for p in theirs] == ["digits_cnn（来自另一个标签页）"]
    assert "relu3" not in {n["id"] for n in json.loads(theirs[0].read_text("utf-8"))["nodes"]}


def test_undo_after_a_reload_brings_back_the_graph_before_the_edit(open_build, app_idle, fresh_workdir):
    page = open_build()
    set_out_features(page, app_idle, "fc2", 5)
    expect(node(page, "fc2")).to_contain_text("(5,)")
    wait_until(lambda: next(n for n in saved(fresh_workdir)["nodes"] if n["id"] == "fc2")["params"]["out_features"] == 5)

    page.reload()
    page.locator(".nc-root").wait_for()
    expect(node(page, "fc2")).to_contain_text("(5,)")
    app_idle(page)
    undo = page.locator(".st-key-btn_undo button").first
    expect(undo).to_be_enabled()
    undo.click()
    expect(node(page, "fc2")).to_contain_text("(10,)")
    app_idle(page)
    wait_until(lambda: next(n for n in saved(fresh_workdir)["nodes"] if n["id"] == "fc2")["params"]["out_features"] == 10)

    page.reload()                                      # redo survives a reload as well
    page.locator(".nc-root").wait_for()
    app_idle(page)
    page.locator(".st-key-btn_redo button").first.click()
    expect(node(page, "fc2")).to_contain_text("(5,)")
