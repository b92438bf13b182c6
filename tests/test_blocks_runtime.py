"""Block graphs through training, monitoring and export: activations and weight statistics of the
nodes inside instances under "/" paths, freezing a node inside an instance, the exported script, the bundle and ONNX."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import types
import zipfile

import numpy as np
import pytest
import torch

from blockgraphs import block, graph, int_param, use
from export_fixtures import make_run
from runtime import runfiles
from runtime.config import TrainConfig
from runtime.export import bundle_bytes, export_onnx, load_module, load_run, model_source, training_script
from runtime.export.onnx_export import max_abs_diff


def conv_block_graph() -> dict:
    """digits (1, 8, 8) -> ConvBlock(8) -> ConvBlock(12, stride 2) -> flatten -> Linear(10): a block used twice
    with different args, a nested instance (the BatchNorm+ReLU pair) and an nn.Sequential stage."""
    norm = block("NormAct", [("BatchNorm2d", {}), ("ReLU", {})], ids=["bn", "act"])
    conv = block("ConvBlock", [("Conv2d", {"out_channels": {"$param": "planes"}, "kernel_size": 3, "padding": 1,
                                           "stride": {"$param": "stride"}, "bias": False}), use("NormAct")],
                 ids=["conv", "post"], params={"planes": int_param(8), "stride": int_param(1, hi=4)})
    return graph([norm, conv],
                 [use("ConvBlock", planes=8), use("ConvBlock", planes=12, stride=2), ("Flatten", {}),
                  ("Linear", {"out_features": 10})],
                 ids=["b1", "b2", "flat", "fc"], input_shape=(1, 8, 8), name="block_cnn")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("runs"), conv_block_graph(), {"data": "digits"}, "classification", steps=12)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["OMP_NUM_THREADS"] = "1"
    return env


@pytest.mark.slow
def test_training_a_block_graph_records_activations_and_norms_by_path(tmp_path):
    from runtime.train import train
    cfg = TrainConfig.from_dict({"data": "digits", "mode": "classification", "max_steps": 6, "epochs": 10,
                                 "watch_samples": 3})
    torch.set_num_threads(1)
    trainer, summary = train(cfg, conv_block_graph(), run_dir=tmp_path)
    act = runfiles.read_npz(tmp_path / runfiles.ACTIVATIONS)
    expected = {"b1": (8, 8, 8), "b1/conv": (8, 8, 8), "b1/post": (8, 8, 8), "b1/post/bn": (8, 8, 8),
                "b1/post/act": (8, 8, 8), "b2": (12, 4, 4), "b2/conv": (12, 4, 4), "b2/post/act": (12, 4, 4),
                "flat": (192,), "fc": (10,)}
    for key, shape in expected.items():
        assert act[f"act__{key}"].shape == (3, *shape), key
    stats, _ = runfiles.read_jsonl(tmp_path / runfiles.STATS)
    for record in stats:        # every layer with weights, inside instances by path; an instance is not one
        assert list(record["layers"]) == ["b1/conv", "b1/post/bn", "b2/conv", "b2/post/bn", "fc"]
    assert any("grad_hist" in r["layers"]["b2/post/bn"] for r in stats)
    saved = torch.load(tmp_path / runfiles.CKPT_LAST, weights_only=True)
    assert saved["graph"]["version"] == 2
    assert {"b1.conv.weight", "b1.post.bn.running_mean", "b2.conv.weight", "fc.weight"} <= set(saved["state_dict"])


@pytest.mark.slow
def test_a_node_inside_an_instance_can_be_frozen_by_its_path(tmp_path):
    from runtime.train import train
    cfg = TrainConfig.from_dict({"data": "digits", "mode": "classification", "max_steps": 4, "epochs": 10,
                                 "monitor": False, "freeze": ["b2/conv"], "lr": 0.05})
    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    trainer, _ = train(cfg, conv_block_graph())
    params = dict(trainer.module.named_parameters())
    assert not params["b2.conv.weight"].requires_grad
    assert params["b1.conv.weight"].requires_grad and params["b2.post.bn.weight"].requires_grad


def test_freezing_an_unknown_path_is_a_message():
    from runtime.config import ConfigError
    from runtime.train import Trainer
    cfg = TrainConfig.from_dict({"data": "digits", "mode": "classification", "max_steps": 1, "monitor": False,
                                 "freeze": ["b2/nothing"]})
    with pytest.raises(ConfigError) as info:
        Trainer(cfg, conv_block_graph())
    assert "b2/nothing" in str(info.value.message() if hasattr(info.value, "message") else info.value)


@pytest.mark.slow
def test_the_exported_script_trains_a_block_graph_without_netcanvas(tmp_path):
    config = {"data": "digits", "mode": "classification", "freeze": ["b1/conv"]}
    script = tmp_path / "train.py"
    script.write_text(training_script(conv_block_graph(), config, None), encoding="utf-8")
    text = script.read_text()
    assert "class ConvBlock(nn.Module):" in text and "class NormAct(nn.Module):" in text
    assert "'freeze': ['b1.conv']," in text          # the node's path, as the module's dotted path
    proc = subprocess.run([sys.executable, "-I", str(script), "--steps", "3", "--out", str(tmp_path / "out")],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    final = torch.load(tmp_path / "out" / "model.pt", weights_only=True)
    module = types.ModuleType("exported_train")
    exec(compile(text, str(script), "exec"), module.__dict__)
    torch.manual_seed(0)
    init = module.BlockCnn().state_dict()
    assert set(final) == set(init) and "b2.post.bn.running_var" in final
    assert torch.equal(final["b1.conv.weight"], init["b1.conv.weight"])        # frozen
    assert not torch.equal(final["b2.conv.weight"], init["b2.conv.weight"])    # trained


@pytest.mark.slow
def test_the_bundle_of_a_block_run_runs_on_its_own_and_reproduces_the_app(run_dir, tmp_path):
    data = bundle_bytes(run_dir)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path / "bundle")
        graph_file = json.loads(zf.read("graph.json"))
    assert graph_file["version"] == 2 and [b["name"] for b in graph_file["blocks"]] == ["NormAct", "ConvBlock"]
    folder = tmp_path / "bundle"
    from sklearn.datasets import load_digits
    np.save(folder / "x.npy", (load_digits().images[:4, None] / 16.0).astype(np.float32))
    (folder / "check.py").write_text("""
