"""Agents in the app (mode ``rl``, docs/design.md): the environment line and the run card of the Train form,
the live view of a run (returns per episode with their moving average and the greedy evaluations, the loss
with the policy's entropy or DQN's ε, the latest rendered greedy episode), and Try the model (play one
greedy episode and watch it).

The rendered episodes are animated WebP files (runtime/rl/render.py); ``st.image`` re-encodes what it is
given as a still JPEG, so they are shown as an ``<img>`` with a data URL, which keeps the animation.
"""
from __future__ import annotations

import base64
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from builder.i18n import translate
from runtime.config import ConfigError
from runtime.rl import envs
from runtime.rl.record import EPISODE
from ui import figures, train_cache, train_state
from ui.literal import html_literal, md_literal
from ui.session import lang, localized

MODE = "rl"
AVERAGE = 20                    # the moving average's window: the summary's mean_return_last_20
CURVE_EVERY = 2.0               # seconds between redraws of a live chart
RETURN_COLOR, AVERAGE_COLOR, EVAL_COLOR = figures.TRAIN, figures.VAL, "#16a34a"
SIGNAL_NAMES = {"loss": "rlview.loss", "entropy": "rlview.entropy", "epsilon": "rlview.epsilon"}   # the record's keys


# -- the Train form ----------------------------------------------------------------------------------------
def graph_env(graph: dict, data_choice: dict | None = None) -> str:
    """The environment chosen on the Data page (``data_choice["env"]``, ui.workspace), else the one an agent's
    graph names (its meta.data), else CartPole-v1."""
    chosen = (data_choice or {}).get("env")
    named = chosen if chosen in envs.ENVS else (graph.get("meta") or {}).get("data")
    return named if named in envs.ENVS else "CartPole-v1"


def environment_line(graph: dict, result, data_choice: dict | None = None) -> tuple[str, str | None]:
    """Draw what the agent acts in (instead of the data set) and whether the graph fits it; (env, error)."""
    name = graph_env(graph, data_choice)
    spec = envs.spec(name)
    st.markdown(f":material/sports_esports: **{localized('rlview.environment')}: {md_literal(name)}**")
    st.caption(localized("rlview.env_line", shape=envs.shape_text(spec.obs_shape), actions=spec.actions,
                         solved=f"{spec.solved:g}"))
    if not result.ok:
        return name, None           # the graph's own errors are said above the form
    try:
        envs.check_fit(result, name)
    except ConfigError as exc:
        message = md_literal(exc.message(lang()))
        st.error(message, icon=":material/error:")
        return name, message
    return name, None


def summary_rows(job: dict, cfg: dict, label, choice_label) -> list[tuple[str, object]]:
    """The run card's rows for an agent (``label``/``choice_label``: a setting's name and a choice's words)."""
    return [(localized("trainpage.model"), job.get("label", "")),
            (localized("rlview.environment"), cfg.get("env", "")),
            (label("mode"), localized("mode.rl")),
            (label("algo"), choice_label("algo", cfg.get("algo", "reinforce"))),
            (label("episodes"), cfg.get("episodes")),
            (label("optimizer"), choice_label("optimizer", cfg.get("optimizer", "adam"))),
            (label("lr"), f"{cfg.get('lr', 0):g}")]


