"""Data page benchmark, in the real browser: from a click on "Data" to the page drawn and idle.

    python bench/data_page_bench.py [--repeats N] [--lang en|zh] [--pause S] [--root DIR]

For each repeat, starts a fresh ``streamlit run app.py`` (workspace and runs in a temporary
folder, so the default data set and graph: digits and digits_cnn), opens the front page in
headless Chromium (the ``chromium`` on PATH), waits for the Build page to be idle and then times:
  first   the first visit of the Data page in this server process: click "Data" in the top
          navigation until the script run has finished and the page's content is drawn (title,
          fit check, numbers, and the visible tab's Plotly figure or table)
  second  back to Build, then "Data" again, in the same browser session
``--pause`` is how long the Build page stays open before each click on Data (default 3 s: a
person looks at a page before moving on, and the app warms the Data page up meanwhile, see
ui/data_warmup.py and ui/plotly_preload.py; ``--pause 1`` times a quick click). ``--root`` runs
another checkout's app.py (e.g. an earlier commit, ``git archive``d into a folder) for
before/after figures on the same machine.
Target: first visit under 1 s on CPU. Prints each repeat, then the median and worst.
Not a timed test: the numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from conftest import wait_for_app_idle  # noqa: E402
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

NAV_NAMES = {"en": ("Build", "Data"), "zh": ("构建", "数据")}

# The Data page's content is there: its title, the fit verdict, the numbers, and the visible
# tab's figure (drawn by Plotly) or table.
DRAWN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h4')) return false;
  if (!main.querySelector('[data-testid="stAlert"]') || !main.querySelector('[data-testid="stMetric"]')) return false;
  const panel = [...main.querySelectorAll('[role="tabpanel"]')].find(p => p.getClientRects().length);
  if (!panel) return false;
  const charts = [...panel.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const tables = panel.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]');
  if (!charts.length && !tables.length) return false;
  return charts.every(c => c.querySelector('.main-svg'));
}"""


# The Data page is gone (its source card's segmented control, key data_source).
LEFT_DATA_JS = "() => !document.querySelector('.st-key-data_source')"


def ready(page) -> None:
    page.wait_for_function(DRAWN_JS, polling="raf", timeout=120_000)
    idle(page)


def idle(page) -> None:
    wait_for_app_idle(page, timeout=120_000)


def nav_click(page, name: str) -> None:
    page.get_by_test_id("stTopNavLink").filter(has_text=name).click()


def one_server(browser, lang: str, pause_s: float = 3.0, root: Path = ROOT) -> tuple[float, float]:
    """(first, second) visit times in seconds, in a fresh server process running ``root``'s app."""
    home = Path(tempfile.mkdtemp(prefix="netcanvas-data-bench-"))
    workspace = home / "workspace"
    workspace.mkdir()
    (workspace / "session.json").write_text(json.dumps({"lang": lang}))
    app = launch(root / "app.py", cwd=root, env={"NETCANVAS_WORKSPACE": str(workspace), "NETCANVAS_RUNS": str(home / "runs"),
                                                 "PYTHONPATH": str(root)})
    build, data = NAV_NAMES[lang]
    try:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(app.url)
        page.get_by_test_id("stTopNavLink").first.wait_for(timeout=120_000)
        idle(page)
        page.wait_for_timeout(pause_s * 1000)
        times = []
        for visit in range(2):
            if visit:
                nav_click(page, build)
                page.wait_for_function(LEFT_DATA_JS)
                idle(page)
                page.wait_for_timeout(pause_s * 1000)
            t0 = time.perf_counter()
            nav_click(page, data)
            ready(page)
            times.append(time.perf_counter() - t0)
        context.close()
        return times[0], times[1]
    finally:
        app.stop()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh servers (default 5)")
    parser.add_argument("--lang", choices=sorted(NAV_NAMES), default="en")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds on the Build page before clicking Data")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py to run")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    firsts, seconds = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
        print(f"click 'Data' -> page drawn and idle, in the browser (s; {args.repeats} fresh servers, "
              f"{args.pause:g} s on Build first)")
        for i in range(args.repeats):
            first, second = one_server(browser, args.lang, args.pause, args.root.resolve())
            firsts.append(first)
            seconds.append(second)
            print(f"  server {i + 1}: first visit {first:5.2f}   second visit {second:5.2f}")
        browser.close()
    print(f"first visit   median {statistics.median(firsts):5.2f}  worst {max(firsts):5.2f}   (target < 1 s)")
    print(f"second visit  median {statistics.median(seconds):5.2f}  worst {max(seconds):5.2f}")


if __name__ == "__main__":
    main()
