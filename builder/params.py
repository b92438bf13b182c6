"""Typed layer params: the schema the property panel, the checker and the code generator share.

A ``Param`` knows its kind, default, bounds and help text. ``Param.validate``
turns a JSON value into a checked Python value or raises ``GraphError`` with a
stable code; nothing unchecked ever reaches generated code.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import GraphError

REQUIRED = object()  # sentinel: the param has no default and must be given

# Catalog maxima: hostile or mistyped sizes stop here, long before anything allocates.
MAX_UNITS = 65_536            # features, channels, hidden sizes, embedding widths
MAX_VOCAB = 10_000_000        # Embedding.num_embeddings
MAX_KERNEL = 1_024
MAX_DIM = 1_000_000           # one dimension of an Input or Reshape shape
MAX_RANK = 5                  # dims of a sample (batch excluded)
MAX_LAYERS = 64               # num_layers of recurrent layers
MAX_HEADS = 256

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Widget/validation kinds. "size" is an int or a tuple of ``n`` ints (kernel sizes);
# "shape" a list of ints; "dims" a permutation; "name" an id-like string.
KINDS = ("int", "float", "bool", "choice", "size", "shape", "dims", "name")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = REQUIRED
    help: dict = field(default_factory=dict)  # {"en": ..., "zh": ...}
    lo: float | None = None
    hi: float | None = None
    hi_open: bool = False        # hi itself is not allowed (dropout p < 1)
    lo_open: bool = False        # lo itself is not allowed (eps > 0)
    choices: tuple = ()
    n: int = 1                   # tuple length for kind "size"
    strings: tuple = ()          # string values a "size" may also take ("same", "valid")
    nullable: bool = False       # None is a valid value (e.g. stride = kernel_size)
    always_render: bool = False  # write it in generated code even at its default
    torch_arg: bool = True       # passed to the torch constructor
    infer_dim: bool = False      # a "shape" may hold one -1 (Reshape)
    default_unless: str = ""     # the default holds only while this other param is not given; else None

    def __post_init__(self):
        assert self.kind in KINDS, self.kind

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def default_for(self, given: dict) -> Any:
        """The value this param takes when a node's params ``given`` leave it out: the default,
        or None when ``default_unless`` names a param that ``given`` sets (Upsample: a size
        given means no scale factor)."""
        if self.default_unless and given.get(self.default_unless) is not None:
            return None
        return self.default

    def describe(self) -> dict:
        """A JSON-able description for the property panel and the canvas palette."""
        return {
            "name": self.name, "kind": self.kind,
            "default": None if self.required else _jsonable(self.default),
            "required": self.required, "lo": self.lo, "hi": self.hi,
            "hi_open": self.hi_open, "lo_open": self.lo_open,
            "choices": list(self.choices), "n": self.n, "strings": list(self.strings),
            "nullable": self.nullable, "help": dict(self.help),
        }

    # -- validation -------------------------------------------------------
    def validate(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise self._type_error(None)
        check = getattr(self, "_check_" + self.kind)
        return check(value)

    def _expected(self) -> str:
        # A translation-key reference ("@kind.int"); CheckError renders it per language.
        return "@kind." + self.kind + ("_or_null" if self.nullable else "")

    def _type_error(self, value):
        return GraphError("param.type", param=self.name, expected=self._expected(),
                          received=_describe_value(value), n=self.n, choices=list(self.choices),
                          strings=list(self.strings))

    def _range(self, value, shown=None):
        lo_ok = self.lo is None or (value > self.lo if self.lo_open else value >= self.lo)
        hi_ok = self.hi is None or (value < self.hi if self.hi_open else value <= self.hi)
        if not (lo_ok and hi_ok):
            raise GraphError("param.range", param=self.name, received=_describe_value(value if shown is None else shown),
                             range=_range_text(self.lo, self.hi, self.lo_open, self.hi_open))
        return value

    def _check_int(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._type_error(value)
        return self._range(value)

    def _check_float(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._type_error(value)
        if not math.isfinite(value):
            raise GraphError("param.not_finite", param=self.name, received=str(value))
        return self._range(float(value), shown=value)

    def _check_bool(self, value):
        if not isinstance(value, bool):
            raise self._type_error(value)
        return value

    def _check_choice(self, value):
        if isinstance(value, bool) or value not in self.choices:
            raise GraphError("param.choice", param=self.name, received=_describe_value(value),
                             choices=list(self.choices))
        return value

    def _check_size(self, value):
        if isinstance(value, str):
            if value in self.strings:
                return value
            raise self._type_error(value)
        if isinstance(value, list) and len(value) == self.n:
            return tuple(self._check_int(v) for v in value)
        if isinstance(value, list):
            raise self._type_error(value)
        return self._check_int(value)

    def _check_shape(self, value):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_RANK:
            raise GraphError("param.shape", param=self.name, received=_describe_value(value),
                             max_rank=MAX_RANK)
        dims = tuple(-1 if (self.infer_dim and v == -1 and not isinstance(v, bool)) else self._check_int(v)
                     for v in value)
        if dims.count(-1) > 1:
            raise GraphError("param.shape_infer", param=self.name)
        return dims

    def _check_dims(self, value):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_RANK + 1:
            raise self._type_error(value)
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int):
                raise self._type_error(value)
        return tuple(value)

    def _check_name(self, value):
        if not isinstance(value, str) or not NAME_RE.match(value):
            raise self._type_error(value)
        return value


def parse_int_list(text: str) -> list[int]:
    """A list of whole numbers as a person types it: ``1, 28, 28``, ``(1, 28, 28)``, ``[4]``, ``-1``.

    Raises ``GraphError`` naming the first piece that is not one: ``param.not_a_number`` for ``x``,
    ``param.not_whole`` for ``2.5``. An empty text is the empty list (the checker says what is missing).
    """
    pieces = [piece.strip() for piece in re.sub(r"[()\[\]]", "", text).split(",")]
    values = []
    for piece in (p for p in pieces if p):
        try:
            values.append(int(piece))
        except ValueError:
            raise GraphError("param.not_whole" if _is_number(piece) else "param.not_a_number",
                             value=piece if len(piece) <= 40 else piece[:37] + "...") from None
    return values


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def _describe_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, (int, float)):
        return repr(value) if abs(value) < 1e15 else f"{value:.3g}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _range_text(lo, hi, lo_open, hi_open) -> str:
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_s = "-inf" if lo is None else _num(lo)
    hi_s = "inf" if hi is None else _num(hi)
    return f"{left}{lo_s}, {hi_s}{right}"


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


# -- shared params: one definition each, reused by the layers that take them --------
def bilingual(en: str, zh: str) -> dict:
    return {"en": en, "zh": zh}


def units(name: str, en: str, zh: str, default=REQUIRED, hi=MAX_UNITS) -> Param:
    return Param(name, "int", default, bilingual(en, zh), lo=1, hi=hi)


def bias() -> Param:
    return Param("bias", "bool", True, bilingual("Learn an additive bias.", "学习一个加性偏置。"))


def kernel(n: int) -> Param:
    return Param("kernel_size", "size", REQUIRED, bilingual("Size of the sliding window.", "滑动窗口（卷积核）的大小。"),
                 lo=1, hi=MAX_KERNEL, n=n)


def stride(n: int, default=1, nullable=False) -> Param:
    en = "Step between windows." + (" Empty: equal to the kernel size." if nullable else "")
    zh = "窗口每次移动的步长。" + ("留空则等于窗口大小。" if nullable else "")
    return Param("stride", "size", default, bilingual(en, zh), lo=1, hi=MAX_KERNEL, n=n, nullable=nullable)


def padding(n: int, strings: tuple = ()) -> Param:
    return Param("padding", "size", 0, bilingual("Zeros added on each side of the input.", "在输入每一侧补零的数量。"),
                 lo=0, hi=MAX_KERNEL, n=n, strings=strings)


def dilation(n: int) -> Param:
    return Param("dilation", "size", 1, bilingual("Spacing between kernel elements.", "卷积核元素之间的间距（空洞）。"),
                 lo=1, hi=MAX_KERNEL, n=n)


def ceil_mode() -> Param:
    return Param("ceil_mode", "bool", False, bilingual("Round the output size up instead of down.", "输出尺寸向上取整而不是向下取整。"))


def dropout_p(default: float = 0.5) -> Param:
    return Param("p", "float", default, bilingual("Probability of zeroing an element during training.", "训练时将元素置零的概率。"),
                 lo=0.0, hi=1.0, hi_open=True)


def eps() -> Param:
    return Param("eps", "float", 1e-5, bilingual("Added to the variance for numerical stability.", "加到方差上以保证数值稳定。"),
                 lo=0.0, hi=1.0, lo_open=True)


def dim_param(default: int = 1) -> Param:
    return Param("dim", "int", default, bilingual("Dimension to work along (torch convention, batch is 0).",
                                          "沿哪个维度计算（torch 约定，批次为第 0 维）。"),
                 lo=-(MAX_RANK + 1), hi=MAX_RANK, always_render=True)
