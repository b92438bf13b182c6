"""The built-in ``spoken_digits`` set: the ten digit words spoken by espeak-ng voices (made by
``speech_gen.py``, stored as 8 kHz mu-law in ``spoken_digits.npz``), with background noise added
here at a random level around ``noise`` (its RMS relative to the word's), from the set's seed.

The clips of the voices in ``held_out`` come last and are the validation split
(``extra["fixed_val"]``): validation measures voices the network never heard in training.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch

from . import audio

FILE = Path(__file__).with_name("spoken_digits.npz")
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@cache
def _stored() -> dict:
    with np.load(FILE) as z:
        return {k: z[k] for k in z.files}


def info() -> dict:
    """Words, voices and the held-out variants, without decoding any clip."""
    s = _stored()
    return {"words": [str(w) for w in s["words"]], "voices": [str(v) for v in s["voices"]],
            "held_out": [str(v) for v in s["held_out"]], "count": int(len(s["y"]))}


def _held_out(voices: np.ndarray, variants: np.ndarray) -> np.ndarray:
    """Per voice: whether its variant (``en-us+f4`` -> ``f4``) is one only validation hears."""
    return np.array([str(v).split("+")[-1] in set(map(str, variants)) for v in voices])


def background(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise of three colours: white, brown (integrated white) and a mains hum with harmonics."""
    kind = rng.integers(0, 3, n)
    noise = rng.standard_normal((n, length), dtype=np.float32)
    brown = kind == 1
    noise[brown] = np.cumsum(noise[brown], axis=1)
    noise[brown] -= noise[brown].mean(axis=1, keepdims=True)
    hum = kind == 2
    f0 = rng.choice(np.array([50.0, 60.0], np.float32), int(hum.sum()))[:, None]
    t = np.arange(length, dtype=np.float32) / audio.SAMPLE_RATE
    noise[hum] = np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(4 * np.pi * f0 * t) + 0.2 * noise[hum]
    return noise / np.sqrt((noise ** 2).mean(axis=1, keepdims=True) + 1e-12)


@cache
def _clean() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(waveforms, labels, speech RMS per clip, held-out count): heard voices first, then held-out ones."""
    s = _stored()
    held = _held_out(s["voices"], s["held_out"])[s["voice"]]
    order = np.concatenate([np.flatnonzero(~held), np.flatnonzero(held)])
    x = audio.mulaw_decode(s["codes"][order])
    voiced = np.abs(x) > 1e-3      # the word, not the silence around it (mu-law's zero decodes to ~1e-4)
    rms = np.sqrt((x ** 2 * voiced).sum(axis=1, keepdims=True) / np.maximum(voiced.sum(axis=1, keepdims=True), 1))
    return x, s["y"][order].astype(np.int64), rms.astype(np.float32), int(held.sum())


def load(noise: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, int, list[str]]:
    """(waveforms (N, 8000), labels, how many last clips are the held-out voices, class names)."""
    x, y, rms, held = _clean()
    if noise > 0:
        rng = np.random.default_rng(seed)
        level = (noise * rng.uniform(0.5, 1.5, (len(x), 1)) * rms).astype(np.float32)
        x = np.clip(x + level * background(len(x), x.shape[1], rng), -1.0, 1.0)
    return torch.from_numpy(np.array(x, np.float32)), torch.from_numpy(y.copy()), held, list(WORDS)
