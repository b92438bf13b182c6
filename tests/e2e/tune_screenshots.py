"""Screenshots of the Tune page after a study, in English and Chinese (1400x900).

    python tests/e2e/tune_screenshots.py [OUT_DIR]

Runs a 10-trial study of the mlp template on digits (learning rate, fc1's width and drop1's p; three
epochs a trial, the median pruner) in a fresh runs folder, starts ``streamlit run app.py`` on it, opens
the Tune page, picks the same parameters in the space editor, and writes tune-en.png; then switches the
language with the control at the top right and writes tune-zh.png.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


SPACE = [{"target": "config", "name": "lr", "kind": "float", "low": 1e-4, "high": 0.1, "log": True},
         {"target": "node", "node": "fc1", "param": "out_features", "kind": "int", "low": 16, "high": 256},
         {"target": "node", "node": "drop1", "param": "p", "kind": "float", "low": 0.0, "high": 0.6}]


def study(home: Path, root: Path) -> None:
    from builder import templates
    from runtime import tune
    from ui.workspace import Workspace
    ws = Workspace(home)
    ws.replace(templates.load("mlp"))
    ws.set_data_choice(data="digits")
    folder = tune.start(templates.load("mlp"), {"data": "digits", "epochs": 3}, SPACE, n_trials=10, root=root,
                        study="digits-mlp", seed=0)
    while tune.read(folder).state == "running":
        time.sleep(1)


def main(out_dir: Path) -> None:
    from test_runs_at_scale_browser import pick
    from train_screenshots import app_page, idle

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="nc-shots-"))
    study(tmp / "ws", tmp / "runs")
    with app_page(tmp) as page:
        page.get_by_test_id("stTopNavLink").filter(has_text="Tune").click()
        page.get_by_role("button", name="Start the search").wait_for()
        idle(page)
        for typed, option in (("Learning", "Learning rate"), ("fc1", "fc1 · out_features")):
            pick(page, "tune_params_en", typed, option)
            idle(page)
        page.locator(".st-key-tune_fig_history .js-plotly-plot").wait_for()
        shoot(page, out_dir / "tune-en.png")
        page.get_by_role("radio", name="简体中文").click()     # the language control, top right
        page.locator(".st-key-tune_status").get_by_text("已完成").wait_for()
        idle(page)
        shoot(page, out_dir / "tune-zh.png")


def shoot(page, path: Path) -> None:
    page.mouse.move(1390, 890)
    time.sleep(1.5)             # Plotly's transitions
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path))
    try:  # a smaller file: an 8-bit palette PNG
        from PIL import Image
        Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE).save(path, optimize=True)
    except ImportError:
        pass
    print(path, path.stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
