"""Optimizers and schedules: each is built as asked and has its effect on the learning rate or weights."""
from __future__ import annotations

import math

import pytest
import torch

from runtime.config import OPTIMIZERS, ConfigError, TrainConfig
from runtime.optim import Schedule, make_optimizer


def lrs(cfg, steps_per_epoch=10, epochs=10, plateau=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = make_optimizer([p], cfg)
    sched = Schedule(opt, cfg, steps_per_epoch, steps_per_epoch * epochs)
    out = []
    for step in range(steps_per_epoch * epochs):
        out.append(sched.lr)
        sched.step()
        if (step + 1) % steps_per_epoch == 0 and plateau is not None:
            sched.epoch_end(plateau[(step + 1) // steps_per_epoch - 1])
    return out


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_reduces_a_quadratic(name):
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(5) * 3)
    lr = {"adadelta": 10.0, "adagrad": 0.3}.get(name, 0.05)
    opt = make_optimizer([w], TrainConfig(optimizer=name, lr=lr))
    start = float((w ** 2).sum().detach())
    for _ in range(100):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
    assert float((w ** 2).sum().detach()) < start * 0.5


def test_optimizer_classes_and_hyper_parameters():
    p = [torch.nn.Parameter(torch.zeros(1))]
    assert make_optimizer(p, TrainConfig(optimizer="nesterov", momentum=0.8)).param_groups[0]["nesterov"] is True
    assert make_optimizer(p, TrainConfig(optimizer="momentum", momentum=0.8)).param_groups[0]["momentum"] == 0.8
    assert isinstance(make_optimizer(p, TrainConfig(optimizer="rmsprop")), torch.optim.RMSprop)
    assert isinstance(make_optimizer(p, TrainConfig(optimizer="adamw")), torch.optim.AdamW)
    assert make_optimizer(p, TrainConfig(optimizer="adam", weight_decay=0.01)).param_groups[0]["weight_decay"] == 0.01


def test_constant_step_exponential():
    assert set(lrs(TrainConfig(lr=0.1))) == {0.1}
    step = lrs(TrainConfig(lr=0.1, schedule="step", step_size=3, gamma=0.5))
    assert step[0] == 0.1 and step[29] == 0.1 and math.isclose(step[30], 0.05) and math.isclose(step[99], 0.1 / 8)
    exp = lrs(TrainConfig(lr=0.1, schedule="exponential", gamma=0.9))
    assert math.isclose(exp[10], 0.09) and math.isclose(exp[95], 0.1 * 0.9 ** 9)


def test_cosine_matches_torch():
    cfg = TrainConfig(lr=0.1, schedule="cosine", min_lr=0.001)
    ours = lrs(cfg, 5, 4)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    theirs = []
    for _ in range(20):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(ours, theirs))


def test_one_cycle_matches_torch():
    ours = lrs(TrainConfig(lr=0.1, schedule="onecycle"), 10, 5)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=50, cycle_momentum=False)
    theirs = []
    for _ in range(50):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) for a, b in zip(ours, theirs))


def test_warmup_ramps_up_then_follows_the_schedule():
    out = lrs(TrainConfig(lr=0.1, warmup_epochs=2), 10, 5)
    assert out[0] < out[5] < out[19] and out[0] < 0.01
    assert all(math.isclose(v, 0.1) for v in out[20:])


def test_reduce_on_plateau():
    out = lrs(TrainConfig(lr=0.1, schedule="plateau", plateau_patience=1, gamma=0.5), 10, 6,
              plateau=[1.0, 0.9, 0.95, 0.96, 0.97, 0.98])
    assert out[10] == 0.1 and out[30] == 0.1 and math.isclose(out[40], 0.05)


def test_config_rejects_bad_values():
    for bad in [{"lr": -1}, {"lr": True}, {"optimizer": "lion"}, {"epochs": 0}, {"nonsense": 1},
                {"lr": float("nan")}, {"val_split": 0.6, "test_split": 0.5}, {"freeze": "conv1"}]:
        with pytest.raises(ConfigError) as info:
            TrainConfig.from_dict(bad)
        assert "{" not in info.value.message() and info.value.message("zh")


def test_config_round_trips_through_json():
    cfg = TrainConfig.from_dict({"optimizer": "rmsprop", "lr": 0.01, "augment": {"hflip": 1.0}, "epochs": 3})
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
