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
"""
from __future__ import annotations

import copy
import inspect
import math
import pprint
import re
from dataclasses import dataclass

from builder.shapes import CheckResult
from runtime.config import SETTINGS, ConfigError, TrainConfig, applies

from runtime.data import portable as pp
from runtime.device import cpu_threads
from runtime.settings import SCRIPT, first_sentence, on
from runtime.prepare import infer_mode
from runtime.tasks import loss_kind
from .common import ExportError, generated, strip_main

SKLEARN_SETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")
SCRIPT_NAMES = frozenset({"CONFIG", "PREPROCESS", "CLASS_NAMES", "DATA_FILE", "Image", "F", "np", "nn", "torch",
                          "dist", "datasets", "DistributedDataParallel"})


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
        train, _, _ = pp.split_indices(len(x), y if task == "classification" else None,
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
    if cfg.upload:
        name = re.split(r"[\\/]", cfg.upload.rstrip("/\\"))[-1] or "data"
        low = name.lower()
        if low.endswith(".csv") or record.get("csv"):
            return "csv", name
        if low.endswith(".npz"):
            return "npz", name
        return "images", name
    if cfg.data in SKLEARN_SETS:
        return "sklearn", None
    return "npz", f"{cfg.data}.npz"


# =============================================================================================
# The script
# =============================================================================================
def training_script(graph: dict, config: dict, preprocess: dict | None, discriminator: dict | None = None) -> str:
    """A standalone ``train.py`` for ``graph`` trained with ``config`` on the data ``preprocess``
    describes (the run's record; None: the record the data would get). Invalid graphs are
    refused with the checker's messages (``ExportError.errors``)."""
    plan = _plan(graph, config, preprocess, discriminator)
    parts = [
        _header(plan),
        _section("1. The model, generated by NetCanvas from the graph (the exact code the app trains)"),
        _model_code(plan.graph, plan.model_cls),
    ]
    if plan.mode == "gan":
        parts += [_section("1b. The discriminator (the generator's opponent)"),
                  _model_code(plan.discriminator, plan.disc_cls, keep_examples=False)]
    parts += [
        _section("2. Settings: the training config chosen in NetCanvas (flags below override some)"),
        _settings(plan),
        _section("3. Data: loading, NetCanvas's train/validation split and its normalisation"),
        _data_code(plan),
        _section("4. Loss, optimizer and learning-rate schedule"),
        _loss_code(plan),
        _optim_code(plan),
        _section("5. Several GPUs or processes: DistributedDataParallel (started by torchrun)"),
        _distributed_code(plan),
        _section("6. Training"),
        _gan_loop(plan) if plan.mode == "gan" else _loop(plan),
        _section("7. Command line"),
        _cli(plan),
    ]
    text = "\n\n\n".join(p.strip("\n") for p in parts if p) + "\n"
    text = re.sub(r"(# ={20,}\n)\n+", r"\1\n", text)   # one blank line under a section title
    text = re.sub(r"\n *#\n", "\n", text)   # placeholder lines of options not taken
    text = re.sub(r"\n[ \t]+\n", "\n\n", text)
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _plan(graph, config, preprocess, discriminator) -> Plan:
    try:
        cfg = TrainConfig.from_saved(dict(config or {}))
    except ConfigError as exc:
        raise ExportError(exc.code, **exc.info) from None
    graph = _unclash(graph, SCRIPT_NAMES)
    gen = generated(graph)
    disc_gen = None
    if discriminator is not None:
        discriminator = _unclash(discriminator, SCRIPT_NAMES | {gen.class_name})
        disc_gen = generated(discriminator, "discriminator")
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
                disc_result=disc_gen.result if disc_cls else None, names=gen.names)


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


def _section(title: str) -> str:
    bar = "# " + "=" * 92
    return f"{bar}\n# {title}\n{bar}"


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
            items.append(head + text.replace("\n", "\n" + " " * len(head)) + ",")
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    return pprint.pformat(value, width=110 - indent, sort_dicts=False, compact=True).replace("\n", "\n" + " " * indent)


def _src(fn) -> str:
    return inspect.getsource(fn)


def _model_code(graph: dict, cls: str, keep_examples: bool = True) -> str:
    source = strip_main(generated(graph).source)
    lines = source.splitlines()
    lines = lines[next(i for i, ln in enumerate(lines) if ln.startswith("class ")):]   # imports are at the top
    code = "\n".join(lines)
    if not keep_examples:
        code = code[:code.find("\n\ndef example_inputs(")]
    return code.strip("\n") + "\n"


