"""Screenshots of the Train page during training, in English and Chinese (1400x900).

    python tests/e2e/train_screenshots.py [OUT_DIR]

Starts ``streamlit run app.py`` with a fresh workspace and runs folder, opens the Train
page, starts digits_cnn on digits (the defaults, with more epochs so it is still
training), waits until a few epochs are drawn, and writes train-en.png; then switches
the language with the control at the top right and writes train-zh.png.
"""
from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

POINTS_JS = """() => {
  const el = document.querySelector('.st-key-tp_curve_0 .js-plotly-plot');
  if (!el || !el.data) return 0;
  return el.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
}"""


def idle(page) -> None:
    page.wait_for_function("() => { const a = document.querySelector('[data-testid=stApp]');"
                           " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=60_000)


@contextlib.contextmanager
def app_page(folder: Path):
    """A 1400x900 headless Chromium page on the app's start page, the app run on ``folder``/ws and ``folder``/runs.
    (Open other pages from there, as a user does: a fresh server asked for /train first serves pages/train.py
    on its own, Streamlit's pages/ folder, without app.py's navigation.)"""
    from playwright.sync_api import sync_playwright

    app = launch(ROOT / "app.py", cwd=ROOT,
                 env={"NETCANVAS_WORKSPACE": str(folder / "ws"), "NETCANVAS_RUNS": str(folder / "runs")})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            page.goto(f"{app.url}/")
            yield page
            browser.close()
    finally:
        app.stop()


def view_screenshot(page, view: str, chart_key: str, path: Path) -> None:
    """The Train page's diagnostics view ``view`` (its control's label) opened, from its control down to the
    bottom of its chart ``.st-key-<chart_key>``, saved to ``path``."""
    view_button = page.get_by_role("radio", name=view)
    if view_button.get_attribute("aria-checked") != "true":          # a second click would unselect it
        view_button.click()
        idle(page)
    chart = page.locator(f".st-key-{chart_key}")
    try:
        chart.wait_for(timeout=60_000)
    except Exception:
        page.screenshot(path=str(path.with_name("failed-" + path.name)), full_page=True)
        raise
    chart.evaluate("e => e.scrollIntoView({block: 'end'})")     # below the page's sticky navigation
    page.mouse.move(5, page.viewport_size["height"] - 5)         # off the chart: no plotly toolbar over the legend
    time.sleep(2.0)
    top, bottom = view_button.bounding_box(), chart.bounding_box()
    page.screenshot(path=str(path), clip={"x": 0, "y": top["y"] - 8, "width": page.viewport_size["width"],
                                          "height": bottom["y"] + bottom["height"] - top["y"] + 16})


def train_page_in_each_language(page, train_words: dict):
    """Yields "en" then "zh" with the Train page open in that language (``train_words``: its nav label in each)."""
    for lang in ("en", "zh"):
        if lang == "zh":
            page.get_by_role("radio", name="简体中文").click()
            idle(page)
        page.get_by_test_id("stTopNavLink").filter(has_text=train_words[lang]).click()
        page.locator(".st-key-tp_start").wait_for()
        idle(page)
        yield lang


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with app_page(Path(tempfile.mkdtemp(prefix="nc-shots-"))) as page:
        page.get_by_test_id("stTopNavLink").filter(has_text="Train").click()
        page.get_by_role("button", name="Start training").wait_for()
        idle(page)
        epochs = page.locator(".st-key-tp_setup").get_by_label("Epochs", exact=True)
        epochs.fill("400")
        epochs.press("Tab")
        idle(page)
        time.sleep(4)                                  # the spare worker warms up
        page.get_by_role("button", name="Start training").click()
        page.wait_for_function(f"() => ({POINTS_JS})() > 120", timeout=120_000)
        page.mouse.move(1390, 890)
        idle(page)
        time.sleep(1.5)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(out_dir / "train-en.png"))
        page.get_by_role("radio", name="简体中文").click()     # the language control, top right
        page.wait_for_function("() => (document.querySelector('.st-key-tp_status') || {}).innerText"
                               "?.includes('训练中')", timeout=30_000)
        idle(page)
        page.mouse.move(1390, 890)
        time.sleep(2.5)
        page.screenshot(path=str(out_dir / "train-zh.png"))
        page.get_by_role("button", name="停止").click()
        time.sleep(2)
    try:  # smaller files: 8-bit palette PNGs
        from PIL import Image

        for name in ("train-en.png", "train-zh.png"):
            path = out_dir / name
            Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE).save(path, optimize=True)
    except ImportError:
        pass
    for name in ("train-en.png", "train-zh.png"):
        print(out_dir / name, (out_dir / name).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
