"""The Train page's live views: status and curves, activation maps, diagnostics.

Each live view is an ``st.fragment`` that reruns on its own about once a second while
the run is live, reads only what the run appended since the last look (byte offsets
kept in ``st.session_state``), and redraws Plotly figures with a fixed ``uirevision``
so zoom and hidden traces survive the refresh. Figures are rebuilt only when the file
behind them changed.
"""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import numpy as np
import streamlit as st

from builder.errors import CodedError, render_message
from runtime import runfiles as rf
from runtime import runs
from runtime.config import BY_NAME
from ui import figures as F
from ui import live_plot
from ui.literal import html_literal, md_literal
from ui import train_state as ts
from ui.session import device_text, labeller, lang, tr

CACHE = "tp_cache"          # {"tails": {path: Tail}, "figs": {name: (version, fig)}, "npz": {path: (version, dict)}}
CURRENT = "tp_current"      # id of the run the page shows
LIVE_EVERY = 2.0            # seconds between refreshes of the numbers and curves while a run is live
SLOW_EVERY = 6.0            # activations, diagnostics, learning rate and speed
FIRST_POINT_EVERY = 0.25    # while a new run has drawn nothing yet
CURVE_EVERY = 2.0           # the big curves are redrawn at most this often
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
               "responsive": True}

STATE_COLORS = {"queued": "gray", "starting": "gray", "running": "blue", "paused": "orange", "finished": "green",
                "stopped": "violet", "failed": "red", "died": "red"}
STATE_ICONS = {"queued": ":material/hourglass_empty:", "starting": ":material/hourglass_top:",
               "running": ":material/play_circle:", "paused": ":material/pause_circle:",
               "finished": ":material/check_circle:", "stopped": ":material/stop_circle:",
               "failed": ":material/error:", "died": ":material/error:"}


# -- session caches ------------------------------------------------------------------------------
def cache() -> dict:
    return st.session_state.setdefault(CACHE, {"tails": {}, "figs": {}, "npz": {}})


def metrics(run_dir: Path) -> ts.Tail:
    return ts.tail(cache()["tails"], Path(run_dir) / rf.METRICS)


def stats(run_dir: Path) -> ts.Tail:
    return ts.tail(cache()["tails"], Path(run_dir) / rf.STATS)


def npz(path: Path) -> tuple[int | None, dict | None]:
    """An npz file's arrays, re-read only when the file was replaced."""
    version = ts.file_version(path)
    store = cache()["npz"]
    hit = store.get(str(path))
    if hit is not None and hit[0] == version:
        return hit
    data = rf.read_npz(path) if version is not None else None
    if data is None and hit is not None:   # being replaced right now: keep the last good one
        return hit
    store[str(path)] = (version, data)
    return version, data


def json_file(path: Path) -> tuple[int | None, dict | None]:
    version = ts.file_version(path)
    store = cache()["npz"]
    hit = store.get(str(path))
    if hit is not None and hit[0] == version:
        return hit
    data = rf.read_json(path)
    store[str(path)] = (version, data)
    return version, data


def figure(name: str, version, build, min_interval: float = 0.0) -> dict:
    """The figure ``build()`` makes, as a Plotly JSON spec, built once per ``version``
    (anything hashable that changes with the data and the language), and at most once
    per ``min_interval`` seconds while the first element of ``version`` stays the same."""
    c = cache()
    figs = c["figs"]
    hit = figs.get(name)
    now = time.monotonic()
    if hit is not None and (hit[0] == version or (
            now - hit[2] < min_interval and isinstance(version, tuple) and hit[0][:1] == version[:1]
            and hit[0][-1:] == version[-1:])):
        return hit[1]
    fig = build()
    spec = live_plot.spec(fig) if not isinstance(fig, dict) else dict(fig)
    c["serial"] = c.get("serial", 0) + 1
    spec["_rev"] = c["serial"]          # tells the browser whether there is anything new to draw
    figs[name] = (version, spec, now)
    return spec


