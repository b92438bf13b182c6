"""Streamlit side of the Data page: cached loading, and "what the data is" per kind.

The loading functions are cached per data set + options (built-in) or per stored file +
size + mtime + options (uploads; the file's folder is its content hash), and return the
small ``DataView``, never the whole set.
"""
from __future__ import annotations

import json

import numpy as np
import streamlit as st

from builder.i18n import translate

from . import figures
from .data_upload import csv_head, signature
from .data_view import DataView, builtin_view, dna_letters, fmt_num, mosaic_titles, table_frame, text_rows, upload_view
from .literal import md_literal
from .tree_view import render_trees

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


@st.cache_data(max_entries=24, show_spinner=False)
def _builtin_view(name: str, options_json: str) -> DataView:
    return builtin_view(name, json.loads(options_json))


@st.cache_data(max_entries=8, show_spinner=False)
def _upload_view(path: str, size: int, mtime: float, options_json: str) -> DataView:
    return upload_view(path, json.loads(options_json))


def load_builtin(name: str, options: dict) -> DataView:
    return _builtin_view(name, json.dumps(options, sort_keys=True))


def load_upload(path: str, options: dict) -> DataView:
    p, size, mtime = signature(path)
    return _upload_view(p, size, mtime, json.dumps(options, sort_keys=True))


@st.cache_resource(max_entries=16, show_spinner=False)
def _image_grid(images: np.ndarray, titles: tuple[str, ...], uirevision: str):
    return figures.image_mosaic(images, titles=list(titles), cols=8, uirevision=uirevision)


def image_grid(view: DataView):
    """The sample grid of an image set, built once per set and shared by every session (building
    it costs ~50 ms, the process's first Plotly figure ~0.3 s); None for other kinds of data.
    The figure is shared: draw it, never change it."""
    if not view.is_image:
        return None
    first = next(iter(view.samples.values()))
    return _image_grid(first, tuple(mosaic_titles(view, len(first))), f"grid{view.name}")


def plot(fig, key: str | None = None) -> None:
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=key)


# ----------------------------------------------------------------------------- samples

def render_samples(view: DataView, lang: str, upload_path: str | None = None) -> None:
    """The data as people look at it: images as a grid, tables as a table, points as a
    scatter plot, sequences as lines, tokens as text, DNA as letters and a heat map."""
    kind = view.kind
    first = next(iter(view.samples.values()))
    shown = len(first)
    if kind == "audio":
        from .data_audio import render_samples as render_sounds
        render_sounds(view, lang)
    elif view.is_image:
        plot(image_grid(view), key="data_grid")
        st.caption(translate("datapage.samples_images", lang, shown=shown, n=f"{view.n:,}"))
    elif kind in ("points2d", "points") and view.points is not None:
        if view.points.shape[1] == 2:
            fig = figures.points_2d(view.points, view.point_labels, view.class_names, lang,
                                    title=translate("datapage.scatter_title", lang, name=view.name))
            fig.update_yaxes(scaleanchor="x", scaleratio=1)
            plot(fig, key="data_scatter")
        else:
            plot(figures.target_histogram(view.points[:, 0], lang, title=translate("datapage.points_1d", lang)),
                 key="data_hist1d")
        st.caption(translate("datapage.samples_points", lang, shown=f"{len(view.points):,}", n=f"{view.n:,}"))
    elif kind == "sequence" and first.ndim >= 2:
        flat = first[..., 0] if first.ndim == 3 else first
        if first.ndim == 3 and first.shape[-1] == 1 and np.isin(flat, (0.0, 1.0)).all():   # bits: rows read better
            rows = [f"#{i + 1} {view.label_text(None if view.sample_targets is None else view.sample_targets[i])}"
                    for i in range(len(flat))]
            plot(figures.rows_heatmap(flat, rows, lang, title=translate("datapage.bits_title", lang)), key="data_bits")
        else:
            labels = view.sample_targets if view.task == "classification" else None
            nxt = view.sample_targets if view.task == "regression" else None
            plot(figures.sequences(first, labels, view.class_names, lang, n=shown, next_values=nxt),
                 key="data_sequences")
        st.caption(translate("datapage.samples_rows", lang, shown=shown, n=f"{view.n:,}"))
    elif kind == "tokens":
        label = translate("datapage.col_label", lang)
        st.dataframe(text_rows(view, label), hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn(translate("datapage.col_text", lang), width="large"),
                                    "ids": st.column_config.TextColumn(translate("datapage.col_ids", lang), width="medium")})
        st.caption(translate("datapage.tokens_note", lang, vocab=len(view.vocab or []),
                     seq_len=view.sample_shape[0] if view.sample_shape else "?", n=f"{view.n:,}"))
    elif kind == "trees":
        render_trees(view, lang, plot)
    elif kind == "corpus":
        from ui.textgen_view import corpus_preview
        corpus_preview(view, lang)
    elif kind == "dna":
        alphabet = view.extra.get("alphabet") or "ACGT"
        motif = (view.extra.get("options") or {}).get("motif")
        rows = []
        for i, x in enumerate(first):
            letters = dna_letters(x, alphabet)
            row = {"dna": letters, translate("datapage.col_label", lang): view.label_text(
                None if view.sample_targets is None else view.sample_targets[i])}
            if motif:
                row[translate("datapage.col_motif_at", lang)] = (letters.find(motif) + 1) or None
            rows.append(row)
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"dna": st.column_config.TextColumn(translate("datapage.col_sequence", lang),
                                                                       width="large")})
        plot(figures.one_hot_heatmap(first[0], alphabet, lang, title=translate("datapage.one_hot_title", lang)),
             key="data_onehot")
        st.caption(translate("datapage.samples_rows", lang, shown=shown, n=f"{view.n:,}"))
    else:   # tables, ratings, anything else with rows
        if upload_path and view.extra.get("csv"):
            try:
                head = csv_head(upload_path, 200)
                target = (view.extra.get("csv") or {}).get("target")
                config = {target: st.column_config.Column(f"{target} · {translate('datapage.col_target', lang)}")} \
                    if target in head.columns else None
                st.dataframe(head, hide_index=True, width="stretch", height=320, column_config=config)
            except Exception:  # noqa: BLE001 - the parsed view below still shows the data
                st.dataframe(table_frame(view, translate("datapage.col_target", lang)), hide_index=True, width="stretch")
            render_csv_plan(view, lang)
        else:
            st.dataframe(table_frame(view, translate("datapage.col_target", lang)), hide_index=True, width="stretch",
                         height=320)
        st.caption(translate("datapage.samples_rows", lang, shown=shown, n=f"{view.n:,}"))


