"""Screenshots of the Train page's attention view, English and Chinese.

    python tests/e2e/attention_screenshots.py [OUT_DIR]

Trains the text_transformer template on a small sentiment set, starts the app on the run, opens its
"attention" diagnostics view and writes attention-en.png and attention-zh.png (the weights of the first
validation sentence, padding left out).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from train_screenshots import app_page, train_page_in_each_language, view_screenshot  # noqa: E402

WORDS = {"en": {"train": "Train", "view": "Attention"}, "zh": {"train": "训练", "view": "注意力"}}


def main(out_dir: Path) -> None:
    from builder import templates
    from tests.trained_runs import trained_run
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="nc-attention-"))
    trained_run(folder / "runs", {"data": "sentiment", "data_options": {"n_samples": 1500}, "epochs": 8},
                templates.load("text_transformer"), label="text transformer")
    with app_page(folder) as page:
        for lang in train_page_in_each_language(page, {k: w["train"] for k, w in WORDS.items()}):
            view_screenshot(page, WORDS[lang]["view"], "tp_attention", out_dir / f"attention-{lang}.png")
    for lang in ("en", "zh"):
        print(out_dir / f"attention-{lang}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
