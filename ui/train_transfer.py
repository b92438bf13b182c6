"""The Train page's "start from a finished run's weights" section (transfer learning, class-incremental
training) and the two views a run started so shows: which layers took the weights, and the accuracy of
each old and new class before and after (runtime.transfer, runtime.incremental)."""
from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from builder.i18n import pick
from builder.importing import imported_name, imported_weights
from runtime import incremental, runfiles, runs, transfer
from runtime.config import BY_NAME, SUPERVISED, ConfigError, TrainConfig
from ui import runs_bulk, train_cache
from ui.figures import PALETTE, _layout
from ui.literal import md_literal, plotly_literal
from ui.session import lang, localized, workspace

CHOSEN = "tp_transfer_choice"       # the source run's id, kept while the form is hidden (a run training)
IMPORTED = "imported:"              # the id of an imported model's weights in the picker: this and the file name
REPLAY, EWC, CLASSES = BY_NAME["replay"], BY_NAME["ewc"], BY_NAME["classes"]
STATUS = {"loaded": "transfer.status.loaded", "grown": "transfer.status.grown", "shape": "transfer.status.shape",
          "absent": "transfer.status.absent", "unused": "transfer.status.unused"}
WHY = {"loaded": "transfer.why.loaded", "grown": "transfer.why.grown", "shape": "transfer.why.shape",
       "absent": "transfer.why.absent", "unused": "transfer.why.unused"}
COLUMNS = {"layer": "transfer.col.layer", "status": "transfer.col.status", "why": "transfer.col.why",
           "freeze": "transfer.col.freeze"}
SCORES = (("incremental.old_before", "before", "old"), ("incremental.old_after", "after", "old"),
          ("incremental.new_before", "before", "new"), ("incremental.new_after", "after", "new"))
SERIES = {"before": "incremental.before", "after": "incremental.after"}


def checkpoint_of(info: runs.RunInfo) -> Path | None:
    """The weights a run hands on: its best checkpoint, else its last; None without either."""
    for name in (runfiles.CKPT_BEST, runfiles.CKPT_LAST):
        if (info.dir / name).exists():
            return info.dir / name
    return None


def sources(home: Path) -> dict[str, tuple[str, Path]]:
    """Where a run can start from, id -> (its name in the picker, its checkpoint): the finished runs with
    weights, newest first, then the models imported with weights into the workspace ``home``."""
    found = {i.id: (runs_bulk.run_label(i), ckpt) for i in runs.list_runs(runs.default_root())
             if i.state == "finished" and (ckpt := checkpoint_of(i))}
    for path in imported_weights(home):
        found[IMPORTED + path.name] = (localized("import_tune.source", name=imported_name(path)), path)
    return found


def transfer_section(resolved: str, result, graph: dict, data_choice: dict, values: dict) -> dict:
    """Offer the finished runs as a starting point; the form's values with ``init_from``, ``freeze`` (and
    for a class-incremental run ``classes``, ``replay``, ``ewc``) once one is picked, after showing what
    each layer would take from it."""
    if resolved not in SUPERVISED or not result.ok:
        return values
    candidates = sources(workspace().home)
    chosen = st.session_state.get(CHOSEN)
    with st.expander(localized("transfer.title"), icon=":material/move_down:", expanded=chosen in candidates):
        st.caption(localized("transfer.hint"))
        st.caption(localized("import_tune.hint"))
        if not candidates:
            st.caption(localized("transfer.none"))
            return values
        options = ["", *candidates]
        key = f"tp_transfer_{lang()}"      # one per language: a select keeps its first language's texts
        shown = chosen if chosen in candidates else ""
        if st.session_state.get(key) != shown:
            st.session_state[key] = shown
        labels = {rid: candidates[rid][0] if rid else localized("transfer.from_scratch") for rid in options}
        picked = st.selectbox(localized("transfer.source"), options, key=key, format_func=labels.__getitem__,
                              on_change=_remember, args=(key,))
        if not picked:
            return values
        ckpt = str(candidates[picked][1])
        values = {**values, "init_from": ckpt}
        if resolved == "classification" and not picked.startswith(IMPORTED):   # imported weights name no classes
            values.update(_incremental_fields(data_choice, picked))
        try:
            layers = _report(ckpt, graph, values.get("classes") or [])
        except ConfigError as exc:       # the classes or the graph cannot grow: Start says it too
            st.error(md_literal(exc.message(lang())), icon=":material/error:")
            return values
        values["freeze"] = _report_table(layers, picked)
    return values