# -- header and imports ---------------------------------------------------------------------------
def _header(plan: Plan) -> str:
    cfg = plan.cfg
    name = plan.result.graph.name
    what = {"classification": "a classifier", "regression": "a regression model", "autoencoder": "an autoencoder",
            "vae": "a variational autoencoder (VAE)", "gan": "a GAN (generator + discriminator)"}[plan.mode]
    needs = "PyTorch, NumPy and scikit-learn" if plan.source == "sklearn" else "PyTorch and NumPy"
    if plan.source == "images":
        needs += " (and Pillow to read the images)"
    data = cfg.data if not cfg.upload else plan.data_file
    data_line = {
        "sklearn": f"Data: scikit-learn's bundled {cfg.data!r} set (or any NPZ file of the same layout via --data).",
        "npz": f"Data: an NPZ file (--data, default {_safe_text(plan.data_file)}). For NetCanvas's built-in sets\n"
               f"make it with: python -m runtime data {_safe_text(cfg.data)} --save {_safe_text(plan.data_file)}",
        "csv": f"Data: your CSV file (--data, default {_safe_text(plan.data_file)}), read with the column plan "
               "NetCanvas made.",
        "images": f"Data: your images, one folder per class, as a folder or a .zip (--data, default "
                  f"{_safe_text(plan.data_file)}).",
    }[plan.source]
    doc = f'''#!/usr/bin/env python3
"""Train {_safe_text(name)} ({what}) on {_safe_text(data)}: a standalone PyTorch script made by NetCanvas.

It needs only {needs}; NetCanvas itself is not needed.

    python train.py                                # one device: a GPU when there is one
    python train.py --epochs 20 --lr 3e-4 --out my_run
    torchrun --nproc_per_node=2 train.py           # data-parallel: 2 GPUs, or 2 CPU processes

{data_line}
Sections: 1 the model, 2 settings, 3 data, 4 loss / optimizer / schedule,
5 DistributedDataParallel helpers, 6 the training loop, 7 the command line.
Weights are saved to OUT/model.pt (a plain state dict; load it into the model class),
checkpoints to OUT/checkpoint.pt; the last line printed is a JSON summary.
"""
import argparse
import json
import math
import os
import random
import time
'''
    imports = ["", "import numpy as np", "import torch", "import torch.distributed as dist"]
    imports.append("import torch.nn.functional as F")
    imports += ["from torch import nn", "from torch.nn.parallel import DistributedDataParallel"]
    if plan.source == "csv":
        doc = doc.replace("import argparse\n", "import argparse\nimport csv\n")
    if plan.source == "images":
        doc = doc.replace("import argparse\n", "import argparse\nimport io\n").replace("import time\n",
                                                                                     "import time\nimport zipfile\n")
    if plan.source == "sklearn":
        imports += ["from sklearn import datasets"]
    if plan.cfg.amp == "fp16" and plan.mode != "gan":
        doc = doc.replace("import argparse\n", "import argparse\nimport contextlib\n")
    return doc + "\n".join(imports) + "\n"


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
        view["freeze"] = [plan.names[n] for n in cfg.freeze if n in plan.names]
    return view


def _record_view(plan: Plan) -> dict:
    """The parts of the preprocess record the script uses (vocabularies stay in preprocess.json)."""
    rec = plan.record
    keep = ("data", "kind", "task", "inputs", "fill", "normalize", "target", "reshape")
    view = {k: rec.get(k) for k in keep if k in rec}
    for k in ("fill", "normalize", "reshape"):
        view[k] = view.get(k) or {}
    if plan.source == "csv":
        view["csv"] = rec.get("csv")
    if plan.source == "images":
        view["image"] = rec.get("image")
    return view


def _settings(plan: Plan) -> str:
    cfg = plan.cfg
    out = ["CONFIG = " + _lit(_config_view(plan)), ""]
    notes = []
    if cfg.augment:
        notes.append("# NetCanvas also augmented the images (" + _safe_text(", ".join(sorted(map(str, cfg.augment)))) +
                     "); this script does not.")
    if cfg.amp != "off" and plan.mode == "gan":
        notes.append(f"# NetCanvas trained in mixed precision ({cfg.amp}); this GAN script trains in float32.")
    if cfg.label_noise:
        notes.append(f"# NetCanvas flipped {cfg.label_noise:.0%} of the training labels on purpose; this script does not.")
    if cfg.data_options and plan.source == "npz" and not cfg.upload:
        notes.append(f"# NetCanvas generated the data with the options {_safe_text(repr(cfg.data_options), 200)}.")
    out += notes
    out += [
        "# How NetCanvas prepared the data: which inputs it standardised with the training split's",
        "# mean and std (the numbers are those statistics), missing-value fills, and how the data's",
        "# inputs map onto the model's inputs. Applying them here feeds the model what the app fed it.",
        "PREPROCESS = " + _lit(_record_view(plan)),
    ]
    classes = plan.record.get("class_names")
    if plan.mode == "classification":
        out += ["CLASS_NAMES = " + _lit(classes)]
    if plan.source != "sklearn":
        out += [f"DATA_FILE = {plan.data_file!r}   # default for --data"]
    return "\n".join(out) + "\n"


# -- data -----------------------------------------------------------------------------------------
def _data_code(plan: Plan) -> str:
    parts = [_loader(plan), _npz_loader(plan) if plan.source in ("sklearn", "npz") else "", ]
    parts += [_src(pp.allocate), _src(pp.split_indices), _src(pp.fill_missing), _src(pp.normalize),
              _src(pp.to_model_inputs)]
    if plan.mode == "regression" and plan.record.get("target"):
        parts += [_src(pp.target_standardize)]
    parts += [_prepare(plan)]
    return "\n\n\n".join(p.strip("\n") for p in parts if p) + "\n"


