"""Fault paths (issue 10): a folder that cannot be made, a disk that fills up, out of memory, stale
temporary files, two trainers on one folder, runs made by the command line, damaged and hostile
checkpoints. Each ends in a message and a ``failed`` run with its coded reason, never in a
traceback or a run that looks alive.
"""
from __future__ import annotations

import collections
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from builder import templates
from builder.errors import CodedError
from runtime import checkpoint, runs
from runtime import runfiles
from runtime.__main__ import main as cli_main
from runtime.config import ConfigError, TrainConfig
from runtime.export import ExportError, load_run, load_weights
from tests.disk_faults import FaultyDisk, fails, no_new_files_after, read_only_after
from tests.inproc import run_main

ROOT = Path(__file__).resolve().parents[1]
IRIS = {"data": "iris", "epochs": 3, "seed": 0}
TORCH_ADVICE = ("weights_only", "safe_globals", "add_safe_globals", "http")


@pytest.fixture
def no_signals(monkeypatch):
    """Trainers run in this process here: they must not take over pytest's SIGINT/SIGTERM."""
    monkeypatch.setattr(runs.FileControl, "install_signal_handlers", lambda self: None)


def job_folder(root: Path, graph: str = "perceptron", **config) -> Path:
    """A run folder as ``runs.start`` leaves it for its trainer: job.json and a queued status."""
    run_dir = root / runs.new_run_id()
    run_dir.mkdir(parents=True)
    runfiles.write_json(run_dir / runs.JOB, {"config": TrainConfig.from_dict({**IRIS, **config}).to_dict(),
                                       "graph": templates.load(graph), "discriminator": None, "label": graph,
                                       "created": time.time()})
    runfiles.write_json(run_dir / runfiles.STATUS, {"state": "queued", "updated": time.time(), "format_version": 1})
    return run_dir


def graph_file(tmp_path: Path, name: str = "perceptron") -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(templates.load(name)))
    return path


def last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- an output folder that cannot be made ------------------------------------------------------
@pytest.mark.parametrize("where", ["under a file", "in /proc"])
def test_cli_output_folder_that_cannot_be_made_is_a_message_and_exit_1(tmp_path, capsys, no_signals, where):
    if where == "under a file":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        out = tmp_path / "notes.txt" / "run"
    else:
        out = Path("/proc/netcanvas-run")
    code = cli_main(["train", str(graph_file(tmp_path)), "--data", "iris", "--epochs", "1", "--out", str(out), "--json"])
    printed = capsys.readouterr()
    assert code == 1 and "Traceback" not in printed.err
    result = last_json_line(printed.out)
    assert result["ok"] is False and result["error"]["code"] == "run.folder_unusable"
    assert result["error"]["args"]["path"] == str(out) and str(out) in printed.err


