"""Every text a page shows, read from an AppTest's element tree: what a reader of that page sees.

Markdown, captions, titles and alerts (HTML tags, icons and styles left out); widget labels,
help, placeholders and options; expander, tab and popover labels; metric labels and values;
dataframe column names (and the labels their column config gives them) and cells of text; and the words of every
Plotly figure, static or live (titles, axis titles, legend names, annotations, colour bar titles,
hover templates without their %{...} fields). Code blocks are left out: code is code in every
language.
"""
from __future__ import annotations

import json
import re

from shown import shown

TEXT_FIELDS = ("label", "help", "body", "placeholder", "caption")
ICON = re.compile(r":material/[a-z_]+:")
COLORED = re.compile(r":[a-z]+(?:-(?:badge|background))?\[")      # Streamlit's :blue-badge[text]: the text shows
BLOCK = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)    # CSS and scripts: not shown
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&(?:nbsp|#\d+|[a-z]+);")
HOVER_FIELD = re.compile(r"%\{[^}]*\}")


def texts(at) -> list[str]:
    """The texts the page shows now, one string per place it shows one."""
    out: list[str] = []
    _walk(at._tree, out)
    return [t for t in (_clean(text) for text in out) if t]


def _walk(node, out: list[str]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        _from_proto(node, proto, out)
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            _walk(child, out)


def _from_proto(node, proto, out: list[str]) -> None:
    kind = type(node).__name__
    if kind == "Code":
        return
    for field, value in proto.ListFields():
        name = field.name
        if name in TEXT_FIELDS and isinstance(value, str):
            out.append(value)
        elif name == "options":
            out.extend(option if isinstance(option, str) else getattr(option, "content", "") for option in value)
        elif name in ("expandable", "tab", "popover") and hasattr(value, "label"):
            out.append(value.label)
        elif name == "spec" and isinstance(value, str):
            out.extend(figure_texts(_json(value)))
        elif name == "json_args" and isinstance(value, str):     # a component's arguments: a figure, a graph
            arguments = _json(value) or {}
            out.extend(figure_texts(arguments))
            out.extend(graph_labels(arguments))
        elif name == "columns" and isinstance(value, str) and kind in ("Dataframe", "UnknownElement"):
            out.extend(str(c.get("label")) for c in (_json(value) or {}).values() if isinstance(c, dict) and c.get("label"))
    if kind == "Metric":
        out.extend([proto.label, proto.body])
    if kind == "Dataframe":
        frame = node.value
        out.extend(str(column) for column in frame.columns)
        for column in frame.columns:        # the cells that hold words
            out.extend(value for value in frame[column].tolist() if isinstance(value, str))
    if kind == "UnknownElement" and getattr(node, "type", "") == "bidi_component":
        out.extend(figure_texts(_json(str(getattr(proto, "json", "")))))
    _component_data(proto, out)


def _component_data(proto, out: list[str]) -> None:
    """A components-v2 element carries its data as JSON somewhere in its proto: look for a Plotly spec."""
    for field, value in proto.ListFields():
        if hasattr(value, "ListFields") and field.name in ("json", "data", "arrow_data"):
            _component_data(value, out)
        elif isinstance(value, str) and field.name in ("json", "data") and value.startswith("{"):
            out.extend(figure_texts(_json(value)))


def graph_labels(arguments: dict) -> list[str]:
    """The node labels of a streamlit-agraph graph (its ``data`` argument is the graph as JSON)."""
    graph = _json(arguments.get("data")) if isinstance(arguments, dict) else None
    return [str(node.get("label") or "") for node in (graph or {}).get("nodes", []) if isinstance(node, dict)]


def _json(text: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def figure_texts(spec) -> list[str]:
    """The words a Plotly figure shows, wherever in ``spec`` (a dict, maybe nested) a figure is."""
    out: list[str] = []
    if isinstance(spec, dict):
        if isinstance(spec.get("layout"), dict) and isinstance(spec.get("data"), list):
            out.extend(_figure_words(spec))
        else:
            for value in spec.values():
                out.extend(figure_texts(value))
    elif isinstance(spec, list):
        for value in spec:
            out.extend(figure_texts(value))
    return out


def _title(value) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _figure_words(fig: dict) -> list[str]:
    layout = fig["layout"]
    out = [_title(layout.get("title"))]
    for key, value in layout.items():
        if re.fullmatch(r"[xy]axis\d*", key) and isinstance(value, dict):
            out.append(_title(value.get("title")))
            out.extend(str(t) for t in value.get("ticktext") or [])
    out.extend(str(a.get("text") or "") for a in layout.get("annotations") or [])
    for trace in fig["data"]:
        if trace.get("showlegend", True) is not False:
            out.append(str(trace.get("name") or ""))
        out.append(HOVER_FIELD.sub(" ", str(trace.get("hovertemplate") or "")).replace("<extra></extra>", ""))
        colorbar = (trace.get("colorbar") or (trace.get("marker") or {}).get("colorbar") or {})
        out.append(_title(colorbar.get("title")))
        for key in ("text", "texttemplate"):
            value = trace.get(key)
            if isinstance(value, str):
                out.append(HOVER_FIELD.sub(" ", value))
    return out


def _clean(text: str) -> str:
    text = ICON.sub(" ", str(text))
    text = COLORED.sub(" ", text)
    text = BLOCK.sub(" ", text)
    text = TAG.sub(" ", text)
    text = ENTITY.sub(" ", text)
    return shown(text).strip()
