"""The Train page's live part: starting and controlling runs, the run's status and big curves, and the
fragment that refreshes the slower views (learning rate and speed, activation maps, diagnostics).

Each live view is an ``st.fragment`` that reruns on its own every couple of seconds while the
run is live; what it reads and draws is cached in the session (ui/train_cache.py).
"""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import streamlit as st

from builder.errors import CodedError, render_message
from builder.i18n import in_sentence
from runtime import runs
from ui import figures
from ui import live_plot
from ui import rl_view
from ui import train_cache
from ui import train_state
from ui.literal import html_literal, md_literal
from ui.session import device_text, lang, localized
from ui.train_activations import activations_section
from ui.train_diagnostics import diagnostics_section

CURRENT = "tp_current"      # id of the run the page shows
LIVE_EVERY = 2.0            # seconds between refreshes of the numbers and curves while a run is live
SLOW_EVERY = 6.0            # activations, diagnostics, learning rate and speed
FIRST_POINT_EVERY = 0.25    # while a new run has drawn nothing yet
CURVE_EVERY = 2.0           # the big curves are redrawn at most this often

STATE_COLORS = {"queued": "gray", "starting": "gray", "running": "blue", "paused": "orange", "finished": "green",
                "stopped": "violet", "failed": "red", "died": "red"}
STATE_ICONS = {"queued": ":material/hourglass_empty:", "starting": ":material/hourglass_top:",
               "running": ":material/play_circle:", "paused": ":material/pause_circle:",
               "finished": ":material/check_circle:", "stopped": ":material/stop_circle:",
               "failed": ":material/error:", "died": ":material/error:"}


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
    run = train_state.active_run(infos, st.session_state.get(CURRENT))
    if run is not None:
        st.session_state[CURRENT] = run.id
    return run


def is_live(run: runs.RunInfo | None) -> bool:
    return run is not None and run.state in runs.LIVE_STATES


def error_message(status: dict, language: str) -> str | None:
    state = status.get("state")
    if state == "failed":
        err = status.get("error") or {}
        code = err.get("code")
        if code:
            return render_message(code, err.get("args") or {}, language)
        return err.get("message") or localized("trainpage.failed_unknown")
    if state == "died":
        return localized("trainpage.died")
    return None


# -- the live panel: status, progress, curves --------------------------------------------------------
def live_panel(run: runs.RunInfo | None) -> None:
    """The run's header and controls (redrawn when its state changes), then the live part:
    state, progress and numbers (one element) and the big curves, refreshed every LIVE_EVERY seconds."""
    if run is None:
        with st.container(border=True, key="tp_empty"):
            st.markdown(f"#### :material/show_chart: {localized('trainpage.empty_title')}")
            st.markdown(localized("trainpage.empty_body"))
        return
    status = runs.read_status(run.dir) or {}
    state = status.get("state", "queued")
    header(run.dir, run.job, status)
    every = None
    if state in runs.LIVE_STATES:
        # until the first point is there, look often (Start -> first point is what a newcomer waits for)
        every = LIVE_EVERY if train_cache.metrics(run.dir).records else FIRST_POINT_EVERY

    @st.fragment(run_every=every)
    def panel():
        _panel(run.dir, run.job, every, state)

    panel()


def header(run_dir: Path, job: dict, status: dict) -> None:
    language = lang()
    state = status.get("state", "queued")
    mode = status.get("mode") or train_state.run_mode(run_dir, job)
    cfg = job.get("config") or {}
    details = [str(status.get("data") or cfg.get("data") or "")]
    if mode and mode != "auto":
        details.append(localized("mode." + mode))
    details.append(device_text(status))
    head, b1, b2 = st.columns([3, 0.62, 0.62], vertical_alignment="center")
    # names come from users' graph files and data: literal text, in a line that allows HTML
    head.markdown(f"#### {STATE_ICONS.get(state, '')} {md_literal(job.get('label', run_dir.name))} "
                  f"<small style='color:#6b7280;font-weight:400'>· {md_literal(' · '.join(d for d in details if d))}"
                  f"</small>", unsafe_allow_html=True)
    if state == "paused":
        if b1.button(localized("trainpage.resume"), icon=":material/play_arrow:", key="tp_resume", width="stretch"):
            runs.resume(run_dir)
            st.toast(localized("trainpage.resuming"))
    else:
        if b1.button(localized("trainpage.pause"), icon=":material/pause:", key="tp_pause", width="stretch",
                     disabled=state not in runs.LIVE_STATES):
            runs.pause(run_dir)
            st.toast(localized("trainpage.pausing"))
    if b2.button(localized("trainpage.stop"), icon=":material/stop:", key="tp_stop", width="stretch",
                 disabled=state not in runs.LIVE_STATES):
        runs.stop(run_dir)
        st.toast(localized("trainpage.stopping"))
    message = error_message(status, language)
    if message:
        st.error(f"**{localized('trainpage.failed_title')}** {md_literal(message)}\n\n{localized('trainpage.what_to_try')}",
                 icon=":material/error:")
    elif status.get("stop_reason") == "early_stopping":
        st.info(localized("trainpage.early_stopped"), icon=":material/timer_off:")


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
        f"font-weight:600'>● {e(localized('trainpage.state.' + state))}</span>"
        f"<span style='color:#6b7280;font-size:0.85rem'>{e(localized('trainpage.run_id', id=run_id))}</span></div>"
        f"<div style='font-size:0.9rem;color:#374151;margin:0.2rem 0'>{e(progress_text)}</div>"
        f"<div style='height:0.5rem;background:#eef0f6;border-radius:0.25rem;overflow:hidden'>"
        f"<div style='width:{pct:.1f}%;height:100%;background:#4f46e5'></div></div>"
        f"<div style='display:flex;gap:1rem;margin:0.9rem 0 0.2rem'>{cells}</div></div>")


