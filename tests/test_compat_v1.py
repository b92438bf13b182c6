"""Version 1 files keep working: graph files, run folders and a saved workspace made by earlier code.

The files in tests/fixtures/v1 were written once, by the code of their day (their README says
how), and are never regenerated: a change that breaks reading them fails here. Each test works
on a copy in tmp_path, since continuing a run, or the app opening a workspace, writes.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from builder.codegen import compile_graph
from builder.graph import parse, read_document, write_document
from builder.shapes import check
from runtime import checkpoint, runs
from runtime import runfiles
from runtime.config import TrainConfig
from runtime.export.common import find_checkpoint
from ui import train_config
from ui import train_diagnostics
from ui.workspace import Workspace
from tests.inproc import run_main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "v1"
GRAPHS = FIXTURES / "graphs"
EXPECTED = json.loads((GRAPHS / "expected.json").read_text("utf-8"))
APP = str(Path(__file__).resolve().parent / "app_entry.py")
PAGES = ROOT / "pages"

OLD_RUN = "20261129-212203-a0d6"       # commit dd6a611, started as the app starts runs (runs.start)
NEW_RUN = "20261129-212133-b4d1"       # commit b4d1b17, python -m runtime train
OLD_CLI_RUN = FIXTURES / "cli_runs" / "20261129-212113-a0d6"   # dd6a611's CLI: no job.json
RUN_DIRS = {"old": FIXTURES / "runs" / OLD_RUN, "new": FIXTURES / "runs" / NEW_RUN, "old_cli": OLD_CLI_RUN}
EPOCHS = 5                             # each fixture run trained 5 epochs of an MLP on iris


@pytest.fixture
def runs_root(tmp_path) -> Path:
    root = tmp_path / "runs"
    shutil.copytree(FIXTURES / "runs", root)
    return root


@pytest.fixture
def workspace_home(tmp_path) -> Path:
    home = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "workspace", home)
    return home


# -- graph files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_graph_file_checks_compiles_and_counts_as_recorded(name):
    doc = read_document((GRAPHS / name).read_bytes())
    result = check(doc)
    assert result.ok, [e.message() for e in result.errors]
    recorded = EXPECTED[name]
    assert result.total_params == recorded["params"]
    assert result.to_json()["shapes"] == recorded["shapes"]
    model = compile_graph(result.graph, result).build()
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == recorded["params"]


def test_layout_keys_of_a_canvas_graph_survive_a_round_trip():
    doc = read_document((GRAPHS / "two_branch.json").read_bytes())
    graph, errors = parse(doc)
    assert errors == []
    again = json.loads(write_document(graph))
    assert again["uiView"] == doc["uiView"]
    assert [n.get("pos") for n in again["nodes"]] == [n["pos"] for n in doc["nodes"]]
    assert next(n for n in again["nodes"] if n["id"] == "norm")["uiNote"] == "features of the raw pixels"


# -- run folders ----------------------------------------------------------------------------------
@pytest.mark.parametrize("which", sorted(RUN_DIRS))
def test_a_stored_config_reads_as_this_version(which):
    saved = runfiles.read_json(RUN_DIRS[which] / "config.json")
    cfg = TrainConfig.from_saved(saved)
    assert (cfg.data, cfg.epochs, cfg.batch_size, cfg.test_split) == ("iris", EPOCHS, 16, 0.2)
    if which.startswith("old"):    # version 1: no version key, and GAN's label smoothing 0.1 written for all
        assert "version" not in saved and saved["label_smoothing"] == 0.1
        assert "label_smoothing" not in cfg.model_fields_set and cfg.resolved("classification").label_smoothing == 0.0


@pytest.mark.parametrize("which", sorted(RUN_DIRS))
@pytest.mark.parametrize("file", ["checkpoint_last.pt", "checkpoint_best.pt"])
def test_a_checkpoint_loads_into_the_model_of_its_graph(which, file):
    payload = checkpoint.load(RUN_DIRS[which] / file)
    assert payload["format"] == "netcanvas.checkpoint" and payload["version"] == 1
    assert payload["class_names"] == ["setosa", "versicolor", "virginica"] and payload["mode"] == "classification"
    TrainConfig.from_saved(payload["config"])
    result = check(payload["graph"])
    model = compile_graph(result.graph, result).build()
    model.load_state_dict(payload["state_dict"])            # strict: every key, every shape


def test_list_runs_reads_the_old_and_the_new_run(runs_root):
    listed = {r.id: r for r in runs.list_runs(runs_root)}
    assert set(listed) == {OLD_RUN, NEW_RUN}
    for run in listed.values():
        assert run.state == "finished"
        assert run.summary["epochs"] == EPOCHS and run.summary["mode"] == "classification"
        assert TrainConfig.from_saved(run.config).data == "iris"
    assert listed[OLD_RUN].label == "iris mlp (dd6a611)"
    assert "version" not in listed[OLD_RUN].config


@pytest.mark.slow
@pytest.mark.parametrize("run_id", [OLD_RUN, NEW_RUN], ids=["old", "new"])
def test_a_run_continues_for_one_more_epoch(runs_root, run_id):
    run_dir = runs_root / run_id
    runs.continue_run(run_dir, epochs=EPOCHS + 1)
    status = runs.wait(run_dir, timeout=300)
    assert status["state"] == "finished", (status, (run_dir / "log.txt").read_text()[-2000:])
    records, _ = runfiles.read_jsonl(run_dir / "metrics.jsonl")
    epochs = [r["epoch"] for r in records if r.get("kind") == "epoch"]
    assert epochs[-1] == EPOCHS + 1 and epochs.count(EPOCHS + 1) == 1
    assert runfiles.read_json(run_dir / "summary.json")["epochs"] == EPOCHS + 1
    assert checkpoint.load(run_dir / "checkpoint_last.pt")["epoch"] == EPOCHS + 1
    TrainConfig.from_saved(runfiles.read_json(run_dir / "job.json")["config"])


@pytest.mark.slow
@pytest.mark.parametrize("which", sorted(RUN_DIRS))
def test_a_run_exports_and_the_bundled_model_loads_its_weights(which, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(RUN_DIRS[which], run_dir)
    out = tmp_path / "out"
    out.mkdir()
    args = [str(run_dir), "--zip", str(out / "run.zip"), "--script", str(out / "train.py")]
    if which == "new":      # python -m runtime.export's own process; the older folders' point is their format
        proc = subprocess.run([sys.executable, "-m", "runtime.export", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    else:
        from runtime.export.__main__ import main
        proc = run_main(main, args, capsys)
    assert proc.returncode == 0, proc.stderr[-2000:]
    compile((out / "train.py").read_text("utf-8"), "train.py", "exec")
    with zipfile.ZipFile(out / "run.zip") as zf:
        zf.extractall(out / "bundle")
    model = _bundled_model(out / "bundle" / "model.py")
    model.load_state_dict(torch.load(out / "bundle" / "weights.pt", weights_only=True))
    exported = checkpoint.load(find_checkpoint(run_dir))["state_dict"]
    assert model.state_dict().keys() == exported.keys()
    assert all(torch.equal(model.state_dict()[k], exported[k]) for k in exported)


def _bundled_model(path: Path) -> nn.Module:
    spec = importlib.util.spec_from_file_location("compat_bundled_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == module.__name__]
    assert len(classes) == 1, classes
    return classes[0]()


# -- the app --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_train_page_draws_the_old_and_the_new_run(runs_root, tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("NETCANVAS_RUNS", str(runs_root))
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "train.py")).run()
    for run_id in (OLD_RUN, NEW_RUN):
        at.session_state["tp_current"] = run_id
        at.run()
        views = train_diagnostics.diagnostic_views("classification", runs_root / run_id)
        assert {"weights", "gradients", "confusion"} <= set(views), views
        for view in views:
            at.session_state["tp_diag"] = view
            at.run()
            assert not at.exception, (run_id, view, at.exception)
            assert not at.error, (run_id, view, [e.value for e in at.error])
            charts = list(at.get("bidi_component")) + list(at.get("plotly_chart"))
            assert charts, (run_id, view)


def test_the_saved_workspace_restores_its_tabs_and_settings(workspace_home):
    ws = Workspace(workspace_home)
    assert [t.key for t in ws.tabs] == ["digits_cnn", "two_branch_digits", "gan_generator", "gan_discriminator"]
    assert ws.active == 1 and ws.lang == "zh"
    assert ws.data_choice()["data"] == "digits" and ws.data_choice()["val_split"] == 0.25
    assert ws.train_mode() == "classification"
    values = train_config.restore_values("classification", ws.train_values("classification"))
    assert (values["epochs"], values["lr"]) == (3, 0.003)
    for tab in ws.tabs:
        assert check(tab.doc).ok, tab.key


def test_the_build_page_opens_the_saved_workspace(workspace_home, tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(workspace_home))
    monkeypatch.setenv("NETCANVAS_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    tabs = next(w for w in at.segmented_control if w.key == "tabs_4_1")     # four graphs, the second active
    assert tabs.value == 1
    assert tabs.options == ["digits_cnn", "two branch digits", "gan_generator", "gan_discriminator"]
    assert next(w for w in at.segmented_control if w.key == "lang_switch").value == "zh"
    assert EXPECTED["two_branch.json"]["params"] == 6_986
    assert "6,986" in [m.value for m in at.metric]       # the active graph's summary (the page is in Chinese)
    at.session_state["build_code_view"] = True          # the code view opened
    at.run()
    assert any("class TwoBranchDigits(nn.Module)" in c.value for c in at.code)
