"""The Data page of the real app in headless Chromium on MNIST: the tiny official-format files
the test session places in NETCANVAS_DATA (tests/conftest.py) show as samples, with the
official test set as the test split; the app inherits NETCANVAS_DATA and never downloads."""
from __future__ import annotations

import pytest

from conftest import netcanvas_app, open_data_page
from standard_files import N_TEST, N_TRAIN
from ui.workspace import Workspace

pytestmark = pytest.mark.e2e


def test_mnist_samples_from_placed_files(streamlit_app, browser, app_idle, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist_app")
    Workspace(folder / "workspace").set_data_choice(data="mnist", data_options={})
    app = netcanvas_app(streamlit_app, folder)
    context, page = open_data_page(browser, app.url)
    try:
        page.locator("h4").filter(has_text="mnist").wait_for()
        page.wait_for_function("""() => document.querySelectorAll('[data-testid="stPlotlyChart"] g.annotation').length >= 24""")
        assert page.get_by_text(f"24 of {N_TRAIN + N_TEST} images").is_visible()
        test_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Test")
        assert test_metric.inner_text().split()[-1] == str(N_TEST)
        assert page.get_by_text("The official test set").is_visible()
        assert page.get_by_text("are not in the data cache folder").count() == 0   # no download panel: files in place
    finally:
        context.close()
