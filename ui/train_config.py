"""The Train page's setup form as data: which fields, their defaults per mode, and the config they make.

Plain Python (no streamlit): the fields are the training settings declared for the form in
``runtime.config.SETTINGS`` (type, range, default per mode and data set, words); the page
renders them with widgets and hands the values to ``build_config``, and tests check both
without a browser.
"""
from __future__ import annotations

from pathlib import Path

from runtime.config import CONCRETE_MODES, GROUPS, MODES, SETTINGS, TrainConfig, applies
from runtime.rl.settings import UNUSED_BY_AGENTS
from runtime.settings import FORM, Setting, on

FIELDS: tuple[Setting, ...] = tuple(s for s in on(SETTINGS, FORM) if s.group != "top")   # mode: drawn apart
FIELD_NAMES = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}


def _several_gpus() -> bool:
    """Data-parallel training is offered where there is more than one GPU to share the work."""
    from runtime.device import gpu_count
    return gpu_count() > 1


OFFERED = {"devices": _several_gpus}    # fields the form offers only on some machines


def field_by_name(name: str) -> Setting:
    return _BY_NAME[name]


def defaults_for(mode: str, data: str | None = None) -> dict:
    """Every form field's default for a (concrete) mode and built-in data set."""
    return {f.name: f.default_for(mode, data) for f in FIELDS}


def data_set_defaults(mode: str, data: str | None) -> dict:
    """The form fields whose default is the data set's own (iris trains 100 epochs), with those defaults."""
    return {f.name: f.default_for(mode, data) for f in FIELDS if data in f.data_defaults}


def changed_fields(mode: str, saved: dict | None, data: str | None = None) -> list[str]:
    """The fields the user set to something else than the default (in the form's order)."""
    defaults = defaults_for(mode, data)
    kept = restore_values(mode, saved, data)
    return [f.name for f in FIELDS if kept[f.name] != defaults[f.name]]


def restore_values(mode: str, saved: dict | None, data: str | None = None) -> dict:
    """The defaults for ``mode`` with the saved values that still fit their field (a saved
    session may come from an older version, or have been edited by hand)."""
    values = defaults_for(mode, data)
    for name, value in (saved or {}).items():
        f = _BY_NAME.get(name)
        if f is not None and fits(f, value):
            values[name] = float(value) if f.kind in ("float", "rate", "share") else value
    return values


def fits(f: Setting, value) -> bool:
    """Whether ``value`` is one the field's widget can hold."""
    if f.kind == "choice":
        return value in f.choices
    if f.kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return False
    if f.kind == "int" and not isinstance(value, int):
        return False
    return f.lo <= value <= f.hi


def visible_fields(mode: str, values: dict, group: str | None = None) -> list[Setting]:
    """The fields that have an effect for ``mode`` and the other values (momentum only for momentum SGD, ...)."""
    return [f for f in FIELDS if (group is None or f.group == group) and applies(f.name, mode, values)
            and OFFERED.get(f.name, lambda: True)() and not (mode == "rl" and f.name in UNUSED_BY_AGENTS)]


def resolve_mode(mode: str, graph: dict, discriminator: dict | None, data_choice: dict) -> str:
    """What "auto" becomes for this graph and data (the trainer decides the same way)."""
    if mode != "auto":
        return mode
    if (graph.get("meta") or {}).get("mode") == "rl" or data_choice.get("env"):   # an agent's graph or environment
        return "rl"
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
    their values in the form but are not trained with), and the augmentation that fits the data."""
    resolved = resolved or (None if mode == "auto" else mode)
    shown = {f.name for f in visible_fields(resolved, values)}
    data = {k: v for k, v in values.items() if k in shown}
    data["mode"] = mode
    if values.get("teacher"):       # not a form field: the Train page's teacher picker (ui.train_teacher)
        data["teacher"] = values["teacher"]
    data.update({k: values[k] for k in ("init_from", "freeze", "classes", "replay", "ewc") if values.get(k)})  # ui.train_transfer
    for key in ("data", "data_options", "upload", "upload_options", "val_split", "test_split", "label_noise"):
        if key in data_choice and data_choice[key] is not None:
            data[key] = data_choice[key]
    data["augment"] = effective_augment(data_choice)
    if not data.get("data"):
        data["data"] = "digits"
    return TrainConfig.from_dict(data)


def effective_augment(data_choice: dict) -> dict:
    """The Data page's augmentation that applies to the data: the picture ones for images, the sound ones
    for sounds (the page keeps its values while other data are chosen); nothing for other data."""
    augment = data_choice.get("augment") or {}
    kind = data_kind(data_choice)
    if not augment or kind not in ("image", "audio", None):
        return {}
    from runtime.data.audio_augment import AUDIO_KEYS
    return {k: v for k, v in augment.items() if (k in AUDIO_KEYS) == (kind == "audio")}


def data_kind(data_choice: dict) -> str | None:
    """image / audio / tabular / ... for a built-in set or an upload; None when only loading it can tell (NPZ)."""
    upload = data_choice.get("upload")
    if upload and Path(upload).is_dir():
        from runtime.data.audio import is_audio_folder
        return "audio" if is_audio_folder(upload) else "image"
    if upload:
        suffix = str(upload).lower().rsplit(".", 1)[-1]
        if suffix == "zip":
            from runtime.data.audio import zip_holds_audio
            return "audio" if zip_holds_audio(upload) else "image"
        return {"csv": "tabular"}.get(suffix)
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
    optimizer = field_by_name("optimizer")
    return {"optimizer": optimizer.choice_label(config.get("optimizer"), "en") if config.get("optimizer") in
            optimizer.choices else config.get("optimizer"),
            "lr": config.get("g_lr") if gan else config.get("lr"),
            "batch_size": config.get("batch_size"), "epochs": config.get("epochs")}