def _loader(plan: Plan) -> str:
    cfg = plan.cfg
    if plan.source == "sklearn":
        loader = {
            "digits": '''    bunch = datasets.load_digits()
    x = torch.from_numpy(np.asarray(bunch.images / 16.0, dtype=np.float32)).unsqueeze(1)   # (N, 1, 8, 8) in [0, 1]
    y = torch.from_numpy(bunch.target.astype(np.int64))                                     # class ids 0..9''',
            "diabetes": '''    bunch = datasets.load_diabetes(scaled=False)
    x = torch.from_numpy(bunch.data.astype(np.float32))                    # (N, 10) raw measurements
    y = torch.from_numpy(bunch.target.astype(np.float32)).reshape(-1, 1)   # disease progression''',
        }.get(cfg.data, f'''    bunch = datasets.load_{cfg.data}()
    x = torch.from_numpy(bunch.data.astype(np.float32))     # (N, features)
    y = torch.from_numpy(bunch.target.astype(np.int64))     # class ids''')
        return f'''def load_data(path=None):
    """The raw data: ({{input name: tensor (N, ...)}}, target). scikit-learn's {cfg.data!r} set,
    as NetCanvas loads it, unless --data names an NPZ file."""
    if path:
        return load_npz(path)
{loader}
    return {{"x": x}}, y
'''
    if plan.source == "npz":
        return '''def load_data(path):
    """The raw data: ({input name: tensor (N, ...)}, target or None), from an NPZ file."""
    return load_npz(path)
'''
    if plan.source == "csv":
        return "\n\n\n".join([_src(pp._is_blank), _src(pp.csv_features), _src(pp.csv_target),
                            _src(pp.csv_rows_with_target)]).replace("plan.get(\"missing\", MISSING)",
                                                                    "plan.get(\"missing\", \"(missing)\")") + '''

def load_data(path):
    """The raw data from your CSV file, read with the column plan NetCanvas made: numeric
    columns as numbers, categorical ones one-hot, the target as class ids or values."""
    plan = PREPROCESS["csv"]
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    target = None
    if plan.get("target"):
        rows = csv_rows_with_target(plan, rows)
        target = csv_target(plan, rows)
    name = next(iter(PREPROCESS["inputs"]))
    return {name: csv_features(plan, rows)}, target
'''
    return '''def load_data(path):
    """Your images: one folder per class (a folder, or a .zip holding one), resized to the
    size NetCanvas used, values in [0, 1]. Classes follow CLASS_NAMES."""
    from PIL import Image   # only this loader needs Pillow
    (height, width), channels = PREPROCESS["image"]["size"], PREPROCESS["image"]["channels"]
    files = []   # (class name, a function that opens the file)
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        for member in archive.namelist():
            parts = [p for p in member.split("/") if p]
            if len(parts) >= 2 and not member.endswith("/"):
                files.append((parts[-2], lambda m=member: io.BytesIO(archive.read(m))))
    else:
        for folder in sorted(os.listdir(path)):
            if os.path.isdir(os.path.join(path, folder)):
                for name in sorted(os.listdir(os.path.join(path, folder))):
                    files.append((folder, lambda p=os.path.join(path, folder, name): p))
    classes = CLASS_NAMES or sorted({c for c, _ in files})
    images, labels = [], []
    for label, opener in files:
        if label not in classes:
            continue
        try:
            image = Image.open(opener()).convert("L" if channels == 1 else "RGB")
        except OSError:
            continue   # not an image
        image = image.resize((width, height), Image.Resampling.BILINEAR)
        images.append(np.asarray(image, dtype=np.float32) / 255.0)
        labels.append(classes.index(label))
    x = torch.from_numpy(np.stack(images))
    x = x.unsqueeze(1) if channels == 1 else x.permute(0, 3, 1, 2).contiguous()
    name = next(iter(PREPROCESS["inputs"]))
    return {name: x}, torch.tensor(labels, dtype=torch.int64)
'''


def _npz_loader(plan: Plan) -> str:
    return '''def load_npz(path):
    """An NPZ file with one array per data input (named as in PREPROCESS["inputs"], or "x_<name>"
    as `python -m runtime data NAME --save` writes them; a single input may be called "x") and
    the labels or targets as "target" (or "y")."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    inputs = {}
    for name, spec in PREPROCESS["inputs"].items():
        key = next((k for k in (name, f"x_{name}", "x") if k in arrays), "x")
        if key not in arrays:
            raise SystemExit(f"{path}: no array named {name!r} (it holds {sorted(arrays)})")
        dtype = torch.int64 if spec["dtype"] == "int64" else torch.float32
        inputs[name] = torch.from_numpy(arrays[key]).to(dtype)
    key = next((k for k in ("target", "y") if k in arrays), None)
    target = None if key is None else torch.from_numpy(arrays[key])
    if target is not None:
        target = target.to(torch.int64) if PREPROCESS["task"] == "classification" else target.float().reshape(len(target), -1)
    return inputs, target
'''


def _prepare(plan: Plan) -> str:
    mode = plan.mode

    input_names = f"{plan.disc_cls if mode == 'gan' else plan.model_cls}.input_names"
    needs_target = mode in ("classification", "regression")
    lines = [f'''def prepare_data(inputs, target, seed):
    """Split like NetCanvas (the same seed gives the same validation samples), then fill,
    normalise and reshape with the stored statistics. Returns {{"train": (inputs, target),
    "val": ..., "test": ...}}, inputs as a list in the order the model takes them."""
    n = len(next(iter(inputs.values())))
    stratify = PREPROCESS["task"] == "classification" and target is not None   # keep the class balance
    train, val, test = split_indices(n, target if stratify else None, CONFIG["val_split"], CONFIG["test_split"], seed)
    model_inputs = to_model_inputs(PREPROCESS, inputs)
    xs = [model_inputs[name] for name in {input_names}]''']
    if needs_target:
        lines.append('''    if target is None:
        raise SystemExit("this data set has no labels or targets to learn from")''')
    if mode == "regression" and plan.record.get("target"):
        lines.append("    target = target_standardize(PREPROCESS, target)   # NetCanvas standardised the targets too")
    if not needs_target:
        why = "a GAN learns from the real samples alone" if mode == "gan" else "the inputs are the targets"
        lines.append(f"    target = None   # not needed: {why}")
    lines.append('''    take = lambda idx: ([x[idx] for x in xs], None if target is None else target[idx])   # noqa: E731
    return {"train": take(train), "val": take(val), "test": take(test)}
''')
    return "\n".join(lines)


# -- loss, optimizer, schedule ----------------------------------------------------------------------
def _first_output(plan: Plan, expr: str) -> str:
    return f"{expr}[0]" if len(plan.result.output_nodes()) > 1 else expr


