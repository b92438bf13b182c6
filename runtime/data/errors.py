"""The one error a bad data set, upload or option raises: a stable code plus JSON-able args.

Messages are never stored: ``message(lang)`` renders them from ``builder.i18n``,
so the same error reads in English or Chinese.
"""
from __future__ import annotations

from builder.errors import CodedError


class DataError(CodedError):
    """A data problem a user can cause. ``code`` is a key of the translation table
    (``data.*``), ``args`` a dict of JSON-able values that fill its message."""

    # Exception.args is a tuple; here it is the message's named fields.
    @property
    def args(self) -> dict:  # type: ignore[override]
        return self.info

    @args.setter
    def args(self, value) -> None:   # Exception.__init__ assigns it; the fields live in ``info``
        pass

    def __repr__(self) -> str:
        return f"DataError({self.code!r}, {self.info!r})"

    def __reduce__(self):
        return (_rebuild, (self.code, self.info))


def _rebuild(code: str, info: dict) -> DataError:
    return DataError(code, **info)
