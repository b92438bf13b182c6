"""A standalone, readable ``train.py`` for a graph and its training config.

The script is meant to be read and run without NetCanvas: it imports torch and numpy
(scikit-learn too when the data is one of scikit-learn's bundled sets) and the
standard library. It holds, in order: the model (the generated source, exactly what
the app trains), the settings, the data (loading, NetCanvas's train/validation split,
the stored normalisation), loss / optimizer / schedule, DistributedDataParallel
helpers, and the training loop. ``torchrun --nproc_per_node=N train.py`` trains on N
processes (``nccl`` on CUDA, ``gloo`` on CPU), each taking its share of every batch.

Only code the chosen mode, data and options need is written, so a classifier's
script has no GAN loop and a run without a schedule has no schedule code.

Why a Jinja2 template (runtime/export/templates/train.py.j2 and its includes) and not one
loop module whose source both the app and the script run: the app's loop (runtime/train.py,
runtime/tasks.py) is a Trainer with callbacks, monitoring, pause and resume, and every mode and
option at once; the exported script is one flat loop holding only what this run needs, for a
person to read. Pasting the app's loop would hand them all of its machinery; making the app run
the script's loop would take that machinery away from the app. So the script's text lives in
the templates, as it will read, with ``{% if %}`` around each option; this module only decides
the values (the Plan and ``_context``). What both must compute alike is shared by pasting its
one source: the data steps (runtime.data.portable), ``cpu_threads`` (runtime.device) and
``bounded`` below; the rest (schedules, losses, the first steps' weights) is held equal by
tests/test_export_script.py.
"""
from __future__ import annotations

import argparse
import copy
import functools
import inspect
import math
import pprint
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from builder.codegen import Generated
from builder.shapes import CheckResult
from runtime.config import SETTINGS, ConfigError, TrainConfig, applies

from runtime.data import audio, portable, textgen
from runtime.data.uploads import IMAGE_EXTENSIONS
from runtime.device import cpu_threads
from runtime.settings import SCRIPT, first_sentence, on
from runtime.prepare import infer_mode
from runtime.tasks import loss_kind
from .common import ExportError, generated, strip_main

SKLEARN_SETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")
SCRIPT_NAMES = frozenset({"CONFIG", "PREPROCESS", "CLASS_NAMES", "DATA_FILE", "MISSING", "Image", "F", "np", "nn",
                          "torch", "dist", "datasets", "DistributedDataParallel"})


@dataclass
class Plan:
    """What the script needs to know, resolved from graph + config + record."""
    graph: dict
    discriminator: dict | None
    cfg: TrainConfig
    mode: str
    record: dict
    source: str            # sklearn | npz | csv | images
    data_file: str | None  # default --data
    loss: str              # resolved loss kind ("auto" for a VAE: decided from the data)
    model_cls: str
    disc_cls: str | None
    result: CheckResult
    disc_result: CheckResult | None
    names: dict
    generated: Generated | None = None     # the model's code (module paths of nodes inside blocks)


# =============================================================================================
# Resolving mode, loss, data source and the preprocess record
# =============================================================================================
# The app's own rules: the mode (runtime.prepare) and the loss (runtime.tasks).
resolve_mode = infer_mode
resolve_loss = loss_kind


def _sklearn_arrays(name: str):
    from sklearn import datasets
    import numpy as np
    if name == "digits":
        b = datasets.load_digits()
        return {"x": np.asarray(b.images / 16.0, dtype=np.float32)[:, None]}, b.target.astype(np.int64), \
            [str(i) for i in range(10)], "image", "classification", False
    if name == "diabetes":
        b = datasets.load_diabetes(scaled=False)
        return {"x": b.data.astype(np.float32)}, b.target.astype(np.float32).reshape(-1, 1), None, "tabular", \
            "regression", True
    b = getattr(datasets, f"load_{name}")()
    return {"x": b.data.astype(np.float32)}, b.target.astype(np.int64), [str(c) for c in b.target_names], \
        "tabular", "classification", True


