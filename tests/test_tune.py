"""Hyperparameter search (runtime.tune): the search space's checks and prefilled ranges, a study's trials
as normal runs, pruning, the grid, checkpoints kept by the best, the command line, and workers sharing
one SQLite study (one killed mid-trial)."""
from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import optuna
import pytest

from builder import templates
from runtime import runfiles, runs, tune
from runtime.__main__ import main as runtime_cli
from runtime.config import BY_NAME
from runtime.tune import study as studies
from runtime.tune.space import TuneError, apply
from test_runs import wait_for

ROOT = Path(__file__).resolve().parents[1]
QUICK = {"data": "digits", "epochs": 1}
LR_AND_UNITS = [{"target": "config", "name": "lr", "kind": "float", "low": 1e-3, "high": 3e-2, "log": True},
                {"target": "node", "node": "fc1", "param": "out_features", "kind": "int", "low": 16, "high": 64,
                 "step": 16}]


def mlp():
    return templates.load("mlp")


def refused(space, graph=None) -> TuneError:
    with pytest.raises(TuneError) as info:
        tune.check_space(space, graph or mlp())
    return info.value


# -- the space ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("space, code, words", [
    ([{"target": "config", "name": "colour", "kind": "float", "low": 0, "high": 1}], "tune.unknown_setting",
     ["colour", "lr", "batch_size"]),
    ([{"target": "node", "node": "fc9", "param": "out_features", "kind": "int", "low": 8, "high": 16}],
     "tune.unknown_node", ["fc9", "fc1", "drop1"]),
    ([{"target": "node", "node": "fc1", "param": "in_features", "kind": "int", "low": 8, "high": 16}],
     "tune.unknown_param", ["fc1", "Linear", "in_features", "out_features"]),
    ([{"target": "config", "name": "lr", "kind": "float", "low": 1e-3, "high": 50.0}], "tune.out_of_schema",
     ["lr", "50", "10"]),
    ([{"target": "config", "name": "lr", "kind": "float", "low": 0.1, "high": 0.01}], "tune.range_order",
     ["lr", "0.1", "0.01"]),
    ([{"target": "config", "name": "optimizer", "kind": "choice", "choices": []}], "tune.choices_empty",
     ["optimizer", "[]"]),
    ([{"target": "config", "name": "optimizer", "kind": "choice", "choices": ["adam", "lbfgs"]}],
     "tune.choice_invalid", ["optimizer", "lbfgs", "adamw"]),
    ([{"target": "node", "node": "drop1", "param": "p", "kind": "float", "low": 0.1, "high": 1.0}],
     "tune.choice_invalid", ["drop1.p", "1.0"]),
    ([{"target": "config", "name": "lr", "kind": "float", "low": 0.0, "high": 0.1, "log": True}],
     "tune.log_nonpositive", ["lr", "0.0"]),
    ([{"target": "config", "name": "batch_size", "kind": "float", "low": 8, "high": 64}], "tune.kind_mismatch",
     ["batch_size", "int", "float"]),
    ({"lr": [0.1, 1]}, "tune.space_type", ["dict"]),
    ([], "tune.space_empty", []),
    ([{"target": "layer", "name": "lr", "kind": "float"}], "tune.target", ["1", "layer"]),
    ([LR_AND_UNITS[0], LR_AND_UNITS[0]], "tune.param_twice", ["lr"]),
])
def test_a_space_that_cannot_be_used_is_a_message_naming_the_parameter(space, code, words):
    error = refused(space)
    assert error.code == code
    for lang in ("en", "zh"):
        text = error.message(lang)
        assert "{" not in text and "Traceback" not in text
        for word in words:
            assert word in text, (lang, word, text)


