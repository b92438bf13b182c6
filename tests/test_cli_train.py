"""``python -m runtime train``: every flag explains itself; the flags that only --config reached before;
under torchrun one summary, not one per rank."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder import templates
from runtime.__main__ import main as runtime_cli, train_parser

ROOT = Path(__file__).resolve().parents[1]


def test_every_flag_has_a_one_line_help_with_choices_and_defaults():
    actions = [a for a in train_parser()._actions if a.option_strings and a.dest != "help"]
    assert len(actions) >= 28
    for action in actions:
        assert action.help and "\n" not in action.help, action.option_strings
    helps = {a.option_strings[0]: a.help for a in actions}
    assert "one of sgd, momentum" in helps["--optimizer"] and "default: adam" in helps["--optimizer"]
    assert "default: 0.002; regression 0.001" in helps["--lr"] and "(1 to 65,536; default: 64)" in helps["--batch-size"]
    for flag in ("--grad-clip", "--label-noise", "--freeze", "--resume"):
        assert flag in helps


@pytest.mark.slow
def test_the_new_flags_reach_the_config(tmp_path):
    graph = tmp_path / "mlp.json"
    graph.write_text(json.dumps(templates.load("mlp")))
    out = tmp_path / "run"
    assert runtime_cli(["train", str(graph), "--data", "digits", "--epochs", "1", "--grad-clip", "0.5",
                        "--label-noise", "0.1", "--freeze", "fc1, fc2", "--out", str(out)]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["grad_clip"], cfg["label_noise"], cfg["freeze"]) == (0.5, 0.1, ["fc1", "fc2"])
    again = tmp_path / "again"
    resume = ["train", str(graph), "--data", "digits", "--epochs", "2", "--init-from", str(out / "checkpoint_last.pt"),
              "--resume", "--out", str(again)]
    assert runtime_cli(resume + ["--freeze", "fc1,fc2"]) == 0
    assert json.loads((again / "summary.json").read_text())["epochs"] == 2


@pytest.mark.slow
def test_resuming_with_other_trainable_layers_is_a_message(tmp_path, capsys):
    graph = tmp_path / "mlp.json"
    graph.write_text(json.dumps(templates.load("mlp")))
    out = tmp_path / "run"
    assert runtime_cli(["train", str(graph), "--epochs", "1", "--freeze", "fc1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert runtime_cli(["train", str(graph), "--epochs", "2", "--init-from", str(out / "checkpoint_last.pt"),
                        "--resume", "--out", str(tmp_path / "again")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "checkpoint_last.pt" in err


def test_resume_without_a_checkpoint_is_refused(tmp_path, capsys):
    graph = tmp_path / "mlp.json"
    graph.write_text(json.dumps(templates.load("mlp")))
    assert runtime_cli(["train", str(graph), "--resume", "--out", str(tmp_path / "r")]) == 1
    assert "init_from" in capsys.readouterr().err


@pytest.mark.slow
def test_torchrun_prints_one_summary(tmp_path):
    graph = tmp_path / "mlp.json"
    graph.write_text(json.dumps(templates.load("mlp")))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "runtime", "train", str(graph), "--data", "digits", "--epochs", "1", "--json",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summaries = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1 and json.loads(summaries[0])["ok"]
