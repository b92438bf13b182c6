"""Screenshots of a newcomer's first hour, in English and Chinese (1400x900).

    python tests/e2e/first_hour_screenshots.py [OUT_DIR]

Starts ``streamlit run app.py`` on a fresh workspace holding the perceptron template and the iris
data set, trains twice with the form's defaults (iris's own: 100 epochs, batch 16), and writes:
first-train-en.png / first-train-zh.png (the finished run, the form saying where its defaults came
from), first-compare-zh.png (the runs table and Compare in Chinese) and first-export-zh.png.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from conftest import wait_for_app_idle  # noqa: E402
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

from builder import templates  # noqa: E402


def settle(page) -> None:
    for _ in range(2):
        wait_for_app_idle(page, timeout=90_000)
        page.wait_for_timeout(600)


def finished(runs: Path) -> int:
    return sum(1 for d in runs.iterdir() if (d / "summary.json").exists()) if runs.exists() else 0


def train(page, runs: Path) -> None:
    before = finished(runs)
    page.get_by_role("button", name="Start training").click()
    deadline = time.monotonic() + 180
    while finished(runs) == before:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.5)
    page.locator(".st-key-tp_status").get_by_text("finished").wait_for(timeout=60_000)
    settle(page)


def shoot(page, path: Path) -> None:
    page.mouse.move(1390, 890)              # no hover toolbar on the charts
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(1200)
    page.screenshot(path=str(path))
    print("wrote", path)


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-first-hour-"))
    home, cwd, runs = tmp / "workspace", tmp / "cwd", tmp / "runs"
    (home / "graphs").mkdir(parents=True)
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    (home / "graphs" / "perceptron.json").write_text(json.dumps(templates.load("perceptron")))
    (home / "session.json").write_text(json.dumps({"open": ["perceptron"], "active": 0, "lang": "en",
                                                   "data": {"data": "iris"}}))
    app = launch(ROOT / "app.py", cwd=cwd, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs)})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            page.goto(f"{app.url}/")
            settle(page)
            page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
            page.get_by_role("button", name="Start training").wait_for()
            settle(page)
            train(page, runs)
            shoot(page, out_dir / "first-train-en.png")
            train(page, runs)                                   # again, untouched: Compare shows both
            page.get_by_role("radio", name="简体中文").click()
            page.get_by_role("button", name="开始训练").wait_for()
            settle(page)
            shoot(page, out_dir / "first-train-zh.png")
            page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()   # the runs table
            page.mouse.move(900, 500)
            page.mouse.wheel(0, 300)
            settle(page)
            shoot(page, out_dir / "first-compare-zh.png")
            page.get_by_test_id("stTopNavLink").filter(has_text="导出").click()
            settle(page)
            shoot(page, out_dir / "first-export-zh.png")
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
