"""A user's ``nn.Module`` as a NetCanvas graph document, traced with torch.fx.

This module runs the user's file: it is only ever run in the import worker process
(``python -m builder.fx_import``, started by ``builder.pyimport`` with a time and memory limit),
never in the app's process. It prints one JSON object: the graph document and, for the weights,
which module of the user's model became which node.

Each call in ``forward`` becomes one catalog node: ``nn`` modules by class, functional forms
(``F.relu``, ``torch.cat``, ``+``, ``view``, ...) by ``CALLS`` / ``METHODS``. Submodules of other
classes (the user's own, ``nn.Sequential``) become blocks. A call with no catalog type is an
``ImportFailure`` naming the call and its line.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import linecache
import operator
import re
import sys
import textwrap
import traceback

import torch
import torch.nn.functional as F
from torch import fx, nn

from . import catalog
from .errors import CodedError
from .graph import CLASS_NAME_RE

USER_MODULE = "netcanvas_user_model"
FORMAT = "netcanvas.graph"


class ImportFailure(CodedError):
    """Why a file could not be imported; ``import.*`` codes of the locale tables."""


# -- the functional forms and tensor methods that have a catalog type ------------------------------------------------
# Each entry: catalog type and the names of the call's positional arguments after the tensor(s).
_POOL = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
_AVG = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
CALLS = {
    F.relu: ("ReLU", ()), torch.relu: ("ReLU", ()),
    torch.sigmoid: ("Sigmoid", ()), F.sigmoid: ("Sigmoid", ()),
    torch.tanh: ("Tanh", ()), F.tanh: ("Tanh", ()),
    F.gelu: ("GELU", ()), F.silu: ("SiLU", ()), F.elu: ("ELU", ("alpha",)),
    F.leaky_relu: ("LeakyReLU", ("negative_slope",)),
    F.softmax: ("Softmax", ("dim",)), torch.softmax: ("Softmax", ("dim",)),
    F.log_softmax: ("LogSoftmax", ("dim",)), torch.log_softmax: ("LogSoftmax", ("dim",)),
    F.dropout: ("Dropout", ("p",)),
    operator.add: ("Add", ()), operator.iadd: ("Add", ()), torch.add: ("Add", ()),
    operator.mul: ("Multiply", ()), operator.imul: ("Multiply", ()), torch.mul: ("Multiply", ()),
    torch.cat: ("Concat", ("dim",)), torch.concat: ("Concat", ("dim",)),
    torch.flatten: ("Flatten", ("start_dim", "end_dim")),
    F.max_pool1d: ("MaxPool1d", _POOL), F.max_pool2d: ("MaxPool2d", _POOL),
    F.avg_pool1d: ("AvgPool1d", _AVG), F.avg_pool2d: ("AvgPool2d", _AVG),
    F.adaptive_avg_pool1d: ("AdaptiveAvgPool1d", ("output_size",)),
    F.adaptive_avg_pool2d: ("AdaptiveAvgPool2d", ("output_size",)),
    F.adaptive_max_pool1d: ("AdaptiveMaxPool1d", ("output_size",)),
    F.adaptive_max_pool2d: ("AdaptiveMaxPool2d", ("output_size",)),
    F.interpolate: ("Upsample", ("size", "scale_factor", "mode", "align_corners")),
}
METHODS = {
    "relu": ("ReLU", ()), "sigmoid": ("Sigmoid", ()), "tanh": ("Tanh", ()),
    "softmax": ("Softmax", ("dim",)), "log_softmax": ("LogSoftmax", ("dim",)),
    "add": ("Add", ()), "mul": ("Multiply", ()), "flatten": ("Flatten", ("start_dim", "end_dim")),
}
# torch.flatten and Tensor.flatten flatten from dimension 0 (the batch) unless told otherwise.
_CALL_DEFAULTS = {"Flatten": {"start_dim": 0}, "Concat": {"dim": 0}}
_RESHAPES = {"view", "reshape"}
_RECURRENT = ("RNN", "LSTM", "GRU")


def coverage() -> dict:
    """What maps, for the docs and the report: modules, functions and tensor methods."""
    layers = sorted(s.type for s in catalog.all_specs() if s.module and s.module.startswith("nn."))
    functions = sorted({f"{getattr(f, '__module__', '') or 'operator'}.{f.__name__}" for f in CALLS})
    methods = sorted({*METHODS, *_RESHAPES, "permute", "transpose", "size"})
    return {"modules": layers, "functions": functions, "methods": methods}


# -- where a call is in the user's source ------------------------------------------------------------------------------
_FRAME = re.compile(r'File "(.+?)", line (\d+), in (\S+)')


def source_line(fx_node: fx.Node, filename: str) -> tuple[int | None, str]:
    """The line of the user's file that made this node, and its text."""
    frames = _FRAME.findall(fx_node.stack_trace or "")
    mine = [(int(line)) for file, line, _ in frames if file == filename]
    if not mine:
        return None, ""
    return mine[-1], linecache.getline(filename, mine[-1]).strip()


