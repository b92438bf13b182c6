"""Runs as processes, the run folder, and ``python -m runtime train``: what the pages and scripts rely on."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from builder import templates
from runtime import checkpoint, runs
from runtime import runfiles
from runtime.__main__ import main as runtime_main
from tests.graphs import chain
from tests.inproc import run_main
from tests.trained_runs import trained_run

ROOT = Path(__file__).resolve().parents[1]


def wait_for(pred, timeout=120.0, every=0.1):
    end = time.time() + timeout
    while time.time() < end:
        value = pred()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def metrics(run_dir):
    records, _ = runfiles.read_jsonl(Path(run_dir) / runfiles.METRICS)
    return records


@pytest.mark.slow
def test_a_run_trains_in_its_own_process_and_writes_its_folder(tmp_path):
    run_dir = runs.start(templates.load("digits_cnn"), {"data": "digits", "epochs": 3, "lr": 3e-3}, root=tmp_path)
    status = runs.wait(run_dir, timeout=180)
    assert status["state"] == "finished", (status, (run_dir / runfiles.LOG).read_text()[-2000:])
    assert status["pid"] != __import__("os").getpid()
    records = metrics(run_dir)
    epochs = [r for r in records if r["kind"] == "epoch"]
    assert [r["epoch"] for r in epochs] == [0, 1, 2, 3]
    assert all(r["kind"] in ("step", "epoch") for r in records)
    for name in (runfiles.CONFIG, runfiles.GRAPH, runfiles.PREPROCESS, runfiles.STATS, runfiles.ACTIVATIONS, runfiles.CONFUSION, runfiles.SUMMARY,
                 runfiles.CKPT_LAST, runfiles.CKPT_BEST):
        assert (run_dir / name).exists(), name
    act = runfiles.read_npz(run_dir / runfiles.ACTIVATIONS)
    assert act["act__conv1"].shape == (4, 16, 8, 8) and act["input__0"].shape == (4, 1, 8, 8)
    ckpt = checkpoint.load(run_dir / runfiles.CKPT_LAST)
    assert ckpt["epoch"] == 3 and ckpt["graph"]["name"] == "digits_cnn" and ckpt["class_names"][0] == "0"
    info = runs.list_runs(tmp_path)[0]
    assert info.id == run_dir.name and info.state == "finished" and info.summary["val_acc"] > 0.5


@pytest.mark.slow
def test_pause_resume_and_stop_mid_epoch_leave_a_valid_folder(tmp_path):
    run_dir = runs.start(templates.load("mlp"), {"data": "digits", "epochs": 400, "log_points_per_epoch": 20},
                         root=tmp_path)
    wait_for(lambda: len(metrics(run_dir)) >= 3)
    runs.pause(run_dir)
    wait_for(lambda: (runs.read_status(run_dir) or {}).get("state") == "paused", timeout=60)
    n = len(metrics(run_dir))
    time.sleep(1.0)
    assert len(metrics(run_dir)) == n          # paused: nothing moves
    runs.resume(run_dir)
    wait_for(lambda: len(metrics(run_dir)) > n, timeout=60)
    runs.stop(run_dir)
    status = runs.wait(run_dir, timeout=60)
    assert status["state"] == "stopped" and status["stop_reason"] == "stopped"
    ckpt = checkpoint.load(run_dir / runfiles.CKPT_LAST)    # loads, so it is whole
    assert ckpt["step"] == status["step"] and ckpt["epoch"] < 400
    for line in (run_dir / runfiles.METRICS).read_text().splitlines():
        json.loads(line)                               # every record complete


@pytest.mark.slow
def test_two_runs_at_once_do_not_interfere(tmp_path):
    a = runs.start(templates.load("perceptron"), {"data": "iris", "epochs": 30, "seed": 1}, root=tmp_path)
    b = runs.start(templates.load("mlp"), {"data": "digits", "epochs": 2, "seed": 2}, root=tmp_path)
    assert runs.wait(a, 180)["state"] == "finished" and runs.wait(b, 180)["state"] == "finished"
    assert json.loads((a / runfiles.GRAPH).read_text())["name"] == "perceptron"
    assert json.loads((b / runfiles.GRAPH).read_text())["name"] == "mlp"
    assert {r.id for r in runs.list_runs(tmp_path)} == {a.name, b.name}


@pytest.mark.slow
def test_metrics_are_readable_while_being_written(tmp_path):
    run_dir = runs.start(templates.load("mlp"), {"data": "digits", "epochs": 8, "log_points_per_epoch": 40},
                         root=tmp_path)
    offset, seen = 0, []
    deadline = time.time() + 120
    while time.time() < deadline:
        new, offset = runfiles.read_jsonl(run_dir / runfiles.METRICS, offset)
        seen += new
        if (runs.read_status(run_dir) or {}).get("state") in ("finished", "failed", "died"):
            new, offset = runfiles.read_jsonl(run_dir / runfiles.METRICS, offset)
            seen += new
            break
        time.sleep(0.02)
    assert len(seen) == len(metrics(run_dir)) > 100
    assert [r["step"] for r in seen if r["kind"] == "step"] == sorted(r["step"] for r in seen if r["kind"] == "step")


@pytest.mark.slow
def test_a_failed_run_reports_a_message_not_a_traceback(tmp_path):
    run_dir = runs.start(chain(("Linear", {"out_features": 1}), input_shape=(10,)),
                         {"data": "diabetes", "epochs": 5, "lr": 5.0, "optimizer": "sgd"}, root=tmp_path)
    status = runs.wait(run_dir, 120)
    assert status["state"] == "failed" and status["error"]["code"] == "train.nan"
    assert "learning rate" in status["error"]["message"]


@pytest.mark.slow
def test_continue_a_stopped_run_and_fine_tune_from_it(tmp_path):
    # trained here, as the app's trainer would (a run's own process: the first test); continued and fine-tuned in theirs
    run_dir = trained_run(tmp_path, {"data": "digits", "epochs": 2}, templates.load("mlp"))
    runs.continue_run(run_dir, epochs=4)
    status = runs.wait(run_dir, 120)
    assert status["state"] == "finished"
    epochs = [r["epoch"] for r in metrics(run_dir) if r["kind"] == "epoch"]
    assert epochs == [0, 1, 2, 3, 4]        # continued where it stopped, in the same folder
    tuned = runs.fine_tune(run_dir, freeze=["fc1", "fc2"], overrides={"epochs": 1})
    assert runs.wait(tuned, 120)["state"] == "finished"
    before = checkpoint.load(run_dir / runfiles.CKPT_BEST)["state_dict"]
    after = checkpoint.load(tuned / runfiles.CKPT_LAST)["state_dict"]
    assert torch.equal(before["fc1.weight"], after["fc1.weight"])
    assert not torch.equal(before["fc3.weight"], after["fc3.weight"])


@pytest.mark.slow
def test_delete_removes_the_folder(tmp_path):
    run_dir = trained_run(tmp_path, {"data": "iris", "epochs": 1}, templates.load("perceptron"))
    runs.delete(run_dir)
    assert not run_dir.exists() and runs.list_runs(tmp_path) == []


# -- the command line -------------------------------------------------------------------------
def cli(*args, cwd=ROOT):
    """A real ``python -m runtime`` process."""
    return subprocess.run([sys.executable, "-m", "runtime", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def cli_here(capsys, *args):
    """The same command in this process: for what it prints, writes and returns (``cli`` keeps the process's own)."""
    return run_main(runtime_main, args, capsys)


@pytest.mark.slow
def test_cli_train_json_summary(tmp_path):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(templates.load("digits_cnn")))
    out = tmp_path / "run"
    proc = cli("train", graph, "--data", "digits", "--epochs", "3", "--out", out, "--json", "--lr", "0.003",
               "--batch-size", "32", "--seed", "1", "--optimizer", "adam", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"epochs", "train_loss", "val_loss", "val_acc", "samples_per_s", "device"} <= set(summary)
    assert summary["epochs"] == 3 and summary["val_acc"] > 0.8 and summary["device"].startswith("CPU")
    assert (out / runfiles.METRICS).exists() and (out / runfiles.CKPT_LAST).exists()
    status = runfiles.read_json(out / runfiles.STATUS)      # what a reader translates from (docs/run-format.md)
    assert status["device"] == summary["device"] and status["device_kind"] == "cpu"
    assert isinstance(status["threads"], int) and status["threads"] >= 1


