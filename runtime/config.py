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
CONFIG_VERSION = 2      # 2: settings that do not apply are refused; label smoothing is per mode


class ConfigError(CodedError):
    """A training option, data choice or graph that cannot be trained as asked."""


@dataclass
class TrainConfig:
    version: int = CONFIG_VERSION      # configs without it are version 1 (see migrate)
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
    label_smoothing: float | None = None   # None: the mode's default (GAN 0.1, else 0); classification
                                           # smooths the targets of cross-entropy, a GAN its real labels
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

    @classmethod
    def from_saved(cls, data: dict) -> "TrainConfig":
        """A config stored by an earlier run (job.json, config.json, a checkpoint), read by this version."""
        return cls.from_dict(migrate(data) if isinstance(data, dict) else data)

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
        for name in ("momentum", "beta1", "beta2", "rho", "alpha", "gamma"):
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
        if self.label_smoothing is not None:
            _range("label_smoothing", self.label_smoothing, 0.0, 0.5)
        if self.mode != "auto":
            refuse_inapplicable(self, self.mode)
        else:
            refuse_inapplicable(self, None)

    def smoothing(self, mode: str) -> float:
        """The label smoothing a run of ``mode`` uses: the config's, else the mode's default."""
        if self.label_smoothing is not None:
            return self.label_smoothing
        return 0.1 if mode == "gan" else 0.0


# -- which settings apply where ------------------------------------------------------------
@dataclass(frozen=True)
class Applies:
    """Where a setting has an effect; given anywhere else (other than at its default) it is refused,
    never silently ignored."""
    modes: tuple = ()           # the (resolved) modes it applies to; empty: all
    optimizers: tuple = ()      # the optimizers that read it; empty: all
    schedules: tuple = ()       # the schedules that read it; empty: all
    needs: str | None = None    # a setting that must be on for it to matter


SUPERVISED = ("classification", "regression", "autoencoder", "vae")
APPLIES: dict[str, Applies] = {
    "lr": Applies(modes=SUPERVISED),
    "loss": Applies(modes=SUPERVISED),
    "test_split": Applies(modes=SUPERVISED),
    "momentum": Applies(optimizers=("momentum", "nesterov")),
    "beta1": Applies(optimizers=("adam", "adamw")),
    "beta2": Applies(optimizers=("adam", "adamw")),
    "eps": Applies(optimizers=("adam", "adamw", "rmsprop")),
    "rho": Applies(optimizers=("adadelta",)),
    "alpha": Applies(optimizers=("rmsprop",)),
    "step_size": Applies(schedules=("step",)),
    "gamma": Applies(schedules=("step", "exponential", "plateau")),
    "plateau_patience": Applies(schedules=("plateau",)),
    "min_lr": Applies(schedules=("step", "exponential", "cosine", "plateau")),
    "es_metric": Applies(needs="early_stopping"),
    "es_patience": Applies(needs="early_stopping"),
    "es_min_delta": Applies(needs="early_stopping"),
    "resume": Applies(needs="init_from"),
    "label_smoothing": Applies(modes=("classification", "gan")),
    "denoise": Applies(modes=("autoencoder",)),
    "beta": Applies(modes=("vae",)),
    "g_lr": Applies(modes=("gan",)),
    "d_lr": Applies(modes=("gan",)),
    "d_steps": Applies(modes=("gan",)),
}


def applies(name: str, mode: str | None, values: dict) -> bool:
    """Whether setting ``name`` has an effect for ``mode`` (None: not known yet) and the other ``values``."""
    rule = APPLIES.get(name)
    if rule is None:
        return True
    if rule.modes and mode is not None and mode not in rule.modes:
        return False
    if rule.optimizers and values.get("optimizer") not in rule.optimizers:
        return False
    if rule.schedules and values.get("schedule") not in rule.schedules:
        return False
    return not rule.needs or bool(values.get(rule.needs))


def _given(cfg: "TrainConfig", name: str) -> bool:
    """Whether a setting was given a value that would change something (not its default, not "off")."""
    value, default = getattr(cfg, name), _DEFAULTS[name]
    if name == "label_smoothing":
        return bool(value)
    return value != default


def inapplicable(cfg: "TrainConfig", mode: str | None) -> list[str]:
    """The settings given where they have no effect (``mode`` None: the mode rules are not checked)."""
    values = cfg.to_dict()
    return [name for name in APPLIES if _given(cfg, name) and not applies(name, mode, values)]


def refuse_inapplicable(cfg: "TrainConfig", mode: str | None) -> None:
    """Raise for the first setting that would be ignored, saying where it applies."""
    for name in inapplicable(cfg, mode):
        rule, value = APPLIES[name], getattr(cfg, name)
        shown = str(value)[:40]
        if rule.modes and mode is not None and mode not in rule.modes:
            raise ConfigError("train.not_applicable_mode", key=name, value=shown, mode=mode,
                              where=", ".join(rule.modes))
        if rule.optimizers and cfg.optimizer not in rule.optimizers:
            raise ConfigError("train.not_applicable_optimizer", key=name, value=shown, optimizer=cfg.optimizer,
                              where=", ".join(rule.optimizers))
        if rule.schedules and cfg.schedule not in rule.schedules:
            raise ConfigError("train.not_applicable_schedule", key=name, value=shown, schedule=cfg.schedule,
                              where=", ".join(rule.schedules))
        raise ConfigError("train.not_applicable_needs", key=name, value=shown, needs=rule.needs)


def migrate(data: dict) -> dict:
    """A stored config as this version reads it. Version 1 (no ``version`` key) kept settings that
    had no effect (hidden form fields, label smoothing outside GAN): they are dropped, which leaves
    the run exactly as it trained. Configs people write (``--config``) are current: not migrated."""
    if "version" in data:
        return dict(data)
    data = dict(data, version=CONFIG_VERSION)
    if data.get("mode") != "gan" and data.get("label_smoothing") == 0.1:
        data["label_smoothing"] = None      # the old default, only ever used by GANs
    mode = data.get("mode") if data.get("mode") in SUPERVISED + ("gan",) else None
    merged = {**_DEFAULTS, **data}
    for name in APPLIES:
        if name in data and not applies(name, mode, merged):
            data.pop(name)
    return data


def _coerce(name: str, value, default):
    """JSON value -> the field's type; booleans are not numbers, NaN is nobody's value."""
    if name in OPTIONAL_NUMBERS:
        return None if value is None else _coerce("", value, 0.0)
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


OPTIONAL_NUMBERS = ("label_smoothing",)    # a number, or None for "the mode's default"
_DEFAULTS = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
             for f in fields(TrainConfig)}


def _choice(key, value, choices):
    if value not in choices:
        raise ConfigError("train.config_choice", key=key, value=str(value)[:40], choices=", ".join(choices))


def _range(key, value, lo, hi):
    if not lo <= value <= hi:
        raise ConfigError("train.config_range", key=key, value=value, lo=lo, hi=hi)
