"""The search space: which training options and layer parameters a study varies, and over what.

A parameter is a plain dict (the ``--space`` file is a JSON list of them, docs/tune-space.md):
``{"target": "config", "name": "lr", "kind": "float", "low": 1e-4, "high": 0.1, "log": true}`` or
``{"target": "node", "node": "fc1", "param": "out_features", "kind": "int", "low": 16, "high": 256}``.
``candidates`` lists every parameter a graph and config offer, ranges prefilled from the settings
schema and the layer catalog; ``check_space`` turns what people give into ``SearchParam``s or a
``TuneError`` naming the parameter, what was expected and what was received.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

from builder import catalog
from builder.errors import CodedError, GraphError

from ..config import BY_NAME, CONCRETE_MODES, SETTINGS, applies, defaults

KINDS = ("float", "int", "choice")
TARGETS = ("config", "node")
# The form's sections whose options a study may vary (the run, data and early-stopping ones decide
# what a trial is and how it is judged: they stay fixed).
SEARCHED_GROUPS = ("basic", "optimizer", "schedule", "regularisation", "mode")
FIXED_SETTINGS = ("loss",)
# Prefilled ranges where the schema's own (lr: 1e-12 to 10) is far wider than anyone searches.
USUAL_RANGES = {
    "lr": {"kind": "float", "low": 1e-4, "high": 0.1, "log": True},
    "batch_size": {"kind": "choice", "choices": [16, 32, 64, 128]},
    "weight_decay": {"kind": "float", "low": 1e-6, "high": 1e-2, "log": True},
    "l1": {"kind": "float", "low": 1e-7, "high": 1e-3, "log": True},
    "momentum": {"kind": "float", "low": 0.5, "high": 0.99},
    "epochs": {"kind": "int", "low": 1, "high": 30},
}
GRID_MAX = 10_000
BLOCK = "Block"       # a block instance's node type: its searchable params are its block's declared ones
# A value refused only because of the rest of the config: whether it applies is known per trial.
NOT_YET_APPLICABLE = ("train.not_applicable_mode", "train.not_applicable_optimizer", "train.not_applicable_schedule",
                      "train.not_applicable_needs")     # grid points a grid sampler may visit


class TuneError(CodedError):
    """A search space, study or tuning option that cannot be used as given."""


@dataclass(frozen=True)
class SearchParam:
    target: str                 # "config" or "node"
    kind: str                   # "float", "int" or "choice"
    name: str = ""              # the setting (target config)
    node: str = ""              # the node id (target node)
    param: str = ""             # the node's param (target node)
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple = ()

    @property
    def key(self) -> str:
        """The name Optuna knows it by: ``lr``, ``fc1.out_features``."""
        return self.name if self.target == "config" else f"{self.node}.{self.param}"

    def label(self, lang: str = "en") -> str:
        """How a page names it: the setting's own label ("Learning rate"), or ``fc1 · out_features``."""
        if self.target == "config":
            words = BY_NAME[self.name].label
            return words.get(lang) or words["en"]
        return f"{self.node} · {self.param}"

    def to_json(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v not in ("", None, ())}
        if self.kind == "choice":
            out["choices"] = list(self.choices)
            out.pop("log", None)
        elif not self.log:
            out.pop("log", None)
        return out

    def grid_values(self) -> list:
        """Every value a grid sampler visits; a TuneError when the values are not a finite set."""
        if self.kind == "choice":
            return list(self.choices)
        step = self.step if self.step is not None else (1 if self.kind == "int" else None)
        if step is None or (self.high - self.low) / step + 1 > GRID_MAX:
            raise TuneError("tune.grid_needs_steps", name=self.key)
        count = int(math.floor((self.high - self.low) / step + 1e-9)) + 1
        values = [self.low + i * step for i in range(count)]
        return [int(v) for v in values] if self.kind == "int" else [round(v, 12) for v in values]


