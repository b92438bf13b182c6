"""What a reader sees of markdown that ``ui.literal.md_literal`` wrote: backslash escapes
resolved (CommonMark shows ``\\(`` as ``(``) and word joiners (invisible) left out.

AppTest hands tests the markdown source; assertions about the words on the page read it
through ``shown``.
"""
from __future__ import annotations

import re

from ui.literal import WORD_JOINER

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")     # a backslash before ASCII punctuation


def shown(markdown) -> str:
    return _ESCAPE.sub(r"\1", str(markdown)).replace(WORD_JOINER, "")