def _remember(key: str) -> None:
    st.session_state[CHOSEN] = st.session_state.get(key) or None


def _incremental_fields(data_choice: dict, run_id: str) -> dict:
    """Classes to learn (none: all, a plain transfer), replay and EWC."""
    language = lang()
    names = _class_names(data_choice)
    if not names:
        return {}
    st.caption(localized("incremental.hint"))
    classes = st.multiselect(pick(CLASSES.label, language), names, key=f"tp_inc_classes_{run_id}",
                             placeholder=localized("transfer.pick_classes"),
                             help=pick(CLASSES.help, language))
    if not classes:
        return {}
    c1, c2 = st.columns(2)
    replay = c1.number_input(pick(REPLAY.label, language), min_value=int(REPLAY.lo), max_value=int(REPLAY.hi), value=0,
                             key=f"tp_inc_replay_{run_id}", help=pick(REPLAY.help, language))
    ewc = c2.number_input(pick(EWC.label, language), min_value=float(EWC.lo), max_value=float(EWC.hi), value=0.0,
                          step=float(EWC.step), format="%g", key=f"tp_inc_ewc_{run_id}", help=pick(EWC.help, language))
    return {"classes": list(classes), **({"replay": int(replay)} if replay else {}), **({"ewc": float(ewc)} if ewc else {})}


def _class_names(data_choice: dict) -> list[str]:
    if data_choice.get("upload"):
        return []
    from runtime.data import builtin
    try:
        info = builtin.info(data_choice.get("data") or "digits", **(data_choice.get("data_options") or {}))
    except Exception:  # noqa: BLE001 - an unknown set fails as the run's message
        return []
    return [str(c) for c in info.class_names or []]


@st.cache_data(show_spinner=False, max_entries=16)
def _report_cached(ckpt: str, stamp: float, graph_json: str, classes: tuple) -> list[dict]:
    from runtime import checkpoint
    graph = json.loads(graph_json)
    grow = ()
    if classes:
        plan = incremental.plan(TrainConfig.from_dict({"classes": list(classes), "init_from": ckpt}))
        graph, grow = incremental.grown_graph(graph, plan), (plan.head,)
    return transfer.report(checkpoint.load(ckpt)["state_dict"], graph, grow_nodes=grow)


def _report(ckpt: str, graph: dict, classes: list[str]) -> list[dict]:
    return _report_cached(ckpt, Path(ckpt).stat().st_mtime, json.dumps(graph, sort_keys=True), tuple(classes))


def status_text(layer: dict) -> str:
    return localized(STATUS[layer["status"]])


def why_text(layer: dict) -> str:
    """Why a layer has its status, with the shapes that decided it."""
    shape = lambda s: "×".join(str(d) for d in s) if s else "-"   # noqa: E731
    return localized(WHY[layer["status"]], tensor=layer["tensor"], source=shape(layer["source_shape"]),
                     shape=shape(layer["shape"]))


