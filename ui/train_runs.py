"""The Train page's runs list: past runs with their best metrics (a study's trials grouped), compare, continue,
fine-tune, delete one or many."""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import streamlit as st

from builder.errors import CodedError

from builder.i18n import pick
from runtime import runfiles
from runtime.config import BY_NAME
from runtime import runs
from ui import figures
from ui import runs_bulk
from ui import train_cache
from ui import train_config
from ui import train_live
from ui import train_state
from ui import train_teacher
from ui.literal import md_literal
from ui.session import labeller, lang, localized


EPOCHS, LR, FREEZE = BY_NAME["epochs"], BY_NAME["lr"], BY_NAME["freeze"]


def run_row(info: runs.RunInfo, best: dict, language: str) -> dict:
    """One row of the runs table (column names translated); a trial's starts with its number."""
    cfg = info.config
    key = train_config.key_config(cfg)
    status = info.status
    data = status.get("data") or (cfg.get("upload") and Path(str(cfg["upload"])).name) or cfg.get("data", "")
    mode = status.get("mode") or cfg.get("mode", "auto")
    created = info.job.get("created")
    trial = {localized("trainpage.col.trial"): info.trial} if info.study is not None else {}
    return {
        **trial,
        localized("trainpage.col.run"): info.label,
        localized("trainpage.col.state"): localized(f"trainpage.state.{info.state}") if info.state != "unknown" else "?",
        localized("trainpage.col.data"): data,
        localized("trainpage.col.mode"): localized(f"mode.{mode}"),
        localized("trainpage.col.optimizer"): key["optimizer"],
        localized("trainpage.col.lr"): key["lr"],
        localized("trainpage.col.batch"): key["batch_size"],
        localized("trainpage.col.epochs"): f"{train_state.epochs_done(status)}/{planned_epochs(info)}",
        localized("trainpage.col.best_val_loss"): best.get("val_loss", best.get("train_loss")),
        localized("trainpage.col.best_metric"): _best_metric(best),
        localized("trainpage.col.test"): _test_metric(train_state.test_scores(info.summary)),
        localized("trainpage.col.started"): time.strftime("%m-%d %H:%M", time.localtime(created)) if created else "",
        localized("trainpage.col.disk"): runs_bulk.human_size(runs_bulk.run_bytes(info)),
        localized("trainpage.col.id"): info.id,
    }


def planned_epochs(info: runs.RunInfo):
    """The epochs a run plans, as its header says: its status's (a continued run's new total), else its config's."""
    return info.status.get("epochs") or info.config.get("epochs", "?")


def _best_metric(best: dict) -> str:
    if "val_acc" in best or "train_acc" in best:
        return f"{100 * best.get('val_acc', best.get('train_acc')):.1f}%"
    if "val_mae" in best or "train_mae" in best:
        return localized("trainpage.cell_mae", value=f"{best.get('val_mae', best.get('train_mae')):.4g}")
    return ""


def _test_metric(scores: dict) -> str:
    """The test split's headline figure: accuracy, else MAE and R²; empty without a test split."""
    if "test_acc" in scores:
        return f"{100 * scores['test_acc']:.1f}%"
    if "test_mae" in scores:
        return localized("trainpage.cell_mae_r2", mae=f"{scores['test_mae']:.4g}",
                         r2=f"{scores.get('test_r2', float('nan')):.3f}")
    if "test_loss" in scores:
        return f"{scores['test_loss']:.4g}"
    return ""


def best_of(info: runs.RunInfo) -> dict:
    return train_state.best_metrics(train_cache.metrics(info.dir).records)