def curve(name: str, version, series, shape, build, min_interval: float = 0.0) -> dict:
    """A live curve: built as a Plotly figure once per ``shape`` (run, language, traces),
    then refreshed by swapping the traces' arrays into that spec (no Plotly objects)."""
    shells = cache().setdefault("shells", {})
    key = (shape, tuple(kind for kind, _, _ in series))
    if shells.get(name, (None,))[0] != key:
        min_interval = 0.0      # a new trace (the first point, the first epoch) is drawn at once

    def make():
        shell = shells.get(name)
        if shell is None or shell[0] != key:
            spec = live_plot.spec(build())
            shells[name] = (key, spec)
            return spec
        return F.patch_spec(shell[1], series)

    return figure(name, version, make, min_interval)


def chart(spec: dict, key: str) -> None:
    """A chart that updates in place (zoom kept, no blink); the browser redraws only when ``spec`` changed."""
    with st.container(key=key):
        live_plot.live_plot({k: v for k, v in spec.items() if k != "_rev"}, key="plot_" + key,
                            rev=spec.get("_rev"), config=PLOT_CONFIG)


# -- keeping the refresh cheap -----------------------------------------------------------------------
_GC_LOCK = threading.Lock()
_GC_STATE = {"at": None}
GC_EVERY = 60.0


def calm_gc() -> None:
    """Make Streamlit's collection after every script run nearly free.

    Streamlit calls ``gc.collect(2)`` after each run (``runner.postScriptGC``); with torch,
    plotly and pandas imported that walks ~250,000 objects, ~0.1 s of CPU per run: for a
    page refreshing every second, 10% of a core taken from the training it shows. Frozen
    objects (``gc.freeze``) are skipped by the collector, so the long-lived ones are
    frozen; once a minute they are unfrozen, collected and frozen again, so cyclic garbage
    among them still goes.
    """
    now = time.monotonic()
    with _GC_LOCK:
        if _GC_STATE["at"] is not None and now - _GC_STATE["at"] < GC_EVERY:
            return
        _GC_STATE["at"] = now
        gc.unfreeze()
        gc.collect()
        gc.freeze()


# -- starting and controlling runs -----------------------------------------------------------------
def prewarm() -> None:
    """Keep a spare worker (torch imported) waiting, so Start is quick; a no-op while one waits."""
    runs.prewarm()


def start_run(setup) -> Path | None:
    """Start the run; a runs folder that cannot be written is a message here (and None), not a traceback."""
    try:
        run_dir = runs.start(setup.graph, setup.config, setup.discriminator, root=runs.default_root(),
                             label=setup.graph_name)
    except CodedError as exc:
        st.error(md_literal(exc.message(lang())), icon=":material/error:")
        return None
    st.session_state[CURRENT] = run_dir.name
    st.session_state["tp_started_at"] = time.time()
    return run_dir


def current_run() -> runs.RunInfo | None:
    infos = runs.list_runs(runs.default_root())
    run = ts.active_run(infos, st.session_state.get(CURRENT))
    if run is not None:
        st.session_state[CURRENT] = run.id
    return run


def is_live(run: runs.RunInfo | None) -> bool:
    return run is not None and run.state in runs.LIVE_STATES


def mode_of(run_dir: Path, job: dict) -> str | None:
    status = runs.read_status(run_dir) or {}
    if status.get("mode"):
        return status["mode"]
    pre = rf.read_json(Path(run_dir) / rf.PREPROCESS) or {}
    return pre.get("mode") or (job.get("config") or {}).get("mode")


def error_message(status: dict, L: str) -> str | None:
    state = status.get("state")
    if state == "failed":
        err = status.get("error") or {}
        code = err.get("code")
        if code:
            return render_message(code, err.get("args") or {}, L)
        return err.get("message") or tr("trainpage.failed_unknown")
    if state == "died":
        return tr("trainpage.died")
    return None


