"""The Train page with Streamlit's AppTest: form -> TrainConfig, defaults per mode, invalid graphs, runs list.

No training process starts here: ``runtime.runs.start`` is replaced by a stand-in that
records what it was given and writes a finished run folder (docs/run-format.md), and
``prewarm`` starts nothing.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from runtime import runfiles
from runtime import runs
from runtime.config import TrainConfig
from ui.workspace import Workspace
from tests.trained_runs import trained_run

ROOT = Path(__file__).resolve().parents[1]
APP = str(Path(__file__).resolve().parent / "app_entry.py")   # app.py, with st.navigation from the first run
PAGES = Path(__file__).resolve().parents[1] / "pages"


@pytest.fixture
def env(tmp_path, monkeypatch):
    home, root = tmp_path / "ws", tmp_path / "runs"
    monkeypatch.setenv("NETCANVAS_WORKSPACE", str(home))
    monkeypatch.setenv("NETCANVAS_RUNS", str(root))
    started = []

    def fake_start(graph, config, discriminator=None, root=None, run_id=None, label=None):
        cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
        started.append({"graph": graph, "config": cfg, "discriminator": discriminator, "label": label})
        return seed_run(Path(root), graph, cfg.to_dict(), label=label or "model", run_id=run_id)

    monkeypatch.setattr(runs, "start", fake_start)
    monkeypatch.setattr(runs, "prewarm", lambda: None)
    return {"home": home, "root": root, "started": started}


def seed_run(root: Path, graph: dict, config: dict, label: str = "model", state: str = "finished",
             run_id: str | None = None, error: dict | None = None, epochs: int = 3) -> Path:
    """A run folder as the trainer leaves it, per docs/run-format.md."""
    d = root / (run_id or runs.new_run_id())
    d.mkdir(parents=True)
    runfiles.write_json(d / "job.json", {"config": config, "graph": graph, "discriminator": None, "label": label,
                                   "created": time.time()})
    runfiles.write_json(d / runfiles.CONFIG, config)
    (d / runfiles.GRAPH).write_text(json.dumps(graph))
    runfiles.write_json(d / runfiles.STATUS, {"format_version": 1, "state": state, "pid": None, "step": 30 * epochs,
                                  "epoch": epochs - 1, "epochs": epochs, "total_steps": 30 * epochs,
                                  "steps_per_epoch": 30, "device": "CPU (2 threads)", "device_kind": "cpu",
                                  "threads": 2, "mode": "classification",
                                  "data": config.get("data", "digits"), "started": time.time() - 20,
                                  "updated": time.time(), "stop_reason": None, "error": error})
    runfiles.append_jsonl(d / runfiles.METRICS, {"kind": "epoch", "epoch": 0, "step": 0, "val_loss": 2.3, "val_acc": 0.1})
    for e in range(1, epochs + 1):
        runfiles.append_jsonl(d / runfiles.METRICS, {"kind": "step", "step": 30 * e, "epoch": float(e), "loss": 1.0 / e,
                                         "acc": 0.5 + e / 10, "lr": 0.002, "samples_per_s": 900.0, "time": 2.0 * e})
        runfiles.append_jsonl(d / runfiles.METRICS, {"kind": "epoch", "epoch": e, "step": 30 * e, "train_loss": 1.0 / e,
                                         "train_acc": 0.5 + e / 10, "val_loss": 1.2 / e, "val_acc": 0.55 + e / 10,
                                         "lr": 0.002, "time": 2.0 * e, "samples_per_s": 900.0})
    runfiles.write_json(d / runfiles.PREPROCESS, {"class_names": [str(i) for i in range(10)], "mode": "classification",
                                      "data": "digits"})
    return d


def open_train(lang: str = "en") -> AppTest:
    return open_page("train.py", lang)


def open_page(name: str, lang: str = "en", timeout: float = 60) -> AppTest:
    """The app in ``lang`` on the page ``pages/<name>``, reached the way a user gets there."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if lang != "en":
        at.segmented_control(key="lang_switch").set_value(lang).run()
    at.switch_page(str(PAGES / name)).run()
    assert not at.exception, at.exception
    return at


def by_label(widgets, label):
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget labelled {label!r}; have {[w.label for w in widgets]}"
    return found[0]


def start_button(at):
    return at.button(key="tp_start")