@pytest.mark.slow
def test_cli_config_file_and_flags_override_it(tmp_path, capsys):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(templates.load("perceptron")))
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"data": "iris", "epochs": 50, "optimizer": "sgd", "lr": 0.1}))
    proc = cli_here(capsys, "train", graph, "--config", config, "--epochs", "2", "--out", tmp_path / "r", "--json")
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((tmp_path / "r" / runfiles.CONFIG).read_text())
    assert saved["epochs"] == 2 and saved["optimizer"] == "sgd" and saved["data"] == "iris"


@pytest.mark.slow
def test_cli_gan(tmp_path, capsys):
    g, d = tmp_path / "g.json", tmp_path / "d.json"
    g.write_text(json.dumps(templates.load("gan_generator")))
    d.write_text(json.dumps(templates.load("gan_discriminator")))
    proc = cli_here(capsys, "train", g, "--discriminator", d, "--data", "digits", "--epochs", "1", "--out", tmp_path / "r", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["mode"] == "gan"
    assert runfiles.read_npz(tmp_path / "r" / runfiles.SAMPLES)["generated"].shape == (16, 1, 8, 8)


@pytest.mark.parametrize("args,code,text", [
    (["--data", "mnist"], 1, "mnist"),
    (["--data", "iris"], 1, "(1, 8, 8)"),
    (["--data", "digits", "--lr", "-1"], 1, "lr"),
    (["--data", "digits", "--optimizer", "lion"], 1, "lion"),
])
def test_cli_bad_input_is_a_message_and_exit_1(tmp_path, capsys, args, code, text):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(templates.load("digits_cnn")))
    proc = cli_here(capsys, "train", graph, "--epochs", "1", "--out", tmp_path / "r", *args)
    assert proc.returncode == code and text in proc.stderr and "Traceback" not in proc.stderr