def _loss_code(plan: Plan) -> str:
    mode, kind = plan.mode, plan.loss
    out = _first_output(plan, "model(*inputs)")
    if mode == "classification":
        smooth = plan.cfg.label_smoothing
        if kind == "bce":
            soft = 'target.float() * (1 - CONFIG["label_smoothing"]) + 0.5 * CONFIG["label_smoothing"]' if smooth \
                else "target.float()"
            body = f'''    """Binary cross-entropy on the one output (a logit){" with smoothed labels" if smooth else ""}; also the accuracy."""
    logit = {out}.float().reshape(-1)
    loss = F.binary_cross_entropy_with_logits(logit, {soft})
    acc = ((logit > 0).long() == target).float().mean()'''
        elif kind == "cross_entropy":
            smoothing = ', label_smoothing=CONFIG["label_smoothing"]' if smooth else ""
            body = f'''    """Cross-entropy on the class scores (logits){" with label smoothing" if smooth else ""}; also the accuracy."""
    scores = {out}.float()
    loss = F.cross_entropy(scores, target{smoothing})
    acc = (scores.argmax(1) == target).float().mean()'''
        else:
            loss = 'F.nll_loss(scores, target)' if not smooth else \
                '(1 - CONFIG["label_smoothing"]) * F.nll_loss(scores, target) - CONFIG["label_smoothing"] * scores.mean(1).mean()'
            body = f'''    """Negative log-likelihood of the log-probabilities (the model ends in LogSoftmax){" with label smoothing" if smooth else ""}; also the accuracy."""
    scores = {out}.float()
    loss = {loss}
    acc = (scores.argmax(1) == target).float().mean()'''
        return f"def batch_loss(model, inputs, target):\n{body}\n    return loss, {{\"acc\": acc}}\n"
    if mode == "regression":
        fn = {"mse": "F.mse_loss", "l1": "F.l1_loss", "smooth_l1": "F.smooth_l1_loss"}[kind]
        return f'''def batch_loss(model, inputs, target):
    """{ {"mse": "Mean squared error", "l1": "Mean absolute error", "smooth_l1": "Smooth L1 (Huber) loss"}[kind]} of the predictions; also the mean absolute error."""
    pred = {out}.float()
    target = target.reshape(pred.shape).float()
    return {fn}(pred, target), {{"mae": (pred - target).abs().mean()}}
'''
    if mode == "autoencoder":
        recon = _first_output(plan, "model(noisy, *inputs[1:])")
        if kind == "bce":
            loss = "F.binary_cross_entropy(recon.clamp(1e-6, 1 - 1e-6), clean.clamp(0, 1))"
        else:
            loss = {"mse": "F.mse_loss", "l1": "F.l1_loss", "smooth_l1": "F.smooth_l1_loss"}[kind] + "(recon, clean)"
        return f'''def batch_loss(model, inputs, target):
    """How far the reconstruction is from the input ({kind}). With CONFIG["denoise"] > 0 the
    model sees a noisy input while training and must rebuild the clean one."""
    x = inputs[0]
    noisy = x + CONFIG["denoise"] * torch.randn_like(x) if model.training and CONFIG["denoise"] > 0 else x
    recon = {recon}.float()
    clean = x.reshape(recon.shape).float()
    return {loss}, {{}}
'''
    if mode == "vae":
        names = [plan.result.io_name(n) for n in plan.result.output_nodes()]
        idx = {k: names.index(k) for k in ("recon", "mu", "logvar")}
        return f'''RECON_LOSS = {kind!r}   # "bce" or "mse"; "auto": bce when the inputs lie in [0, 1] (set in main)


def batch_loss(model, inputs, target):
    """The VAE loss: reconstruction error summed over each sample's values, plus
    beta x the KL divergence of the latent code from a standard normal; both averaged over the batch."""
    outputs = model(*inputs)
    recon, mu, logvar = outputs[{idx["recon"]}].float(), outputs[{idx["mu"]}].float(), outputs[{idx["logvar"]}].float()
    x = inputs[0].reshape(recon.shape).float()
    if RECON_LOSS == "bce":
        rec = F.binary_cross_entropy(recon.clamp(1e-6, 1 - 1e-6), x.clamp(0, 1), reduction="none")
    else:
        rec = F.mse_loss(recon, x, reduction="none")
    rec = rec.flatten(1).sum(1).mean()
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).flatten(1).sum(1).mean()
    return rec + CONFIG["beta"] * kl, {{"recon": rec.detach(), "kl": kl.detach()}}
'''
    return '''def gan_losses(d_real, d_fake, smooth):
    """The discriminator's loss (real -> 1 - smooth, fake -> 0) from its logits."""
    real_loss = F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, 1.0 - smooth))
    fake_loss = F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
    return real_loss + fake_loss


def generator_loss(d_fake):
    """Non-saturating generator loss: make the discriminator call the fakes real."""
    return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
'''


def _uses_min_lr(cfg: TrainConfig) -> bool:
    """NetCanvas floors the schedules that read min_lr at it (runtime.config.APPLIES)."""
    return applies("min_lr", None, cfg.to_dict())


def _optimizer_call(name: str) -> str:
    wd = 'weight_decay=CONFIG["weight_decay"]'
    return {
        "sgd": f"torch.optim.SGD(params, lr=lr, {wd})",
        "momentum": f'torch.optim.SGD(params, lr=lr, momentum=CONFIG["momentum"], {wd})',
        "nesterov": f'torch.optim.SGD(params, lr=lr, momentum=CONFIG["momentum"], nesterov=True, {wd})',
        "adagrad": f"torch.optim.Adagrad(params, lr=lr, {wd})",
        "adadelta": f'torch.optim.Adadelta(params, lr=lr, rho=CONFIG["rho"], {wd})',
        "rmsprop": f'torch.optim.RMSprop(params, lr=lr, alpha=CONFIG["alpha"], eps=CONFIG["eps"], {wd})',
        "adam": f'torch.optim.Adam(params, lr=lr, betas=(CONFIG["beta1"], CONFIG["beta2"]), eps=CONFIG["eps"], {wd})',
        "adamw": f'torch.optim.AdamW(params, lr=lr, betas=(CONFIG["beta1"], CONFIG["beta2"]), eps=CONFIG["eps"], {wd})',
    }[name]


