"""User text shown as itself: graph, node, column, class and file names, descriptions, run labels.

Streamlit renders markdown nearly everywhere a string appears: ``st.markdown``, captions,
alerts, toasts, spinners, tab and expander names, dialog titles, widget labels and help
texts, metric values, and the options of radio buttons, pills and segmented controls.
A graph named ``![x](http://host/p.png)`` would make the browser fetch that address.
Three contexts, one function each (no streamlit import here):

* ``md_literal``: any markdown context (with or without ``unsafe_allow_html``).
* ``html_literal``: text written inside a raw HTML block given to ``st.markdown``.
* ``plotly_literal``: Plotly titles, tick labels, legend names, annotations and hover
  text, which Plotly draws as its own small HTML subset (``<b>``, ``<a href>``, ``&amp;``).

Where Streamlit shows plain text (``st.selectbox`` and ``st.multiselect`` options,
``st.dataframe`` cells and headers, ``st.code``, agraph node labels), user text goes in
unchanged: an escape would show there as backslashes.
"""
from __future__ import annotations

import html
import re

WORD_JOINER = "\u2060"      # invisible, zero width: splits what Streamlit rewrites after parsing

# Every ASCII punctuation character can be backslash-escaped in CommonMark, and an escaped
# one is literal text. These are left as they are because they start nothing in CommonMark,
# GFM, math, directives or Streamlit's own syntax: , ; ? ' " %
_ESCAPED = re.compile(
    r"[!#$&()*+\-./<=>@\[\\\]^`{|}~]"    # markdown, HTML, math ($), directives ({}), autolinks (@ /)
    r"|:(?!\s)"                          # :material/..:, :red[..], :smile:, http: (": " is inert)
    r"|(?<![^\W_])_|_(?![^\W_])"         # _ except between letters or digits (intraword never emphasises)
)
# Streamlit rewrites some patterns in the text *after* markdown has resolved the escapes:
# shortcodes (:smile:, :streamlit:), arrows (-> <- <-> -- >= <= ~=) and bare links
# (http://, www., a@b.c). A word joiner inside each keeps them as typed.
_REWRITTEN_AFTER_PARSING = re.compile(
    r"(?<=:)(?=[\w+-]+:)"                        # :word: (after the opening colon)
    r"|(?<=[<\-])(?=[\->=])|(?<=[>~])(?==)"     # arrows and comparisons
    r"|(?<=:)(?=//)|(?<=@)|(?i:(?<=www)(?=\.))"  # links: scheme://, name@host, www.
)
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")   # what str.splitlines() splits on


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in _LINE_BREAK.split(text) if part.strip()) if text else ""


def _escape_line(line: str) -> str:
    line = _REWRITTEN_AFTER_PARSING.sub(WORD_JOINER, line)
    return _ESCAPED.sub(lambda m: "\\" + m.group(0), line)


def md_literal(text, multiline: bool = False) -> str:
    """``text`` as markdown that renders as exactly that text (plus invisible word joiners).

    One line unless ``multiline``: line breaks become spaces (labels, names, messages).
    With ``multiline`` (descriptions) each line break is kept as a hard line break.
    Blanks at the start and end of each line are dropped (four would start a code block).
    """
    text = "" if text is None else str(text)
    if not multiline:
        return _escape_line(_one_line(text))
    lines = [line.strip() for line in _LINE_BREAK.split(text.strip())]
    return "  \n".join(_escape_line(line) for line in lines)     # a blank line stays a paragraph break


def html_literal(text) -> str:
    """``text`` inside an HTML block passed to ``st.markdown(..., unsafe_allow_html=True)``:
    HTML-escaped, on one line (a blank line would end the block and start markdown), and with
    ``:`` and ``$`` as character references (Streamlit rewrites ``:material/`` even in HTML)."""
    escaped = html.escape(_one_line("" if text is None else str(text)), quote=True)
    return escaped.replace(":", "&#58;").replace("$", "&#36;")


def plotly_literal(text) -> str:
    """``text`` for a Plotly string (title, tick label, trace name, annotation, hover): its
    ``<``, ``>`` and ``&`` as entities, so no tag, link or entity of the text takes effect."""
    return ("" if text is None else str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