def runs_section(current: runs.RunInfo | None) -> None:
    language = lang()
    st.subheader(localized("trainpage.runs"), anchor=False)
    infos = runs.list_runs(runs.default_root())
    if not infos:
        st.caption(localized("trainpage.no_runs"))
        return
    by_id = {r.id: r for r in infos}
    loose, studies = runs.by_study(infos)
    if loose:
        runs_table(loose, language, "tp_runs_table")
    for number, (name, trials) in enumerate(studies.items()):
        with st.expander(runs_bulk.study_title(name, trials, best_of)), st.container(key=f"tp_study_{number}"):
            runs_table(trials, language, f"tp_study_table_{number}")

    labels = {r.id: runs_bulk.run_label(r) for r in infos}
    compare_col, act_col = st.columns([1.6, 1], gap="medium")
    with compare_col:
        # a widget per newest run: a new run opens a new one with it picked; the page never writes the widget's
        # value (a write that a rerun overtakes would come back from the browser as the user's pick)
        newest = infos[0].id        # list_runs: newest first (ids name the second; within one, the job's creation time)
        key = f"tp_compare::{newest}"
        chosen = st.multiselect(localized("trainpage.compare"), list(by_id), default=compared(list(by_id)),
                                format_func=labels.get, key=key, help=localized("trainpage.help.compare"),
                                on_change=remember_compare, args=(key, newest))
        if chosen:
            metrics_all = {"loss"}
            for rid in chosen:
                best = best_of(by_id[rid])
                metrics_all |= {k.split("_", 1)[1] for k in best}
            metric_opts = [m for m in ("loss", "acc", "mae") if m in metrics_all]
            metric = st.segmented_control(localized("trainpage.compare_metric"), metric_opts, default=metric_opts[0],
                                          format_func=labeller("fig."), key="tp_compare_metric") \
                or metric_opts[0]
            series = [(labels[rid], train_cache.metrics(by_id[rid].dir).records) for rid in chosen]
            st.plotly_chart(figures.overlay(series, metric, language), config=train_cache.PLOT_CONFIG, key="tp_overlay")
            pairs = train_teacher.side_by_side([by_id[rid] for rid in chosen], infos)
            if pairs:
                st.caption(localized("trainpage.compare_teacher"))
                with st.container(key="tp_compare_teacher"):       # a plain table: a few rows, readable as text
                    st.table(pd.DataFrame(pairs).set_index(localized("trainpage.col.run")))
            tested = {rid: train_state.test_scores(by_id[rid].summary) for rid in chosen}
            tested = {rid: scores for rid, scores in tested.items() if scores}
            if tested:
                st.caption(localized("trainpage.compare_test"))
                st.dataframe([{localized("trainpage.col.run"): labels[rid],
                               **{localized("trainpage.score." + k): v for k, v in scores.items()}}
                              for rid, scores in tested.items()], hide_index=True, width="stretch",
                             key="tp_compare_test")
    with act_col:
        options = list(by_id)
        default = current.id if current is not None and current.id in by_id else options[0]
        if st.session_state.get("tp_act_run") not in options:
            st.session_state["tp_act_run"] = default
        rid = st.selectbox(localized("trainpage.act_on"), options, format_func=labels.get, key="tp_act_run")
        info = by_id[rid]
        _actions(info, current)
    runs_bulk.delete_many_section(loose, studies, forget)


def runs_table(infos: list[runs.RunInfo], language: str, key: str) -> None:
    rows = [run_row(r, best_of(r), language) for r in infos]
    lr_col = localized("trainpage.col.lr")
    loss_col = localized("trainpage.col.best_val_loss")
    id_col = localized("trainpage.col.id")
    st.dataframe(rows, hide_index=True, width="stretch", key=key,
                 column_config={id_col: st.column_config.TextColumn(id_col, width="small"),
                                lr_col: st.column_config.NumberColumn(lr_col, format="%.1e"),
                                loss_col: st.column_config.NumberColumn(loss_col, format="%.4f")})


def compared(ids: list[str]) -> list[str]:
    """The runs to compare: the newest run until the user picks; then the user's pick (of the runs that
    still exist), and the newest run if it came after that pick (a run just started)."""
    newest = ids[0]            # ids newest first, as runs.list_runs orders them
    choice = st.session_state.get("tp_compare_choice")
    if choice is None:
        return [newest]
    picked, newest_then = choice
    picked = [i for i in picked if i in ids]
    if newest != newest_then and newest not in picked:
        picked.append(newest)
    return picked


def remember_compare(key: str, newest: str) -> None:
    """The user's pick and the newest run then: a run taken out stays out, a newer one joins."""
    st.session_state["tp_compare_choice"] = (list(st.session_state.get(key) or []), newest)


