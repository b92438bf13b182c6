"""Screenshots of transfer learning and class-incremental training on the Train page, English and Chinese.

    python tests/e2e/transfer_screenshots.py [OUT_DIR]

Trains three small runs first (a digits CNN with a narrower conv2; the digits CNN on the classes 0-4; the
same continued on 5-9 with a replay of 20 per old class), starts the app on them, and writes:
transfer-en.png / transfer-zh.png (the setup column: the narrow run picked as the start, its per-layer
report, conv1 frozen) and incremental-en.png / incremental-zh.png (the continued run's "old and new
classes" view: accuracy per class before and after).
"""
from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from train_screenshots import app_page, idle, train_page_in_each_language, view_screenshot  # noqa: E402

WORDS = {"en": {"train": "Train", "title": "Start from a finished run's weights", "source": "Start from run",
                "freeze": "Freeze layers", "view": "old and new classes"},
         "zh": {"train": "训练", "title": "从一个已完成运行的权重开始", "source": "起始运行",
                "freeze": "冻结的层", "view": "新旧类别"}}


def trained_runs(root: Path) -> None:
    from builder import templates
    from tests.trained_runs import trained_run
    cnn = templates.load("digits_cnn")
    narrow = copy.deepcopy(cnn)
    next(n for n in narrow["nodes"] if n["id"] == "conv2")["params"]["out_channels"] = 8
    narrow["name"] = "narrow_cnn"
    base = {"data": "digits", "epochs": 8, "monitor": False}
    trained_run(root, {**base, "epochs": 2}, narrow, label="narrow cnn")
    old = trained_run(root, {**base, "classes": list("01234")}, cnn, label="digits 0-4")
    trained_run(root, {**base, "classes": list("56789"), "replay": 20, "init_from": str(old / "checkpoint_best.pt")},
                cnn, label="digits 5-9, replay 20")


def pick(page, label: str, text: str, tries: int = 4) -> None:
    """Choose the option holding ``text`` in the setup's select box ``label`` (opened again if it closes)."""
    box = page.locator(".st-key-tp_setup").get_by_role("combobox", name=label)
    for attempt in range(tries):
        box.click()
        try:
            page.get_by_role("option").filter(has_text=text).first.click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - the list closed while the page moved: open it again
            if attempt == tries - 1:
                raise
            page.keyboard.press("Escape")


def shoot(page, lang: str, out_dir: Path) -> None:
    words = WORDS[lang]
    setup = page.locator(".st-key-tp_setup")
    title = setup.get_by_text(words["title"])
    if not setup.get_by_role("combobox", name=words["source"]).is_visible():   # kept open after a language switch
        title.click()
        idle(page)
    pick(page, words["source"], "narrow cnn")
    idle(page)
    freeze = setup.get_by_test_id("stMultiSelect").filter(has_text=words["freeze"])
    if "conv1" not in freeze.inner_text():
        pick(page, words["freeze"], "conv1")
        idle(page)
    page.keyboard.press("Escape")
    page.locator(".st-key-tp_transfer_report").wait_for()
    page.locator(".st-key-tp_transfer_report").evaluate("e => e.scrollIntoView({block: 'end'})")
    time.sleep(1.5)
    box = setup.bounding_box()
    page.screenshot(path=str(out_dir / f"transfer-{lang}.png"),
                    clip={"x": box["x"], "y": 0, "width": box["width"], "height": page.viewport_size["height"]})
    view_screenshot(page, words["view"], "tp_incremental", out_dir / f"incremental-{lang}.png")


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="nc-transfer-"))
    trained_runs(folder / "runs")
    with app_page(folder) as page:
        for lang in train_page_in_each_language(page, {k: w["train"] for k, w in WORDS.items()}):
            shoot(page, lang, out_dir)
    for lang in ("en", "zh"):
        for name in (f"transfer-{lang}.png", f"incremental-{lang}.png"):
            print(out_dir / name, (out_dir / name).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