@pytest.mark.slow
def test_cli_output_folder_message_from_a_real_process(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    out = tmp_path / "notes.txt" / "run"
    proc = subprocess.run([sys.executable, "-m", "runtime", "train", str(graph_file(tmp_path)), "--data", "iris",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"cannot create the run folder {out} (Not a directory)" in proc.stderr


def test_start_in_a_runs_folder_that_cannot_be_written_names_it_and_says_what_to_do(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    root = tmp_path / "file.txt" / "runs"
    with pytest.raises(CodedError) as info:
        runs.start(templates.load("perceptron"), IRIS, root=root)
    assert info.value.code == "run.root_unusable" and info.value.info["path"] == str(root)
    for lang in ("en", "zh"):
        assert str(root) in info.value.message(lang) and "NETCANVAS_RUNS" in info.value.message(lang)
    assert runs.list_runs(root) == []


# -- a disk that fails while training ---------------------------------------------------------
@pytest.mark.parametrize("name,code,expected", [
    ("metrics.jsonl", errno.ENOSPC, "run.disk_full"),
    ("checkpoint_last.pt", errno.ENOSPC, "run.disk_full"),
    ("activations.npz", errno.EDQUOT, "run.disk_full"),
    ("confusion.json", errno.EROFS, "run.write_failed"),
])
def test_a_write_that_fails_while_training_ends_the_run_failed_with_its_reason(tmp_path, no_signals, name, code,
                                                                              expected):
    run_dir = job_folder(tmp_path)
    with FaultyDisk(run_dir, fails(name, code)) as disk:
        assert runs.run_folder(run_dir) == 1
    assert disk.refused[0] == (name, code)
    status = runs.read_status(run_dir)
    assert status["state"] == "failed" and status["error"]["code"] == expected, status
    assert status["error"]["args"] == {"path": str(run_dir / name), "detail": os.strerror(code)}
    assert str(run_dir / name) in status["error"]["message"]
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]    # no half-written file left


def test_when_status_json_cannot_be_written_readers_see_the_reason_once_the_process_is_gone(tmp_path, no_signals,
                                                                                         monkeypatch):
    run_dir = job_folder(tmp_path)
    (run_dir / runfiles.LOG).write_text("worker started\n")
    writes = []

    def status_fails_after_two(path, creating):     # each write of status.json makes a new temporary file
        if path.name == runfiles.STATUS and creating:
            writes.append(path)
            return errno.ENOSPC if len(writes) > 2 else None
        return None
    with FaultyDisk(run_dir, status_fails_after_two):
        assert runs.run_folder(run_dir) == 1
    assert runs.read_status(run_dir)["state"] == "running"      # as written, while this process lives
    monkeypatch.setattr(runs, "_alive", lambda pid: pid != os.getpid())
    status = runs.read_status(run_dir)
    assert status["state"] == "failed" and status["error"]["code"] == "run.disk_full"
    assert status["error"]["args"]["path"] == str(run_dir / runfiles.STATUS)


SCRIPT = """
import sys
from pathlib import Path
from runtime import runs
from tests import disk_faults
run_dir = Path(sys.argv[1])
with disk_faults.FaultyDisk(run_dir, getattr(disk_faults, sys.argv[2])(int(sys.argv[3]))):
    code = runs.run_folder(run_dir)
sys.exit(code)
"""


@pytest.mark.slow
@pytest.mark.parametrize("rule,n,state", [(no_new_files_after.__name__, 6, "failed"),
                                          (read_only_after.__name__, 8, "died")])
def test_a_trainer_whose_disk_fills_up_exits_and_never_looks_alive(tmp_path, rule, n, state):
    """A real trainer process: with no inodes left, a new file (status.json's temporary) cannot be
    made but log.txt takes the failure; on a read-only disk nothing can be written and the run is
    ``died``. Either way the process ends with exit 1, no traceback."""
    run_dir = job_folder(tmp_path, epochs=50)
    with open(run_dir / runfiles.LOG, "ab") as log:
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(run_dir), rule, str(n)], cwd=ROOT, stdout=log,
                              stderr=log, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    log_text = (run_dir / runfiles.LOG).read_text()
    assert proc.returncode == 1 and "Traceback" not in log_text, log_text[-2000:]
    status = runs.read_status(run_dir)
    assert status["state"] == state, status
    if state == "failed":
        assert status["error"]["code"] == "run.disk_full" and "No space left on device" in status["error"]["message"]


# -- out of memory in the command line ------------------------------------------------------------
@pytest.mark.parametrize("where", ["prepare", "fit"])
@pytest.mark.parametrize("error", [MemoryError, torch.OutOfMemoryError])
def test_out_of_memory_in_the_cli_is_a_message_and_exit_1(tmp_path, monkeypatch, capsys, no_signals, where, error):
    from runtime import tasks
    from runtime import train as train_module

    def oom(*args, **kwargs):
        raise error("CUDA out of memory. Tried to allocate 2.00 GiB") if error is torch.OutOfMemoryError else error()
    if where == "prepare":
        monkeypatch.setattr(train_module, "prepare", oom)
    else:
        monkeypatch.setattr(tasks.SupervisedTask, "train_step", oom)
    out = tmp_path / "run"
    code = cli_main(["train", str(graph_file(tmp_path)), "--data", "iris", "--epochs", "1", "--out", str(out), "--json"])
    printed = capsys.readouterr()
    assert code == 1 and "Traceback" not in printed.err
    result = last_json_line(printed.out)
    assert result["ok"] is False and result["error"]["code"] in ("run.out_of_memory", "train.oom")
    assert "out of memory" in printed.err and "batch size" in printed.err
    status = runs.read_status(out)
    assert status["state"] == "failed" and status["error"]["code"] == result["error"]["code"]


# -- temporary files a killed writer left ---------------------------------------------------------
def test_stale_temporary_files_are_removed_when_runs_are_listed_and_when_a_run_starts(tmp_path, no_signals):
    run_dir = job_folder(tmp_path)
    gone = dead_pid()
    stale = [f".checkpoint_best.pt.{gone}.tmp", f".status.json.{gone}.tmp", f".activations.npz.{gone}.tmp"]
    kept = [f".status.json.{os.getpid()}.tmp", "notes.123.tmp", ".checkpoint_last.pt.tmp"]   # a live writer's; not ours
    for name in stale + kept:
        (run_dir / name).write_bytes(b"partial")
    assert [r.id for r in runs.list_runs(tmp_path)] == [run_dir.name]
    left = {p.name for p in run_dir.iterdir()}
    assert not left & set(stale) and set(kept) <= left

    (run_dir / f".checkpoint_last.pt.{gone}.tmp").write_bytes(b"partial")
    assert runs.run_folder(run_dir) == 0        # a run starting (or continuing) in the folder
    assert not (run_dir / f".checkpoint_last.pt.{gone}.tmp").exists()
    assert not [p.name for p in run_dir.iterdir() if runfiles.TEMPORARY.match(p.name) and str(os.getpid()) not in p.name]


# -- one trainer per folder --------------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_trainer_on_a_live_run_folder_is_refused_and_touches_nothing(tmp_path, capsys):
    run_dir = runs.start(templates.load("mlp"), {"data": "digits", "epochs": 400}, root=tmp_path)
    try:
        status = wait_for(lambda: (s := runs.read_status(run_dir)) and s.get("state") == "running" and s)
        job_before = (run_dir / runs.JOB).read_bytes()
        with pytest.raises(CodedError) as info:
            runs.continue_run(run_dir, epochs=800)
        assert info.value.code == "run.busy" and str(run_dir) in info.value.message()

        # a second trainer process on the folder (the app bypassed): it refuses and writes nothing there
        second = subprocess.run([sys.executable, "-m", "runtime", "run", str(run_dir)], cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 1 and "another training process is working in" in second.stderr
        assert "Traceback" not in second.stderr
        # the command line (here in this process; its own process is the trainer's above): refused the same way
        cli = run_main(cli_main, ["train", graph_file(tmp_path, "mlp"), "--data", "digits", "--out", run_dir, "--json"],
                       capsys)
        assert cli.returncode == 1 and last_json_line(cli.stdout)["error"]["code"] == "run.busy"
        assert (run_dir / runs.JOB).read_bytes() == job_before
        now = runs.read_status(run_dir)
        assert now["pid"] == status["pid"] and now["state"] == "running" and now.get("error") is None
        runs.stop(run_dir)
        assert runs.wait(run_dir, 120)["state"] == "stopped"
    finally:
        runs.kill(run_dir)


def wait_for(pred, timeout=120.0):
    end = time.time() + timeout
    while time.time() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_the_lock_is_the_processs_and_goes_with_it(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from runtime import runfiles as rf; "
                               "from pathlib import Path; lock = rf.take_lock(Path(sys.argv[1])); print('held', flush=True);"
                               " time.sleep(60)", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert runfiles.is_locked(tmp_path, wait=0.2) and runfiles.take_lock(tmp_path, wait=0.2) is None
        assert runs.is_busy(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert not runfiles.is_locked(tmp_path)                    # the OS released it with the process
    lock = runfiles.take_lock(tmp_path, wait=0)
    assert lock is not None
    lock.close()


# -- runs made by the command line ------------------------------------------------------------------
@pytest.mark.slow
def test_a_cli_run_under_the_runs_root_is_listed_continued_and_exported(tmp_path, capsys):
    from ui import export_view
    root = tmp_path / "runs"
    out = root / "20250101-000000-c11a"
    proc = run_main(cli_main, ["train", graph_file(tmp_path), "--data", "iris", "--epochs", "2", "--out", out], capsys)
    assert proc.returncode == 0, proc.stderr
    [info] = runs.list_runs(root)
    assert (info.id, info.label, info.state) == (out.name, "perceptron", "finished")
    job = runfiles.read_json(out / runs.JOB)
    assert set(job) == {"config", "graph", "discriminator", "label", "created"}
    # what was given; config.json: every setting as the run trained with it
    assert job["config"] == {"version": 2, "data": "iris", "epochs": 2} and job["graph"]["name"] == "perceptron"
    resolved = runfiles.read_json(out / runfiles.CONFIG)
    assert {k: resolved[k] for k in job["config"]} == job["config"] and len(resolved) > 40
    assert job["discriminator"] is None and time.time() - job["created"] < 120
    assert [r.id for r in export_view.exportable_runs(root)] == [out.name]
    runs.continue_run(out, epochs=3)
    assert runs.wait(out, 120)["state"] == "finished"
    epochs = [r["epoch"] for r in runfiles.read_jsonl(out / runfiles.METRICS)[0] if r["kind"] == "epoch"]
    assert epochs == [0, 1, 2, 3]
    assert load_run(out).graph["name"] == "perceptron"


# -- damaged and hostile checkpoints ------------------------------------------------------------------
class Shady(collections.OrderedDict):
    """Not a plain container: a checkpoint holding one must be refused."""


class RunsACommand:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("kind", ["os.system", "subclass"])
def test_a_checkpoint_that_pickles_code_is_refused_without_passing_on_torchs_advice(tmp_path, kind):
    marker = tmp_path / "ran"
    payload = {"format": checkpoint.FORMAT, "state_dict": {},
               "extra": RunsACommand(marker) if kind == "os.system" else Shady(a=1)}
    path = tmp_path / "checkpoint_best.pt"
    torch.save(payload, path)
    with pytest.raises(ConfigError) as info:
        checkpoint.load(path)
    name = "system" if kind == "os.system" else f"{__name__}.Shady"
    assert info.value.code == "train.checkpoint_unsafe" and name in info.value.info["detail"]
    with pytest.raises(ExportError) as exported:
        load_run(tmp_path)
    with pytest.raises(ExportError) as weights:
        load_weights(path)
    for error in (info.value, exported.value, weights.value):
        for lang in ("en", "zh"):
            message = error.message(lang)
            assert str(path) in message and name in message
            assert not [word for word in TORCH_ADVICE if word in message], message
    assert "not allowed" in info.value.message("en")
    assert not marker.exists()


@pytest.mark.parametrize("keep", [0, 10, 300, 0.6])
def test_a_checkpoint_cut_short_is_damaged_not_a_traceback(tmp_path, keep):
    whole = tmp_path / "whole.pt"
    checkpoint.save(whole, state_dict={"w": torch.randn(64, 64)}, graph=templates.load("perceptron"))
    data = whole.read_bytes()
    cut = tmp_path / "checkpoint_last.pt"
    cut.write_bytes(data[:int(len(data) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(ConfigError) as info:
        checkpoint.load(cut)
    assert info.value.code == "train.checkpoint_damaged"
    assert info.value.message().startswith("the checkpoint is damaged: " + str(cut))
    with pytest.raises(ExportError) as exported:
        load_run(tmp_path)
    assert exported.value.code == "train.checkpoint_damaged"
    assert not [word for word in TORCH_ADVICE if word in exported.value.message("zh")]


def test_not_a_checkpoint_keeps_its_own_message(tmp_path):
    path = tmp_path / "checkpoint_last.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError) as info:
        checkpoint.load(path)
    assert info.value.code == "train.checkpoint_bad" and "Unsupported operand" in info.value.message()
    assert "weights_only" not in info.value.message()
