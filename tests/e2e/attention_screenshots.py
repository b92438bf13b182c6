"""Screenshots of the Train page's attention view, English and Chinese.

    python tests/e2e/attention_screenshots.py [OUT_DIR]

Trains the text_transformer template on a small sentiment set, starts the app on the run, opens its
"attention" diagnostics view and writes attention-en.png and attention-zh.png (the weights of the first
validation sentence, padding left out).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from train_screenshots import app_page, idle  # noqa: E402

WORDS = {"en": {"train": "Train", "view": "attention"}, "zh": {"train": "训练", "view": "注意力"}}


def shoot(page, lang: str, out_dir: Path) -> None:
    view_button = page.get_by_role("radio", name=WORDS[lang]["view"])
    if view_button.get_attribute("aria-checked") != "true":          # a second click would unselect it
        view_button.click()
        idle(page)
    chart = page.locator(".st-key-tp_attention")
    chart.wait_for(timeout=60_000)
    chart.evaluate("e => e.scrollIntoView({block: 'end'})")     # below the page's sticky navigation
    page.mouse.move(5, page.viewport_size["height"] - 5)         # off the chart: no plotly toolbar
    time.sleep(2.0)
    top, bottom = view_button.bounding_box(), chart.bounding_box()
    page.screenshot(path=str(out_dir / f"attention-{lang}.png"),
                    clip={"x": 0, "y": top["y"] - 8, "width": page.viewport_size["width"],
                          "height": bottom["y"] + bottom["height"] - top["y"] + 16})


def main(out_dir: Path) -> None:
    from builder import templates
    from tests.trained_runs import trained_run
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="nc-attention-"))
    trained_run(folder / "runs", {"data": "sentiment", "data_options": {"n_samples": 1500}, "epochs": 8},
                templates.load("text_transformer"), label="text transformer")
    with app_page(folder) as page:
        for lang in ("en", "zh"):
            if lang == "zh":
                page.get_by_role("radio", name="简体中文").click()
                idle(page)
            page.get_by_test_id("stTopNavLink").filter(has_text=WORDS[lang]["train"]).click()
            page.locator(".st-key-tp_start").wait_for()
            idle(page)
            shoot(page, lang, out_dir)
    for lang in ("en", "zh"):
        print(out_dir / f"attention-{lang}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
