"""Runs at scale (issue 15): a study's trials grouped under one row, disk use per run and per study, and
deleting many runs at once, in the library (runtime.runs) and on the Train page (AppTest).

The runs are fake but valid folders (docs/run-format.md), written by ``seed_run``; a trial is such a run
whose job.json carries ``study`` and ``trial``, as the tuner writes them."""
from __future__ import annotations

import os
import zlib
from pathlib import Path

from builder import templates
from runtime import runfiles
from runtime import runs
from runtime.config import TrainConfig
from tests.test_train_page import compare_box, env, open_train, seed_run  # noqa: F401 - env is a fixture

GRAPH = templates.load("mlp")


def trial_run(root: Path, study: str, trial: int, val_loss_scale: float = 1.0, **seed) -> Path:
    """A finished trial of ``study``; its best val_loss is 0.4 * ``val_loss_scale`` (seed_run's curve, scaled)."""
    run_dir = seed_run(root, GRAPH, TrainConfig(epochs=3).to_dict(), label="mlp",
                       run_id=f"20260102-{trial:06d}-{zlib.crc32(study.encode()) % 0xffff:04x}", **seed)
    job = runfiles.read_json(run_dir / runs.JOB)
    runfiles.write_json(run_dir / runs.JOB, {**job, "study": study, "trial": trial})
    runfiles.write_json(run_dir / runfiles.SUMMARY, {"best_metric": "val_loss", "epochs": 3})
    if val_loss_scale != 1.0:
        records, _ = runfiles.read_jsonl(run_dir / runfiles.METRICS)
        (run_dir / runfiles.METRICS).unlink()
        for r in records:
            if "val_loss" in r:
                r["val_loss"] *= val_loss_scale
            runfiles.append_jsonl(run_dir / runfiles.METRICS, r)
    return run_dir


def bytes_on_disk(folder: Path) -> int:
    """The independent count: every file below the folder, by os.walk."""
    return sum(os.path.getsize(os.path.join(top, f)) for top, _, files in os.walk(folder) for f in files)


def busy(run_dir: Path) -> None:
    """A run whose trainer is alive: status live, its pid this test's process."""
    status = runfiles.read_json(run_dir / runfiles.STATUS)
    runfiles.write_json(run_dir / runfiles.STATUS, {**status, "state": "running", "pid": os.getpid()})


# -- the library ------------------------------------------------------------------------------------
def test_runs_are_grouped_by_study_with_trials_in_order(tmp_path):
    loose = seed_run(tmp_path, GRAPH, TrainConfig().to_dict(), run_id="20260101-000001-aaaa")
    for trial in (2, 0, 1):
        trial_run(tmp_path, "lr-search", trial)
    trial_run(tmp_path, "width", 0)
    alone, studies = runs.by_study(runs.list_runs(tmp_path))
    assert [r.dir for r in alone] == [loose]
    assert sorted(studies) == ["lr-search", "width"]
    assert [t.trial for t in studies["lr-search"]] == [0, 1, 2]


def test_disk_use_counts_the_folder_and_follows_a_replaced_file(tmp_path):
    run_dir = seed_run(tmp_path, GRAPH, TrainConfig().to_dict())
    assert runs.disk_use(run_dir) == bytes_on_disk(run_dir) > 0
    (run_dir / "sub").mkdir()                       # a replaced file or a new folder changes the folder's mtime
    (run_dir / "sub" / "weights.pt").write_bytes(b"x" * 5000)
    assert runs.disk_use(run_dir) == bytes_on_disk(run_dir)
    with open(run_dir / runfiles.METRICS, "a") as f:     # a live run appends: counted when asked as live
        f.write("{}\n" * 100)
    assert runs.disk_use(run_dir, live=True) == bytes_on_disk(run_dir)
    assert runs.disk_use(tmp_path / "gone") == 0


def test_delete_many_deletes_ended_runs_and_refuses_busy_ones(tmp_path):
    ended = [seed_run(tmp_path, GRAPH, TrainConfig().to_dict(), run_id=f"20260101-00000{i}-aaaa") for i in range(3)]
    live = seed_run(tmp_path, GRAPH, TrainConfig().to_dict(), run_id="20260101-000009-bbbb")
    busy(live)
    sizes = sum(bytes_on_disk(d) for d in ended)
    done = runs.delete_many([*ended, live])
    assert done.deleted == ended and done.busy == [live] and done.failed == []
    assert done.freed == sizes
    assert not any(d.exists() for d in ended) and live.exists()
    assert [r.dir for r in runs.list_runs(tmp_path)] == [live]