# -- the candidates a graph and a config offer ------------------------------------------------------
def candidates(graph: dict, config: dict | None = None) -> list[SearchParam]:
    """Every parameter a study could vary here, with its range prefilled: the training options that
    apply to ``config`` (in the mode it names, else the one the graph's template says) and the numeric
    or choice params of the graph's layers."""
    config = dict(config or {})
    if config.get("mode") in (None, "auto") and (graph.get("meta") or {}).get("mode") in CONCRETE_MODES:
        config["mode"] = graph["meta"]["mode"]
    return setting_candidates(config) + node_candidates(graph)


def setting_candidates(config: dict) -> list[SearchParam]:
    mode = config.get("mode") if config.get("mode") not in (None, "auto") else None
    values = {**defaults(mode), **config}
    return [setting_param(s, values) for s in SETTINGS
            if s.group in SEARCHED_GROUPS and s.name not in FIXED_SETTINGS and s.kind != "bool"
            and applies(s.name, mode, values)]


def setting_param(s, values: dict) -> SearchParam:
    """A setting's prefilled range: the usual one, else its choices, else around its value within its range."""
    if s.name in USUAL_RANGES:
        usual = dict(USUAL_RANGES[s.name])
        usual["choices"] = tuple(usual.get("choices", ()))
        return SearchParam("config", name=s.name, **usual)
    if s.kind == "choice":
        return SearchParam("config", "choice", name=s.name, choices=tuple(s.choices))
    value = values.get(s.name, s.default)
    if s.kind == "int":
        low, high = _around(int(value or 1), s.lo, s.hi)
        return SearchParam("config", "int", name=s.name, low=low, high=high)
    if s.kind == "rate":
        low = max(s.lo, value / 10) if value else max(s.lo, 1e-6)
        high = min(s.hi, value * 10) if value else min(s.hi, 1e-2)
        return SearchParam("config", "float", name=s.name, low=low, high=high, log=True)
    low, high = (s.lo, s.hi) if s.hi - s.lo <= 10 else (s.lo, min(s.hi, max(1.0, (value or 0) * 4)))
    return SearchParam("config", "float", name=s.name, low=low, high=high)