def test_candidates_are_prefilled_from_the_schema_and_the_catalog():
    found = {p.key: p for p in tune.candidates(mlp(), {"data": "digits", "optimizer": "adam"})}
    assert (found["lr"].low, found["lr"].high, found["lr"].log) == (1e-4, 0.1, True)
    assert found["optimizer"].choices == BY_NAME["optimizer"].choices
    beta2 = found["beta2"]        # no usual range: the schema's own
    assert (beta2.low, beta2.high) == (BY_NAME["beta2"].lo, BY_NAME["beta2"].hi)
    assert "momentum" not in found          # Adam does not read it
    assert "g_lr" not in found              # the template is a classifier: a GAN's rates do not apply
    assert (found["fc1.out_features"].low, found["fc1.out_features"].high) == (64, 256)   # the node has 128
    assert found["drop1.p"].low == 0.0 and found["drop1.p"].high < 1.0                     # p < 1
    assert "fc1.bias" in found and found["fc1.bias"].choices == (False, True)
    assert tune.check_space([p.to_json() for p in found.values()], mlp())     # every candidate is a valid space


def test_a_parameter_is_named_by_its_setting_label_or_node_and_param():
    lr, units = tune.check_space(LR_AND_UNITS, mlp())
    assert (lr.label("en"), lr.label("zh"), units.label("zh")) == ("Learning rate", "学习率", "fc1 · out_features")


def test_reading_a_folder_without_a_study_is_a_message(tmp_path):
    with pytest.raises(TuneError) as info:
        tune.read(tmp_path)
    assert info.value.code == "tune.no_study" and str(tmp_path) in info.value.message("zh")


def test_a_kernel_size_is_searched_two_either_side_keeping_its_parity():
    graph = templates.load("lenet5")
    sizes = {n["id"]: n["params"]["kernel_size"] for n in graph["nodes"] if "kernel_size" in n["params"]}
    found = {p.node: p for p in tune.candidates(graph) if p.param == "kernel_size"}
    assert set(found) == set(sizes) and 5 in sizes.values()
    for node, size in sizes.items():
        p = found[node]
        assert (p.step, p.high, p.low % 2) == (2, size + 2, size % 2) and p.low in (size - 2, size)


def test_a_block_instance_is_searched_by_its_block_params():
    graph = templates.load("vgg_blocks")
    found = {p.key: p for p in tune.candidates(graph)}
    assert (found["block2.channels"].low, found["block2.channels"].high) == (16, 64)     # the instance has 32
    space = [dict(found["block2.channels"].to_json(), low=8, high=48)]
    params = tune.check_space(space, graph)
    changed, _ = apply(graph, {}, params, {"block2.channels": 40})
    assert next(n for n in changed["nodes"] if n["id"] == "block2")["params"] == {"block": "ConvBlock",
                                                                                 "args": {"channels": 40}}
    assert refused([dict(space[0], high=5000)], graph).code == "tune.choice_invalid"      # the block says <= 4096


def test_the_documented_space_loads():
    text = (ROOT / "docs" / "tune-space.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    params = tune.check_space(example, mlp())
    assert [p.key for p in params] == ["lr", "batch_size", "optimizer", "weight_decay", "fc1.out_features", "drop1.p"]
    assert tune.check_space(tune.default_space(), mlp())


def test_the_grid_sampler_needs_steps(tmp_path):
    with pytest.raises(TuneError) as info:
        studies.create(mlp(), QUICK, [LR_AND_UNITS[0]], sampler="grid", root=tmp_path)
    assert info.value.code == "tune.grid_needs_steps" and "lr" in info.value.message("en")


def test_new_studies_start_from_one_blank_file_and_work(tmp_path, monkeypatch):
    """Each new study's SQLite file is a copy of a blank one made once per Optuna version (a half-made one
    left by a killed process is not used): the copies hold working, separate studies."""
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path / "cache"))
    blank = tmp_path / "cache" / "optuna" / f"blank-{optuna.__version__}.db"
    blank.parent.mkdir(parents=True)
    (blank.parent / f"{blank.name}.999.part").write_bytes(b"half")
    first = studies.create(mlp(), QUICK, LR_AND_UNITS[:1], n_trials=1, sampler="random", root=tmp_path / "a")
    made = blank.stat().st_mtime_ns
    second = studies.create(mlp(), QUICK, LR_AND_UNITS[:1], n_trials=1, sampler="random", root=tmp_path / "b")
    assert blank.stat().st_mtime_ns == made
    for folder in (first, second):
        _, study = studies.load(folder)
        study.enqueue_trial({"lr": 0.01})
        assert [s.study_name for s in optuna.get_all_study_summaries(studies.open_storage(read_url(folder)))] \
            == [folder.name]


