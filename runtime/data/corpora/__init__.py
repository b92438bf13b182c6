"""Text corpora for language models: two bundled public-domain texts and uploaded ``.txt`` files.

``shakespeare``: 18 plays, 1.1 million characters; ``tang_poems``: 400,000 characters of regular Tang poems
(5 or 7 characters a line), in traditional characters. Where they come from: docs/corpora.md and build.py.
A corpus becomes non-overlapping windows of ``seq_len`` tokens; the target of each is the same window moved on
by one token (``runtime.data.textgen``).
"""
from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from ..dataset import DataSet
from ..errors import DataError
from ..textgen import UNK, lm_encode, lm_tokens, lm_windows

HERE = Path(__file__).parent
NAMES = ("shakespeare", "tang_poems")
LEVELS = ("char", "word")
MAX_UPLOAD_CHARS = 5_000_000       # an uploaded corpus: enough for a small model on a CPU, bounded work
MAX_VOCAB = 20_000                 # tokens an Embedding and the last Linear must hold (characters or words)


def read(name: str) -> str:
    with gzip.open(HERE / f"{name}.txt.gz", "rt", encoding="utf-8") as f:
        return f.read()


def vocabulary(text: str, level: str, vocab_size: int) -> list[str]:
    """Characters: every one in ``text``, sorted. Words: ``<unk>`` and the ``vocab_size - 1`` most frequent."""
    if level == "char":
        return sorted(set(text))
    counts = Counter(lm_tokens(text, level))
    return [UNK] + sorted(tok for tok, _ in counts.most_common(vocab_size - 1))


def corpus_set(name: str, text: str, level: str, seq_len: int, vocab_size: int, source: str,
               vocab_from: str | None = None) -> DataSet:
    """``text`` as a language-model data set: inputs ``x`` (N, seq_len) token ids, targets the next tokens.
    The vocabulary comes from ``vocab_from`` (default: ``text``)."""
    if level not in LEVELS:
        raise DataError("textgen.bad_level", value=str(level)[:20], choices=", ".join(LEVELS))
    vocab = vocabulary(text if vocab_from is None else vocab_from, level, vocab_size)
    if len(vocab) > MAX_VOCAB:
        raise DataError("textgen.vocab_too_big", name=name, count=len(vocab), limit=MAX_VOCAB)
    x, y = lm_windows(lm_encode(text, vocab, level), seq_len)
    if len(x) < 2:
        raise DataError("textgen.corpus_too_short", name=name, seq_len=seq_len, windows=len(x))
    return DataSet(name, "corpus", "language_model", {"x": x}, y, vocab=vocab, normalize=False,
                   extra={"tokens": {"level": level, "seq_len": seq_len, "vocab_size": len(vocab)},
                          "source": source})


def builtin(name: str, o: dict) -> DataSet:
    """A bundled corpus; ``n_chars`` (0: all) keeps its beginning only (quick trials, tests), with the whole
    text's vocabulary: a model drawn for the corpus fits either way."""
    whole = read(name)
    text = whole[:o["n_chars"]] if o["n_chars"] else whole
    return corpus_set(name, text, o["level"], o["seq_len"], o["vocab_size"], "builtin", vocab_from=whole)


def load_text(src, level: str = "char", seq_len: int = 64, vocab_size: int = 5000, name: str | None = None) -> DataSet:
    """An uploaded ``.txt`` file (UTF-8) as a corpus."""
    raw = Path(src).read_bytes() if isinstance(src, (str, Path)) else src.read()
    if len(raw) > MAX_UPLOAD_CHARS * 4:
        raise DataError("textgen.upload_too_big", size=len(raw), limit=MAX_UPLOAD_CHARS * 4)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError("textgen.not_utf8", position=exc.start) from None
    name = name or Path(str(getattr(src, "name", src))).name
    return corpus_set(name, text[:MAX_UPLOAD_CHARS], level, int(seq_len), int(vocab_size), "upload")


def windows_shape(o: dict) -> dict:
    return {"x": (o["seq_len"],)}


DEFAULTS = {"level": "char", "seq_len": 64, "n_chars": 0, "vocab_size": 5000}
DESCRIPTIONS = {
    "shakespeare": ("Shakespeare: 18 plays, 1.1 million characters of public-domain text (Project Gutenberg). "
                    "Predict the next character (or word) at every position.",
                    "莎士比亚：18 部戏剧，110 万个字符的公有领域文本（古腾堡计划）。在每个位置预测下一个字符（或单词）。"),
    "tang_poems": ("Tang poems: 400,000 characters of classical Chinese poetry (5 or 7 characters a line, traditional "
                   "characters; public domain). Predict the next character.",
                   "唐诗：40 万字的古典诗歌（五言或七言，繁体字；公有领域）。预测下一个字。"),
}


def options(option) -> tuple:
    """The corpora's own data options, declared with ``builtin._option``."""
    return (
        option("level", ("Tokens", "词元"), ("char: one token per character; word: per word and punctuation mark "
                                              "(English; a Chinese character is a word).",
                                              "char：每个字符一个词元；word：每个单词和标点一个词元（英文；一个汉字算一个词）。"),
               None, None, None, "text"),
        option("n_chars", ("Characters used", "使用的字符数"), ("Use only the beginning of the text (0: all of it).",
                                                             "只使用文本开头的这么多字符（0：全部）。"), 0, 5_000_000, 1000),
        option("vocab_size", ("Vocabulary size", "词表大小"), ("Word level: the most frequent words kept; the others "
                                                            "become <unk>.", "单词级：保留最常见的这么多单词，其余记为 <unk>。"),
               2, MAX_VOCAB, 100),
    )
