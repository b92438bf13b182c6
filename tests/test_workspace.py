"""The workspace: tabs, undo/redo, autosave that survives a restart, the data choice."""
from __future__ import annotations

import copy
import json

from builder import templates
from builder.graph import read_document
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
    ws.open_template("resnet_small")
    assert ws.data_choice()["data"] == "shapes"


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


# -- two browser tabs on one folder: two Workspace objects (each Streamlit session builds its own) ------
def _without(doc: dict, node_id: str) -> dict:
    doc = copy.deepcopy(doc)
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != node_id]
    doc["edges"] = [e for e in doc["edges"] if node_id not in (e["source"], e["target"])]
    return doc


def _moved(doc: dict, node_id: str, pos: list) -> dict:
    doc = copy.deepcopy(doc)
    next(n for n in doc["nodes"] if n["id"] == node_id)["pos"] = pos
    return doc


def _file(ws: Workspace, key: str) -> dict:
    return read_document((ws.graphs_dir / f"{key}.json").read_bytes())


def _on_disk(ws: Workspace, key: str) -> dict:
    """The graph in the file, without the file's revision."""
    return {k: v for k, v in _file(ws, key).items() if k != "uiRevision"}


def test_a_stale_tab_does_not_bring_back_a_node_the_other_tab_deleted(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_b.edit(_without(tab_b.tab.doc, "fc2"))
    mine = _moved(tab_a.tab.doc, "x", [7, 7])
    tab_a.edit(mine)
    assert "fc2" not in {n["id"] for n in _on_disk(tab_a, "digits_cnn")["nodes"]}   # B's delete stands
    assert tab_a.tab.conflict is not None and tab_a.tab.conflict.doc == tab_b.tab.doc
    assert tab_a.tab.doc == mine                                                       # A's edit is kept, unsaved
    tab_a.edit(_moved(mine, "x", [8, 8]))                                             # and stays unsaved
    assert "fc2" not in {n["id"] for n in _on_disk(tab_a, "digits_cnn")["nodes"]}


def test_loading_the_other_tabs_version_keeps_mine_as_a_copy_beside_it(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_b.edit(_without(tab_b.tab.doc, "fc2"))
    mine = _moved(tab_a.tab.doc, "x", [7, 7])
    tab_a.edit(mine)
    rev = tab_a.tab.rev
    copied = tab_a.resolve_conflict(tab_a.tab, keep="theirs", copy_name="digits_cnn (your edits)")
    assert tab_a.tab.doc == tab_b.tab.doc and tab_a.tab.conflict is None and tab_a.tab.rev == rev + 1
    assert [t.key for t in tab_a.tabs] == ["digits_cnn", copied.key] and tab_a.active == 0
    assert _on_disk(tab_a, copied.key) == dict(mine, name="digits_cnn (your edits)")
    tab_a.edit(_moved(tab_a.tab.doc, "x", [9, 9]))                                  # in step again: it saves
    assert _on_disk(tab_a, "digits_cnn") == tab_a.tab.doc


def test_keeping_mine_saves_it_and_keeps_the_other_tabs_version_as_a_copy(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    theirs = _without(tab_b.tab.doc, "fc2")
    tab_b.edit(theirs)
    mine = _moved(tab_a.tab.doc, "x", [7, 7])
    tab_a.edit(mine)
    copied = tab_a.resolve_conflict(tab_a.tab, keep="mine", copy_name="digits_cnn (from the other tab)")
    assert _on_disk(tab_a, "digits_cnn") == mine and tab_a.tab.conflict is None
    assert _on_disk(tab_a, copied.key) == dict(theirs, name="digits_cnn (from the other tab)")
    tab_b.edit(_moved(theirs, "x", [1, 1]))        # now B is the stale one: told, not overwriting
    assert tab_b.tab.conflict is not None and _on_disk(tab_b, "digits_cnn") == mine


def test_the_same_change_in_both_tabs_is_no_conflict(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    same = _without(tab_a.tab.doc, "fc2")
    tab_b.edit(same)
    tab_a.edit(same)
    assert tab_a.tab.conflict is None
    tab_a.edit(_moved(same, "x", [3, 3]))
    assert tab_a.tab.conflict is None and _on_disk(tab_a, "digits_cnn") == tab_a.tab.doc


def test_a_saved_graph_file_holds_its_revision_and_still_checks(tmp_path):
    from builder.shapes import check
    ws = Workspace(tmp_path)
    ws.edit(_moved(ws.tab.doc, "x", [5, 5]))
    saved = _file(ws, "digits_cnn")
    assert saved["uiRevision"] == ws.tab.file_revision == 2 and check(saved).ok
    assert "uiRevision" not in ws.tab.doc              # what the canvas shows and a download writes
    assert "uiRevision" not in Workspace(tmp_path).tab.doc


def test_a_new_graph_never_takes_the_file_of_a_saved_one(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    empty = {"format": "netcanvas.graph", "version": 1, "name": "untitled", "nodes": [], "edges": []}
    tab_a.open_doc(templates.load("mlp"))
    tab_b.open_doc(dict(templates.load("mlp"), name="mlp"))
    assert tab_b.tab.key == "mlp_2"
    tab_a.open_doc(empty)
    tab_b.open_doc(empty)
    assert (tab_a.tab.key, tab_b.tab.key) == ("untitled", "untitled_2")


def test_settings_saved_by_two_tabs_keep_both_changes(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_a.set_lang("zh")
    tab_b.set_data_choice(data="moons")                 # B never saw A's language
    tab_a.set_train(mode="classification")
    tab_b.open_doc(templates.load("mlp"))
    again = Workspace(tmp_path)
    assert again.lang == "zh" and again.data_choice()["data"] == "moons" and again.train_mode() == "classification"
    assert [t.key for t in again.tabs] == ["digits_cnn", "mlp"] and again.tab.key == "mlp"
    assert tab_a.session_collisions == [] and tab_b.session_collisions == []


def test_a_setting_both_tabs_changed_takes_the_latest_and_says_so(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_a.set_data_choice(data="moons", val_split=0.3)
    tab_b.set_data_choice(data="circles")
    again = Workspace(tmp_path)
    assert again.data_choice()["data"] == "circles" and again.data_choice()["val_split"] == 0.3
    assert tab_b.session_collisions == ["data"] and tab_a.session_collisions == []


def test_graphs_opened_in_two_tabs_stay_open(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_a.open_doc(templates.load("mlp"))
    tab_b.open_doc(templates.load("lenet5"))
    tab_a.close(0)
    assert [t.key for t in Workspace(tmp_path).tabs] == ["mlp", "lenet5"]     # this tab's order, then the other's


# -- undo and redo survive a reload: graphs/<key>.history.jsonl, written after the script run ----------
def test_undo_and_redo_survive_a_reload(tmp_path):
    ws = Workspace(tmp_path)
    original = ws.tab.doc
    first = _moved(original, "x", [1, 1])
    ws.edit(first)
    ws.edit(_moved(first, "x", [2, 2]))
    ws.undo()
    ws.flush_history()
    again = Workspace(tmp_path)
    assert again.tab.doc == first
    assert again.redo() and again.tab.doc["nodes"][0]["pos"] == [2, 2]
    assert again.undo() and again.undo() and again.tab.doc == original
    assert not again.undo()


def test_the_history_is_written_after_the_run_and_never_in_the_autosave(tmp_path):
    ws = Workspace(tmp_path)
    history = tmp_path / "graphs" / "digits_cnn.history.jsonl"
    ws.edit(_moved(ws.tab.doc, "x", [1, 1]))
    ws.edit(_moved(ws.tab.doc, "x", [2, 2]))
    assert not history.exists()                                     # not on the edit's path
    assert set(_file(ws, "digits_cnn")) <= {"format", "version", "name", "meta", "nodes", "edges", "uiRevision"}
    ws.flush_history()
    assert len(history.read_text().splitlines()) == 2
    ws.flush_history()                                              # nothing new: nothing written
    assert len(history.read_text().splitlines()) == 2


def test_deferred_edits_are_saved_by_the_flush_after_the_run_with_their_undo_steps(tmp_path):
    ws = Workspace(tmp_path)
    original = ws.tab.doc
    before = _file(ws, "digits_cnn")
    ws.defer_saves()                                                # the Build page's fragment: draw first
    first = _moved(original, "x", [1, 1])
    ws.edit(first)
    ws.edit(_moved(first, "x", [2, 2]))
    assert _file(ws, "digits_cnn") == before                        # not on the edit's path
    ws.flush_history()
    assert _on_disk(ws, "digits_cnn")["nodes"][0]["pos"] == [2, 2]
    assert _file(ws, "digits_cnn")["uiRevision"] > before["uiRevision"]
    ws.edit(_moved(ws.tab.doc, "x", [3, 3]))                        # after the flush: saved at once again
    assert _on_disk(ws, "digits_cnn")["nodes"][0]["pos"] == [3, 3]
    ws.flush_history()
    again = Workspace(tmp_path)                                     # a reload: the graph and its undo steps
    assert again.tab.doc["nodes"][0]["pos"] == [3, 3]
    assert again.undo() and again.tab.doc["nodes"][0]["pos"] == [2, 2]
    assert again.undo() and again.undo() and again.tab.doc == original and not again.undo()


def test_a_deferred_save_still_keeps_the_other_tabs_version(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    tab_b.edit(_without(tab_b.tab.doc, "fc2"))
    tab_a.defer_saves()
    tab_a.edit(_moved(tab_a.tab.doc, "x", [7, 7]))
    assert tab_a.tab.conflict is None                               # not known before the save
    tab_a.flush_history()
    assert tab_a.tab.conflict is not None and tab_a.tab.conflict.doc == tab_b.tab.doc
    assert "fc2" not in {n["id"] for n in _on_disk(tab_a, "digits_cnn")["nodes"]}   # B's delete stands


def test_the_history_file_is_trimmed_past_twice_the_limit(tmp_path, monkeypatch):
    from ui import workspace as workspace_module
    monkeypatch.setattr(workspace_module, "MAX_HISTORY", 3)
    ws = Workspace(tmp_path)
    history = tmp_path / "graphs" / "digits_cnn.history.jsonl"
    for step in range(8):
        ws.edit(_moved(ws.tab.doc, "x", [step, step]))
        ws.flush_history()
        assert len(history.read_text().splitlines()) <= 6
    again = Workspace(tmp_path)
    assert [d["nodes"][0]["pos"] for d in again.tab.undo] == [[4, 4], [5, 5], [6, 6]]


def test_history_that_leads_elsewhere_is_not_used(tmp_path):
    ws = Workspace(tmp_path)
    ws.edit(_moved(ws.tab.doc, "x", [1, 1]))
    ws.flush_history()
    doc = _file(ws, "digits_cnn")
    doc["uiRevision"] = 40                 # the graph was saved without its history (e.g. an older version)
    ws.graph_path("digits_cnn").write_text(json.dumps(doc))
    again = Workspace(tmp_path)
    assert not again.tab.undo
    again.edit(_moved(again.tab.doc, "x", [2, 2]))
    again.flush_history()
    assert len(Workspace(tmp_path).tab.undo) == 1         # the history starts again from there


def test_the_other_tabs_undo_history_comes_with_its_version(tmp_path):
    tab_a, tab_b = Workspace(tmp_path), Workspace(tmp_path)
    original = tab_b.tab.doc
    tab_b.edit(_without(original, "fc2"))
    tab_b.flush_history()
    tab_a.edit(_moved(tab_a.tab.doc, "x", [7, 7]))
    tab_a.resolve_conflict(tab_a.tab, keep="theirs", copy_name="digits_cnn (your edits)")
    assert tab_a.undo() and tab_a.tab.doc == original


def test_a_graphs_history_is_read_when_it_is_first_used(tmp_path):
    ws = Workspace(tmp_path)
    ws.open_doc(templates.load("mlp"))
    ws.edit(_moved(ws.tab.doc, ws.tab.doc["nodes"][0]["id"], [1, 1]))
    ws.select(0)
    ws.flush_history()
    again = Workspace(tmp_path)
    assert again.tab.key == "digits_cnn" and not again.tabs[1].history_read
    again.select(1)
    assert again.tab.undo and again.tabs[1].history_read
