"""The registry of diagnostic views (ui/train_diagnostics.py) is the one source of the Train page's views:
their labels, which views a run has, the segmented control's options and what each draws."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from builder import i18n, templates
from runtime import runfiles
from runtime import runs
from test_train_page import seed_run
from ui import train_diagnostics
from ui.train_diagnostics import DiagnosticView

APP = str(Path(__file__).resolve().parent / "app_entry.py")   # app.py, with st.navigation from the first run
PAGES = Path(__file__).resolve().parents[1] / "pages"
RUN_FILES = {value for name, value in vars(runfiles).items() if name.isupper() and isinstance(value, str)}


def test_every_view_has_its_words_in_every_language_and_reads_a_run_file():
    names = [view.name for view in train_diagnostics.VIEWS]
    assert len(names) == len(set(names)), names
    for view in train_diagnostics.VIEWS:
        for key in filter(None, (f"trainpage.view.{view.name}", view.waiting)):
            for lang in i18n.LANGS:
                assert i18n.TEXT.get(key, {}).get(lang, "").strip(), f"{key} has no {lang} text"
        assert view.reads in RUN_FILES, (view.name, view.reads)


@pytest.mark.parametrize("mode, written, expected", [
    ("classification", (), ["gradients", "weights", "confusion", "mistakes"]),
    ("classification", (runfiles.BOUNDARY, runfiles.TEST), ["gradients", "weights", "confusion", "mistakes", "boundary", "test"]),
    ("regression", (), ["gradients", "weights"]),
    ("regression", (runfiles.BOUNDARY, runfiles.TEST), ["gradients", "weights", "test"]),
    ("autoencoder", (), ["gradients", "weights", "reconstructions"]),
    ("vae", (runfiles.TEST,), ["gradients", "weights", "reconstructions", "latent", "test"]),
    ("gan", (runfiles.BOUNDARY,), ["gradients", "weights", "generated"]),
    (None, (), ["gradients", "weights"]),
])
def test_the_views_of_each_mode_in_the_order_the_page_offers_them(tmp_path, mode, written, expected):
    for name in written:
        (tmp_path / name).write_bytes(b"")
    assert train_diagnostics.diagnostic_views(mode, tmp_path) == expected


def show_fake(run_dir: Path, version, samples: dict) -> None:
    st.markdown(f"fake view of {run_dir.name}: {samples['fake'].tolist()}")


FAKE = DiagnosticView("fake", reads=runfiles.SAMPLES, draw=show_fake, needs=("fake",), modes=("classification",),
                      only_once_written=True)


def test_diagnostic_views_are_the_registrys_applicable_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(train_diagnostics, "VIEWS", (*reversed(train_diagnostics.VIEWS), FAKE))
    assert train_diagnostics.diagnostic_views("vae", tmp_path) == ["latent", "reconstructions", "weights",
                                                                    "gradients"]
    runfiles.write_npz(tmp_path / runfiles.SAMPLES, recon=np.zeros(3))           # a samples file without the fake's array
    assert "fake" not in train_diagnostics.diagnostic_views("classification", tmp_path)
    runfiles.write_npz(tmp_path / runfiles.SAMPLES, fake=np.arange(3))
    assert train_diagnostics.diagnostic_views("classification", tmp_path) == [
        "mistakes", "confusion", "weights", "gradients", "fake"]
    assert "fake" not in train_diagnostics.diagnostic_views("vae", tmp_path)
    monkeypatch.setattr(train_diagnostics, "VIEWS", ())
    assert train_diagnostics.diagnostic_views("classification", tmp_path) == []


@pytest.mark.parametrize("lang, label", [("en", "A fake view"), ("zh", "假视图")])
def test_a_view_registered_in_the_registry_is_offered_and_drawn(lang, label, tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    monkeypatch.setattr(train_diagnostics, "VIEWS", (*train_diagnostics.VIEWS, FAKE))
    monkeypatch.setitem(i18n.TEXT, "trainpage.view.fake", {"en": "A fake view", "zh": "假视图"})
    run_dir = seed_run(root, templates.load("mlp"), {"data": "digits", "mode": "classification"})
    runfiles.write_npz(run_dir / runfiles.SAMPLES, fake=np.arange(3))

    at = AppTest.from_file(APP, default_timeout=60).run()
    if lang != "en":
        at.segmented_control(key="lang_switch").set_value(lang).run()
    at.switch_page(str(PAGES / "train.py")).run()
    at.session_state["tp_current"] = run_dir.name
    at.run()
    assert not at.exception, at.exception
    control = at.segmented_control(key="tp_diag")
    assert control.options[-1] == label, control.options
    assert len(control.options) == len(train_diagnostics.diagnostic_views("classification", run_dir))
    assert not any("fake view of" in m.value for m in at.markdown)      # offered, not drawn until chosen

    control.set_value("fake").run()
    assert not at.exception, at.exception
    assert f"fake view of {run_dir.name}: [0, 1, 2]" in [m.value for m in at.markdown]


# -- the gradients view: a curve, or a line saying why there is none ----------------------------------
def gradient_record(step: int, hist: bool = False) -> dict:
    entry = {"weight_norm": 1.0 + step, "grad_norm": 0.1 * (step + 1)}
    if hist:
        entry.update(weight_hist={"counts": [1, 2], "lo": -1.0, "hi": 1.0}, grad_hist={"counts": [2, 1], "lo": -0.1, "hi": 0.1})
    return {"step": step, "epoch": 0, "model": "model", "layers": {"fc1": entry, "fc2": dict(entry)}}


def open_gradients(tmp_path, monkeypatch, stats: list[dict], lang: str = "en") -> AppTest:
    root = tmp_path / "runs"
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    run_dir = seed_run(root, templates.load("mlp"), {"data": "digits", "mode": "classification", "snapshot_seconds": 2.5})
    for record in stats:
        runfiles.append_jsonl(run_dir / runfiles.STATS, record)
    at = AppTest.from_file(APP, default_timeout=60).run()
    if lang != "en":
        at.segmented_control(key="lang_switch").set_value(lang).run()
    at.switch_page(str(PAGES / "train.py")).run()
    at.session_state["tp_current"] = run_dir.name
    at.session_state["tp_diag"] = "gradients"
    at.run()
    assert not at.exception, at.exception
    return at


def drawn_charts(at) -> str:
    return " ".join(str(el.proto) for el in at.get("bidi_component"))


def test_gradients_with_one_record_say_why_there_is_no_curve(tmp_path, monkeypatch):
    at = open_gradients(tmp_path, monkeypatch, [gradient_record(0, hist=True)])
    captions = " ".join(c.value for c in at.caption)
    assert "Too little to draw a curve" in captions and "this run has 1 so far" in captions, captions
    assert "Train for more steps" in captions
    assert "plot_tp_norms_grad" not in drawn_charts(at)
    assert not at.selectbox(key="tp_hist_layer_grad").value is None     # its one histogram is drawn


def test_gradients_without_a_histogram_say_when_one_comes(tmp_path, monkeypatch):
    at = open_gradients(tmp_path, monkeypatch, [gradient_record(step) for step in (1, 2, 3)], lang="zh")
    captions = " ".join(c.value for c in at.caption)
    assert "还没有记录梯度分布" in captions and "每 2.5 秒" in captions, captions
    assert "数据太少" not in captions       # three norm records: a curve
    assert "plot_tp_norms_grad" in drawn_charts(at)
    assert not [w for w in at.selectbox if w.key == "tp_hist_layer_grad"]
