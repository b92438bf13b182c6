"""Makes the built-in ``spoken_digits`` set with the espeak-ng speech synthesiser (GPL-3; the clips are
its output). Run once, offline, where ``espeak-ng`` is installed (``apt-get install espeak-ng``)::

    python -m runtime.data.speech_gen            # writes runtime/data/spoken_digits.npz

Every digit word is spoken by every voice (espeak-ng's English accents x voice variants), a few
times at random speeds and pitches, trimmed of silence, given a random loudness and a random
place in its one-second clip, resampled to 8 kHz and stored as 8-bit mu-law. Background noise is
added when the set is loaded (``runtime.data.spoken_digits``), so the file stays small.
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import audio
from .spoken_digits import WORDS

ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-us-nyc")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m7", "f1", "f2", "f3", "f4")
HELD_OUT = ("m3", "f4")      # voice variants only the validation split hears
TAKES = 3                    # renderings of each word by each voice
SPEEDS = (130, 210)          # words per minute
PITCHES = (20, 80)           # espeak-ng's 0..99
OUT = Path(__file__).with_name("spoken_digits.npz")


def speak(word: str, voice: str, speed: int, pitch: int, folder: Path) -> np.ndarray:
    """One word as floats at espeak-ng's own rate, then at 8 kHz."""
    path = folder / "word.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), word],
                   check=True, capture_output=True)
    clip = audio.decode_wav(path.read_bytes(), audio.SAMPLE_RATE, 3.0)
    return trim(clip.numpy())


def trim(x: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > threshold * np.abs(x).max())
    return x[loud[0]:loud[-1] + 1] if len(loud) else x[:0]


def place(word: np.ndarray, rng: np.random.Generator, length: int = audio.SAMPLE_RATE) -> np.ndarray:
    """The word at a random loudness and a random place in one second of silence."""
    word = word[: int(length * 0.95)]
    clip = np.zeros(length, np.float32)
    start = rng.integers(0, length - len(word) + 1)
    clip[start:start + len(word)] = word / max(np.abs(word).max(), 1e-6) * rng.uniform(0.3, 0.9)
    return clip


def generate(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    voices = [f"{a}+{v}" for a in ACCENTS for v in VARIANTS]
    codes, labels, voice_ids = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for v, voice in enumerate(voices):
            for label, word in enumerate(WORDS):
                for _ in range(TAKES):
                    spoken = speak(word, voice, int(rng.integers(*SPEEDS)), int(rng.integers(*PITCHES)), Path(tmp))
                    codes.append(audio.mulaw_encode(place(spoken, rng)))
                    labels.append(label)
                    voice_ids.append(v)
    return {"codes": np.stack(codes), "y": np.array(labels, np.uint8), "voice": np.array(voice_ids, np.int16),
            "voices": np.array(voices), "held_out": np.array(HELD_OUT), "words": np.array(WORDS),
            "sample_rate": np.array(audio.SAMPLE_RATE)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    arrays = generate(args.seed)
    np.savez_compressed(args.out, **arrays)
    print(f"{len(arrays['y'])} clips, {len(arrays['voices'])} voices -> {args.out} "
          f"({args.out.stat().st_size / 2**20:.1f} MB)")


if __name__ == "__main__":
    main()
