"""The Train page's "learn from a teacher run" section (knowledge distillation, runtime.distill) and the
Compare table that puts a teacher and its students side by side."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from runtime import runs
from runtime.config import BY_NAME
from runtime.distill import can_teach, output_shape
from runtime.latency import run_latency
from ui import runs_bulk
from ui.session import lang, localized

CHOSEN = "tp_teacher_choice"      # the teacher's run id, kept while the form is hidden (a run training)
ROLES = ("teacher", "student", "other")
KD_FIELDS = [BY_NAME["kd_alpha"], BY_NAME["kd_temperature"]]


def teacher_section(resolved: str, result, values: dict, draw_fields) -> dict:
    """Offer the finished classification runs whose outputs fit the graph as teachers; the form's values
    with ``teacher`` (the run's folder) when one is picked. ``draw_fields(fields, values)`` draws α and T."""
    if resolved != "classification" or not result.ok:
        return values
    shape = output_shape(result)
    candidates = {i.id: i for i in runs.list_runs(runs.default_root()) if can_teach(i, shape)}
    chosen = st.session_state.get(CHOSEN)
    with st.expander(localized("trainpage.teacher_title"), icon=":material/school:", expanded=chosen in candidates):
        if not candidates:
            st.caption(localized("trainpage.teacher_none"))
            return values
        options = ["", *candidates]
        shown = chosen if chosen in candidates else ""
        key = teacher_key()
        if st.session_state.get(key) != shown:        # writing an unchanged value resets the widget
            st.session_state[key] = shown
        # the labels are made now: Streamlit may call format_func outside this run, where the language is unknown
        labels = {rid: _teacher_label(candidates.get(rid)) for rid in options}
        picked = st.selectbox(localized("trainpage.teacher"), options, key=key, format_func=labels.__getitem__,
                              help=localized("trainpage.help.teacher"), on_change=_remember, args=(key,))
        if not picked:
            return values
        values = {**values, "teacher": str(candidates[picked].dir)}
        draw_fields(KD_FIELDS, values)
    return values


def teacher_key() -> str:
    """The select's key, one per language: Streamlit keeps a keyed select's option texts from the language
    it was first drawn in, so after a switch its value would not be among the new texts."""
    return f"tp_teacher_{lang()}"


def _remember(key: str) -> None:
    st.session_state[CHOSEN] = st.session_state.get(key) or None


def _teacher_label(info) -> str:
    if info is None:
        return localized("trainpage.teacher_no")
    acc = (info.summary or {}).get("val_acc")
    shown = runs_bulk.run_label(info)
    return shown + (f" · {100 * acc:.1f}%" if isinstance(acc, (int, float)) else "")


def side_by_side(chosen: list[runs.RunInfo], infos: list[runs.RunInfo]) -> list[dict] | None:
    """Rows for the teachers and students among ``chosen`` (a chosen student brings its teacher from ``infos``):
    role, parameters, best validation accuracy, CPU latency per batch of 64; None when no run there is distilled."""
    teachers = {_where(i.config["teacher"]) for i in chosen if i.config.get("teacher")}
    if not teachers:
        return None
    brought = [i for i in infos if _where(i.dir) in teachers and i not in chosen]
    return [_cost_row(info, teachers) for info in [*brought, *chosen]]


def _where(folder) -> str:
    """A run folder as one string however it was written (relative or not)."""
    return str(Path(folder).resolve())


def _cost_row(info: runs.RunInfo, teachers: set[str]) -> dict:
    facts = run_latency(info.dir) or {}
    acc = (info.summary or {}).get("val_acc")
    role = "teacher" if _where(info.dir) in teachers else ("student" if info.config.get("teacher") else "other")
    return {localized("trainpage.col.run"): runs_bulk.run_label(info),
            localized("trainpage.col.role"): localized(f"trainpage.role.{role}"),
            localized("trainpage.col.params"): facts.get("params"),
            localized("trainpage.col.val_acc"): None if acc is None else round(100 * acc, 2),
            localized("trainpage.col.latency"): None if "latency_ms" not in facts else round(facts["latency_ms"], 3)}
