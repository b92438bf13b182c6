"""The workspace: tabs, undo/redo, autosave that survives a restart, the data choice."""
from __future__ import annotations

import copy

from builder import templates
from ui.workspace import Workspace


def test_a_new_workspace_opens_the_default_template(tmp_path):
    ws = Workspace(tmp_path)
    assert [t.key for t in ws.tabs] == [templates.DEFAULT]
    assert ws.tab.doc["name"] == templates.DEFAULT


def test_edits_are_saved_and_survive_a_restart(tmp_path):
    ws = Workspace(tmp_path)
    doc = ws.tab.doc
    doc = dict(doc, nodes=doc["nodes"][:-1])
    ws.edit(doc)
    again = Workspace(tmp_path)
    assert again.tab.doc["nodes"] == doc["nodes"]


def test_undo_redo_and_rev(tmp_path):
    ws = Workspace(tmp_path)
    original = ws.tab.doc
    ws.replace(templates.load("mlp"))
    assert ws.tab.rev == 1 and ws.tab.doc["name"] == "mlp"
    assert ws.undo() and ws.tab.doc == original and ws.tab.rev == 2
    assert ws.redo() and ws.tab.doc["name"] == "mlp"
    assert not ws.redo()
    ws.undo()
    ws.edit(templates.load("perceptron"))      # a new edit clears redo
    assert not ws.tab.redo


def test_canvas_edits_do_not_bump_rev(tmp_path):
    ws = Workspace(tmp_path)
    doc = copy.deepcopy(ws.tab.doc)
    doc["nodes"][0]["pos"] = [5, 5]
    ws.edit(doc)
    assert ws.tab.rev == 0 and ws.tab.undo


def test_gan_template_opens_both_graphs(tmp_path):
    ws = Workspace(tmp_path)
    opened = ws.open_template("gan_generator")
    assert [t.name for t in opened] == ["gan_generator", "gan_discriminator"]
    assert ws.tab.name == "gan_generator"


def test_tabs_keep_unique_keys_and_reopen_saved_graphs(tmp_path):
    ws = Workspace(tmp_path)
    ws.open_doc(templates.load("mlp"))
    ws.open_doc(templates.load("mlp"))
    assert [t.key for t in ws.tabs] == ["digits_cnn", "mlp", "mlp_2"]
    ws.close(1)
    assert [t.key for t in ws.tabs] == ["digits_cnn", "mlp_2"]
    assert {g["key"] for g in ws.saved_graphs()} >= {"digits_cnn", "mlp", "mlp_2"}
    ws.open_saved("mlp")
    assert ws.tab.key == "mlp"
    assert [t.key for t in Workspace(tmp_path).tabs] == ["digits_cnn", "mlp_2", "mlp"]


def test_language_and_data_choice_persist(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.data_choice()["data"] == "digits"
    ws.set_lang("zh")
    ws.set_data_choice(data="moons", data_options={"noise": 0.3})
    again = Workspace(tmp_path)
    assert again.lang == "zh" and again.data_choice()["data"] == "moons"
    assert again.data_choice()["data_options"] == {"noise": 0.3}


def test_data_follows_the_graph_until_chosen(tmp_path):
    ws = Workspace(tmp_path)
    ws.open_template("lenet5")
    assert ws.data_choice()["data"] == "digits28"


def test_a_corrupt_saved_graph_does_not_break_start_up(tmp_path):
    ws = Workspace(tmp_path)
    (ws.graphs_dir / f"{ws.tab.key}.json").write_text("{ not json")
    again = Workspace(tmp_path)
    assert again.tabs and again.tab.doc["nodes"]


def test_train_settings_persist_and_bad_saved_values_fall_back(tmp_path):
    from ui import train_config
    ws = Workspace(tmp_path)
    ws.set_train(mode="classification")
    ws.set_train(values=dict(train_config.defaults_for("classification"), epochs=7, lr=0.01), for_mode="classification")
    again = Workspace(tmp_path)
    assert again.train_mode() == "classification"
    restored = train_config.restore_values("classification", again.train_values("classification"))
    assert (restored["epochs"], restored["lr"]) == (7, 0.01)
    # a hand-edited or older session: values that do not fit their field take the default
    bad = {"epochs": 0, "batch_size": True, "optimizer": "nope", "lr": float("nan"), "momentum": "0.9",
           "unknown": 1, "early_stopping": 1}
    assert train_config.restore_values("classification", bad) == train_config.defaults_for("classification")
