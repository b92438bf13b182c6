"""The runs list at scale: a study's trials under one row, disk use per run and per study, deleting many runs."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from builder.i18n import translate
from runtime import runs
from ui.literal import md_literal
from ui.session import localized

SIZE_UNITS = (("size.gb", 1024 ** 3), ("size.mb", 1024 ** 2), ("size.kb", 1024))
DONE = "tp_bulk_done"       # the last deletion's outcome, said once after its rerun


def human_size(n: int) -> str:
    """Bytes for people: 812 B, 3.4 KB, 12 MB, 1.2 GB (units of 1024; one decimal below 10)."""
    for key, unit in SIZE_UNITS:
        if n >= unit:
            value = n / unit
            return localized(key, n=f"{value:.1f}" if value < 10 else f"{value:.0f}")
    return localized("size.b", n=n)


def run_bytes(info: runs.RunInfo) -> int:
    return runs.disk_use(info.dir, live=info.state in runs.LIVE_STATES)


def run_label(info: runs.RunInfo) -> str:
    """How a run is named in the pickers: its label and id, and for a trial its study and number."""
    if info.study is None:
        return f"{info.label} · {info.id}"
    return localized("trainpage.trial_label", study=info.study, trial=info.trial if info.trial is not None else "?",
                     id=info.id)


# -- a study's row -----------------------------------------------------------------------------------
def study_title(name: str, trials: list[runs.RunInfo], best_of: Callable[[runs.RunInfo], dict]) -> str:
    """The collapsed row of a study: its name, trials, best value of its metric and disk use."""
    size = human_size(sum(run_bytes(t) for t in trials))
    metric = study_metric(trials)
    value = best_value(trials, metric, best_of)
    if value is None:
        return localized("trainpage.study_row", name=md_literal(name), n=len(trials), size=size)
    return localized("trainpage.study_row_best", name=md_literal(name), n=len(trials), size=size,
                     metric=metric_name(metric), value=f"{value:.4g}")


METRICS = ("val_loss", "val_acc", "train_loss", "train_acc", "val_mae", "train_mae")    # each with a locale key


def metric_name(metric: str, language: str | None = None) -> str:
    """A per-epoch metric for people ("validation loss"); one without a name by its key. Pass ``language`` where
    it is called later, outside the script run (a widget's format_func)."""
    if metric not in METRICS:
        return metric
    return translate("metric." + metric, language) if language else localized("metric." + metric)


def study_metric(trials: list[runs.RunInfo]) -> str:
    """The metric the trials' checkpointing watched (their summaries say), else val_loss."""
    for trial in trials:
        if trial.summary and isinstance(trial.summary.get("best_metric"), str):
            return trial.summary["best_metric"]
    return "val_loss"


def best_value(trials: list[runs.RunInfo], metric: str, best_of: Callable[[runs.RunInfo], dict]) -> float | None:
    """The best value of ``metric`` over the trials that were not pruned (as Optuna counts a study's best)."""
    values = [best_of(t).get(metric) for t in trials if t.status.get("stop_reason") != "pruned"]
    values = [v for v in values if v is not None]
    if not values:
        return None
    return max(values) if metric.endswith("acc") else min(values)


# -- deleting many runs ------------------------------------------------------------------------------
def delete_many_section(loose: list[runs.RunInfo], studies: dict[str, list[runs.RunInfo]],
                        forget: Callable[[set[str]], None]) -> None:
    """Pick whole studies and single runs, see how many runs and how much disk, confirm, delete."""
    infos = loose + [t for trials in studies.values() for t in trials]
    by_id = {r.id: r for r in infos}
    said_last_deletion()
    with st.expander(localized("trainpage.bulk.title"), icon=":material/delete_sweep:"), \
            st.container(key="tp_bulk"):
        left, right = st.columns(2)
        # the options' texts made now: a format_func also runs later, outside this run (where the language is unknown)
        study_texts = {name: localized("trainpage.bulk.study_option", name=name, n=len(trials))
                       for name, trials in studies.items()}
        run_texts = {rid: run_label(info) for rid, info in by_id.items()}
        picked_studies = left.multiselect(localized("trainpage.bulk.studies"), list(studies), key="tp_bulk_studies",
                                          disabled=not studies, format_func=study_texts.get)
        picked_runs = right.multiselect(localized("trainpage.bulk.runs"), list(by_id), key="tp_bulk_runs",
                                        format_func=run_texts.get)
        chosen = list({r.id: r for name in picked_studies for r in studies.get(name, [])}.values())
        chosen += [by_id[rid] for rid in picked_runs if rid in by_id and rid not in {r.id for r in chosen}]
        busy = [r for r in chosen if r.state in runs.LIVE_STATES]
        ready = [r for r in chosen if r.state not in runs.LIVE_STATES]
        if busy:
            st.warning(localized("trainpage.bulk.busy", runs=", ".join(md_literal(run_texts[r.id]) for r in busy)))
        with st.popover(localized("trainpage.bulk.go", n=len(ready)), icon=":material/delete:", disabled=not ready):
            st.markdown(localized("trainpage.bulk.confirm", n=len(ready),
                                  size=human_size(sum(run_bytes(r) for r in ready))))
            st.button(localized("trainpage.bulk.yes"), type="primary", key="tp_bulk_yes", icon=":material/delete:",
                      on_click=delete_chosen, args=([r.dir for r in ready], {r.id: run_texts[r.id] for r in ready},
                                                    forget))


def delete_chosen(dirs: list, labels: dict[str, str], forget: Callable[[set[str]], None]) -> None:
    """A callback (before the rerun): delete, let the page's choices forget the runs, keep the outcome to say."""
    done = runs.delete_many(dirs)
    forget({d.name for d in done.deleted})
    st.session_state["tp_bulk_studies"] = []
    st.session_state["tp_bulk_runs"] = []
    st.session_state[DONE] = {"deleted": len(done.deleted), "freed": done.freed,
                              "busy": [labels.get(d.name, d.name) for d in done.busy],
                              "failed": [labels.get(d.name, d.name) for d in done.failed]}


def said_last_deletion() -> None:
    done = st.session_state.pop(DONE, None)
    if done is None:
        return
    st.success(localized("trainpage.bulk.done", n=done["deleted"], size=human_size(done["freed"])),
               icon=":material/delete_sweep:")
    if done["busy"]:
        st.warning(localized("trainpage.bulk.busy", runs=", ".join(map(md_literal, done["busy"]))))
    if done["failed"]:
        st.error(localized("trainpage.bulk.failed", runs=", ".join(map(md_literal, done["failed"]))))