def assigned_name(text: str) -> str | None:
    """``add = bn2 + x;  bn2 = x = None`` -> ``add``: the variable a line's first statement sets."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return None
    first = body[0] if body else None
    if isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name):
        return first.targets[0].id
    return None


# -- constructor arguments of the user's classes -------------------------------------------------------------------
class InitRecorder:
    """Wraps the ``__init__`` of the classes a file defines, to keep each instance's arguments."""

    def __init__(self):
        self.given: dict[int, dict] = {}    # id(module) -> the arguments the call gave
        self.full: dict[int, dict] = {}     # with the defaults filled in
        self._keep: list = []

    def wrap(self, cls: type) -> None:
        original = cls.__dict__.get("__init__")
        if original is None:
            return
        signature = inspect.signature(original)
        recorder = self

        def __init__(self, *args, **kwargs):
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:
                bound = None
            original(self, *args, **kwargs)
            if bound is not None:
                recorder._keep.append(self)
                recorder.given[id(self)] = {k: v for k, v in bound.arguments.items() if k != "self"}
                bound.apply_defaults()
                recorder.full[id(self)] = {k: v for k, v in bound.arguments.items() if k != "self"}
        __init__.__wrapped__ = original
        cls.__init__ = __init__


def init_bindings(cls: type) -> dict[str, dict[str, str]]:
    """Which constructor argument names feed which layer argument, read from ``__init__``'s source:
    ``self.conv1 = nn.Conv2d(16, planes, kernel_size=3)`` -> ``{"conv1": {1: "planes"}}`` (position
    or keyword -> the ``__init__`` parameter); ``super().__init__(nn.Conv2d(...), ...)`` names the
    layers ``0``, ``1``, ... as ``nn.Sequential`` does."""
    init = cls.__dict__.get("__init__")
    init = getattr(init, "__wrapped__", init)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (TypeError, OSError, SyntaxError):
        return {}
    out: dict[str, dict] = {}
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            for target in stmt.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    out[target.attr] = _call_names(stmt.value)
        if isinstance(stmt, ast.Call) and isinstance(stmt.func, ast.Attribute) and stmt.func.attr == "__init__" \
                and isinstance(stmt.func.value, ast.Call):   # super().__init__(layer, layer, ...)
            for i, arg in enumerate(stmt.args):
                if isinstance(arg, ast.Call):
                    out[str(i)] = _call_names(arg)
    return out


def _call_names(call: ast.Call) -> dict:
    names = {i: a.id for i, a in enumerate(call.args) if isinstance(a, ast.Name)}
    names.update({k.arg: k.value.id for k in call.keywords if k.arg and isinstance(k.value, ast.Name)})
    return names


# -- a module's params as a catalog node's params ---------------------------------------------------------------------
def layer_spec(module: nn.Module):
    """The catalog entry for an ``nn`` module (None: not a catalog layer)."""
    cls = type(module)
    spec = catalog.get(cls.__name__)
    if spec is None or spec.module != f"nn.{cls.__name__}" or getattr(nn, cls.__name__, None) is not cls:
        return None
    return spec


def _plain(value):
    """Tuples of equal sizes as one int, tuples as lists, torch sizes as ints: JSON the catalog takes."""
    if isinstance(value, (tuple, list)):
        items = [_plain(v) for v in value]
        return items[0] if items and all(v == items[0] for v in items) else items
    return value


def _attribute(module: nn.Module, name: str):
    value = getattr(module, name, _MISSING)
    if name == "bias" and not isinstance(value, bool):
        return value is not None
    return _plain(value) if value is not _MISSING else _MISSING


_MISSING = object()


def _transformer_params(m: nn.TransformerEncoderLayer) -> dict:
    activation = getattr(m.activation, "__name__", type(m.activation).__name__).lower()
    return {"nhead": m.self_attn.num_heads, "dim_feedforward": m.linear1.out_features, "dropout": m.dropout.p,
            "activation": "gelu" if "gelu" in activation else "relu", "layer_norm_eps": m.norm1.eps,
            "norm_first": m.norm_first, "bias": m.linear1.bias is not None}


def module_params(spec, module: nn.Module) -> dict:
    """The catalog params of a module, defaults left out (as the canvas writes them)."""
    if spec.type == "TransformerEncoderLayer":
        found = _transformer_params(module)
    else:
        found = {p.name: _attribute(module, p.name) for p in spec.params}
    if "stride" in found and found["stride"] == found.get("kernel_size") and spec.param("stride").default is None:
        found["stride"] = None          # pools store stride=kernel_size when none was given
    return omit_defaults(spec, {k: v for k, v in found.items() if v is not _MISSING})