def fallback_record(cfg: TrainConfig, result: CheckResult, bind_to: CheckResult, mode: str = "classification") -> dict:
    """The preprocess record NetCanvas would make, for when there is no run yet and the
    data layer cannot be asked: exact for scikit-learn's sets, minimal otherwise."""
    import torch
    graph_inputs = bind_to.input_nodes()
    base = {"version": 1, "data": cfg.data, "kind": None, "task": None, "inputs": {}, "fill": {}, "normalize": {},
            "target": None, "reshape": {}, "class_names": None, "feature_names": None, "vocab": None,
            "tokens": None, "csv": None, "image": None}
    if cfg.upload is None and cfg.data in SKLEARN_SETS:
        arrays, target, classes, kind, task, norm = _sklearn_arrays(cfg.data)
        x = torch.from_numpy(arrays["x"])
        y = torch.from_numpy(target)
        train, _, _ = portable.split_indices(len(x), y if task == "classification" else None,
                                       cfg.val_split, cfg.test_split, cfg.seed)
        base.update(kind=kind, task=task, class_names=classes,
                    inputs={"x": {"shape": list(x.shape[1:]), "dtype": "float32"}})
        if norm:
            xt = x[train].double()
            mean, std = xt.mean(0), xt.std(0, unbiased=False)
            std = torch.where(std < 1e-8, torch.ones_like(std), std)
            base["normalize"]["x"] = {"mean": [float(v) for v in mean], "std": [float(v) for v in std],
                                      "axes": [0], "shape": [x.shape[1]]}
        if cfg.data == "diabetes":
            yt = y[train].double()
            mean, std = yt.mean(0), yt.std(0, unbiased=False)
            base["target"] = {"mean": [float(v) for v in mean], "std": [float(v) for v in std]}
        gname = bind_to.io_name(graph_inputs[0])
        want = list(bind_to.shapes[graph_inputs[0]])
        base["reshape"] = {gname: {"source": "x", "from": list(x.shape[1:]), "to": want}}
        return base
    base["task"] = mode if mode in ("classification", "regression") else "unsupervised"
    for node in graph_inputs:   # no statistics known: the data are used as they are
        name = bind_to.io_name(node)
        base["inputs"][name] = {"shape": list(bind_to.shapes[node]), "dtype": bind_to.dtypes[node]}
    return base


def default_record(cfg: TrainConfig, graph: dict, discriminator: dict | None) -> dict:
    """The record of a run that has not happened yet: ask the data layer (the trainer's own
    ``prepare``), else fall back to what we know of scikit-learn's sets."""
    try:
        from runtime.prepare import prepare
    except ImportError:
        prepare = None
    if prepare is not None:
        try:
            return prepare(cfg, graph, discriminator).preprocess
        except ConfigError as exc:
            raise ExportError(exc.code, **exc.info) from None
        except Exception as exc:   # the data layer's own errors: a code and its args
            code, info = getattr(exc, "code", None), getattr(exc, "info", None) or getattr(exc, "args", None)
            if isinstance(code, str):
                raise ExportError(code, **(info if isinstance(info, dict) else {})) from None
            raise
    result = generated(graph).result
    disc = generated(discriminator, "discriminator").result if discriminator else None
    mode = resolve_mode(cfg, result, disc is not None, None)
    return fallback_record(cfg, result, disc if mode == "gan" and disc is not None else result, mode)


def data_source(cfg: TrainConfig, record: dict) -> tuple[str, str | None]:
    """(how the script loads data, the default ``--data`` path)."""
    if record.get("kind") == "corpus":     # a language model reads the text itself
        return "text", (re.split(r"[\\/]", cfg.upload.rstrip("/\\"))[-1] if cfg.upload else f"{cfg.data}.txt")
    if cfg.upload:
        name = re.split(r"[\\/]", cfg.upload.rstrip("/\\"))[-1] or "data"
        low = name.lower()
        if low.endswith(".csv") or record.get("csv"):
            return "csv", name
        if low.endswith(".npz"):
            return "npz", name
        return ("audio" if record.get("audio") else "images"), name
    if cfg.data in SKLEARN_SETS:
        return "sklearn", None
    return "npz", f"{cfg.data}.npz"


