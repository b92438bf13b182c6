"""The one translation table: every user-facing string, in English and 简体中文.

Keys are dotted (``area.name``). Messages are ``str.format`` templates whose
fields come from the error's ``args`` (or the caller's keyword arguments).
Layer titles and help texts live with their layer in ``builder.catalog`` (one
entry per layer); everything else a user reads lives here.
"""
from __future__ import annotations

LANGS = ("en", "zh")
DEFAULT_LANG = "en"

TEXT: dict[str, dict[str, str]] = {}


def _add(table: dict[str, tuple[str, str]]) -> None:
    for key, (en, zh) in table.items():
        if key in TEXT:
            raise KeyError(f"duplicate translation key {key!r}")
        TEXT[key] = {"en": en, "zh": zh}


class _SafeArgs(dict):
    """Leaves unknown ``{fields}`` visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str = DEFAULT_LANG, **args) -> str:
    """The text for ``key`` in ``lang``, with ``args`` filled in."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANG]
    try:
        return template.format_map(_SafeArgs(args))
    except (ValueError, IndexError, AttributeError):
        return template


def pick(text: dict[str, str] | str | None, lang: str = DEFAULT_LANG) -> str:
    """One language out of an ``{"en": ..., "zh": ...}`` object (as in graph meta)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return str(text.get(lang) or text.get(DEFAULT_LANG) or next(iter(text.values()), ""))
