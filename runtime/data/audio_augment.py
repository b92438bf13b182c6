"""Audio augmentation on batches of waveforms (B, T), in plain torch, vectorised over the batch.

The spectrogram is computed inside the model (a Spectrogram or MelSpectrogram layer), so the
SpecAugment masks work on the waveform: ``time_mask`` silences a span of time, ``freq_mask``
removes a band of frequencies (zeroed in the Fourier domain), which is what masking rows or
columns of the spectrogram does. Strength 0 leaves the batch unchanged.
"""
from __future__ import annotations

import torch

from builder.params import bilingual

from ..settings import CLI, DATA, Setting

AUDIO_AUGMENTATIONS: tuple[Setting, ...] = (
    Setting("time_shift", "float", 0.0, bilingual("Time shift (share of the clip)", "时间平移（片段长度的比例）"),
            bilingual("Move each sound earlier or later by up to this share of the clip (silence fills the gap).",
                      "把每段声音提前或推后，最多为片段长度的这一比例（空出的部分用静音填充）。"),
            lo=0.0, hi=0.5, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("snr_noise", "float", 0.0, bilingual("Noise at SNR (dB, 0 = off)", "按信噪比加噪声（dB，0 为关闭）"),
            bilingual("Add white noise this many decibels quieter than the sound (20 dB: noise at a tenth of its "
                      "amplitude); lower is noisier. 0 adds none.",
                      "加入比声音低这么多分贝的白噪声（20 dB：噪声幅度为声音的十分之一）；数值越低噪声越大。0 表示不加。"),
            lo=0.0, hi=60.0, step=1.0, unit="dB", group="augment", surfaces=(DATA, CLI)),
    Setting("time_mask", "float", 0.0, bilingual("Time mask (share of the clip)", "时间遮挡（片段长度的比例）"),
            bilingual("SpecAugment: silence one random stretch of up to this share of the clip.",
                      "SpecAugment：把随机一段（最多为片段长度的这一比例）变为静音。"),
            lo=0.0, hi=0.5, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("freq_mask", "float", 0.0, bilingual("Frequency mask (share of the band)", "频率遮挡（频带的比例）"),
            bilingual("SpecAugment: remove one random band of frequencies up to this share of all frequencies.",
                      "SpecAugment：去掉随机一段频率，最多为全部频率的这一比例。"),
            lo=0.0, hi=0.5, step=0.05, group="augment", surfaces=(DATA, CLI)),
)
AUDIO_KEYS = tuple(s.name for s in AUDIO_AUGMENTATIONS)


def _spans(b: int, length: int, share: float, g, device) -> torch.Tensor:
    """(B, length) bool: per row, one random span of up to ``share * length`` positions."""
    width = (torch.rand(b, generator=g, device=device) * share * length).long()
    start = (torch.rand(b, generator=g, device=device) * (length - width + 1)).long()
    pos = torch.arange(length, device=device)
    return (pos >= start[:, None]) & (pos < (start + width)[:, None])


def time_shift(x: torch.Tensor, share: float, g=None) -> torch.Tensor:
    """Each row moved by a random whole number of samples in [-share * T, share * T], zeros filling in."""
    b, t = x.shape
    most = int(share * t)
    shift = torch.randint(-most, most + 1, (b,), generator=g, device=x.device)
    source = torch.arange(t, device=x.device) - shift[:, None]
    inside = (source >= 0) & (source < t)
    return torch.where(inside, x.gather(1, source.clamp(0, t - 1)), torch.zeros((), dtype=x.dtype, device=x.device))


def snr_noise(x: torch.Tensor, snr_db: float, g=None) -> torch.Tensor:
    """White noise whose power is ``snr_db`` decibels below each row's power."""
    power = x.pow(2).mean(dim=1, keepdim=True)
    noise = torch.randn(x.shape, generator=g, device=x.device, dtype=x.dtype)
    return x + noise * torch.sqrt(power / 10 ** (snr_db / 10))


def time_mask(x: torch.Tensor, share: float, g=None) -> torch.Tensor:
    return x.masked_fill(_spans(x.shape[0], x.shape[1], share, g, x.device), 0.0)


def freq_mask(x: torch.Tensor, share: float, g=None) -> torch.Tensor:
    """One random band of the rFFT's frequencies zeroed per row."""
    spectrum = torch.fft.rfft(x, dim=1)
    spectrum = spectrum.masked_fill(_spans(x.shape[0], spectrum.shape[1], share, g, x.device), 0)
    return torch.fft.irfft(spectrum, n=x.shape[1], dim=1)


def augment_waves(x: torch.Tensor, config: dict, g=None) -> torch.Tensor:
    """The enabled audio augmentations of a checked config, in a fixed order."""
    for key, fn in (("time_shift", time_shift), ("time_mask", time_mask), ("freq_mask", freq_mask),
                    ("snr_noise", snr_noise)):
        if config.get(key, 0.0) > 0:
            x = fn(x, config[key], g)
    return x