def _report_table(layers: list[dict], run_id: str) -> list[str]:
    """The freeze choice (among the layers that take the run's weights), then every layer of this graph with
    what it takes and why; the source's layers this graph lacks in a line under it. The layers to freeze."""
    language = lang()
    counts = transfer.counts(layers)
    st.markdown(localized("transfer.summary", loaded=counts["loaded"] + counts["grown"],
                          skipped=counts["shape"] + counts["absent"]))
    own = [layer for layer in layers if layer["status"] != transfer.UNUSED]
    taking = [layer["layer"] for layer in own if layer["status"] in (transfer.LOADED, transfer.GROWN)]
    frozen = st.multiselect(pick(BY_NAME["freeze"].label, language), taking, key=f"tp_transfer_freeze_{run_id}",
                            placeholder=localized("transfer.pick_layers"),
                            help=pick(BY_NAME["freeze"].help, language))
    with st.container(key="tp_transfer_report"):
        for layer in own:       # a list, not a table: the setup column is narrow and the reasons are long
            mark = " ❄" if layer["layer"] in frozen else ""
            st.markdown(f"- **{md_literal(layer['layer'])}**{mark} · {status_text(layer)}: {md_literal(why_text(layer))}")
    unused = [layer["layer"] for layer in layers if layer["status"] == transfer.UNUSED]
    if unused:
        st.caption(localized("transfer.unused", layers=md_literal(", ".join(unused))))
    return list(frozen)


def report_frame(layers: list[dict], key: str) -> None:
    """One row per layer: its id, what it takes from the source run, why, and whether it is frozen."""
    col = {k: localized(name) for k, name in COLUMNS.items()}
    st.dataframe({col["layer"]: [layer["layer"] for layer in layers],
                  col["status"]: [status_text(layer) for layer in layers],
                  col["why"]: [why_text(layer) for layer in layers],
                  col["freeze"]: ["✓" if layer.get("frozen") else "" for layer in layers]},
                 hide_index=True, width="stretch", key=key)


# -- the views of a run started from another's weights (ui.train_diagnostics registers them) -------------
def draw_transfer(run_dir: Path, version, summary: dict) -> None:
    """The report the run saved: what each layer took from the source run."""
    record = summary["transfer"]
    imported = imported_name(str(record.get("source") or ""))
    if imported is not None:
        st.caption(localized("import_tune.saved_from", name=md_literal(imported)))
    else:
        st.caption(localized("transfer.saved_from", source=md_literal(_run_name(record.get("source")))))
    report_frame(record["layers"], "tp_transfer_saved")


def _run_name(path) -> str:
    parts = Path(str(path or "")).parts
    return parts[-2] if len(parts) >= 2 else str(path)


def draw_incremental(run_dir: Path, version, summary: dict) -> None:
    """Accuracy of each class before and after the run, old and new classes apart, and the pooled figures."""
    record = summary["incremental"]
    language = lang()
    before, after = record.get("before") or {}, record.get("after") or {}
    st.caption(localized("incremental.view_hint", old=md_literal(", ".join(record["old"]) or "-"),
                         new=md_literal(", ".join(record["new"]) or "-"), replay=record.get("replay", 0),
                         ewc=f"{record.get('ewc', 0):g}"))
    cols = st.columns(4)
    for column, (key, which, group) in zip(cols, SCORES):
        value = (after if which == "after" else before).get(group)
        column.metric(localized(key), "-" if value is None else f"{100 * value:.1f}%")
    train_cache.chart(train_cache.figure("incremental", (str(run_dir), version, language),
                                         lambda: before_after(record, language)), "tp_incremental")


def before_after(record: dict, language: str) -> go.Figure:
    """Bars per class: accuracy before and after; the old classes' names marked."""
    from builder.i18n import translate
    old = set(record["old"])
    names = [plotly_literal(c) + (" •" if c in old else "") for c in record["classes"]]
    fig = go.Figure()
    for i, which in enumerate(("before", "after")):
        scores = (record.get(which) or {}).get("per_class") or []
        fig.add_trace(go.Bar(x=names, y=scores, name=translate(SERIES[which], language), marker_color=PALETTE[i]))
    fig.update_xaxes(type="category", title_text=translate("incremental.axis", language))
    fig.update_yaxes(range=[0, 1], title_text=translate("fig.accuracy", language))
    return _layout(fig, translate("incremental.chart_title", language), height=300, uirevision="incremental")