# ----------------------------------------------------------------------------------------------------
def test_defaults_give_the_expected_config(env):
    at = open_train()
    assert by_label(at.number_input, "Epochs").value == 15
    assert by_label(at.number_input, "Batch size").value == 64
    assert by_label(at.number_input, "Learning rate").value == 2e-3
    assert by_label(at.selectbox, "Optimizer").value == "adam"
    assert any("Automatic: trains as classification" in c.value for c in at.caption)
    assert any("Data: digits" in m.value for m in at.markdown)
    assert any("CPU" in m.value or "GPU" in m.value for m in at.markdown if "Trains on" in m.value)
    assert not start_button(at).disabled
    start_button(at).click().run()
    assert not at.exception, at.exception
    [call] = env["started"]
    expected = TrainConfig(mode="auto", data="digits", epochs=15, batch_size=64, optimizer="adam", lr=2e-3,
                           label_smoothing=0.0)    # shown for classification, off by default
    assert call["config"] == expected
    assert call["graph"]["name"] == "digits_cnn" and call["discriminator"] is None
    # the page now shows that run (finished, seeded by the stand-in) and lists it
    assert any("digits_cnn" in m.value for m in at.markdown)
    assert by_label(at.selectbox, "Run").value == next(env["root"].iterdir()).name


def test_widget_values_become_the_config(env):
    at = open_train()
    by_label(at.number_input, "Epochs").set_value(4)
    by_label(at.selectbox, "Optimizer").set_value("nesterov").run()
    by_label(at.number_input, "Learning rate").set_value(0.05)
    by_label(at.number_input, "Momentum").set_value(0.8)
    by_label(at.selectbox, "Schedule").set_value("step").run()
    by_label(at.number_input, "Epochs per step").set_value(2)
    by_label(at.number_input, "L2 (weight decay)").set_value(1e-4)
    at.toggle[0].set_value(True).run()        # early stopping
    by_label(at.number_input, "Patience (epochs)").set_value(3)
    by_label(at.number_input, "Gradient clipping").set_value(1.0)
    start_button(at).click().run()
    assert not at.exception, at.exception
    cfg = env["started"][0]["config"]
    assert (cfg.epochs, cfg.optimizer, cfg.lr, cfg.momentum, cfg.schedule, cfg.step_size) == \
        (4, "nesterov", 0.05, 0.8, "step", 2)
    assert (cfg.weight_decay, cfg.early_stopping, cfg.es_patience, cfg.grad_clip) == (1e-4, True, 3, 1.0)


def test_mode_defaults_gan_and_vae(env):
    at = open_train()
    by_label(at.selectbox, "Training mode").set_value("vae").run()
    assert by_label(at.number_input, "Epochs").value == 30
    assert by_label(at.number_input, "KL weight (beta)").value == 1.0
    by_label(at.selectbox, "Training mode").set_value("gan").run()
    # digits (the page's data set): 1e-3, whose samples differ from each other (issue 19; DCGAN's 2e-4 collapsed)
    assert by_label(at.number_input, "Generator learning rate").value == 1e-3
    assert by_label(at.number_input, "Discriminator learning rate").value == 1e-3
    assert by_label(at.number_input, "Beta 1").value == 0.5
    assert by_label(at.number_input, "Label smoothing").value == 0.1
    assert not [w for w in at.number_input if w.label == "Learning rate"]


def test_gan_template_trains_generator_against_discriminator(env):
    ws = Workspace(env["home"])
    ws.open_template("gan_generator")
    ws.select(1)                                 # the generator tab, with the discriminator beside it
    at = open_train()
    assert by_label(at.selectbox, "Model").value == "gan_generator"
    assert by_label(at.selectbox, "Discriminator").value == "gan_discriminator"
    assert any("trains as GAN" in c.value for c in at.caption)
    start_button(at).click().run()
    call = env["started"][0]
    assert call["graph"]["name"] == "gan_generator" and call["discriminator"]["name"] == "gan_discriminator"
    assert (call["config"].mode, call["config"].beta1, call["config"].g_lr, call["config"].d_lr) == \
        ("gan", 0.5, 1e-3, 1e-3)


def test_a_graph_with_errors_cannot_be_trained(env):
    ws = Workspace(env["home"])
    doc = templates.load("digits_cnn")
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "fc1"]      # fc1 loses its input
    ws.edit(doc)
    at = open_train()
    assert start_button(at).disabled
    assert any("cannot be trained yet" in e.value for e in at.error)
    assert any("does not lead to any Output" in m.value for m in at.markdown)
    assert any("6 more" in c.value for c in at.caption)
    assert [p for p in at.get("page_link") if "Build" in p.proto.label]