# -- the live panel: status, progress, curves --------------------------------------------------------
def live_panel(run: runs.RunInfo | None) -> None:
    """The run's header and controls (redrawn when its state changes), then the live part:
    state, progress and numbers (one element) and the big curves, refreshed every LIVE_EVERY seconds."""
    if run is None:
        with st.container(border=True, key="tp_empty"):
            st.markdown(f"#### :material/show_chart: {tr('trainpage.empty_title')}")
            st.markdown(tr("trainpage.empty_body"))
        return
    status = runs.read_status(run.dir) or {}
    state = status.get("state", "queued")
    header(run.dir, run.job, status)
    every = None
    if state in runs.LIVE_STATES:
        # until the first point is there, look often (Start -> first point is what a newcomer waits for)
        every = LIVE_EVERY if metrics(run.dir).records else FIRST_POINT_EVERY

    @st.fragment(run_every=every)
    def panel():
        _panel(run.dir, run.job, every, state)

    panel()


def header(run_dir: Path, job: dict, status: dict) -> None:
    L = lang()
    state = status.get("state", "queued")
    mode = status.get("mode") or mode_of(run_dir, job)
    cfg = job.get("config") or {}
    details = [str(status.get("data") or cfg.get("data") or "")]
    if mode and mode != "auto":
        details.append(tr("mode." + mode))
    details.append(device_text(status))
    head, b1, b2 = st.columns([3, 0.62, 0.62], vertical_alignment="center")
    # names come from users' graph files and data: literal text, in a line that allows HTML
    head.markdown(f"#### {STATE_ICONS.get(state, '')} {md_literal(job.get('label', run_dir.name))} "
                  f"<small style='color:#6b7280;font-weight:400'>· {md_literal(' · '.join(d for d in details if d))}"
                  f"</small>", unsafe_allow_html=True)
    if state == "paused":
        if b1.button(tr("trainpage.resume"), icon=":material/play_arrow:", key="tp_resume", width="stretch"):
            runs.resume(run_dir)
            st.toast(tr("trainpage.resuming"))
    else:
        if b1.button(tr("trainpage.pause"), icon=":material/pause:", key="tp_pause", width="stretch",
                     disabled=state not in runs.LIVE_STATES):
            runs.pause(run_dir)
            st.toast(tr("trainpage.pausing"))
    if b2.button(tr("trainpage.stop"), icon=":material/stop:", key="tp_stop", width="stretch",
                 disabled=state not in runs.LIVE_STATES):
        runs.stop(run_dir)
        st.toast(tr("trainpage.stopping"))
    message = error_message(status, L)
    if message:
        st.error(f"**{tr('trainpage.failed_title')}** {md_literal(message)}\n\n{tr('trainpage.what_to_try')}",
                 icon=":material/error:")
    elif status.get("stop_reason") == "early_stopping":
        st.info(tr("trainpage.early_stopped"), icon=":material/timer_off:")


def _controls(state: str) -> str:
    """What the buttons offer in a state: Pause and Stop, Resume and Stop, or nothing (Start)."""
    return "paused" if state == "paused" else ("live" if state in runs.LIVE_STATES else "ended")


BADGE = {"gray": ("#f3f4f6", "#4b5563"), "blue": ("#dbeafe", "#1d4ed8"), "orange": ("#ffedd5", "#c2410c"),
         "green": ("#dcfce7", "#15803d"), "violet": ("#ede9fe", "#6d28d9"), "red": ("#fee2e2", "#b91c1c")}


