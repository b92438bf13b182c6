"""Screenshots of the Data page with an environment as the data source, in English and Chinese (1400x900).

    python tests/e2e/data_env_screenshots.py [OUT_DIR]

Starts the app on a fresh workspace, opens the cartpole_policy template and the Data page, where its environment,
CartPole-v1, is the data source: writes data-env-en.png and data-env-zh.png (the shapes, the fit verdict, a frame).
"""
from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import train_screenshots  # noqa: E402
from textgen_screenshots import _quantize, shot  # noqa: E402
from train_screenshots import app_page, idle  # noqa: E402

train_screenshots.launch = functools.partial(train_screenshots.launch, timeout=600)    # a busy machine
NAMES = ("data-env-en.png", "data-env-zh.png")


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with app_page(Path(tempfile.mkdtemp(prefix="nc-shots-"))) as page:
        page.locator(".nc-root").wait_for(timeout=180_000)
        idle(page)
        page.get_by_role("button", name="Templates").click()
        page.locator(".st-key-tpl_cartpole_policy button").click()
        idle(page)
        page.get_by_test_id("stTopNavLink").filter(has_text="Data").click()
        page.get_by_text("Fits the graph").wait_for(timeout=120_000)
        page.locator("[data-testid=stImage] img").wait_for(timeout=60_000)
        shot(page, out_dir / NAMES[0])
        page.get_by_role("radio", name="简体中文").click()
        page.get_by_text("匹配").first.wait_for(timeout=60_000)
        page.locator("[data-testid=stImage] img").wait_for(timeout=60_000)
        shot(page, out_dir / NAMES[1])
    _quantize(out_dir, NAMES)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    main(Path(parser.parse_args().out))
