"""Plotly figures for the Train and Data pages, built from run records (docs/run-format.md).

Pure functions: records and arrays in, ``go.Figure`` out, every label through the
translation table. Names that come from users (classes, layers, runs, titles) are passed
in as plain text and shown as such (``plotly_literal``: Plotly reads its strings as HTML).
Figures keep a fixed ``uirevision`` so a live refresh keeps the user's zoom and hidden traces.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from builder.i18n import translate

from .literal import plotly_literal

TRAIN = "#2563eb"
VAL = "#f97316"
ACCENT = "#7c3aed"
GRID = "#e5e7eb"
PALETTE = ["#2563eb", "#f97316", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"]
HEAT = "Viridis"


# A small white template (plotly_white's look where it shows). Setting "plotly_white" by name costs
# ~50 ms a figure (plotly deep-copies the whole template), too much for charts refreshed every second.
TEMPLATE = {"layout": {
    "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": PALETTE, "hovermode": "closest",
    "font": {"color": "#374151"}, "title": {"x": 0.01},
    "xaxis": {"gridcolor": GRID, "linecolor": GRID, "ticks": "", "zeroline": False, "automargin": True},
    "yaxis": {"gridcolor": GRID, "linecolor": GRID, "ticks": "", "zeroline": False, "automargin": True},
    "hoverlabel": {"align": "left"}, "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
}}


def _layout(fig: go.Figure, title: str | None = None, height: int = 300, note: str | None = None,
            **kw) -> go.Figure:
    """The common look; ``note`` is a line under the title (e.g. which classes are shown)."""
    title_spec = dict(text=plotly_literal(title), font=dict(size=14), x=0.01) if title else None
    if title_spec and note:
        title_spec["subtitle"] = dict(text=note, font=dict(size=12, color="#6b7280"))
    fig.update_layout(
        template=TEMPLATE, height=height, margin=dict(l=48, r=16, t=(62 if note else 40) if title else 16, b=40),
        title=title_spec,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        uirevision=kw.pop("uirevision", title or "fig"), font=dict(family="Inter, Noto Sans CJK SC, sans-serif"), **kw)
    fig.update_xaxes(gridcolor=GRID, zeroline=False)
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    return fig


# ----------------------------------------------------------------------------- many classes

MAX_SHOWN_CLASSES = 30      # per-class views of a set with more classes show its most frequent ones
OTHER = "#9ca3af"


def top_classes(counts, limit: int = MAX_SHOWN_CLASSES) -> np.ndarray:
    """Indices of the ``limit`` classes with the largest counts (ties: the lower index), in
    class order; every index when there are no more than ``limit`` classes."""
    counts = np.asarray(counts, dtype=float).reshape(-1)
    if len(counts) <= limit:
        return np.arange(len(counts))
    return np.sort(np.argsort(-counts, kind="stable")[:limit])


def shown_note(shown: int, total: int, lang: str, key: str = "fig.top_classes") -> str | None:
    """"showing the 30 most frequent of 812 classes" when not every class is shown."""
    return translate(key, lang, shown=shown, total=f"{total:,}") if shown < total else None


def _class_name(class_names, c: int) -> str:
    """Class ``c``'s name as Plotly shows it literally (user text)."""
    return plotly_literal(class_names[c]) if class_names and 0 <= c < len(class_names) else str(c)


