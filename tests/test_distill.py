"""Knowledge distillation (issue 16): a student learns from a finished run; the loss formula, the metrics it
logs, the messages for teachers that cannot teach, and the run that cannot pass without its teacher."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from builder import templates
from runtime import runfiles
from runtime.runs import JOB
from runtime.__main__ import main as runtime_cli
from runtime.config import ConfigError, TrainConfig
from runtime.distill import kd_term
from runtime.train import train
from tests.graphs import chain

STUDENT = chain(("Flatten", {}), ("Linear", {"out_features": 24}), ("ReLU", {}), ("Linear", {"out_features": 10}),
                input_shape=(1, 8, 8), name="student")


def _train_run(out: Path, graph: dict, **settings) -> dict:
    """Train ``graph`` into the run folder ``out`` through the command line; the --json summary."""
    gfile = out.parent / f"{out.name}.json"
    gfile.write_text(json.dumps(graph))
    quiet = out.parent / "no_monitor.json"          # no diagnostics recorded: these runs are read for their metrics
    quiet.write_text(json.dumps({"monitor": False}))
    args = ["train", str(gfile), "--out", str(out), "--config", str(quiet)]
    for key, value in settings.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    assert runtime_cli(args) == 0
    return json.loads((out / runfiles.SUMMARY).read_text())


def _records(run: Path, kind: str) -> list[dict]:
    lines = (run / runfiles.METRICS).read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("kind") == kind]


def test_kd_term_is_hintons_formula_written_out():
    torch.manual_seed(0)
    s, t, temp = torch.randn(5, 4), torch.randn(5, 4), 3.0
    p_t = torch.softmax(t / temp, 1)
    by_hand = (p_t * (p_t.log() - torch.log_softmax(s / temp, 1))).sum(1).mean() * temp ** 2
    assert torch.allclose(kd_term(s, t, temp), by_hand, atol=1e-6)
    assert kd_term(t, t, temp).abs() < 1e-6          # same outputs: nothing to learn
    assert F.cross_entropy(s, torch.zeros(5, dtype=torch.long)) > 0


def test_settings_need_a_teacher_and_a_classification_run():
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict({"kd_alpha": 0.9})
    assert e.value.code == "train.not_applicable_needs"
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict({"mode": "regression", "teacher": "runs/x"})
    assert e.value.code == "train.not_applicable_mode" and "classification" in e.value.message("en")
    with pytest.raises(ConfigError) as e:
        TrainConfig.from_dict({"teacher": "runs/x", "kd_temperature": 0.0})
    assert e.value.code == "train.config_range"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A digits CNN teacher (8 epochs) and a finished run of another output shape (3 classes of points)."""
    root = tmp_path_factory.mktemp("kd")
    started = time.time()
    teacher = _train_run(root / "teacher", templates.load("digits_cnn"), data="digits", epochs=8, lr=0.005, seed=0)
    seconds = time.time() - started
    three = chain(("Linear", {"out_features": 3}), input_shape=(2,), name="three")     # blobs: 3 classes of points
    _train_run(root / "three", three, data="blobs", epochs=1, max_steps=2)
    return {"root": root, "teacher": root / "teacher", "teacher_acc": teacher["val_acc"], "teacher_s": seconds,
            "three": root / "three"}


def _refused(tmp_path, graph, teacher, **more) -> ConfigError:
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 1, "teacher": str(teacher), **more})
    with pytest.raises(ConfigError) as e:
        train(cfg, graph)
    return e.value


@pytest.mark.slow
def test_teachers_that_cannot_teach_are_named_in_the_message(runs, tmp_path):
    missing = _refused(tmp_path, STUDENT, tmp_path / "nowhere")
    assert missing.code == "distill.teacher_missing" and "nowhere" in missing.message("en")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / JOB).write_text("{}")
    (busy / runfiles.STATUS).write_text(json.dumps({"state": "running"}))
    unfinished = _refused(tmp_path, STUDENT, busy)
    assert unfinished.code == "distill.teacher_unfinished" and "running" in unfinished.message("en")
    shape = _refused(tmp_path, STUDENT, runs["three"])
    text = shape.message("en")
    assert shape.code == "distill.output_mismatch" and "[3]" in text and "[10]" in text
    assert "[3]" in shape.message("zh") and "[10]" in shape.message("zh")


@pytest.mark.slow
def test_a_teacher_that_is_not_a_classifier_is_refused(tmp_path):
    same = chain(("Conv2d", {"out_channels": 1, "kernel_size": 3, "padding": 1}), input_shape=(1, 8, 8), name="ae")
    _train_run(tmp_path / "ae", same, data="digits", mode="autoencoder", epochs=1, max_steps=2)
    refused = _refused(tmp_path, STUDENT, tmp_path / "ae")
    assert refused.code == "distill.teacher_not_classifier" and "autoencoder" in refused.message("en")


@pytest.mark.slow
def test_student_learns_from_the_teacher_alone(runs, tmp_path, record_property):
    """alpha = 1: the labels weigh nothing, so >= 0.9 can only come from the teacher; a random teacher is the
    control (same student, same everything): it stays far below."""
    assert runs["teacher_acc"] >= 0.95
    common = dict(data="digits", epochs=8, lr=0.01, seed=0, kd_alpha=1.0, kd_temperature=4.0)
    started = time.time()
    taught = _train_run(tmp_path / "taught", STUDENT, teacher=runs["teacher"], **common)
    student_s = time.time() - started
    assert taught["val_acc"] >= 0.9, taught
    steps = _records(tmp_path / "taught", "step")
    assert all("kd_loss" in r and "ce_loss" in r for r in steps)
    assert steps[-1]["kd_loss"] < steps[0]["kd_loss"]
    assert abs(steps[-1]["loss"] - steps[-1]["kd_loss"]) < 1e-4     # alpha 1: the loss is the soft term
    job = json.loads((tmp_path / "taught" / JOB).read_text())
    assert job["config"]["teacher"] == str(runs["teacher"])

    random_teacher = tmp_path / "random"
    _train_run(random_teacher, templates.load("digits_cnn"), data="digits", epochs=1, max_steps=1, lr=1e-12)
    control = _train_run(tmp_path / "control", STUDENT, teacher=random_teacher, **common)
    assert control["val_acc"] < 0.5, control
    record_property("figures", {"teacher_acc": runs["teacher_acc"], "teacher_s": round(runs["teacher_s"], 1),
                                "student_acc": taught["val_acc"], "student_s": round(student_s, 1),
                                "random_teacher_student_acc": control["val_acc"]})
    print("KD figures", runs["teacher_acc"], runs["teacher_s"], taught["val_acc"], student_s, control["val_acc"])


def test_the_exported_script_of_a_distilled_run_says_it_trains_without_the_teacher():
    from runtime.export.script import training_script
    distilled = training_script(STUDENT, {"data": "digits", "teacher": "runs/t", "kd_alpha": 0.7}, None)
    plain = training_script(STUDENT, {"data": "digits"}, None)
    header = distilled.split('"""')[1]
    assert "WITHOUT the teacher" in header and "alpha 0.7" in header and "temperature 4.0" in header
    assert "teacher" not in plain.split('"""')[1]
    compile(distilled, "train.py", "exec")