def streams_a_folder(plan: Plan) -> bool:
    """Whether the run streamed a local image folder from disk (a folder path, not a zip), so the script
    streams it too (``ImageFiles``) rather than load it into memory."""
    return plan.source == "images" and not plan.data_file.lower().endswith(".zip") and plan.mode == "classification"


# =============================================================================================
# The script
# =============================================================================================
def training_script(graph: dict, config: dict, preprocess: dict | None, discriminator: dict | None = None) -> str:
    """A standalone ``train.py`` for ``graph`` trained with ``config`` on the data ``preprocess``
    describes (the run's record; None: the record the data would get). Invalid graphs are
    refused with the checker's messages (``ExportError.errors``)."""
    from .rl_script import agent_script, wants_agent
    if wants_agent(graph, config):      # an agent trains in an environment (runtime/export/rl_script.py)
        return agent_script(graph, config)
    plan = _plan(graph, config, preprocess, discriminator)
    return _templates().get_template("train.py.j2").render(_context(plan))


def _plan(graph, config, preprocess, discriminator) -> Plan:
    try:
        cfg = TrainConfig.from_saved(dict(config or {}))
    except ConfigError as exc:
        raise ExportError(exc.code, **exc.info) from None
    graph = _unclash(graph, SCRIPT_NAMES)
    gen = generated(graph, taken=SCRIPT_NAMES)
    disc_gen = None
    if discriminator is not None:      # pasted beside the model: none of its classes may take a name of the model's
        discriminator = _unclash(discriminator, SCRIPT_NAMES | gen.class_names())
        disc_gen = generated(discriminator, "discriminator", taken=SCRIPT_NAMES | gen.class_names())
    record = copy.deepcopy(preprocess) if preprocess else default_record(cfg, graph, discriminator)
    mode = resolve_mode(cfg, gen.result, disc_gen is not None, record.get("task"))
    if mode == "gan" and disc_gen is None:
        raise ExportError("train.gan_needs_discriminator")
    try:     # what was not given takes the defaults of this mode and data set, as in the app
        cfg = cfg.resolved(mode, None if cfg.upload else cfg.data)
    except ConfigError as exc:
        raise ExportError(exc.code, **exc.info) from None
    source, data_file = data_source(cfg, record)
    loss = resolve_loss(cfg, mode, gen.result)
    model_cls = gen.class_name
    disc_cls = disc_gen.class_name if disc_gen is not None and mode == "gan" else None
    return Plan(graph=graph, discriminator=discriminator, cfg=cfg, mode=mode, record=record, source=source, data_file=data_file, loss=loss,
                model_cls=model_cls, disc_cls=disc_cls, result=gen.result,
                disc_result=disc_gen.result if disc_cls else None, names=gen.names, generated=gen)


def _unclash(graph: dict, taken) -> dict:
    """The graph, renamed when its class name would shadow a name the script uses."""
    from builder.codegen import class_name
    name = str(graph.get("name") or "")
    if class_name(name) not in taken:
        return graph
    graph = copy.deepcopy(graph)
    graph["name"] = name + " model"
    while class_name(graph["name"]) in taken:
        graph["name"] += " net"
    return graph


class _Float(float):
    """A float that reads back as Python, also when it is not finite."""

    def __repr__(self) -> str:
        return repr(float(self)) if math.isfinite(self) else f'float("{float(self)}")'


def _literal_safe(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _Float(value)
    if isinstance(value, dict):
        return {str(k): _literal_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_literal_safe(v) for v in value]
    return str(value)


def _lit(value, indent: int = 0) -> str:
    """A Python literal (repr-based: nothing from the graph or data is pasted as code); a dict
    shows one key per line."""
    value = _literal_safe(value)
    if isinstance(value, dict) and value:
        pad = " " * (indent + 4)
        items = []
        for k, v in value.items():
            head = f"{pad}{k!r}: "
            text = pprint.pformat(v, width=max(40, 110 - len(head)), sort_dicts=False, compact=True)
            items.append(head + _hanging(text, len(head)) + ",")
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    return _hanging(pprint.pformat(value, width=110 - indent, sort_dicts=False, compact=True), indent)


def _hanging(text: str, indent: int) -> str:
    """``text``'s lines after the first indented by ``indent`` spaces (a literal continued under its start)."""
    return ("\n" + " " * indent).join(text.splitlines())


def _src(fn) -> str:
    """The source of a function the script shares with NetCanvas, pasted as it is."""
    return inspect.getsource(fn).strip("\n")


def _model_code(graph: dict, keep_examples: bool = True) -> str:
    """The generated model source from its class on (the imports are the script's own); without
    ``example_inputs`` for the discriminator, whose generator's copy the script already has."""
    lines = strip_main(generated(graph).source).splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("class "))
    end = len(lines) if keep_examples else \
        next((i for i, ln in enumerate(lines) if ln.startswith("def example_inputs(")), len(lines))
    return "\n".join(lines[start:end]).strip("\n")