def omit_defaults(spec, params: dict) -> dict:
    out = {}
    for name, value in params.items():
        param = spec.param(name)
        default = param.default if param is not None else _MISSING
        if isinstance(default, tuple):
            default = _plain(default)
        if param is None or not (type(value) is type(default) and value == default):
            out[name] = value
    return out


def call_params(spec, arg_names: tuple, args: tuple, kwargs: dict) -> dict:
    """Params of a functional call (``F.max_pool2d(x, 2)``), by position after the tensor and by keyword."""
    given = dict(_CALL_DEFAULTS.get(spec.type, {}))
    given.update(zip(arg_names, args))
    given.update({k: v for k, v in kwargs.items() if spec.param(k) is not None})
    if spec.type == "Upsample" and given.get("scale_factor") is not None:
        given["scale_factor"] = float(_plain(given["scale_factor"]))
    return omit_defaults(spec, {k: _plain(v) for k, v in given.items() if spec.param(k) is not None})


# -- values while a forward is read ----------------------------------------------------------------------------------
class _Size:
    """``x.size(0)``, ``x.shape[0]``: a number, used only to keep the batch in a ``view``."""


SIZE = _Size()


class _Recurrent:
    """What a recurrent module's call gave, until its use says which output it is: ``out, _ = rnn(x)``
    (the sequence), ``_, (h, _) = lstm(x); h[-1]`` (the last hidden state)."""

    def __init__(self, node: dict, module: nn.Module, stage: str = "tuple"):
        self.node, self.module, self.stage = node, module, stage

    def at(self, stage: str) -> "_Recurrent":
        return _Recurrent(self.node, self.module, stage)


def _batch_first(module: nn.Module) -> bool:
    """NetCanvas's recurrent and attention layers are batch-first."""
    attention = getattr(module, "self_attn", None)
    return getattr(attention if attention is not None else module, "batch_first", True) is not False


