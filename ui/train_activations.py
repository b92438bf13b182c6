"""The Train page's activation maps: pick a layer (in a list or on the model's graph) and see what
it makes of the fixed validation samples, from the run's latest ``activations.npz``."""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from runtime import runfiles
from runtime import runs
from ui import figures
from ui import train_cache
from ui import train_state
from ui.literal import md_literal
from ui.session import lang, localized


def activations_section(run: runs.RunInfo | None) -> None:
    st.subheader(localized("trainpage.activations"), anchor=False)
    if run is None:
        st.caption(localized("trainpage.activations_empty"))
        return
    if train_state.run_mode(run.dir, run.job) == "gan":
        st.caption(localized("trainpage.activations_gan"))
        return
    doc = runfiles.read_json(run.dir / runfiles.GRAPH) or run.job.get("graph") or {}
    _, activations = train_cache.npz(run.dir / runfiles.ACTIVATIONS)
    layers = train_state.watchable_layers(doc, list(activations) if activations else [])
    if not layers:
        st.caption(localized("trainpage.activations_wait"))
        return

    watch_key = f"tp_watch::{run.id}"
    watch = st.session_state.get(watch_key)
    if watch not in layers:
        watch = train_state.default_layer(doc, layers)

    # the graph's last click, read before the select box is drawn so both show the same layer
    graph_key = f"tp_agraph_{run.id}"
    clicked = st.session_state.get(graph_key)
    last_key = f"tp_agraph_last::{run.id}"
    if clicked != st.session_state.get(last_key):
        st.session_state[last_key] = clicked
        if clicked in layers:
            watch = clicked
    st.session_state[watch_key] = watch

    def chosen():
        st.session_state[watch_key] = st.session_state["tp_watch_select"]

    if st.session_state.get("tp_watch_select") != watch:   # an unchanged write would close an open list
        st.session_state["tp_watch_select"] = watch
    types = train_state.layer_types(doc, layers)
    pick, hint = st.columns([1, 2], vertical_alignment="bottom")
    pick.selectbox(localized("trainpage.watch_layer"), layers, key="tp_watch_select", on_change=chosen,
                   format_func=lambda n: f"{n} · {types.get(n, '')}", help=localized("trainpage.help.watch_layer"))
    hint.caption(localized("trainpage.watch_hint"))
    levels, _ = train_state.graph_extent(doc)
    if levels <= train_state.MAX_LEVELS_ACROSS:     # a chain that fits across the page: the graph as a strip above
        layer_graph(doc, set(layers), watch, key=graph_key, across=True)
        feature_maps(run.dir, doc, watch)
    else:                                           # a deep network: the graph top-down beside the maps
        graph_column, maps_column = st.columns([1, 2.2], gap="medium")
        with graph_column:
            layer_graph(doc, set(layers), watch, key=graph_key)
        with maps_column:
            feature_maps(run.dir, doc, watch)


def layer_graph(doc: dict, watchable: set[str], selected: str | None, key: str, across: bool = False):
    """The model as a clickable graph (streamlit-agraph), left to right (``across``) or top-down;
    returns the id of the node last clicked."""
    import streamlit_agraph
    nodes, edges = train_state.layer_graph(doc, watchable, selected, two_lines=across)
    if across:
        config = train_state.agraph_config(height=train_state.agraph_width_height(doc), direction="LR")
    else:
        config = train_state.agraph_config(height=train_state.agraph_height(doc))
    # agraph() takes no key; the component it wraps does (a stable key keeps it mounted across reruns)
    return streamlit_agraph._agraph(data=json.dumps({"nodes": nodes, "edges": edges}), config=json.dumps(config),
                                    key=key, default=None)


def feature_maps(run_dir: Path, doc: dict, layer: str) -> None:
    """What ``layer`` makes of each watched sample (an Input: the samples themselves)."""
    language = lang()
    version, activations = train_cache.npz(run_dir / runfiles.ACTIVATIONS)
    if not activations:
        st.caption(localized("trainpage.activations_wait"))
        return
    inputs = activations.get("input__0")
    n = len(inputs) if inputs is not None else 0
    labels = train_state.sample_labels(n, activations.get("target"),
                                       train_cache.preprocess(run_dir).get("class_names"),
                                       lambda i: localized("fig.sample_n", n=i))
    types = train_state.layer_types(doc, [layer])
    output = activations.get(f"act__{layer}")
    step = int(activations.get("step", 0))

    def build():
        if output is None:   # an Input: the samples themselves
            if inputs is not None and figures.is_image_batch(inputs):
                return figures.image_mosaic(inputs, titles=labels, title=localized("trainpage.watched_samples"), cols=n,
                                            uirevision="inputs")
            return figures.dense_activations(inputs.reshape(n, -1), layer, language)
        return figures.activation_mosaic(output, layer, language, inputs=inputs, row_labels=labels)

    spec = train_cache.figure("maps", (str(run_dir), version, layer, language), build)
    st.caption(maps_caption(layer, types.get(layer, ""), output if output is not None else inputs, step,
                            is_input=output is None))
    train_cache.chart(spec, "tp_maps")


def maps_caption(layer: str, layer_type: str, shown, step: int, is_input: bool) -> str:
    """What the maps show: a layer's output, or for an Input the samples themselves, with their shape."""
    shape = " × ".join(str(d) for d in (shown.shape[1:] if shown is not None else ())) or "–"
    if is_input:
        return localized("trainpage.maps_caption_input", layer=md_literal(layer), shape=shape, step=step)
    return localized("trainpage.maps_caption", layer=md_literal(layer), type=md_literal(layer_type or "?"),
                     shape=shape, step=step)
