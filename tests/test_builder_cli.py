"""``python -m builder check/export``: exit codes and output as graph-format.md defines them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from builder import templates
from tests.graphs import chain

ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "builder", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, input=stdin, timeout=60)


def write(tmp_path, doc, name="g.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def test_check_valid(tmp_path):
    proc = run("check", write(tmp_path, templates.load("lenet5")))
    assert proc.returncode == 0 and "61,706" in proc.stdout


def test_check_invalid_prints_one_line_per_error(tmp_path):
    d = chain(("Linear", {"out_features": True}), ("Dropout", {"p": 2}))
    proc = run("check", write(tmp_path, d))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["node n0: out_features must be an integer; received true",
                                        "node n1: p must be in [0, 1); received 2"]


def test_check_json(tmp_path):
    d = chain(("Linear", {"out_features": 3}), ("Conv2d", {"out_channels": 2, "kernel_size": 3}))
    proc = run("check", write(tmp_path, d), "--json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert set(out) == {"ok", "errors", "shapes", "params", "advice"}
    assert out["ok"] is False and out["shapes"]["n0"] == [3] and out["shapes"]["n1"] is None
    assert out["params"] == 15
    (err,) = out["errors"]
    assert err == {"node": "n1", "edge": None, "code": "shape.rank",
                   "args": {"layer": "Conv2d", "expected": "(C, H, W)", "received_shape": [3]},
                   "message": "node n1: Conv2d expects input (C, H, W); received (3,)"}


def test_check_chinese(tmp_path):
    proc = run("check", write(tmp_path, chain(("Linear", {}))), "--lang", "zh")
    assert proc.returncode == 1 and "需要参数 out_features" in proc.stdout


@pytest.mark.slow
def test_exit_2_for_files_that_are_not_graphs(tmp_path):
    for text in ["not json", '{"format": "netcanvas.graph", "version": 99}', '{"format": "onnx"}', "[" * 5000]:
        proc = run("check", write(tmp_path, text))
        assert proc.returncode == 2, text
        assert "Traceback" not in proc.stderr and proc.stderr.strip()
    proc = run("check", write(tmp_path, "not json"), "--json")
    assert proc.returncode == 2 and json.loads(proc.stdout)["errors"][0]["code"] == "format.not_json"
    proc = run("check", tmp_path / "missing.json")
    assert proc.returncode == 2 and "missing.json" in proc.stderr


@pytest.mark.slow
def test_export_writes_runnable_source(tmp_path):
    out = tmp_path / "model.py"
    proc = run("export", write(tmp_path, templates.load("text_lstm")), "-o", out)
    assert proc.returncode == 0, proc.stderr
    smoke = subprocess.run([sys.executable, "-I", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert smoke.returncode == 0, smoke.stderr
    assert "trainable parameters" in smoke.stdout


def test_export_refuses_invalid_graphs(tmp_path):
    proc = run("export", write(tmp_path, chain(("ReLU", {"inplace": True}))), "-o", tmp_path / "m.py")
    assert proc.returncode == 1 and "node n0: ReLU has no param inplace" in proc.stdout
    assert not (tmp_path / "m.py").exists()


@pytest.mark.slow
def test_hostile_graph_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"
    d = chain(("Linear", {"out_features": 2}), name=f'x"""\nopen({str(marker)!r}, "w")\n"""')
    d["nodes"][1]["params"]["bias"] = f"__import__('os').system('touch {marker}')"
    run("check", write(tmp_path, d))
    run("export", write(tmp_path, d), "-o", tmp_path / "m.py")
    d["nodes"][1]["params"]["bias"] = True
    run("export", write(tmp_path, d), "-o", tmp_path / "m.py")
    subprocess.run([sys.executable, "-I", str(tmp_path / "m.py")], cwd=tmp_path, capture_output=True, timeout=120)
    assert not marker.exists()
