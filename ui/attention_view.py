"""The Train page's attention view: where each position of a validation sentence looks (attention.npz,
written by runtime/attention_record.py for runs with MultiheadAttention layers)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from builder.i18n import translate
from ui import figures
from ui import train_cache
from ui.literal import plotly_literal
from ui.session import lang, localized

PREFIX = "weights__"


def position_labels(tokens: np.ndarray | None, vocab: list | None, length: int) -> tuple[list[str], np.ndarray]:
    """Axis labels ("3 good": position and word) and the positions shown: every one, or without the padding
    (token 0) when the input is token ids."""
    if tokens is None:
        return [str(i) for i in range(length)], np.arange(length)
    shown = np.flatnonzero(tokens != 0)
    shown = shown if len(shown) else np.arange(length)

    def word(t):
        return str(vocab[t]) if vocab and 0 <= t < len(vocab) else str(t)
    return [f"{i} {word(int(tokens[i]))}" for i in shown], shown


def attention_figure(weights: np.ndarray, tokens: np.ndarray | None, vocab: list | None, language: str) -> go.Figure:
    """One sample's (L, S) weights as a heat map: a row per query position, a column per key position."""
    labels, shown = position_labels(tokens, vocab, weights.shape[1])
    z = weights[np.ix_(shown, shown)] if weights.shape[0] == weights.shape[1] else weights[:, shown]
    rows = labels if weights.shape[0] == weights.shape[1] else [str(i) for i in range(weights.shape[0])]
    fig = go.Figure(go.Heatmap(z=z, x=[plotly_literal(t) for t in labels], y=[plotly_literal(t) for t in rows],
                               colorscale="Blues", zmin=0.0, xgap=1, ygap=1,
                               hovertemplate="%{y} → %{x}: %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", title_text=translate("attention.queries", language))
    fig.update_xaxes(type="category", title_text=translate("attention.keys", language), tickangle=-45)
    return figures._layout(fig, translate("attention.title", language), height=200 + 22 * len(rows))


def vocab_of(preprocess: dict) -> list | None:
    """The data's token table from a run's preprocess.json (None for data that is not tokens)."""
    return (preprocess.get("preprocess") or {}).get("vocab")


def draw_attention(run_dir: Path, version, arrays: dict) -> None:
    layers = [key[len(PREFIX):] for key in arrays if key.startswith(PREFIX)]
    language = lang()
    st.caption(localized("attention.hint", epoch=int(arrays.get("epoch", 0))))
    left, right = st.columns(2)
    layer = left.selectbox(localized("attention.layer"), layers, key="tp_attention_layer") if len(layers) > 1 \
        else layers[0]
    weights = arrays[PREFIX + layer]
    sample = right.selectbox(localized("attention.sample"), list(range(1, len(weights) + 1)),
                             key="tp_attention_sample") - 1
    tokens = arrays["tokens"][sample] if "tokens" in arrays else None
    vocab = vocab_of(train_cache.preprocess(run_dir))
    train_cache.chart(train_cache.figure("attention", (str(run_dir), version, layer, sample, language),
                                         lambda: attention_figure(weights[sample], tokens, vocab, language)),
                      "tp_attention")
