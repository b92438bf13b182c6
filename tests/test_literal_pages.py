"""Every page shows user text as text: names, descriptions, node ids, columns, classes and run
labels reach Streamlit's markdown only through ``ui.literal.md_literal`` (AppTest, no browser;
tests/e2e/test_hostile_text_browser.py checks what the browser then does)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from runtime.config import TrainConfig
from tests.hostile import (BAD_ID, BAD_TYPE, CLASSES, COLUMNS, DESCRIPTION, IMAGE, LABEL, NAME, OTHER, hostile_csv,
                           hostile_run, hostile_workspace, tabular_graph)
from tests.shown import skeleton
from tests.test_train_page import seed_run
from ui.literal import md_literal
from ui.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "tests" / "app_entry.py")
PAGES = ROOT / "pages"



@pytest.fixture
def home(tmp_path, monkeypatch):
    """The hostile workspace (Build's current graph: the broken one) and an empty runs folder."""
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    from runtime import runs
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    ws, _ = hostile_workspace(tmp_path / "ws")
    ws.select(2)
    return tmp_path


def open_page(name: str | None = None, focus: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if focus:
        at.session_state["focus_node"] = focus
    at.run()
    if name:
        at.switch_page(str(PAGES / f"{name}.py")).run()
    assert not at.exception, at.exception
    return at


def texts(at, *kinds) -> list[str]:
    return [str(getattr(el, "value", "")) for kind in kinds for el in getattr(at, kind)]


def select(home: Path, index: int) -> None:
    Workspace(home / "ws").select(index)


# -- Build ----------------------------------------------------------------------------------------------
def test_build_shows_graph_names_and_description_literally(home):
    select(home, 1)
    at = open_page()
    [switcher] = [s for s in at.segmented_control if s.key and s.key.startswith("tabs_")]
    assert switcher.options == [md_literal("digits_cnn"), md_literal(NAME), md_literal(OTHER)]
    assert md_literal(DESCRIPTION, multiline=True) in texts(at, "caption")


def test_build_shows_node_ids_and_types_in_errors_literally(home):
    at = open_page(focus="n1")                      # the broken graph is the current tab
    labels = [b.label for b in at.button if b.key and b.key.startswith("err_")]            # errors on a node
    labels += [m.value for m in at.markdown if m.value.startswith(":material/error:")]     # about the graph
    assert labels and not any("<" in skeleton(label) or "](" in skeleton(label) for label in labels)
    assert any(md_literal(json.dumps(BAD_ID)) in label for label in labels)     # the id, as the error quotes it
    assert any(md_literal(BAD_TYPE) in w for w in texts(at, "warning"))          # the property panel's warning


# -- Data -----------------------------------------------------------------------------------------------
def test_data_page_shows_the_graph_name_and_csv_columns_literally(home):
    select(home, 1)
    at = open_page("data")
    at.segmented_control(key="data_source").set_value("upload").run()
    at.file_uploader(key="data_file").upload("hostile.csv", hostile_csv(), "text/csv").run()
    assert not at.exception, at.exception
    assert at.session_state["workspace"].data_choice()["upload_options"]["target"] == "label"
    fit = " ".join(texts(at, "success", "error", "warning"))
    assert f"**{md_literal(NAME)}**" in fit and NAME not in fit
    plan = " ".join(texts(at, "caption"))
    assert all(md_literal(c) in plan for c in COLUMNS) and not any(c in plan for c in COLUMNS)


# -- Train ----------------------------------------------------------------------------------------------
def test_train_page_shows_run_labels_and_errors_literally(home):
    root = home / "runs"
    graph = tabular_graph(NAME, DESCRIPTION)
    seed_run(root, graph, TrainConfig().to_dict(), label=LABEL, run_id="20260101-000001-aaaa")
    seed_run(root, graph, TrainConfig().to_dict(), label=LABEL, state="failed", run_id="20260101-000002-bbbb",
             error={"message": f"crashed on {IMAGE}"})
    at = open_page("train")
    markdown = texts(at, "markdown")
    assert any(m.startswith(f"#### :material/error: {md_literal(LABEL)} <small") for m in markdown)     # header
    assert f"**{md_literal(LABEL)}** · " in " ".join(markdown)                                         # run card
    assert any(md_literal(LABEL) in m and "Delete" in m for m in markdown)                            # confirm
    assert any(md_literal(f"crashed on {IMAGE}") in e for e in texts(at, "error"))
    assert not any(IMAGE in m or "![r]" in m for m in markdown + texts(at, "error"))


def test_train_setup_names_a_broken_graph_literally(home):
    at = open_page("train")                         # the broken graph is Build's current one
    problem = md_literal(OTHER)
    assert any(problem in e and "cannot be trained" in e for e in texts(at, "error"))
    assert problem in at.button(key="tp_start").help


# -- Export ---------------------------------------------------------------------------------------------
@pytest.fixture
def tabular_run(home):
    """A run trained briefly on the hostile CSV, in the runs folder the Export page reads."""
    [upload] = (home / "ws" / "uploads").glob("*/hostile.csv")
    return hostile_run(home / "runs", upload)


def test_try_the_model_labels_features_and_classes_literally(home, tabular_run):
    select(home, 1)
    at = open_page("export")
    assert at.selectbox(key="export_source").value == tabular_run.name
    labels = [w.label for w in at.number_input if w.key and w.key.startswith("feat_")]
    assert labels == [md_literal(c) for c in COLUMNS]
    [prediction] = [m for m in texts(at, "markdown") if m.startswith("**Prediction:")]
    assert any(md_literal(c) in prediction for c in CLASSES) and not any(c in prediction for c in CLASSES)