def _around(value: int, lo, hi, step: int = 1) -> tuple[int, int]:
    """An int range from half to twice ``value`` (at least ``step`` wide), inside ``lo``..``hi``."""
    low = max(lo if lo is not None else 1, value // 2)
    high = max(value * 2, low + step)
    return low, int(min(hi, high)) if hi is not None else high


def node_candidates(graph: dict) -> list[SearchParam]:
    out = []
    for node in graph.get("nodes", []):
        for p, value in node_params(graph, node):
            param = layer_param(node["id"], p, value)
            if param is not None:
                out.append(param)
    return out


def node_params(graph: dict, node: dict) -> list[tuple]:
    """A node's params (catalog ``Param``s) with their current values: a layer's own, or for a block
    instance its block's declared params (its ``args``, else their defaults)."""
    if node.get("type") == BLOCK:
        from builder.block_edit import instance_args
        from builder.graph import parse
        parsed, _ = parse(graph)
        name = (node.get("params") or {}).get("block")
        declared = next((b.declared for b in parsed.blocks if b.name == name), {})
        values = instance_args(graph, node)
        return [(p, values.get(p.name)) for p in declared.values()]
    spec = catalog.get(node.get("type"))
    given = node.get("params") or {}
    return [(p, given.get(p.name, None if p.required else p.default)) for p in (spec.params if spec else ())]


def layer_param(node_id: str, p, value) -> SearchParam | None:
    """A layer param's prefilled range (around its value, inside the catalog's bounds); None for
    params a study does not vary (shapes, names, tuple sizes, unset optional sizes)."""
    base = {"target": "node", "node": node_id, "param": p.name}
    if p.choices:
        return SearchParam(kind="choice", choices=tuple(p.choices), **base)
    if p.kind == "bool":
        return SearchParam(kind="choice", choices=(False, True), **base)
    if p.kind in ("int", "size") and isinstance(value, int) and not isinstance(value, bool):
        if p.name == "kernel_size":       # odd sizes keep "same" paddings the same
            low = value - 2 if value - 2 >= (p.lo or 1) else value
            return SearchParam(kind="int", low=low, high=min(p.hi, value + 2), step=2, **base)
        low, high = _around(value, p.lo, p.hi)
        return SearchParam(kind="int", low=low, high=high, **base)
    if p.kind == "float" and p.lo is not None and p.hi is not None:
        # an open end is not a value: stop short of it (Dropout p < 1)
        low = p.lo if not p.lo_open else p.lo + (p.hi - p.lo) * 0.01
        high = p.hi if not p.hi_open else p.lo + (p.hi - p.lo) * 0.8
        return SearchParam(kind="float", low=low, high=high, **base)
    return None


# -- checking a space people give -------------------------------------------------------------------------
def check_space(space, graph: dict) -> list[SearchParam]:
    """The space as ``SearchParam``s, each checked against the schema, the catalog and ``graph``."""
    if not isinstance(space, list):
        raise TuneError("tune.space_type", received=type(space).__name__)
    if not space:
        raise TuneError("tune.space_empty")
    params = [check_param(i + 1, item, graph) for i, item in enumerate(space)]
    keys = [p.key for p in params]
    for key in keys:
        if keys.count(key) > 1:
            raise TuneError("tune.param_twice", name=key)
    return params


def check_param(index: int, item, graph: dict) -> SearchParam:
    if not isinstance(item, dict):
        raise TuneError("tune.param_type", index=index, received=type(item).__name__)
    target = item.get("target")
    if target not in TARGETS:
        raise TuneError("tune.target", index=index, received=str(target)[:40])
    kind = item.get("kind")
    if kind not in KINDS:
        raise TuneError("tune.kind", index=index, received=str(kind)[:40])
    unknown = set(item) - {"target", "kind", "name", "node", "param", "low", "high", "log", "step", "choices"}
    if unknown:
        raise TuneError("tune.param_keys", index=index, keys=", ".join(sorted(unknown))[:80])
    if target == "config":
        return check_setting_param(item)
    return check_node_param(item, graph)


def check_setting_param(item: dict) -> SearchParam:
    name = item.get("name")
    s = BY_NAME.get(name) if isinstance(name, str) else None
    if s is None or s.group not in SEARCHED_GROUPS or s.name in FIXED_SETTINGS:
        searchable = [c.name for c in SETTINGS if c.group in SEARCHED_GROUPS and c.name not in FIXED_SETTINGS]
        raise TuneError("tune.unknown_setting", name=str(name)[:60], choices=", ".join(searchable))
    param = _shaped(item, "config", name=name)
    numeric = s.kind in ("int", "float", "rate", "share")
    if param.kind == "choice":
        for value in param.choices:
            _setting_value_ok(s, param.key, value)
    elif not numeric or (s.kind == "int" and param.kind != "int"):
        raise TuneError("tune.kind_mismatch", name=name, expected=_setting_kind(s), received=param.kind)
    elif (s.lo is not None and param.low < s.lo) or (s.hi is not None and param.high > s.hi):
        raise TuneError("tune.out_of_schema", name=name, low=param.low, high=param.high, lo=s.lo, hi=s.hi)
    return param


def _setting_kind(s) -> str:
    return {"int": "int", "choice": "choice"}.get(s.kind, "float" if s.kind in ("float", "rate", "share") else s.kind)


def _setting_value_ok(s, key: str, value) -> None:
    from ..config import ConfigError, TrainConfig
    try:
        TrainConfig.from_dict({s.name: value})
    except ConfigError as exc:
        if exc.code in NOT_YET_APPLICABLE:
            return          # applies once the rest of the trial's config is known
        raise refusal(key, value, exc.code, exc.info) from None


def refusal(key: str, value, code: str, args: dict) -> TuneError:
    """A value the schema or the catalog refuses, with their reason (its own message, in the same language)."""
    return TuneError("tune.choice_invalid", **{**args, "name": key, "value": str(value)[:40], "reason": "@" + code})


def check_node_param(item: dict, graph: dict) -> SearchParam:
    node_id, name = item.get("node"), item.get("param")
    nodes = {n.get("id"): n for n in graph.get("nodes", [])}
    if node_id not in nodes:
        raise TuneError("tune.unknown_node", node=str(node_id)[:60], nodes=", ".join(map(str, nodes))[:300])
    node = nodes[node_id]
    offered = {p.name: p for p, value in node_params(graph, node) if layer_param(node_id, p, value) is not None}
    p = offered.get(name) if isinstance(name, str) else None
    if p is None:
        raise TuneError("tune.unknown_param", node=node_id, layer=str(node.get("type")), param=str(name)[:60],
                        params=", ".join(offered) or "-")
    param = _shaped(item, "node", node=node_id, param=name)
    values = param.choices if param.kind == "choice" else (param.low, param.high)
    if param.kind == "float" and p.kind != "float":
        raise TuneError("tune.kind_mismatch", name=param.key, expected="int", received="float")
    for value in values:
        try:
            p.validate(value)
        except GraphError as exc:
            raise refusal(param.key, value, exc.code, exc.info) from None
    return param


def _shaped(item: dict, target: str, **where) -> SearchParam:
    """The kind's own keys checked: a range (low < high, a positive low on a log scale, a positive step) or choices."""
    key = where.get("name") or f"{where.get('node')}.{where.get('param')}"
    kind = item["kind"]
    if kind == "choice":
        choices = item.get("choices")
        if not isinstance(choices, list) or not choices:
            raise TuneError("tune.choices_empty", name=key, received=str(choices)[:60])
        if not all(c is None or isinstance(c, (bool, int, float, str)) for c in choices):
            raise TuneError("tune.choices_plain", name=key)
        return SearchParam(target, "choice", choices=tuple(choices), **where)
    low, high, step, log = item.get("low"), item.get("high"), item.get("step"), item.get("log", False)
    numbers = (int,) if kind == "int" else (int, float)
    for field_name, value in (("low", low), ("high", high)):
        if not _is_number(value, numbers):
            raise TuneError("tune.bound_type", name=key, field=field_name, expected=kind, received=str(value)[:40])
    if not low < high:
        raise TuneError("tune.range_order", name=key, low=low, high=high)
    if not isinstance(log, bool):
        raise TuneError("tune.log_type", name=key, received=str(log)[:40])
    if log and low <= 0:
        raise TuneError("tune.log_nonpositive", name=key, low=low)
    if step is not None and (not _is_number(step, numbers) or step <= 0 or log):
        raise TuneError("tune.step", name=key, received=str(step)[:40])
    cast = int if kind == "int" else float
    return SearchParam(target, kind, low=cast(low), high=cast(high), log=log,
                       step=None if step is None else cast(step), **where)


def _is_number(value, numbers: tuple) -> bool:
    return isinstance(value, numbers) and not isinstance(value, bool) and math.isfinite(value)


# -- a trial's values -------------------------------------------------------------------------------------
def suggest(trial, space: list[SearchParam]) -> dict:
    """The trial's value of every parameter, keyed as ``SearchParam.key``."""
    values = {}
    for p in space:
        if p.kind == "choice":
            values[p.key] = trial.suggest_categorical(p.key, list(p.choices))
        elif p.kind == "int":
            values[p.key] = trial.suggest_int(p.key, p.low, p.high, step=p.step or 1, log=p.log)
        else:
            values[p.key] = trial.suggest_float(p.key, p.low, p.high, step=p.step, log=p.log)
    return values


def apply(graph: dict, config: dict, space: list[SearchParam], values: dict) -> tuple[dict, dict]:
    """Copies of ``graph`` and ``config`` with ``values`` (keyed as ``SearchParam.key``) put in place."""
    graph, config = copy.deepcopy(graph), dict(config)
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    for p in space:
        if p.key not in values:
            continue
        if p.target == "config":
            config[p.name] = values[p.key]
            continue
        params = nodes[p.node].setdefault("params", {})
        if nodes[p.node].get("type") == BLOCK:       # a block instance's value is one of its args
            params = params.setdefault("args", {})
        params[p.param] = values[p.key]
    return graph, config


def default_space() -> list[dict]:
    """The space without ``--space``: the learning rate on a log scale and the batch size."""
    return [{"target": "config", "name": name, **USUAL_RANGES[name]} for name in ("lr", "batch_size")]


def to_json(space: list[SearchParam]) -> list[dict]:
    return [p.to_json() for p in space]