def render_csv_plan(view: DataView, lang: str) -> None:
    plan = view.extra.get("csv") or {}
    numeric = [md_literal(c["name"]) for c in plan.get("columns", []) if c["type"] == "numeric"]
    categorical = [f"{md_literal(c['name'])} ({len(c['categories'])})" for c in plan.get("columns", [])
                   if c["type"] != "numeric"]
    lines = [translate("datapage.csv_features", lang, n=len(view.feature_names or []), numeric=", ".join(numeric) or "–",
               categorical=", ".join(categorical) or "–")]
    dropped = plan.get("dropped_columns") or []
    if dropped:
        lines.append(translate("datapage.csv_dropped", lang, columns=", ".join(
            f"{md_literal(d['name'])} ({translate('datapage.drop_reason.' + d['reason'], lang)})" for d in dropped)))
    if plan.get("dropped_rows"):
        lines.append(translate("datapage.csv_dropped_rows", lang, n=plan["dropped_rows"]))
    st.caption("  \n".join(lines))


# ----------------------------------------------------------------------------- classes

def render_balance(view: DataView, sizes: dict | None, lang: str) -> None:
    if view.task == "classification" and view.class_names:
        per = (sizes or {}).get("per_class") or {"train": list(view.class_counts().values())}
        plot(figures.class_balance_splits(view.class_names, per, lang), key="data_balance")
        counts = np.asarray(list(view.class_counts().values()))
        if len(counts) and counts.min() > 0:
            st.caption(translate("datapage.balance_note", lang, k=len(counts), lo=int(counts.min()), hi=int(counts.max()),
                         ratio=f"{counts.max() / counts.min():.1f}"))
    elif view.targets is not None:
        plot(figures.target_histogram(view.targets, lang), key="data_target_hist")
        st.caption(translate("datapage.regression_note", lang, lo=fmt_num(np.nanmin(view.targets)),
                     hi=fmt_num(np.nanmax(view.targets)), mean=fmt_num(np.nanmean(view.targets))))
    else:
        st.info(translate("datapage.no_labels", lang), icon=":material/label_off:")
