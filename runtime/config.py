"""The training config: every option of a run, typed, with defaults per mode.

A config is plain JSON (``config.json`` in the run folder, ``--config FILE`` on the
command line). ``TrainConfig.from_dict`` checks every value and raises ``ConfigError``
with a stable code, so a bad value is a message, never a crash mid-run.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields

from builder.errors import CodedError

MODES = ("auto", "classification", "regression", "autoencoder", "vae", "gan")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "exponential", "cosine", "plateau", "onecycle")
LOSSES = ("auto", "cross_entropy", "bce", "mse", "l1", "smooth_l1", "nll")
AMP = ("off", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda", "mps")
ES_METRICS = ("val_loss", "val_acc", "train_loss")


class ConfigError(CodedError):
    """A training option, data choice or graph that cannot be trained as asked."""


@dataclass
class TrainConfig:
    # what to train on
    mode: str = "auto"
    data: str = "digits"
    data_options: dict = field(default_factory=dict)   # built-in generator options (noise, n_samples, ...)
    upload: str | None = None                            # path of an uploaded CSV / NPZ / image zip
    upload_options: dict = field(default_factory=dict)   # target column, image size, ...
    val_split: float = 0.2
    test_split: float = 0.0
    label_noise: float = 0.0
    # the loop
    epochs: int = 10
    batch_size: int = 64
    max_steps: int = 0                 # 0: no limit besides epochs
    seed: int = 0
    device: str = "auto"
    devices: int = 1                   # local processes (GPUs) training together with DDP, via torchrun
    amp: str = "off"
    compile: bool = False
    # optimisation
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9              # sgd with momentum / nesterov, rmsprop
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.9                   # adadelta
    alpha: float = 0.99                # rmsprop smoothing
    eps: float = 1e-8                  # adam, adamw, rmsprop
    loss: str = "auto"
    weight_decay: float = 0.0          # L2
    l1: float = 0.0
    grad_clip: float = 0.0             # max gradient norm; 0: off
    schedule: str = "none"
    step_size: int = 5                 # epochs between step decays
    gamma: float = 0.5                 # decay factor (step, exponential, plateau)
    plateau_patience: int = 2
    min_lr: float = 0.0
    warmup_epochs: float = 0.0
    # early stopping
    early_stopping: bool = False
    es_metric: str = "val_loss"
    es_patience: int = 5
    es_min_delta: float = 0.0
    # data augmentation (images): name -> strength, see runtime.data.augment
    augment: dict = field(default_factory=dict)
    # autoencoders / VAE
    denoise: float = 0.0               # std of noise added to autoencoder inputs
    beta: float = 1.0                  # weight of the VAE's KL term
    # GAN
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    label_smoothing: float = 0.1       # real labels become 1 - label_smoothing
    d_steps: int = 1
    # fine-tuning and resuming
    init_from: str | None = None       # checkpoint to start from
    freeze: list = field(default_factory=list)   # node ids whose weights stay fixed
    resume: bool = False               # continue the optimizer/schedule/epoch of init_from
    # monitoring
    monitor: bool = True
    log_points_per_epoch: int = 20
    snapshot_seconds: float = 1.0      # at most one activation/weight snapshot per this many seconds
    watch_samples: int = 4             # fixed validation samples shown in activation maps
    checkpoint_every: int = 1          # epochs

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        if not isinstance(data, dict):
            raise ConfigError("train.config_type")
        known = {f.name: f for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError("train.config_unknown", key=str(key)[:60])
        values = {}
        defaults = cls()
        for name, f in known.items():
            if name in data:
                values[name] = _coerce(name, data[name], getattr(defaults, name))
        cfg = cls(**values)
        cfg.validate()
        return cfg

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def merged(self, **overrides) -> "TrainConfig":
        data = self.to_dict()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return TrainConfig.from_dict(data)

    def validate(self) -> None:
        _choice("mode", self.mode, MODES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("loss", self.loss, LOSSES)
        _choice("amp", self.amp, AMP)
        _choice("device", self.device, DEVICES)
        _choice("es_metric", self.es_metric, ES_METRICS)
        _range("val_split", self.val_split, 0.0, 0.9)
        _range("test_split", self.test_split, 0.0, 0.9)
        if self.val_split + self.test_split > 0.9:
            raise ConfigError("train.config_range", key="val_split + test_split", value=self.val_split + self.test_split,
                              lo=0, hi=0.9)
        _range("label_noise", self.label_noise, 0.0, 1.0)
        _range("epochs", self.epochs, 1, 100_000)
        _range("batch_size", self.batch_size, 1, 1_000_000)
        _range("max_steps", self.max_steps, 0, 10**9)
        for name in ("lr", "g_lr", "d_lr"):
            _range(name, getattr(self, name), 1e-12, 10.0)
        for name in ("momentum", "beta1", "beta2", "rho", "alpha", "gamma", "label_smoothing"):
            _range(name, getattr(self, name), 0.0, 1.0)
        for name in ("weight_decay", "l1", "grad_clip", "min_lr", "warmup_epochs", "denoise", "beta",
                     "es_min_delta", "snapshot_seconds"):
            _range(name, getattr(self, name), 0.0, 1e6)
        _range("eps", self.eps, 1e-12, 1.0)
        for name in ("step_size", "plateau_patience", "es_patience", "d_steps", "log_points_per_epoch",
                     "checkpoint_every"):
            _range(name, getattr(self, name), 1, 10**6)
        _range("watch_samples", self.watch_samples, 1, 16)
        _range("devices", self.devices, 1, 64)


def _coerce(name: str, value, default):
    """JSON value -> the field's type; booleans are not numbers, NaN is nobody's value."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError("train.config_type_field", key=name, expected="true/false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError("train.config_type_field", key=name, expected="integer")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError("train.config_type_field", key=name, expected="number")
        return float(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise ConfigError("train.config_type_field", key=name, expected="object")
        return dict(value)
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("train.config_type_field", key=name, expected="list of node ids")
        return list(value)
    if default is None or isinstance(default, str):
        if value is not None and not isinstance(value, str):
            raise ConfigError("train.config_type_field", key=name, expected="text")
        if isinstance(default, str) and value is None:
            raise ConfigError("train.config_type_field", key=name, expected="text")
        return value
    return value


def _choice(key, value, choices):
    if value not in choices:
        raise ConfigError("train.config_choice", key=key, value=str(value)[:40], choices=", ".join(choices))


def _range(key, value, lo, hi):
    if not lo <= value <= hi:
        raise ConfigError("train.config_range", key=key, value=value, lo=lo, hi=hi)
