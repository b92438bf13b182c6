"""Optimizers and learning-rate schedules (with warm-up), built from the training config."""
from __future__ import annotations

import math

import torch

from .config import TrainConfig


def fused(params) -> dict:
    """On CUDA, the fused kernels: one launch updates every parameter, and float16's loss scaler checks for
    overflow on the GPU instead of reading the result back every step."""
    return {"fused": True} if params and all(p.is_cuda for p in params) else {}


def make_optimizer(params, cfg: TrainConfig, lr: float | None = None) -> torch.optim.Optimizer:
    lr = cfg.lr if lr is None else lr
    wd = cfg.weight_decay
    name = cfg.optimizer
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd, **fused(params))
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=cfg.momentum, nesterov=name == "nesterov", weight_decay=wd,
                               **fused(params))
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=cfg.rho, weight_decay=wd)   # its own eps (1e-6)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.alpha, eps=cfg.eps, weight_decay=wd)
    betas = (cfg.beta1, cfg.beta2)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=wd, **fused(params))
    return torch.optim.Adam(params, lr=lr, betas=betas, eps=cfg.eps, weight_decay=wd, **fused(params))


class Schedule:
    """Sets the learning rate before every optimizer step.

    lr(step) = base_lr x warm-up(step) x shape(step) x plateau factor. The shapes follow
    torch's StepLR / ExponentialLR (per epoch), CosineAnnealingLR and OneCycleLR (per step);
    reduce-on-plateau is applied at epoch ends from the validation loss.
    """

    def __init__(self, optimizer, cfg: TrainConfig, steps_per_epoch: int, total_steps: int, base_lr: float | None = None):
        self.optimizer = optimizer
        self.cfg = cfg
        self.base_lr = cfg.lr if base_lr is None else base_lr
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.total_steps = max(1, total_steps)
        self.warmup_steps = int(round(cfg.warmup_epochs * self.steps_per_epoch))
        self.step_count = 0
        self.plateau_scale = 1.0
        self.best = math.inf
        self.bad_epochs = 0
        self._apply()

    def lr_at(self, step: int) -> float:
        cfg, lr = self.cfg, self.base_lr
        epoch = step // self.steps_per_epoch
        if cfg.schedule == "step":
            lr *= cfg.gamma ** (epoch // cfg.step_size)
        elif cfg.schedule == "exponential":
            lr *= cfg.gamma ** epoch
        elif cfg.schedule == "cosine":
            progress = min(1.0, step / self.total_steps)
            lr = cfg.min_lr + (lr - cfg.min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
        elif cfg.schedule == "onecycle":
            lr = self._one_cycle(step)
        if self.warmup_steps and step < self.warmup_steps:
            lr *= (step + 1) / (self.warmup_steps + 1)
        return max(lr * self.plateau_scale, cfg.min_lr if cfg.schedule != "onecycle" else 0.0)

    def _one_cycle(self, step: int) -> float:
        # torch.optim.lr_scheduler.OneCycleLR defaults: pct_start 0.3, div 25, final div 1e4, cosine.
        peak = self.base_lr
        start, end = peak / 25.0, peak / 25.0 / 1e4
        up = max(1, int(0.3 * self.total_steps) - 1)
        down = max(1, self.total_steps - 1 - up)
        if step <= up:
            pct, a, b = step / up, start, peak
        else:
            pct, a, b = min(1.0, (step - up) / down), peak, end
        return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1)

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def _apply(self) -> None:
        lr = self.lr_at(self.step_count)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def step(self) -> None:
        self.step_count += 1
        self._apply()

    def epoch_end(self, val_loss: float | None) -> None:
        if self.cfg.schedule != "plateau" or val_loss is None or not math.isfinite(val_loss):
            return
        if val_loss < self.best - 1e-12:
            self.best, self.bad_epochs = val_loss, 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs > self.cfg.plateau_patience:
                self.plateau_scale *= self.cfg.gamma
                self.bad_epochs = 0
        self._apply()

    def state_dict(self) -> dict:
        return {"step_count": self.step_count, "plateau_scale": self.plateau_scale, "best": self.best,
                "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict) -> None:
        self.step_count = int(state["step_count"])
        self.plateau_scale = float(state["plateau_scale"])
        self.best = float(state["best"])
        self.bad_epochs = int(state["bad_epochs"])
        self._apply()
