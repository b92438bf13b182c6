"""Screenshots of the Data page for docs/screenshots (1400x900).

    python tests/e2e/screenshots_data.py [OUT_DIR]

Starts the real app on a fresh temporary workspace and writes data-en.png and
data-zh.png (digits with the default graph: it fits) and data-augment-en.png (the shapes
set with two augmentations and their before/after preview).
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

from conftest import wait_for_app_idle  # noqa: E402
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

SHOTS = [
    # file name, language, data choice, tab to open (English label), scroll px
    ("data-en.png", "en", {"data": "digits"}, None, 0),
    ("data-zh.png", "zh", {"data": "digits"}, None, 0),
    ("data-augment-en.png", "en", {"data": "shapes", "augment": {"rotation": 25.0, "crop": 0.25, "noise": 0.06}},
     "Augmentation", 380),
]
NAV = {"en": "Data", "zh": "数据"}


def settle(page) -> None:
    for _ in range(2):
        wait_for_app_idle(page, timeout=90_000)
        page.wait_for_timeout(600)


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-shots-"))
    home, cwd = tmp / "workspace", tmp / "cwd"
    home.mkdir()
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    app = launch(ROOT / "app.py", cwd=cwd,
                 env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp / "runs")})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            for name, lang, data, tab, scroll in SHOTS:
                (home / "session.json").write_text(json.dumps({"lang": lang, "data": data}))
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(f"{app.url}/")
                settle(page)
                page.get_by_role("link", name=NAV[lang]).click()
                page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=90_000)
                settle(page)
                if tab:
                    page.get_by_role("tab", name=tab).click()
                    settle(page)
                if scroll:
                    page.mouse.move(900, 600)
                    page.mouse.wheel(0, scroll)
                    page.mouse.move(30, 880)              # no hover toolbar on the charts
                    page.wait_for_timeout(600)
                page.evaluate("document.fonts.ready")
                page.wait_for_timeout(800)
                page.screenshot(path=str(out_dir / name))
                page.close()
                print("wrote", out_dir / name)
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
