"""Screenshots of a language model in the app, in English and Chinese (1400x900).

    python tests/e2e/textgen_screenshots.py [OUT_DIR] [--steps N]

Starts the app on a fresh workspace and runs folder, opens the char_lstm template (shakespeare), starts
training, waits until the live sample comes from step N or later (default 150) and writes textgen-train-en.png
and textgen-train-zh.png (the status, the curves with perplexity and the live sample); then stops the run and
writes textgen-try-en.png and textgen-try-zh.png (Try the model writing on from a prompt).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import functools  # noqa: E402

import train_screenshots  # noqa: E402
from train_screenshots import app_page, idle  # noqa: E402

# a busy machine: give the server longer to answer than the default minute
train_screenshots.launch = functools.partial(train_screenshots.launch, timeout=600)

STEP_JS = """() => { const t = (document.querySelector('.st-key-tg_live') || {}).innerText || '';
  const m = t.match(/(?:Step|第) (\\d+)/); return m ? Number(m[1]) : 0; }"""


def shot(page, path: Path, anchor: str | None = None) -> None:
    if anchor:
        page.locator(anchor).scroll_into_view_if_needed()
    page.mouse.move(1390, 890)
    idle(page)
    time.sleep(1.5)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path))


def main(out_dir: Path, steps: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with app_page(Path(tempfile.mkdtemp(prefix="nc-shots-"))) as page:
        try:
            _shots(page, out_dir, steps)
        except Exception:
            page.screenshot(path=str(out_dir / "textgen-failed.png"), full_page=True)   # what the page showed
            raise
    _quantize(out_dir)


def _shots(page, out_dir: Path, steps: int) -> None:
    if True:
        page.locator(".nc-root").wait_for(timeout=120_000)
        idle(page)
        page.get_by_role("button", name="Templates").click()
        page.locator(".st-key-tpl_char_lstm button").click()
        idle(page)
        page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
        page.get_by_role("button", name="Start training").wait_for()
        idle(page)
        page.get_by_role("button", name="Start training").click()
        page.wait_for_function(f"() => ({STEP_JS})() >= {steps}", timeout=900_000, polling=2000)
        shot(page, out_dir / "textgen-train-en.png", ".st-key-tg_live")
        page.get_by_role("radio", name="简体中文").click()
        page.get_by_text("它现在写出的文字").wait_for(timeout=60_000)
        shot(page, out_dir / "textgen-train-zh.png", ".st-key-tg_live")
        page.get_by_role("button", name="停止").click()
        page.locator(".st-key-tp_run_card").get_by_text(re.compile("已停止|stopped")).first.wait_for(timeout=120_000)
        page.get_by_role("radio", name="English").click()
        idle(page)
        page.get_by_role("link", name="Export").click()
        page.get_by_role("tab", name="Try the model").click()
        idle(page)
        prompt = page.get_by_role("textbox", name="Start of the text")
        prompt.fill("ROMEO:\n")
        prompt.press("Control+Enter")
        page.get_by_role("button", name="Write on").click()
        page.locator("[data-testid='stCode']").filter(has_text="ROMEO:").wait_for(timeout=120_000)
        shot(page, out_dir / "textgen-try-en.png")
        page.get_by_role("radio", name="简体中文").click()
        page.get_by_role("tab", name="试用模型").wait_for(timeout=60_000)
        page.get_by_role("tab", name="试用模型").click()
        idle(page)
        page.get_by_role("button", name="接着写").click()
        page.locator("[data-testid='stCode']").filter(has_text="ROMEO:").wait_for(timeout=120_000)
        shot(page, out_dir / "textgen-try-zh.png")


def _quantize(out_dir: Path, names=("textgen-train-en.png", "textgen-train-zh.png", "textgen-try-en.png",
                                    "textgen-try-zh.png")) -> None:
    try:  # smaller files: 8-bit palette PNGs
        from PIL import Image

        for name in names:
            path = out_dir / name
            Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE).save(path, optimize=True)
    except ImportError:
        pass
    for name in names:
        print(out_dir / name, (out_dir / name).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    main(Path(args.out), args.steps)