def test_delete_many_refuses_a_run_whose_trainer_holds_the_lock(tmp_path):
    run_dir = seed_run(tmp_path, GRAPH, TrainConfig().to_dict())      # its status says finished, but a trainer
    lock = runfiles.take_lock(run_dir)                                  # has claimed the folder (continuing it)
    try:
        done = runs.delete_many([run_dir])
    finally:
        lock.close()
    assert done.busy == [run_dir] and done.deleted == [] and run_dir.exists()


def test_sizes_read_as_people_write_them():
    from ui.runs_bulk import human_size
    assert [human_size(n) for n in (0, 812, 1023, 3481, 12 * 1024 ** 2, 3 * 1024 ** 3 // 2)] == \
        ["0 B", "812 B", "1023 B", "3.4 KB", "12 MB", "1.5 GB"]


# -- the Train page ---------------------------------------------------------------------------------
def test_three_hundred_runs_are_grouped_by_study_with_disk_use(env):
    root = env["root"]
    for trial in range(150):
        trial_run(root, "lr-search", trial, val_loss_scale=1.0 if trial != 77 else 0.25)   # trial 77: best 0.1
    for trial in range(140):
        trial_run(root, "width", trial)
    for i in range(10):
        seed_run(root, GRAPH, TrainConfig().to_dict(), label=f"plain {i}", run_id=f"20260103-00000{i}-cccc")
    at = open_train()
    assert not at.exception, at.exception
    # the runs of no study in the first table, one expander per study holding its trials' table
    plain, lr_table, width_table = (d.value for d in at.dataframe[:3])  # studies: the newest trial's first
    assert sorted(plain["run"]) == [f"plain {i}" for i in range(10)]
    titles = {e.label for e in at.expander if e.label.startswith("Study")}
    lr_size = sum(bytes_on_disk(d) for d in root.iterdir() if d.name.startswith("20260102")
                  and runfiles.read_json(d / runs.JOB)["study"] == "lr-search")
    assert any(t.startswith("Study **lr\\-search** · 150 trials · best validation loss 0.1 · ") for t in titles), titles
    assert any(t.startswith("Study **width** · 140 trials · best validation loss 0.4 · ") for t in titles), titles
    [lr_title] = [t for t in titles if "lr" in t]
    shown = f"{lr_size / 1024:.0f} KB" if lr_size < 1024 ** 2 else f"{lr_size / 1024 ** 2:.1f} MB"   # ~1 MB: either
    assert lr_title.endswith(f" · {shown}"), (lr_title, lr_size)
    assert len(width_table) == 140
    assert list(lr_table["trial"]) == list(range(150))
    one = lr_table.iloc[0]
    assert one["disk"] == f"{bytes_on_disk(root / one['id']) / 1024:.1f} KB"
    # trials compare like any run, named by their study and number
    best, other = lr_table.iloc[77]["id"], lr_table.iloc[3]["id"]
    box = compare_box(at)
    assert box.format_func(best) == f"lr-search · trial 77 · {best}"
    box.set_value([best, other]).run()
    assert not at.exception, at.exception
    [overlay] = [c for c in at.get("plotly_chart") if "lr-search · trial 77" in c.proto.spec]
    assert "lr-search · trial 3" in overlay.proto.spec


def test_deleting_a_study_and_a_run_at_once_after_confirming(env):
    root = env["root"]
    trials = [trial_run(root, "gone", t) for t in range(4)]
    kept = trial_run(root, "kept", 0)
    plain = seed_run(root, GRAPH, TrainConfig().to_dict(), label="plain", run_id="20260103-000001-cccc")
    live = seed_run(root, GRAPH, TrainConfig().to_dict(), label="live one", run_id="20260103-000002-cccc")
    busy(live)
    freed = sum(bytes_on_disk(d) for d in (*trials, plain))
    assert 10 * 1024 <= freed < 1000 * 1024        # shown as whole KB
    at = open_train()
    at.multiselect(key="tp_bulk_studies").set_value(["gone"]).run()
    at.multiselect(key="tp_bulk_runs").set_value([plain.name, live.name]).run()
    assert any("Training now, so not deleted" in w.value and "live one" in w.value for w in at.warning)
    [confirm] = [m.value for m in at.markdown if m.value.startswith("Runs to delete")]
    assert confirm.startswith(f"Runs to delete: **5**, freeing **{freed / 1024:.0f} KB**"), (confirm, freed)
    at.button(key="tp_bulk_yes").click().run()
    assert not at.exception, at.exception
    assert not any(d.exists() for d in (*trials, plain)) and kept.exists() and live.exists()
    assert any(s.value == f"Runs deleted: 5, {freed / 1024:.0f} KB freed." for s in at.success)
    assert at.multiselect(key="tp_bulk_studies").value == [] and at.multiselect(key="tp_bulk_runs").value == []
    assert not [e for e in at.expander if "gone" in e.label]
