"""Speech recognition in a real browser (issue 17), the way a person goes: open the speech_cnn template, see
spoken_digits on the Data page (each clip's waveform, log-mel spectrogram and a player; the audio augmentations),
train it a little (stopped after its first steps), then try the model on the Export page with a WAV file and with the microphone (Chromium's fake
microphone plays a spoken word) and read its spectrogram and class probabilities. Waits are on what the page shows."""
from __future__ import annotations

import functools
import json
import time

import numpy as np
import pytest
import torch
from playwright.sync_api import expect

from tests.e2e.conftest import (CHROMIUM_ARGS, NO_CHROMIUM_HINT, VIEWPORT, _skip_or_fail, find_chromium, netcanvas_app,
                                open_train_page, wait_for_app_idle)

pytestmark = pytest.mark.e2e

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
CURVE_JS = """() => { const el = document.querySelector('.st-key-tp_curve_0 .js-plotly-plot');
  return !!el && !!el.data && el.data.some(t => t.x && t.x.length > 0); }"""
AUDIO_SLIDERS = ("Time shift (share of the clip)", "Noise at SNR (dB, 0 = off)", "Time mask (share of the clip)",
                 "Frequency mask (share of the band)")


@functools.cache
def _held_out_clip() -> torch.Tensor:
    """The last clip of spoken_digits: a voice training never hears."""
    from runtime.data import spoken_digits
    return spoken_digits.load(noise=0.05, seed=0)[0][-1]


def _held_out_word(folder, rate: int):
    """The held-out clip as a WAV file at ``rate`` Hz."""
    from runtime.data.audio import encode_wav, resample
    wave = resample(_held_out_clip()[None], 8000, rate)[0].numpy()
    path = folder / f"word_{rate}.wav"
    path.write_bytes(encode_wav(np.clip(wave, -1, 1), rate))
    return path


@pytest.fixture(scope="module")
def word(tmp_path_factory):
    return _held_out_word(tmp_path_factory.mktemp("speech_wav"), 8000)


@pytest.fixture(scope="module")
def mic_browser(playwright_session, tmp_path_factory):
    """Chromium whose microphone plays a spoken word over and over (a 48 kHz WAV, the rate it captures at)."""
    exe = find_chromium(playwright_session)
    if not exe:
        _skip_or_fail(NO_CHROMIUM_HINT)
    path = _held_out_word(tmp_path_factory.mktemp("speech_mic"), 48000)
    browser = playwright_session.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={path}"])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def app(streamlit_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech")
    served = netcanvas_app(streamlit_app, folder)
    served.runs_root = folder / "runs"
    return served


def _see_the_clips_and_the_augmentations(page) -> None:
    page.get_by_role("link", name="Data").click()
    page.locator("h4").filter(has_text="spoken_digits").wait_for(timeout=150_000)   # the template brought it
    charts = page.get_by_test_id("stPlotlyChart")
    waveform = charts.filter(has_text="waveform").first
    spectrogram = charts.filter(has_text="log-mel spectrogram").first
    expect(waveform).to_be_visible(timeout=150_000)
    expect(spectrogram).to_be_visible()
    expect(waveform.locator(".scatterlayer .trace")).to_have_count(1)            # the wave drawn as a line
    expect(spectrogram.locator(".heatmaplayer image, .heatmaplayer .hm")).not_to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Fits the graph")).to_be_visible()
    player = page.get_by_test_id("stAudio").first
    expect(player).to_be_visible()
    assert player.evaluate("a => a.tagName") == "AUDIO" and player.get_attribute("src")

    page.get_by_role("tab", name="Augmentation").click()
    for label in AUDIO_SLIDERS:
        expect(page.get_by_role("slider", name=label)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("slider", name="Rotation")).to_have_count(0)          # no picture augmentations
    expect(charts.filter(has_text="After: no augmentation switched on yet: waveform")).to_be_visible()
    shift = page.get_by_role("slider", name=AUDIO_SLIDERS[0])
    shift.focus()
    shift.press("ArrowRight")                                                     # 0.05 of the clip
    expect(charts.filter(has_text="After augmentation (one random draw): waveform")).to_be_visible(timeout=60_000)


def _train_a_little(page, runs_root):
    """Start training, and stop it once the curve has its first points: the stopped run keeps its weights."""
    open_train_page(page, "spoken_digits").click()
    page.wait_for_function(CURVE_JS, timeout=180_000)
    page.locator(".st-key-tp_stop button").click()
    page.locator(".st-key-tp_run_card").get_by_text("stopped").first.wait_for(timeout=180_000)
    run = next(d for d in runs_root.iterdir() if (d / "job.json").exists())
    config = json.loads((run / "job.json").read_text())["config"]
    assert config["data"] == "spoken_digits" and config["augment"] == {"time_shift": 0.05}


def _see_the_prediction(page) -> None:
    """The clip the model heard (waveform and spectrogram) and its ten class probabilities."""
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts.filter(has_text="Input: log-mel spectrogram")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Prediction:").first).to_be_visible()
    bars = page.locator(".st-key-probs_chart")
    expect(bars).to_be_visible()
    for w in WORDS:
        expect(bars.locator(".ytick, .xtick").filter(has_text=w).first).to_be_attached()


def _try_a_wav_file_then_the_microphone(page, wav) -> None:
    page.get_by_test_id("stTopNavLink").filter(has_text="Export").click()
    page.get_by_role("tab", name="Try the model").click()
    wait_for_app_idle(page, timeout=60_000)
    waiting = page.get_by_text("Record a word with your microphone or upload a WAV file")
    expect(waiting).to_be_visible(timeout=60_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(wav))
    _see_the_prediction(page)
    page.get_by_test_id("stFileChipDeleteBtn").click()
    expect(waiting).to_be_visible()                          # no sound to classify now
    wait_for_app_idle(page, timeout=60_000)                  # a click on Record during the rerun can be lost
    mic = page.get_by_test_id("stAudioInput")
    mic.get_by_role("button", name="Record").click()
    expect(mic.get_by_role("button", name="Stop recording")).to_be_visible()
    page.wait_for_function("() => (document.querySelector('[data-testid=stAudioInputWaveformTimeCode]')"
                           " || {}).innerText >= '00:01'", timeout=30_000)   # a second of the fake microphone
    mic.get_by_role("button", name="Stop recording").click()
    expect(waiting).to_have_count(0)
    _see_the_prediction(page)


def test_from_template_to_spoken_clips_to_training_to_a_word_tried(app, mic_browser, word):
    t0 = time.monotonic()
    context = mic_browser.new_context(viewport=VIEWPORT, permissions=["microphone"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app.url, timeout=120_000)
        page.locator(".nc-root").wait_for(timeout=120_000)
        wait_for_app_idle(page, timeout=120_000)
        page.get_by_role("button", name="Templates").click()
        page.locator(".st-key-tpl_speech_cnn button").click()
        page.locator(".nc-node").filter(has_text="Mel spectrogram").first.wait_for()
        wait_for_app_idle(page, timeout=60_000)
        _see_the_clips_and_the_augmentations(page)
        t_data = time.monotonic()
        _train_a_little(page, app.runs_root)
        t_train = time.monotonic()
        _try_a_wav_file_then_the_microphone(page, word)
        print(f"\nspeech path: data {t_data - t0:.1f} s, training {t_train - t_data:.1f} s, "
              f"trying {time.monotonic() - t_train:.1f} s")
    except Exception:
        page.screenshot(path="/tmp/e2e_speech_failed.png", full_page=True)
        raise
    finally:
        context.close()