class _Scope:
    """One traced ``forward`` (the model's, or a block's) read into nodes and edges."""

    def __init__(self, ctx: "_Import", module: nn.Module, graph: fx.Graph, path: tuple, qual: str, block: bool):
        self.ctx, self.module, self.graph, self.path, self.qual, self.block = ctx, module, graph, path, qual, block
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.values: dict = {}
        self.attr_of: dict[str, str] = {}      # node id -> the attribute it was (conv1, 0, layers.0)
        self.fx_of: dict[str, fx.Node] = {}
        self.reserved = set(self._output_names())   # an Output's name: no other node takes it

    # -- helpers
    def fail(self, code: str, fx_node: fx.Node | None = None, **args):
        line, text = source_line(fx_node, self.ctx.filename) if fx_node is not None else (None, "")
        raise ImportFailure(code, line=line if line is not None else "?", text=text, **args)

    def fresh(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]", "_", wanted)[:56] or "node"
        taken = {n["id"] for n in self.nodes}
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        return name

    def add(self, fx_node: fx.Node, type_: str, params: dict, wanted: str | None = None) -> dict:
        if wanted is None:
            line, text = source_line(fx_node, self.ctx.filename)
            wanted = assigned_name(text)
            wanted = wanted if wanted and wanted not in self.reserved else fx_node.name
        node = {"id": self.fresh(wanted), "type": type_, "params": params}
        self.nodes.append(node)
        self.fx_of[node["id"]] = fx_node
        return node

    def connect(self, node: dict, inputs: list, fx_node: fx.Node) -> None:
        for port, arg in enumerate(inputs):
            source, source_port = self.value(arg, fx_node)
            edge = {"source": source, "target": node["id"], "port": port}
            if source_port:
                edge["source_port"] = source_port
            self.edges.append(edge)

    def value(self, arg, user: fx.Node) -> tuple[str, int]:
        if not isinstance(arg, fx.Node):
            self.fail("import.constant", user, call=user.name, received=repr(arg)[:60])
        held = self.values[arg]
        if isinstance(held, _Recurrent):
            if held.stage != "sequence":
                self.fail("import.recurrent_state", user, layer=held.node["id"])
            self.set_return(held, "sequence", user)
            return held.node["id"], 0
        if held is SIZE:
            self.fail("import.unsupported", user, call="x.size()")
        return held

    def set_return(self, held: _Recurrent, mode: str, user: fx.Node) -> None:
        params = held.node["params"]
        current = params.get("return", "sequence") if "_return_set" in held.node else None
        if current is not None and current != mode:
            self.fail("import.recurrent_twice", user, layer=held.node["id"])
        held.node["_return_set"] = True
        if mode == "last":
            params["return"] = "last"

    def shape_of(self, fx_node: fx.Node):
        return fx_node.meta.get("netcanvas_shape")

    # -- the graph
    def run(self) -> None:
        live = self._live()
        self.sampling = {add: parts for add in self.graph.nodes if (parts := reparameterize_parts(add))}
        absorbed = {n for parts in self.sampling.values() for n in parts[2]}
        for fx_node in self.graph.nodes:
            if fx_node in self.sampling:
                self._reparameterize(fx_node)
            elif fx_node in live and fx_node not in absorbed:
                getattr(self, "_" + fx_node.op)(fx_node)
        for node in self.nodes:
            node.pop("_return_set", None)

    def _live(self) -> set:
        output = next(n for n in self.graph.nodes if n.op == "output")
        live, todo = set(), [output]
        while todo:
            n = todo.pop()
            if n not in live:
                live.add(n)
                todo += n.all_input_nodes
        live |= {n for n in self.graph.nodes if n.op == "placeholder"}
        return live

    def _placeholder(self, fx_node: fx.Node) -> None:
        name = "x" if isinstance(self.module, nn.Sequential) else str(fx_node.target).lstrip("*")
        params = {} if self.block else self.ctx.input_params(name)
        node = self.add(fx_node, "Input", params, wanted=name)
        self.values[fx_node] = (node["id"], 0)

    def _get_attr(self, fx_node: fx.Node) -> None:
        self.fail("import.attribute", fx_node, name=str(fx_node.target))

    def _output(self, fx_node: fx.Node) -> None:
        result = fx_node.args[0]
        for name, value in zip(self._output_names(), _results(fx_node)):
            node = self.add(fx_node, "Output", {}, wanted=name)
            self.connect(node, [value], fx_node)

    def _output_names(self) -> list[str]:
        count = len(_results(next(n for n in self.graph.nodes if n.op == "output")))
        if self.block:
            return ["out"] if count == 1 else [f"out{i}" for i in range(count)]
        return self.ctx.output_names(count)

    def _call_module(self, fx_node: fx.Node) -> None:
        module = self.module.get_submodule(fx_node.target)
        qual = f"{self.qual}.{fx_node.target}" if self.qual else str(fx_node.target)
        if id(module) in self.ctx.called:
            self.fail("import.reused", fx_node, module=qual)
        self.ctx.called.add(id(module))
        if isinstance(module, nn.Identity) or (type(module) is nn.Sequential and not len(module)):   # x itself
            self.values[fx_node] = self.value(fx_node.args[0], fx_node)
            return
        spec = layer_spec(module)
        if spec is not None:
            self._layer(fx_node, spec, module, qual)
        elif is_block(module):
            node = self.add(fx_node, "Block", {}, wanted=str(fx_node.target).replace(".", "_"))
            self.attr_of[node["id"]] = str(fx_node.target)
            node["params"] = self.ctx.block_instance(module, qual, self.path + (node["id"],))
            self.connect(node, list(fx_node.args), fx_node)
            self.values[fx_node] = (node["id"], 0)
        else:
            self.fail("import.unsupported", fx_node, call=f"{type(module).__module__}.{type(module).__name__}")

    def _layer(self, fx_node: fx.Node, spec, module: nn.Module, qual: str) -> None:
        if not _batch_first(module):
            self.fail("import.batch_first", fx_node, layer=qual)
        if len(fx_node.args) + len(fx_node.kwargs) > max(spec.inputs[0], 1) and spec.inputs[1] == 1:
            self.fail("import.extra_args", fx_node, layer=qual)
        node = self.add(fx_node, spec.type, module_params(spec, module), wanted=str(fx_node.target).replace(".", "_"))
        self.attr_of[node["id"]] = str(fx_node.target)
        self.ctx.modules[qual] = list(self.path + (node["id"],))
        self.connect(node, list(fx_node.args), fx_node)
        self.values[fx_node] = _Recurrent(node, module) if spec.type in _RECURRENT else (node["id"], 0)

    def _call_method(self, fx_node: fx.Node) -> None:
        self._call(fx_node, str(fx_node.target), METHODS.get(fx_node.target))

    def _call_function(self, fx_node: fx.Node) -> None:
        target = fx_node.target
        self._call(fx_node, getattr(target, "__name__", str(target)), CALLS.get(target))

    def _call(self, fx_node: fx.Node, name: str, entry) -> None:
        target, args = fx_node.target, fx_node.args
        if target in ("size", getattr) or (target is operator.getitem and self.values.get(args[0]) is SIZE):
            self.values[fx_node] = SIZE
        elif target is operator.getitem:
            self._getitem(fx_node)
        elif target == "contiguous":
            self.values[fx_node] = self.value(args[0], fx_node)
        elif target in _RESHAPES or target is torch.reshape:
            self._reshape(fx_node)
        elif target in ("permute", "transpose") or target in (torch.permute, torch.transpose):
            self._permute(fx_node)
        elif entry is None:
            self.fail("import.unsupported", fx_node, call=_call_text(fx_node, name))
        elif entry[0] == "Concat" and self._recurrent_pair(fx_node):
            return
        else:
            self._catalog_call(fx_node, catalog.get(entry[0]), entry[1])

    def _catalog_call(self, fx_node: fx.Node, spec, arg_names: tuple) -> None:
        args = fx_node.args
        if spec.type == "Concat":
            inputs, rest = list(args[0]), args[1:]
        elif spec.inputs[1] is None or spec.inputs[1] > 1:      # Add, Multiply: every operand a tensor
            inputs, rest = list(args), ()
        else:
            inputs, rest = [args[0]], args[1:]
        params = call_params(spec, arg_names, rest, fx_node.kwargs)
        if spec.type in ("Add", "Multiply") and self._extend_chain(fx_node, spec.type, inputs):
            return
        node = self.add(fx_node, spec.type, params)
        self.connect(node, inputs, fx_node)
        self.values[fx_node] = (node["id"], 0)

    def _extend_chain(self, fx_node: fx.Node, type_: str, inputs: list) -> bool:
        """``a + b + c`` on one line is one Add with three ports, as the canvas writes it."""
        first = inputs[0]
        held = self.values.get(first) if isinstance(first, fx.Node) else None
        if not isinstance(held, tuple) or len(first.users) != 1 or len(inputs) != 2:
            return False
        node = next(n for n in self.nodes if n["id"] == held[0])
        if node["type"] != type_ or source_line(first, self.ctx.filename) != source_line(fx_node, self.ctx.filename):
            return False
        ports = sum(1 for e in self.edges if e["target"] == node["id"])
        self.connect(node, inputs[1:], fx_node)
        self.edges[-1]["port"] = ports
        self.values[fx_node] = held
        return True

    def _reparameterize(self, fx_node: fx.Node) -> None:
        mu, logvar, _ = self.sampling[fx_node]
        node = self.add(fx_node, "Reparameterize", {})
        self.connect(node, [mu, logvar], fx_node)
        self.values[fx_node] = (node["id"], 0)

    def _getitem(self, fx_node: fx.Node) -> None:
        base, index = self.values[fx_node.args[0]], fx_node.args[1]
        if not isinstance(base, _Recurrent):
            self.fail("import.unsupported", fx_node, call=f"{fx_node.args[0].name}[{_index_text(index)}]")
        stage, bidirectional, lstm = base.stage, base.module.bidirectional, isinstance(base.module, nn.LSTM)
        step = {("tuple", 0): "sequence", ("tuple", 1): "state" if lstm else "h", ("state", 0): "h",
                ("h", -1): "h-1" if bidirectional else "last", ("h", -2): "h-2"}.get((stage, index))
        if stage == "sequence" and _is_last_step(index) and not bidirectional:
            step = "last"
        if step is None:
            self.fail("import.recurrent_state", fx_node, layer=base.node["id"])
        if step == "last":
            self.set_return(base, "last", fx_node)
            self.values[fx_node] = (base.node["id"], 0)
        else:
            self.values[fx_node] = base.at(step)

    def _recurrent_pair(self, fx_node: fx.Node) -> bool:
        """``torch.cat([h[-2], h[-1]], dim=1)``: both directions' final states, a bidirectional layer's "last"."""
        parts = fx_node.args[0]
        held = [self.values.get(p) for p in parts] if isinstance(parts, (list, tuple)) else []
        if len(held) != 2 or not all(isinstance(h, _Recurrent) for h in held) or held[0].node is not held[1].node \
                or [h.stage for h in held] != ["h-2", "h-1"]:
            return False
        self.set_return(held[0], "last", fx_node)
        self.values[fx_node] = (held[0].node["id"], 0)
        return True

    def _reshape(self, fx_node: fx.Node) -> None:
        sizes = list(fx_node.args[1:])
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = list(sizes[0])
        batch_kept = bool(sizes) and (sizes[0] == -1 or self.values.get(sizes[0]) is SIZE)
        if not batch_kept:
            self.fail("import.reshape_batch", fx_node, call=_call_text(fx_node, str(fx_node.target)))
        rest = sizes[1:]
        if not all(isinstance(s, int) for s in rest) or (sizes[0] == -1 and -1 in rest):
            rest = list(self.shape_of(fx_node)[1:])
        node = self.add(fx_node, "Reshape", {"shape": rest})
        self.connect(node, [fx_node.args[0]], fx_node)
        self.values[fx_node] = (node["id"], 0)

    def _permute(self, fx_node: fx.Node) -> None:
        rank = len(self.shape_of(fx_node))
        dims = list(fx_node.args[1:])
        if fx_node.target in ("transpose", torch.transpose):
            order = list(range(rank))
            a, b = (d % rank for d in dims[:2])
            order[a], order[b] = order[b], order[a]
            dims = order
        elif len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = list(dims[0])
        node = self.add(fx_node, "Permute", {"dims": [d % rank for d in dims]})
        self.connect(node, [fx_node.args[0]], fx_node)
        self.values[fx_node] = (node["id"], 0)