def status_html(state: str, run_id: str, p: dict, progress_text: str, tiles: list[tuple[str, str]]) -> str:
    """State badge, progress bar and the numbers that matter now, as one HTML block.

    One element instead of a dozen: every element a fragment redraws costs the browser a
    React update, and this one is redrawn at every refresh. Everything inside is escaped.
    """
    bg, fg = BADGE[STATE_COLORS.get(state, "gray")]
    pct = max(0.0, min(100.0, 100 * float(p.get("fraction") or 0)))
    e = html_literal
    cells = "".join(
        f"<div style='flex:1;min-width:0'><div style='color:#6b7280;font-size:0.85rem'>{e(label)}</div>"
        f"<div style='font-size:1.9rem;font-weight:500;line-height:1.25;color:#111827'>{e(value)}</div></div>"
        for label, value in tiles)
    return (
        "<div class='nc-status'>"
        f"<div style='display:flex;align-items:center;gap:0.6rem;margin-bottom:0.35rem'>"
        f"<span style='background:{bg};color:{fg};border-radius:0.5rem;padding:0.1rem 0.55rem;font-size:0.85rem;"
        f"font-weight:600'>● {e(tr('trainpage.state.' + state))}</span>"
        f"<span style='color:#6b7280;font-size:0.85rem'>{e(tr('trainpage.run_id', id=run_id))}</span></div>"
        f"<div style='font-size:0.9rem;color:#374151;margin:0.2rem 0'>{e(progress_text)}</div>"
        f"<div style='height:0.5rem;background:#eef0f6;border-radius:0.25rem;overflow:hidden'>"
        f"<div style='width:{pct:.1f}%;height:100%;background:#4f46e5'></div></div>"
        f"<div style='display:flex;gap:1rem;margin:0.9rem 0 0.2rem'>{cells}</div></div>")


def _panel(run_dir: Path, job: dict, every: float | None, drawn_state: str) -> None:
    calm_gc()
    L = lang()
    status = runs.read_status(run_dir) or {}
    state = status.get("state", "queued")
    if every is not None and _controls(state) != _controls(drawn_state):
        st.rerun()      # paused, resumed, finished, stopped or failed: redraw the page (buttons, runs list)
    tail = metrics(run_dir)
    records = tail.records
    if every == FIRST_POINT_EVERY and records and len(records) > 2:
        st.rerun()      # the run is under way: back to the calm refresh rate
    mode = status.get("mode") or mode_of(run_dir, job)

    p = ts.progress(status, records)
    text = tr("trainpage.progress", epoch=p["epoch"], epochs=p["epochs"] or "?", step=p["step"],
              total=p["total"] or "?", elapsed=ts.clock(p["elapsed"]))
    if p["eta"] is not None:
        text += " · " + tr("trainpage.eta", eta=ts.clock(p["eta"]))
    if state in ("queued", "starting") and not records:
        text = tr("trainpage.starting")
    plots = ts.panels(mode)
    first = plots[0][1][0]
    val_key = "val_" + (plots[1][1][0] if len(plots) > 1 and len(plots[1][1]) == 1 else "loss")
    tiles = [(tr(f"fig.{first}"), _fmt(ts.latest(records, first, "step"))),
             (tr("trainpage.val_metric", metric=tr(f"fig.{val_key[4:]}")),
              _fmt(ts.latest(records, val_key, "epoch"), pct=val_key.endswith("acc"))),
             (tr("fig.speed"), _fmt(p["samples_per_s"], digits=0)),
             (tr("fig.lr"), _fmt(ts.latest(records, "lr", "step"), sci=True))]
    with st.container(key="tp_status"):
        st.markdown(status_html(state, run_dir.name, p, text, tiles), unsafe_allow_html=True)

    # the curves: big, side by side
    version = (run_dir.name, tail.version, L)
    cols = st.columns(len(plots)) if len(plots) > 1 else [st.container()]
    for i, (title_key, keys) in enumerate(plots):
        if len(keys) == 1:
            series = ts.thin(F.metric_series(records, keys[0]))
            build = (lambda k=keys[0], tk=title_key: F.metric_curve(records, k, L, tk).update_layout(height=360))
        else:
            series = ts.thin(F.curves_series(records, keys))
            build = (lambda k=keys, tk=title_key: F.curves(records, k, L, tk).update_layout(height=360))
        spec = curve(f"curve{i}", version, series, (run_dir.name, L, title_key), build,
                     min_interval=CURVE_EVERY if every else 0)
        spec = dict(spec, layout=dict(spec["layout"], meta={"run": run_dir.name}))   # which run it shows
        with cols[i]:
            chart(spec, f"tp_curve_{i}")