def read_url(folder: Path) -> str:
    return studies.read_spec(folder)["storage"]


def test_the_default_metric_is_what_checkpointing_watches():
    assert studies.default_metric(QUICK) == "val_loss"
    assert studies.default_metric({"val_split": 0.0}) == "train_loss"
    assert studies.default_metric({"early_stopping": True, "es_metric": "val_acc"}) == "val_acc"
    assert studies.direction_of("val_acc") == "maximize" and studies.direction_of("val_loss") == "minimize"


# -- a trial's epoch values ------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Heartbeat of storage")   # trials asked for outside optimize()
def test_values_written_together_read_back_as_values_reported_one_by_one(tmp_path):
    from runtime.tune.objective import report_values
    url = f"sqlite:///{tmp_path / 'values.db'}"
    study = optuna.create_study(storage=studies.open_storage(url), study_name="values")
    one_by_one, together = study.ask(), study.ask()
    values = {1: 0.5, 2: 0.25, 3: 1e-30, 5: float("inf")}
    for step, value in values.items():
        one_by_one.report(value, step)
    report_values(together, values)
    assert together.should_prune() is False          # the trial still reads its values as a pruner would
    study.tell(one_by_one, 1.0)
    study.tell(together, 1.0)
    a, b = optuna.load_study(study_name="values", storage=url).trials     # read anew from the file
    assert a.intermediate_values == b.intermediate_values == values


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")   # trials asked for outside optimize()
def test_without_a_pruner_epoch_values_are_written_each_second_and_when_the_run_ends(tmp_path):
    from runtime.tune.objective import Pruning
    url = f"sqlite:///{tmp_path / 'live.db'}"
    storage = studies.open_storage(url)
    trial = optuna.create_study(storage=storage, study_name="live", pruner=optuna.pruners.NopPruner()).ask()
    stored = lambda: storage.get_trial(trial._trial_id).intermediate_values     # noqa: E731 - what the page reads
    pruning = Pruning(trial, "val_loss")
    pruning.on_epoch_end(None, {"epoch": 0, "val_loss": 9.0})       # the untrained model: not a trial's epoch
    pruning.on_epoch_end(None, {"epoch": 1, "val_loss": 3.0})
    pruning.on_epoch_end(None, {"epoch": 2, "val_loss": 2.0})
    assert stored() == {}                               # within the second: kept
    pruning.written -= Pruning.WRITE_EVERY_S
    pruning.on_epoch_end(None, {"epoch": 3, "val_loss": 1.5})
    assert stored() == {1: 3.0, 2: 2.0, 3: 1.5}         # a second on: written together
    pruning.on_epoch_end(None, {"epoch": 4, "val_loss": float("nan")})    # not a value
    pruning.on_epoch_end(None, {"epoch": 5, "val_loss": 1.25})
    pruning.flush()                                     # the run ended
    assert stored() == {1: 3.0, 2: 2.0, 3: 1.5, 5: 1.25}


@pytest.mark.slow
def test_a_trial_without_a_pruner_holds_each_epochs_value_of_its_run(tmp_path):
    folder = studies.create(mlp(), dict(QUICK, epochs=4), LR_AND_UNITS[:1], n_trials=1, pruner="none",
                            root=tmp_path, seed=0)
    studies.run_worker(folder, 1)
    (trial,) = tune.read(folder).trials
    epochs = [r for r in runfiles.read_jsonl(Path(trial.run) / runfiles.METRICS)[0]
              if r["kind"] == "epoch" and r["epoch"]]
    assert trial.state == "COMPLETE" and trial.intermediate == {r["epoch"]: r["val_loss"] for r in epochs}
    assert list(trial.intermediate) == [1, 2, 3, 4]


# -- a study --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def five_trials(tmp_path_factory):
    """Five trials of lr and fc1's units, run in this process, no pruning."""
    root = tmp_path_factory.mktemp("runs")
    folder = studies.create(mlp(), QUICK, LR_AND_UNITS, n_trials=5, pruner="none", root=root, study="five", seed=3)
    studies.run_worker(folder, 5)
    return root, folder


