"""Figure builders: given run records, the figures hold the right traces."""
from __future__ import annotations

import numpy as np

from ui import figures

RECORDS = [
    {"kind": "step", "step": 1, "epoch": 0.1, "loss": 2.3, "acc": 0.1, "lr": 0.001, "samples_per_s": 900.0},
    {"kind": "step", "step": 5, "epoch": 0.5, "loss": 1.2, "acc": 0.6, "lr": 0.001, "samples_per_s": 1000.0},
    {"kind": "step", "step": 10, "epoch": 1.0, "loss": 0.8, "acc": 0.8, "lr": 0.0009, "samples_per_s": 1100.0},
    {"kind": "epoch", "epoch": 1, "step": 10, "train_loss": 1.1, "val_loss": 0.9, "train_acc": 0.7, "val_acc": 0.82},
    {"kind": "step", "step": 20, "epoch": 2.0, "loss": 0.5, "acc": 0.9, "lr": 0.0008, "samples_per_s": 1200.0},
    {"kind": "epoch", "epoch": 2, "step": 20, "train_loss": 0.6, "val_loss": 0.55, "train_acc": 0.85, "val_acc": 0.88},
]


def test_loss_curve_has_steps_and_both_epoch_series():
    fig = figures.metric_curve(RECORDS, "loss", "en", "fig.loss")
    names = [tr.name for tr in fig.data]
    assert names == ["training (steps)", "training (epoch)", "validation (epoch)"]
    assert list(fig.data[0].y) == [2.3, 1.2, 0.8, 0.5]
    assert list(fig.data[2].x) == [1, 2] and list(fig.data[2].y) == [0.9, 0.55]
    assert fig.layout.title.text == "Loss"


def test_chinese_labels():
    fig = figures.metric_curve(RECORDS, "acc", "zh", "fig.acc")
    assert fig.layout.title.text == "准确率" and fig.data[0].name == "训练（每步）"


def test_missing_metric_gives_an_empty_figure_not_an_error():
    assert len(figures.metric_curve(RECORDS, "mae", "en", "fig.mae").data) == 0


def test_lr_and_speed():
    assert list(figures.lr_curve(RECORDS, "en").data[0].y) == [0.001, 0.001, 0.0009, 0.0008]
    assert list(figures.speed_curve(RECORDS, "en").data[0].y)[-1] == 1200.0


def test_overlay_uses_validation_when_present():
    fig = figures.overlay([("a", RECORDS), ("b", [{"kind": "epoch", "epoch": 1, "train_loss": 3.0}])], "loss", "en")
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[0].y) == [0.9, 0.55] and list(fig.data[1].y) == [3.0]


def test_confusion_matrix_counts_and_rates():
    data = {"epoch": 3, "classes": ["a", "b"], "matrix": [[8, 2], [1, 9]], "per_class_acc": [0.8, 0.9]}
    fig = figures.confusion(data, "en")
    assert np.allclose(np.asarray(fig.data[0].z), [[0.8, 0.2], [0.1, 0.9]])
    assert list(map(list, fig.data[0].text)) == [[8, 2], [1, 9]]
    assert list(figures.per_class_accuracy(data, "en").data[0].y) == [0.8, 0.9]


def test_histograms_over_time_normalise_each_snapshot():
    stats = [{"step": s, "layers": {"fc": {"grad_hist": {"counts": [1, 3], "lo": -1.0, "hi": 1.0}}}} for s in (1, 2, 3)]
    fig = figures.histograms_over_time(stats, "fc", "grad", "en")
    z = np.asarray(fig.data[0].z)
    assert z.shape[1] == 3 and np.allclose(z.sum(0), 1.0)
    assert list(fig.data[0].x) == [1, 2, 3]


def test_norms_plot_one_line_per_layer():
    stats = [{"step": 1, "layers": {"a": {"grad_norm": 1.0}, "b": {"grad_norm": 0.01}}},
             {"step": 2, "layers": {"a": {"grad_norm": 0.5}, "b": {"grad_norm": 0.001}}}]
    fig = figures.norms_over_time(stats, "grad", "en")
    assert [t.name for t in fig.data] == ["a", "b"] and fig.layout.yaxis.type == "log"


def test_feature_maps_grid_has_one_panel_per_channel():
    act = np.random.rand(2, 6, 5, 5)
    fig = figures.feature_maps(act, 1, "conv1", "en")
    assert len(fig.data) == 6 and np.allclose(np.asarray(fig.data[0].z), act[1, 0])


def test_dense_activations_one_row_per_sample():
    fig = figures.dense_activations(np.random.rand(4, 10), "fc1", "en")
    assert np.asarray(fig.data[0].z).shape == (4, 10)


def test_decision_boundary_and_points():
    data = {"epoch": 2, "xs": np.linspace(0, 1, 5), "ys": np.linspace(0, 1, 5), "classes": np.zeros((5, 5), int),
            "points": np.random.rand(10, 2), "labels": np.array([0] * 5 + [1] * 5)}
    fig = figures.decision_boundary(data, ["left", "right"], "en")
    assert fig.data[0].type == "heatmap" and [t.name for t in fig.data[1:]] == ["left", "right"]


def test_latent_scatter_colours_by_class():
    fig = figures.latent_scatter(np.random.randn(30, 2), np.repeat([0, 1, 2], 10), ["a", "b", "c"], "en")
    assert [t.name for t in fig.data] == ["a", "b", "c"] and all(len(t.x) == 10 for t in fig.data)


def test_image_grid_grey_and_rgb():
    assert len(figures.image_grid(np.random.rand(5, 1, 8, 8)).data) == 5
    assert figures.image_grid(np.random.rand(2, 3, 8, 8)).data[0].type == "image"


def test_class_probabilities_highlight_the_winner():
    fig = figures.class_probabilities(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"], "en")
    colors = list(fig.data[0].marker.color)
    assert colors[1] != colors[0] and colors[0] == colors[2]