def test_runs_list_shows_seeded_runs_and_deletes(env):
    graph = templates.load("digits_cnn")
    old = seed_run(env["root"], graph, TrainConfig(epochs=3, lr=0.01, optimizer="sgd").to_dict(), label="first",
                   run_id="20260101-000001-aaaa")
    seed_run(env["root"], graph, TrainConfig(epochs=3).to_dict(), label="second", run_id="20260101-000002-bbbb")
    at = open_train()
    table = at.dataframe[0].value
    assert list(table["run"]) == ["second", "first"]
    first = table[table["run"] == "first"].iloc[0]
    assert first["optimizer"] == "SGD" and first["learning rate"] == 0.01
    assert first["best val. loss"] == pytest.approx(0.4) and first["best val. accuracy / MAE"] == "85.0%"
    assert first["state"] == "finished" and first["epochs"] == "3/3"
    # the newest run is shown; compare starts with it
    assert compare_box(at).value == ["20260101-000002-bbbb"]
    at.selectbox(key="tp_act_run").set_value("20260101-000001-aaaa").run()
    at.button(key="tp_delete_yes").click().run()
    assert not at.exception, at.exception
    assert not old.exists()
    assert list(at.dataframe[0].value["run"]) == ["second"]


def test_a_failed_run_is_a_friendly_message_in_the_users_language(env):
    graph = templates.load("digits_cnn")
    seed_run(env["root"], graph, TrainConfig().to_dict(), label="boom", state="failed",
             error={"code": "train.nan", "args": {"step": 7, "lr": "10"}, "message": "the loss became NaN"})
    at = open_train()
    [err] = [e for e in at.error if "NaN" in e.value]
    assert "step 7" in err.value and "lower learning rate" in err.value and "Traceback" not in err.value
    at = open_train("zh")
    assert any("第 7 步" in e.value for e in at.error)
    assert start_button(at).label == "开始训练"


def test_the_run_header_names_the_device_from_device_kind_and_threads(env):
    graph = templates.load("digits_cnn")
    seed_run(env["root"], graph, TrainConfig().to_dict(), run_id="20260101-000001-aaaa")
    old = seed_run(env["root"], graph, TrainConfig().to_dict(), run_id="20260101-000002-bbbb")
    status = runfiles.read_json(old / runfiles.STATUS)       # a run written before device_kind and threads
    del status["device_kind"], status["threads"]
    runfiles.write_json(old / runfiles.STATUS, {**status, "device": "CPU (3 threads)"})
    at = open_train("zh")
    for run_id, device in (("20260101-000001-aaaa", "CPU（2 个线程）"), ("20260101-000002-bbbb", "CPU (3 threads)")):
        at.session_state["tp_current"] = run_id
        at.run()
        [header] = [m.value for m in at.markdown if m.value.startswith("####")]
        assert device in header.replace("\\", ""), header      # an old run's device is shown as it is


def test_the_data_pages_test_split_reaches_the_run_and_its_score_is_listed(env):
    Workspace(env["home"]).set_data_choice(test_split=0.2)
    at = open_train()
    assert any("20% kept for one final test" in m.value for m in at.markdown)
    start_button(at).click().run()
    assert env["started"][0]["config"].test_split == 0.2
    run_dir = next(env["root"].iterdir())
    runfiles.write_json(run_dir / runfiles.SUMMARY, {"epochs": 3, "test_loss": 0.3, "test_acc": 0.912})
    at.run()
    [table] = [d for d in at.dataframe if "test score" in d.value.columns]
    assert list(table.value["test score"]) == ["91.2%"]


def test_hidden_fields_are_not_sent_and_label_smoothing_is_offered(env):
    at = open_train()
    by_label(at.selectbox, "Optimizer").set_value("nesterov").run()
    by_label(at.number_input, "Momentum").set_value(0.8).run()
    by_label(at.selectbox, "Optimizer").set_value("adam").run()       # momentum now hidden: no effect, not sent
    by_label(at.number_input, "Label smoothing").set_value(0.1).run()
    assert not at.error, [e.value for e in at.error]
    start_button(at).click().run()
    cfg = env["started"][0]["config"]
    assert (cfg.optimizer, cfg.momentum, cfg.label_smoothing) == ("adam", 0.9, 0.1)


def test_augmentation_is_not_sent_for_tables(env):
    ws = Workspace(env["home"])
    ws.open_doc(chain_graph(), save=True)
    ws.set_data_choice(data="iris", augment={"rotation": 0.3})
    at = open_train()
    assert any("augmentation: none" in m.value for m in at.markdown), [m.value for m in at.markdown]
    start_button(at).click().run()
    assert env["started"][0]["config"].augment == {}


