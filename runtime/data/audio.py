"""Audio: WAV files read with the standard library's ``wave``, mixed to mono, resampled and cut to
one clip length, as a DataSet of waveforms (N, samples) with values in [-1, 1].

A zip of class folders (``yes/a.wav``, ``no/b.wav``) or a local folder of class folders is read
under the image zip's rules (path traversal, links, bombs, junk files, class limits); the samples
every file would decode to are summed from the WAV headers before anything is decoded and held
against ``MAX_DECODED_SAMPLES``. Resampling and mu-law are numpy/torch only, so the exported
``train.py`` can paste them.
"""
from __future__ import annotations

import io
import os
import wave
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import uploads
from .classes import SOURCE_ZIP, check_classes
from .dataset import DataSet
from .errors import DataError

SAMPLE_RATE = 8000                   # the rate every clip is resampled to (the built-in set's rate)
CLIP_SECONDS = 1.0
RATES = (4000, 48000)                # sample rates a user may choose
SECONDS = (0.25, 10.0)               # clip lengths a user may choose
MAX_AUDIO_FILES = 20_000             # WAV files in one zip or folder
MAX_FILE_SAMPLES = 20_000_000        # one file, frames x channels (about 3.5 min of 48 kHz stereo)
MAX_DECODED_SAMPLES = 500_000_000    # all files together, frames x channels, summed from the headers
HEADER_BYTES = 4096                  # a WAV's first bytes, where its header is
AUDIO_EXTENSIONS = (".wav",)
MU = 255                             # mu-law companding (8-bit, as telephones store speech)


@dataclass(frozen=True)
class WavHeader:
    channels: int
    width: int        # bytes per sample: 1 (unsigned), 2, 3 or 4 (signed)
    rate: int
    frames: int

    @property
    def samples(self) -> int:
        return self.channels * self.frames


def read_header(data: bytes) -> WavHeader | None:
    """The header of a WAV file's first bytes; None when it is not a PCM WAV file."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            head = WavHeader(w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes())
    except (wave.Error, EOFError, ValueError, OSError):
        return None
    return head if head.channels >= 1 and head.width in (1, 2, 3, 4) and head.rate > 0 else None


def pcm_to_float(raw: bytes, width: int, channels: int) -> np.ndarray:
    """Interleaved PCM bytes -> (frames,) float32 in [-1, 1], channels averaged (mono)."""
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:      # 24-bit: three bytes little-endian, placed in the top of an int32
        b = np.frombuffer(raw[: len(raw) // 3 * 3], np.uint8).reshape(-1, 3).astype(np.int32)
        x = ((b[:, 0] << 8 | b[:, 1] << 16 | b[:, 2] << 24).astype(np.float32)) / 2.0**31
    else:
        x = np.frombuffer(raw[: len(raw) // width * width], f"<i{width}").astype(np.float32) / 2.0 ** (8 * width - 1)
    x = x[: len(x) // channels * channels].reshape(-1, channels)
    return x.mean(axis=1)


def resample(x, src_rate: int, dst_rate: int) -> torch.Tensor:
    """A waveform (..., T) from ``src_rate`` to ``dst_rate`` Hz: linear interpolation, low-passed
    (antialiased) when going down, in torch only."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if src_rate == dst_rate or x.shape[-1] == 0:
        return x
    n = max(1, round(x.shape[-1] * dst_rate / src_rate))
    flat = x.reshape(-1, 1, 1, x.shape[-1])
    out = torch.nn.functional.interpolate(flat, size=(1, n), mode="bilinear", align_corners=False,
                                          antialias=dst_rate < src_rate)
    return out.reshape(*x.shape[:-1], n)


def fit_length(x: torch.Tensor, n: int) -> torch.Tensor:
    """The first ``n`` samples, padded with silence at the end when shorter."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return torch.nn.functional.pad(x, (0, n - x.shape[-1]))


def decode_wav(data: bytes, rate: int, seconds: float) -> torch.Tensor | None:
    """A WAV file's bytes -> one mono clip of ``rate * seconds`` samples at ``rate`` Hz; None when
    it is not a PCM WAV file."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, src_rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(min(w.getnframes(), MAX_FILE_SAMPLES // max(channels, 1)))
    except (wave.Error, EOFError, ValueError, OSError):
        return None
    if width not in (1, 2, 3, 4) or channels < 1 or src_rate <= 0:
        return None
    x = resample(pcm_to_float(raw, width, channels), src_rate, rate)
    return fit_length(x, round(rate * seconds)).clamp(-1.0, 1.0)