def _class_groups(labels: np.ndarray, class_names, lang: str) -> tuple[list[tuple[str, str, np.ndarray]], str | None]:
    """Scatter plots coloured by class: ``(name, colour, mask)`` per shown class, the most
    frequent ``MAX_SHOWN_CLASSES`` ones, then one grey group for all the others; and the note."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    present = np.unique(labels)
    counts = np.bincount(np.searchsorted(present, labels), minlength=len(present))
    shown = present[top_classes(counts)]
    groups = [(_class_name(class_names, int(c)), PALETTE[int(c) % len(PALETTE)], labels == c) for c in shown]
    if len(shown) < len(present):
        rest = ~np.isin(labels, shown)
        groups.append((translate("fig.other_classes", lang, n=f"{len(present) - len(shown):,}"), OTHER, rest))
    total = max(len(present), len(class_names or []))
    return groups, shown_note(len(shown), total, lang)


def split_records(records: list[dict]) -> tuple[list[dict], list[dict]]:
    steps = [r for r in records if r.get("kind") == "step"]
    epochs = [r for r in records if r.get("kind") == "epoch"]
    return steps, epochs


def _series(records, key, x="step"):
    pts = [(r[x], r[key]) for r in records if r.get(key) is not None and r.get(x) is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def metric_series(records: list[dict], metric: str) -> list[tuple[str, list, list]]:
    """The (kind, x, y) of each trace ``metric_curve`` draws, in its order: steps, train, val (those with data).

    A page that refreshes a curve every second can keep one built figure and swap in
    these arrays while the kinds stay the same (building Plotly objects is slow).
    """
    steps, epochs = split_records(records)
    out = []
    xs, ys = _series(steps, metric, x="epoch")
    if xs:
        out.append(("steps", xs, ys))
    for prefix, kind in (("train_", "train"), ("val_", "val")):
        ex, ey = _series(epochs, prefix + metric, x="epoch")
        if ex:
            out.append((kind, ex, ey))
    return out


def metric_curve(records: list[dict], metric: str, lang: str, title_key: str, log_y: bool = False) -> go.Figure:
    """Train steps as a thin line, train/val per epoch as markers, x in epochs."""
    fig = go.Figure()
    style = {"train": (TRAIN, "fig.train_epoch"), "val": (VAL, "fig.val_epoch")}
    ys = []
    for kind, xs, y in metric_series(records, metric):
        if kind == "steps":
            ys = y
            fig.add_trace(go.Scatter(x=xs, y=y, mode="lines", name=translate("fig.train_steps", lang),
                                     line=dict(color=TRAIN, width=1.2), opacity=0.55))
        else:
            color, name = style[kind]
            fig.add_trace(go.Scatter(x=xs, y=y, mode="lines+markers", name=translate(name, lang),
                                     line=dict(color=color, width=2.4), marker=dict(size=7)))
    _layout(fig, translate(title_key, lang), uirevision=metric)
    fig.update_xaxes(title_text=translate("fig.epoch", lang))
    if log_y and ys and min(ys) > 0:
        fig.update_yaxes(type="log")
    return fig


def step_series(records: list[dict], key: str) -> list[tuple[str, list, list]]:
    """The one trace of ``lr_curve`` (key "lr") or ``speed_curve`` (key "samples_per_s")."""
    steps, _ = split_records(records)
    xs, ys = _series(steps, key, x="epoch")
    return [(key, xs, ys)]


def lr_curve(records, lang) -> go.Figure:
    steps, _ = split_records(records)
    xs, ys = _series(steps, "lr", x="epoch")
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=ACCENT, width=2), name=translate("fig.lr", lang)))
    fig.update_xaxes(title_text=translate("fig.epoch", lang))
    fig.update_yaxes(rangemode="tozero", tickformat="~g")   # a constant rate is a line above 0, not at it
    return _layout(fig, translate("fig.lr", lang), height=220, uirevision="lr")


def speed_curve(records, lang) -> go.Figure:
    steps, _ = split_records(records)
    xs, ys = _series(steps, "samples_per_s", x="epoch")
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#16a34a", width=2), name=translate("fig.speed", lang)))
    fig.update_xaxes(title_text=translate("fig.epoch", lang))
    return _layout(fig, translate("fig.speed", lang), height=220, uirevision="speed")


def overlay(runs: list[tuple[str, list[dict]]], metric: str, lang: str) -> go.Figure:
    """Several runs' validation (else training) curves of one metric, one colour each."""
    fig = go.Figure()
    for i, (label, records) in enumerate(runs):
        _, epochs = split_records(records)
        key = "val_" + metric if any(r.get("val_" + metric) is not None for r in epochs) else "train_" + metric
        xs, ys = _series(epochs, key, x="epoch")
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=plotly_literal(label),
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    fig.update_xaxes(title_text=translate("fig.epoch", lang))
    return _layout(fig, translate("fig.compare", lang, metric=translate(f"fig.{metric}", lang)), uirevision="overlay")


def histograms_over_time(stats: list[dict], layer: str, which: str, lang: str) -> go.Figure:
    """Weight or gradient distribution of one layer per snapshot: a heat map of bin counts over steps.

    Gradients that shrink towards zero layer after layer (vanishing) or blow up (exploding)
    show as a collapsing or widening band.
    """
    key = f"{which}_hist"
    rows = [(s["step"], s["layers"][layer][key]) for s in stats
            if layer in s.get("layers", {}) and s["layers"][layer].get(key, {}).get("counts")]
    fig = go.Figure()
    if rows:
        lo = min(h["lo"] for _, h in rows)
        hi = max(h["hi"] for _, h in rows)
        edges = np.linspace(lo, hi, 41)
        centers = (edges[:-1] + edges[1:]) / 2
        z = []
        for _, h in rows:
            counts = np.asarray(h["counts"], dtype=float)
            src = np.linspace(h["lo"], h["hi"], len(counts) + 1)
            mids = (src[:-1] + src[1:]) / 2
            resampled, _ = np.histogram(mids, bins=edges, weights=counts)
            total = resampled.sum()
            z.append(resampled / total if total else resampled)
        fig.add_trace(go.Heatmap(x=[s for s, _ in rows], y=centers, z=np.asarray(z).T, colorscale=HEAT,
                                 colorbar=dict(title=translate("fig.share", lang), thickness=10)))
    fig.update_xaxes(title_text=translate("fig.step", lang))
    fig.update_yaxes(title_text=translate("fig.value", lang))
    return _layout(fig, translate(f"fig.{which}_hist", lang, layer=layer), height=260, uirevision=f"hist{layer}{which}")