def _safe_text(text: str, limit: int = 80) -> str:
    """Free text (graph or file names) for a docstring or comment: words, spaces and a little
    punctuation only, so nothing a user typed can end the string or the comment."""
    return re.sub(r"[^\w .,:+()-]", "", str(text), flags=re.UNICODE)[:limit].strip() or "?"


# -- settings -------------------------------------------------------------------------------------
# What CONFIG holds: the settings of the loop the script runs (the sections of the form and the
# script's arguments) that have an effect for this mode, optimizer and schedule (runtime.config).
CONFIG_GROUPS = ("basic", "optimizer", "schedule", "regularisation", "early_stopping", "mode")
CONFIG_EXTRA = ("val_split", "test_split", "checkpoint_every")     # read by every script's data and loop code


def _config_view(plan: Plan) -> dict:
    cfg = plan.cfg
    d = cfg.to_dict()
    keys = [s.name for s in SETTINGS if s.name in CONFIG_EXTRA or (s.group in CONFIG_GROUPS or SCRIPT in s.surfaces)
            and applies(s.name, plan.mode, d)]
    if cfg.amp != "off" and plan.mode != "gan":
        keys.append("amp")
    view = {k: d[k] for k in keys}
    view["loss"] = plan.loss
    if plan.mode == "gan":
        view["loss"] = "bce (non-saturating GAN loss)"
    if cfg.freeze:
        view["freeze"] = [plan.generated.module_path(n) for n in cfg.freeze if plan.generated.module_path(n)]
    return view


def _record_view(plan: Plan) -> dict:
    """The parts of the preprocess record the script uses (vocabularies stay in preprocess.json)."""
    rec = plan.record
    keep = ("data", "kind", "task", "inputs", "fill", "normalize", "target", "reshape", "fixed_test", "fixed_val", "audio")
    view = {k: rec.get(k) for k in keep if k in rec}
    for k in ("fill", "normalize", "reshape"):
        view[k] = view.get(k) or {}
    if plan.source == "csv":
        view["csv"] = rec.get("csv")
    if plan.source == "images":
        view["image"] = rec.get("image")
    if plan.source == "text":     # the script turns the text into token ids itself
        view.update(tokens=rec.get("tokens"), vocab=rec.get("vocab"))
    return view


def _uses_min_lr(cfg: TrainConfig) -> bool:
    """NetCanvas floors the schedules that read min_lr at it (runtime.config.APPLIES)."""
    return applies("min_lr", None, cfg.to_dict())


# -- command line ------------------------------------------------------------------------------------
def script_settings(plan: Plan) -> list:
    """The training settings the script takes as arguments (runtime.config.SETTINGS, surface "script")
    that have an effect for this mode: a GAN's two rates instead of lr, no fine-tuning for a GAN."""
    values = plan.cfg.to_dict()
    return [s for s in on(SETTINGS, SCRIPT) if applies(s.name, plan.mode, values)]


def bounded(kind, lo, hi):
    """An argparse type: a number of ``kind`` from ``lo`` to ``hi`` (the range NetCanvas allows)."""
    def parse(text):
        value = kind(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}; received {text}")
        return value
    parse.__name__ = kind.__name__      # argparse names the type in its messages
    return parse