@pytest.mark.slow
def test_every_trial_is_a_normal_run_with_its_study_and_trial(five_trials):
    root, folder = five_trials
    listed = [r for r in runs.list_runs(root)]
    assert sorted(r.job["trial"] for r in listed) == [0, 1, 2, 3, 4]
    assert {r.job["study"] for r in listed} == {"five"} and {r.state for r in listed} == {"finished"}
    view = tune.read(folder)
    assert (view.state, view.count("COMPLETE"), view.metric, view.direction) == ("finished", 5, "val_loss", "minimize")
    for trial in view.trials:
        run = Path(trial.run)
        epochs = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if '"epoch"' in line]
        assert trial.value == min(r["val_loss"] for r in epochs if r.get("kind") == "epoch" and r["epoch"] >= 1)
        assert json.loads((run / "config.json").read_text())["lr"] == trial.params["lr"]
        assert list(trial.intermediate) == [1]


@pytest.mark.slow
def test_only_the_best_three_trials_keep_checkpoints(five_trials):
    view = tune.read(five_trials[1])
    ranked = sorted(view.trials, key=lambda t: t.value)
    for place, trial in enumerate(ranked):
        files = {p.name for p in Path(trial.run).glob("*.pt")}
        assert files == ({"checkpoint_best.pt", "checkpoint_last.pt"} if place < 3 else set()), place
        assert (Path(trial.run) / "metrics.jsonl").is_file()


@pytest.mark.slow
def test_the_best_settings_apply_to_the_graph_and_config(five_trials):
    view = tune.read(five_trials[1])
    graph, config = tune.best_graph_and_config(five_trials[1])
    units = next(n for n in graph["nodes"] if n["id"] == "fc1")["params"]["out_features"]
    assert units == view.best.params["fc1.out_features"] and units in (16, 32, 48, 64)
    assert config == dict(QUICK, lr=view.best.params["lr"])
    assert next(n for n in mlp()["nodes"] if n["id"] == "fc1")["params"]["out_features"] == 128   # a copy


@pytest.mark.slow
def test_figures_are_drawn_or_none(five_trials, tmp_path):
    figs = tune.figures(five_trials[1], lang="zh")
    assert set(figs) == {"history", "parallel", "importances", "intermediate"}
    assert all(f is not None for f in figs.values())
    assert figs["history"].layout.title.text == "优化历史"
    empty = studies.create(mlp(), QUICK, LR_AND_UNITS, n_trials=1, root=tmp_path, study="empty")
    assert tune.figures(empty) == {"history": None, "parallel": None, "importances": None, "intermediate": None}


@pytest.mark.slow
def test_a_pruned_trial_ends_with_stop_reason_pruned(tmp_path):
    folder = studies.create(mlp(), dict(QUICK, epochs=3), n_trials=2, root=tmp_path, study="pruned")
    studies.run_worker(folder, 2, pruner=optuna.pruners.ThresholdPruner(upper=0.0))   # every loss is above 0
    view = tune.read(folder)
    assert [t.state for t in view.trials] == ["PRUNED", "PRUNED"] and view.best is None
    for trial in view.trials:
        status = runs.read_status(Path(trial.run))
        summary = runfiles.read_json(Path(trial.run) / runfiles.SUMMARY)
        assert (status["state"], status["stop_reason"], summary["stopped"], summary["epochs"]) == \
            ("finished", "pruned", "pruned", 1)
    with pytest.raises(TuneError):
        tune.best_graph_and_config(folder)


@pytest.mark.slow
def test_the_grid_sampler_covers_the_grid(tmp_path):
    space = [{"target": "config", "name": "lr", "kind": "choice", "choices": [0.01, 0.02]},
             {"target": "node", "node": "fc1", "param": "out_features", "kind": "int", "low": 16, "high": 32, "step": 16}]
    folder = studies.create(mlp(), QUICK, space, n_trials=4, sampler="grid", pruner="none", root=tmp_path)
    studies.run_worker(folder, 4)
    seen = {(t.params["lr"], t.params["fc1.out_features"]) for t in tune.read(folder).trials}
    assert seen == {(0.01, 16), (0.01, 32), (0.02, 16), (0.02, 32)}


