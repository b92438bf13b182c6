"""Screenshots of the Data page for docs/screenshots (1400x900).

    python tests/e2e/screenshots_data.py [OUT_DIR]

Starts the real app on a fresh temporary workspace and writes data-en.png and
data-zh.png (digits with the default graph: it fits), data-augment-en.png (the shapes
set with two augmentations and their before/after preview), data-mnist-en.png (MNIST from
files in the official IDX format in the data cache folder: a stand-in made of scikit-learn's
digits enlarged to 28x28, since this machine cannot download the real files) and
data-cifar10-download-zh.png (CIFAR-10 with its files missing: the download panel).
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
from servers import CHROMIUM_ARGS, VIEWPORT, find_chromium, launch  # noqa: E402

SHOTS = [
    # file name, language, data choice, tab to open (English label), scroll px
    ("data-en.png", "en", {"data": "digits"}, None, 0),
    ("data-zh.png", "zh", {"data": "digits"}, None, 0),
    ("data-augment-en.png", "en", {"data": "shapes", "augment": {"rotation": 25.0, "crop": 0.25, "noise": 0.06}},
     "Augmentation", 380),
    ("data-mnist-en.png", "en", {"data": "mnist"}, None, 0),
    ("data-cifar10-download-zh.png", "zh", {"data": "cifar10"}, None, 0),
]
NAV = {"en": "Data", "zh": "数据"}


def settle(page) -> None:
    for _ in range(2):
        wait_for_app_idle(page, timeout=90_000)
        page.wait_for_timeout(600)


def write_mnist_stand_in(cache: Path) -> None:
    """MNIST's four official files (IDX, gzip) in ``cache/mnist``, holding scikit-learn's digits at 28x28."""
    import numpy as np
    import torch
    from runtime.data import idx, sklearn_sets
    x, y, _ = sklearn_sets.load("digits")
    images = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0,
                                             size=(28, 28), mode="bilinear", align_corners=False)
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8).reshape(-1, 28, 28).numpy()
    folder = cache / "mnist"
    folder.mkdir(parents=True)
    for prefix, part in (("train", slice(0, 1497)), ("t10k", slice(1497, None))):
        idx.write(folder / f"{prefix}-images-idx3-ubyte.gz", images[part])
        idx.write(folder / f"{prefix}-labels-idx1-ubyte.gz", np.asarray(y[part], dtype=np.uint8))


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="netcanvas-shots-"))
    home, cwd = tmp / "workspace", tmp / "cwd"
    home.mkdir()
    shutil.copytree(ROOT / ".streamlit", cwd / ".streamlit")
    write_mnist_stand_in(tmp / "data")
    app = launch(ROOT / "app.py", cwd=cwd,
                 env={"NETCANVAS_WORKSPACE": str(home), "NETCANVAS_RUNS": str(tmp / "runs"),
                      "NETCANVAS_DATA": str(tmp / "data")})
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(pw), args=CHROMIUM_ARGS)
            for name, lang, data, tab, scroll in SHOTS:
                (home / "session.json").write_text(json.dumps({"lang": lang, "data": data}))
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(f"{app.url}/")
                settle(page)
                page.get_by_role("link", name=NAV[lang]).click()
                if data["data"] == "cifar10":       # files missing: the download panel, no chart
                    page.get_by_role("button", name="下载").wait_for(timeout=90_000)
                else:
                    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=90_000)
                settle(page)
                if tab:
                    page.get_by_role("tab", name=tab).click()
                    settle(page)
                if scroll:
                    page.mouse.move(900, 600)
                    page.mouse.wheel(0, scroll)
                    page.mouse.move(30, 880)              # no hover toolbar on the charts
                    page.wait_for_timeout(600)
                page.evaluate("document.fonts.ready")
                page.wait_for_timeout(800)
                page.screenshot(path=str(out_dir / name))
                page.close()
                print("wrote", out_dir / name)
            browser.close()
    finally:
        app.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
