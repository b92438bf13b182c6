"""Build page: two weight initialisations of the graph on the canvas, compared by what each
activation layer puts out at step 0 (runtime/init_compare.py does the work)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from builder.errors import CodedError
from builder.i18n import translate
from builder.weight_init import INITS
from ui.figures import PALETTE, _layout
from ui.literal import md_literal, plotly_literal
from ui.session import lang, lasting_expander, localized

VIEW_KEY = "build_init_view"
MAX_LAYERS = 8          # rows of the figure; a deeper net shows its first ones


def render(doc: dict, result) -> None:
    """The expander; the comparison is made only while it is open and a graph checks."""
    view = lasting_expander(localized("initcmp.title"), VIEW_KEY, icon=":material/stacked_bar_chart:")
    if not view.open:
        return
    with view:
        st.caption(localized("initcmp.explain"))
        if not result.ok:
            st.info(localized("initcmp.needs_valid"))
            return
        c1, c2 = st.columns(2)
        first = c1.selectbox(localized("initcmp.first"), INITS, index=INITS.index("default"), key="initcmp_first")
        second = c2.selectbox(localized("initcmp.second"), INITS, index=INITS.index("xavier_normal"), key="initcmp_second")
        try:
            compared = _compared(doc, first, second)
        except CodedError as exc:
            st.warning(md_literal(exc.message(lang())))
            return
        st.plotly_chart(figure(compared, lang()), key="initcmp_fig")


def _compared(doc: dict, first: str, second: str):
    from runtime import init_compare   # torch: imported when the view is first opened
    return init_compare.compare(doc, first, second)


def figure(compared: dict, lang: str) -> go.Figure:
    """One row per watched layer: the histograms of both inits overlaid, each with its std."""
    inits = list(compared)
    layers = list(zip(*compared.values()))[:MAX_LAYERS]
    titles = [plotly_literal(translate("initcmp.row", lang, node=pair[0].node, type=pair[0].layer_type,
                                       first=f"{pair[0].std:.3g}", second=f"{pair[1].std:.3g}"))
              for pair in layers]
    fig = make_subplots(rows=len(layers), cols=1, subplot_titles=titles, vertical_spacing=0.5 / max(len(layers), 1))
    for row, pair in enumerate(layers, start=1):
        for k, values in enumerate(pair):
            fig.add_trace(go.Histogram(x=values.values, name=inits[k], legendgroup=inits[k], showlegend=row == 1,
                                       marker_color=PALETTE[k], opacity=0.6, nbinsx=60, histnorm="probability"),
                          row=row, col=1)
    fig.update_layout(barmode="overlay")
    fig.update_annotations(font_size=12)
    return _layout(fig, translate("initcmp.figure", lang), height=120 + 150 * len(layers))