# -- the command line ------------------------------------------------------------------------------------
def graph_file(tmp_path) -> str:
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps(mlp()))
    return str(path)


@pytest.mark.slow
def test_cli_json_summary_and_joining_a_study(tmp_path, capsys):
    args = ["tune", graph_file(tmp_path), "--data", "digits", "--epochs", "1", "--trials", "2", "--pruner", "none",
            "--study", "joined", "--out", str(tmp_path / "runs"), "--json"]
    assert runtime_cli(args) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(first) == {"ok", "best_value", "best_params", "metric", "direction", "n_trials", "n_complete",
                          "n_pruned", "best_run", "study", "storage"}
    assert (first["ok"], first["n_trials"], first["n_complete"], first["metric"]) == (True, 2, 2, "val_loss")
    assert set(first["best_params"]) == {"lr", "batch_size"} and Path(first["best_run"]).is_dir()
    assert first["storage"].endswith("runs/studies/joined/study.db")
    assert runtime_cli(args) == 0          # the same study: two more trials
    out = capsys.readouterr()
    second = json.loads(out.out.strip().splitlines()[-1])
    assert (second["n_trials"], second["study"], second["storage"]) == (4, "joined", first["storage"])
    assert second["best_value"] <= first["best_value"]
    assert len(re.findall(r"^trial \d+: ", out.err, re.M)) == 2        # one line per trial, on stderr with --json
    assert len(runs.list_runs(tmp_path / "runs")) == 4


@pytest.mark.parametrize("extra, text", [
    (["--space", "missing.json"], "missing.json"),
    (["--metric", "accuracy!"], "accuracy!"),
    (["--data", "no_such_set"], "no_such_set"),
    (["--study", "a b"], "a b"),
    (["--storage", "postgresql://me:secret@localhost:1/db"], "postgresql://me:***@localhost:1/db"),
])
def test_cli_bad_input_is_a_message_and_exit_1(tmp_path, capsys, extra, text):
    args = ["tune", graph_file(tmp_path), "--trials", "1", "--out", str(tmp_path / "runs"), "--json", *extra]
    assert runtime_cli(args) == 1
    out = capsys.readouterr()
    assert text in out.err and "Traceback" not in out.err
    last = json.loads(out.out.strip().splitlines()[-1])
    assert last["ok"] is False and text in last["error"]["message"] and "secret" not in out.out + out.err
    assert not runs.list_runs(tmp_path / "runs") and not tune.list_studies(tmp_path / "runs")
    assert not (tmp_path / "runs" / "studies").exists() or not any((tmp_path / "runs" / "studies").iterdir())