def test_a_final_softmax_is_explained_and_fixed_in_one_click(env):
    from builder.shapes import check
    ws = Workspace(env["home"])
    ws.open_doc(chain_graph(softmax=True), save=True)
    ws.set_data_choice(data="iris")
    at = open_train()
    [warning] = [w for w in at.warning if "Softmax" in w.value]
    assert "cross-entropy" in warning.value
    at.button(key="tp_softmax_fix").click().run()
    assert not at.exception and not [w for w in at.warning if "Softmax" in w.value]
    saved = Workspace(env["home"])
    fixed = next(t.doc for t in saved.tabs if t.doc["name"] == "iris_mlp")
    assert check(fixed).ok and "Softmax" not in [n["type"] for n in fixed["nodes"]]


def chain_graph(softmax: bool = False) -> dict:
    from tests.graphs import chain
    layers = [("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 3})]
    return chain(*layers, *([("Softmax", {})] if softmax else []), input_shape=(4,), name="iris_mlp")


def test_defaults_follow_the_data_set_until_the_user_changes_them(env):
    ws = Workspace(env["home"])
    ws.open_doc(chain_graph(), save=True)
    ws.set_data_choice(data="iris")
    at = open_train()
    assert (by_label(at.number_input, "Epochs").value, by_label(at.number_input, "Batch size").value,
            by_label(at.number_input, "Learning rate").value) == (100, 16, 0.02)
    assert any("Defaults for iris" in c.value for c in at.caption), [c.value for c in at.caption]
    by_label(at.number_input, "Epochs").set_value(40).run()
    assert Workspace(env["home"]).train_values("classification") == {"epochs": 40}     # only what was changed
    assert any("Your changes: Epochs" in c.value for c in at.caption)
    Workspace(env["home"]).set_data_choice(data="wine")                                  # the Data page's choice
    at = open_train()
    assert (by_label(at.number_input, "Epochs").value, by_label(at.number_input, "Batch size").value) == (40, 64)
    at.button(key="tp_defaults_reset").click().run()
    assert by_label(at.number_input, "Epochs").value == 15
    start_button(at).click().run()
    cfg = env["started"][0]["config"]
    assert (cfg.data, cfg.epochs, cfg.batch_size) == ("wine", 15, 64)


# -- the header, the runs table and Compare agree -------------------------------------------------------
def status_text(at) -> str:
    return next(m.value for m in at.markdown if "nc-status" in m.value)


def test_the_header_and_the_runs_table_count_the_same_epochs(env):
    # 23 steps an epoch: the second is cut short
    trained_run(env["root"], {"data": "digits", "epochs": 3, "max_steps": 30}, templates.load("mlp"), label="cut short")
    at = open_train()
    assert "1/3 epochs done" in status_text(at), status_text(at)
    assert "Validation accuracy" in status_text(at)         # a tile's name reads as a phrase, not "Validation Accuracy"
    table = next(frame.value for frame in at.dataframe if "epochs" in frame.value.columns)
    assert list(table["epochs"]) == ["1/3"]
    assert any("1/3 epochs" in m.value for m in at.markdown if "cut short" in m.value)      # the run's card


def compare_box(at):
    return next(box for box in at.multiselect if box.label == "Compare runs")


def test_compare_picks_the_newest_of_two_runs_started_in_the_same_second(env):
    """Run ids name the second and end in a random suffix: the newer of two runs of one second can have the
    smaller id. Compare starts from the run started last (it picked the larger id: a student distilled in
    the second its teacher ended was compared without it, at random)."""
    older = seed_run(env["root"], templates.load("mlp"), {"data": "digits"}, label="older", run_id="20260101-000000-ffff")
    newer = seed_run(env["root"], templates.load("mlp"), {"data": "digits"}, label="newer", run_id="20260101-000000-0000")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "train.py")).run()
    assert not at.exception, at.exception
    assert compare_box(at).value == [newer.name] != [older.name]


def test_compare_picks_the_newest_run_and_each_new_one(env):
    # run ids name the second a run started: three seconds, one after the other (not slept through)
    older = seed_run(env["root"], templates.load("mlp"), {"data": "digits"}, label="older", run_id="20260101-000001-aaaa")
    newer = seed_run(env["root"], templates.load("mlp"), {"data": "digits"}, label="newer", run_id="20260101-000002-aaaa")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "train.py")).run()
    at.session_state["tp_current"] = older.name       # the page shows the older run
    at.run()
    assert compare_box(at).value == [newer.name]
    compare_box(at).select(older.name).unselect(newer.name).run()
    assert compare_box(at).value == [older.name]
    at.run()
    assert compare_box(at).value == [older.name]                # taken out: stays out
    newest = seed_run(env["root"], templates.load("mlp"), {"data": "digits"}, label="newest",
                      run_id="20260101-000003-aaaa")
    at.run()
    assert compare_box(at).value == [older.name, newest.name]