def norms_over_time(stats: list[dict], which: str, lang: str) -> go.Figure:
    """Gradient (or weight) norm per layer over time, log scale: vanishing and exploding at a glance."""
    layers = list(dict.fromkeys(k for s in stats for k in s.get("layers", {})))
    fig = go.Figure()
    for i, layer in enumerate(layers):
        pts = [(s["step"], s["layers"][layer].get(f"{which}_norm")) for s in stats if layer in s.get("layers", {})]
        pts = [(x, y) for x, y in pts if y is not None and y > 0]
        if pts:
            fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines", name=plotly_literal(layer),
                                     line=dict(color=PALETTE[i % len(PALETTE)], width=1.8)))
    fig.update_yaxes(type="log", title_text=translate("fig.norm", lang), dtick="D2")   # 1, 2, 5, 10: no crowded labels
    fig.update_xaxes(title_text=translate("fig.step", lang))
    return _layout(fig, translate(f"fig.{which}_norms", lang), height=280, uirevision=f"norms{which}")


def confusion(data: dict, lang: str) -> go.Figure:
    """Rows: true class, columns: predicted, coloured by the share of the row; the most
    frequent classes only when there are more than ``MAX_SHOWN_CLASSES`` (shares of all)."""
    matrix = np.asarray(data["matrix"], dtype=float)
    names = [plotly_literal(c) for c in data["classes"]]
    rows = matrix.sum(1, keepdims=True)
    idx = top_classes(rows)
    counts, rows = matrix[np.ix_(idx, idx)], rows[idx]
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    shown = [names[i] for i in idx]
    fig = go.Figure(go.Heatmap(z=share, x=shown, y=shown, colorscale="Blues", zmin=0, zmax=1,
                               text=counts.astype(int), texttemplate="%{text}", hovertemplate=
                               translate("fig.confusion_hover", lang) + "<extra></extra>",
                               colorbar=dict(thickness=10)))
    fig.update_xaxes(title_text=translate("fig.predicted", lang), side="bottom", type="category")
    fig.update_yaxes(title_text=translate("fig.true", lang), autorange="reversed", type="category")
    size = max(300, min(560, 40 * len(shown) + 120))
    note = shown_note(len(shown), int(data.get("classes_total", len(names))), lang)
    return _layout(fig, translate("fig.confusion", lang, epoch=data.get("epoch", "")), height=size, note=note,
                   uirevision="confusion")


def per_class_accuracy(data: dict, lang: str) -> go.Figure:
    names = [plotly_literal(c) for c in data["classes"]]
    support = np.asarray(data["matrix"], dtype=float).sum(1) if data.get("matrix") is not None else np.ones(len(names))
    idx = top_classes(support)
    acc = np.asarray(data["per_class_acc"], dtype=float)
    fig = go.Figure(go.Bar(x=[names[i] for i in idx], y=acc[idx], marker_color=TRAIN))
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1], title_text=translate("fig.accuracy", lang))
    note = shown_note(len(idx), int(data.get("classes_total", len(names))), lang)
    return _layout(fig, translate("fig.per_class", lang), height=260 if note else 240, note=note, uirevision="perclass")