def test_cli_unreadable_graph_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert runtime_cli(["tune", str(bad), "--trials", "1", "--out", str(tmp_path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


# -- worker processes ------------------------------------------------------------------------------------
def wait_until(predicate):
    return wait_for(predicate, timeout=240.0, every=0.2)


@pytest.mark.slow
def test_two_worker_processes_share_one_sqlite_study(tmp_path):
    folder = tune.start(mlp(), QUICK, LR_AND_UNITS, n_trials=4, workers=2, pruner="none", root=tmp_path)
    pids = runfiles.read_json(folder / studies.WORKERS)["pids"]
    assert len(pids) == 2 and tune.read(folder).state == "running"
    wait_until(lambda: tune.read(folder).state == "finished")
    view = tune.read(folder)
    assert sorted(t.number for t in view.trials) == [0, 1, 2, 3] and view.count("COMPLETE") == 4
    run_pids = [runs.read_status(Path(t.run))["pid"] for t in view.trials]
    assert set(run_pids) <= set(pids)       # the workers ran them, as many each as they took from the pool
    assert len(runs.list_runs(tmp_path)) == 4


@pytest.mark.slow
def test_a_killed_worker_loses_no_finished_trial(tmp_path, monkeypatch):
    folder = tune.start(mlp(), dict(QUICK, epochs=3), LR_AND_UNITS, n_trials=8, workers=2, pruner="none",
                        root=tmp_path)

    def a_running_trial_after_a_complete_one():
        trials = tune.read(folder).trials
        running = [t for t in trials if t.state == "RUNNING" and t.run and (Path(t.run) / runfiles.STATUS).exists()]
        return (running[0], [t for t in trials if t.state == "COMPLETE"]) if running and any(
            t.state == "COMPLETE" for t in trials) else None

    running, complete = wait_until(a_running_trial_after_a_complete_one)
    pid = runs.read_status(Path(running.run))["pid"]
    os.kill(pid, signal.SIGKILL)       # the worker: the trial it is in now (that one, or its next) dies with it
    wait_until(lambda: tune.read(folder).state == "finished")
    monkeypatch.setattr(studies, "GRACE_S", 1)        # the killed worker's heartbeat is long silent
    time.sleep(1.5)
    view = tune.read(folder)
    by_number = {t.number: t for t in view.trials}
    for trial in complete:
        assert by_number[trial.number].state == "COMPLETE" and by_number[trial.number].value == trial.value
    failed = [t for t in view.trials if t.state == "FAIL"]
    assert len(failed) == 1 and view.count("COMPLETE") == len(view.trials) - 1
    if failed[0].run and (Path(failed[0].run) / runfiles.STATUS).exists():
        status = runs.read_status(Path(failed[0].run))
        # died with its worker; or its run had just finished when the kill came before Optuna heard of it
        assert status["pid"] == pid and status["state"] in ("died", "finished"), status


@pytest.mark.slow
def test_a_study_whose_every_trial_fails_is_a_message_and_exit_1(tmp_path, capsys):
    from graphs import chain
    path = tmp_path / "wrong.json"         # takes 10 numbers; digits are 8x8 images
    path.write_text(json.dumps(chain(("Linear", {"out_features": 10}), input_shape=(10,))))
    args = ["tune", str(path), "--data", "digits", "--epochs", "1", "--trials", "2", "--out", str(tmp_path / "runs"),
            "--json", "--lang", "zh"]
    assert runtime_cli(args) == 1
    out = capsys.readouterr()
    last = json.loads(out.out.strip().splitlines()[-1])
    assert last["ok"] is False and last["error"]["code"] == "tune.all_failed"
    assert "Traceback" not in out.err and "失败" in out.err
    assert len(re.findall(r"^试验 \d+：失败：", out.err, re.M)) == 2


@pytest.mark.slow
def test_stop_starts_no_new_trial_and_stops_the_running_one(tmp_path):
    folder = tune.start(mlp(), dict(QUICK, epochs=400), LR_AND_UNITS, n_trials=20, pruner="none", root=tmp_path)
    running = wait_until(lambda: next((t for t in tune.read(folder).trials if t.state == "RUNNING" and t.run
                                       and (runs.read_status(Path(t.run)) or {}).get("state") == "running"), None))
    tune.stop(folder)
    wait_until(lambda: tune.read(folder).state == "stopped")
    view = tune.read(folder)
    assert len(view.trials) == 1 and view.trials[0].state == "FAIL"
    assert view.trials[0].error["code"] == "tune.trial_stopped"
    assert runs.read_status(Path(running.run))["state"] == "stopped"


@pytest.mark.slow
def test_ctrl_c_stops_the_whole_study_with_a_message(tmp_path):
    import subprocess
    import sys
    out = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "runtime", "tune", graph_file(tmp_path), "--data", "digits",
                             "--epochs", "400", "--trials", "6", "--workers", "2", "--pruner", "none", "--study", "c",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = out / "studies" / "c"
    wait_until(lambda: (folder / studies.STUDY).exists() and sum(
        (runs.read_status(Path(t.run)) or {}).get("state") == "running"
        for t in tune.read(folder).trials if t.run) == 2)     # both workers train
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 130 and "Traceback" not in err and "interrupted" in err
    wait_until(lambda: tune.read(folder).state == "stopped")
    view = tune.read(folder)
    assert len(view.trials) == 2 and {t.state for t in view.trials} == {"FAIL"}
    assert {runs.read_status(Path(t.run))["state"] for t in view.trials} == {"stopped"}   # both ran to a clean end
