"""The Export page's Compress tab (AppTest, no browser): compress a trained digits MLP with dynamic
int8, read the before/after table, find the new run exportable; a refusal is a message."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from runtime import runs
from tests.shown import shown
from tests.trained_runs import trained_run

APP = str(Path(__file__).resolve().parent / "app_entry.py")
PAGES = Path(__file__).resolve().parents[1] / "pages"
pytestmark = pytest.mark.slow
SOURCE = "20260101-000001-aaaa"


@pytest.fixture
def at(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    trained_run(tmp_path / "runs", {"data": "digits", "epochs": 3}, templates.load("mlp"), label="mlp", run_id=SOURCE)
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()
    app.switch_page(str(PAGES / "export.py")).run()
    assert not app.exception, app.exception
    app.selectbox(key="export_source").set_value(SOURCE).run()
    return app


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_dynamic_int8_shows_smaller_bytes_and_the_new_run_exports(at, tmp_path):
    at.radio(key="cmp_quantize").set_value("dynamic").run()
    at.button(key="cmp_start").click().run()
    assert not at.exception, at.exception
    [done] = [s.value for s in at.success]
    new_id = re.search(r"\d{8}-\d{6}-\w{4}", done).group(0)
    assert (tmp_path / "runs" / new_id / "model_int8.pt").is_file()
    table = at.table[0].value
    rows = {row["Measure"]: row for row in table.to_dict("records")}
    bytes_row = rows["bytes of the saved weights"]
    assert _number(bytes_row["after"]) <= 0.35 * _number(bytes_row["before"])
    assert _number(rows["parameters"]["after"]) == _number(rows["parameters"]["before"])
    at.selectbox(key="export_source").set_value(new_id).run()        # the compressed run is exportable
    assert not at.exception and not at.error
    assert any(SOURCE in shown(c.value) for c in at.caption)        # "a compression of run ..."
    assert at.table[0].value.shape[0] == 5


def test_static_quantization_of_an_mlp_is_a_message(at):
    at.radio(key="cmp_quantize").set_value("static").run()
    at.button(key="cmp_start").click().run()
    assert not at.exception
    assert any("static quantization is for conv nets" in e.value for e in at.error)
