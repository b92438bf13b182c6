"""The Data page's "does the graph fit" verdict (ui.data_fit's ``Fit``), drawn the same way for a data set and
for an environment: what binds to the Input and the Output when it fits; else the message naming the node,
a hint, a template made for this data (one click) and the way to the Build page."""
from __future__ import annotations

import streamlit as st

from builder.i18n import pick
from ui import data_view
from ui.data_fit import Fit
from ui.literal import md_literal
from ui.nav import page
from ui.session import localized


def input_lines(fit: Fit) -> list[str]:
    agent = fit.mode == "rl"          # an environment feeds observations, not data
    lines = []
    for b in fit.bindings:
        same = b["from"] == b["to"]
        key = ("dataenv.fit_input_same" if same else "dataenv.fit_input_reshape") if agent else \
            ("datapage.fit_input_same" if same else "datapage.fit_input_reshape")
        lines.append(localized(key, src=data_view.fmt_shape(b["from"]), dst=data_view.fmt_shape(b["to"]),
                               input=md_literal(b["input"]), source=md_literal(b["source"])))
    return lines


def output_line(fit: Fit) -> str | None:
    out = fit.output or {}
    if not out:
        return None
    args = {"output": md_literal(out["name"]), "shape": data_view.fmt_shape(out["shape"])}
    if "actions" in out:
        return localized("dataenv.fit_actions", actions=out["actions"], **args)
    if "classes" in out:
        return localized("datapage.fit_classes", classes=out["classes"], **args)
    if "width" in out:
        return localized("datapage.fit_regression", width=out["width"], **args)
    return localized("datapage.fit_output", **args)


def show(ws, fit: Fit, made_for: list, language: str) -> None:
    """Draw the verdict; ``made_for``: the gallery's templates made for the chosen data (offered when it does not fit)."""
    graph = fit.graph
    if fit.ok:
        lines = [localized("datapage.fit_ok", graph=md_literal(graph), mode=localized("mode." + (fit.mode or "auto")))]
        lines += input_lines(fit) + [line for line in [output_line(fit)] if line]
        st.success("  \n".join(lines), icon=":material/check_circle:")
    elif fit.status == "graph_invalid":
        st.warning(localized("datapage.fit_graph_invalid", graph=md_literal(graph), n=fit.n_graph_errors),
                   icon=":material/warning:")
        st.page_link(page("build"), label=localized("datapage.go_build"), icon=":material/account_tree:")
    else:
        text = [localized("datapage.fit_no", graph=md_literal(graph)), md_literal(fit.error.message(language))]
        if fit.hint_key:
            text.append(localized(fit.hint_key, **{k: md_literal(v) for k, v in fit.hint_args().items()}))
        st.error("  \n".join(text), icon=":material/block:")
        with st.container(horizontal=True, vertical_alignment="center"):
            for t in made_for:          # a template made for this data: one click to a graph that fits
                if st.button(localized("datapage.open_template", name=t.name), key=f"open_template_{t.key}",
                             icon=":material/library_add:", help=pick(t.meta.get("description"), language)):
                    ws.open_doc(t.document())
                    st.rerun()
            st.page_link(page("build"), label=localized("datapage.go_build"), icon=":material/account_tree:")
