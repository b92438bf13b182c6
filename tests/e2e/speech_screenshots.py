"""Screenshots of speech recognition, in English and Chinese (1400x900).

    python tests/e2e/speech_screenshots.py [OUT_DIR] [EPOCHS]
    SPEECH_SHOTS_FOLDER=/tmp/x python tests/e2e/speech_screenshots.py    # trains there once, then reuses the run

Trains speech_cnn on spoken_digits for EPOCHS (default 4) in a fresh runs folder, starts the app on it, opens the
speech_cnn template and writes speech-data-{en,zh}.png (the Data page: the first clips' waveform, log-mel
spectrogram and player) and speech-try-{en,zh}.png (Export, Try the model: a held-out voice's WAV file, its
spectrogram and the class probabilities).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from train_screenshots import app_page, idle  # noqa: E402

WORDS = {"en": {"data": "Data", "export": "Export", "try": "Try the model", "wave": "waveform", "input": "Input"},
         "zh": {"data": "数据", "export": "导出", "try": "试用模型", "wave": "波形", "input": "输入"}}


def _train(runs: Path, epochs: int) -> None:
    from builder import templates
    from runtime import runs as runs_api
    run = runs_api.start(templates.load("speech_cnn"), {"data": "spoken_digits", "epochs": epochs}, root=runs)
    state = runs_api.wait(run, 3600)
    print("trained:", state["state"], (run / "summary.json").read_text()[:300])


def _held_out_wav(folder: Path) -> Path:
    from runtime.data import spoken_digits
    from runtime.data.audio import encode_wav
    x, y, _, words = spoken_digits.load()
    path = folder / f"{words[int(y[-7])]}.wav"        # a voice training never heard
    path.write_bytes(encode_wav(x[-7].numpy(), 8000))
    return path


def _settle(page) -> None:
    page.mouse.move(5, page.viewport_size["height"] - 5)
    idle(page)
    time.sleep(1.5)
    page.evaluate("document.fonts.ready")


def _scroll_to(locator, page, above: int = 90) -> None:
    locator.evaluate(f"""e => {{ e.scrollIntoView({{block: 'start'}});
        for (let p = e.parentElement; p; p = p.parentElement)      // the page scrolls in a div, not the window
            if (p.scrollTop > 0) {{ p.scrollBy(0, -{above}); break; }} }}""")


def shot_data(page, lang: str, out_dir: Path) -> None:
    w = WORDS[lang]
    page.get_by_test_id("stTopNavLink").filter(has_text=w["data"]).click()
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text=w["wave"]).first
    chart.wait_for(timeout=180_000)
    page.get_by_test_id("stAudio").first.wait_for()
    _scroll_to(page.get_by_role("tablist").first, page, 150)      # the numbers, the tabs and the first clips
    _settle(page)
    page.screenshot(path=str(out_dir / f"speech-data-{lang}.png"))


def shot_try(page, lang: str, out_dir: Path, wav: Path) -> None:
    w = WORDS[lang]
    page.get_by_test_id("stTopNavLink").filter(has_text=w["export"]).click()
    page.get_by_role("tab", name=w["try"]).click()
    page.get_by_test_id("stAudioInput").wait_for(timeout=120_000)
    idle(page)
    if page.get_by_test_id("stFileChip").count() == 0:
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(wav))
    page.locator(".st-key-probs_chart").wait_for(timeout=120_000)
    _scroll_to(page.get_by_test_id("stAudioInput"), page, 150)     # with the two inputs' labels
    _settle(page)
    page.screenshot(path=str(out_dir / f"speech-try-{lang}.png"))


def main(out_dir: Path, epochs: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(os.environ.get("SPEECH_SHOTS_FOLDER") or tempfile.mkdtemp(prefix="nc-speech-"))
    if not list(folder.glob("runs/*/summary.json")):     # a folder given again keeps its trained run
        _train(folder / "runs", epochs)
    shutil.rmtree(folder / "ws", ignore_errors=True)      # a fresh workspace: English, no graph open
    wav = _held_out_wav(folder)
    with app_page(folder) as page:
        page.locator(".nc-root").wait_for(timeout=120_000)
        idle(page)
        page.get_by_role("button", name="Templates").click()
        page.locator(".st-key-tpl_speech_cnn button").click()
        page.locator(".nc-node").filter(has_text="Mel spectrogram").first.wait_for()
        idle(page)
        try:
            shot_data(page, "en", out_dir)
            shot_try(page, "en", out_dir, wav)
            page.get_by_role("radio", name="简体中文").click()
            idle(page)
            shot_try(page, "zh", out_dir, wav)
            shot_data(page, "zh", out_dir)
        except Exception:
            page.screenshot(path=str(folder / "failed.png"), full_page=True)
            print("failed: see", folder / "failed.png")
            raise
    for name in ("speech-data-en", "speech-data-zh", "speech-try-en", "speech-try-zh"):
        path = out_dir / f"{name}.png"
        print(path, path.stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots",
         int(sys.argv[2]) if len(sys.argv) > 2 else 4)
