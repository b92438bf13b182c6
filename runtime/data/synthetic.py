"""Generated point sets in the spirit of TensorFlow Playground (moons, circles, spirals,
xor, blobs), a Gaussian mixture for GANs, and user-item ratings from latent factors.

Every generator takes a ``seed`` and is deterministic given it (numpy's PCG64).
Returns plain numpy arrays; ``builtin`` wraps them into DataSets.
"""
from __future__ import annotations

import numpy as np


def moons(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1 (as scikit-learn's ``make_moons``),
    shifted so that their middle sits near the origin."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    a_out = np.linspace(0, np.pi, n_out)
    a_in = np.linspace(0, np.pi, n_samples - n_out)
    x = np.concatenate([np.stack([np.cos(a_out), np.sin(a_out)], 1),
                        np.stack([1 - np.cos(a_in), 0.5 - np.sin(a_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_samples - n_out, np.int64)])
    order = rng.permutation(n_samples)
    x = x[order] + rng.normal(0.0, noise, (n_samples, 2))
    return (x - [0.5, 0.25]).astype(np.float32), y[order]


def circles(n_samples: int, noise: float, seed: int, factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1)."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    a_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    a_in = np.linspace(0, 2 * np.pi, n_samples - n_out, endpoint=False)
    x = np.concatenate([np.stack([np.cos(a_out), np.sin(a_out)], 1),
                        factor * np.stack([np.cos(a_in), np.sin(a_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_samples - n_out, np.int64)])
    order = rng.permutation(n_samples)
    return (x[order] + rng.normal(0.0, noise, (n_samples, 2))).astype(np.float32), y[order]


def _balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.arange(n) % k).astype(np.int64)


def spirals(n_samples: int, noise: float, seed: int, turns: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms: radius grows with the angle; arm 1 is arm 0 turned by 180°."""
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n_samples, 2, rng)
    t = np.sqrt(rng.uniform(0.0, 1.0, n_samples))  # even density along the arm
    theta = t * turns * 2 * np.pi + y * np.pi
    x = np.stack([t * np.cos(theta), t * np.sin(theta)], axis=1)
    x += rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y


def xor(n_samples: int, noise: float, seed: int, margin: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-1, 1]²; class 1 where x·y > 0 (quadrants I and III)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n_samples, 2))
    x += np.where(x >= 0, margin, -margin)  # keep a thin gap around the axes
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x += rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y


def blobs(n_samples: int, noise: float, seed: int, centers: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``centers`` round clusters on a circle of radius 1, one class each; ``noise`` is their std."""
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n_samples, centers, rng)
    angle = rng.uniform(0, 2 * np.pi) + np.arange(centers) * 2 * np.pi / centers
    mid = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = mid[y] + rng.normal(0.0, noise, (n_samples, 2))
    return x.astype(np.float32), y


def gaussian_mixture(n_samples: int, components: int, dim: int, std: float, seed: int) -> np.ndarray:
    """Unlabelled points: 2-D, ``components`` Gaussians on a ring of radius 2 (the classic
    GAN toy); 1-D, Gaussians evenly spaced on [-2, 2]."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, components, n_samples)
    if dim == 1:
        mid = np.linspace(-2.0, 2.0, components) if components > 1 else np.zeros(1)
        x = mid[which][:, None] + rng.normal(0.0, std, (n_samples, 1))
    else:
        angle = np.arange(components) * 2 * np.pi / components
        mid = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        x = mid[which] + rng.normal(0.0, std, (n_samples, 2))
    return x.astype(np.float32)


def ratings(n_users: int, n_items: int, n_samples: int, factors: int, noise: float,
            seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, item ids, ratings in [1, 5]) for distinct user-item pairs; a rating is
    3 + user bias + item bias + (user factors · item factors) + noise, clipped."""
    rng = np.random.default_rng(seed)
    u_f = rng.normal(0.0, 1.0, (n_users, factors)) / np.sqrt(factors)
    i_f = rng.normal(0.0, 1.0, (n_items, factors))
    u_b = rng.normal(0.0, 0.3, n_users)
    i_b = rng.normal(0.0, 0.5, n_items)
    pairs = rng.choice(n_users * n_items, size=n_samples, replace=False)
    user, item = pairs // n_items, pairs % n_items
    r = 3.0 + u_b[user] + i_b[item] + (u_f[user] * i_f[item]).sum(1) + rng.normal(0.0, noise, n_samples)
    return user.astype(np.int64), item.astype(np.int64), np.clip(r, 1.0, 5.0).astype(np.float32)
