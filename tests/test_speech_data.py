"""Audio data: WAV files of any common format in zips and folders, the budget counted from headers,
the built-in spoken_digits set and its held-out voices, and the waveform augmentations."""
import io
import wave
import zipfile

import numpy as np
import pytest
import torch

from runtime.data import audio, audio_augment, builtin, split, spoken_digits
from runtime.data.errors import DataError


def _wav(freq: float, rate: int, seconds: float, channels: int = 1, width: int = 2) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t)
    frames = np.repeat(x[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = np.round(frames * 127 + 128).astype(np.uint8).tobytes()
    else:
        raw = np.round(frames * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return buf.getvalue()


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _peak_hz(x: torch.Tensor, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x.numpy()))
    return float(np.argmax(spectrum) * rate / len(x))


def test_wav_of_any_rate_width_and_channels_becomes_one_mono_second_at_8khz():
    files = {"low/a.wav": _wav(300, 16000, 1.5, channels=2), "low/b.wav": _wav(300, 11025, 0.5, width=1),
             "high/c.wav": _wav(1200, 44100, 1.0, width=4), "high/notes.txt": b"hello"}
    ds = audio.load_audio_zip(_zip(files))
    assert ds.kind == "audio" and ds.class_names == ["high", "low"] and ds.inputs["x"].shape == (3, 8000)
    assert ds.extra["audio"] == {"sample_rate": 8000, "seconds": 1.0} and ds.extra["skipped_count"] == 1
    by_label = {ds.class_names[int(y)]: x for x, y in zip(ds.inputs["x"], ds.target)}
    assert abs(_peak_hz(ds.inputs["x"][2], 8000) - 1200) < 5          # 44.1 kHz, 32-bit: pitch kept
    assert abs(_peak_hz(by_label["low"], 8000) - 300) < 5
    half = ds.inputs["x"][1]                                            # 0.5 s, padded with silence
    assert abs(_peak_hz(half, 8000) - 300) < 5 and half[4100:].abs().max() == 0
    assert 0.4 < float(ds.inputs["x"][0].abs().max()) <= 0.51          # stereo averaged, not summed


def test_a_folder_of_class_folders_reads_like_the_zip(tmp_path):
    for label, freq in (("yes", 500), ("no", 900)):
        (tmp_path / label).mkdir()
        (tmp_path / label / "1.wav").write_bytes(_wav(freq, 22050, 1.0))
    assert audio.is_audio_folder(tmp_path)
    ds = audio.load_audio_folder(tmp_path, sample_rate=16000, seconds=0.5)
    assert ds.inputs["x"].shape == (2, 8000) and ds.class_names == ["no", "yes"]
    assert abs(_peak_hz(ds.inputs["x"][0], 16000) - 900) < 5


def test_unsafe_zips_are_refused_before_anything_is_decoded(monkeypatch):
    def never(*a, **k):
        raise AssertionError("decoded before the checks")
    monkeypatch.setattr(audio, "decode_wav", never)
    with pytest.raises(DataError) as exc:
        audio.load_audio_zip(_zip({"../evil/a.wav": _wav(100, 8000, 1), "b/b.wav": _wav(100, 8000, 1)}))
    assert exc.value.code == "data.zip_traversal"
    monkeypatch.setattr(audio, "MAX_DECODED_SAMPLES", 20_000)
    files = {f"{c}/{i}.wav": _wav(100, 8000, 1.0) for c in ("a", "b") for i in range(2)}
    with pytest.raises(DataError) as exc:
        audio.load_audio_zip(_zip(files), name="big")
    assert exc.value.code == "speech.sample_budget" and exc.value.args["files"] == 3
    assert "20000" in exc.value.message("en") and "20000" in exc.value.message("zh")


def test_bad_options_and_files_are_messages():
    with pytest.raises(DataError) as exc:
        audio.load_audio_zip(_zip({"a/1.wav": _wav(1, 8000, 1)}), sample_rate=100)
    assert exc.value.code == "data.option_range"
    with pytest.raises(DataError) as exc:
        audio.load_audio_zip(_zip({"a/1.wav": b"RIFF nonsense", "b/2.wav": b"not a wav"}))
    assert exc.value.code == "speech.no_audio"


def test_mu_law_keeps_quiet_and_loud_samples_close():
    x = np.linspace(-1, 1, 10001, dtype=np.float32)
    back = audio.mulaw_decode(audio.mulaw_encode(x))
    assert np.all(np.abs(back - x) <= 0.025 * np.abs(x) + 2e-4)     # half a step: ln(256) / 255 relative


def test_spoken_digits_validation_is_the_voices_training_never_heard():
    info = spoken_digits.info()
    assert info["count"] >= 2000 and len(info["words"]) == 10 and len(info["voices"]) >= 40
    ds = builtin.load("spoken_digits")
    assert ds.inputs["x"].shape == (info["count"], 8000) and ds.class_names == list(spoken_digits.WORDS)
    stored = spoken_digits._stored()
    held = np.array([v.split("+")[-1] in info["held_out"] for v in info["voices"]])[stored["voice"]]
    splits = split(ds, val_fraction=0.2, test_fraction=0.1, seed=3)
    assert len(splits.val) == int(held.sum()) and splits.preprocess["fixed_val"] == int(held.sum())
    assert len(splits.train) + len(splits.test) == int((~held).sum())
    assert torch.bincount(splits.val.target, minlength=10).min() > 0
    # the loaded order: every heard voice first, then the held-out ones, each clip once
    order = np.concatenate([np.flatnonzero(~held), np.flatnonzero(held)])
    assert torch.equal(ds.target, torch.from_numpy(stored["y"][order].astype(np.int64)))


def test_noise_level_follows_the_option():
    quiet, noisy = (builtin.load("spoken_digits", noise=n).inputs["x"][:50] for n in (0.0, 0.5))
    residual = (noisy - quiet)[:, :400].pow(2).mean().sqrt()
    assert residual > 0.005 and builtin.load("spoken_digits", noise=0.0).inputs["x"][:50].equal(quiet)


def test_time_shift_moves_the_sound_and_fills_with_silence():
    x = torch.zeros(64, 1000)
    x[:, 500] = 1.0
    out = audio_augment.time_shift(x, 0.1, torch.Generator().manual_seed(0))
    where = out.argmax(dim=1)
    assert out.sum(dim=1).eq(1).all() and (where - 500).abs().max() <= 100 and len(set(where.tolist())) > 10


def test_snr_noise_has_the_asked_signal_to_noise_ratio():
    x = torch.sin(torch.linspace(0, 400, 8000)).repeat(16, 1)
    out = audio_augment.snr_noise(x, 20.0, torch.Generator().manual_seed(0))
    snr = 10 * torch.log10(x.pow(2).mean() / (out - x).pow(2).mean())
    assert abs(float(snr) - 20.0) < 0.3


def test_masks_silence_a_stretch_and_remove_a_band():
    x = torch.randn(32, 4000, generator=torch.Generator().manual_seed(1))
    masked = audio_augment.time_mask(x, 0.2, torch.Generator().manual_seed(0))
    zeros = (masked == 0).sum(dim=1)
    assert zeros.max() <= 800 and zeros.float().mean() > 200
    band = audio_augment.freq_mask(x, 0.3, torch.Generator().manual_seed(0))
    spectrum = torch.fft.rfft(band, dim=1).abs()
    removed = (spectrum < 1e-3).sum(dim=1)
    assert removed.max() <= 0.3 * spectrum.shape[1] + 1 and removed.float().mean() > 50