def _is_call(n, *targets) -> bool:
    return isinstance(n, fx.Node) and n.op in ("call_function", "call_method") and n.target in targets


def reparameterize_parts(add: fx.Node):
    """``mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)`` (a VAE's sampling, as NetCanvas writes it):
    (mu, logvar, the nodes it is made of); None for any other node."""
    if not _is_call(add, operator.add, "add") or len(add.args) != 2:
        return None
    mu, product = add.args
    if not _is_call(product, operator.mul) or len(product.args) != 2:
        return None
    spread, noise = product.args
    if not (_is_call(noise, torch.randn_like) and noise.args[:1] == (mu,) and _is_call(spread, torch.exp, "exp")):
        return None
    half = spread.args[0]
    if _is_call(half, operator.mul) and 0.5 in half.args:
        logvar = half.args[1] if half.args[0] == 0.5 else half.args[0]
    elif _is_call(half, operator.truediv) and half.args[1] == 2:
        logvar = half.args[0]
    else:
        return None
    return mu, logvar, (product, spread, noise, half)


def _results(output: fx.Node) -> list:
    result = output.args[0]
    if isinstance(result, dict):
        return list(result.values())
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _is_last_step(index) -> bool:
    """``[:, -1]`` or ``[:, -1, :]``: the last time step of a batch-first sequence."""
    full = slice(None, None, None)
    return isinstance(index, tuple) and len(index) in (2, 3) and index[0] == full and index[1] == -1 and all(
        i == full for i in index[2:])