def rate_charts(run: runs.RunInfo | None) -> None:
    """Learning rate and samples/s: they change slowly, so they refresh with the slower views."""
    if run is None:
        return
    L = lang()
    tail = metrics(run.dir)
    records = tail.records
    version = (run.dir.name, tail.version, L)
    small = st.columns(2)
    with small[0]:
        chart(curve("lr", version, ts.thin(F.step_series(records, "lr")), (run.dir.name, L),
                    lambda: F.lr_curve(records, L)), "tp_lr")
    with small[1]:
        series = ts.smooth(ts.thin(F.step_series(records, "samples_per_s")))     # jumpy: rates of short windows
        chart(curve("speed", version, series, (run.dir.name, L),
                    lambda: F.patch_spec(live_plot.spec(F.speed_curve(records, L)), series)), "tp_speed")


def _fmt(value, digits: int = 4, pct: bool = False, sci: bool = False) -> str:
    if value is None:
        return "–"
    if pct:
        return f"{100 * value:.1f}%"
    if sci:
        return f"{value:.2e}"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


# -- activation maps ----------------------------------------------------------------------------------
def insights(run: runs.RunInfo | None) -> None:
    """Activation maps and diagnostics: one fragment, refreshed every few seconds while the run is live
    (a layer click, a layer pick or a diagnostics tab reruns just this part of the page)."""
    every = SLOW_EVERY if is_live(run) else None

    @st.fragment(run_every=every)
    def body():
        rate_charts(run)
        activations_section(run)
        diagnostics_section(run)

    body()


def activations_section(run: runs.RunInfo | None) -> None:
    st.subheader(tr("trainpage.activations"), anchor=False)
    if run is None:
        st.caption(tr("trainpage.activations_empty"))
        return
    L = lang()
    mode = mode_of(run.dir, run.job)
    if mode == "gan":
        st.caption(tr("trainpage.activations_gan"))
        return
    doc = rf.read_json(run.dir / rf.GRAPH) or run.job.get("graph") or {}
    _, acts = npz(run.dir / rf.ACTIVATIONS)
    keys = list(acts) if acts else []
    layers = ts.watchable_layers(doc, keys)
    if not layers:
        st.caption(tr("trainpage.activations_wait"))
        return

    watch_key = f"tp_watch::{run.id}"
    watch = st.session_state.get(watch_key)
    if watch not in layers:
        watch = ts.default_layer(doc, layers)

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
    types = {n.get("id"): n.get("type", "") for n in doc.get("nodes", [])}
    pick, hint = st.columns([1, 2], vertical_alignment="bottom")
    pick.selectbox(tr("trainpage.watch_layer"), layers, key="tp_watch_select", on_change=chosen,
                   format_func=lambda n: f"{n} · {types.get(n, '')}", help=tr("trainpage.help.watch_layer"))
    hint.caption(tr("trainpage.watch_hint"))
    levels, breadth = ts.graph_extent(doc)
    if levels <= ts.MAX_LEVELS_ACROSS:     # a chain that fits across the page: the graph as a strip above the maps
        layer_graph(doc, set(layers), watch, key=graph_key, across=True)
        _maps(run.dir, doc, watch, L)
    else:                                  # a deep network: the graph top-down beside the maps
        left, right = st.columns([1, 2.2], gap="medium")
        with left:
            layer_graph(doc, set(layers), watch, key=graph_key)
        with right:
            _maps(run.dir, doc, watch, L)


def layer_graph(doc: dict, watchable: set[str], selected: str | None, key: str, across: bool = False):
    """The model as a clickable graph (streamlit-agraph), left to right (``across``) or top-down;
    returns the id of the node last clicked."""
    import json

    import streamlit_agraph
    nodes, edges = ts.layer_graph(doc, watchable, selected, two_lines=across)
    if across:
        config = ts.agraph_config(height=ts.agraph_width_height(doc), direction="LR")
    else:
        config = ts.agraph_config(height=ts.agraph_height(doc))
    # agraph() takes no key; the component it wraps does (a stable key keeps it mounted across reruns)
    return streamlit_agraph._agraph(data=json.dumps({"nodes": nodes, "edges": edges}), config=json.dumps(config),
                                    key=key, default=None)


