"""The Tune page's study view: pick a study, follow it live (Optuna's figures, the trials table), stop it,
train the best trial's settings, or apply them to the workspace's graph and Train settings (undoable)."""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from builder.errors import CodedError
from runtime import runs
from runtime import tune
from ui import train_cache
from ui import train_config
from ui import train_live
from ui.literal import md_literal
from ui.nav import page
from ui.runs_bulk import metric_name
from ui.session import lang, localized, workspace
from ui.tune_space import CHOSEN

LIVE_EVERY = 2.0
FIGURES = ("history", "intermediate", "parallel", "importances")
TRIAL_STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")      # Optuna's, each with its locale key
STUDY_STATES = ("running", "finished", "stopped")
UNDO = "tune_undo"              # (graph before, the tab's key, Train values before, their mode) of the last apply


def chosen_study() -> Path | None:
    """The study the page shows: the user's pick, else the newest (so a reload finds a running study again)."""
    studies = tune.list_studies(runs.default_root())
    if not studies:
        return None
    folders = [s["folder"] for s in studies]
    current = st.session_state.get(CHOSEN)
    if current not in folders:
        current = folders[0]
    names = {s["folder"]: s["name"] for s in studies}
    st.session_state["tune_pick"] = current
    st.selectbox(localized("tunepage.study"), folders, format_func=names.get, key="tune_pick",
                 on_change=lambda: st.session_state.update({CHOSEN: st.session_state["tune_pick"]}))
    return Path(current)


def study_panel() -> bool:
    """The chosen study, live while its workers run; whether one is running."""
    folder = chosen_study()
    if folder is None:
        with st.container(border=True, key="tune_empty"):
            st.markdown(localized("tunepage.no_study"))
        return False
    running = tune.read(folder).state == "running"

    @st.fragment(run_every=LIVE_EVERY if running else None)
    def live():
        view = tune.read(folder)
        if running and view.state != "running":
            st.rerun()          # the study ended: Start and the best trial's buttons come back
        study_view(folder, view)

    live()
    return running


def study_view(folder: Path, view) -> None:
    with st.container(border=True, key="tune_status"):
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(progress_line(view))
        if view.state == "running" and c2.button(localized("tunepage.stop"), icon=":material/stop:", key="tune_stop",
                                                 width="stretch"):
            tune.stop(folder)
    if view.best is not None and view.state != "running":
        best_actions(folder, view)
    figures_grid(folder, view)
    st.markdown(f"**{localized('tunepage.trials_title')}**")
    with st.container(key="tune_trials_box"):
        st.dataframe(trial_rows(view), hide_index=True, width="stretch")


def progress_line(view) -> str:
    done = sum(view.count(s) for s in ("COMPLETE", "PRUNED", "FAIL"))
    line = localized("tunepage.progress", name=md_literal(view.name), state=localized("tunepage.state." + view.state),
                     done=done, planned=max(view.n_planned, len(view.trials)), complete=view.count("COMPLETE"),
                     pruned=view.count("PRUNED"), failed=view.count("FAIL"))
    if view.best is not None:
        line += " · " + localized("tunepage.best", metric=metric_name(view.metric), value=f"{view.best.value:.4g}",
                                  number=view.best.number)
    return line


def trial_rows(view) -> list[dict]:
    return [{localized("tunepage.col.number"): t.number,
             localized("tunepage.col.state"): localized("tunepage.trial." + t.state.lower())
             if t.state in TRIAL_STATES else t.state,
             localized("tunepage.col.value"): t.value,
             localized("tunepage.col.params"): json.dumps(t.params, ensure_ascii=False),
             localized("tunepage.col.run"): Path(t.run).name if t.run else ""}
            for t in sorted(view.trials, key=lambda t: t.number)]


def figures_grid(folder: Path, view) -> None:
    """Optuna's figures, rebuilt only when a trial moved on (a new state or a new epoch's value)."""
    version = (str(folder), lang(), tuple((t.number, t.state, len(t.intermediate)) for t in view.trials))
    figs = train_cache.cache().setdefault("tune_figs", {})
    if figs.get("version") != version:
        figs.update(version=version, figs=tune.figures(folder, lang()))
    drawn = [(name, figs["figs"].get(name)) for name in FIGURES]
    drawn = [(name, fig) for name, fig in drawn if fig is not None]
    if not drawn:
        st.caption(localized("tunepage.figures_later"))
        return
    for row in range(0, len(drawn), 2):
        cols = st.columns(2)
        for col, (name, fig) in zip(cols, drawn[row:row + 2]):
            in_page_language(fig, name, view.metric)
            col.plotly_chart(fig, key=f"tune_fig_{name}", config=train_cache.PLOT_CONFIG)


