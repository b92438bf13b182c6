"""The Export page's Compress tab in a real browser: compress a trained digits MLP with dynamic int8
and read the before/after table, the bytes smaller; the compressed run is then a pick to export."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from builder import templates
from tests.e2e.conftest import netcanvas_app, open_export_page
from tests.trained_runs import trained_run

pytestmark = pytest.mark.e2e
SOURCE = "20260101-000001-aaaa"


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("compress_page")
    trained_run(root / "runs", {"data": "digits", "epochs": 3}, templates.load("mlp"), label="mlp", run_id=SOURCE)
    return netcanvas_app(streamlit_app, root)


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_compress_a_digits_mlp_with_dynamic_int8(app, new_page, app_idle):
    page = open_export_page(new_page, app.url)
    expect(page.get_by_role("combobox", name="What to export")).to_have_value(re.compile(SOURCE))
    page.get_by_role("tab", name="Compress").click()
    page.get_by_text("dynamic (Linear layers)").click()
    app_idle(page)
    page.get_by_role("button", name="Compress").click()
    done = page.get_by_text(re.compile(r"Compressed run \d{8}-\d{6}-\w{4} written"))
    expect(done).to_be_visible(timeout=180_000)
    row = page.get_by_test_id("stTableStyledTable").locator("tr").filter(has_text="bytes of the saved weights")
    expect(row).to_have_count(1)
    cells = row.locator("td, th").all_inner_texts()      # measure, before, after, after / before
    before, after = (_number(c) for c in cells[-3:-1])
    assert after <= 0.35 * before, cells
    expect(page.get_by_text("Share of zero weights per layer")).to_be_visible()
    new_id = re.search(r"\d{8}-\d{6}-\w{4}", done.inner_text()).group(0)
    page.get_by_role("combobox", name="What to export").click()
    expect(page.get_by_role("option", name=re.compile(new_id))).to_be_visible()
