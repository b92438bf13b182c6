"""ui.literal: user text in markdown, HTML blocks and Plotly shows as the text itself."""
from __future__ import annotations

import html
import re
import string

from hypothesis import given
from hypothesis import strategies as st

from tests.shown import shown, skeleton, unescaped
from ui.literal import WORD_JOINER, html_literal, md_literal, plotly_literal

PAYLOADS = ["![x](http://198.51.100.7/p.png)", "<img src=http://198.51.100.7/q.png>", "[link](http://198.51.100.7/)",
            ":material/warning:", "$x^2$", ":red[red] :blue-background[b]", "**bold** _it_ `code` ~~gone~~",
            "# heading", "- item", "1. first", "> quote", "| a | b |", "&amp; &lt;b&gt;", ":smile: :streamlit:",
            "a -> b <- c <-> d -- e >= f <= g ~= h", "www.example.com a@b.co https://x.org/y", "\\*not bold\\*",
            "<!-- c -->", "$$\\int$$", "~~~", "===", "line one\nline two", "    four spaces", ":help[tip]"]
# punctuation left unescaped because it starts nothing in markdown (see ui.literal)
INERT = set(",;?'\"%")
text = st.text(st.characters(blacklist_characters=WORD_JOINER), max_size=80)
payload_mix = st.lists(st.sampled_from(PAYLOADS) | text, max_size=4).map(" ".join)


def one_line(value: str) -> str:
    return " ".join(part.strip() for part in value.splitlines() if part.strip())


def is_inert(markdown: str, i: int, ch: str) -> bool:
    if ch in INERT:
        return True
    if ch == ":":
        return i + 1 < len(markdown) and markdown[i + 1].isspace()
    if ch == "_":
        return 0 < i < len(markdown) - 1 and markdown[i - 1].isalnum() and markdown[i + 1].isalnum()
    return False


@given(payload_mix)
def test_md_literal_shows_the_text_itself_on_one_line(value):
    out = md_literal(value)
    assert shown(out) == one_line(value)
    assert "\n" not in out and "\r" not in out


@given(payload_mix)
def test_md_literal_leaves_no_markdown_to_act_on(value):
    out = md_literal(value)
    active = [(i, ch) for i, ch in unescaped(out) if ch in string.punctuation and not is_inert(out, i, ch)]
    assert not active, (out, active)
    bare = skeleton(out)
    for construct in ("![", "](", "<", ":material/", "$", "`", "*", "[", "&"):
        assert construct not in bare, (construct, out)


@given(payload_mix)
def test_md_literal_splits_what_streamlit_rewrites_after_parsing(value):
    resolved = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", md_literal(value))    # escapes resolved, word joiners kept
    assert not re.search(r":[\w+-]+:", resolved)                          # :smile:, :streamlit:
    assert not re.search(r"(?<!\S)(<->|->|<-|--|>=|<=|~=)(?!\S)", resolved)   # arrows
    assert not re.search(r"(?i)https?://|www\.|[\w.+-]@[\w-]", resolved)       # bare links


@given(st.lists(text, min_size=1, max_size=5))
def test_md_literal_multiline_keeps_each_line_as_a_line(lines):
    value = "\n".join(lines)
    out = md_literal(value, multiline=True)
    expected = [line.strip() for line in value.strip().splitlines()] or [""]
    assert [shown(line) for line in out.split("  \n")] == expected


def test_md_literal_readable_names_stay_readable():
    assert md_literal("digits_cnn") == "digits_cnn"
    assert md_literal("node conv1: received 3, expected 4; why?") == "node conv1: received 3, expected 4; why?"
    assert md_literal("![x](http://198.51.100.7/p.png)") == \
        "\\!\\[x\\]\\(http\\:\u2060\\/\\/198\\.51\\.100\\.7\\/p\\.png\\)"
    assert md_literal(":material/warning:") == "\\:material\\/warning\\:"
    assert md_literal("$x^2$") == "\\$x\\^2\\$"
    assert md_literal(None) == "" and md_literal(7) == "7"
    assert md_literal("  a\n\n  b  ") == "a b"


@given(payload_mix)
def test_html_literal_is_one_line_of_text_without_tags_or_streamlit_syntax(value):
    out = html_literal(value)
    assert not set(out) & set("<>:$\n\r\"'")
    assert html.unescape(out) == one_line(value)


@given(payload_mix)
def test_plotly_literal_has_no_tags_and_reads_back(value):
    out = plotly_literal(value)
    assert "<" not in out and ">" not in out
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)
    assert html.unescape(out) == value


def test_figures_show_user_names_as_text():
    import numpy as np

    from ui import figures
    name = "<b>x</b> & <a href='http://198.51.100.7/'>y</a>"
    records = [{"kind": "epoch", "epoch": 1, "val_loss": 0.5}]
    figs = [figures.overlay([(name, records)], "loss", "en"),
            figures.per_class_accuracy({"classes": [name], "per_class_acc": [1]}, "en"),
            figures.confusion({"classes": [name, "b"], "matrix": [[1, 0], [0, 1]]}, "en"),
            figures.image_mosaic(np.zeros((1, 1, 4, 4)), titles=[name], title=name),
            figures.activation_mosaic(np.zeros((1, 2, 3, 3)), name, "en", row_labels=[name]),
            figures.class_probabilities(np.array([1.0]), [name], "en"),
            figures.points_2d(np.zeros((2, 2)), np.array([0, 0]), [name], "en", title=name)]
    strings = []
    for fig in figs:
        spec = fig.to_plotly_json()
        strings += [str((spec["layout"].get("title") or {}).get("text", ""))]
        strings += [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        for axis in ("xaxis", "yaxis"):
            strings += [str(t) for t in spec["layout"].get(axis, {}).get("ticktext", []) or []]
        for trace in spec["data"]:
            strings += [str(trace.get("name") or "")]
            strings += [v for v in list(trace.get("x") or []) if isinstance(v, str)]
    literal = plotly_literal(name)
    assert sum(literal in s for s in strings) >= len(figs)
    assert not any("<b>" in s or "<a " in s for s in strings)
