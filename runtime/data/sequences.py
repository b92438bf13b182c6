"""Sequence sets for recurrent and 1-D convolutional networks: sine forecasting, bit
parity, and DNA motif detection. Deterministic given ``seed``."""
from __future__ import annotations

import numpy as np

BASES = "ACGT"


def sine(n_samples: int, seq_len: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``seq_len`` noisy samples of sine waves (random frequency, phase and
    amplitude); the target is the wave's next value without noise.
    Returns x (N, L, 1) and target (N, 1)."""
    rng = np.random.default_rng(seed)
    omega = rng.uniform(0.2, 0.6, (n_samples, 1))         # radians per step
    phase = rng.uniform(0.0, 2 * np.pi, (n_samples, 1))
    amp = rng.uniform(0.5, 1.0, (n_samples, 1))
    t = np.arange(seq_len + 1)[None, :]
    wave = amp * np.sin(omega * t + phase)
    x = wave[:, :seq_len] + rng.normal(0.0, noise, (n_samples, seq_len))
    return x[:, :, None].astype(np.float32), wave[:, seq_len:].astype(np.float32)


def parity(n_samples: int, seq_len: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bit sequences labelled 1 when they hold an odd number of ones.

    Each sequence is zeros followed by a run of random bits whose length is uniform
    in 1..seq_len (leading zeros leave the parity unchanged), so the set holds short
    and long problems alike: that is what lets a small LSTM learn parity of all
    ``seq_len`` bits in seconds, where sequences of only full-length random bits
    stay at chance for a long time. Returns x (N, L, 1) float 0/1 and y (N,) int64."""
    rng = np.random.default_rng(seed)
    active = rng.integers(1, seq_len + 1, (n_samples, 1))
    pos = np.arange(seq_len)[None, :]
    bits = rng.integers(0, 2, (n_samples, seq_len)) * (pos >= seq_len - active)
    y = bits.sum(1) % 2
    return bits[:, :, None].astype(np.float32), y.astype(np.int64)


def _contains(seqs: np.ndarray, motif: np.ndarray) -> np.ndarray:
    """(N, L - m + 1) bool: where ``motif`` starts in each sequence."""
    win = np.lib.stride_tricks.sliding_window_view(seqs, len(motif), axis=1)
    return (win == motif).all(-1)


def dna(n_samples: int, seq_len: int, motif: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random DNA of ``seq_len`` bases; half the sequences hold ``motif`` at a random
    place (label 1), the others nowhere (label 0). Returns one-hot x (N, 4, L) float32
    in A, C, G, T order and y (N,) int64."""
    rng = np.random.default_rng(seed)
    m = np.array([BASES.index(b) for b in motif])
    seqs = rng.integers(0, 4, (n_samples, seq_len))
    y = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)
    for _ in range(100):  # break every chance occurrence (rare: about L / 4^len(motif))
        hits = _contains(seqs, m)
        rows, starts = np.nonzero(hits)
        if len(rows) == 0:
            break
        seqs[rows, starts] = (seqs[rows, starts] + rng.integers(1, 4, len(rows))) % 4
    pos_rows = np.nonzero(y == 1)[0]
    starts = rng.integers(0, seq_len - len(m) + 1, len(pos_rows))
    seqs[pos_rows[:, None], starts[:, None] + np.arange(len(m))[None, :]] = m
    onehot = np.eye(4, dtype=np.float32)[seqs].transpose(0, 2, 1)
    return np.ascontiguousarray(onehot), y
