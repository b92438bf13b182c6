"""The layer catalog: one ``LayerSpec`` per layer type.

Each entry drives everything about its layer: the palette (title, category,
help), the property panel (typed params), validation, shape inference,
parameter counting and code generation. Adding a layer type is one
``register(LayerSpec(...))`` call in one of the ``builder.layers`` modules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import GraphError
from .i18n import pick
from .params import Param

Shape = tuple[int, ...]

# Category keys in palette order; their labels live in the translation table ("category.<key>").
CATEGORIES = ("io", "core", "conv", "pool", "norm", "regular", "activation",
              "recurrent", "attention", "merge", "reshape", "generative", "audio")


def _no_params(ins, p) -> int:
    return 0


@dataclass(frozen=True)
class LayerSpec:
    type: str                                   # the torch.nn class name, or a structural type
    category: str
    title: dict                                 # {"en", "zh"} display name
    help: dict                                  # one line for the palette
    explain: dict                               # a few sentences for learners
    infer: Callable[[list[Shape], dict], Shape]  # output shape from input shapes and params
    params: tuple[Param, ...] = ()
    inputs: tuple[int, int | None] = (1, 1)     # (min, max) number of input ports; None: no limit
    port_names: tuple[str, ...] = ()            # names of fixed ports (Reparameterize: mu, logvar)
    dtype_in: str = "float"                     # "float", "int" (token ids) or "any"
    dtype_out: str = "float"                    # "float" or "same" (as the input)
    count: Callable[[list[Shape], dict], int] = _no_params  # trainable parameters, no allocation
    module: str | Callable[[dict], str | None] | None = None  # "nn.Conv2d": created in __init__; None: inline
                                                # code; a function of the params when only some settings need one
    size_args: Callable[[list[Shape], dict], list] | None = None  # inferred sizes, positional
    size_names: tuple[str, ...] = ()            # the torch names of those sizes (in_channels): names in block classes
    positional: tuple[str, ...] = ()            # params written positionally after the sizes
    fixed_kwargs: tuple[tuple[str, Any], ...] = ()  # always written (batch_first=True)
    forward: Callable | None = None             # custom forward lines (see codegen)
    extra_inputs: Callable | None = None        # (check result, node id) -> (value keys forward also reads, params
                                                # for forward): MultiheadAttention's token ids for its padding mask
    key_params: tuple[str, ...] = ()            # shown on the canvas node
    check: Callable[[dict], None] | None = None  # cross-param rules that need no input shape
    starter: dict = field(default_factory=dict)  # params of a node freshly dropped on the canvas
    helper: tuple[str, ...] = ()                # classes the generated file defines for ``module`` (not torch.nn)
    example_input: str | None = None            # example_inputs' expression for the Input feeding it ({slots}, params)

    def __post_init__(self):
        assert self.category in CATEGORIES, self.category
        names = [p.name for p in self.params]
        assert len(names) == len(set(names)), self.type

    def module_for(self, params: dict) -> str | None:
        """The torch module a node with ``params`` makes in __init__ (None: its code is inline)."""
        return self.module(params) if callable(self.module) else self.module

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict:
        return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
                for p in self.params if not p.required}

    def value_of(self, p: Param, given: dict):
        """One param's value: the given one validated, else its default; raises GraphError."""
        if p.name in given:
            return p.validate(given[p.name])
        if p.required:
            raise GraphError("param.required", param=p.name, layer=self.type)
        return p.default_for(given)

    def resolve(self, given: dict) -> dict:
        """Validated params with defaults filled in; raises the first GraphError per param."""
        out = {p.name: self.value_of(p, given) for p in self.params}
        if self.check is not None:
            self.check(out)
        return out

    def palette_entry(self, lang: str) -> dict:
        """What the canvas needs to draw and add this layer."""
        lo, hi = self.inputs
        return {
            "type": self.type, "category": self.category,
            "title": pick(self.title, lang), "help": pick(self.help, lang),
            "defaults": dict(self.starter),
            "inputs": {"min": lo, "max": hi, "names": list(self.port_names)},
            "output": self.type != "Output",
            "key_params": list(self.key_params),
        }


CATALOG: dict[str, LayerSpec] = {}


def register(spec: LayerSpec) -> LayerSpec:
    if spec.type in CATALOG:
        raise KeyError(f"layer type {spec.type!r} registered twice")
    CATALOG[spec.type] = spec
    return spec


def get(type_name: str) -> LayerSpec | None:
    _load()
    return CATALOG.get(type_name)


def all_specs() -> list[LayerSpec]:
    _load()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(CATALOG.values(), key=lambda s: order[s.category])


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import layers  # noqa: F401  (registers every entry)