def roc(data: dict, positive: str, lang: str) -> go.Figure:
    """The ROC curve of a two-class test report (``positive``: the class its score is for), with the
    chance diagonal and the area under it."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#9ca3af", dash="dot"),
                             name=translate("fig.chance", lang), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=data["fpr"], y=data["tpr"], mode="lines", line=dict(color=VAL, width=2.5),
                             name=translate("fig.roc_auc", lang, auc=f"{data['auc']:.3f}")))
    fig.update_xaxes(range=[0, 1], title_text=translate("fig.fpr", lang))
    fig.update_yaxes(range=[0, 1.02], title_text=translate("fig.tpr", lang))
    return _layout(fig, translate("fig.roc", lang, positive=positive, auc=f"{data['auc']:.3f}"), height=340,
                   uirevision="roc")


def _grid_shape(n: int, max_cols: int = 8) -> tuple[int, int]:
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def image_grid(images: np.ndarray, titles: list[str] | None = None, title: str | None = None,
               max_cols: int = 8, height: int | None = None, colorscale: str = "gray") -> go.Figure:
    """Images (N, C, H, W) or (N, H, W) as a grid of heat maps; RGB (C=3) shown in colour."""
    images = np.asarray(images, dtype=float)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    n = len(images)
    rows, cols = _grid_shape(max(n, 1), max_cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[plotly_literal(s) for s in titles] if titles else None,
                        horizontal_spacing=0.01, vertical_spacing=0.06)
    for i, img in enumerate(images):
        r, c = i // cols + 1, i % cols + 1
        if img.ndim == 3 and img.shape[0] == 3:
            rgb = np.clip(np.transpose(img, (1, 2, 0)), 0, 1) * 255
            fig.add_trace(go.Image(z=rgb), row=r, col=c)
        else:
            plane = img if img.ndim == 2 else img.reshape(img.shape[0], -1)
            fig.add_trace(go.Heatmap(z=plane, colorscale=colorscale, showscale=False,
                                     reversescale=colorscale == "gray" and False), row=r, col=c)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=None)
    h = height or max(160, 110 * rows + 40)
    fig = _layout(fig, title, height=h, uirevision=title or "grid")
    fig.update_annotations(font_size=11)
    return fig


def feature_maps(act: np.ndarray, sample: int, layer: str, lang: str) -> go.Figure:
    """Conv feature maps of one sample: (C, H, W) as a grid, or (C, L) as rows of a heat map."""
    maps = np.asarray(act[sample])
    if maps.ndim == 3:
        return image_grid(maps, titles=[f"{i}" for i in range(len(maps))],
                          title=translate("fig.feature_maps", lang, layer=layer), colorscale=HEAT)
    return dense_activations(act, layer, lang)


def dense_activations(act: np.ndarray, layer: str, lang: str) -> go.Figure:
    """Units of a dense (or sequence) layer per watched sample: one heat-map row per sample."""
    a = np.asarray(act)
    if a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    fig = go.Figure(go.Heatmap(z=a, colorscale="RdBu", zmid=0, colorbar=dict(thickness=10),
                               y=[translate("fig.sample_n", lang, n=i + 1) for i in range(len(a))]))
    fig.update_xaxes(title_text=translate("fig.unit", lang))
    return _layout(fig, translate("fig.activations", lang, layer=layer), height=120 + 34 * len(a), uirevision="dense" + layer)


def decision_boundary(data: dict, class_names: list[str] | None, lang: str) -> go.Figure:
    classes = np.asarray(data["classes"])
    n = int(max(classes.max(), np.asarray(data["labels"]).max())) + 1
    scale = [[i / max(1, n - 1), PALETTE[i % len(PALETTE)]] for i in range(n)] if n > 1 else [[0, PALETTE[0]], [1, PALETTE[0]]]
    fig = go.Figure(go.Heatmap(x=data["xs"], y=data["ys"], z=classes, colorscale=scale, zmin=0, zmax=max(1, n - 1),
                               showscale=False, opacity=0.35, hoverinfo="skip"))
    points, labels = np.asarray(data["points"]), np.asarray(data["labels"])
    groups, note = _class_groups(labels, class_names, lang)
    for name, color, sel in groups:
        fig.add_trace(go.Scatter(x=points[sel, 0], y=points[sel, 1], mode="markers", name=name,
                                 marker=dict(color=color, size=6, line=dict(color="white", width=0.6))))
    fig.update_yaxes(scaleanchor="x")
    return _layout(fig, translate("fig.boundary", lang, epoch=int(data.get("epoch", 0))), height=380, note=note,
                   uirevision="boundary")


def latent_scatter(latent: np.ndarray, labels: np.ndarray | None, class_names, lang: str) -> go.Figure:
    z = np.asarray(latent)
    fig = go.Figure()
    if z.shape[1] < 2:
        z = np.concatenate([z, np.zeros_like(z)], 1)
    note = None
    if labels is None:
        fig.add_trace(go.Scatter(x=z[:, 0], y=z[:, 1], mode="markers", marker=dict(color=TRAIN, size=5, opacity=0.7)))
    else:
        groups, note = _class_groups(labels, class_names, lang)
        for name, color, sel in groups:
            fig.add_trace(go.Scatter(x=z[sel, 0], y=z[sel, 1], mode="markers", name=name,
                                     marker=dict(color=color, size=5, opacity=0.75)))
    fig.update_xaxes(title_text="z₁")
    fig.update_yaxes(title_text="z₂")
    return _layout(fig, translate("fig.latent", lang), height=380, note=note, uirevision="latent")


def generated_points(generated: np.ndarray, real: np.ndarray | None, lang: str) -> go.Figure:
    """A GAN's samples of 1-D or 2-D points over the real ones (Train page)."""
    fig = go.Figure()
    if real is not None:
        r = real.reshape(len(real), -1)
        fig.add_trace(go.Scatter(x=r[:, 0], y=r[:, 1] if r.shape[1] > 1 else np.zeros(len(r)), mode="markers",
                                 name=translate("trainpage.real_title", lang), marker=dict(color="#9ca3af", size=5)))
    g = generated.reshape(len(generated), -1)
    fig.add_trace(go.Scatter(x=g[:, 0], y=g[:, 1] if g.shape[1] > 1 else np.zeros(len(g)), mode="markers",
                             name=translate("trainpage.generated_title", lang), marker=dict(color=VAL, size=8)))
    return _layout(fig, translate("trainpage.generated_title", lang), height=380, uirevision="genpoints")