def _maps(run_dir: Path, doc: dict, layer: str, L: str) -> None:
    version, acts = npz(run_dir / rf.ACTIVATIONS)
    if not acts:
        st.caption(tr("trainpage.activations_wait"))
        return
    pre = _preprocess(run_dir)
    inputs = acts.get("input__0")
    target = acts.get("target")
    n = len(inputs) if inputs is not None else 0
    labels = ts.sample_labels(n, target, pre.get("class_names"), lambda i: tr("fig.sample_n", n=i))
    types = {nd.get("id"): nd.get("type", "") for nd in doc.get("nodes", [])}
    act = acts.get(f"act__{layer}")
    step = int(acts.get("step", 0))

    def build():
        if act is None:   # an Input: the samples themselves
            if inputs is not None and F.is_image_batch(inputs):
                return F.image_mosaic(inputs, titles=labels, title=tr("trainpage.watched_samples"), cols=n,
                                      uirevision="inputs")
            return F.dense_activations(inputs.reshape(n, -1), layer, L)
        return F.activation_mosaic(act, layer, L, inputs=inputs, row_labels=labels)

    fig = figure("maps", (str(run_dir), version, layer, L), build)
    st.caption(tr("trainpage.maps_caption", layer=md_literal(layer), type=md_literal(types.get(layer, "")), step=step,
                  shape=" × ".join(str(d) for d in (act.shape[1:] if act is not None else ()))))
    chart(fig, "tp_maps")


def _preprocess(run_dir: Path) -> dict:
    _, pre = json_file(Path(run_dir) / rf.PREPROCESS)
    return pre or {}


# -- diagnostics ------------------------------------------------------------------------------------------
MAX_SNAPSHOTS = 240


def diagnostics_section(run: runs.RunInfo | None) -> None:
    st.subheader(tr("trainpage.diagnostics"), anchor=False)
    if run is None:
        st.caption(tr("trainpage.diagnostics_empty"))
        return
    mode = mode_of(run.dir, run.job)
    views = ts.diagnostic_views(mode, run.dir)
    if st.session_state.get("tp_diag") not in views:
        st.session_state["tp_diag"] = views[0]
    view = st.segmented_control(tr("trainpage.diagnostics"), views, format_func=labeller("trainpage.view."),
                                key="tp_diag", label_visibility="collapsed") or views[0]
    _diagnostic(run.dir, view, mode)


def _thin(records: list, n: int = MAX_SNAPSHOTS) -> list:
    if len(records) <= n:
        return records
    idx = np.linspace(0, len(records) - 1, n).round().astype(int)
    return [records[i] for i in idx]


