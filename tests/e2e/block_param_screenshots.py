"""Screenshots of a block expanded in place and of a block's param declarations, for docs/screenshots
(1400x900).

    python tests/e2e/block_param_screenshots.py [OUT_DIR]

For English and Chinese: ResNet-18 with its stage layer2 expanded in place, the same instance drawn
with its two blocks inside (resnet18-expanded-inplace-LANG.png), and the block DownBasicBlock open
for editing with its params panel, the param planes open (block-params-LANG.png).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from block_screenshots import idle, shoot, small_pngs, workspace  # noqa: E402
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402


def expanded_in_place(page, out: Path) -> None:
    page.locator('.nc-node[data-id="layer2"] .nc-head').click()
    page.locator(".st-key-blk_expand_layer2 button").first.click()
    page.locator('.nc-node.nc-expanded[data-id="layer2"] .nc-mini').first.wait_for()
    idle(page)
    page.locator('.nc-btn[data-action="fit"]').click()
    box = page.locator('.nc-node[data-id="layer2"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(5):                      # the wheel zooms around the pointer: the inside reads
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(150)
    shoot(page, out)


def block_params(page, out: Path) -> None:
    page.locator('.nc-btn[data-action="fit"]').click()
    page.locator('.nc-node[data-id="layer2"] .nc-head').click()
    page.locator(".st-key-blk_edit_layer2 button").first.click()
    page.locator('.nc-node[data-id="0"]').wait_for()
    idle(page)
    page.locator('.nc-node[data-id="0"] .nc-head').click()
    page.locator(".st-key-blk_edit_nested_0 button").first.click()
    page.locator('.nc-node[data-id="conv1"]').wait_for()
    idle(page)
    page.locator(".nc-viewport").click(position={"x": 30, "y": 400})     # nothing selected: the params panel
    page.locator(".st-key-blk_param_planes summary").click()
    idle(page)
    page.locator(".st-key-blk_params").scroll_into_view_if_needed()
    shoot(page, out)


def main(out_dir: Path) -> list[Path]:
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
                             args=["--theme.base", "light", "--client.toolbarMode", "minimal"],
                             log_path=Path("/tmp/blockparamshots-st.log"))
                try:
                    page = browser.new_page(viewport=VIEWPORT)
                    page.goto(app.url)
                    page.locator('.nc-node[data-id="layer2"]').wait_for(timeout=60_000)
                    page.evaluate("document.fonts.ready")
                    idle(page)
                    written.append(out_dir / f"resnet18-expanded-inplace-{lang}.png")
                    expanded_in_place(page, written[-1])
                    written.append(out_dir / f"block-params-{lang}.png")
                    block_params(page, written[-1])
                    page.close()
                finally:
                    app.stop()
        browser.close()
    small_pngs(written)
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