def points_2d(x: np.ndarray, labels: np.ndarray | None, class_names, lang: str, title: str | None = None) -> go.Figure:
    """A 2-D data set as a scatter plot coloured by class (Data page)."""
    return latent_scatter(x, labels, class_names, lang).update_layout(
        title=dict(text=plotly_literal(title or translate("fig.points", lang))), xaxis_title="x₁", yaxis_title="x₂")


def class_balance(counts: dict[str, int], lang: str) -> go.Figure:
    names, values = [plotly_literal(c) for c in counts], list(counts.values())
    idx = top_classes(values)
    fig = go.Figure(go.Bar(x=[names[i] for i in idx], y=[values[i] for i in idx],
                           marker_color=[PALETTE[i % len(PALETTE)] for i in idx]))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=translate("fig.count", lang))
    return _layout(fig, translate("fig.balance", lang), height=260, note=shown_note(len(idx), len(names), lang),
                   uirevision="balance")


def sequences(x: np.ndarray, labels, class_names, lang: str, n: int = 6, next_values=None) -> go.Figure:
    """A few sequences (N, L, F) as lines (first feature), coloured by class. ``next_values``
    (regression: the value to predict after each sequence) are drawn as a star one step on."""
    x = np.asarray(x)
    fig = go.Figure()
    for i in range(min(n, len(x))):
        seq = x[i, :, 0] if x.ndim == 3 else x[i]
        c = int(labels[i]) if labels is not None and np.issubdtype(np.asarray(labels).dtype, np.integer) else i
        name = (class_names[c] if class_names and c < len(class_names) else str(c)) if labels is not None else str(i)
        color = PALETTE[c % len(PALETTE)]
        if next_values is not None:
            nxt = float(np.asarray(next_values[i], dtype=float).reshape(-1)[0])
            name = f"→ {nxt:.2f}"
        fig.add_trace(go.Scatter(y=seq, mode="lines+markers", name=f"#{i + 1}: {plotly_literal(name)}", legendgroup=str(i),
                                 line=dict(color=color, width=1.6), marker=dict(size=4)))
        if next_values is not None:
            fig.add_trace(go.Scatter(x=[len(seq)], y=[nxt], mode="markers", showlegend=False, legendgroup=str(i),
                                     marker=dict(color=color, size=11, symbol="star", line=dict(color="white", width=1)),
                                     hovertemplate=translate("datapage.fig.next_hover", lang) + "<extra></extra>"))
    fig.update_xaxes(title_text=translate("fig.position", lang))
    return _layout(fig, translate("fig.sequences", lang), height=300, uirevision="sequences")