def _panel(run_dir: Path, job: dict, every: float | None, drawn_state: str) -> None:
    calm_gc()
    language = lang()
    status = runs.read_status(run_dir) or {}
    state = status.get("state", "queued")
    if every is not None and _controls(state) != _controls(drawn_state):
        st.rerun()      # paused, resumed, finished, stopped or failed: redraw the page (buttons, runs list)
    tail = train_cache.metrics(run_dir)
    records = tail.records
    if every == FIRST_POINT_EVERY and records and len(records) > 2:
        st.rerun()      # the run is under way: back to the calm refresh rate
    mode = status.get("mode") or train_state.run_mode(run_dir, job)
    if mode == rl_view.MODE:                # an agent: returns per episode and what it does now
        return rl_view.live(run_dir, status, tail, every, language)

    p = train_state.progress(status, records)
    text = localized("trainpage.progress", done=p["done"], epochs=p["epochs"] or "?", step=p["step"],
              total=p["total"] or "?", elapsed=train_state.clock(p["elapsed"]))
    if p["eta"] is not None:
        text += " · " + localized("trainpage.eta", eta=train_state.clock(p["eta"]))
    if state in ("queued", "starting") and not records:
        text = localized("trainpage.starting")
    plots = train_state.panels(mode, records)
    first = plots[0][1][0]
    val_key = "val_" + (plots[1][1][0] if len(plots) > 1 and len(plots[1][1]) == 1 else "loss")
    number_text, latest = train_state.number_text, train_state.latest
    tiles = [(localized(f"fig.{first}"), number_text(latest(records, first, "step"))),
             (localized("trainpage.val_metric", metric=in_sentence(localized(f"fig.{val_key[4:]}"))),
              number_text(latest(records, val_key, "epoch"), pct=val_key.endswith("acc"))),
             (localized("fig.speed"), number_text(p["samples_per_s"], digits=0)),
             (localized("fig.lr"), number_text(latest(records, "lr", "step"), sci=True))]
    baseline = latest(records, "val_baseline", "epoch")      # regression: the loss of predicting the mean
    if baseline is not None:
        tiles.insert(2, (localized("baseline.tile"), number_text(baseline)))
    with st.container(key="tp_status"):
        st.markdown(status_html(state, run_dir.name, p, text, tiles), unsafe_allow_html=True)
        if baseline is not None:
            st.caption(localized("baseline.explain"))

    # the curves: big, side by side
    version = (run_dir.name, tail.version, language)
    cols = st.columns(len(plots)) if len(plots) > 1 else [st.container()]
    for i, (title_key, keys) in enumerate(plots):
        if len(keys) == 1:
            series = train_state.thin(figures.metric_series(records, keys[0]))
            build = (lambda k=keys[0], tk=title_key: figures.metric_curve(records, k, language, tk).update_layout(height=360))
        else:
            series = train_state.thin(figures.curves_series(records, keys))
            build = (lambda k=keys, tk=title_key: figures.curves(records, k, language, tk).update_layout(height=360))
        spec = train_cache.curve(f"curve{i}", version, series, (run_dir.name, language, title_key), build,
                                 min_interval=CURVE_EVERY if every else 0)
        spec = dict(spec, layout=dict(spec["layout"], meta={"run": run_dir.name}))   # which run it shows
        with cols[i]:
            train_cache.chart(spec, f"tp_curve_{i}")


def rate_charts(run: runs.RunInfo | None) -> None:
    """Learning rate and samples/s: they change slowly, so they refresh with the slower views."""
    if run is None:
        return
    language = lang()
    tail = train_cache.metrics(run.dir)
    records = tail.records
    version = (run.dir.name, tail.version, language)
    lr_column, speed_column = st.columns(2)
    with lr_column:
        series = train_state.thin(figures.step_series(records, "lr"))
        train_cache.chart(train_cache.curve("lr", version, series, (run.dir.name, language),
                                            lambda: figures.lr_curve(records, language)), "tp_lr")
    with speed_column:
        speeds = train_state.speed_series(records)      # the header's tile shows where it ends
        train_cache.chart(train_cache.curve(
            "speed", version, speeds, (run.dir.name, language),
            lambda: figures.patch_spec(live_plot.spec(figures.speed_curve(records, language)), speeds)), "tp_speed")


def insights(run: runs.RunInfo | None) -> None:
    """Activation maps and diagnostics: one fragment, refreshed every few seconds while the run is live
    (a layer click, a layer pick or a diagnostics tab reruns just this part of the page)."""
    every = SLOW_EVERY if is_live(run) else None
    if run is not None and train_state.run_mode(run.dir, run.job) == rl_view.MODE:
        return      # an agent's run has no steps, learning-rate schedule or activations to show: its view is above

    @st.fragment(run_every=every)
    def body():
        rate_charts(run)
        activations_section(run)
        diagnostics_section(run)

    body()