# -- the figures -------------------------------------------------------------------------------------------
def moving_average(values: list[float], window: int = AVERAGE) -> list[float]:
    """The mean of the last ``window`` values at each point (fewer at the start)."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def episodes_of(records: list[dict], kind: str = "episode") -> list[dict]:
    return [r for r in records if r.get("kind") == kind]


def returns_series(records: list[dict]) -> list[tuple[str, list, list]]:
    """(kind, x, y) of each trace of ``returns_figure``: each episode's return, their moving average, and the
    greedy evaluations (those with data)."""
    played = episodes_of(records)
    xs, ys = [r["episode"] for r in played], [r["return"] for r in played]
    out = [("return", xs, ys), ("average", xs, moving_average(ys))] if xs else []
    evals = episodes_of(records, "eval")
    if evals:
        out.append(("eval", [r["episode"] for r in evals], [r["eval_return"] for r in evals]))
    return out


def returns_figure(records: list[dict], lang: str) -> go.Figure:
    fig = go.Figure()
    for kind, xs, ys in returns_series(records):
        if kind == "return":
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=translate("rlview.return", lang),
                                     line=dict(color=RETURN_COLOR, width=1.2), opacity=0.5))
        elif kind == "average":
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=AVERAGE_COLOR, width=2.6),
                                     name=translate("rlview.average", lang, n=AVERAGE)))
        else:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=translate("rlview.eval", lang),
                                     line=dict(color=EVAL_COLOR, width=2, dash="dot"), marker=dict(size=8)))
    figures._layout(fig, translate("rlview.fig_returns", lang), height=340, uirevision="rl_returns")
    fig.update_xaxes(title_text=translate("rlview.episode_axis", lang))
    fig.update_yaxes(title_text=translate("rlview.return_axis", lang), rangemode="tozero")
    return fig


def exploration_key(records: list[dict]) -> str:
    """What tells how much the agent still explores: DQN's ε, else the policy's entropy."""
    return "epsilon" if any(r.get("epsilon") is not None for r in episodes_of(records)[:5]) else "entropy"


def signals_series(records: list[dict]) -> list[tuple[str, list, list]]:
    """(kind, x, y) of each trace of ``signals_figure``: the latest update's loss and ε or entropy per episode."""
    played = episodes_of(records)
    out = []
    for key in ("loss", exploration_key(records)):
        pts = [(r["episode"], r[key]) for r in played if r.get(key) is not None]
        if pts:
            out.append((key, [p[0] for p in pts], [p[1] for p in pts]))
    return out


def signals_figure(records: list[dict], lang: str) -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, (key, xs, ys) in enumerate(signals_series(records)):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=translate(SIGNAL_NAMES[key], lang),
                                 line=dict(color=figures.PALETTE[4 if i == 0 else 5], width=1.8)), secondary_y=i > 0)
    figures._layout(fig, translate("rlview.fig_signals", lang), height=260, uirevision="rl_signals")
    fig.update_xaxes(title_text=translate("rlview.episode_axis", lang))
    fig.update_yaxes(rangemode="tozero", secondary_y=True, showgrid=False)
    return fig


# -- the live view -----------------------------------------------------------------------------------------
def tiles(records: list[dict], status: dict) -> list[tuple[str, str]]:
    played = episodes_of(records)
    recent = [r["return"] for r in played[-AVERAGE:]]
    key = exploration_key(records)
    number = train_state.number_text
    return [(localized("rlview.tile_episode"), f"{len(played)} / {status.get('epochs') or '?'}"),
            (localized("rlview.tile_mean", n=AVERAGE), number(sum(recent) / len(recent) if recent else None, digits=1)),
            (localized("rlview.tile_eval"), number(train_state.latest(records, "eval_return", "eval"), digits=1)),
            (localized(SIGNAL_NAMES[key]), number(train_state.latest(records, key, "episode"), digits=3))]


def progress(records: list[dict], status: dict, state: str) -> tuple[dict, str]:
    """The progress bar's fraction (episodes played of those asked for) and its line."""
    played = episodes_of(records)
    episodes = int(status.get("epochs") or 0)
    fraction = 1.0 if state == "finished" else (min(1.0, len(played) / episodes) if episodes else 0.0)
    elapsed = train_state.progress(status, records)["elapsed"]
    if elapsed is None and played:
        elapsed = played[-1].get("time")
    steps = played[-1]["step"] if played else 0
    text = localized("rlview.progress", episode=len(played), episodes=episodes or "?", steps=f"{steps:,}",
                     elapsed=train_state.clock(elapsed))
    if state in ("queued", "starting") and not records:
        text = localized("trainpage.starting")
    return {"fraction": fraction}, text


