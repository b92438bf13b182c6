"""Sounds on the Data page and in "try the model": a waveform, its log-mel spectrogram (computed by the
same MelSpectrogram layer a network uses) and a player, per clip; the audio augmentations' sliders."""
from __future__ import annotations

from functools import cache

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from builder.i18n import translate
from runtime.data.audio import encode_wav
from runtime.data.audio_augment import AUDIO_AUGMENTATIONS
from runtime.data.augment import AUGMENTATIONS

from . import figures

CLIPS_SHOWN = 4
N_MELS = 40


def sample_rate(view_or_record) -> int:
    audio = (getattr(view_or_record, "extra", None) or view_or_record or {}).get("audio") or {}
    return int(audio.get("sample_rate", 8000))


def augmentations_for(view) -> tuple:
    """The augmentation settings the Data page offers for this data: the audio ones for sounds."""
    if view.kind == "audio":
        return AUDIO_AUGMENTATIONS
    return tuple(a for a in AUGMENTATIONS if a not in AUDIO_AUGMENTATIONS)


@cache
def _mel(length: int, rate: int):
    from builder.codegen import build_model
    n_fft = 256 if rate <= 16000 else 1024
    graph = {"format": "netcanvas.graph", "version": 1, "name": "mel",
             "nodes": [{"id": "x", "type": "Input", "params": {"shape": [length]}},
                       {"id": "mel", "type": "MelSpectrogram",
                        "params": {"n_fft": n_fft, "hop_length": n_fft // 2, "n_mels": N_MELS, "sample_rate": rate}},
                       {"id": "y", "type": "Output", "params": {}}],
             "edges": [{"source": "x", "target": "mel"}, {"source": "mel", "target": "y"}]}
    return build_model(graph).eval()


def log_mel(wave: np.ndarray, rate: int) -> np.ndarray:
    """(n_mels, frames) log-mel spectrogram of one clip, as a MelSpectrogram layer computes it."""
    with torch.no_grad():
        return _mel(len(wave), rate)(torch.as_tensor(wave, dtype=torch.float32)[None])[0, 0].numpy()


def waveform_figure(wave: np.ndarray, rate: int, title: str, lang: str) -> go.Figure:
    step = max(1, len(wave) // 2000)            # enough points to draw, not all of them
    t = np.arange(0, len(wave), step) / rate
    fig = go.Figure(go.Scatter(x=t, y=wave[::step], mode="lines", line={"width": 1, "color": "#2563eb"}))
    figures._layout(fig, title, height=190, xaxis_title=translate("speech.seconds", lang), yaxis_range=[-1, 1],
                    showlegend=False)      # the title escaped: class names are user text
    return fig


def spectrogram_figure(mel: np.ndarray, seconds: float, title: str, lang: str) -> go.Figure:
    t = np.linspace(0, seconds, mel.shape[1])
    fig = go.Figure(go.Heatmap(z=mel, x=t, colorscale="Magma", showscale=False))
    figures._layout(fig, title, height=190, xaxis_title=translate("speech.seconds", lang),
                    yaxis_title=translate("speech.mel_bands", lang))
    return fig


def render_clip(wave: np.ndarray, rate: int, label: str, lang: str, key: str) -> None:
    """One clip: its label, waveform, spectrogram and a player."""
    seconds = len(wave) / rate
    left, right = st.columns(2)
    left.plotly_chart(waveform_figure(wave, rate, translate("speech.waveform", lang, label=label), lang),
                      key=f"{key}_wave", config={"displayModeBar": False})
    right.plotly_chart(spectrogram_figure(log_mel(wave, rate), seconds,
                                          translate("speech.spectrogram", lang, label=label, rate=rate // 2), lang),
                       key=f"{key}_spec", config={"displayModeBar": False})
    st.audio(encode_wav(wave, rate), format="audio/wav")


def render_samples(view, lang: str) -> None:
    """The Data page's samples of a sound set: a few clips, each seen and heard."""
    waves = next(iter(view.samples.values()))
    rate = sample_rate(view)
    for i, wave in enumerate(waves[:CLIPS_SHOWN]):
        target = None if view.sample_targets is None else view.sample_targets[i]
        render_clip(np.asarray(wave, dtype=np.float32), rate, view.label_text(target), lang, key=f"audio_{i}")
    st.caption(translate("speech.samples_caption", lang, shown=min(CLIPS_SHOWN, len(waves)), n=f"{view.n:,}",
                         rate=rate, seconds=f"{waves.shape[1] / rate:g}"))


def render_augment_preview(view, config: dict, seed: int, lang: str) -> None:
    """One clip before and after the chosen augmentations."""
    from runtime.data.augment import Augmenter
    wave = np.asarray(next(iter(view.samples.values()))[0], dtype=np.float32)
    after = Augmenter(config, seed=seed)(torch.from_numpy(wave)[None].clone())[0].numpy() if config else wave
    rate = sample_rate(view)
    render_clip(wave, rate, translate("datapage.before", lang), lang, key="aug_audio_before")
    render_clip(np.clip(after, -1, 1), rate, translate("datapage.after", lang) if config else
                translate("datapage.after_none", lang), lang, key="aug_audio_after")


def try_sound(predictor, run, run_id: str, lang: str) -> None:
    """Try the model on a sound: recorded with the browser's microphone or a WAV file, turned into a clip
    the way the training data was (mono, resampled, cut or padded), seen, heard, and classified."""
    from runtime.data.audio import decode_wav
    from .try_model import show_prediction
    record = predictor.record or {}
    rate, seconds = sample_rate(record), float(record["audio"].get("seconds", 1.0))
    left, right = st.columns(2)
    recorded = left.audio_input(translate("speech.record", lang), sample_rate=None, key=f"mic_{run_id}")
    uploaded = right.file_uploader(translate("speech.upload_wav", lang), type=["wav"], key=f"wav_{run_id}")
    source = recorded or uploaded
    if source is None:
        st.info(translate("speech.try_first", lang, seconds=f"{seconds:g}"), icon=":material/mic:")
        return
    clip = decode_wav(source.getvalue(), rate, seconds)
    if clip is None:
        st.error(translate("speech.not_wav", lang))
        return
    render_clip(clip.numpy(), rate, translate("exportpage.input", lang), lang, key=f"try_{run_id}")
    show_prediction(predictor.predict(clip[None].numpy()), lang)