def rows_heatmap(z: np.ndarray, row_names: list[str], lang: str, title: str | None = None,
                 colorscale: str = "Blues") -> go.Figure:
    """Short sequences of few values (bits, one channel) as a heat map: one row per sample."""
    z = np.asarray(z, dtype=float)
    fig = go.Figure(go.Heatmap(z=z, y=[plotly_literal(r) for r in row_names], x=list(range(z.shape[1])), colorscale=colorscale,
                               showscale=False,
                               xgap=1, ygap=2, hovertemplate="%{y} · %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title_text=translate("fig.position", lang))
    return _layout(fig, title, height=90 + 26 * len(row_names), uirevision="rows")


def class_probabilities(probs: np.ndarray, class_names: list[str], lang: str) -> go.Figure:
    probs = np.asarray(probs, dtype=float).reshape(-1)
    best = int(probs.argmax()) if len(probs) else -1
    idx = top_classes(probs)
    fig = go.Figure(go.Bar(x=[_class_name(class_names, int(i)) for i in idx], y=probs[idx],
                           marker_color=[VAL if i == best else TRAIN for i in idx],
                           text=[f"{p:.0%}" for p in probs[idx]], textposition="outside"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.1], title_text=translate("fig.probability", lang))
    note = shown_note(len(idx), len(probs), lang, key="fig.top_probable")
    return _layout(fig, translate("fig.prediction", lang), height=280, note=note, uirevision="probs")


# ----------------------------------------------------------------------------- Data page

SPLIT_COLORS = {"train": TRAIN, "val": VAL, "test": "#16a34a"}


def image_mosaic(images: np.ndarray, titles: list[str] | None = None, title: str | None = None,
                 cols: int = 8, tile_px: int = 88, zrange: tuple[float, float] | None = None,
                 uirevision: str = "mosaic") -> go.Figure:
    """Images (N, C, H, W) or (N, H, W) tiled into ONE trace (a heat map, or an RGB image
    when C is 3) with each title above its tile: far quicker to build and draw than a
    subplot per image. ``zrange`` fixes the grey scale (e.g. the same for a before/after pair)."""
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim == 2:   # flat vectors (a dense autoencoder's output): square them up where possible
        side = int(round(math.sqrt(imgs.shape[1])))
        imgs = imgs.reshape(len(imgs), side, side) if side * side == imgs.shape[1] else imgs[:, None, None, :]
    if imgs.ndim == 3:
        imgs = imgs[:, None]
    n, c, h, w = imgs.shape if imgs.ndim == 4 else (0, 1, 1, 1)
    rgb = c == 3
    cols = max(1, min(cols, n))
    rows = max(1, math.ceil(n / cols))
    gap = max(1, round(w / 14))
    band = math.ceil(17 * h / tile_px) if titles else gap
    height_px, width_px = rows * (h + band), cols * (w + gap) - gap
    canvas = np.full((height_px, width_px, 3) if rgb else (height_px, width_px), 255.0 if rgb else np.nan)
    annotations = []
    for i in range(n):
        r, col = divmod(i, cols)
        y0, x0 = r * (h + band) + band, col * (w + gap)
        img = imgs[i]
        if rgb:
            canvas[y0:y0 + h, x0:x0 + w] = np.clip(np.transpose(img, (1, 2, 0)), 0, 1) * 255
        else:
            canvas[y0:y0 + h, x0:x0 + w] = img.mean(0) if c != 1 else img[0]
        if titles and i < len(titles):
            annotations.append(dict(x=x0 + (w - 1) / 2, y=y0 - band / 2 - 0.5, text=plotly_literal(titles[i]), showarrow=False,
                                    font=dict(size=11, color="#374151"), xref="x", yref="y"))
    if rgb:
        trace = go.Image(z=canvas.astype(np.uint8), hoverinfo="skip")
    else:
        lo, hi = zrange if zrange is not None else (float(np.nanmin(imgs)) if n else 0.0,
                                                      float(np.nanmax(imgs)) if n else 1.0)
        trace = go.Heatmap(z=canvas, colorscale="gray", reversescale=False, zmin=lo, zmax=hi if hi > lo else lo + 1,
                           showscale=False, hovertemplate="%{z:.2f}<extra></extra>")
    fig = go.Figure(trace)
    fig.update_xaxes(visible=False, range=[-0.5, width_px - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, autorange=False, range=[height_px - 0.5, -0.5], scaleanchor="x",
                     constrain="domain")
    fig = _layout(fig, title, height=rows * (tile_px + 17) + (44 if title else 8), uirevision=uirevision,
                  annotations=annotations, plot_bgcolor="white")
    fig.update_layout(margin=dict(l=4, r=4, t=36 if title else 4, b=4))
    return fig


def class_balance_splits(class_names: list[str], counts: dict[str, list[int]], lang: str) -> go.Figure:
    """Samples per class, stacked by split (train / val / test): stratification at a glance."""
    fig = go.Figure()
    totals = np.sum([np.asarray(v, dtype=float) for v in counts.values()], axis=0) if counts else []
    idx = top_classes(totals)
    names = [plotly_literal(class_names[i]) for i in idx]
    for split, values in counts.items():
        if sum(values) == 0:
            continue
        fig.add_trace(go.Bar(x=names, y=[values[i] for i in idx], name=translate(f"datapage.split.{split}", lang),
                             marker_color=SPLIT_COLORS.get(split, ACCENT)))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=translate("fig.count", lang))
    fig = _layout(fig, translate("fig.balance", lang), height=280, note=shown_note(len(idx), len(class_names), lang),
                  uirevision="balance")
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    return fig


def target_histogram(values: np.ndarray, lang: str, title: str | None = None) -> go.Figure:
    """A regression target's distribution (the Data page's stand-in for class balance)."""
    v = np.asarray(values, dtype=float).reshape(-1)
    v = v[np.isfinite(v)]
    fig = go.Figure(go.Histogram(x=v, nbinsx=40, marker_color=TRAIN, opacity=0.85))
    fig.update_yaxes(title_text=translate("fig.count", lang))
    fig.update_xaxes(title_text=translate("fig.value", lang))
    return _layout(fig, title or translate("datapage.fig.target_hist", lang), height=260, uirevision="target_hist")


def one_hot_heatmap(x: np.ndarray, alphabet: list[str] | str, lang: str, title: str | None = None) -> go.Figure:
    """One one-hot coded sequence (len(alphabet), L), e.g. DNA, as a small heat map: one row per letter."""
    z = np.asarray(x, dtype=float)
    letters = [plotly_literal(a) for a in alphabet]
    fig = go.Figure(go.Heatmap(z=z, y=letters, x=list(range(1, z.shape[1] + 1)), colorscale="Blues", showscale=False,
                               xgap=1, ygap=1, zmin=0, zmax=1,
                               hovertemplate=translate("datapage.fig.one_hot_hover", lang) + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title_text=translate("fig.position", lang))
    return _layout(fig, title, height=150 + 22 * len(letters) - 60, uirevision="onehot")


# ---- Train page: several metrics on one figure, and image mosaics (one trace, cheap to refresh live) ----
def curves(records: list[dict], metrics: list[str], lang: str, title_key: str, log_y: bool = False) -> go.Figure:
    """Several step metrics on one figure (GAN d_loss and g_loss, VAE recon and kl), x in epochs.

    Each metric is a thin per-step line; where epoch records hold ``val_<metric>`` those
    are drawn as markers of the same colour.
    """
    fig = go.Figure()
    for kind, xs, ys in curves_series(records, metrics):
        metric, part = kind.split(":")
        i = metrics.index(metric)
        color = PALETTE[i % len(PALETTE)]
        name = translate(f"fig.{metric}", lang)
        if part == "steps":
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line=dict(color=color, width=1.6)))
        else:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=translate("trainpage.fig_val_of", lang, name=name),
                                     marker=dict(color=color, size=7, symbol="diamond")))
    _layout(fig, translate(title_key, lang), uirevision="curves" + "+".join(metrics))
    fig.update_xaxes(title_text=translate("fig.epoch", lang))
    if log_y and all(y > 0 for tr in fig.data for y in tr.y):
        fig.update_yaxes(type="log")
    return fig


