"""A generated grey image set: filled shapes at random places and sizes, drawn with
soft (anti-aliased) edges, vectorised over the whole set."""
from __future__ import annotations

import numpy as np

CLASSES = ["circle", "square", "triangle", "cross", "ring"]
CHUNK_PIXELS = 2**22            # pixels per chunk of work (float64 arrays of 32 MB)


def generate(n_samples: int, size: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 1, size, size) float32 in [0, 1] and labels (N,) int64 over ``CLASSES``.

    Each image draws one shape: radius between 0.2 and 0.4 of the image side, centred
    so that it stays inside, with random rotation for the square, triangle and cross,
    plus Gaussian pixel noise of std ``noise`` (clipped to [0, 1])."""
    rng = np.random.default_rng(seed)
    n = n_samples
    y = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    r = rng.uniform(0.2, 0.4, n) * size
    cx = rng.uniform(r + 1.5, size - 1.5 - r)   # a margin for the soft edge
    cy = rng.uniform(r + 1.5, size - 1.5 - r)
    angle = rng.uniform(0, 2 * np.pi, n)
    out = np.empty((n, 1, size, size), dtype=np.float32)
    # A few thousand images at a time: the float64 work arrays stay small (the whole set at
    # once needs several GB and most of a minute at 20,000 x 64 x 64). The noise is drawn
    # chunk by chunk from the same stream, so the images are the same as in one go.
    chunk = max(1, CHUNK_PIXELS // (size * size))
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        img = np.clip(_signed_distance(y[lo:hi], r[lo:hi], cx[lo:hi], cy[lo:hi], angle[lo:hi], size) + 0.5,
                      0.0, 1.0)
        if noise > 0:
            img = np.clip(img + rng.normal(0.0, noise, img.shape), 0.0, 1.0)
        out[lo:hi, 0] = img
    return out, y


def _signed_distance(y, r, cx, cy, angle, size) -> np.ndarray:
    """(n, size, size) float32: each pixel's signed distance (px) to the edge of its image's shape."""
    n = len(y)
    grid = np.arange(size, dtype=np.float32) + 0.5
    dx = grid[None, None, :] - cx[:, None, None]
    dy = grid[None, :, None] - cy[:, None, None]
    c, s = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    u, v = c * dx + s * dy, -s * dx + c * dy          # coordinates in the shape's own frame
    rr = r[:, None, None]
    dist = np.sqrt(dx * dx + dy * dy)
    inside = np.empty((n, size, size), dtype=np.float32)  # signed distance to the edge, px
    for k, name in enumerate(CLASSES):
        m = y == k
        if not m.any():
            continue
        if name == "circle":
            d = rr[m] - dist[m]
        elif name == "square":
            half = rr[m] / np.sqrt(2)  # corners on the circle of radius r
            d = half - np.maximum(np.abs(u[m]), np.abs(v[m]))
        elif name == "triangle":  # equilateral, circumradius r
            edges = []
            for phi in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3):
                edges.append(rr[m] / 2 - (u[m] * np.cos(phi) + v[m] * np.sin(phi)))
            d = np.minimum(np.minimum(edges[0], edges[1]), edges[2])
        elif name == "cross":
            arm = np.maximum(rr[m] * 0.22, 1.0)
            length = np.sqrt(rr[m] ** 2 - arm ** 2)  # bar corners on the circle of radius r
            bar1 = np.minimum(arm - np.abs(u[m]), length - np.abs(v[m]))
            bar2 = np.minimum(arm - np.abs(v[m]), length - np.abs(u[m]))
            d = np.maximum(bar1, bar2)
        else:  # ring
            width = np.maximum(rr[m] * 0.2, 1.0)
            d = width - np.abs(dist[m] - (rr[m] - width))
        inside[m] = d
    return inside
