"""Errors a user can cause: a stable code, JSON-able args, and the node or edge they belong to.

Messages are never stored: ``message(lang)`` renders them from the translation
table, so the same error reads in English or Chinese.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import DEFAULT_LANG, translate


def fmt_shape(shape) -> str:
    """(6, 28, 28) style, as torch prints sizes; (400,) for one dimension."""
    if shape is None:
        return "?"
    dims = tuple(shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _is_ref(value) -> bool:
    # "@kind.int" refers to another entry of the table: a phrase that needs translating too.
    return isinstance(value, str) and value.startswith("@")


def _render_arg(key: str, value, lang: str):
    # Shapes travel as lists of ints in args (JSON-able) and read as (C, H, W).
    if key.endswith("shape") and isinstance(value, (list, tuple)):
        return fmt_shape(value)
    if key == "ports" and isinstance(value, list):
        items = [translate("fmt.shape_on_port", lang, shape=fmt_shape(s), port=p) for s, p in value]
        return translate("fmt.list_sep", lang).join(items[:-1]) + translate("fmt.and", lang) + items[-1] if len(items) > 1 else "".join(items)
    if key == "path" and isinstance(value, (list, tuple)):
        return " -> ".join(str(v) for v in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def render_message(code: str, args: dict, lang: str = DEFAULT_LANG) -> str:
    """The message for an error code in ``lang``: args rendered (shapes, port lists, nested phrases)."""
    plain = {k: _render_arg(k, v, lang) for k, v in args.items() if not _is_ref(v)}
    refs = {k: translate(v[1:], lang, **plain) for k, v in args.items() if _is_ref(v)}
    return translate(code, lang, **plain, **refs)


PATH_SEP = "/"   # joins the ids of a path into a block instance: layer1/0/conv1


@dataclass
class CheckError:
    """``node`` and ``edge`` always name the graph's own nodes and edges. An error inside a block
    instance is on the instance (``node``) and ``path`` goes down to the node inside:
    ``("layer1", "0", "conv1")``. An error in a block definition itself (its file structure, or a
    definition that no instance uses) names the ``block``; its ``path`` (and ``edge``) are then
    the definition's own ids."""
    code: str
    args: dict = field(default_factory=dict)
    node: str | None = None
    edge: tuple[str, str] | None = None
    path: tuple[str, ...] | None = None
    block: str | None = None

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The message alone, without the node prefix."""
        return render_message(self.code, self.args, lang)

    def where(self, lang: str = DEFAULT_LANG) -> str:
        if self.block is not None:
            inside = self.path or (self.edge and (f"{self.edge[0]} -> {self.edge[1]}",))
            if inside:
                return translate("fmt.where_block_node", lang, block=self.block, node=PATH_SEP.join(inside))
            return translate("fmt.where_block", lang, block=self.block)
        if self.path:
            return translate("fmt.where_node", lang, node=PATH_SEP.join(self.path))
        if self.node is not None:
            return translate("fmt.where_node", lang, node=self.node)
        if self.edge is not None:
            return translate("fmt.where_edge", lang, source=self.edge[0], target=self.edge[1])
        return translate("fmt.where_graph", lang)

    def inside(self, instance: str) -> "CheckError":
        """This error, found while checking the inside of block instance ``instance``, as the
        instance's error in the graph around it."""
        inner = self.path or ((self.node,) if self.node is not None else
                              (self.edge[1],) if self.edge is not None else ())
        return CheckError(self.code, self.args, node=instance, path=(instance, *inner))

    def in_block(self, block: str) -> "CheckError":
        """This error, found in the definition of ``block`` (not through an instance)."""
        inner = self.path or ((self.node,) if self.node is not None else None)
        return CheckError(self.code, self.args, edge=self.edge if not inner else None, path=inner, block=block)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """``node c2: Conv2d expects input (C, H, W); received (400,)``"""
        return f"{self.where(lang)}: {self.text(lang)}"

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        out = {
            "node": self.node,
            "edge": list(self.edge) if self.edge is not None else None,
            "code": self.code,
            "args": self.args,
            "message": self.message(lang),
        }
        if self.path is not None:
            out["path"] = list(self.path)
        if self.block is not None:
            out["block"] = self.block
        return out


class CodedError(Exception):
    """A problem a user can cause, outside a graph node: a stable code and JSON-able args.

    The data, config and training errors of the runtime are these; ``message(lang)``
    renders them from the translation table like every other error.
    """

    def __init__(self, code: str, **args):
        super().__init__(code)
        self.code = code
        self.info = dict(args)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return render_message(self.code, self.info, lang)

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        return {"code": self.code, "args": self.info, "message": self.message(lang)}

    def __str__(self) -> str:
        return self.message()


class GraphError(Exception):
    """A rule broken inside a layer rule or param check; becomes a CheckError on its node."""

    def __init__(self, code: str, **args):
        super().__init__(code)
        self.code = code
        self.info = args


class FormatError(Exception):
    """The file is not a graph document we can read at all (CLI exit code 2)."""

    def __init__(self, code: str, **args):
        super().__init__(code)
        self.error = CheckError(code, args)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return self.error.message(lang)