def _index_text(index) -> str:
    if isinstance(index, tuple):
        return ", ".join(_index_text(i) for i in index)
    if isinstance(index, slice):
        return ":" if index == slice(None) else f"{index.start}:{index.stop}"
    return repr(index)


def _call_text(fx_node: fx.Node, name: str) -> str:
    if fx_node.op == "call_method":
        return f"Tensor.{name}"
    module = getattr(fx_node.target, "__module__", None) or ""
    return {"torch.nn.functional": "F", "_operator": "operator"}.get(module, module).replace("torch._C._VariableFunctions", "torch") + "." + name if module else name


def is_block(module: nn.Module) -> bool:
    """Modules that become blocks: containers and classes that are not torch's own."""
    return isinstance(module, nn.Sequential) or not type(module).__module__.startswith("torch.")


# -- the whole import --------------------------------------------------------------------------------------------------
class _ShapeProp(fx.Interpreter):
    """Runs a traced forward on the module itself (not a GraphModule copy, whose own attributes such as
    ``code`` would shadow the user's layers of those names) and notes each tensor's shape."""

    def run_node(self, n: fx.Node):
        try:
            result = super().run_node(n)
        except Exception as exc:
            exc.netcanvas_node = n       # where in the user's forward it failed
            raise
        if isinstance(result, torch.Tensor):
            n.meta["netcanvas_shape"] = tuple(result.shape)
        return result


class _Tracer(fx.Tracer):
    """Every submodule call stays one ``call_module`` node: layers map by class, blocks are traced on their own."""

    def __init__(self):
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return True


