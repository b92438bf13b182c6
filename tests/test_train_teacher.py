"""The Train page's teacher picker and Compare's teacher/student table (knowledge distillation), with AppTest.

The teacher and the student are trained for real (a few steps), so Compare measures real checkpoints."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from builder import templates
from builder.codegen import build_model
from runtime.latency import LATENCY
from tests.graphs import chain
from tests.test_train_page import APP, PAGES, by_label, env, open_train, start_button  # noqa: F401 (env: a fixture)
from tests.trained_runs import trained_run

SHORT = {"data": "digits", "epochs": 1, "max_steps": 3, "monitor": False}


def _params(graph: dict) -> int:
    return sum(p.numel() for p in build_model(graph).parameters())


@pytest.mark.slow
def test_pick_a_teacher_and_its_settings_reach_the_run(env):
    teacher = trained_run(env["root"], SHORT, templates.load("digits_cnn"), label="cnn teacher")
    three = chain(("Linear", {"out_features": 3}), input_shape=(2,), name="three")
    trained_run(env["root"], {"data": "blobs", "epochs": 1, "max_steps": 2, "monitor": False}, three, label="points")
    at = open_train()
    box = by_label(at.selectbox, "Teacher run")
    acc = json.loads((teacher / "summary.json").read_text())["val_acc"]
    assert box.options == ["none: learn from the labels only",          # not the 3-class run
                           f"cnn teacher · {teacher.name} · {100 * acc:.1f}%"]
    assert not [n for n in at.number_input if n.label == "Teacher weight (alpha)"]     # no teacher: no α
    box.set_value(teacher.name).run()
    by_label(at.number_input, "Teacher weight (alpha)").set_value(0.8).run()
    temperature = by_label(at.number_input, "Temperature (T)")
    assert (temperature.value, temperature.proto.min, temperature.proto.max) == (4.0, 0.05, 100.0)
    alpha = by_label(at.number_input, "Teacher weight (alpha)")
    assert (alpha.proto.min, alpha.proto.max) == (0.0, 1.0)
    start_button(at).click().run()
    assert not at.exception, at.exception
    cfg = env["started"][0]["config"]
    assert (cfg.teacher, cfg.kd_alpha, cfg.kd_temperature) == (str(teacher), 0.8, 4.0)


@pytest.mark.slow
def test_compare_puts_the_teacher_beside_its_student(env):
    cnn, mlp = templates.load("digits_cnn"), templates.load("mlp")
    teacher = trained_run(env["root"], SHORT, cnn, label="cnn teacher")
    student = trained_run(env["root"], {**SHORT, "teacher": str(teacher), "kd_alpha": 0.9}, mlp, label="mlp student")
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(str(PAGES / "train.py")).run()
    assert not at.exception, at.exception
    [table] = [t.value.reset_index() for t in at.table if "Role" in t.value.columns]
    rows = {r["Role"]: r for r in table.to_dict("records")}
    assert rows["teacher"]["run"] == f"cnn teacher · {teacher.name}" and rows["student"]["run"].startswith("mlp student")
    assert (rows["teacher"]["Parameters"], rows["student"]["Parameters"]) == (_params(cnn), _params(mlp))
    for run, role in ((teacher, "teacher"), (student, "student")):
        kept = json.loads((run / LATENCY).read_text())          # measured once, kept in the run folder
        assert kept["batch"] == 64 and kept["threads"] == 1
        assert rows[role]["CPU ms / batch of 64"] == pytest.approx(kept["latency_ms"], abs=1e-3) and kept["latency_ms"] > 0
    summary = json.loads((student / "summary.json").read_text())
    assert rows["student"]["Best val. accuracy (%)"] == pytest.approx(100 * summary["val_acc"], abs=0.01)


def test_the_card_of_a_running_student_names_its_teacher(env):
    from tests.test_train_page import seed_run
    teacher = env["root"] / "20260101-000001-aaaa"
    seed_run(env["root"], templates.load("mlp"), {"data": "digits", "teacher": str(teacher), "kd_alpha": 0.7},
             state="running", label="mlp student")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(str(PAGES / "train.py")).run()
    assert not at.exception, at.exception
    card = " ".join(m.value for m in at.markdown)
    assert "Teacher run" in card and "20260101-000001-aaaa (α 0.7, T 4)" in card
