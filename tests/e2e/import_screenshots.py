"""Screenshots of importing a PyTorch model with its weights, in English and Chinese (1400x900).

    python tests/e2e/import_screenshots.py [OUT_DIR]

Starts ``streamlit run app.py`` on a fresh workspace. In English it fills the Build page's File > Import
model… dialog (a small PyTorch file, its weights, the class, the confirmation: import-en.png), imports,
shows the model on the canvas (import-canvas-en.png) and, on the Train page, picks the imported weights as
the start (import-train-en.png). In Chinese the same dialog is filled but closed unimported, and the canvas
and the Train page show the model imported before. Default OUT_DIR: docs/screenshots.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from conftest import wait_for_app_idle  # noqa: E402
from first_hour_screenshots import settle, shoot  # noqa: E402
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402
from test_import_browser import model_files  # noqa: E402

TEXT = {"en": {"file": "File", "open": "Import model…", "title": "Import a model", "class": "Class name",
               "confirm": "I understand: run this file's code", "run": "Import", "train": "Train",
               "start": "Start from a finished run's weights", "source": "Start from run",
               "imported": "Imported model: tiny_net"},
        "zh": {"file": "文件", "open": "导入模型…", "title": "导入模型", "class": "类名",
               "confirm": "我明白：运行这个文件的代码", "run": "导入", "train": "训练",
               "start": "从一个已完成运行的权重开始", "source": "起始运行", "imported": "导入的模型：tiny_net"}}


def fill_dialog(page, words: dict, source: Path, weights: Path):
    """File > Import model… with the file, its weights, the class and the confirmation; the Import button."""
    from playwright.sync_api import expect
    page.get_by_role("button", name=words["file"]).click()
    page.get_by_role("button", name=words["open"]).click()
    dialog = page.get_by_role("dialog", name=words["title"])
    uploads = dialog.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploads.first.set_input_files(str(source))
    dialog.get_by_label(words["class"]).wait_for()
    uploads.last.set_input_files(str(weights))
    dialog.get_by_label(words["class"]).fill("TinyNet")
    dialog.get_by_label(words["class"]).press("Enter")
    wait_for_app_idle(page, timeout=90_000)
    dialog.get_by_text(words["confirm"]).click()
    run = dialog.get_by_role("button", name=words["run"], exact=True)
    expect(run).to_be_enabled()
    return dialog, run


def pick_imported_start(page, words: dict) -> None:
    """The Train page with the imported weights picked as the start, the report in view."""
    page.get_by_test_id("stTopNavLink").filter(has_text=words["train"]).click()
    page.locator(".st-key-tp_start").wait_for(timeout=120_000)
    wait_for_app_idle(page, timeout=120_000)
    setup = page.locator(".st-key-tp_setup")
    setup.get_by_text(words["start"]).click()
    wait_for_app_idle(page, timeout=120_000)
    box = setup.get_by_role("combobox", name=words["source"])
    box.wait_for()
    box.click()
    page.get_by_role("option", name=words["imported"]).click()
    report = page.locator(".st-key-tp_transfer_report")
    report.wait_for(timeout=120_000)
    settle(page)
    report.evaluate("el => el.scrollIntoView({block: 'center'})")     # the picker, the summary and the report


def shoot_language(page, lang: str, out_dir: Path, source: Path, weights: Path) -> None:
    from playwright.sync_api import expect
    words = TEXT[lang]
    dialog, run = fill_dialog(page, words, source, weights)
    settle(page)
    shoot(page, out_dir / f"import-{lang}.png")
    if lang == "en":
        run.click()
    else:                   # the model imported in English is already open
        page.keyboard.press("Escape")
    expect(dialog).to_have_count(0, timeout=180_000)
    page.locator('.nc-node[data-id="fc"]').wait_for(timeout=120_000)
    settle(page)
    shoot(page, out_dir / f"import-canvas-{lang}.png")
    pick_imported_start(page, words)
    shoot(page, out_dir / f"import-train-{lang}.png")


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-import-"))
    home, cwd = tmp / "workspace", tmp / "cwd"
    home.mkdir(parents=True)
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    source, weights = model_files(tmp)
    app = launch(ROOT / "app.py", cwd=cwd, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp / "runs")},
                 timeout=240)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            for lang in ("en", "zh"):
                session = home / "session.json"
                state = json.loads(session.read_text()) if session.exists() else {}
                session.write_text(json.dumps({**state, "lang": lang}))
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(120_000)
                page.goto(app.url)
                page.locator(".nc-root").wait_for(timeout=300_000)
                wait_for_app_idle(page, timeout=120_000)
                try:
                    shoot_language(page, lang, out_dir, source, weights)
                except Exception:
                    page.screenshot(path=str(out_dir / f"failed-{lang}.png"))
                    raise
                page.close()
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