def encode_wav(x, rate: int) -> bytes:
    """A mono waveform in [-1, 1] as 16-bit PCM WAV bytes (for players and tests)."""
    pcm = (np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0) * 32767).round().astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def mulaw_encode(x: np.ndarray) -> np.ndarray:
    """[-1, 1] floats -> uint8 mu-law codes."""
    y = np.sign(x) * np.log1p(MU * np.abs(np.clip(x, -1, 1))) / np.log1p(MU)
    return np.round((y + 1) / 2 * MU).astype(np.uint8)


def _mulaw_table() -> np.ndarray:
    y = np.arange(256, dtype=np.float32) / MU * 2 - 1
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(MU)) / MU).astype(np.float32)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """uint8 mu-law codes -> floats in [-1, 1], looked up (spoken_digits' 19M codes in a fraction of the time)."""
    return _MULAW_TABLE[codes]


_MULAW_TABLE = _mulaw_table()


# ----------------------------------------------------------------------------- zips and folders

def check_audio_options(sample_rate, seconds) -> tuple[int, float]:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or not RATES[0] <= sample_rate <= RATES[1]:
        raise DataError("data.option_range", option="sample_rate", value=str(sample_rate)[:20], low=RATES[0],
                        high=RATES[1])
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not SECONDS[0] <= seconds <= SECONDS[1]:
        raise DataError("data.option_range", option="seconds", value=str(seconds)[:20], low=SECONDS[0],
                        high=SECONDS[1])
    return sample_rate, float(seconds)


def holds_audio(names) -> bool:
    """Whether a zip's or folder's file names include WAV files (then it is read as audio)."""
    return any(str(n).lower().endswith(AUDIO_EXTENSIONS) for n in names)


@dataclass
class _Clip:
    label: str
    name: str
    read: object      # () -> the file's bytes
    head: object      # () -> its first HEADER_BYTES


def _zip_clips(data: bytes) -> tuple[list[_Clip], list[str]]:
    zf = uploads._open_zip(data, "data.zip_bad")
    infos = zf.infolist()
    uploads._check_members(infos)
    budget = [uploads.MAX_UNZIPPED_BYTES]
    clips, skipped = [], []
    for info in infos:
        fn = info.filename.replace("\\", "/")
        if info.is_dir() or uploads._JUNK.search(fn):
            continue
        if not fn.lower().endswith(AUDIO_EXTENSIONS):
            skipped.append(fn)
            continue
        parts = fn.split("/")
        if len(parts) < 2 or not parts[-2]:
            raise DataError("data.zip_layout", member=fn[:200])
        clips.append(_Clip(parts[-2], fn, lambda i=info: uploads._read_member(zf, i, budget),
                           lambda i=info: _member_head(zf, i)))
    return clips, skipped


def _member_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with zf.open(info) as fh:
            return fh.read(min(HEADER_BYTES, info.file_size))
    except Exception:  # damaged member
        raise DataError("data.zip_bad_member", member=info.filename[:200]) from None


def _folder_clips(root: Path) -> tuple[list[_Clip], list[str]]:
    """The WAV files of a folder of class folders (one level; links that leave the folder refused)."""
    clips, skipped = [], []
    real_root = root.resolve()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.iterdir()):
            if not path.resolve().is_relative_to(real_root):
                raise DataError("data.zip_traversal", member=str(path)[:200])
            if not path.is_file() or uploads._JUNK.search(path.name):
                continue
            if not path.name.lower().endswith(AUDIO_EXTENSIONS):
                skipped.append(str(path.relative_to(root)))
                continue
            if path.stat().st_size > uploads.MAX_MEMBER_BYTES:
                skipped.append(str(path.relative_to(root)))
                continue
            clips.append(_Clip(folder.name, str(path.relative_to(root)), path.read_bytes,
                               lambda p=path: _file_head(p)))
            if len(clips) > MAX_AUDIO_FILES:
                raise DataError("speech.too_many_files", count=len(clips), limit=MAX_AUDIO_FILES)
    return clips, skipped


def _file_head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEADER_BYTES)


