"""The Export page's Compress tab: the form, the before/after table and the per-layer plots of a
compressed run (runtime.compress writes it; this only starts it and reads ``compression.json``)."""
from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from builder.errors import CodedError
from builder.i18n import translate
from runtime import runfiles, runs
from runtime.compress.pipeline import REPORT, Steps, compress

from .figures import ACCENT, TRAIN, _layout
from .literal import md_literal, plotly_literal

ROWS = ("params", "nonzero", "bytes", "latency_ms", "val_acc", "val_loss")
QUANTIZE_CHOICES = ("none", "dynamic", "static")


def report_of(run_dir: Path) -> dict | None:
    """A compressed run's compression.json, None for other runs."""
    return runfiles.read_json(Path(run_dir) / REPORT)


def table_rows(report: dict, lang: str) -> list[dict]:
    """One row per measure: its name, before, after and after/before."""
    rows = []
    for key in ROWS:
        before, after = report["before"].get(key), report["after"].get(key)
        if before is None or after is None:
            continue
        rows.append({translate("compresspage.measure", lang): translate(f"compresspage.row_{key}", lang),
                     translate("compresspage.before", lang): _shown(key, before),
                     translate("compresspage.after", lang): _shown(key, after),
                     translate("compresspage.ratio", lang): f"{after / before:.2f}×" if before else "–"})
    return rows


def _shown(key: str, value) -> str:
    if key == "val_acc":
        return f"{100 * value:.1f}%"
    if key == "latency_ms":
        return f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def sparsity_figure(report: dict, lang: str) -> go.Figure:
    """Share of zero weights per layer, before and after."""
    fig = go.Figure()
    for which, color in (("before", TRAIN), ("after", ACCENT)):
        layers = report["layers"][which]
        fig.add_bar(x=[plotly_literal(n) for n in layers], y=[100 * v["sparsity"] for v in layers.values()],
                    name=translate(f"compresspage.{which}", lang), marker_color=color)
    return _layout(fig, translate("compresspage.sparsity", lang), yaxis_title="%", barmode="group")


def histogram_figure(report: dict, layer: str, lang: str) -> go.Figure:
    """The layer's weight histogram before and after, on the same bins."""
    fig = go.Figure()
    for which, color in (("before", TRAIN), ("after", ACCENT)):
        hist = report["layers"][which].get(layer)
        if hist is None:
            continue
        edges, counts = hist["histogram"]["edges"], hist["histogram"]["counts"]
        centres = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
        fig.add_bar(x=centres, y=counts, name=translate(f"compresspage.{which}", lang), marker_color=color, opacity=0.7)
    return _layout(fig, translate("compresspage.histogram", lang, layer=layer), barmode="overlay")


def steps_from(prune_on: bool, amount: float, structured: bool, quantize: str, epochs: int) -> Steps:
    return Steps(prune=amount if prune_on else None, structured=structured and prune_on,
                 quantize=None if quantize == "none" else quantize, finetune_epochs=int(epochs) if prune_on else 0)


def run_compression(source: Path, steps: Steps) -> tuple[str, dict]:
    """Compress ``source`` into a new run folder in the runs root; (its id, the report). It runs here:
    on the toy sets it takes seconds (fine-tuning adds epochs)."""
    run_id = runs.new_run_id()
    report = compress(source, runs.default_root() / run_id, steps)
    return run_id, report


def render_form(run_info, lang: str) -> None:
    st.caption(translate("compresspage.help", lang))
    c1, c2 = st.columns(2)
    prune_on = c1.toggle(translate("compresspage.prune", lang), value=False, key="cmp_prune")
    amount = c1.slider(translate("compresspage.amount", lang), 0.05, 0.95, 0.5, 0.05, key="cmp_amount",
                       disabled=not prune_on)
    structured = c1.toggle(translate("compresspage.structured", lang), value=False, key="cmp_structured",
                           disabled=not prune_on)
    epochs = c1.number_input(translate("compresspage.finetune", lang), 0, 50, 0, key="cmp_epochs", disabled=not prune_on)
    quantize = c2.radio(translate("compresspage.quantize", lang), QUANTIZE_CHOICES, key="cmp_quantize",
                        format_func=lambda c: translate(f"compresspage.quantize_{c}", lang))
    if st.button(translate("compresspage.start", lang), icon=":material/compress:", key="cmp_start", type="primary"):
        with st.spinner(translate("compresspage.working", lang)):
            try:
                made = run_compression(run_info.dir, steps_from(prune_on, amount, structured, quantize, epochs))
            except CodedError as exc:
                st.session_state["compressed"] = (run_info.id, None, exc)
            else:
                st.session_state["compressed"] = (run_info.id, *made)
                st.rerun()    # the page's run list (drawn above) then holds the new run
    made = st.session_state.get("compressed")
    if made and made[0] == run_info.id:
        if isinstance(made[2], CodedError):
            st.error(md_literal(made[2].message(lang)), icon=":material/error:")
        else:
            st.success(translate("compresspage.done", lang, run=made[1]), icon=":material/check_circle:")
            render_report(made[2], lang)


def render_report(report: dict, lang: str) -> None:
    st.table(table_rows(report, lang))      # a small HTML table: its numbers are text on the page
    if report.get("float_layers"):
        st.caption(md_literal(translate("compresspage.float_layers", lang, layers=", ".join(report["float_layers"]))))
    st.plotly_chart(sparsity_figure(report, lang), key="cmp_sparsity")
    layers = list(report["layers"]["before"])
    if layers:
        layer = st.selectbox(translate("compresspage.layer", lang), layers, key="cmp_layer")
        st.plotly_chart(histogram_figure(report, layer, lang), key="cmp_hist")


def render(run_info, lang: str) -> None:
    """The tab: a compressed run's report, else the form to compress the run."""
    report = report_of(run_info.dir)
    if report is not None:
        st.caption(md_literal(translate("compresspage.compressed_from", lang, run=report.get("source", "?"))))
        render_report(report, lang)
    else:
        render_form(run_info, lang)
