"""The Data page with the standard sets (AppTest, no browser, no network): cached files show
samples and the official test split; missing files wait for the Download button, whose
progress comes from a local server; offline, the message names the files and the folder."""
from __future__ import annotations

import pytest

from runtime.data import standard
from standard_files import N_TEST, N_TRAIN, FileServer, table_for, write_set
from test_data_page_app import _texts, open_data_page
from ui.literal import md_literal
from ui.workspace import Workspace


def _choose(home, name: str) -> None:
    Workspace(home).set_data_choice(data=name, data_options={})


def test_a_cached_standard_set_shows_samples_and_the_official_test_split(tmp_path, monkeypatch):
    _choose(tmp_path, "mnist")
    at = open_data_page(tmp_path, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test"] == f"{N_TEST:,}" and int(metrics["Training"]) + int(metrics["Validation"]) == N_TRAIN
    assert any("official test set" in t for t in _texts(at))
    assert at.get("plotly_chart")                                   # the sample grid
    assert not [b for b in at.button if b.key == "download_mnist"]


@pytest.fixture
def empty_cache_with_server(tmp_path, monkeypatch):
    source = write_set(tmp_path / "source", "mnist")
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path / "cache"))
    with FileServer({f.name: f.read_bytes() for f in source.iterdir()}) as server:
        monkeypatch.setitem(standard.SETS, "mnist", table_for("mnist", source, server.url))
        yield server, tmp_path / "cache" / "mnist"


def test_missing_files_wait_for_the_download_button_then_the_set_shows(tmp_path, monkeypatch, empty_cache_with_server):
    server, cache = empty_cache_with_server
    _choose(tmp_path / "home", "mnist")
    at = open_data_page(tmp_path / "home", monkeypatch)
    assert server.requests == []                                   # nothing fetched before the button
    assert at.slider(key="data_test").disabled                     # the official test set, known before its files
    assert any(md_literal("train-images-idx3-ubyte.gz") in i.value and md_literal(str(cache)) in i.value
               for i in at.info)
    [button] = [b for b in at.button if b.key == "download_mnist"]
    button.click().run()
    assert not at.exception, at.exception
    assert sorted(p.name for p in cache.iterdir()) == sorted(standard.IDX_NAMES)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test"] == f"{N_TEST:,}"


def test_offline_the_page_shows_which_files_go_where(tmp_path, monkeypatch, empty_cache_with_server):
    server, cache = empty_cache_with_server
    server.__exit__()
    _choose(tmp_path / "home", "mnist")
    at = open_data_page(tmp_path / "home", monkeypatch)
    [button] = [b for b in at.button if b.key == "download_mnist"]
    button.click().run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error if md_literal("t10k-labels-idx1-ubyte.gz") in e.value]
    assert md_literal(str(cache)) in error and "could not be downloaded" in error


def test_the_train_page_fetches_a_missing_set_with_its_progress_before_start(tmp_path, monkeypatch,
                                                                               empty_cache_with_server):
    """Start waits for the files (downloaded on the page with a progress bar, not silently inside the run)."""
    from test_train_page import open_train, start_button
    server, cache = empty_cache_with_server
    home = tmp_path / "home"
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(home))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    _choose(home, "mnist")
    at = open_train()
    assert start_button(at).disabled and server.requests == []
    assert "download them first" in start_button(at).help
    [button] = [b for b in at.button if b.key == "download_mnist"]
    button.click().run()
    assert not at.exception, at.exception
    assert sorted(p.name for p in cache.iterdir()) == sorted(standard.IDX_NAMES)
    assert not start_button(at).disabled and not [b for b in at.button if b.key == "download_mnist"]


def test_a_set_the_graph_does_not_fit_offers_the_templates_made_for_it(tmp_path, monkeypatch):
    """MNIST with the default digits CNN (8x8): the page offers LeNet-5, made for MNIST; one click opens it and fits."""
    _choose(tmp_path, "mnist")
    at = open_data_page(tmp_path, monkeypatch)
    assert any("Does not fit the graph" in e.value for e in at.error)
    [button] = [b for b in at.button if b.key == "open_template_lenet5"]
    assert button.label == "Open the template lenet5"
    button.click().run()
    assert not at.exception, at.exception
    assert at.session_state["workspace"].tab.name == "lenet5"
    assert any("Fits the graph **lenet5**" in s.value for s in at.success)
    assert not [b for b in at.button if b.key and b.key.startswith("open_template_")]


def test_stream_from_disk_is_a_switch_of_the_standard_sets(tmp_path, monkeypatch):
    _choose(tmp_path, "mnist")
    at = open_data_page(tmp_path, monkeypatch)
    assert not [n for n in at.number_input if n.key and n.key.startswith("opt_mnist_seed")]   # files: no seed
    at.toggle(key="opt_mnist_stream").set_value(True).run()
    assert not at.exception, at.exception
    assert at.session_state["workspace"].data_choice()["data_options"] == {"stream": True}
    at.selectbox(key="data_builtin").select("digits").run()
    assert not [t for t in at.toggle if t.key and "stream" in t.key]        # generated sets are in memory anyway