def _optim_code(plan: Plan) -> str:
    cfg = plan.cfg
    wd_note = "AdamW's decoupled weight decay" if cfg.optimizer == "adamw" else "L2 regularisation"
    out = [f'''def make_optimizer(params, lr):
    """{cfg.optimizer} (as NetCanvas builds it); weight_decay is {wd_note}."""
    return {_optimizer_call(cfg.optimizer)}
''']
    shape = {
        "none": "    lr = base_lr",
        "step": '    lr = base_lr * CONFIG["gamma"] ** (step // steps_per_epoch // CONFIG["step_size"])   # step decay',
        "exponential": '    lr = base_lr * CONFIG["gamma"] ** (step // steps_per_epoch)   # exponential decay per epoch',
        "cosine": '''    progress = min(1.0, step / total_steps)   # cosine annealing from base_lr down to min_lr
    lr = CONFIG["min_lr"] + (base_lr - CONFIG["min_lr"]) * 0.5 * (1 + math.cos(math.pi * progress))''',
        "plateau": '    lr = base_lr * state["plateau_scale"]   # reduced when the validation loss stops improving',
        "onecycle": '''    # one cycle (torch's OneCycleLR defaults): from base_lr/25 up to base_lr in the first 30%
    # of the steps, then down to base_lr/25/1e4, both along a cosine
    peak, start = base_lr, base_lr / 25.0
    end = start / 1e4
    up = max(1, int(0.3 * total_steps) - 1)
    down = max(1, total_steps - 1 - up)
    if step <= up:
        pct, a, b = step / up, start, peak
    else:
        pct, a, b = min(1.0, (step - up) / down), peak, end
    lr = b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1)''',
    }[cfg.schedule]
    floor = 'max(lr, CONFIG["min_lr"])' if _uses_min_lr(cfg) else "lr"
    warm = '''    warmup = int(round(CONFIG["warmup_epochs"] * steps_per_epoch))
    if step < warmup:
        lr *= (step + 1) / (warmup + 1)   # linear warm-up
''' if cfg.warmup_epochs > 0 else ""
    title = {"none": "constant", "step": "step decay", "exponential": "exponential decay", "cosine": "cosine annealing",
             "plateau": "reduce on plateau", "onecycle": "one cycle"}[cfg.schedule]
    state_arg = ", state" if cfg.schedule == "plateau" else ""
    out.append(f'''def learning_rate(step, base_lr, steps_per_epoch, total_steps{state_arg}):
    """The learning rate for optimizer step ``step`` (counting from 0): {title}{" after a warm-up" if warm else ""}."""
{shape}
{warm}    return {floor}
''')
    if cfg.schedule == "plateau":
        out.append('''def plateau_update(state, val_loss):
    """At an epoch end: after more than plateau_patience epochs without a better validation
    loss, multiply the learning rate by gamma."""
    if val_loss is None or not math.isfinite(val_loss):
        return
    if val_loss < state["best"] - 1e-12:
        state["best"], state["bad_epochs"] = val_loss, 0
    else:
        state["bad_epochs"] += 1
        if state["bad_epochs"] > CONFIG["plateau_patience"]:
            state["plateau_scale"] *= CONFIG["gamma"]
            state["bad_epochs"] = 0
''')
    return "\n\n\n".join(o.strip("\n") for o in out) + "\n"


# -- distributed -------------------------------------------------------------------------------------
def _distributed_code(plan: Plan) -> str:
    has_buffers = any(plan.result.graph.node(n).type.startswith("BatchNorm") for n in plan.result.order)
    if plan.disc_result is not None:
        has_buffers = has_buffers or any(plan.disc_result.graph.node(n).type.startswith("BatchNorm")
                                         for n in plan.disc_result.order)
    code = _src(cpu_threads) + '''


def pick_device(name):
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


def setup_distributed(device_name):
    """(rank, world size, device). Started by torchrun (WORLD_SIZE > 1), every process joins
    one process group (nccl on GPUs, gloo on CPUs) and uses one device; plain python: one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        device = pick_device(device_name)
        if device.type == "cpu":
            torch.set_num_threads(cpu_threads())
        return 0, 1, device
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_name in ("auto", "cuda")
    if use_cuda:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
        torch.set_num_threads(cpu_threads(int(os.environ.get("LOCAL_WORLD_SIZE", world))))   # share the cores
    dist.init_process_group("nccl" if use_cuda else "gloo")
    return dist.get_rank(), world, device


def all_sum(values, device):
    """Sum a list of numbers over all processes (every process gets the totals)."""
    totals = torch.tensor(values, dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(totals)
    return totals.tolist()


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
'''
    if has_buffers:
        code += '''

def sync_buffers(model):
    """BatchNorm's running statistics from process 0 to all, so every process evaluates the same model."""
    if dist.is_initialized():
        for buffer in model.buffers():
            dist.broadcast(buffer, 0)
'''
    return code