def test_cli_unreadable_graph_exit_2(tmp_path, capsys):
    bad = tmp_path / "g.json"
    bad.write_text("{nope")
    proc = cli_here(capsys, "train", bad, "--data", "digits")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_cli_saves_a_builtin_set_as_npz(tmp_path):
    proc = cli("data", "moons", "--save", tmp_path / "moons.npz")
    assert proc.returncode == 0, proc.stderr
    from runtime.data import load_npz
    ds = load_npz(tmp_path / "moons.npz")
    assert tuple(ds.inputs["x"].shape) == (1000, 2) and ds.task == "classification"


@pytest.mark.slow
def test_two_processes_split_the_data_and_step_like_one(tmp_path):
    """devices=2 runs DDP through torchrun (gloo on CPU): each rank takes half of the global batch,
    and one step on 2 ranks equals one single-process step on the combined batch."""
    from builder.codegen import compile_graph
    from runtime.train import seed_everything
    graph = templates.load("perceptron")
    base = {"data": "iris", "epochs": 1, "batch_size": 64, "max_steps": 1, "optimizer": "sgd", "lr": 0.5,
            "seed": 3, "device": "cpu"}
    one = runs.start(graph, base, root=tmp_path / "one")
    two = runs.start(graph, dict(base, devices=2), root=tmp_path / "two")
    assert runs.wait(one, 180)["state"] == "finished"
    status = runs.wait(two, 180)
    assert status["state"] == "finished", (two / runfiles.LOG).read_text()[-3000:]
    w1 = checkpoint.load(one / runfiles.CKPT_LAST)["state_dict"]
    w2 = checkpoint.load(two / runfiles.CKPT_LAST)["state_dict"]
    seed_everything(3)
    w0 = compile_graph(graph).build().state_dict()
    for key in w1:
        assert not torch.allclose(w0[key], w1[key])             # the step really moved the weights
        assert torch.allclose(w1[key], w2[key], atol=1e-6), key  # and both ways moved them alike
    steps = [r["step"] for r in metrics(two) if r["kind"] == "step"]
    assert steps == [1]                                          # rank 0 alone writes the folder


def test_runs_started_in_the_same_second_are_listed_newest_first(tmp_path):
    """Run ids name the second a run started; two runs in one second are ordered by when their job was made
    (the id's random suffix said nothing: the Export page's default and 'newest first' flipped at random)."""
    second = "20261130-040746"
    for suffix, created in (("ffff", 100.0), ("0000", 200.0), ("8888", 150.0)):
        d = tmp_path / f"{second}-{suffix}"
        d.mkdir()
        runfiles.write_json(d / "job.json", {"graph": {}, "config": {}, "created": created})
    (tmp_path / "20261130-040747-aaaa").mkdir()
    runfiles.write_json(tmp_path / "20261130-040747-aaaa" / "job.json", {"graph": {}, "config": {}, "created": 50.0})
    assert [r.id[-4:] for r in runs.list_runs(tmp_path)] == ["aaaa", "0000", "8888", "ffff"]
