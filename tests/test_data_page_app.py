"""The Data page driven by Streamlit's AppTest (no browser): every choice it offers ends up
in the workspace's data choice, a bad upload changes nothing, and the fit check speaks."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from runtime.data.audio_augment import AUDIO_AUGMENTATIONS
from runtime.data.augment import AUGMENTATIONS
from tests.shown import shown
from ui.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
BAD_CSV = b"a,b\n1,2\n\x00\x01\x02\x00"
GOOD_CSV = b"x1,x2,kind\n" + b"\n".join(f"{i % 9},{(i * 7) % 5},{'pq'[i % 2]}".encode() for i in range(40))


def _texts(at) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "error", "success", "warning", "info", "metric", "subheader"):
        for el in getattr(at, kind):
            out.append(str(getattr(el, "value", "")) + " " + str(getattr(el, "label", "")))
    return out


def open_data_page(home: Path, monkeypatch, lang: str | None = None) -> AppTest:
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(home))
    if lang:
        home.mkdir(parents=True, exist_ok=True)
        (home / "session.json").write_text(json.dumps({"lang": lang}))
    at = AppTest.from_file(str(ROOT / "tests" / "app_entry.py"), default_timeout=30)
    at.run()
    at.switch_page(str(ROOT / "pages" / "data.py"))
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at, label: str) -> AppTest:
    """Open one of the page's tabs (only the open tab's content is built), as a click on it does."""
    at.session_state["data_tab"] = label
    return at.run()


def choice(at) -> dict:
    return at.session_state["workspace"].data_choice()


def saved(home: Path) -> dict:
    return json.loads((home / "session.json").read_text())["data"]


def test_default_graph_fits_the_default_data(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    assert choice(at)["data"] == "digits" and saved(tmp_path) == {}      # viewing chooses nothing
    assert "Fits the graph **digits_cnn**" in at.success[0].value
    assert "1×8×8" in at.success[0].value and "10 classes" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Samples"] == "1,797" and metrics["Training"] == "1,438" and metrics["Validation"] == "359"
    assert at.get("plotly_chart"), "the sample grid is drawn"


def test_choosing_iris_is_stored_and_does_not_fit_the_default_graph(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    at.selectbox(key="data_builtin").select("iris").run()
    assert not at.exception
    assert choice(at)["data"] == "iris" and saved(tmp_path)["data"] == "iris"
    message = shown(at.error[0].value)
    assert "Does not fit" in message and "(4,)" in message and "(1, 8, 8)" in message
    assert "Set the Input's shape to 4" in message
    assert any(link.label.startswith("Change the graph") for link in at.get("page_link"))
    assert at.dataframe, "a table for tabular data"


def test_generator_options_are_stored_and_a_bad_one_changes_nothing(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    at.selectbox(key="data_builtin").select("moons").run()
    at.slider(key="opt_moons_noise").set_value(0.3).run()
    assert choice(at)["data_options"] == {"noise": 0.3}
    at.selectbox(key="data_builtin").select("dna").run()
    assert choice(at)["data_options"] == {}
    at.text_input(key="opt_dna_motif").input("HELLO").run()
    assert not at.exception and choice(at) ["data_options"] == {}
    assert any("HELLO" in e.value for e in at.error)


def test_split_and_label_noise_are_stored(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    at.slider(key="data_val").set_value(30).run()
    at.slider(key="data_test").set_value(10).run()
    at.slider(key="data_noise").set_value(20).run()
    c = choice(at)
    assert (c["val_split"], c["test_split"], c["label_noise"]) == (0.3, 0.1, 0.2)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Training"], metrics["Validation"], metrics["Test"]) == ("1,078", "539", "180")
    assert any("216 of the 1,078 training labels" in c.value for c in at.caption)


def test_augmentation_settings_are_stored_and_previewed(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    open_tab(at, "Augmentation")
    at.slider(key="aug_rotation").set_value(30.0).run()
    at.slider(key="aug_noise").set_value(0.1).run()
    assert choice(at)["augment"] == {"rotation": 30.0, "noise": 0.1}
    charts = at.get("plotly_chart")
    assert len(charts) == 2, "the open tab's figures: before and after"
    at.button(key="aug_reset").click().run()
    assert choice(at)["augment"] == {}


def test_only_the_open_tab_is_built(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    [grid] = at.get("plotly_chart")                                  # Samples: the grid alone
    assert not [s for s in at.slider if s.key and s.key.startswith("aug_")]
    open_tab(at, "Classes and split")
    [balance] = at.get("plotly_chart")
    assert balance.proto.spec != grid.proto.spec and "Samples per class" in balance.proto.spec
    open_tab(at, "Augmentation")
    assert len([s for s in at.slider if s.key and s.key.startswith("aug_")]) == len(AUGMENTATIONS) - len(AUDIO_AUGMENTATIONS)
    at.selectbox(key="data_builtin").select("iris").run()           # no Augmentation tab: back to Samples
    assert not at.exception and at.dataframe and not at.get("plotly_chart")


def test_a_bad_csv_is_a_message_and_the_previous_choice_stays(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch)
    at.selectbox(key="data_builtin").select("wine").run()
    before = choice(at)
    at.segmented_control(key="data_source").set_value("upload").run()
    assert choice(at) == before
    at.file_uploader(key="data_file").upload("broken.csv", BAD_CSV, "text/csv").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Could not use that file" in errors and "cannot be read as a CSV table" in errors
    assert choice(at) == before and not list((tmp_path / "uploads").glob("*/*"))
    assert any("training still uses wine" in c.value for c in at.caption)

    at.file_uploader(key="data_file").clear().upload("points.csv", GOOD_CSV, "text/csv").run()
    c = choice(at)
    assert c["upload"] and c["upload"].endswith("points.csv") and c["upload_options"]["target"] == "kind"
    assert not [e for e in at.error if "Could not use" in e.value]
    key = Path(c["upload"]).parent.name
    at.selectbox(key=f"csv_target_{key}").select("x1").run()
    assert choice(at)["upload_options"]["target"] == "x1"
    at.segmented_control(key="data_source").set_value("builtin").run()
    assert choice(at)["upload"] is None and choice(at)["data"] == "wine"


def test_chinese_page_has_no_untranslated_keys(tmp_path, monkeypatch):
    at = open_data_page(tmp_path, monkeypatch, lang="zh")
    texts = " ".join(_texts(at))
    assert "数据集" in texts and "训练集" in texts and "匹配" in texts
    assert "datapage." not in texts


# -- the warm-up: the Data page's imports and data, in the background, once per server process ----------
@pytest.fixture
def counted_builds(monkeypatch):
    """What is built from now on: {"summaries": [set names], "grids": [image grid titles]} (the
    page's caches emptied first, after the warm-up an earlier test's app started)."""
    from ui import data_preview
    from ui import data_warmup
    data_warmup.finished(timeout=60)
    built = {"summaries": [], "grids": []}
    summarize, mosaic = data_preview.builtin_view, data_preview.figures.image_mosaic

    def counted_summary(name, options=None):
        built["summaries"].append(name)
        return summarize(name, options)

    def counted_mosaic(images, titles=None, **kw):
        built["grids"].append(list(titles or []))
        return mosaic(images, titles, **kw)
    monkeypatch.setattr(data_preview, "builtin_view", counted_summary)
    monkeypatch.setattr(data_preview.figures, "image_mosaic", counted_mosaic)
    data_preview._builtin_view.clear()
    data_preview._image_grid.clear()
    yield built
    data_preview._builtin_view.clear()
    data_preview._image_grid.clear()


def test_a_session_after_the_warm_up_builds_neither_the_summary_nor_the_grid(tmp_path, monkeypatch, counted_builds):
    from ui import data_warmup
    data_warmup.warm_up({"data": "digits", "data_options": {}})
    assert counted_builds["summaries"] == ["digits"] and len(counted_builds["grids"]) == 1
    at = open_data_page(tmp_path / "first", monkeypatch)
    assert "Fits the graph **digits_cnn**" in at.success[0].value
    [grid] = at.get("plotly_chart")
    assert grid.proto.spec.count('"text":"0"') >= 3                  # the classes in turn: 24 digits, 0-9
    open_data_page(tmp_path / "second", monkeypatch)
    assert counted_builds["summaries"] == ["digits"] and len(counted_builds["grids"]) == 1, \
        "each session found what the warm-up built"


def test_the_app_starts_one_warm_up_per_process_for_the_sessions_data(tmp_path, monkeypatch):
    from ui import data_warmup
    choices = []
    monkeypatch.setattr(data_warmup, "_thread", None)
    monkeypatch.setattr(data_warmup, "warm_up", choices.append)
    Workspace(tmp_path).set_data_choice(data="moons", data_options={"noise": 0.3})
    open_data_page(tmp_path, monkeypatch)
    assert data_warmup.finished(timeout=10)
    assert [(c["data"], c["data_options"]) for c in choices] == [("moons", {"noise": 0.3})]
    assert not data_warmup.start_once({"data": "iris"})


def test_the_warm_up_waits_until_no_run_has_started_for_a_while(monkeypatch):
    from ui import data_warmup
    started = []
    monkeypatch.setattr(data_warmup, "_thread", None)
    monkeypatch.setattr(data_warmup, "QUIET_S", 0.4)
    monkeypatch.setattr(data_warmup, "warm_up", lambda choice: started.append(time.monotonic()))
    data_warmup.touch()
    assert data_warmup.start_once({"data": "iris"})
    for _ in range(6):                      # a user at work: a run every 0.2 s
        time.sleep(0.2)
        data_warmup.touch()
        last = time.monotonic()
    assert not started, "the warm-up's imports would hold the runs of a user at work"
    assert data_warmup.finished(timeout=5)
    assert started[0] - last >= 0.4 - 0.01  # once they paused


def test_a_warm_up_on_a_set_that_does_not_load_leaves_it_to_the_page(counted_builds):
    from ui import data_warmup
    data_warmup.warm_up({"data": "no such set", "data_options": {}})
    data_warmup.warm_up({"data": "", "upload": "/nowhere/gone.csv", "upload_options": {}})
    assert counted_builds == {"summaries": ["no such set"], "grids": []}


# -- the Plotly bundle, preloaded by the browser (ui/plotly_preload.py) --------------------------------
def test_the_plotly_bundle_is_found_beside_streamlits_own_scripts():
    from ui.plotly_preload import plotly_bundle
    bundle = plotly_bundle()
    assert bundle and bundle.startswith("PlotlyChart.") and bundle.endswith(".js")
    scripts = Path(__import__("streamlit").__file__).parent / "static" / "static" / "js"
    assert (scripts / bundle).is_file() and list(scripts.glob("index.*.js"))


def test_a_session_asks_the_browser_for_the_plotly_bundle_once(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "tests" / "app_entry.py"), default_timeout=30)

    def asked() -> int:
        return len([c for c in at.run().get("bidi_component") if c.key == "plotly_preload"])
    first = asked()
    at.switch_page(str(ROOT / "pages" / "data.py"))
    assert first + asked() + asked() == 1


def test_a_data_set_brings_its_own_validation_share_and_augmentation(tmp_path, monkeypatch):
    """CIFAR-10 trains with its standard crop and flip and a 10% validation share (runtime.config); the
    page's sliders follow a change of data set, and what the user set stays theirs."""
    at = open_data_page(tmp_path, monkeypatch)
    open_tab(at, "Augmentation")
    at.selectbox(key="data_builtin").select("cifar10").run()
    assert not at.exception
    assert choice(at)["augment"] == {"pad_crop": 4.0, "hflip": 0.5} and choice(at)["val_split"] == 0.1
    assert at.slider(key="data_val").value == 10
    open_tab(at, "Augmentation")
    assert at.slider(key="aug_pad_crop").value == 4.0 and at.slider(key="aug_hflip").value == 0.5
    assert choice(at)["augment"] == {"pad_crop": 4.0, "hflip": 0.5}      # drawing the sliders changed nothing
    at.selectbox(key="data_builtin").select("mnist").run()
    assert choice(at)["augment"] == {} and choice(at)["val_split"] == 0.1
    at.slider(key="data_val").set_value(30).run()
    at.selectbox(key="data_builtin").select("digits").run()
    assert choice(at)["val_split"] == 0.3 and at.slider(key="data_val").value == 30    # the user's own value stays
