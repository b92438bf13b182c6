"""The Data page's view of a trees set: one sample tree, laid out by networkx (a layer per depth,
preorder along each layer, so no edges cross) and drawn with Plotly; tokens and labels from files
are shown as text, never as markup."""
from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go

from builder.i18n import translate
from runtime.data.trees import expression_text, from_tensor

from .literal import plotly_literal

MAX_DRAWN_NODES = 300     # an uploaded tree may be large; the first nodes in preorder are drawn


def tree_graph(sample, vocab: list[str]) -> nx.DiGraph:
    """The tree of one (N, 3) sample: node i (preorder) with its token text and depth."""
    tokens, parents = from_tensor(sample)
    g = nx.DiGraph()
    for i, (token, parent) in enumerate(zip(tokens[:MAX_DRAWN_NODES], parents[:MAX_DRAWN_NODES])):
        depth = 0 if parent < 0 else g.nodes[parent]["depth"] + 1
        g.add_node(i, token=vocab[token] if 0 <= token < len(vocab) else str(token), depth=depth)
        if parent >= 0:
            g.add_edge(parent, i)
    return g


def tree_figure(sample, vocab: list[str], title: str) -> go.Figure:
    g = tree_graph(sample, vocab)
    pos = _preorder_layers(g, nx.multipartite_layout(g, subset_key="depth", align="horizontal"))
    pos = {n: (x, -y if _top_down(pos, g) else y) for n, (x, y) in pos.items()}
    edge_x, edge_y = [], []
    for a, b in g.edges:
        edge_x += [pos[a][0], pos[b][0], None]
        edge_y += [pos[a][1], pos[b][1], None]
    nodes = list(g.nodes)
    fig = go.Figure([
        go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"color": "#9aa5b1", "width": 1.5}, hoverinfo="skip"),
        go.Scatter(x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
                   text=[plotly_literal(g.nodes[n]["token"]) for n in nodes], textposition="middle center",
                   marker={"size": 30, "color": ["#f6c177" if g.out_degree(n) else "#9ccfd8" for n in nodes],
                           "line": {"color": "#44505c", "width": 1}},
                   textfont={"size": 15}, hoverinfo="skip")])
    fig.update_layout(title={"text": plotly_literal(title)}, showlegend=False, height=380,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, plot_bgcolor="rgba(0,0,0,0)")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _preorder_layers(g: nx.DiGraph, pos: dict) -> dict:
    """The layout's places in each layer, given out left to right in preorder (node number): networkx
    3.6 does not keep a layer's nodes in the order they were added, and edges then cross."""
    layers: dict[int, list[int]] = {}
    for n in g.nodes:
        layers.setdefault(g.nodes[n]["depth"], []).append(n)
    out = {}
    for nodes in layers.values():
        for n, (x, y) in zip(sorted(nodes), sorted((pos[m] for m in nodes), key=lambda p: p[0])):
            out[n] = (x, y)
    return out


def _top_down(pos: dict, g: nx.DiGraph) -> bool:
    """multipartite_layout puts layer 0 at one end: flip when the root is not on top."""
    return len(g) > 1 and pos[0][1] < max(y for _, y in pos.values())


def sample_title(sample, vocab: list[str], index: int, label: str, lang: str) -> str:
    tokens, parents = from_tensor(sample)
    expression = expression_text(tokens, parents, vocab) if len(tokens) <= 64 else f"{len(tokens)} nodes"
    return f"{translate('trees.view_title', lang, index=index + 1, expression=expression)}  ·  " \
           f"{translate('trees.view_label', lang, label=label)}"


def render_trees(view, lang: str, plot) -> None:
    """A pick among the preview samples and that sample's tree (``plot`` draws a Plotly figure)."""
    import streamlit as st
    first = next(iter(view.samples.values()))
    index = st.selectbox(translate("trees.view_pick", lang), range(len(first)), format_func=lambda i: str(i + 1),
                         key=f"tree_pick_{lang}")
    label = view.label_text(None if view.sample_targets is None else view.sample_targets[index])
    sample = first[index]
    plot(tree_figure(sample, view.vocab or [], sample_title(sample, view.vocab or [], index, label, lang)),
         key="data_tree")
    st.caption(translate("trees.view_caption", lang))
