"""The Train page's setup form as data: which fields, their defaults per mode, and the config they make.

Plain Python (no streamlit): the page renders ``FIELDS`` with widgets and hands the
values to ``build_config``, and tests check both without a browser. Labels and help
texts come from the translation table (``trainpage.f.<name>``, ``trainpage.help.<name>``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from runtime.config import AMP, DEVICES, ES_METRICS, LOSSES, MODES, OPTIMIZERS, SCHEDULES, TrainConfig, applies

# The modes a run can have once "auto" is resolved.
CONCRETE_MODES = ("classification", "regression", "autoencoder", "vae", "gan")

OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "Adagrad",
                   "adadelta": "Adadelta", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}

# Defaults that train well on the built-in sets each mode's templates use (digits trains
# to ~97% validation accuracy in 15 epochs of Adam 2e-3, batch 64).
_COMMON = {"epochs": 15, "batch_size": 64, "optimizer": "adam", "lr": 2e-3}
MODE_DEFAULTS: dict[str, dict] = {
    "classification": {},
    "regression": {"epochs": 30, "lr": 1e-3},
    "autoencoder": {"epochs": 20, "lr": 1e-3},
    "vae": {"epochs": 30, "lr": 1e-3},
    # DCGAN's recipe: Adam with beta1 0.5, both rates 2e-4, one-sided label smoothing.
    "gan": {"epochs": 60, "beta1": 0.5, "g_lr": 2e-4, "d_lr": 2e-4, "label_smoothing": 0.1, "lr": 2e-4},
}

GROUPS = ("basic", "optimizer", "schedule", "regularisation", "early_stopping", "mode", "run")


@dataclass(frozen=True)
class Field:
    """One form field: a TrainConfig key and how to ask for it."""
    name: str
    kind: str                               # select | int | float | sci | bool
    group: str = "basic"
    options: tuple = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    show: Callable[[str, dict], bool] = field(default=lambda mode, v: True)   # (mode, values) -> offered?
    # besides, a field is shown only where its setting has an effect (runtime.config.APPLIES)


def _several_gpus(mode, v) -> bool:
    """Data-parallel training is offered where there is more than one GPU to share the work."""
    from runtime.device import gpu_count
    return mode != "gan" and gpu_count() > 1


FIELDS: tuple[Field, ...] = (
    # the essentials, always in view
    Field("epochs", "int", lo=1, hi=10_000, step=1),
    Field("batch_size", "int", lo=1, hi=65_536, step=8),
    Field("optimizer", "select", options=OPTIMIZERS),
    Field("lr", "sci", lo=1e-6, hi=10.0),
    Field("g_lr", "sci", lo=1e-6, hi=10.0),
    Field("d_lr", "sci", lo=1e-6, hi=10.0),
    Field("loss", "select", options=LOSSES),
    # optimizer details
    Field("momentum", "float", "optimizer", lo=0.0, hi=0.999, step=0.01),
    Field("beta1", "float", "optimizer", lo=0.0, hi=0.999, step=0.01),
    Field("beta2", "float", "optimizer", lo=0.0, hi=0.9999, step=0.001),
    Field("eps", "sci", "optimizer", lo=1e-12, hi=1.0),
    Field("rho", "float", "optimizer", lo=0.0, hi=0.999, step=0.01),
    Field("alpha", "float", "optimizer", lo=0.0, hi=0.999, step=0.01),
    # learning-rate schedule
    Field("schedule", "select", "schedule", options=SCHEDULES),
    Field("step_size", "int", "schedule", lo=1, hi=10_000, step=1),
    Field("gamma", "float", "schedule", lo=0.01, hi=1.0, step=0.05),
    Field("plateau_patience", "int", "schedule", lo=1, hi=1000, step=1),
    Field("min_lr", "sci", "schedule", lo=0.0, hi=1.0),
    Field("warmup_epochs", "float", "schedule", lo=0.0, hi=1000.0, step=0.5),
    # regularisation
    Field("weight_decay", "sci", "regularisation", lo=0.0, hi=10.0),
    Field("l1", "sci", "regularisation", lo=0.0, hi=10.0),
    Field("grad_clip", "float", "regularisation", lo=0.0, hi=1e6, step=0.5),
    # early stopping
    Field("early_stopping", "bool", "early_stopping"),
    Field("es_metric", "select", "early_stopping", options=ES_METRICS),
    Field("es_patience", "int", "early_stopping", lo=1, hi=10_000, step=1),
    Field("es_min_delta", "float", "early_stopping", lo=0.0, hi=1e6, step=0.001),
    # what only some modes have
    Field("denoise", "float", "mode", lo=0.0, hi=10.0, step=0.05),
    Field("beta", "float", "mode", lo=0.0, hi=100.0, step=0.1),
    Field("label_smoothing", "float", "mode", lo=0.0, hi=0.5, step=0.05),
    Field("d_steps", "int", "mode", lo=1, hi=100, step=1),
    # speed, device, reproducibility
    Field("device", "select", "run", options=DEVICES),
    Field("devices", "int", "run", lo=1, hi=64, step=1, show=_several_gpus),
    Field("amp", "select", "run", options=AMP),
    Field("compile", "bool", "run"),
    Field("seed", "int", "run", lo=0, hi=2**31 - 1, step=1),
    Field("snapshot_seconds", "float", "run", lo=0.2, hi=600.0, step=0.5),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}


def field_by_name(name: str) -> Field:
    return _BY_NAME[name]


def defaults_for(mode: str) -> dict:
    """Every form field's default for a (concrete) mode."""
    base = TrainConfig().to_dict()
    values = {name: base[name] for name in FIELD_NAMES}
    values["label_smoothing"] = TrainConfig().smoothing(mode)     # the config's None: the mode's own default
    values.update(_COMMON)
    values.update(MODE_DEFAULTS.get(mode, {}))
    return values


