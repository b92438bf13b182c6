"""The limits on a labelled upload's classes, in one place for every kind of file.

A CSV target column, an NPZ's labels (``y`` or its saved ``class_names``) and an image
zip's class folders all become ``class_names``; each loader passes them through
``check_classes`` before the set is built. Training allocates per class (an output
layer, a confusion matrix that grows with the square of the count), and the pages draw
per class, so the count and the length of each name are bounded here.
"""
from __future__ import annotations

from collections.abc import Sequence

from .errors import DataError

MAX_CLASSES = 1_000          # distinct labels in one data set (ImageNet has 1,000)
MAX_LABEL_CHARS = 100        # characters in one class name
_LABEL_PREVIEW = 40          # characters of an over-long name quoted in the message

# where the classes of each kind of upload come from (phrases of the translation table)
SOURCE_CSV = "@data.classes_from.csv"
SOURCE_NPZ = "@data.classes_from.npz"
SOURCE_ZIP = "@data.classes_from.zip"


def check_classes(names: Sequence[str], file: str | None, source: str, **where) -> None:
    """Refuse more than ``MAX_CLASSES`` classes, or a class name longer than
    ``MAX_LABEL_CHARS``; the message names the file, where the classes come from
    (``source`` with its fields ``where``, e.g. the CSV column), the value and the limit."""
    file = (file or "upload")[:200]
    if len(names) > MAX_CLASSES:
        raise DataError("data.too_many_classes", file=file, count=len(names), limit=MAX_CLASSES,
                        source=source, **where)
    longest = max(names, key=len, default="")
    if len(longest) > MAX_LABEL_CHARS:
        raise DataError("data.label_too_long", file=file, chars=len(longest), limit=MAX_LABEL_CHARS,
                        label=longest[:_LABEL_PREVIEW] + "…", source=source, **where)