def _diagnostic(run_dir: Path, view: str, mode: str | None) -> None:
    L = lang()
    pre = _preprocess(run_dir)
    class_names = pre.get("class_names")
    if view in ("gradients", "weights"):
        which = "grad" if view == "gradients" else "weight"
        s = stats(run_dir)
        if not s.records:
            st.caption(tr("trainpage.diag_wait"))
            return
        snaps = _thin(s.records)
        layers = list(dict.fromkeys(k for r in snaps for k in r.get("layers", {})))
        st.caption(tr(f"trainpage.diag_{view}_hint"))
        c1, c2 = st.columns([1.2, 1])
        with c1:
            chart(figure(f"norms{which}", (str(run_dir), s.version, L),
                         lambda: F.norms_over_time(snaps, which, L).update_layout(height=340)), f"tp_norms_{which}")
        with c2:
            key = f"tp_hist_layer_{which}"
            if st.session_state.get(key) not in layers:
                st.session_state[key] = layers[0]
            layer = st.selectbox(tr("trainpage.hist_layer"), layers, key=key)
            chart(figure(f"hist{which}", (str(run_dir), s.version, layer, L),
                         lambda: F.histograms_over_time(snaps, layer, which, L)), f"tp_hist_{which}")
        return
    if view == "test":
        test_report(run_dir)
        return
    if view == "confusion":
        version, data = json_file(run_dir / rf.CONFUSION)
        if not data:
            st.caption(tr("trainpage.diag_wait_epoch"))
            return
        c1, c2 = st.columns([1.3, 1])
        with c1:
            chart(figure("confusion", (str(run_dir), version, L), lambda: F.confusion(data, L)), "tp_confusion")
        with c2:
            chart(figure("perclass", (str(run_dir), version, L), lambda: F.per_class_accuracy(data, L)),
                  "tp_perclass")
        return
    version, samples = npz(run_dir / rf.SAMPLES)
    samples = samples or {}
    if view == "mistakes":
        wrong = samples.get("misclassified")
        if wrong is None or not len(wrong):
            st.caption(tr("trainpage.no_mistakes"))
            return
        true, pred = samples["misclassified_true"], samples["misclassified_pred"]

        def name(c):
            return str(class_names[int(c)]) if class_names and int(c) < len(class_names) else str(int(c))
        labels = [f"{name(a)} → {name(b)}" for a, b in zip(true, pred)]
        st.caption(tr("trainpage.mistakes_hint"))
        if F.is_image_batch(wrong) or (wrong.ndim == 2 and int(np.sqrt(wrong.shape[1])) ** 2 == wrong.shape[1]
                                       and wrong.shape[1] >= 16):
            chart(figure("mistakes", (str(run_dir), version, L), lambda: F.image_mosaic(
                wrong, titles=labels, title=tr("trainpage.view.mistakes"), uirevision="mistakes")), "tp_mistakes")
        else:
            st.dataframe({tr("fig.true"): [name(a) for a in true], tr("fig.predicted"): [name(b) for b in pred]},
                         hide_index=True)
        return
    if view == "boundary":
        version, data = npz(run_dir / rf.BOUNDARY)
        if not data:
            st.caption(tr("trainpage.diag_wait_epoch"))
            return
        chart(figure("boundary", (str(run_dir), version, L), lambda: F.decision_boundary(data, class_names, L)
                     .update_layout(height=460)), "tp_boundary")
        return
    if view == "reconstructions":
        if "recon" not in samples:
            st.caption(tr("trainpage.diag_wait_epoch"))
            return
        x, r = samples["inputs"], samples["recon"]
        r = r.reshape(x.shape) if r.size == x.size else r
        both = np.concatenate([x.reshape(len(x), -1), r.reshape(len(r), -1)]) if x.ndim != 4 else np.concatenate([x, r])
        st.caption(tr("trainpage.recon_hint", epoch=int(samples.get("epoch", 0))))
        chart(figure("recon", (str(run_dir), version, L), lambda: F.image_mosaic(
            both.reshape((len(both),) + x.shape[1:]) if x.ndim == 4 else both, cols=len(x),
            title=tr("trainpage.recon_title"), uirevision="recon")), "tp_recon")
        return
    if view == "latent":
        if "latent" not in samples:
            st.caption(tr("trainpage.diag_wait_epoch"))
            return
        c1, c2 = st.columns([1.3, 1])
        with c1:
            chart(figure("latent", (str(run_dir), version, L), lambda: F.latent_scatter(
                samples["latent"], samples.get("latent_labels"), class_names, L)), "tp_latent")
        with c2:
            if "decoded_grid" in samples:
                chart(figure("decoded", (str(run_dir), version, L), lambda: F.image_mosaic(
                    samples["decoded_grid"], cols=7, title=tr("trainpage.decoded_title"), tile_px=48,
                    uirevision="decoded")), "tp_decoded")
            else:
                st.caption(tr("trainpage.decoded_needs_2d"))
        return
    if view == "generated":
        gen = samples.get("generated")
        if gen is None:
            st.caption(tr("trainpage.diag_wait_epoch"))
            return
        st.caption(tr("trainpage.generated_hint", epoch=int(samples.get("epoch", 0))))
        real = samples.get("real")
        if gen.ndim == 2 and gen.shape[1] <= 2:    # points: generated over real
            chart(figure("generated", (str(run_dir), version, L), lambda: _points_figure(gen, real, L)), "tp_generated")
            return
        c1, c2 = st.columns([1.6, 1])
        with c1:
            chart(figure("generated", (str(run_dir), version, L), lambda: F.image_mosaic(
                gen, cols=8, title=tr("trainpage.generated_title"), uirevision="generated")), "tp_generated")
        with c2:
            if real is not None:
                chart(figure("real", (str(run_dir), version, L), lambda: F.image_mosaic(
                    real[:8], cols=4, title=tr("trainpage.real_title"), uirevision="real")), "tp_real")