def restore_values(mode: str, saved: dict | None) -> dict:
    """The defaults for ``mode`` with the saved values that still fit their field (a saved
    session may come from an older version, or have been edited by hand)."""
    values = defaults_for(mode)
    for name, value in (saved or {}).items():
        f = _BY_NAME.get(name)
        if f is not None and fits(f, value):
            values[name] = float(value) if f.kind in ("float", "sci") else value
    return values


def fits(f: Field, value) -> bool:
    """Whether ``value`` is one the field's widget can hold."""
    if f.kind == "select":
        return value in f.options
    if f.kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return False
    if f.kind == "int" and not isinstance(value, int):
        return False
    return f.lo <= value <= f.hi


def visible_fields(mode: str, values: dict, group: str | None = None) -> list[Field]:
    """The fields that have an effect for ``mode`` and the other values (momentum only for momentum SGD, ...)."""
    return [f for f in FIELDS if (group is None or f.group == group) and f.show(mode, values)
            and applies(f.name, mode, values)]


def resolve_mode(mode: str, graph: dict, discriminator: dict | None, data_choice: dict) -> str:
    """What "auto" becomes for this graph and data (the trainer decides the same way)."""
    if mode != "auto":
        return mode
    from builder.shapes import check
    from runtime.prepare import infer_mode
    result = check(graph)
    return infer_mode(TrainConfig(mode="auto"), result, discriminator is not None, data_task(data_choice))


def data_task(data_choice: dict) -> str:
    """classification / regression / unsupervised for a built-in set; uploads count as classification."""
    if data_choice.get("upload"):
        return data_choice.get("upload_options", {}).get("task", "classification")
    from runtime.data import builtin
    try:
        return builtin.info(data_choice.get("data") or "digits").task
    except Exception:  # noqa: BLE001 - an unknown name fails later, as a run message
        return "classification"


def is_gan_graph(doc: dict) -> bool:
    return (doc.get("meta") or {}).get("mode") == "gan-generator"


def is_discriminator(doc: dict) -> bool:
    return (doc.get("meta") or {}).get("mode") == "gan-discriminator"