def _check_budget(clips: list[_Clip], file: str) -> tuple[list[_Clip], list[str]]:
    """The clips whose headers read, after summing what they decode to against the budget."""
    readable, skipped, total = [], [], 0
    for clip in clips:
        uploads._check_time()
        head = read_header(clip.head())
        if head is None or head.samples > MAX_FILE_SAMPLES:
            skipped.append(clip.name)
            continue
        total += head.samples
        if total > MAX_DECODED_SAMPLES:
            raise DataError("speech.sample_budget", file=file[:200], files=len(readable) + 1,
                            limit=MAX_DECODED_SAMPLES)
        readable.append(clip)
    return readable, skipped


def _clips_to_set(clips: list[_Clip], skipped: list[str], file: str, name: str, rate: int,
                  seconds: float) -> DataSet:
    if not clips:
        raise DataError("speech.no_audio", skipped=len(skipped))
    if len(clips) > MAX_AUDIO_FILES:
        raise DataError("speech.too_many_files", count=len(clips), limit=MAX_AUDIO_FILES)
    classes = sorted({c.label for c in clips})
    if len(classes) < 2:
        raise DataError("data.zip_one_class", classes=classes)
    check_classes(classes, file, SOURCE_ZIP)
    length = round(rate * seconds)
    if len(clips) * length > uploads.MAX_OUTPUT_VALUES:
        raise DataError("speech.too_large_output", count=len(clips), samples=length,
                        limit=uploads.MAX_OUTPUT_VALUES)
    readable, more_skipped = _check_budget(clips, file)
    skipped += more_skipped
    waves, labels = [], []
    for clip in readable:
        uploads._check_time()
        x = decode_wav(clip.read(), rate, seconds)
        if x is None:
            skipped.append(clip.name)
            continue
        waves.append(x)
        labels.append(clip.label)
    if not waves:
        raise DataError("speech.no_audio", skipped=len(skipped))
    present = sorted(set(labels))
    if len(present) < 2:
        raise DataError("data.zip_one_class", classes=present)
    index = {c: i for i, c in enumerate(present)}
    return DataSet(name, "audio", "classification", {"x": torch.stack(waves)},
                   torch.tensor([index[c] for c in labels], dtype=torch.int64), class_names=present,
                   description={"en": "Uploaded sounds", "zh": "上传的声音"}, normalize=False,
                   extra={"audio": {"sample_rate": rate, "seconds": seconds}, "skipped": skipped[:50],
                          "skipped_count": len(skipped), "source": "upload"})


def load_audio_zip(src, sample_rate: int = SAMPLE_RATE, seconds: float = CLIP_SECONDS,
                   name: str | None = None) -> DataSet:
    """A zip with one folder per class of WAV files (mono or stereo, 8-32 bit, any rate), each
    resampled to ``sample_rate`` and cut or padded to ``seconds``."""
    rate, seconds = check_audio_options(sample_rate, seconds)
    data, fname = uploads.read_source(src)
    clips, skipped = _zip_clips(data)
    return _clips_to_set(clips, skipped, fname or "upload", name or uploads._stem(fname, "sounds"), rate, seconds)


def load_audio_folder(path, sample_rate: int = SAMPLE_RATE, seconds: float = CLIP_SECONDS,
                      name: str | None = None) -> DataSet:
    """A local folder with one sub-folder per class of WAV files, read as ``load_audio_zip`` reads a zip."""
    rate, seconds = check_audio_options(sample_rate, seconds)
    root = Path(path)
    if not root.is_dir():
        raise DataError("data.file_missing", path=str(path)[:200])
    clips, skipped = _folder_clips(root)
    return _clips_to_set(clips, skipped, root.name, name or root.name[:60] or "sounds", rate, seconds)


def is_audio_folder(path) -> bool:
    """A folder whose class folders hold WAV files."""
    root = Path(path)
    if not root.is_dir():
        return False
    for folder in (p for p in root.iterdir() if p.is_dir()):
        if holds_audio(os.listdir(folder)):
            return True
    return False


def zip_holds_audio(src) -> bool:
    """Whether an uploaded zip holds WAV files (read as sounds, not images)."""
    try:
        data, _ = uploads.read_source(src)
        return holds_audio(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (DataError, zipfile.BadZipFile, OSError, ValueError):
        return False
