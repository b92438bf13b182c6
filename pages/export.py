"""Export: the model's code, a standalone train.py, trained weights, ONNX, a zip of everything, and trying the model."""
from __future__ import annotations

import numpy as np
import streamlit as st

from builder.codegen import generate
from builder.errors import CodedError
from builder.shapes import check
from runtime.export import (
    Predictor,
    bundle_bytes,
    export_onnx,
    load_run,
    safetensors_bytes,
    state_dict_bytes,
    training_script,
)
from ui import export_view, figures
from ui.draw import drawing_pad
from ui.nav import page
from ui.session import ensure_app_shell, lang, tr, workspace

ensure_app_shell()
ws = workspace()
L = lang()

st.subheader(tr("export.title"))
available = export_view.exportable_runs()
labels = {export_view.GRAPH_ONLY: tr("exportpage.graph_only", name=ws.tab.name)}
labels.update({r.id: export_view.run_label(r) for r in available})
options = list(labels)
default = export_view.default_source(available, ws.tab.name)
source = st.selectbox(tr("exportpage.source"), options, index=options.index(default), format_func=labels.get,
                      key="export_source")
run_info = next((r for r in available if r.id == source), None)

if run_info is None:
    graph, discriminator = ws.tab.doc, None
    config = export_view.script_config(ws.data_choice(), graph)
    preprocess = None
    if not available:
        st.info(tr("export.no_runs"), icon=":material/info:")
else:
    run = load_run(run_info.dir)
    graph, discriminator = run.graph, run.discriminator
    config, preprocess = run.config, run.preprocess

result = check(graph)
if not result.ok:   # exports of invalid graphs are refused with the checker's messages
    st.error(tr("export.graph_invalid", which=tr("exportpage.model")), icon=":material/error:")
    for err in result.errors:
        st.markdown(f"- {err.message(L)}")
    st.page_link(page("build"), label=tr("exportpage.fix_on_build"), icon=":material/account_tree:")
    st.stop()

names = [tr("exportpage.tab_code"), tr("exportpage.tab_script"), tr("exportpage.tab_weights"), tr("exportpage.tab_onnx"),
         tr("exportpage.tab_bundle"), tr("export.try_model")]
tab_code, tab_script, tab_weights, tab_onnx, tab_bundle, tab_try = st.tabs(names)
stem = (graph.get("name") or "model").replace(" ", "_")

with tab_code:
    source_code = generate(graph, result).source
    st.caption(tr("exportpage.code_help"))
    st.download_button(tr("build.download_code"), source_code, file_name="model.py", mime="text/x-python",
                       icon=":material/download:", key="dl_model")
    st.code(source_code, language="python", line_numbers=True)

with tab_script:
    st.caption(tr("exportpage.script_help"))
    try:
        script = training_script(graph, config, preprocess, discriminator)
    except CodedError as exc:
        st.error(exc.message(L))
    else:
        st.download_button(tr("export.download_script"), script, file_name="train.py", mime="text/x-python",
                           icon=":material/download:", key="dl_script")
        st.code(script, language="python", line_numbers=True)


def needs_run() -> bool:
    if run_info is None:
        st.info(tr("exportpage.needs_run"), icon=":material/model_training:")
        return True
    return False


with tab_weights:
    if not needs_run():
        st.caption(tr("exportpage.weights_help"))
        c1, c2 = st.columns(2)
        c1.download_button(tr("export.download_safetensors"), safetensors_bytes(run), file_name=f"{stem}.safetensors",
                           icon=":material/download:", key="dl_safetensors")
        c2.download_button(tr("export.download_pt"), state_dict_bytes(run), file_name=f"{stem}.pt",
                           icon=":material/download:", key="dl_pt")

with tab_onnx:
    if not needs_run():
        st.caption(tr("exportpage.onnx_help"))
        dynamic = st.toggle(tr("export.dynamic_batch"), value=True, key="onnx_dynamic")
        with_pre = st.toggle(tr("export.include_preprocess"), value=False, key="onnx_pre")
        cache_key = (run_info.id, dynamic, with_pre)
        if st.button(tr("exportpage.make_onnx"), icon=":material/build:", key="make_onnx"):
            with st.spinner(tr("exportpage.working")):
                try:
                    st.session_state["onnx"] = (cache_key, export_onnx(run, dynamic_batch=dynamic,
                                                                       with_preprocess=with_pre))
                except CodedError as exc:
                    st.session_state["onnx"] = (cache_key, exc)
        made = st.session_state.get("onnx")
        if made and made[0] == cache_key:
            if isinstance(made[1], Exception):
                st.error(made[1].message(L))
            else:
                st.success(tr("export.onnx_diff", diff=f"{made[1].max_abs_diff:.2e}"), icon=":material/check_circle:")
                st.download_button(tr("export.download_onnx"), made[1].data, file_name=f"{stem}.onnx",
                                   icon=":material/download:", key="dl_onnx")