# -- the supervised / autoencoder / VAE loop ------------------------------------------------------------
def _loop(plan: Plan) -> str:
    cfg = plan.cfg
    mode = plan.mode
    cls = plan.model_cls
    metric = {"classification": "acc", "regression": "mae"}.get(mode)
    extra_keys = {"classification": ["acc"], "regression": ["mae"], "vae": ["recon", "kl"]}.get(mode, [])
    has_bn = "sync_buffers(model)\n        " if any(plan.result.graph.node(n).type.startswith("BatchNorm")
                                               for n in plan.result.order) else ""
    sched_state = ', state' if cfg.schedule == "plateau" else ""
    l1 = '''
            total = total + CONFIG["l1"] * sum(p.abs().sum() for p in params if p.ndim > 1)   # L1 on the weights''' \
        if cfg.l1 > 0 else ""
    clip = '''
            torch.nn.utils.clip_grad_norm_(params, CONFIG["grad_clip"])   # gradient clipping''' if cfg.grad_clip > 0 else ""
    amp = cfg.amp != "off"
    autocast = "with autocast():\n                " if amp else ""
    backward = "scaler.scale(total).backward()" if cfg.amp == "fp16" else "total.backward()"
    unscale = "\n            scaler.unscale_(optimizer)" if cfg.amp == "fp16" and cfg.grad_clip > 0 else ""
    stepper = "scaler.step(optimizer)\n            scaler.update()" if cfg.amp == "fp16" else "optimizer.step()"
    freeze = ""
    if cfg.freeze:
        freeze = '''
    for name, p in model.named_parameters():   # frozen layers keep their weights
        if name.split(".")[0] in CONFIG["freeze"]:
            p.requires_grad_(False)'''
    vae_auto = ""
    if mode == "vae" and plan.loss == "auto":
        vae_auto = '''
    global RECON_LOSS
    x_train = data["train"][0][0]
    RECON_LOSS = "bce" if x_train.min() >= 0 and x_train.max() <= 1 else "mse"   # as NetCanvas decides'''
    es_metric = cfg.es_metric
    maximize = es_metric.endswith("acc")
    es_init = ""
    es_check = ""
    if cfg.early_stopping:
        better = 'value > best + CONFIG["es_min_delta"]' if maximize else 'value < best - CONFIG["es_min_delta"]'
        es_init = f'''
    best, best_epoch, best_state, bad_epochs = {"-math.inf" if maximize else "math.inf"}, 0, None, 0   # early stopping'''
        es_check = f'''
        # early stopping on {es_metric}: keep the best weights, stop after es_patience epochs without progress
        value = record.get("{es_metric}")
        if value is not None and {better}:
            best, best_epoch, bad_epochs = value, epoch + 1, 0
            best_state = {{k: v.detach().clone() for k, v in model.state_dict().items()}}
            if rank == 0:
                torch.save(best_state, os.path.join(args.out, "model_best.pt"))
        else:
            bad_epochs += 1
            if bad_epochs >= CONFIG["es_patience"]:
                stop_reason = "early_stopping"'''
    plateau = '''
        plateau_update(schedule_state, record.get("val_loss"))''' if cfg.schedule == "plateau" else ""
    amp_setup = ""
    if amp:
        dtype = "torch.bfloat16" if cfg.amp == "bf16" else "torch.float16"
        when = "" if cfg.amp == "bf16" else ' if device.type == "cuda" else contextlib.nullcontext()'
        amp_setup = f'''
    # mixed precision ({cfg.amp}): the forward pass in half precision, the weights stay float32
    autocast = lambda: torch.autocast(device.type, dtype={dtype}){when}   # noqa: E731'''
        if cfg.amp == "fp16":
            amp_setup += '''
    scaler = torch.amp.GradScaler(device.type, enabled=device.type == "cuda")'''
    metric_text = ""
    if metric == "acc":
        metric_text = '''
            line += f"  train_acc {record['train_acc']:.2%}"'''
    elif metric == "mae":
        metric_text = '''
            line += f"  train_mae {record['train_mae']:.4f}"'''
    val_text = {"acc": ''' + (f"  val_acc {record['val_acc']:.2%}" if "val_acc" in record else "")''',
                "mae": ''' + (f"  val_mae {record['val_mae']:.4f}" if "val_mae" in record else "")'''}.get(metric, "")
    restore = '''
    if best_state is not None:
        model.load_state_dict(best_state)   # back to the best epoch's weights''' if cfg.early_stopping else ""
    best_epoch_out = "best_epoch" if cfg.early_stopping else "None"
    return f'''def evaluate(model, split, rank, world, device):
    """Mean loss and metrics over a split, in eval mode; each process takes every world-th sample."""
    inputs, target = split
    mine = torch.arange(rank, len(inputs[0]), world, device=inputs[0].device)
    sums, count = {{}}, 0
    model.eval()
    with torch.no_grad():
        for start in range(0, len(mine), 512):
            idx = mine[start:start + 512]
            loss, extra = batch_loss(model, [x[idx] for x in inputs], None if target is None else target[idx])
            for key, value in {{"loss": loss, **extra}}.items():
                sums[key] = sums.get(key, 0.0) + float(value) * len(idx)
            count += len(idx)
    model.train()
    keys = ["loss"] + {extra_keys!r}
    totals = all_sum([sums.get(k, 0.0) for k in keys] + [count], device)
    return {{k: v / totals[-1] for k, v in zip(keys, totals[:-1])}} if totals[-1] else {{}}


def steps_per_epoch_for(n, batch_size, world):
    """Batches per epoch; a last batch too small to give every process 2 samples is dropped
    (a batch of one sample breaks BatchNorm)."""
    steps = math.ceil(n / batch_size)
    if steps > 1 and n - (steps - 1) * batch_size < 2 * world:
        steps -= 1
    return max(1, steps)


def main(args):
    rank, world, device = setup_distributed(args.device)
    seed_everything(args.seed)
    data = prepare_data(*load_data(args.data), args.seed)
    train_x, train_y = data["train"]
    train_x = [x.to(device) for x in train_x]
    train_y = None if train_y is None else train_y.to(device)
    val = ([x.to(device) for x in data["val"][0]], None if data["val"][1] is None else data["val"][1].to(device)){vae_auto}

    seed_everything(args.seed)   # the same initial weights as NetCanvas (and on every process)
    model = {cls}().to(device)
    if args.init_from:   # fine-tune: start from saved weights (a state dict or a NetCanvas checkpoint)
        state = torch.load(args.init_from, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state.get("model", state))
        own = model.state_dict()
        model.load_state_dict({{k: v for k, v in state.items() if k in own and own[k].shape == v.shape}}, strict=False){freeze}
    net = model
    if world > 1:   # averages the gradients over the processes after every backward pass
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, args.lr){amp_setup}

    n, batch_size = len(train_x[0]), args.batch_size
    if batch_size < world:
        raise SystemExit(f"--batch-size {{batch_size}} is smaller than the number of processes ({{world}})")
    steps_per_epoch = steps_per_epoch_for(n, batch_size, world)
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    {"schedule_state = {'plateau_scale': 1.0, 'best': math.inf, 'bad_epochs': 0}" if cfg.schedule == "plateau" else "#"}
    os.makedirs(args.out, exist_ok=True)
    order_gen = torch.Generator().manual_seed(args.seed)   # the same shuffle on every process
    step, epoch, history, stop_reason, seen = 0, 0, [], None, 0{es_init}
    started = time.time()
    if rank == 0:
        print(f"training {cls} on {{n}} samples, {{steps_per_epoch}} steps per epoch, "
              f"{{world}} process(es) on {{device}}", flush=True)
    for epoch in range(args.epochs):
        order = torch.arange(n) if args.no_shuffle else torch.randperm(n, generator=order_gen)
        order = order.to(device)
        sums, count = {{}}, 0
        for b in range(steps_per_epoch):
            batch = order[b * batch_size:(b + 1) * batch_size]
            mine = batch[rank::world]   # this process's share of the batch
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, args.lr, steps_per_epoch, total_steps{sched_state.replace("state", "schedule_state")})
            {autocast}loss, extra = batch_loss(net, [x[mine] for x in train_x], None if train_y is None else train_y[mine])
            # DistributedDataParallel averages gradients over processes; weighting each process's
            # mean loss by its share of the batch makes that the gradient of the whole batch's mean.
            total = loss * (len(mine) * world / len(batch)){l1}
            optimizer.zero_grad(set_to_none=True)
            {backward}{unscale}{clip}
            {stepper}
            step += 1
            with torch.no_grad():
                for key, value in {{"loss": loss, **extra}}.items():
                    sums[key] = sums.get(key, 0.0) + value.detach().float() * len(mine)
            count += len(mine)
            seen += len(mine)
            if step >= total_steps:
                break

        # end of the epoch: metrics over all processes, validation, checkpoint, early stopping
        keys = list(sums)
        totals = all_sum([float(sums[k]) for k in keys] + [count], device)
        record = {{"epoch": epoch + 1, "step": step}}
        record.update({{f"train_{{k}}": v / totals[-1] for k, v in zip(keys, totals[:-1])}})
        {has_bn}record.update({{f"val_{{k}}": v for k, v in evaluate(model, val, rank, world, device).items()}})
        record["lr"] = optimizer.param_groups[0]["lr"]
        record["time"] = time.time() - started
        history.append(record)
        if not math.isfinite(record["train_loss"]):
            raise SystemExit(f"the loss is not a number at step {{step}}: try a smaller --lr")
        if rank == 0:
            line = f"epoch {{epoch + 1:3d}}/{{args.epochs}}  train_loss {{record['train_loss']:.4f}}"{metric_text}
            if "val_loss" in record:
                line += f"  val_loss {{record['val_loss']:.4f}}"{val_text}
            print(line + f"  lr {{record['lr']:.2e}}  {{record['time']:.1f}}s", flush=True)
            if (epoch + 1) % CONFIG["checkpoint_every"] == 0:
                torch.save({{"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch + 1,
                            "step": step, "config": CONFIG}}, os.path.join(args.out, "checkpoint.pt")){plateau}{es_check}
        if stop_reason or step >= total_steps:
            break
{restore}
    summary = {{"epochs": len(history), "steps": step, "world_size": world, "device": str(device),
               "samples_this_process": seen, "stopped": stop_reason, "best_epoch": {best_epoch_out}}}
    summary.update({{k: v for k, v in history[-1].items() if k.startswith(("train_", "val_"))}} if history else {{}})
    if len(data["test"][0][0]):
        {has_bn}test = evaluate(model, ([x.to(device) for x in data["test"][0]],
                                None if data["test"][1] is None else data["test"][1].to(device)), rank, world, device)
        summary.update({{f"test_{{k}}": v for k, v in test.items()}})
    if rank == 0:
        torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
        print(f"saved the weights to {{os.path.join(args.out, 'model.pt')}}", flush=True)
        print(json.dumps(summary), flush=True)
    if dist.is_initialized():
        dist.barrier()   # everyone done (process 0 was saving) before the group goes away
        dist.destroy_process_group()
    return summary
'''


