"""What a reader sees of markdown that ``ui.literal.md_literal`` wrote: backslash escapes
resolved (CommonMark shows ``\\(`` as ``(``) and word joiners (invisible) left out.

AppTest hands tests the markdown source; assertions about the words on the page read it
through ``shown``.
"""
from __future__ import annotations

import re
import string

from ui.literal import WORD_JOINER

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")     # a backslash before ASCII punctuation


def shown(markdown) -> str:
    return _ESCAPE.sub(r"\1", str(markdown)).replace(WORD_JOINER, "")


def unescaped(markdown: str) -> list[tuple[int, str]]:
    """(index, character) of each character of ``markdown`` that a backslash does not escape."""
    out, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\" and i + 1 < len(markdown) and markdown[i + 1] in string.punctuation:
            i += 2
            continue
        out.append((i, markdown[i]))
        i += 1
    return out


def skeleton(markdown: str) -> str:
    """``markdown`` with each escaped character (and its backslash) as NUL: what the parser can act on."""
    chars = ["\x00"] * len(markdown)
    for i, ch in unescaped(markdown):
        chars[i] = ch
    return "".join(chars)
