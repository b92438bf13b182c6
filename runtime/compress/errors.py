"""The one error type of compression: a locale code and its args (``compress.*``)."""
from __future__ import annotations

from builder.errors import CodedError


class CompressError(CodedError):
    """A compression a user asked for and cannot have (bad amount, unsafe structure, no conv layer ...)."""
