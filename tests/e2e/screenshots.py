"""Screenshots of the canvas harness for docs/screenshots (1400x900).

    python tests/e2e/screenshots.py [OUT_DIR]

Starts the harness with the demo network (12 layers, shape annotations, one layer
error and one graph error) in English and in Chinese, and writes PNGs.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

SHOTS = [
    # file name, query, action
    ("canvas-en.png", "graph=demo&ann=shapes&lang=en&debug=0", "select"),
    ("canvas-zh.png", "graph=demo&ann=shapes&lang=zh&debug=0", "select"),
    ("canvas-connect.png", "graph=demo&ann=shapes&lang=en&debug=0", "wire"),
    ("canvas-empty-zh.png", "graph=empty&lang=zh&debug=0", None),
]


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    app = launch(HERE / "apps" / "canvas_harness.py", cwd=Path.cwd(),
                 args=["--theme.base", "light", "--client.toolbarMode", "minimal"])
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            for name, query, action in SHOTS:
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(f"{app.url}/?{query}")
                page.locator(".nc-root").wait_for()
                page.wait_for_function(
                    "() => document.querySelector('[data-testid=stApp]')"
                    ".getAttribute('data-test-script-state') === 'notRunning'")
                page.evaluate("document.fonts.ready")
                if "graph=empty" not in query:
                    page.locator(".nc-title").first.wait_for()
                if action in ("select", "wire"):
                    page.locator('.nc-node[data-id="conv2"] .nc-head').click()
                    page.mouse.move(700, 880)  # park the pointer off the component
                if action == "wire":
                    src = page.locator('.nc-node[data-id="pool"] .nc-port.nc-out').bounding_box()
                    dst = page.locator('.nc-node[data-id="flatten_1"]').bounding_box()
                    page.mouse.move(src["x"] + 6, src["y"] + 6)
                    page.mouse.down()
                    page.mouse.move(dst["x"] + 60, dst["y"] + 30, steps=10)
                page.wait_for_timeout(400)  # let hover/transition styles settle
                page.screenshot(path=str(out_dir / name))
                if action == "wire":
                    page.mouse.up()
                page.close()
            browser.close()
    finally:
        app.stop()
    try:  # smaller files: 8-bit palette PNGs
        from PIL import Image

        for name, *_ in SHOTS:
            path = out_dir / name
            Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE).save(path, optimize=True)
    except ImportError:
        pass
    for name, *_ in SHOTS:
        print(out_dir / name, (out_dir / name).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