def _argument(s) -> str:
    """One ``parser.add_argument`` line for a setting, its default read from CONFIG."""
    flags = ", ".join(repr(f) for f in s.cli_flags)
    kw = [f"dest={s.name!r}", f"default=CONFIG[{s.name!r}]"]
    if s.choices:
        kw.append(f"choices={list(s.choices)!r}")
    elif s.kind == "int":
        kw.append(f"type=bounded(int, {s.lo!r}, {s.hi!r})")
    elif s.kind in ("float", "rate", "share"):
        kw.append(f"type=bounded(float, {float(s.lo)!r}, {float(s.hi)!r})")
    if s.metavar:
        kw.append(f"metavar={s.metavar!r}")
    kw.append(f"help={first_sentence(s.help['en']).replace('%', '%%')!r}")
    lines, line = [], f"    parser.add_argument({flags}"
    for part in kw:                       # wrapped under the first argument, as a person would
        if len(line) + len(part) + 3 > 110:
            lines.append(line + ",")
            line = " " * len("    parser.add_argument(") + part
        else:
            line += ", " + part
    return "\n".join(lines + [line + ")"])


# -- the template and what it is given -----------------------------------------------------------------
PASTED = (audio.pcm_to_float, audio.resample, audio.fit_length, audio.decode_wav, portable.split_with_val_part,
          portable.allocate, portable.split_indices, portable.split_with_test_part, portable.fill_missing, portable.normalize, portable.to_model_inputs, portable.target_standardize,
          portable._is_blank, portable.csv_features, portable.csv_target, portable.csv_rows_with_target, cpu_threads, bounded,
          textgen.lm_tokens, textgen.lm_encode, textgen.lm_prompt_ids, textgen.lm_decode, textgen.lm_windows,
          textgen.lm_sample, textgen.next_token_loss)


@functools.cache
def _templates() -> jinja2.Environment:
    """The script's templates. Python code is text here, not HTML: no autoescaping; a tag alone on
    its line leaves no blank line (trim_blocks, lstrip_blocks); a name the context lacks is an error."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                             autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(pyrepr=repr, literal=_lit, safe_text=_safe_text)
    return env


def _context(plan: Plan) -> dict:
    """The values the templates render: the resolved settings, the mode and data source, the
    generated model code, CONFIG and PREPROCESS, the pasted functions and the arguments."""
    cfg = plan.cfg
    return {
        "cfg": cfg, "mode": plan.mode, "source": plan.source, "loss": plan.loss, "record": plan.record,
        "streamed": streams_a_folder(plan), "image_extensions": IMAGE_EXTENSIONS,
        "max_file_samples": audio.MAX_FILE_SAMPLES,
        "model_cls": plan.model_cls, "disc_cls": plan.disc_cls,
        "graph_name": plan.result.graph.name,
        "data_name": plan.data_file if cfg.upload else cfg.data,
        "data_file": plan.data_file,
        "model_code": _model_code(plan.graph),
        "discriminator_code": _model_code(plan.discriminator, keep_examples=False) if plan.disc_cls else None,
        "config": _config_view(plan),
        "preprocess": _record_view(plan),
        "standardized_target": plan.mode == "regression" and bool(plan.record.get("target")),
        "multi_output": len(plan.result.output_nodes()) > 1,
        "vae_outputs": _vae_outputs(plan.result) if plan.mode == "vae" else None,
        "batchnorm": _has_batchnorm(plan.result) or (plan.disc_result is not None and _has_batchnorm(plan.disc_result)),
        "floor_at_min_lr": _uses_min_lr(cfg),
        "missing": portable.MISSING,
        "word_token": textgen.WORD_TOKEN.pattern, "unk": textgen.UNK,
        "src": {fn.__name__: _src(fn) for fn in PASTED},
        "arguments": [_argument(s) for s in script_settings(plan)],
    }


def _has_batchnorm(result: CheckResult) -> bool:
    """Whether a network keeps running statistics that the processes must share."""
    return any(result.graph.node(n).type.startswith("BatchNorm") for n in result.order)


def _vae_outputs(result: CheckResult) -> dict:
    """Where recon, mu and logvar are among a VAE's outputs."""
    names = [result.io_name(n) for n in result.output_nodes()]
    return {k: names.index(k) for k in ("recon", "mu", "logvar")}