with tab_bundle:
    if not needs_run():
        st.caption(tr("exportpage.bundle_help"))
        with_onnx = st.toggle(tr("exportpage.bundle_onnx"), value=False, key="bundle_onnx")
        if st.button(tr("exportpage.make_bundle"), icon=":material/folder_zip:", key="make_bundle"):
            with st.spinner(tr("exportpage.working")):
                try:
                    st.session_state["bundle"] = ((run_info.id, with_onnx), bundle_bytes(run, lang=L, onnx=with_onnx))
                except CodedError as exc:
                    st.error(exc.message(L))
        made = st.session_state.get("bundle")
        if made and made[0] == (run_info.id, with_onnx):
            st.download_button(tr("export.download_zip"), made[1], file_name=f"{stem}-netcanvas.zip",
                               mime="application/zip", icon=":material/download:", key="dl_bundle", type="primary")


@st.cache_data(max_entries=4, show_spinner=False)
def builtin_samples(name: str, options_json: str, count: int = 64):
    """A few raw samples of a built-in set (the data the run trained on), for picking one to try."""
    import json

    from runtime.data import builtin
    ds = builtin.load(name, **json.loads(options_json))
    take = min(count, len(ds))
    inputs = {k: v[:take].numpy() for k, v in ds.inputs.items()}
    target = ds.target[:take].numpy() if ds.target is not None else None
    return inputs, target, ds.class_names, ds.vocab


def show_prediction(prediction: dict) -> None:
    if "probabilities" in prediction:
        st.markdown(f"**{tr('export.prediction', label=prediction['labels'][0])}**")
        st.plotly_chart(figures.class_probabilities(prediction["probabilities"][0], prediction["class_names"], L),
                        key="probs_chart")
    elif "values" in prediction:
        st.metric(tr("exportpage.predicted_value"), np.array2string(np.asarray(prediction["values"][0]), precision=4))
    elif "reconstruction" in prediction:
        st.plotly_chart(figures.image_grid(np.asarray(prediction["reconstruction"])[:1],
                                           title=tr("export.reconstruction")), key="recon_chart")


with tab_try:
    if not needs_run():
        try:
            predictor = Predictor(run)
            kind = export_view.try_kind(predictor)
            if kind == "draw":
                shape = next(iter(predictor.data_inputs().values()))["shape"]
                left, right = st.columns([1, 1.4])
                with left:
                    st.caption(tr("exportpage.draw_help"))
                    drawing = drawing_pad((int(shape[1]), int(shape[2])),
                                          {"clear": tr("exportpage.clear"), "hint": tr("exportpage.draw_hint")},
                                          key=f"pad_{run_info.id}")
                with right:
                    if drawing is not None and drawing.max() > 0:
                        show_prediction(predictor.predict(export_view.drawing_to_input(drawing, shape)))
                    else:
                        st.info(tr("exportpage.draw_first"), icon=":material/draw:")
            elif kind == "features":
                st.caption(tr("exportpage.features_help"))
                cols = st.columns(4)
                values = [cols[i % 4].number_input(name, value=float(round(default, 4)), format="%g",
                                                    key=f"feat_{run_info.id}_{i}")
                          for i, (name, default) in enumerate(export_view.feature_defaults(predictor))]
                show_prediction(predictor.predict(np.asarray([values], dtype=np.float32)))
            elif kind == "text":
                text = st.text_input(tr("exportpage.text_label"), value=tr("exportpage.text_example"),
                                     key=f"text_{run_info.id}")
                show_prediction(predictor.predict(text))
            elif kind == "generate":
                seed = st.number_input(tr("exportpage.seed"), min_value=0, value=0, step=1, key="gen_seed")
                samples = predictor.sample(16, seed=int(seed))
                if samples.ndim >= 3:
                    st.plotly_chart(figures.image_grid(samples, title=tr("export.samples")), key="gen_grid")
                else:
                    st.plotly_chart(figures.points_2d(samples.reshape(len(samples), -1), None, None, L,
                                                      title=tr("export.samples")), key="gen_points")
            else:
                record = predictor.record or {}
                data_name = record.get("data")
                from runtime.data import builtin
                if data_name not in builtin.names():
                    st.info(tr("exportpage.sample_builtin_only"), icon=":material/info:")
                else:
                    import json
                    inputs, target, class_names, vocab = builtin_samples(
                        data_name, json.dumps(run.config.get("data_options") or {}, sort_keys=True))
                    n = len(next(iter(inputs.values())))
                    i = st.slider(tr("exportpage.pick_sample"), 0, n - 1, 0, key=f"sample_{run_info.id}")
                    raw = {k: v[i:i + 1] for k, v in inputs.items()}
                    if target is not None and class_names:
                        st.caption(tr("exportpage.true_label", label=class_names[int(target[i])]))
                    first = next(iter(raw.values()))
                    if first.ndim == 4:   # an image: show what goes in
                        st.plotly_chart(figures.image_grid(first, title=tr("exportpage.input")), key="input_img")
                    show_prediction(predictor.predict(raw if len(raw) > 1 else next(iter(raw.values()))))
        except CodedError as exc:
            st.error(exc.message(L))