# -- the GAN loop ---------------------------------------------------------------------------------------
def _gan_loop(plan: Plan) -> str:
    cfg = plan.cfg
    g_cls, d_cls = plan.model_cls, plan.disc_cls
    has_bn = any(plan.result.graph.node(n).type.startswith("BatchNorm") for n in plan.result.order) or \
        any(plan.disc_result.graph.node(n).type.startswith("BatchNorm") for n in plan.disc_result.order)
    sync = "sync_buffers(generator)\n        sync_buffers(discriminator)\n        " if has_bn else ""
    sched_state = ", schedule_state" if cfg.schedule == "plateau" else ""
    clip_d = '''
                torch.nn.utils.clip_grad_norm_(discriminator.parameters(), CONFIG["grad_clip"])''' \
        if cfg.grad_clip > 0 else ""
    clip_g = '''
            torch.nn.utils.clip_grad_norm_(generator.parameters(), CONFIG["grad_clip"])''' if cfg.grad_clip > 0 else ""
    l1_d = ''' + l1_penalty(discriminator)''' if cfg.l1 > 0 else ""
    l1_g = ''' + l1_penalty(generator)''' if cfg.l1 > 0 else ""
    l1_fn = '''

def l1_penalty(model):
    """L1 regularisation on the weights (not the biases)."""
    return CONFIG["l1"] * sum(p.abs().sum() for p in model.parameters() if p.ndim > 1)
''' if cfg.l1 > 0 else ""
    return f'''def noise(n, device, generator=None):
    """Random latent codes, the generator's input."""
    return torch.randn((n, *{g_cls}.input_shapes[{g_cls}.input_names[0]]), device=device, generator=generator)
{l1_fn}

def evaluate(generator, discriminator, real, device, seed):
    """Losses on validation images against a fixed batch of fakes, and how real each looks to D."""
    generator.eval()
    discriminator.eval()
    with torch.no_grad():
        real = real[:512]
        fake = generator(noise(len(real), device, torch.Generator(device=device).manual_seed(seed + 1)))
        d_real, d_fake = discriminator(real).float().reshape(-1), discriminator(fake).float().reshape(-1)
        out = {{"d_loss": float(gan_losses(d_real, d_fake, 0.0)), "g_loss": float(generator_loss(d_fake)),
               "d_real": float(torch.sigmoid(d_real).mean()), "d_fake": float(torch.sigmoid(d_fake).mean())}}
    generator.train()
    discriminator.train()
    return out


def main(args):
    rank, world, device = setup_distributed(args.device)
    seed_everything(args.seed)
    data = prepare_data(*load_data(args.data), args.seed)
    real_train = data["train"][0][0].to(device)
    real_val = data["val"][0][0].to(device) if len(data["val"][0][0]) else real_train

    seed_everything(args.seed)
    generator, discriminator = {g_cls}().to(device), {d_cls}().to(device)
    g_net, d_net = generator, discriminator
    if world > 1:   # each network averages its gradients over the processes
        ids = [device.index] if device.type == "cuda" else None
        g_net = DistributedDataParallel(generator, device_ids=ids)
        d_net = DistributedDataParallel(discriminator, device_ids=ids)
    g_opt = make_optimizer(generator.parameters(), args.g_lr)
    d_opt = make_optimizer(discriminator.parameters(), args.d_lr)
    g_base, d_base = g_opt.param_groups[0]["lr"], args.d_lr

    n, batch_size = len(real_train), args.batch_size
    if batch_size < world:
        raise SystemExit(f"--batch-size {{batch_size}} is smaller than the number of processes ({{world}})")
    steps = math.ceil(n / batch_size)
    steps_per_epoch = steps - 1 if steps > 1 and n - (steps - 1) * batch_size < 2 * world else steps
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    {"schedule_state = {'plateau_scale': 1.0, 'best': math.inf, 'bad_epochs': 0}" if cfg.schedule == "plateau" else "#"}
    os.makedirs(args.out, exist_ok=True)
    order_gen = torch.Generator().manual_seed(args.seed)
    step, history = 0, []
    started = time.time()
    smooth = CONFIG["label_smoothing"]
    for epoch in range(args.epochs):
        order = (torch.arange(n) if args.no_shuffle else torch.randperm(n, generator=order_gen)).to(device)
        sums, count = {{}}, 0
        for b in range(steps_per_epoch):
            batch = order[b * batch_size:(b + 1) * batch_size]
            mine = batch[rank::world]   # this process's share of the batch
            real = real_train[mine]
            for group in g_opt.param_groups:
                group["lr"] = learning_rate(step, g_base, steps_per_epoch, total_steps{sched_state})
            for group in d_opt.param_groups:
                group["lr"] = learning_rate(step, d_base, steps_per_epoch, total_steps{sched_state})
            # 1) the discriminator learns to tell real images (-> 1 - smoothing) from fakes (-> 0);
            #    real and fake go through it in one pass (DistributedDataParallel wants one forward per backward)
            for _ in range(CONFIG["d_steps"]):
                with torch.no_grad():
                    fake = g_net(noise(len(real), device))
                scores = d_net(torch.cat([real, fake])).float().reshape(-1)
                d_real, d_fake = scores[:len(real)], scores[len(real):]
                d_loss = gan_losses(d_real, d_fake, smooth){l1_d}
                d_opt.zero_grad(set_to_none=True)
                d_loss.backward(){clip_d}
                d_opt.step()
            # 2) the generator learns to make fakes the discriminator calls real; the discriminator
            #    is used unwrapped here and its gradients are thrown away (only g_opt steps)
            g_score = discriminator(g_net(noise(len(real), device))).float().reshape(-1)
            g_loss = generator_loss(g_score){l1_g}
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward(){clip_g}
            g_opt.step()
            step += 1
            with torch.no_grad():
                for key, value in {{"d_loss": d_loss, "g_loss": g_loss, "d_real": torch.sigmoid(d_real).mean(),
                                   "d_fake": torch.sigmoid(d_fake).mean()}}.items():
                    sums[key] = sums.get(key, 0.0) + value.detach().float() * len(mine)
            count += len(mine)
            if step >= total_steps:
                break

        keys = list(sums)
        totals = all_sum([float(sums[k]) for k in keys] + [count], device)
        record = {{"epoch": epoch + 1, "step": step}}
        record.update({{f"train_{{k}}": v / totals[-1] for k, v in zip(keys, totals[:-1])}})
        {sync}record.update({{f"val_{{k}}": v for k, v in evaluate(generator, discriminator, real_val, device, args.seed).items()}})
        record["time"] = time.time() - started
        history.append(record)
        {"plateau_update(schedule_state, record['val_g_loss'])" if cfg.schedule == "plateau" else ""}
        if rank == 0:
            print(f"epoch {{epoch + 1:3d}}/{{args.epochs}}  d_loss {{record['train_d_loss']:.4f}}  "
                  f"g_loss {{record['train_g_loss']:.4f}}  D(real) {{record['val_d_real']:.2f}}  "
                  f"D(fake) {{record['val_d_fake']:.2f}}  {{record['time']:.1f}}s", flush=True)
            if (epoch + 1) % CONFIG["checkpoint_every"] == 0:
                torch.save({{"generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
                            "g_optimizer": g_opt.state_dict(), "d_optimizer": d_opt.state_dict(),
                            "epoch": epoch + 1, "step": step, "config": CONFIG}}, os.path.join(args.out, "checkpoint.pt"))
        if step >= total_steps:
            break
    summary = {{"epochs": len(history), "steps": step, "world_size": world, "device": str(device)}}
    summary.update({{k: v for k, v in history[-1].items() if k.startswith(("train_", "val_"))}} if history else {{}})
    if rank == 0:
        torch.save(generator.state_dict(), os.path.join(args.out, "model.pt"))
        torch.save(discriminator.state_dict(), os.path.join(args.out, "discriminator.pt"))
        print(f"saved the generator to {{os.path.join(args.out, 'model.pt')}}", flush=True)
        print(json.dumps(summary), flush=True)
    if dist.is_initialized():
        dist.barrier()   # everyone done (process 0 was saving) before the group goes away
        dist.destroy_process_group()
    return summary
'''


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


def _cli(plan: Plan) -> str:
    cfg = plan.cfg
    if plan.source == "sklearn":
        data_arg = f'''    parser.add_argument("--data", default=None, metavar="FILE.npz",
                        help="an NPZ file instead of scikit-learn's {cfg.data} set")'''
    else:
        data_arg = '''    parser.add_argument("--data", default=DATA_FILE, metavar="PATH", help="the data (default: %(default)s)")'''
    arguments = "\n".join(_argument(s) for s in script_settings(plan))
    return _src(bounded) + f'''


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
{arguments}
{data_arg}
    parser.add_argument("--out", default="out", help="folder for the weights and checkpoints")
    parser.add_argument("--no-shuffle", action="store_true", help="batches in data order (for checks)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse_args())
'''