def pick_graphs(docs: list[dict], active: int) -> tuple[int, int | None]:
    """Default (model, discriminator) tab indices: the active graph, or for a GAN its two halves.

    With a discriminator open in the active tab the model is its generator partner; the
    discriminator is the tab the generator names as its partner, else any discriminator.
    """
    model = active if 0 <= active < len(docs) else 0
    if docs and is_discriminator(docs[model]):
        partner = (docs[model].get("meta") or {}).get("partner")
        gens = [i for i, d in enumerate(docs) if is_gan_graph(d)]
        named = [i for i in gens if d_name(docs[i]) == partner]
        if named or gens:
            model = (named or gens)[0]
    return model, pick_discriminator(docs, model)


def pick_discriminator(docs: list[dict], model: int) -> int | None:
    if not docs:
        return None
    partner = (docs[model].get("meta") or {}).get("partner")
    discs = [i for i, d in enumerate(docs) if i != model and is_discriminator(d)]
    named = [i for i in discs if d_name(docs[i]) == partner]
    return (named or discs or [None])[0]


def d_name(doc: dict) -> str:
    return doc.get("name", "")


def build_config(values: dict, data_choice: dict, mode: str = "auto", resolved: str | None = None) -> TrainConfig:
    """The TrainConfig for the form's values and the Data page's choice. Raises ConfigError.

    Only what has an effect is sent: the fields shown for the ``resolved`` mode (hidden ones keep
    their values in the form but are not trained with), and augmentation only for images."""
    resolved = resolved or (None if mode == "auto" else mode)
    shown = {f.name for f in FIELDS if f.show(resolved or mode, values) and applies(f.name, resolved, values)}
    data = {k: v for k, v in values.items() if k in shown}
    data["mode"] = mode
    for key in ("data", "data_options", "upload", "upload_options", "val_split", "test_split", "label_noise"):
        if key in data_choice and data_choice[key] is not None:
            data[key] = data_choice[key]
    data["augment"] = effective_augment(data_choice)
    if not data.get("data"):
        data["data"] = "digits"
    return TrainConfig.from_dict(data)


def effective_augment(data_choice: dict) -> dict:
    """The Data page's augmentation when the data are images (the page keeps it while other data are
    chosen, and offers it only for images); nothing otherwise."""
    augment = data_choice.get("augment") or {}
    return dict(augment) if augment and data_kind(data_choice) in ("image", None) else {}


def data_kind(data_choice: dict) -> str | None:
    """image / tabular / ... for a built-in set or an upload; None when only loading it can tell (NPZ)."""
    upload = data_choice.get("upload")
    if upload:
        suffix = str(upload).lower().rsplit(".", 1)[-1]
        return {"zip": "image", "csv": "tabular"}.get(suffix)
    from runtime.data import builtin
    try:
        return builtin.info(data_choice.get("data") or "digits").kind
    except Exception:  # noqa: BLE001 - an unknown name fails later, as a run message
        return None


def augment_summary(augment: dict | None) -> list[tuple[str, float]]:
    """The augmentations that are switched on, as (name, strength)."""
    out = []
    for key, value in (augment or {}).items():
        if key == "padding" or value in (None, False):
            continue
        strength = 0.5 if value is True else value
        if isinstance(strength, (int, float)) and strength > 0:
            out.append((key, float(strength)))
    return out


def key_config(config: dict) -> dict:
    """The few settings that tell runs apart, for the runs table."""
    gan = config.get("mode") == "gan"
    return {"optimizer": OPTIMIZER_NAMES.get(config.get("optimizer"), config.get("optimizer")),
            "lr": config.get("g_lr") if gan else config.get("lr"),
            "batch_size": config.get("batch_size"), "epochs": config.get("epochs")}


__all__ = ["AMP", "CONCRETE_MODES", "DEVICES", "ES_METRICS", "FIELDS", "GROUPS", "LOSSES", "MODES", "OPTIMIZERS",
           "SCHEDULES", "Field", "augment_summary", "build_config", "defaults_for", "key_config", "pick_graphs",
           "resolve_mode", "visible_fields"]
