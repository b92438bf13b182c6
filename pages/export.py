"""Export: the model's code, a standalone train.py, trained weights, ONNX, a zip of everything, and trying the model."""
from __future__ import annotations

import streamlit as st

from builder.codegen import generate
from builder.errors import CodedError
from builder.shapes import check
from runtime.export import (
    bundle_bytes,
    export_onnx,
    load_run,
    safetensors_bytes,
    state_dict_bytes,
    training_script,
)
from ui import compress_view, export_view, try_model
from ui.literal import md_literal
from ui.nav import page
from ui.session import ensure_app_shell, lang, localized, made_with, workspace

ensure_app_shell()
ws = workspace()
language = lang()

st.subheader(localized("export.title"))
available = export_view.exportable_runs()
labels = {export_view.GRAPH_ONLY: localized("exportpage.graph_only", name=ws.tab.name)}
labels.update({r.id: export_view.run_label(r, language) for r in available})
options = list(labels)
default = export_view.default_source(available, ws.tab.name)
source = st.selectbox(localized("exportpage.source"), options, index=options.index(default), format_func=labels.get,
                      key="export_source")
run_info = next((r for r in available if r.id == source), None)

if run_info is None:
    graph, discriminator = ws.tab.doc, None
    config = export_view.script_config(ws.data_choice(), graph)
    preprocess = None
    if not available:
        st.info(localized("export.no_runs"), icon=":material/info:")
else:
    try:
        run = load_run(run_info.dir)
    except CodedError as exc:   # a damaged or refused checkpoint: say so; the other runs stay a pick away
        st.error(md_literal(exc.message(language)), icon=":material/error:")
        st.caption(localized("exportpage.pick_another"))
        st.stop()
    graph, discriminator = run.graph, run.discriminator
    config, preprocess = run.config, run.preprocess

result = check(graph)
if not result.ok:   # exports of invalid graphs are refused with the checker's messages
    st.error(localized("export.graph_invalid", which=localized("exportpage.model")), icon=":material/error:")
    for err in result.errors:
        st.markdown(f"- {md_literal(err.message(language))}")
    st.page_link(page("build"), label=localized("exportpage.fix_on_build"), icon=":material/account_tree:")
    st.stop()

TAB_WORDS = {"code": "exportpage.tab_code", "script": "exportpage.tab_script", "weights": "exportpage.tab_weights",
             "onnx": "exportpage.tab_onnx", "bundle": "exportpage.tab_bundle", "try": "export.try_model",
             "compress": "compresspage.tab"}
tab_labels = {name: localized(key) for name, key in TAB_WORDS.items()}
# The open tab is remembered by name, not label: a language switch redraws the tabs with new labels (a new
# widget per language) and they open where they were.
tabs_key = f"export_tabs_{language}"


def remember_tab() -> None:
    label = st.session_state.get(tabs_key)
    st.session_state["export_open_tab"] = next((name for name, text in tab_labels.items() if text == label), "code")


# New tabs open on the remembered tab; while shown they keep the default they were made with (made_with).
open_tab = made_with(tabs_key, st.session_state.get("export_open_tab", "code"))
tab_code, tab_script, tab_weights, tab_onnx, tab_bundle, tab_try, tab_compress = st.tabs(
    list(tab_labels.values()), default=tab_labels.get(open_tab, tab_labels["code"]), key=tabs_key, on_change=remember_tab)
stem = (graph.get("name") or "model").replace(" ", "_")

with tab_code:
    source_code = generate(graph, result).source
    st.caption(localized("exportpage.code_help"))
    st.download_button(localized("build.download_code"), source_code, file_name="model.py", mime="text/x-python",
                       icon=":material/download:", key="dl_model")
    st.code(source_code, language="python", line_numbers=True)

with tab_script:
    st.caption(localized("exportpage.script_help"))
    try:
        script = training_script(graph, config, preprocess, discriminator)
    except CodedError as exc:
        st.error(md_literal(exc.message(language)))
    else:
        st.download_button(localized("export.download_script"), script, file_name="train.py", mime="text/x-python",
                           icon=":material/download:", key="dl_script")
        st.code(script, language="python", line_numbers=True)


def needs_run() -> bool:
    if run_info is None:
        st.info(localized("exportpage.needs_run"), icon=":material/model_training:")
        return True
    return False


with tab_weights:
    if not needs_run():
        st.caption(localized("exportpage.weights_help"))
        c1, c2 = st.columns(2)
        c1.download_button(localized("export.download_safetensors"), safetensors_bytes(run), file_name=f"{stem}.safetensors",
                           icon=":material/download:", key="dl_safetensors")
        c2.download_button(localized("export.download_pt"), state_dict_bytes(run), file_name=f"{stem}.pt",
                           icon=":material/download:", key="dl_pt")

with tab_onnx:
    if not needs_run():
        st.caption(localized("exportpage.onnx_help"))
        dynamic = st.toggle(localized("export.dynamic_batch"), value=True, key="onnx_dynamic")
        with_pre = st.toggle(localized("export.include_preprocess"), value=False, key="onnx_pre")
        cache_key = (run_info.id, dynamic, with_pre)
        if st.button(localized("exportpage.make_onnx"), icon=":material/build:", key="make_onnx"):
            with st.spinner(localized("exportpage.working")):
                try:
                    st.session_state["onnx"] = (cache_key, export_onnx(run, dynamic_batch=dynamic,
                                                                       with_preprocess=with_pre))
                except CodedError as exc:
                    st.session_state["onnx"] = (cache_key, exc)
        made = st.session_state.get("onnx")
        if made and made[0] == cache_key:
            if isinstance(made[1], Exception):
                st.error(md_literal(made[1].message(language)))
            else:
                st.success(localized("export.onnx_diff", diff=f"{made[1].max_abs_diff:.2e}"), icon=":material/check_circle:")
                st.download_button(localized("export.download_onnx"), made[1].data, file_name=f"{stem}.onnx",
                                   icon=":material/download:", key="dl_onnx")

with tab_bundle:
    if not needs_run():
        st.caption(localized("exportpage.bundle_help"))
        with_onnx = st.toggle(localized("exportpage.bundle_onnx"), value=False, key="bundle_onnx")
        if st.button(localized("exportpage.make_bundle"), icon=":material/folder_zip:", key="make_bundle"):
            with st.spinner(localized("exportpage.working")):
                try:
                    st.session_state["bundle"] = ((run_info.id, with_onnx), bundle_bytes(run, lang=language, onnx=with_onnx))
                except CodedError as exc:
                    st.error(md_literal(exc.message(language)))
        made = st.session_state.get("bundle")
        if made and made[0] == (run_info.id, with_onnx):
            st.download_button(localized("export.download_zip"), made[1], file_name=f"{stem}-netcanvas.zip",
                               mime="application/zip", icon=":material/download:", key="dl_bundle", type="primary")


with tab_try:
    if not needs_run():
        try_model.render(run, run_info.id, language)

with tab_compress:
    if not needs_run():
        compress_view.render(run_info, language)
