"""Spectrogram and MelSpectrogram: values against a plain numpy STFT and mel filterbank, shapes and
errors from the checker, and generated code that needs only torch."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from builder.shapes import check
from builder.codegen import build_model, generate


def _graph(layer: str, shape, **params) -> dict:
    return {"format": "netcanvas.graph", "version": 1, "name": "s",
            "nodes": [{"id": "x", "type": "Input", "params": {"shape": list(shape)}},
                      {"id": "spec", "type": layer, "params": params},
                      {"id": "y", "type": "Output", "params": {}}],
            "edges": [{"source": "x", "target": "spec"}, {"source": "spec", "target": "y"}]}


def _numpy_power(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """(frequencies, frames): |rfft|^2 of Hann-windowed frames of the reflect-padded signal."""
    padded = np.pad(x, n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)       # periodic Hann
    starts = range(0, len(padded) - n_fft + 1, hop)
    return np.stack([np.abs(np.fft.rfft(padded[s:s + n_fft] * window)) ** 2 for s in starts], axis=1)


def _numpy_mel_filters(n_fft: int, n_mels: int, rate: int) -> np.ndarray:
    """Triangular filters on the HTK mel scale, written out one by one."""
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    def hz(m):
        return 700 * (10 ** (m / 2595) - 1)
    edges = [hz(m) for m in np.linspace(0, mel(rate / 2), n_mels + 2)]
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    out = np.zeros((n_mels, len(freqs)))
    for i in range(n_mels):
        lo, mid, hi = edges[i:i + 3]
        for j, f in enumerate(freqs):
            if lo <= f <= mid:
                out[i, j] = (f - lo) / (mid - lo)
            elif mid < f <= hi:
                out[i, j] = (hi - f) / (hi - mid)
    return out


@pytest.mark.parametrize("n_fft,hop,length", [(256, 128, 8000), (255, 100, 1000), (64, 64, 300)])
def test_spectrogram_is_the_stft_power_numpy_computes(n_fft, hop, length):
    x = np.random.default_rng(0).standard_normal((2, length)).astype(np.float32)
    model = build_model(_graph("Spectrogram", (length,), n_fft=n_fft, hop_length=hop, log=False))
    out = model(torch.from_numpy(x)).detach().numpy()
    assert out.shape == (2, *check(_graph("Spectrogram", (length,), n_fft=n_fft, hop_length=hop)).shapes["spec"])
    for row in range(2):
        np.testing.assert_allclose(out[row, 0], _numpy_power(x[row], n_fft, hop), rtol=1e-3, atol=1e-3)


def test_mel_spectrogram_sums_the_power_by_mel_filters_and_takes_the_log():
    x = np.random.default_rng(1).standard_normal((1, 2, 4000)).astype(np.float32)
    model = build_model(_graph("MelSpectrogram", (2, 4000), n_fft=512, hop_length=200, n_mels=30, sample_rate=16000))
    out = model(torch.from_numpy(x)).detach().numpy()
    assert out.shape == (1, 2, 30, 21)
    filters = _numpy_mel_filters(512, 30, 16000)
    for channel in range(2):
        expected = np.log(filters @ _numpy_power(x[0, channel], 512, 200) + 1e-6)
        np.testing.assert_allclose(out[0, channel], expected, rtol=1e-3, atol=1e-3)


def test_a_tone_lands_in_the_mel_band_around_its_frequency():
    rate, f0 = 8000, 1000.0
    tone = torch.sin(2 * torch.pi * f0 * torch.arange(rate) / rate)[None]
    out = build_model(_graph("MelSpectrogram", (rate,), n_mels=40))(tone)[0, 0].mean(dim=1)
    centres = _numpy_mel_filters(256, 40, rate).argmax(axis=1) * rate / 256
    assert abs(centres[int(out.argmax())] - f0) < 100


@pytest.mark.parametrize("layer,shape,params,code", [
    ("Spectrogram", (8000,), {"n_fft": 128, "hop_length": 200}, "speech.hop"),
    ("MelSpectrogram", (8000,), {"n_fft": 64, "hop_length": 32, "n_mels": 40}, "speech.mels"),
    ("MelSpectrogram", (100,), {"n_fft": 256}, "speech.too_short"),
    ("Spectrogram", (1, 28, 28), {}, "shape.rank"),
])
def test_wrong_params_and_inputs_are_errors_on_the_node(layer, shape, params, code):
    result = check(_graph(layer, shape, **params))
    assert [(e.node, e.code) for e in result.errors] == [("spec", code)]
    assert result.errors[0].text("en") and result.errors[0].text("zh") != result.errors[0].text("en")


def test_the_generated_file_defines_the_layers_and_needs_only_torch():
    source = generate(json.loads(Path("builder/templates/speech_cnn.json").read_text())).source
    namespace: dict = {"__name__": "model"}
    exec(compile(source, "model.py", "exec"), namespace)      # imports torch, nothing else of ours
    assert {"Spectrogram", "MelSpectrogram"} <= set(namespace) and "import torch" in source
    assert "builder" not in source and "runtime" not in source
    model = namespace["SpeechCnn"]()
    assert model(*namespace["example_inputs"]()).shape == (2, 10)
    assert not any("window" in k or "filters" in k for k in model.state_dict())   # buffers not saved
