"""Words by key, in English and 简体中文: the one lookup every layer uses.

The texts live in one file per language, ``locales/en.toml`` and ``locales/zh.toml``
next to this package (found from this file, never from the working directory; see
``locales/README.md``). Keys are dotted (``area.name``); a text is a ``str.format``
template whose fields come from an error's ``args`` or the caller's keyword arguments.
The files are read once per process, on the first lookup.

The rule: a thing declared in code carries its own words beside its declaration — a
layer's title, help and explanation, a param's help (``bilingual(en, zh)`` in
``builder/layers/*.py`` and ``builder/params.py``), a setting's label and help. Every other
word a user reads lives in the locale files, and code names it by key.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LOCALES = Path(__file__).resolve().parent.parent / "locales"


def locale_file(lang: str) -> Path:
    return LOCALES / f"{lang}.toml"


@cache
def _table() -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}``, keys in the order of the default language's file."""
    import tomllib      # here, not at the top: importing this module reads nothing
    by_lang = {lang: flat(tomllib.loads(locale_file(lang).read_text(encoding="utf-8"))) for lang in LANGS}
    keys = dict.fromkeys(k for lang in (DEFAULT_LANG, *LANGS) for k in by_lang[lang])
    return {key: {lang: by_lang[lang][key] for lang in LANGS if key in by_lang[lang]} for key in keys}


def flat(doc: dict, prefix: str = "") -> dict[str, str]:
    """A locale file's keys as dotted keys: a feature's ``[table]`` holds ``table.name`` keys."""
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def __getattr__(name: str):
    # ``TEXT`` (the whole table) is read on first use, so importing this module costs nothing.
    if name == "TEXT":
        return _table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _SafeArgs(dict):
    """Leaves unknown ``{fields}`` visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(key: str, lang: str = DEFAULT_LANG, /, **args) -> str:
    """The text for ``key`` in ``lang``, with ``args`` filled in (the key itself when unknown)."""
    entry = _table().get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry.get(DEFAULT_LANG) or key
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


def in_sentence(word: str) -> str:
    """A label as a word inside a sentence: "Accuracy" -> "accuracy"; acronyms ("MAE") and scripts without
    case stay as they are."""
    return word[0].lower() + word[1:] if len(word) > 1 and word[1].islower() else word