MAX_REPORT_CLASSES = 50


def test_report(run_dir: Path) -> None:
    """The test split's scores (once, at the end, on the best weights): figures, per-class table, ROC."""
    L = lang()
    version, report = json_file(run_dir / rf.TEST)
    if not report:
        return
    st.caption(tr("trainpage.test_hint", n=report.get("samples", "?"), epoch=report.get("epoch", "?"),
                  metric=BY_NAME["es_metric"].choice_label(report.get("selected_by"), L)))
    scores = ts.test_scores(report.get("metrics"))
    cols = st.columns(len(scores) or 1)
    for col, (key, value) in zip(cols, scores.items()):
        col.metric(tr("trainpage.score." + key), _fmt(value, pct=key == "test_acc"))
    per_class = report.get("per_class")
    if not per_class:
        return
    c1, c2 = st.columns([1.3, 1]) if report.get("roc") else (st.container(), None)
    with c1:
        shown = ts.top_classes(per_class, MAX_REPORT_CLASSES)
        st.dataframe({tr("trainpage.col.class"): [str(c["class"]) for c in shown],
                      tr("trainpage.col.precision"): [c["precision"] for c in shown],
                      tr("trainpage.col.recall"): [c["recall"] for c in shown],
                      tr("trainpage.col.f1"): [c["f1"] for c in shown],
                      tr("trainpage.col.support"): [c["support"] for c in shown]},
                     hide_index=True, width="stretch", key="tp_test_table",
                     column_config={tr(f"trainpage.col.{k}"): st.column_config.NumberColumn(format="%.3f")
                                    for k in ("precision", "recall", "f1")})
        if len(shown) < len(per_class):
            st.caption(tr("trainpage.test_top_classes", shown=len(shown), n=len(per_class)))
        macro = report.get("macro") or {}
        if macro:
            st.caption(tr("trainpage.test_macro", precision=f"{macro['precision']:.3f}",
                          recall=f"{macro['recall']:.3f}", f1=f"{macro['f1']:.3f}"))
    if c2 is not None:
        with c2:
            positive = str(per_class[1]["class"])      # the score is the probability of the second class
            chart(figure("roc", (str(run_dir), version, L), lambda: F.roc(report["roc"], positive, L)), "tp_roc")


def _points_figure(gen, real, L):
    import plotly.graph_objects as go
    fig = go.Figure()
    if real is not None:
        r = real.reshape(len(real), -1)
        fig.add_trace(go.Scatter(x=r[:, 0], y=r[:, 1] if r.shape[1] > 1 else np.zeros(len(r)), mode="markers",
                                 name=tr("trainpage.real_title"), marker=dict(color="#9ca3af", size=5)))
    g = gen.reshape(len(gen), -1)
    fig.add_trace(go.Scatter(x=g[:, 0], y=g[:, 1] if g.shape[1] > 1 else np.zeros(len(g)), mode="markers",
                             name=tr("trainpage.generated_title"), marker=dict(color=F.VAL, size=8)))
    return F._layout(fig, tr("trainpage.generated_title"), height=380, uirevision="genpoints")
