"""The Train page on real (tiny) runs of each mode: every diagnostic view draws, in English and Chinese.

Each run trains for a few steps in this process (``runtime.train.train`` with a run
folder), so the files are exactly what the trainer writes; the page is AppTest.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from graphs import chain
from runtime import runfiles
from runtime import runs
from ui import train_diagnostics
from trained_runs import trained_run

APP = str(Path(__file__).resolve().parent / "app_entry.py")   # app.py, with st.navigation from the first run
PAGES = Path(__file__).resolve().parents[1] / "pages"

MOONS_MLP = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 2}),
                  input_shape=(2,), name="moons")

CASES = {   # graph (or template), discriminator, config
    "classification": ("mlp", None, {"data": "digits", "epochs": 2, "batch_size": 128, "test_split": 0.2}),
    "boundary": (MOONS_MLP, None, {"data": "moons", "epochs": 2, "batch_size": 128, "test_split": 0.2}),
    "vae": ("vae", None, {"data": "digits", "epochs": 1, "max_steps": 6}),
    "gan": ("gan_generator", "gan_discriminator", {"data": "digits", "epochs": 1, "max_steps": 6, "mode": "gan"}),
}


def finished_run(root: Path, mode: str) -> Path:
    tpl, disc, cfg = CASES[mode]
    graph = templates.load(tpl) if isinstance(tpl, str) else tpl
    d = templates.load(disc) if disc else None
    return trained_run(root, dict(cfg, snapshot_seconds=0.2, log_points_per_epoch=4), graph, d, label=mode)


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for mode in CASES:
        finished_run(root, mode)
        time.sleep(1.1)     # run ids are per second
    return root


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(CASES))
def test_every_diagnostic_view_draws(mode, runs_root, tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(runs_root))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    run_id = next(r.id for r in runs.list_runs(runs_root) if r.job["label"] == mode)
    for lang in ("en", "zh"):
        at = AppTest.from_file(APP, default_timeout=60).run()
        if lang == "zh":
            at.segmented_control(key="lang_switch").set_value("zh").run()
        at.switch_page(str(PAGES / "train.py")).run()
        at.session_state["tp_current"] = run_id
        at.run()
        assert not at.exception, at.exception
        if lang == "zh":    # the device the run used, in Chinese too
            assert any("个线程）" in m.value for m in at.markdown), [m.value for m in at.markdown][:5]
        status = runfiles.read_json(runs_root / run_id / runfiles.STATUS)
        views = train_diagnostics.diagnostic_views(status["mode"], runs_root / run_id)
        if mode == "boundary":
            assert "boundary" in views
        assert ("test" in views) == (mode in ("classification", "boundary"))
        assert len(at.segmented_control(key="tp_diag").options) == len(views)
        for view in views:
            at.session_state["tp_diag"] = view
            at.run()
            assert not at.exception, (mode, lang, view, at.exception)
            assert not at.error, [e.value for e in at.error]
            charts = [el for el in at.get("bidi_component")] + [el for el in at.get("plotly_chart")]
            assert charts, (mode, view)
            if view == "test":      # the scores, the per-class report, and for two classes the ROC curve
                labels = [m.label for m in at.metric]
                assert ("Test accuracy" if lang == "en" else "测试准确率") in labels, labels
                assert at.dataframe, (mode, lang)
                rocs = [el for el in at.get("bidi_component") if "ROC" in str(el.proto)]
                assert bool(rocs) == (mode == "boundary"), mode
