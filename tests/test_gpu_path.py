"""The GPU path, decided on any machine: where the data live, which mixed precision and memory layout a run
uses, and that the training step never waits for the device except at log points.

The decisions are pure functions of the device's facts (``runtime.device``), tested here with the facts a
GPU would report; the trainer's wiring is run on the CPU with the GPU's decisions forced.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from builder import templates
from runtime import device as dev
from runtime import monitor
from runtime import train as train_module
from runtime.config import TrainConfig
from runtime.monitor import run_callbacks
from runtime.prepare import HostSplit, Split
from runtime.train import Trainer

GiB = 2**30
REPO = str(Path(__file__).resolve().parents[1])


# -- the decisions -------------------------------------------------------------------------------------------
def test_data_stay_on_the_gpu_while_they_fit_in_a_share_of_its_free_memory():
    free = 10 * GiB
    assert dev.data_placement(int(0.4 * free), "cuda", free) == "device"
    assert dev.data_placement(int(0.4 * free) + 1, "cuda", free) == "host"
    # CIFAR-10 as float32 (~740 MB) on a GPU with 1 GiB free: host memory, batches copied over
    assert dev.data_placement(60_000 * 3 * 32 * 32 * 4, "cuda", 1 * GiB) == "host"


@pytest.mark.parametrize("device_type", ["cpu", "mps"])
def test_a_cpu_or_mps_keeps_the_data_where_they_are(device_type):
    assert dev.data_placement(100 * GiB, device_type, None) == "device"
    assert dev.free_memory(torch.device("cpu")) is None


@pytest.mark.parametrize("requested, device_type, bf16, expected", [
    ("auto", "cuda", True, "bf16"),       # Ampere and later: bfloat16, no loss scaling
    ("auto", "cuda", False, "fp16"),      # older GPUs: float16 with a scaler
    ("auto", "cpu", True, "off"),         # never half precision on a CPU unless asked
    ("auto", "mps", False, "off"),
    ("off", "cuda", True, "off"),
    ("bf16", "cpu", False, "bf16"),       # asked for: kept
    ("fp16", "cuda", True, "fp16"),
])
def test_automatic_mixed_precision(requested, device_type, bf16, expected):
    assert dev.amp_mode(requested, device_type, bf16) == expected


@pytest.mark.parametrize("requested, device_type, conv, expected", [
    ("auto", "cuda", True, True),
    ("auto", "cuda", False, False),       # an MLP has no image layout to change
    ("auto", "cpu", True, False),
    ("channels_last", "cpu", True, True),
    ("contiguous", "cuda", True, False),
])
def test_channels_last_choice(requested, device_type, conv, expected):
    assert dev.channels_last(requested, device_type, conv) is expected


def test_optimizers_use_the_fused_kernels_on_cuda_only():
    from types import SimpleNamespace
    from runtime.optim import fused, make_optimizer
    assert fused([SimpleNamespace(is_cuda=True)] * 2) == {"fused": True}
    assert fused([SimpleNamespace(is_cuda=True), SimpleNamespace(is_cuda=False)]) == {} and fused([]) == {}
    cpu = [torch.nn.Parameter(torch.zeros(2))]
    for name in ("sgd", "momentum", "adam", "adamw"):
        assert not make_optimizer(cpu, TrainConfig(optimizer=name)).defaults.get("fused")


# -- the wiring, on the CPU ----------------------------------------------------------------------------------
def losses(trainer: Trainer) -> list[float]:
    return [r["train_loss"] for r in trainer.history if "train_loss" in r]


def cnn_config(**extra) -> TrainConfig:
    return TrainConfig.from_dict({"data": "digits", "epochs": 2, "batch_size": 64, "seed": 0, "test_split": 0.1,
                                  **extra})


def test_a_host_split_gives_the_batches_a_device_split_gives():
    x, y = torch.randn(10, 1, 4, 4), torch.arange(10)
    idx = torch.tensor([3, 1, 7])
    host = HostSplit([x], y, "cpu")
    (hx,), hy = host.take(idx)
    (dx,), dy = Split([x], y).take(idx)
    assert torch.equal(hx, dx) and torch.equal(hy, dy) and host.nbytes() == 10 * 16 * 4 + 10 * 8


def test_data_kept_on_the_host_train_exactly_as_data_on_the_device(monkeypatch):
    graph = templates.load("digits_cnn")
    on_device = Trainer(cnn_config(), graph)
    on_device.fit()
    monkeypatch.setattr(train_module, "data_placement", lambda *a: "host")
    on_host = Trainer(cnn_config(), graph)
    assert on_host.data_placement == "host" and isinstance(on_host.data.train, HostSplit)
    assert isinstance(on_host.data.val, HostSplit) and isinstance(on_host.data.test, HostSplit)
    summary = on_host.fit()
    assert on_device.data_placement == "device" and not isinstance(on_device.data.train, HostSplit)
    assert losses(on_host) == losses(on_device)
    assert summary["test_acc"] == on_device.test_report["metrics"]["test_acc"]


def test_automatic_precision_and_layout_change_nothing_on_a_cpu():
    graph = templates.load("digits_cnn")
    plain = Trainer(cnn_config(amp="off", memory_format="contiguous"), graph)
    plain.fit()
    auto = Trainer(cnn_config(amp="auto", memory_format="auto"), graph)
    auto.fit()
    assert auto.amp == "off" and not auto.scaler.is_enabled() and auto.channels_last is False
    assert losses(auto) == losses(plain)


def test_channels_last_converts_the_model_and_its_image_batches():
    graph = templates.load("digits_cnn")
    trainer = Trainer(cnn_config(memory_format="channels_last"), graph)
    convs = [m for m in trainer.module.modules() if isinstance(m, torch.nn.Conv2d)]
    assert trainer.channels_last and convs
    assert all(c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs)
    assert not all(c.weight.is_contiguous() for c in convs)
    batch = trainer.laid_out([torch.randn(4, 3, 5, 5), torch.randn(4, 7)])
    assert batch[0].is_contiguous(memory_format=torch.channels_last) and batch[1].is_contiguous()
    trainer.fit()
    plain = Trainer(cnn_config(memory_format="contiguous"), graph)
    plain.fit()
    assert losses(trainer) == pytest.approx(losses(plain), rel=1e-4)


# -- no waiting for the device between log points -------------------------------------------------------------
HOST_READS = ("item", "__float__", "__int__", "__bool__", "tolist", "cpu", "numpy", "nonzero")


def count_host_reads(monkeypatch, trainer: Trainer) -> list:
    """Patches the tensor methods that make the host wait for the device; returns the list that collects
    (method, our file and line, step) for every call our code makes during a step that is not a log step."""
    reads = []
    for name in HOST_READS:
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            caller = sys._getframe(1)
            ours = caller.f_code.co_filename.startswith(REPO) and "/tests/" not in caller.f_code.co_filename
            if ours and trainer.step > 0 and not trainer.log_step:
                reads.append((_name, f"{caller.f_code.co_filename}:{caller.f_lineno}", trainer.step))
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(torch.Tensor, name, counted)
    return reads


@pytest.mark.parametrize("graph_key, extra", [
    ("digits_cnn", {"augment": {"hflip": 0.5, "crop": 0.2, "rotation": 10.0, "noise": 0.05, "blur": 1.0}, "grad_clip": 1.0,
                    "label_smoothing": 0.1}),
    ("vae", {}),
])
def test_steps_between_log_points_never_read_the_device(tmp_path, monkeypatch, graph_key, extra):
    cfg = TrainConfig.from_dict({"data": "digits", "epochs": 2, "batch_size": 32, "seed": 0,
                                 "log_points_per_epoch": 3, **extra})
    monkeypatch.setattr(monitor, "paced_gap", lambda seconds, cost: 0.0)    # snapshots as often as allowed
    trainer = Trainer(cfg, templates.load(graph_key), callbacks=run_callbacks(tmp_path / "run"))
    reads = count_host_reads(monkeypatch, trainer)
    trainer.fit()
    non_log_steps = trainer.step - 2 * 4    # about 3 log points an epoch, plus the last step
    assert trainer.step > 40 and non_log_steps > 30
    assert reads == []


def test_paced_diagnostics_take_at_most_their_share_of_the_time():
    assert monitor.paced_gap(1.0, 0.01) == 1.0                   # cheap: as often as asked
    assert monitor.paced_gap(1.0, 0.5) == pytest.approx(25.0)   # 0.5 s each: one every 25 s (2%)
    pacer = monitor.Pacer()
    first, second = {"epoch": 0}, {"epoch": 1}
    assert pacer.due(first, 1.0)
    pacer.cost, pacer.last = 0.5, pacer.last - 2.0               # 2 s later, after a draw that took 0.5 s
    assert not pacer.due(second, 1.0) and pacer.due(second, 1.0, final=True)


# -- the GPU check's CPU mode (CI) ------------------------------------------------------------------------------
@pytest.mark.slow
def test_gpu_check_cpu_quick_trains_both_loops_and_reports():
    import re
    import subprocess
    out = subprocess.run(["bash", "bench/gpu_check.sh", "--cpu", "--quick"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "resnet18_cifar (11,173,962 parameters)" in text      # the CIFAR ResNet-18: 3x3 stem, no max-pool
    plain = float(re.search(r"^plain loop: ([\d.]+) samples/s$", text, re.M).group(1))
    app = float(re.search(r"^app trainer: ([\d.]+) samples/s \(monitoring on\)$", text, re.M).group(1))
    ratio = float(re.search(r"^ratio: ([\d.]+) \(quick: ", text, re.M).group(1))
    assert plain > 0 and app > 0 and ratio == pytest.approx(app / plain, rel=0.06)   # both printed rounded
    assert "amp off; channels_last False; data on the device" in text     # a CPU gets none of the GPU's choices
    assert "peak GPU memory: app n/a (cpu), plain n/a (cpu)" in text
    assert "cifar10 accuracy: skipped" in text


def test_the_epoch_views_reuse_the_evaluation_pass_while_the_weights_are_the_same(monkeypatch):
    trainer = Trainer(TrainConfig.from_dict({"data": "digits", "epochs": 1, "seed": 0}), templates.load("mlp"))
    trainer.fit()
    task, val = trainer.task, trainer.data.val
    passes = []
    original = Split.take
    monkeypatch.setattr(Split, "take", lambda self, idx: passes.append(idx) or original(self, idx))
    task.evaluate(val)
    evaluated = len(passes)
    reused = task.predict(val)
    assert len(passes) == evaluated                     # no second pass over the split
    task._kept = None
    assert torch.equal(reused, task.predict(val))       # what a fresh pass predicts
    state = {k: torch.zeros_like(v) for k, v in trainer.module.state_dict().items()}
    trainer.module.load_state_dict(state)               # other weights: predicted again, not reused
    before = len(passes)
    assert task.predict(val).unique().numel() == 1 and len(passes) > before
