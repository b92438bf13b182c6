"""Screenshots of an agent in the app, in English and Chinese (1400x900).

    python tests/e2e/rl_screenshots.py [OUT_DIR] [--episodes N]

Starts the app on a fresh workspace and runs folder, opens the cartpole_policy template, trains it for 300
episodes and, once N of them are played (default 120), writes rl-train-en.png and rl-train-zh.png (the status,
the returns with their moving average and the greedy evaluations, the rendered greedy episode, the loss and
entropy); then stops the run and writes rl-try-en.png and rl-try-zh.png (Try the model playing an episode).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import functools  # noqa: E402

import train_screenshots  # noqa: E402
from textgen_screenshots import _quantize, shot  # noqa: E402
from train_screenshots import app_page, idle  # noqa: E402

train_screenshots.launch = functools.partial(train_screenshots.launch, timeout=600)    # a busy machine

EPISODE_JS = """() => { const t = (document.querySelector('.st-key-tp_status') || {}).innerText || '';
  const m = t.match(/(?:Episode|第) (\\d+)/); return m ? Number(m[1]) : 0; }"""
NAMES = ("rl-train-en.png", "rl-train-zh.png", "rl-try-en.png", "rl-try-zh.png")


def main(out_dir: Path, episodes: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with app_page(Path(tempfile.mkdtemp(prefix="nc-shots-"))) as page:
        try:
            _shots(page, out_dir, episodes)
        except Exception:
            page.screenshot(path=str(out_dir / "rl-failed.png"), full_page=True)   # what the page showed
            raise
    _quantize(out_dir, NAMES)


def _shots(page, out_dir: Path, episodes: int) -> None:
    page.locator(".nc-root").wait_for(timeout=120_000)
    idle(page)
    page.get_by_role("button", name="Templates").click()
    page.locator(".st-key-tpl_cartpole_policy button").click()
    idle(page)
    page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
    page.get_by_role("button", name="Start training").wait_for()
    idle(page)
    field = page.get_by_role("spinbutton", name="Episodes", exact=True)
    field.fill("300")
    field.press("Enter")
    idle(page)
    page.get_by_role("button", name="Start training").click()
    page.wait_for_function(f"() => ({EPISODE_JS})() >= {episodes}", timeout=900_000, polling=1000)
    page.locator(".st-key-tp_rl_preview img.nc-rl-episode").wait_for()
    shot(page, out_dir / NAMES[0])
    page.get_by_role("radio", name="简体中文").click()
    page.get_by_text("智能体现在的表现").wait_for(timeout=60_000)
    shot(page, out_dir / NAMES[1])
    page.get_by_role("button", name="停止").click()
    page.locator(".st-key-tp_run_card").get_by_text(re.compile("已停止|已完成|stopped|finished")).first.wait_for(
        timeout=300_000)
    page.get_by_role("radio", name="English").click()
    idle(page)
    page.get_by_role("link", name="Export").click()
    page.get_by_role("tab", name="Try the model").click()
    idle(page)
    page.get_by_role("button", name="Play an episode").click()
    page.locator(".st-key-rl_try_result img.nc-rl-episode").wait_for(timeout=120_000)
    shot(page, out_dir / NAMES[2])
    page.get_by_role("radio", name="简体中文").click()
    page.get_by_role("tab", name="试用模型").wait_for(timeout=60_000)
    page.get_by_role("tab", name="试用模型").click()
    idle(page)
    page.locator(".st-key-rl_try_result img.nc-rl-episode").wait_for(timeout=120_000)   # kept in the session
    shot(page, out_dir / NAMES[3])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--episodes", type=int, default=120)
    args = parser.parse_args()
    main(Path(args.out), args.episodes)