def snake_name(class_name: str) -> str:
    """``ResnetSmall`` -> ``resnet_small``: the graph name ``codegen.class_name`` turns back into the class name."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


def _camel(name: str) -> str:
    parts = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(p[:1].upper() + p[1:] for p in parts)
    return text if text[:1].isalpha() else "Block" + text


def _kind(value) -> str | None:
    return "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else \
        "float" if isinstance(value, float) else None


class _Import:
    def __init__(self, filename: str, recorder: InitRecorder, cls: type, shapes: dict):
        self.filename, self.recorder, self.cls, self.shapes = filename, recorder, cls, shapes
        self.called: set[int] = set()
        self.modules: dict[str, list] = {}          # the user's module path -> the node's path in the graph
        self.blocks: dict[str, dict] = {}           # name -> definition
        self.captured: dict[int, tuple] = {}
        self.int_inputs: dict[str, int] = {}        # token-id input -> its vocabulary size

    def trace(self, module: nn.Module) -> fx.Graph:
        try:
            return _Tracer().trace(module)
        except Exception as exc:    # the user's forward: data-dependent control flow, unsupported Python
            raise ImportFailure("import.trace_failed", cls=type(module).__name__, detail=_first_line(exc),
                                line=_user_line(exc, self.filename)) from None

    def propagate(self, module: nn.Module, graph: fx.Graph, inputs: tuple) -> None:
        try:
            with torch.no_grad():
                _ShapeProp(module, graph=graph).run(*inputs)
        except Exception as exc:
            failed = getattr(exc, "netcanvas_node", None)
            line = source_line(failed, self.filename)[0] if failed is not None else None
            raise ImportFailure("import.run_failed", detail=_first_line(exc),
                                line=line or _user_line(exc, self.filename)) from None

    def input_params(self, name: str) -> dict:
        params = {"shape": list(self.shapes[name])}
        if name in self.int_inputs:
            params["dtype"] = "int64"
        return params

    def output_names(self, count: int) -> list[str]:
        names = getattr(self.cls, "output_names", None)
        if isinstance(names, (tuple, list)) and len(names) == count and all(isinstance(n, str) for n in names):
            return list(names)
        return ["y"] if count == 1 else [f"y{i}" for i in range(count)]

    def run(self, root: nn.Module) -> dict:
        gm = self.trace(root)
        inputs = [n for n in gm.nodes if n.op == "placeholder"]
        missing = [str(n.target) for n in inputs if str(n.target) not in self.shapes]
        if missing:
            raise ImportFailure("import.no_shapes", cls=self.cls.__name__, inputs=missing)
        for n in inputs:
            vocab = _embedding_vocab(root, n)
            if vocab:
                self.int_inputs[str(n.target)] = vocab
        examples = tuple(self._example(str(n.target)) for n in inputs)
        hooks = [m.register_forward_pre_hook(self._capture) for m in root.modules() if m is not root and is_block(m)]
        try:
            self.propagate(root, gm, examples)
        finally:
            for hook in hooks:
                hook.remove()
        scope = _Scope(self, root, gm, (), "", block=False)
        scope.run()
        doc = {"format": FORMAT, "version": 2 if self.blocks else 1, "name": snake_name(self.cls.__name__)}
        doc_text = self.cls.__dict__.get("__doc__")
        if doc_text:
            doc["meta"] = {"description": {"en": " ".join(inspect.cleandoc(doc_text).split())}}
        if self.blocks:
            doc["blocks"] = list(self.blocks.values())
        doc.update(nodes=scope.nodes, edges=scope.edges)
        return doc

    def _example(self, name: str) -> torch.Tensor:
        shape = (2, *self.shapes[name])
        if name in self.int_inputs:
            return torch.randint(0, self.int_inputs[name], shape)
        return torch.randn(shape)

    def _capture(self, module, args):
        self.captured.setdefault(id(module), tuple(args))

    # -- blocks
    def block_instance(self, module: nn.Module, qual: str, path: tuple) -> dict:
        """The params of an instance node for this submodule; its definition added to ``blocks``."""
        if id(module) not in self.captured:
            raise ImportFailure("import.not_run", module=qual, line="?", text="")
        gm = self.trace(module)
        self.propagate(module, gm, self.captured[id(module)])
        scope = _Scope(self, module, gm, path, qual, block=True)
        scope.run()
        full = self.recorder.full.get(id(module), {})
        declared = self._bind_params(scope, module, full)
        definition = {"name": "", "params": declared, "nodes": scope.nodes, "edges": scope.edges}
        if not declared:
            del definition["params"]
        name = self._block_name(module, qual, definition)
        given = self.recorder.given.get(id(module), {})
        params = {"block": name}
        args = {p: given[p] for p in declared if p in given}
        if args:
            params["args"] = args
        return params

    def _bind_params(self, scope: _Scope, module: nn.Module, full: dict) -> dict:
        """``{"$param": name}`` where ``__init__`` passed one of its own int/float/bool arguments to a layer;
        returns the declarations of the arguments so used, in signature order."""
        bindings = init_bindings(type(module)) if not type(module).__module__.startswith("torch.") else {}
        used = set()
        for node in scope.nodes:
            names = bindings.get(scope.attr_of.get(node["id"]), {})
            for key, arg in names.items():
                if arg in full and _kind(full[arg]) and self._bind(node, key, arg, full[arg]):
                    used.add(arg)
        signature = inspect.signature(getattr(type(module).__init__, "__wrapped__", type(module).__init__))
        declared = {}
        for name, param in signature.parameters.items():
            if name in used:
                declared[name] = {"kind": _kind(full[name])}
                if param.default is not inspect.Parameter.empty:
                    declared[name]["default"] = param.default
        return declared

    @staticmethod
    def _bind(node: dict, key, arg: str, value) -> bool:
        if node["type"] == "Block":
            given = node["params"].get("args", {})
            if isinstance(key, str) and key in given and _same_value(given[key], value):
                given[key] = {"$param": arg}
                return True
            return False
        spec = catalog.get(node["type"])
        if isinstance(key, int):
            sizes = len(spec.size_names) if spec.size_args else 0
            if not sizes <= key < sizes + len(spec.positional):
                return False
            key = spec.positional[key - sizes]
        param = spec.param(key)
        if param is None:
            return False
        current = node["params"].get(key, param.default)
        if not _same_value(current, value):
            return False
        node["params"][key] = {"$param": arg}
        return True

    def _block_name(self, module: nn.Module, qual: str, definition: dict) -> str:
        cls = type(module)
        base = _camel(qual.rsplit(".", 1)[-1]) if cls is nn.Sequential else cls.__name__
        if not CLASS_NAME_RE.match(base):
            base = "Block"
        key = json.dumps({k: v for k, v in definition.items() if k != "name"}, sort_keys=True)
        name, i = base, 2
        while name in self.blocks or name == self.cls.__name__:
            existing = self.blocks.get(name)
            if existing is not None and json.dumps({k: v for k, v in existing.items() if k != "name"},
                                                   sort_keys=True) == key:
                return name
            name, i = f"{base}{i}", i + 1
        definition["name"] = name
        self.blocks[name] = definition
        return name


def _same_value(a, b) -> bool:
    return type(a) is type(b) and a == b


def _embedding_vocab(root: nn.Module, placeholder: fx.Node) -> int | None:
    """The vocabulary of the Embedding an input feeds (then it holds token ids), else None."""
    sizes = []
    for user in placeholder.users:
        if user.op != "call_module":
            continue
        module = root.get_submodule(user.target)
        while isinstance(module, nn.Sequential) and len(module):
            module = module[0]
        if isinstance(module, nn.Embedding):
            sizes.append(module.num_embeddings)
    return min(sizes) if sizes else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)[:300]


def _user_line(exc: BaseException, filename: str):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return lines[-1] if lines else "?"


# -- the worker's entry point ------------------------------------------------------------------------------------------
def load_class(filename: str, class_name: str, recorder: InitRecorder) -> type:
    spec = importlib.util.spec_from_file_location(USER_MODULE, filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[USER_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ImportFailure("import.file_failed", detail=_first_line(exc), line=_user_line(exc, filename)) from None
    classes = {name: obj for name, obj in vars(module).items()
               if isinstance(obj, type) and issubclass(obj, nn.Module) and obj.__module__ == USER_MODULE}
    if class_name not in classes:
        raise ImportFailure("import.no_class", name=class_name, classes=sorted(classes) or ["-"])
    for cls in classes.values():
        recorder.wrap(cls)
    return classes[class_name]


def import_module(filename: str, class_name: str, shapes: dict | None = None) -> dict:
    """The graph document for ``class_name`` in ``filename`` and the module -> node map (runs the file)."""
    torch.manual_seed(0)
    recorder = InitRecorder()
    cls = load_class(filename, class_name, recorder)
    given = shapes if shapes is not None else getattr(cls, "input_shapes", None)
    given = given if isinstance(given, dict) else {}      # run() names the inputs that lack one
    try:
        root = cls()
    except Exception as exc:
        raise ImportFailure("import.construct_failed", cls=class_name, detail=_first_line(exc),
                            line=_user_line(exc, filename)) from None
    ctx = _Import(filename, recorder, cls, {k: tuple(v) for k, v in given.items()})
    root.train()     # as written: a branch on self.training (VAE sampling) reads as in training
    graph = ctx.run(root)
    return {"graph": graph, "modules": ctx.modules}


def main(argv: list[str]) -> int:
    filename, class_name = argv[0], argv[1]
    shapes = json.loads(argv[2]) if len(argv) > 2 and argv[2] else None
    try:
        result = {"ok": True, **import_module(filename, class_name, shapes)}
    except ImportFailure as exc:
        result = {"ok": False, "error": {"code": exc.code, "args": exc.info}}
    except MemoryError:
        result = {"ok": False, "error": {"code": "import.memory", "args": {}}}
    except Exception as exc:   # anything else the user's code does: its first line and where
        result = {"ok": False, "error": {"code": "import.failed",
                                         "args": {"detail": _first_line(exc), "line": _user_line(exc, filename)}}}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
