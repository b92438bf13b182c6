"""The Tune page with Streamlit's AppTest: the search space picked from the graph's candidates with prefilled
ranges, a real 3-trial study started from the page (background workers), its trials table, and the best
trial's settings applied to the workspace's graph and Train settings, then undone."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from runtime import runfiles, runs
from runtime import tune
from ui.workspace import Workspace
from tests.test_train_page import open_page


@pytest.fixture
def env(tmp_path, monkeypatch):
    home, root = tmp_path / "ws", tmp_path / "runs"
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(home))
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    ws = Workspace(home)
    ws.replace(templates.load("mlp"))
    ws.set_data_choice(data="digits")
    return {"home": home, "root": root}


def open_tune(lang: str = "en") -> AppTest:
    return open_page("tune.py", lang, timeout=90)


def test_picked_parameters_get_their_prefilled_ranges(env):
    at = open_tune()
    assert any("No study yet" in m.value for m in at.markdown)
    assert at.button(key="tune_start").disabled            # nothing picked yet
    options = at.multiselect(key="tune_params_en").options
    assert "Learning rate" in options and "fc1 · out_features" in options and "drop1 · p" in options
    at.multiselect(key="tune_params_en").set_value(["lr", "fc1.out_features", "optimizer"]).run()
    assert at.number_input(key="tune_range::lr::low").value == pytest.approx(1e-4)
    assert at.number_input(key="tune_range::lr::high").value == pytest.approx(0.1)
    assert at.checkbox(key="tune_range::lr::log").value is True
    assert (at.number_input(key="tune_range::fc1.out_features::low").value,
            at.number_input(key="tune_range::fc1.out_features::high").value) == (64, 256)
    assert "adam" in at.multiselect(key="tune_range::optimizer::choices").value
    assert not at.button(key="tune_start").disabled


def test_a_range_the_study_refuses_is_a_message(env):
    at = open_tune()
    at.multiselect(key="tune_params_en").set_value(["fc1.out_features"]).run()
    at.number_input(key="tune_range::fc1.out_features::low").set_value(300).run()     # above its high, 256
    at.button(key="tune_start").click().run()
    assert not at.exception, at.exception
    [err] = [e.value.replace("\\", "") for e in at.error]      # as markdown shows it
    assert "fc1.out_features" in err and "low must be below high" in err and "Traceback" not in err
    assert tune.list_studies(env["root"]) == []


def wait_for_study(folder: Path, timeout: float = 240) -> tune.StudyView:
    end = time.time() + timeout
    while time.time() < end:
        view = tune.read(folder)
        if view.state != "running":
            return view
        time.sleep(0.5)
    raise TimeoutError(f"study {folder} still running after {timeout} s")


@pytest.mark.slow
def test_a_study_started_on_the_page_lists_its_trials_and_its_best_settings_apply_with_undo(env):
    at = open_tune()
    at.multiselect(key="tune_params_en").set_value(["lr", "fc1.out_features"]).run()
    at.number_input(key="tune_trials").set_value(3).run()
    at.number_input(key="tune_epochs").set_value(1).run()
    at.button(key="tune_start").click().run()
    assert not at.exception, at.exception
    [study] = tune.list_studies(env["root"])
    view = wait_for_study(Path(study["folder"]))
    at.run()
    assert not at.exception, at.exception
    [table] = [d.value for d in at.dataframe]          # the trials table, the page's one table
    assert list(table["trial"]) == [0, 1, 2]
    assert set(table["state"]) <= {"complete", "pruned"} and "complete" in set(table["state"])
    assert any(f"3 of 3 trials done" in m.value for m in at.markdown)
    best = view.best
    assert best is not None and set(best.params) == {"lr", "fc1.out_features"}

    at.button(key="tune_apply_best").click().run()
    ws = Workspace(env["home"])
    fc1 = next(n for n in ws.tab.doc["nodes"] if n["id"] == "fc1")
    assert fc1["params"]["out_features"] == best.params["fc1.out_features"]
    assert ws.train_values("classification")["lr"] == pytest.approx(best.params["lr"])
    assert any("Applied to" in s.value for s in at.success)

    at.button(key="tune_undo_apply").click().run()
    ws = Workspace(env["home"])
    fc1 = next(n for n in ws.tab.doc["nodes"] if n["id"] == "fc1")
    assert fc1["params"]["out_features"] == next(n for n in templates.load("mlp")["nodes"]
                                                 if n["id"] == "fc1")["params"]["out_features"]
    assert "lr" not in ws.train_values("classification")

    # "Train the best": a normal run with the best trial's values, shown on Train; the trials are grouped there
    at.button(key="tune_train_best").click().run()
    assert not at.exception, at.exception
    [run] = [r for r in runs.list_runs(env["root"]) if r.study is None]
    assert run.label == f"mlp (best of {view.name})"
    assert run.job["config"]["lr"] == pytest.approx(best.params["lr"])
    assert next(n for n in run.job["graph"]["nodes"] if n["id"] == "fc1")["params"]["out_features"] == \
        best.params["fc1.out_features"]
    assert at.session_state["tp_current"] == run.id
    assert any(e.label.startswith(f"Study **{view.name.replace('-', chr(92) + '-')}** · 3 trials") for e in at.expander)
    runs.stop(run.dir)
    runs.wait(run.dir, 120)


def recorded_study(root: Path) -> Path:
    """A finished study of mlp on digits with 4 trials written straight into its storage (no training): trials
    0-2 complete (val_loss 0.5, 0.2, 0.3 after 2 epochs), trial 3 pruned after epoch 1."""
    import optuna
    from optuna.distributions import FloatDistribution, IntDistribution
    from runtime.tune import study as studies
    folder = studies.create(templates.load("mlp"), {"data": "digits", "epochs": 2},
                            [{"target": "config", "name": "lr", "kind": "float", "low": 1e-4, "high": 0.1, "log": True},
                             {"target": "node", "node": "fc1", "param": "out_features", "kind": "int", "low": 16,
                              "high": 256}], n_trials=4, root=root, study="recorded")
    _, study = studies.load(folder)
    dists = {"lr": FloatDistribution(1e-4, 0.1, log=True), "fc1.out_features": IntDistribution(16, 256)}
    for value, lr, width, state in ((0.5, 0.001, 32, "COMPLETE"), (0.2, 0.01, 200, "COMPLETE"),
                                    (0.3, 0.05, 100, "COMPLETE"), (None, 0.09, 20, "PRUNED")):
        study.add_trial(optuna.trial.create_trial(
            state=optuna.trial.TrialState[state], value=value, params={"lr": lr, "fc1.out_features": width},
            distributions=dists, intermediate_values={1: 0.9} if value is None else {1: value * 2, 2: value}))
    return folder


def test_a_studys_trials_figures_and_best_are_shown_in_both_languages(env):
    folder = recorded_study(env["root"])
    at = open_tune()
    [table] = [d.value for d in at.dataframe]
    assert list(table["trial"]) == [0, 1, 2, 3]
    assert list(table["state"]) == ["complete"] * 3 + ["pruned"]
    assert list(table["value"])[:3] == [0.5, 0.2, 0.3]
    [status] = [m.value for m in at.markdown if m.value.startswith("**recorded**")]
    assert "4 of 4 trials done (3 complete, 1 pruned, 0 failed)" in status.replace("\\", "")
    assert "best validation loss 0.2 (trial 1)" in status
    charts = {c.proto.id for c in at.get("plotly_chart")}
    assert len(charts) == 4          # history, value per epoch, parallel coordinates, importances
    at = open_tune("zh")
    [status] = [m.value for m in at.markdown if m.value.startswith("**recorded**")]
    assert "已结束 4/4 次试验（3 次完成，1 次剪枝，0 次失败）" in status and "最佳验证损失 0.2（第 1 次试验）" in status
    assert tune.read(folder).best.params == {"lr": 0.01, "fc1.out_features": 200}


def test_train_the_best_waits_while_a_run_trains(env):
    """The Train page's rule, one run at a time, holds on the Tune page too: with a live run, "Train the best"
    is off and says why; once that run has ended, it is on again."""
    from tests.test_runs_at_scale import busy, trial_run
    recorded_study(env["root"])
    live = trial_run(env["root"], "other", 0)
    busy(live)
    at = open_tune()
    button = at.button(key="tune_train_best")
    assert button.disabled and "pause or stop it" in button.help
    status = runfiles.read_json(live / runfiles.STATUS)
    runfiles.write_json(live / runfiles.STATUS, {**status, "state": "finished"})
    at = open_tune()
    assert not at.button(key="tune_train_best").disabled


@pytest.mark.slow
def test_stop_ends_a_running_study_before_its_trials_are_done(env):
    at = open_tune()
    at.multiselect(key="tune_params_en").set_value(["lr"]).run()
    at.number_input(key="tune_trials").set_value(50).run()
    at.number_input(key="tune_epochs").set_value(2).run()
    at.button(key="tune_start").click().run()
    [study] = tune.list_studies(env["root"])
    folder = Path(study["folder"])
    assert at.button(key="tune_start").disabled                 # one study at a time from the page
    end = time.time() + 120
    while not any(t.state in ("COMPLETE", "PRUNED") for t in tune.read(folder).trials) and time.time() < end:
        time.sleep(0.5)
    at.run()
    at.button(key="tune_stop").click().run()
    view = wait_for_study(folder)
    assert view.state == "stopped" and len(view.trials) < 50
    at.run()
    assert not at.exception, at.exception
    [status] = [m.value for m in at.markdown if m.value.startswith(f"**{view.name.replace('-', chr(92) + '-')}**")]
    assert " · stopped · " in status
    assert not at.button(key="tune_start").disabled
