"""The one error a bad data set, upload or option raises: a stable code plus JSON-able args.

Messages are never stored: ``message(lang)`` renders them from ``builder.i18n``,
so the same error reads in English or Chinese.
"""
from __future__ import annotations

from builder.i18n import DEFAULT_LANG, t


def fmt_shape(shape) -> str:
    """(1, 8, 8) as torch prints sizes; (64,) for one dimension."""
    dims = tuple(int(d) for d in shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _render(key: str, value):
    if key.endswith("shape") and isinstance(value, (list, tuple)):
        return fmt_shape(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


class DataError(Exception):
    """A data problem a user can cause. ``code`` is a key of the translation table
    (``data.*``), ``args`` a dict of JSON-able values that fill its message."""

    def __init__(self, code: str, **args):
        super().__init__(code)
        self.code = code
        self._info = dict(args)

    # Exception.args is a tuple; here it is the message's named fields.
    @property
    def args(self) -> dict:  # type: ignore[override]
        return self._info

    def message(self, lang: str = DEFAULT_LANG) -> str:
        fields = {k: _render(k, v) for k, v in self._info.items() if k not in ("key", "lang")}
        return t(self.code, lang, **fields)

    def to_json(self, lang: str = DEFAULT_LANG) -> dict:
        return {"code": self.code, "args": self._info, "message": self.message(lang)}

    def __str__(self) -> str:
        return self.message()

    def __repr__(self) -> str:
        return f"DataError({self.code!r}, {self._info!r})"

    def __reduce__(self):
        return (_rebuild, (self.code, self._info))


def _rebuild(code: str, info: dict) -> DataError:
    return DataError(code, **info)