def _actions(info: runs.RunInfo, current: runs.RunInfo | None) -> None:
    live_now = info.state in runs.LIVE_STATES
    anything_live = current is not None and current.state in runs.LIVE_STATES
    has_ckpt = (info.dir / runfiles.CKPT_LAST).exists()
    cfg = info.config
    with st.container(border=True, key="tp_run_card"):
        best = best_of(info)
        facts = [localized(f"trainpage.state.{info.state}") if info.state != "unknown" else "?",
                 localized("trainpage.epochs_done", done=train_state.epochs_done(info.status),
                           planned=planned_epochs(info))]
        if best.get("val_loss", best.get("train_loss")) is not None:
            facts.append(localized("trainpage.best_loss", value=f"{best.get('val_loss', best.get('train_loss')):.4f}"))
        if _best_metric(best):
            facts.append(_best_metric(best))
        st.markdown(f"**{md_literal(info.label)}** · " + " · ".join(facts))
        c1, c2 = st.columns(2)
        if c1.button(localized("trainpage.show_run"), icon=":material/visibility:", key="tp_show", width="stretch",
                     disabled=current is not None and current.id == info.id or anything_live):
            st.session_state[train_live.CURRENT] = info.id
            st.rerun()
        with c2.popover(localized("trainpage.delete"), icon=":material/delete:", width="stretch", disabled=live_now):
            st.markdown(localized("trainpage.delete_confirm", label=md_literal(info.label)))
            st.button(localized("trainpage.delete_yes"), type="primary", key="tp_delete_yes", icon=":material/delete:",
                      on_click=_delete, args=(info,))

        if anything_live:      # nothing to do with these until the run in progress ends
            st.caption(localized("trainpage.when_idle"))
            return
        can_continue = has_ckpt and not live_now
        with st.expander(localized("trainpage.continue"), icon=":material/resume:"):
            st.caption(localized("trainpage.continue_hint"))
            done = train_state.epochs_done(info.status)
            planned = int(cfg.get("epochs", 10))
            total = st.number_input(localized("trainpage.total_epochs"), min_value=1, max_value=int(EPOCHS.hi),
                                    value=planned if done < planned else planned + 10, key=f"tp_cont_epochs_{info.id}")
            if st.button(localized("trainpage.continue_go"), icon=":material/play_arrow:", key="tp_continue",
                         disabled=not can_continue or total <= done, width="stretch"):
                try:
                    runs.continue_run(info.dir, epochs=int(total))
                    st.session_state[train_live.CURRENT] = info.id
                    train_cache.cache()["tails"].pop(str(info.dir / runfiles.METRICS), None)
                    st.rerun()
                except CodedError as exc:   # a run that cannot continue or fine-tune: say why
                    st.error(md_literal(exc.message(lang())))

        with st.expander(localized("trainpage.fine_tune"), icon=":material/model_training:"):
            st.caption(localized("trainpage.fine_tune_hint"))
            doc = runfiles.read_json(info.dir / runfiles.GRAPH) or info.job.get("graph") or {}
            layers = trainable_layers(doc)
            freeze = st.multiselect(pick(FREEZE.label, lang()), layers, key=f"tp_freeze_{info.id}",
                                    help=pick(FREEZE.help, lang()))
            f1, f2 = st.columns(2)
            epochs = f1.number_input(pick(EPOCHS.label, lang()), min_value=int(EPOCHS.lo), max_value=int(EPOCHS.hi),
                                     value=5, key=f"tp_ft_epochs_{info.id}")
            # a tenth of the run's rate: fine-tuning nudges weights that already work
            lr = f2.number_input(pick(LR.label, lang()), min_value=LR.lo, max_value=LR.hi, step=LR.step, format="%g",
                                 value=max(LR.lo, float(cfg.get("lr", LR.default)) / 10), key=f"tp_ft_lr_{info.id}")
            if st.button(localized("trainpage.fine_tune_go"), icon=":material/play_arrow:", key="tp_finetune",
                         disabled=not (has_ckpt or (info.dir / runfiles.CKPT_BEST).exists()) or anything_live,
                         width="stretch"):
                try:
                    new_dir = runs.fine_tune(info.dir, freeze, overrides={"epochs": int(epochs), "lr": float(lr)},
                                             root=runs.default_root())
                    st.session_state[train_live.CURRENT] = new_dir.name
                    st.rerun()
                except CodedError as exc:   # a run that cannot continue or fine-tune: say why
                    st.error(md_literal(exc.message(lang())))
        if not has_ckpt:
            st.caption(localized("trainpage.no_checkpoint"))


def _delete(info: runs.RunInfo) -> None:
    """Before the rerun (a callback), so the widgets that name the run can forget it."""
    runs.delete(info.dir)
    forget({info.id})


def forget(gone: set[str]) -> None:
    """The page's choices forget deleted runs: the run shown, the runs compared, the run acted on."""
    if st.session_state.get(train_live.CURRENT) in gone:
        st.session_state.pop(train_live.CURRENT, None)
    choice = st.session_state.get("tp_compare_choice")
    if choice is not None:
        st.session_state["tp_compare_choice"] = ([i for i in choice[0] if i not in gone], choice[1])
    st.session_state.pop("tp_act_run", None)


def trainable_layers(doc: dict) -> list[str]:
    """Node ids with trainable parameters, in graph order: what fine-tuning can freeze."""
    from builder.shapes import check
    counts = check(doc).counts if doc else {}
    return [n["id"] for n in doc.get("nodes", []) if counts.get(n.get("id"), 0) > 0]
