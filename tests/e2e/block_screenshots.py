"""Screenshots of ResNet-18 with blocks on the Build page, for docs/screenshots (1400x900).

    python tests/e2e/block_screenshots.py [OUT_DIR]

For English and Chinese: ResNet-18 collapsed at fit-to-view (resnet18-blocks-LANG.png), the instance
layer2 selected with its side panel (resnet18-instance-LANG.png), layer2 ungrouped into its layers
(resnet18-expanded-LANG.png), and the block DownBasicBlock open for editing
(resnet18-edit-block-LANG.png).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state === 'running' || state === 'rerunRequested' || state === 'initial') return false;
  return app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


def workspace(home: Path, lang: str) -> None:
    from ui.workspace import Workspace
    ws = Workspace(home)
    ws.open_template("resnet18")
    ws.close(0)                       # only ResNet-18 open
    ws.set_lang(lang)


def idle(page) -> None:
    page.wait_for_function(IDLE_JS, timeout=30_000)
    page.wait_for_timeout(300)


def shoot(page, path: Path) -> None:
    page.mouse.move(5, 890)
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
    print(path)


def main(out_dir: Path) -> list[Path]:
    return resnet18_shots(out_dir, steps, Path("/tmp/blockshots-st.log"))


def steps(page, out_dir: Path, lang: str) -> list[Path]:
    written = [out_dir / f"resnet18-blocks-{lang}.png"]
    shoot(page, written[-1])
    page.locator('.nc-node[data-id="layer2"] .nc-head').click()
    page.locator(".st-key-blk_ungroup_layer2 button").first.wait_for()
    idle(page)
    written.append(out_dir / f"resnet18-instance-{lang}.png")
    shoot(page, written[-1])
    page.locator(".st-key-blk_ungroup_layer2 button").first.click()
    page.locator('.nc-node[data-id="layer2_0"]').wait_for()
    idle(page)
    page.locator('.nc-btn[data-action="fit"]').click()
    written.append(out_dir / f"resnet18-expanded-{lang}.png")
    shoot(page, written[-1])
    page.locator('.nc-node[data-id="layer2_0"] .nc-head').click()
    idle(page)
    page.locator(".st-key-blk_edit_layer2_0 button").first.click()
    page.locator('.nc-node[data-id="conv1"]').wait_for()
    idle(page)
    written.append(out_dir / f"resnet18-edit-block-{lang}.png")
    shoot(page, written[-1])
    return written


def resnet18_shots(out_dir: Path, take, log_path: Path) -> list[Path]:
    """For English and Chinese, a fresh app with ResNet-18 open on the Build page, where
    ``take(page, out_dir, lang)`` takes its screenshots (their paths); the files made small."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
        for lang in ("en", "zh"):
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp) / "workspace"
                workspace(home, lang)
                app = launch(ROOT / "app.py", cwd=ROOT, env={"NETCANVAS_WORKSPACE": str(home),
                                                            "NETCANVAS_RUNS": str(Path(tmp) / "runs")},
                             args=["--theme.base", "light", "--client.toolbarMode", "minimal"], log_path=log_path)
                try:
                    page = browser.new_page(viewport=VIEWPORT)
                    page.goto(app.url)
                    page.locator('.nc-node[data-id="layer2"]').wait_for(timeout=60_000)
                    page.evaluate("document.fonts.ready")
                    idle(page)
                    written += take(page, out_dir, lang)
                    page.close()
                finally:
                    app.stop()
        browser.close()
    small_pngs(written)
    return written


def small_pngs(paths: list[Path]) -> None:
    """Smaller files: 8-bit palette PNGs (as they are without Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        return
    for path in paths:
        Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE).save(path, optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
