"""Screenshots of the Data page's tree view, in English and Chinese (1400x900).

    python tests/e2e/tree_screenshots.py [OUT_DIR]

Starts ``streamlit run app.py`` on a fresh workspace holding the tree_lstm template with expr_trees
chosen, opens Data and writes data-trees-en.png and data-trees-zh.png (default: docs/screenshots).
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

from builder import templates  # noqa: E402

TREE_JS = """() => [...document.querySelectorAll('.st-key-data_tree .gtitle')]
  .some(el => /^(Sample|样本) ?1/.test(el.textContent || ''))"""


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-trees-"))
    home, cwd = tmp / "workspace", tmp / "cwd"
    (home / "graphs").mkdir(parents=True)
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    (home / "graphs" / "graph.json").write_text(json.dumps(templates.load("tree_lstm")))
    app = launch(ROOT / "app.py", cwd=cwd, env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp / "runs")},
                 timeout=240)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            for lang in ("en", "zh"):
                (home / "session.json").write_text(json.dumps({"open": ["graph"], "active": 0, "lang": lang,
                                                               "data": {"data": "expr_trees"}}))
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(120_000)
                page.goto(f"{app.url}/data")
                wait_for_app_idle(page, timeout=300_000)     # the first page of a fresh app: slow on busy cores
                settle(page)
                page.wait_for_function(TREE_JS, timeout=120_000)
                page.locator('[data-testid="stPlotlyChart"]').last.scroll_into_view_if_needed()
                settle(page)
                shoot(page, out_dir / f"data-trees-{lang}.png")
                page.close()
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
