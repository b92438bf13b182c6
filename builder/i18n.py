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


# The network canvas (ui/canvas): toolbar, palette and status labels.
_add({
    "canvas.layers": ("Layers", "层"),
    "canvas.search": ("Search layers…", "搜索层…"),
    "canvas.no_match": ("No layer matches", "没有匹配的层"),
    "canvas.select": ("Select (drag on empty canvas to box-select)", "选择（在空白处拖动可框选）"),
    "canvas.pan": ("Pan (or hold Space / middle mouse and drag)", "平移（或按住空格 / 鼠标中键拖动）"),
    "canvas.undo": ("Undo (Ctrl+Z)", "撤销 (Ctrl+Z)"),
    "canvas.redo": ("Redo (Ctrl+Shift+Z)", "重做 (Ctrl+Shift+Z)"),
    "canvas.zoom_in": ("Zoom in", "放大"),
    "canvas.zoom_out": ("Zoom out", "缩小"),
    "canvas.zoom_reset": ("Reset zoom to 100%", "缩放重置为 100%"),
    "canvas.fit": ("Fit to view", "适应视图"),
    "canvas.auto_layout": ("Auto layout", "自动布局"),
    "canvas.delete": ("Delete selection (Del)", "删除所选 (Del)"),
    "canvas.params": ("params", "参数"),
    "canvas.summary": ("{nodes} layers · {params} params", "{nodes} 层 · {params} 参数"),
    "canvas.empty_hint": ("Drag a layer from the list on the left onto the canvas to start",
                          "从左侧列表把一个层拖到画布上开始"),
    "canvas.help": (
        "Drag from an output dot to an input dot to connect · Shift-click or drag a box "
        "to select several · Del deletes · Ctrl+wheel zooms, wheel or Space+drag pans",
        "从输出圆点拖到输入圆点即可连接 · Shift+点击或拖出方框可多选 · Del 删除 · "
        "Ctrl+滚轮缩放，滚轮或空格+拖动平移",
    ),
})
