"""Figure builders of the Data page: image mosaics, split-stacked class balance, target
histograms, one-hot and bit-sequence heat maps, sequences with the value to predict."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui import figures


def test_mosaic_is_one_heatmap_with_a_title_per_tile_and_blank_gaps():
    imgs = np.random.default_rng(0).random((10, 1, 8, 8))
    fig = figures.image_mosaic(imgs, titles=[str(i % 10) for i in range(10)], cols=4)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Heatmap)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert [a.text for a in fig.layout.annotations] == [str(i) for i in range(10)]
    # 3 rows of 4 tiles: every image is in there exactly once, gaps are NaN (drawn blank)
    assert np.isfinite(z).sum() == 10 * 64
    assert np.isnan(z).any()
    # the first tile holds the first image
    band = z.shape[0] // 3 - 8
    assert np.allclose(z[band:band + 8, 0:8], imgs[0, 0])


def test_mosaic_rgb_is_an_image_trace_and_grey_range_can_be_fixed():
    rgb = np.random.default_rng(1).random((3, 3, 6, 6))
    fig = figures.image_mosaic(rgb)
    assert isinstance(fig.data[0], go.Image) and len(fig.layout.annotations) == 0
    grey = figures.image_mosaic(np.zeros((2, 5, 5)) + 0.5, zrange=(0.0, 1.0))
    assert (grey.data[0].zmin, grey.data[0].zmax) == (0.0, 1.0)


def test_mosaic_of_nothing_is_an_empty_figure_not_an_error():
    figures.image_mosaic(np.zeros((0, 1, 8, 8)))


def test_class_balance_stacked_by_split_skips_empty_splits():
    fig = figures.class_balance_splits(["a", "b"], {"train": [8, 4], "val": [2, 1], "test": [0, 0]}, "en")
    assert [t.name for t in fig.data] == ["Training", "Validation"]
    assert fig.layout.barmode == "stack" and list(fig.data[0].y) == [8, 4]
    zh = figures.class_balance_splits(["a"], {"train": [1]}, "zh")
    assert zh.data[0].name == "训练集"


def test_target_histogram_ignores_missing_values():
    fig = figures.target_histogram(np.array([1.0, np.nan, 2.0, np.inf, 3.0]), "en")
    assert list(fig.data[0].x) == [1.0, 2.0, 3.0]
    assert fig.layout.title.text == "Target values"


def test_one_hot_heatmap_has_a_row_per_letter():
    x = np.eye(4)[[0, 1, 2, 3, 0]].T
    fig = figures.one_hot_heatmap(x, "ACGT", "en")
    assert list(fig.data[0].y) == ["A", "C", "G", "T"] and np.asarray(fig.data[0].z).shape == (4, 5)


def test_sequences_with_next_values_draw_a_star_one_step_on():
    x = np.zeros((2, 5, 1))
    fig = figures.sequences(x, None, None, "en", n=2, next_values=np.array([[0.5], [-0.25]]))
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert len(stars) == 2 and list(stars[0].x) == [5] and list(stars[1].y) == [-0.25]
    assert fig.data[0].name == "#1: → 0.50"
    plain = figures.sequences(x, np.array([0, 1]), ["even", "odd"], "en", n=2)
    assert [t.name for t in plain.data] == ["#1: even", "#2: odd"]


@pytest.mark.parametrize("n", [1, 6])
def test_rows_heatmap_height_follows_rows(n):
    fig = figures.rows_heatmap(np.ones((n, 7)), [f"r{i}" for i in range(n)], "en")
    assert np.asarray(fig.data[0].z).shape == (n, 7) and fig.layout.height == 90 + 26 * n
