"""The Tune page's setup: what a study tunes (the workspace's graph with the Train page's settings), the search
space picked from runtime.tune's candidates with their prefilled ranges, the study's options, Start."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from builder.errors import CodedError
from builder.i18n import pick
from builder.shapes import check
from runtime import runs
from runtime import tune
from runtime.config import BY_NAME
from runtime.tune import study as studies
from ui import train_config
from ui.literal import md_literal
from ui.runs_bulk import METRICS, metric_name
from ui.session import labeller, lang, localized, workspace

CHOSEN = "tune_study"           # the study folder the page shows
SAMPLERS, PRUNERS = studies.SAMPLERS, studies.PRUNERS


@dataclass
class Tuned:
    """What a study would tune: the graph, its training config (as the Train page would start it), the mode."""
    graph: dict
    config: dict
    mode: str
    data: str
    error: str | None = None


def workspace_setup() -> Tuned:
    """The current graph and the Train page's settings for its mode and the Data page's data."""
    ws = workspace()
    graph, choice = ws.tab.doc, ws.data_choice()
    data = choice.get("data") or str(choice.get("upload") or "")
    mode = ws.train_mode() if ws.train_mode() in train_config.MODES else "auto"
    if not check(graph).ok:
        return Tuned(graph, {}, mode, data, localized("tunepage.graph_has_errors", name=md_literal(ws.tab.name)))
    try:
        resolved = train_config.resolve_mode(mode, graph, None, choice)
        values = train_config.restore_values(resolved, ws.train_values(resolved), choice.get("data"))
        config = train_config.build_config(values, choice, mode=mode, resolved=resolved)
    except CodedError as exc:
        return Tuned(graph, {}, mode, data, md_literal(exc.message(lang())))
    return Tuned(graph, config.to_dict(given_only=True), resolved, data)


def translated(widget, label: str, options, key: str, **kw):
    """A select widget whose options are shown translated, keyed per language (``key``_en, ``key``_zh): Streamlit
    keeps a keyed widget's option texts from its first run, so after a language switch another widget takes
    over, starting from the value the other language's had (kept under ``key``)."""
    keyed = f"{key}_{lang()}"
    if keyed not in st.session_state and key in st.session_state:
        st.session_state[keyed] = st.session_state[key]
        kw.pop("index", None)
        kw.pop("default", None)
    st.session_state[key] = value = widget(label, options, key=keyed, **kw)
    return value


# -- the search space ------------------------------------------------------------------------------------
def space_editor(tuned: Tuned) -> list[dict]:
    """Pick parameters among the candidates; each picked one's range (or choices) is prefilled and editable."""
    # the mode as the run will resolve it: the options of other modes (a GAN's g_lr) are no candidates
    candidates = {p.key: p for p in tune.candidates(tuned.graph, dict(tuned.config, mode=tuned.mode))}
    language = lang()       # the format_funcs below also run later, outside this run (where lang() is not known)
    picked = translated(st.multiselect, localized("tunepage.params"), list(candidates), "tune_params",
                        format_func=lambda k: candidates[k].label(language), help=localized("tunepage.help.params"),
                        placeholder=localized("tunepage.params_placeholder"))
    return [edited_range(candidates[k]) for k in picked if k in candidates]


def edited_range(p: tune.SearchParam) -> dict:
    """One picked parameter as the study's space entry, with the range the user set."""
    entry = p.to_json()
    key = "tune_range::" + p.key
    with st.container(border=True, key="tune_param_" + p.key.replace(".", "__")):
        st.markdown(f"**{md_literal(p.label(lang()))}**")
        if p.kind == "choice":
            chosen = st.multiselect(localized("tunepage.choices"), list(p.choices), default=list(p.choices),
                                    key=key + "::choices", format_func=choice_text(p))
            return dict(entry, choices=chosen)
        number = int if p.kind == "int" else float
        low_col, high_col, log_col = st.columns([1, 1, 0.8], vertical_alignment="bottom")
        fmt = None if p.kind == "int" else "%g"
        low = low_col.number_input(localized("tunepage.low"), value=number(p.low), key=key + "::low", format=fmt)
        high = high_col.number_input(localized("tunepage.high"), value=number(p.high), key=key + "::high", format=fmt)
        entry.update(low=number(low), high=number(high))
        if p.kind == "float":
            entry["log"] = log_col.checkbox(localized("tunepage.log"), value=p.log, key=key + "::log")
        return entry


def choice_text(p: tune.SearchParam):
    """How a choice reads: a setting's choices as the Train form names them; a layer param's as they are."""
    setting = BY_NAME.get(p.name) if p.target == "config" else None
    language = lang()
    return (lambda v: setting.choice_label(v, language)) if setting is not None else str


# -- the study's options and Start -------------------------------------------------------------------------
def options_and_start(tuned: Tuned, space: list[dict], running: bool) -> None:
    default_metric = studies.default_metric(tuned.config) if tuned.config else "val_loss"
    c1, c2 = st.columns(2)
    with c1:
        sampler = translated(st.selectbox, localized("tunepage.sampler"), SAMPLERS, "tune_sampler",
                             format_func=labeller("tunepage.sampler."), help=localized("tunepage.help.sampler"))
    with c2:
        pruner = translated(st.selectbox, localized("tunepage.pruner"), PRUNERS, "tune_pruner",
                            format_func=labeller("tunepage.pruner."), help=localized("tunepage.help.pruner"))
    trials = c1.number_input(localized("tunepage.trials"), min_value=1, max_value=10_000, value=20, key="tune_trials")
    timeout = c2.number_input(localized("tunepage.timeout"), min_value=0, max_value=7 * 24 * 3600, value=0, step=60,
                              key="tune_timeout", help=localized("tunepage.help.timeout"))
    with c1:
        metric = translated(st.selectbox, localized("tunepage.metric"), METRICS, "tune_metric",
                            index=METRICS.index(default_metric) if default_metric in METRICS else 0,
                            format_func=lambda m, language=lang(): metric_name(m, language))
    epochs = c2.number_input(pick(BY_NAME["epochs"].label, lang()), min_value=1, max_value=int(BY_NAME["epochs"].hi),
                             value=int(tuned.config.get("epochs", BY_NAME["epochs"].default)), key="tune_epochs",
                             help=localized("tunepage.help.epochs"))
    if not space:
        st.caption(localized("tunepage.no_params"))
    if st.button(localized("tunepage.start"), type="primary", icon=":material/play_arrow:", width="stretch",
                 key="tune_start", disabled=running or not space or tuned.error is not None,
                 help=localized("tunepage.one_at_a_time") if running else None):
        start(tuned, space, n_trials=int(trials), timeout=float(timeout) or None, metric=metric, sampler=sampler,
              pruner=pruner, epochs=int(epochs))


def start(tuned: Tuned, space: list[dict], *, epochs: int, **options) -> None:
    """Start the study in the background and show it; what cannot be tuned as given is a message."""
    try:
        folder = tune.start(tuned.graph, dict(tuned.config, epochs=epochs), space, root=runs.default_root(),
                            **options)
    except CodedError as exc:
        st.error(md_literal(exc.message(lang())), icon=":material/error:")
        return
    st.session_state[CHOSEN] = str(folder)
    st.rerun()