def live(run_dir: Path, status: dict, tail, every: float | None, language: str) -> None:
    """An agent's run on the Train page: the numbers, the returns and the loss with ε or entropy, and the
    latest rendered greedy episode."""
    from ui.train_live import status_html
    records = tail.records
    state = status.get("state", "queued")
    p, text = progress(records, status, state)
    with st.container(key="tp_status"):
        st.markdown(status_html(state, run_dir.name, p, text, tiles(records, status)), unsafe_allow_html=True)
    version = (run_dir.name, tail.version, language)
    left, right = st.columns([2.1, 1], vertical_alignment="top")
    with left:
        chart("returns", version, train_state.thin(returns_series(records)), lambda: returns_figure(records, language),
              run_dir, language, every)
    with right:
        preview(run_dir, records)
    chart("signals", version, train_state.thin(signals_series(records)), lambda: signals_figure(records, language),
          run_dir, language, every)


def chart(name: str, version, series, build, run_dir: Path, language: str, every: float | None) -> None:
    spec = train_cache.curve(f"rl_{name}", version, series, (run_dir.name, language, name), build,
                             min_interval=CURVE_EVERY if every else 0)
    train_cache.chart(dict(spec, layout=dict(spec["layout"], meta={"run": run_dir.name})), f"tp_rl_{name}")


def preview(run_dir: Path, records: list[dict]) -> None:
    """The latest greedy episode the run rendered (a new one every few seconds), with its return."""
    with st.container(key="tp_rl_preview", border=True):
        st.markdown(f"**:material/smart_display: {localized('rlview.preview_title')}**")
        _, data_url = train_cache.read_once_per_version(Path(run_dir) / EPISODE, webp_data_url, keep_last_good=True)
        last = train_state.latest(records, "return", "preview")
        if data_url is None or last is None:
            st.caption(localized("rlview.preview_waiting"))
            return
        shown = next(r for r in reversed(records) if r.get("kind") == "preview")
        animation(data_url, localized("rlview.preview_title"))
        st.caption(localized("rlview.preview_caption", episode=shown["episode"], ret=f"{shown['return']:g}",
                             length=shown["length"]))


def webp_data_url(path: Path) -> str | None:
    try:
        return "data:image/webp;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")
    except OSError:
        return None


def animation(data_url: str, alt: str) -> None:
    st.markdown(f"<img class='nc-rl-episode' src='{data_url}' alt='{html_literal(alt)}' "
                f"style='width:100%;max-width:450px;border-radius:0.4rem'>", unsafe_allow_html=True)


# -- Try the model -----------------------------------------------------------------------------------------
def play(predictor, run, run_id: str, language: str) -> None:
    """Play one greedy episode with the trained network and show it, with its return."""
    from runtime.rl.render import greedy_episode, webp
    record = predictor.record or {}
    env = record.get("env", "CartPole-v1")
    shape = tuple((record.get("reshape") or {}).get("to") or envs.spec(env).obs_shape)
    st.caption(localized("rlview.try_help", env=env))
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    seed = left.number_input(localized("exportpage.seed"), 0, 2**31 - 1, 0, key=f"rl_seed_{run_id}")
    if right.button(localized("rlview.play"), icon=":material/play_arrow:", key=f"rl_play_{run_id}"):
        with st.spinner(localized("rlview.playing")):
            frames, total, length = greedy_episode(predictor.module, env, int(seed), shape)
        st.session_state[f"rl_played_{run_id}"] = (webp(frames), total, length)
    played = st.session_state.get(f"rl_played_{run_id}")
    if played is None:
        return
    movie, total, length = played
    with st.container(key="rl_try_result"):
        shown, numbers = st.columns([1.3, 1], vertical_alignment="center")
        with shown.container(border=True):
            animation("data:image/webp;base64," + base64.b64encode(movie).decode("ascii"), localized("rlview.play"))
        numbers.metric(localized("rlview.played_return"), f"{total:g}")
        numbers.metric(localized("rlview.played_length"), f"{length:,}")
