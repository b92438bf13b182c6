"""Screenshots of a newcomer's first hour, in English and Chinese (1400x900).

    python tests/e2e/first_hour_screenshots.py [OUT_DIR]

Starts ``streamlit run app.py`` on a fresh workspace holding the perceptron template and the iris
data set, trains twice with the form's defaults (iris's own: 100 epochs, batch 16), and writes:
first-train-en.png / first-train-zh.png (the finished run, the form saying where its defaults came
from), first-compare-zh.png (the runs table and Compare in Chinese) and first-export-zh.png. Then, on the Build page, an MLP drawn without its Flatten:
first-build-en.png / first-build-zh.png (the hint on the Linear, its text in the property panel).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
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
    from PIL import Image                   # smaller files: 8-bit palette PNGs

    Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                             dither=Image.Dither.NONE).save(path, optimize=True)
    print("wrote", path)


def first_mlp() -> dict:
    """The MLP as a newcomer first draws it: no Flatten (it checks, with a hint on the first Linear)."""
    doc = templates.load("mlp")
    doc["name"] = "my first mlp"
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "flat"]
    doc["edges"] = [e for e in doc["edges"] if "flat" not in (e["source"], e["target"])] + [{"source": "x", "target": "fc1"}]
    return doc


@contextmanager
def opened(browser, doc: dict, data: str):
    """The app on a fresh workspace with ``doc`` as its one graph and ``data`` chosen, open in a new page:
    yields the page and the runs folder; stops the app and removes the folders after."""
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-first-hour-"))
    home, cwd, runs = tmp / "workspace", tmp / "cwd", tmp / "runs"
    (home / "graphs").mkdir(parents=True)
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    (home / "graphs" / "graph.json").write_text(json.dumps(doc))
    (home / "session.json").write_text(json.dumps({"open": ["graph"], "active": 0, "lang": "en",
                                                   "data": {"data": data}}))
    app = launch(ROOT / "app.py", cwd=cwd, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(runs)})
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(60_000)
        page.goto(f"{app.url}/")
        settle(page)
        yield page, runs
        page.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def train_shots(browser, out_dir: Path) -> None:
    with opened(browser, templates.load("perceptron"), "iris") as (page, runs):
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


def build_shots(browser, out_dir: Path) -> None:
    with opened(browser, first_mlp(), "digits") as (page, _):
        page.locator('.nc-node[data-id="fc1"] .nc-head').click()     # its property panel shows the hint in full
        settle(page)
        shoot(page, out_dir / "first-build-en.png")
        page.get_by_role("radio", name="简体中文").click()
        settle(page)
        shoot(page, out_dir / "first-build-zh.png")


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
        train_shots(browser, out_dir)
        build_shots(browser, out_dir)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