def curves_series(records: list[dict], metrics: list[str]) -> list[tuple[str, list, list]]:
    """The (kind, x, y) of each trace ``curves`` draws, in its order; kind is "<metric>:steps" or "<metric>:val"."""
    steps, epochs = split_records(records)
    out = []
    for metric in metrics:
        xs, ys = _series(steps, metric, x="epoch")
        if xs:
            out.append((f"{metric}:steps", xs, ys))
        ex, ey = _series(epochs, "val_" + metric, x="epoch")
        if ex:
            out.append((f"{metric}:val", ex, ey))
    return out


def patch_spec(spec: dict, series: list[tuple[str, list, list]]) -> dict:
    """A figure spec (Plotly JSON) with each trace's x and y replaced by ``series`` (same traces, same order)."""
    if len(spec.get("data", [])) != len(series):
        raise ValueError("the series do not match the figure's traces")
    out = dict(spec)
    out["data"] = [dict(trace, x=list(xs), y=list(ys)) for trace, (_, xs, ys) in zip(spec["data"], series)]
    return out


def _normalise(plane: np.ndarray) -> np.ndarray:
    """Scale one map to [0, 1] (a constant map becomes 0) so every map uses the whole colour range."""
    plane = np.nan_to_num(np.asarray(plane, dtype=float))
    lo, hi = plane.min(), plane.max()
    return (plane - lo) / (hi - lo) if hi > lo else np.zeros_like(plane)