def in_page_language(fig, name: str, metric: str) -> None:
    """Optuna's English axis, trace and colour bar names in the page's language; the legend under the plot
    (a narrow column has no room beside it); room for the parallel coordinates' first axis labels."""
    traces = {"Objective Value": localized("tunepage.trace.value"), "Best Value": localized("tunepage.trace.best")}
    fig.for_each_trace(lambda t: t.update(name=traces.get(t.name, t.name)))
    fig.update_layout(height=340, margin=dict(l=50 if name == "parallel" else 10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.28, x=0))
    if name in ("history", "intermediate"):
        fig.update_xaxes(title_text=localized("tunepage.axis.trial" if name == "history" else "tunepage.axis.epoch"))
        fig.update_yaxes(title_text=metric_name(metric))
    elif name == "parallel":
        # Optuna draws it with scatter lines, the colour bar on the last trace's markers
        fig.for_each_trace(lambda t: t.update(marker_colorbar_title_text=metric_name(metric))
                           if t.marker.colorbar.title.text else None)
    else:
        fig.update_xaxes(title_text=localized("tunepage.axis.importance"))
        fig.update_yaxes(title_text=None)


# -- the best trial ------------------------------------------------------------------------------------------
def best_actions(folder: Path, view) -> None:
    c1, c2, c3 = st.columns([1, 1.4, 0.6])
    training = train_live.is_live(train_live.current_run())     # the Train page's rule: one run at a time
    c1.button(localized("tunepage.train_best"), icon=":material/play_arrow:", key="tune_train_best", width="stretch",
              on_click=train_best, args=(folder, view.name), disabled=training,
              help=localized("trainpage.one_at_a_time") if training else None)
    c2.button(localized("tunepage.apply_best"), icon=":material/auto_fix_high:", key="tune_apply_best",
              width="stretch", on_click=apply_best, args=(folder,))
    if st.session_state.get(UNDO):
        c3.button(localized("tunepage.undo_apply"), icon=":material/undo:", key="tune_undo_apply", width="stretch",
                  on_click=undo_apply)
    said = st.session_state.pop("tune_said", None)
    if said:
        (st.error if said[0] == "error" else st.success)(said[1])


def train_best(folder: Path, name: str) -> None:
    """A normal run with the best trial's settings, as Start on the Train page starts one; Train shows it."""
    if train_live.is_live(train_live.current_run()):      # a run started since the button was drawn
        st.session_state["tune_said"] = ("error", localized("trainpage.one_at_a_time"))
        return
    try:
        graph, config = tune.best_graph_and_config(folder)
        run_dir = runs.start(graph, config, root=runs.default_root(),
                             label=localized("tunepage.best_label", graph=graph.get("name", "model"), study=name))
    except CodedError as exc:
        st.session_state["tune_said"] = ("error", md_literal(exc.message(lang())))
        return
    st.session_state[train_live.CURRENT] = run_dir.name
    st.session_state["tune_go_train"] = True


def best_changes(folder: Path) -> tuple[dict, dict]:
    """The best trial's values: ({node id: {param: value}}, {setting: value}), as its run was given them."""
    view = tune.read(folder)
    graph, config = tune.best_graph_and_config(folder)
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    node_values: dict = {}
    settings = {}
    for key in view.best.params:
        if "." in key:
            node, param = key.split(".", 1)
            node_values.setdefault(node, {})[param] = nodes[node]["params"][param]
        else:
            settings[key] = config[key]
    return node_values, settings


def apply_best(folder: Path) -> None:
    """The best values into the current graph (one undo step, Build's Undo takes it back) and the Train
    page's settings for the graph's mode; the page's Undo takes both back."""
    try:
        node_values, settings = best_changes(folder)
    except CodedError as exc:
        st.session_state["tune_said"] = ("error", md_literal(exc.message(lang())))
        return
    ws = workspace()
    tab, before = ws.tab, ws.tab.doc
    doc = json.loads(json.dumps(before))
    changed = []
    for node in doc.get("nodes", []):
        for param, value in node_values.get(node.get("id"), {}).items():
            node.setdefault("params", {})[param] = value
            changed.append(f"{node['id']}.{param} = {value}")
    mode = ws.train_mode() if ws.train_mode() in train_config.CONCRETE_MODES else \
        train_config.resolve_mode("auto", doc, None, ws.data_choice())
    values_before = ws.train_values(mode)
    ws.set_train(values={**values_before, **settings}, for_mode=mode)
    changed += [f"{k} = {v}" for k, v in settings.items()]
    ws.edit(doc, replace_canvas=True, tab=tab)
    st.session_state[UNDO] = (before, tab.key, values_before, mode)
    st.session_state["tune_said"] = ("ok", localized("tunepage.applied", name=md_literal(tab.name),
                                                     changes=md_literal(", ".join(changed))))


def undo_apply() -> None:
    before, key, values_before, mode = st.session_state.pop(UNDO)
    ws = workspace()
    tab = next((t for t in ws.tabs if t.key == key), None)
    if tab is not None:
        ws.edit(before, replace_canvas=True, tab=tab)
    ws.set_train(values=values_before, for_mode=mode)
    st.session_state["tune_said"] = ("ok", localized("tunepage.undone"))


def go_to_train_if_asked() -> None:
    if st.session_state.pop("tune_go_train", False):
        st.switch_page(page("train"))
