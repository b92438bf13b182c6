"""The property panel: a form generated from the selected node's catalog entry.

Each param kind gets its widget (bounded ints, floats, toggles, choices, kernel-size
pairs, shapes as text). A change calls ``on_change(node_id, params)`` with the node's
whole new params dict; the page re-checks and the canvas updates at once.
"""
from __future__ import annotations

import streamlit as st

from builder import catalog
from builder.errors import GraphError, render_message
from builder.i18n import pick, translate
from builder.params import Param, parse_int_list

from .literal import md_literal
from .session import graph_value, lang, localized


def _effective(spec, params: dict):
    """What the params mean (validated, defaults filled), or the raw dict when they do not check."""
    try:
        return spec.resolve(params)
    except Exception:   # noqa: BLE001 - an invalid value compares as itself
        return dict(params)


def _valid(param: Param, value):
    try:
        return param.validate(value)
    except Exception:   # noqa: BLE001 - any invalid stored value: show the default instead
        return None


def heading(title: str, detail: str) -> None:
    """A node's panel's title and the small line below it (markdown), as one element: each element of
    the side panel is sent and drawn again with every edit on the canvas (its fragment's run)."""
    st.markdown(f"#### {title}\n:gray[:small[{detail}]]")


def render(node: dict, key_prefix: str, on_change) -> None:
    """The form for one node (``node`` as in the graph document). ``key_prefix`` names the node, not a
    version of the graph: the widgets stay the same widgets across edits (``session.graph_value``)."""
    spec = catalog.get(node.get("type"))
    language = lang()
    if spec is None:
        st.warning(localized("panel.unknown_type", type=md_literal(str(node.get("type"))[:60])))
        return
    heading(pick(spec.title, language), f"{md_literal(node['id'])} · {translate('category.' + spec.category, language)}")
    params = dict(node.get("params") or {})

    def setter(name: str, read):
        def apply():
            new = dict(params)
            value = read()
            if value is _KEEP:
                return                   # nothing usable was typed: the field keeps it and says why
            if value is _UNSET:
                new.pop(name, None)
            else:
                new[name] = value
            param = spec.param(name)
            if name not in params and not param.required and value == param.default:
                new.pop(name, None)      # a default stays implicit, as torch writes it
            if _effective(spec, new) != _effective(spec, params):
                on_change(node["id"], new)   # widgets re-reporting the value they show are no edit
        return apply

    if not spec.params:
        st.caption(localized("panel.no_params"))
    for param in spec.params:
        _widget(param, params, f"{key_prefix}:{param.name}", setter)
    st.markdown(f"---\n**{localized('panel.what_it_does')}**\n\n{pick(spec.explain, language)}")   # one element


_UNSET = object()   # a widget's value meaning "leave the param out" (use the default)
_KEEP = object()    # a widget's value meaning "no edit": what was typed cannot be used


def _widget(param: Param, params: dict, key: str, setter) -> None:
    language = lang()
    help_text = pick(param.help, language)
    current = params.get(param.name, None if param.required else param.default)
    checked = _valid(param, current) if param.name in params else (None if param.required else param.default)
    label = param.name + (" *" if param.required else "")

    if param.nullable:
        auto = checked is None
        use_auto = st.toggle(localized("panel.auto", name=param.name), value=graph_value(key + ":auto", auto), key=key + ":auto",
                             help=help_text,
                             on_change=setter(param.name, lambda: None if st.session_state[key + ":auto"] else _UNSET))
        if use_auto:
            return
        if checked is None:
            checked = _fallback(param)

    kind = param.kind
    if kind == "bool":
        st.toggle(label, value=graph_value(key, bool(checked)), key=key, help=help_text,
                  on_change=setter(param.name, lambda: st.session_state[key]))
    elif kind == "choice":
        options = list(param.choices)
        index = options.index(checked) if checked in options else 0
        graph_value(key, options[index])
        st.selectbox(label, options, index=index, key=key, help=help_text,
                     on_change=setter(param.name, lambda: st.session_state[key]))
    elif kind == "int":
        st.number_input(label, value=graph_value(key, int(checked if checked is not None else _fallback(param))), step=1,
                        min_value=int(param.lo) if param.lo is not None else None,
                        max_value=int(param.hi) if param.hi is not None else None, key=key, help=help_text,
                        on_change=setter(param.name, lambda: int(st.session_state[key])))
    elif kind == "float":
        st.number_input(label, value=graph_value(key, float(checked if checked is not None else _fallback(param))), format="%g",
                        min_value=float(param.lo) if param.lo is not None and not param.lo_open else None,
                        max_value=float(param.hi) if param.hi is not None and not param.hi_open else None,
                        key=key, help=help_text, on_change=setter(param.name, lambda: float(st.session_state[key])))
    elif kind == "size":
        _size_widget(param, checked, label, key, help_text, setter)
    elif kind in ("shape", "dims"):
        _list_widget(param, checked, label, key, help_text, setter)
    elif kind == "name":
        st.text_input(label, value=graph_value(key, checked or ""), key=key, help=help_text,
                      on_change=setter(param.name, lambda: st.session_state[key] or None))


