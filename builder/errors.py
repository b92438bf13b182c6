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


@dataclass
class CheckError:
    code: str
    args: dict = field(default_factory=dict)
    node: str | None = None
    edge: tuple[str, str] | None = None

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The message alone, without the node prefix."""
        return render_message(self.code, self.args, lang)

    def where(self, lang: str = DEFAULT_LANG) -> str:
        if self.node is not None:
            return translate("fmt.where_node", lang, node=self.node)
        if self.edge is not None:
            return translate("fmt.where_edge", lang, source=self.edge[0], target=self.edge[1])
        return translate("fmt.where_graph", lang)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """``node c2: Conv2d expects input (C, H, W); received (400,)``"""
        return f"{self.where(lang)}: {self.text(lang)}"

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        return {
            "node": self.node,
            "edge": list(self.edge) if self.edge is not None else None,
            "code": self.code,
            "args": self.args,
            "message": self.message(lang),
        }


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
