"""stats.jsonl (docs/run-format.md): per-layer norms at every log point, histograms paced by time.

A short run must still record enough gradient norms to draw a curve: before issue 12 the
gradients were only sampled with the (time-paced) histograms, and a run of a second or two
had none or one.
"""
from __future__ import annotations

import pytest
import torch

from builder import templates
from runtime import runfiles
from runtime.config import TrainConfig
from runtime.monitor import LayerNorms
from runtime.train import train


def records(run_dir, name):
    return runfiles.read_jsonl(run_dir / name)[0]


def test_a_short_run_records_the_gradient_norms_of_every_layer_at_every_log_point(tmp_path):
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 1, "max_steps": 6, "snapshot_seconds": 600})
    train(cfg, templates.load("mlp"), run_dir=tmp_path)
    logged = [r["step"] for r in records(tmp_path, runfiles.METRICS) if r["kind"] == "step"]
    stats = records(tmp_path, runfiles.STATS)
    with_gradients = [s for s in stats if any("grad_norm" in entry for entry in s["layers"].values())]
    norms_only = [s for s in with_gradients if not any("grad_hist" in e for e in s["layers"].values())]
    assert len(logged) >= 2
    assert [s["step"] for s in norms_only] == logged          # one norm record per log point, same steps
    for record in norms_only:
        assert set(record["layers"]) == {"fc1", "fc2", "fc3"}, record      # node ids, every layer with weights
        for entry in record["layers"].values():
            assert entry["grad_norm"] > 0 and entry["weight_norm"] > 0
    # the histograms: before training, after the first backward pass (with gradients), at the end
    histograms = [s for s in stats if any("weight_hist" in e for e in s["layers"].values())]
    gradient_histograms = ["grad_hist" in s["layers"]["fc1"] for s in histograms]
    assert [s["step"] for s in histograms] == [0, 0, 6] and gradient_histograms == [False, True, False]


@pytest.mark.slow
def test_a_gans_norms_are_the_discriminators(tmp_path):
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 1, "max_steps": 3, "mode": "gan"})
    train(cfg, templates.load("gan_generator"), templates.load("gan_discriminator"), run_dir=tmp_path)
    norms = [s for s in records(tmp_path, runfiles.STATS)
             if not any("weight_hist" in e for e in s["layers"].values())]
    assert len(norms) >= 2 and {s["model"] for s in norms} == {"discriminator"}
    assert all(any("grad_norm" in e for e in s["layers"].values()) for s in norms)


def test_layer_norms_are_the_norms_of_each_layers_weights_and_gradients():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model[2].weight.requires_grad_(False)       # frozen: its gradient is missing
    model(torch.randn(5, 3)).sum().backward()
    norms = LayerNorms(model, lambda name: f"layer{name}")()
    assert set(norms) == {"layer0", "layer2"}          # the ReLU has no parameters
    first = torch.cat([model[0].weight.reshape(-1), model[0].bias]).detach()
    assert norms["layer0"]["weight_norm"] == pytest.approx(float(first.norm()), rel=1e-5)
    first_grad = torch.cat([model[0].weight.grad.reshape(-1), model[0].bias.grad])
    assert norms["layer0"]["grad_norm"] == pytest.approx(float(first_grad.norm()), rel=1e-5)
    assert norms["layer2"]["grad_norm"] == pytest.approx(float(model[2].bias.grad.norm()), rel=1e-5)


def test_the_status_counts_the_epochs_completed(tmp_path):
    """A run that ends inside an epoch (max_steps, a stop) has done fewer epochs than its last epoch's index + 1."""
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 3, "max_steps": 30, "batch_size": 64})
    train(cfg, templates.load("mlp"), run_dir=tmp_path)
    status = runfiles.read_json(tmp_path / runfiles.STATUS)
    assert status["state"] == "finished" and status["epochs"] == 3
    assert status["epoch"] == 1 and status["epochs_done"] == 1         # 23 steps an epoch: the second was cut short