def _list_widget(param: Param, value, label: str, key: str, help_text: str, setter) -> None:
    """A list of whole numbers typed as text. What cannot be read stays in the field, with the reason
    under it in the user's language, and the graph keeps its last good value."""
    problem_key = key + ":problem"

    def read():
        try:
            values = parse_int_list(st.session_state[key])
        except GraphError as exc:
            st.session_state[problem_key] = (exc.code, exc.info)
            return _KEEP
        st.session_state.pop(problem_key, None)
        return values

    st.text_input(label, value=graph_value(key, ", ".join(str(v) for v in (value or []))), key=key,
                  help=help_text + " " + localized("panel.list_hint"), on_change=setter(param.name, read))
    problem = st.session_state.get(problem_key)
    if problem is not None:
        code, args = problem
        st.error(md_literal(render_message(code, args, lang())), icon=":material/error:")


def _fallback(param: Param):
    if not param.required and param.default is not None:
        return param.default[0] if isinstance(param.default, tuple) else param.default
    return int(param.lo) if param.lo is not None and param.kind in ("int", "size") else 1


def _mode_value(param: Param, value, mode: str):
    """The param's value after its mode was picked: "number" when it already is a number is no edit
    (the selectbox re-reports its value when a new panel replaces the old one after undo/redo, which
    reset padding 1 to the default 0)."""
    if mode == "number":
        return _KEEP if not isinstance(value, str) else _fallback(param)
    return mode


def _size_widget(param: Param, value, label: str, key: str, help_text: str, setter) -> None:
    """An int, a per-dimension tuple, or (for padding) 'same'/'valid'."""
    modes = ["number"] + list(param.strings)
    if param.strings:
        mode = value if isinstance(value, str) else "number"
        graph_value(key + ":mode", mode)
        st.selectbox(label, modes, index=modes.index(mode), key=key + ":mode", help=help_text,
                     format_func=lambda m, number=localized("panel.size_number"): number if m == "number" else m,
                     on_change=setter(param.name, lambda shown=value: _mode_value(param, shown, st.session_state[key + ":mode"])))
        if mode != "number":
            return
        label = " "
    if value is None or isinstance(value, str):
        value = _fallback(param)
    dims = list(value) if isinstance(value, tuple) else [value] * param.n
    lo = int(param.lo) if param.lo is not None else 0
    hi = int(param.hi) if param.hi is not None else None
    if param.n == 1:
        st.number_input(label, value=graph_value(key, int(dims[0])), min_value=lo, max_value=hi, step=1, key=key, help=help_text,
                        on_change=setter(param.name, lambda: int(st.session_state[key])))
        return
    cols = st.columns(param.n)
    keys = [f"{key}:{i}" for i in range(param.n)]

    def read():
        vals = [int(st.session_state[k]) for k in keys]
        return vals[0] if len(set(vals)) == 1 else vals

    for i, col in enumerate(cols):
        col.number_input(f"{label} ({'HW'[i] if param.n == 2 else i})", value=graph_value(keys[i], int(dims[i])), min_value=lo,
                         max_value=hi, step=1, key=keys[i], help=help_text, on_change=setter(param.name, read))