def _resize_nearest(plane: np.ndarray, h: int, w: int) -> np.ndarray:
    ys = (np.arange(h) * plane.shape[0] // h).clip(0, plane.shape[0] - 1)
    xs = (np.arange(w) * plane.shape[1] // w).clip(0, plane.shape[1] - 1)
    return plane[np.ix_(ys, xs)]


def tile(cells: list[list[np.ndarray | None]], gap: int = 1) -> np.ndarray:
    """A 2-D grid of 2-D planes as one array, cells resized to the largest, NaN between them."""
    planes = [p for row in cells for p in row if p is not None]
    if not planes:
        return np.full((1, 1), np.nan)
    h = max(p.shape[0] for p in planes)
    w = max(p.shape[1] for p in planes)
    n_rows, n_cols = len(cells), max(len(r) for r in cells)
    out = np.full((n_rows * (h + gap) - gap, n_cols * (w + gap) - gap), np.nan)
    for r, row in enumerate(cells):
        for c, plane in enumerate(row):
            if plane is not None:
                out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = _resize_nearest(plane, h, w)
    return out


def is_image_batch(a) -> bool:
    """(N, C, H, W) with 1 or 3 channels, or (N, H, W)."""
    a = np.asarray(a)
    return (a.ndim == 4 and a.shape[1] in (1, 3)) or (a.ndim == 3 and min(a.shape[1:]) > 1 and a.shape[1] == a.shape[2])


def _gray(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img, dtype=float)
    if img.ndim == 3:
        img = img.mean(0) if img.shape[0] in (1, 3) else img[0]
    return img


def _mosaic_figure(z: np.ndarray, n_rows: int, n_cols: int, col_labels, row_labels, title: str | None,
                   height: int, colorscale: str, uirevision: str) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    h_cell = (z.shape[0] + 1) / max(n_rows, 1)
    w_cell = (z.shape[1] + 1) / max(n_cols, 1)
    fig.update_xaxes(showgrid=False, zeroline=False, side="top", tickfont=dict(size=11),
                     tickvals=[w_cell * c + (w_cell - 1) / 2 - 0.5 for c in range(n_cols)] if col_labels else [],
                     ticktext=[plotly_literal(c) for c in col_labels or []], constrain="domain")
    fig.update_yaxes(showgrid=False, zeroline=False, autorange="reversed", scaleanchor="x", constrain="domain",
                     tickvals=[h_cell * r + (h_cell - 1) / 2 - 0.5 for r in range(n_rows)] if row_labels else [],
                     ticktext=[plotly_literal(r) for r in row_labels or []], tickfont=dict(size=11))
    fig = _layout(fig, title, height=height, uirevision=uirevision)
    fig.update_layout(plot_bgcolor="white", margin=dict(l=90 if row_labels else 8, r=8,
                                                        t=(64 if title else 30) if col_labels else (40 if title else 8),
                                                        b=8))
    return fig


def activation_mosaic(act: np.ndarray, layer: str, lang: str, inputs: np.ndarray | None = None,
                      row_labels: list[str] | None = None, max_channels: int = 16,
                      plot_width: int = 720) -> go.Figure:
    """What one layer computes for the watched samples: a row per sample, its input first.

    Conv feature maps (N, C, H, W): one cell per channel (each scaled to its own range).
    1-D maps (N, C, L) and sequences: one C x L cell per sample. Dense outputs (N, U):
    a row of units per sample.
    """
    a = np.asarray(act, dtype=float)
    n = len(a)
    show_inputs = inputs is not None and is_image_batch(inputs) and len(inputs) >= n
    rows = []
    if a.ndim == 4:
        channels = min(a.shape[1], max_channels)
        for i in range(n):
            row = [_normalise(_gray(inputs[i]))] if show_inputs else []
            row += [_normalise(a[i, c]) for c in range(channels)]
            rows.append(row)
        col_labels = ([translate("trainpage.input", lang)] if show_inputs else []) + [str(c) for c in range(channels)]
        title = translate("fig.feature_maps", lang, layer=layer)
        height = None
    else:
        flat = a.reshape(n, -1) if a.ndim == 2 else a.reshape(n, a.shape[1], -1)
        for i in range(n):
            row = [_normalise(_gray(inputs[i]))] if show_inputs else []
            plane = flat[i][None, :] if flat.ndim == 2 else flat[i]
            row.append(_normalise(plane))
            rows.append(row)
        col_labels = ([translate("trainpage.input", lang)] if show_inputs else []) + [translate("fig.activations", lang, layer=layer)]
        title = None
        height = 90 + 60 * n
    z = tile(rows) if a.ndim == 4 else _strips(rows, show_inputs)
    if height is None:   # square pixels at about the width of the page's activation column
        height = int(min(720, max(180, 80 + plot_width * z.shape[0] / max(1, z.shape[1]))))
    fig = _mosaic_figure(z, n, len(col_labels), col_labels if a.ndim == 4 else None, row_labels, title, height,
                         HEAT, "act" + layer)
    if a.ndim != 4:
        fig.update_layout(title=dict(text=plotly_literal(translate("fig.activations", lang, layer=layer)), font=dict(size=14), x=0.01),
                          margin=dict(t=40))
        fig.update_yaxes(scaleanchor=None)
        fig.update_xaxes(showticklabels=False)
    return fig


def _strips(rows: list[list[np.ndarray]], first_is_input: bool, gap: int = 1) -> np.ndarray:
    """One row per sample: an optional input square, then the sample's activation strip at its own size."""
    strip_h = max(r[-1].shape[0] for r in rows)
    strip_w = max(r[-1].shape[1] for r in rows)
    side = max(strip_h, 8) if first_is_input else 0
    row_h = max(strip_h, side)
    x0 = side + 2 * gap if first_is_input else 0
    out = np.full((len(rows) * (row_h + gap) - gap, x0 + strip_w), np.nan)
    for i, row in enumerate(rows):
        y = i * (row_h + gap)
        if first_is_input:
            out[y:y + side, 0:side] = _resize_nearest(row[0], side, side)
        out[y:y + row_h, x0:x0 + row[-1].shape[1]] = _resize_nearest(row[-1], row_h, row[-1].shape[1])
    return out
