"""Screenshots of a block expanded in place and of a block's param declarations, for docs/screenshots
(1400x900).

    python tests/e2e/block_param_screenshots.py [OUT_DIR]

For English and Chinese: ResNet-18 with its stage layer2 expanded in place, the same instance drawn
with its two blocks inside (resnet18-expanded-inplace-LANG.png), and the block DownBasicBlock open
for editing with its params panel, the param planes open (block-params-LANG.png).
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from block_screenshots import idle, resnet18_shots, shoot  # noqa: E402


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
    return resnet18_shots(out_dir, steps, Path("/tmp/blockparamshots-st.log"))


def steps(page, out_dir: Path, lang: str) -> list[Path]:
    written = [out_dir / f"resnet18-expanded-inplace-{lang}.png", out_dir / f"block-params-{lang}.png"]
    expanded_in_place(page, written[0])
    block_params(page, written[1])
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