import importlib.util, json, numpy as np, torch
assert importlib.util.find_spec("builder") is None and importlib.util.find_spec("runtime") is None
from safetensors.torch import load_file
from model import BlockCnn
model = BlockCnn()
model.load_state_dict(load_file("weights.safetensors"), strict=True)
print(json.dumps(model.eval()(torch.from_numpy(np.load("x.npy"))).detach().numpy().tolist()))
""")
    proc = subprocess.run([sys.executable, "-E", "-s", "check.py"], cwd=folder, env=_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with torch.no_grad():
        app = load_run(run_dir).build()(torch.from_numpy(np.load(folder / "x.npy"))).numpy()
    assert np.abs(np.array(json.loads(proc.stdout)) - app).max() < 1e-6
    smoke = subprocess.run([sys.executable, "-I", "model.py"], cwd=folder, env=_env(), capture_output=True, text=True,
                           timeout=120)
    assert smoke.returncode == 0 and "trainable parameters" in smoke.stdout, smoke.stderr[-2000:]


@pytest.mark.slow
def test_onnx_of_a_block_graph_matches_pytorch(run_dir):
    data = export_onnx(run_dir)
    data = data if isinstance(data, bytes) else getattr(data, "data", data)
    module = load_run(run_dir).build().eval()
    torch.manual_seed(0)
    inputs = load_module(model_source(load_run(run_dir).graph)).example_inputs(3)
    assert max_abs_diff(data, module, inputs) < 1e-4
