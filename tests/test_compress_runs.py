"""``python -m runtime compress`` on real trained digits runs: the JSON line, the messages and exit
codes, the compressed run as a normal run folder, and its export used without NetCanvas."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from runtime import runs
from runtime.compress.pipeline import load_quantized
from runtime.compress.quantize import ao, quantize_dynamic
from runtime.export import bundle_bytes, export_onnx, load_run
from runtime.__main__ import main as runtime_main
from tests.inproc import run_main
from tests.trained_runs import trained_run

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def template(name: str) -> dict:
    return json.loads((ROOT / "builder" / "templates" / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    trained_run(root, {"data": "digits", "epochs": 5}, template("mlp"), run_id="mlp")
    trained_run(root, {"data": "digits", "epochs": 4}, template("digits_cnn"), run_id="cnn")
    trained_run(root, {"data": "sentiment", "epochs": 2}, template("text_lstm"), run_id="text")
    return root


def compress(*args: str, capsys=None) -> tuple[int, dict, str]:
    """``python -m runtime compress ARGS --json``: its exit code, JSON line and stderr. A real process, or this
    one with ``capsys`` (a process costs seconds; the first test keeps the command's own process)."""
    argv = ["compress", *args, "--json"]
    if capsys is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)        # as the process's OMP_NUM_THREADS=1 (2 threads on 2 busy cores: slower)
        try:
            proc = run_main(runtime_main, argv, capsys)
        finally:
            torch.set_num_threads(threads)
    else:
        proc = subprocess.run([sys.executable, "-m", "runtime", *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_dynamic_int8_of_a_digits_mlp_prints_before_and_after_and_writes_a_normal_run(root):
    code, out, _ = compress(str(root / "mlp"), "--quantize", "dynamic", "--out", str(root / "mlp-int8"))
    assert code == 0 and out["ok"] is True
    before, after = out["before"], out["after"]
    assert set(before) == set(after) == {"params", "nonzero", "bytes", "latency_ms", "val_acc"}
    assert after["params"] == before["params"] == 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert after["bytes"] <= 0.35 * before["bytes"]
    assert (root / "mlp-int8" / "model_int8.pt").stat().st_size < 0.4 * (root / "mlp" / "checkpoint_best.pt").stat().st_size
    assert abs(after["val_acc"] - before["val_acc"]) <= 0.01
    job = json.loads((root / "mlp-int8" / "job.json").read_text())
    assert job["compressed_from"] == "mlp" and job["compression"] == [{"step": "quantize", "mode": "dynamic"}]
    listed = {info.id: info.state for info in runs.list_runs(root)}
    assert listed["mlp-int8"] == "finished"          # in the Runs list like any run


def test_magnitude_pruning_with_finetuning_halves_the_nonzero_parameters(root, capsys):
    code, out, _ = compress(str(root / "mlp"), "--prune", "0.5", "--finetune-epochs", "2", "--out", str(root / "mlp-p50"),
                            capsys=capsys)
    assert code == 0
    sd = load_run(root / "mlp-p50").state_dict()
    nonzero = sum(int(torch.count_nonzero(v)) for v in sd.values())
    assert nonzero == out["after"]["nonzero"] <= 0.5 * out["before"]["params"]
    assert abs(out["after"]["val_acc"] - out["before"]["val_acc"]) <= 0.01
    epochs = [json.loads(line) for line in (root / "mlp-p50" / "metrics.jsonl").read_text().splitlines()]
    assert max(r["epoch"] for r in epochs if r["kind"] == "epoch") == 2     # fine-tuned by the normal trainer


@pytest.mark.parametrize("args,code", [(["--quantize", "static"], "compress.static_needs_conv"),
                                       (["--prune", "1.2"], "compress.amount"),
                                       (["--structured"], "compress.structured_needs_amount"),
                                       ([], "compress.nothing_asked")])
def test_what_cannot_be_done_is_a_message_and_exit_code_1(root, capsys, args, code):
    rc, out, err = compress(str(root / "mlp"), *args, "--out", str(root / "refused"), capsys=capsys)
    assert rc == 1 and out["ok"] is False and out["error"]["code"] == code
    assert "Traceback" not in err and out["error"]["message"] in err
    assert not (root / "refused").exists()       # nothing half-made in the runs folder


def test_an_unknown_run_is_named(root, capsys):
    rc, out, _ = compress(str(root / "no-such-run"), "--prune", "0.5", "--out", str(root / "refused2"), capsys=capsys)
    assert rc == 1 and "no-such-run" in out["error"]["message"]


def test_structured_static_int8_cnn_exports_and_runs_without_netcanvas(root, capsys, tmp_path):
    out_dir = root / "cnn-small-int8"
    code, out, _ = compress(str(root / "cnn"), "--prune", "0.5", "--structured", "--quantize", "static",
                            "--out", str(out_dir), capsys=capsys)
    assert code == 0 and out["after"]["params"] < 0.5 * out["before"]["params"]
    with zipfile.ZipFile(__import__("io").BytesIO(bundle_bytes(out_dir))) as zf:
        assert {"model.py", "weights.pt", "quantize.py", "model_int8.pt"} <= set(zf.namelist())
        zf.extractall(tmp_path)
    source = (tmp_path / "model.py").read_text()          # the generated code has the pruned sizes
    assert "nn.Conv2d(1, 8," in source and "nn.Conv2d(8, 16," in source and "nn.Linear(64, 32)" in source
    x = torch.randn(8, 1, 8, 8)
    standalone = standalone_outputs(tmp_path, x)
    assert torch.allclose(standalone, load_quantized(out_dir)(x), atol=1e-5)
    onnx = export_onnx(out_dir)       # the float (pruned) model, checked in onnxruntime
    assert onnx.max_abs_diff < 1e-4


def standalone_outputs(folder: Path, x: torch.Tensor) -> torch.Tensor:
    """What the extracted bundle's ``quantize.int8_model()`` gives for ``x``, run where neither
    builder nor runtime can be imported."""
    np.save(folder / "x.npy", x.numpy())
    (folder / "check.py").write_text("""
import importlib.util, json, numpy as np, torch
assert importlib.util.find_spec("builder") is None and importlib.util.find_spec("runtime") is None
from quantize import int8_model
x = torch.from_numpy(np.load("x.npy"))
print(json.dumps(int8_model()(x).tolist()))
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = subprocess.run([sys.executable, "-E", "-s", "check.py"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return torch.tensor(json.loads(proc.stdout))


def test_dynamic_int8_text_lstm_quantizes_the_lstm_and_loads_the_same_in_app_and_standalone(root, capsys, tmp_path):
    out_dir = root / "text-int8"
    code, out, _ = compress(str(root / "text"), "--quantize", "dynamic", "--out", str(out_dir), capsys=capsys)
    assert code == 0 and out["float_layers"] == ["embed"]          # the LSTM is int8 now, not listed
    weights = out_dir / "model_int8.pt"
    assert out["after"]["bytes"] == weights.stat().st_size < 0.5 * out["before"]["bytes"]
    assert abs(out["after"]["val_acc"] - out["before"]["val_acc"]) <= 0.02
    with ao():
        from torch.ao.nn.quantized.dynamic import LSTM as DynamicInt8LSTM, Linear as DynamicInt8Linear
        torch.load(weights, weights_only=True)                      # no extra safe globals needed
    loaded = load_quantized(out_dir)
    assert isinstance(loaded.lstm, DynamicInt8LSTM) and isinstance(loaded.fc, DynamicInt8Linear)
    in_app = quantize_dynamic(load_run(out_dir).build())           # what the app quantized: the run's float weights
    x = torch.randint(1, 256, (8, 16))
    with torch.inference_mode():
        expected = in_app(x)
        assert torch.allclose(loaded(x), expected, atol=1e-6)
    with zipfile.ZipFile(__import__("io").BytesIO(bundle_bytes(out_dir))) as zf:
        zf.extractall(tmp_path)
    assert torch.allclose(standalone_outputs(tmp_path, x), expected, atol=1e-5)
