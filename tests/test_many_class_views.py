"""Per-class views stay bounded for many classes: the figures show the most frequent ones
and say so, and the run's confusion.json never grows with the square of a huge class count."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from runtime import monitor
from ui import figures

N_CLASSES = 812


def _counts(n: int = N_CLASSES) -> np.ndarray:
    """Class i has i + 1 samples: the most frequent classes are the last ones."""
    return np.arange(1, n + 1)


def _title(fig) -> tuple[str, str | None]:
    title = fig.layout.title
    return title.text, title.subtitle.text if title.subtitle else None


def test_top_classes_picks_the_most_frequent_in_class_order():
    assert figures.top_classes([5, 1, 9, 9, 2], limit=3).tolist() == [0, 2, 3]
    assert figures.top_classes([1, 2], limit=3).tolist() == [0, 1]
    assert figures.shown_note(30, 30, "en") is None


def test_confusion_matrix_of_812_classes_shows_the_30_most_frequent_and_says_so():
    support = _counts()
    matrix = np.diag(support).astype(int)
    matrix[-1, 0] = 3                                 # the largest class: 3 of its 815 predicted as class 0
    names = [f"c{i}" for i in range(N_CLASSES)]
    data = {"epoch": 4, "classes": names, "matrix": matrix.tolist(), "per_class_acc": [1.0] * N_CLASSES}
    fig = figures.confusion(data, "en")
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (30, 30) and list(heat.x) == names[-30:] == list(heat.y)
    assert _title(fig) == ("Confusion matrix (epoch 4)", "showing the 30 most frequent of 812 classes")
    assert np.asarray(heat.z)[-1, -1] == pytest.approx(812 / 815)      # shares of the whole row
    assert fig.layout.height <= 560
    assert _title(figures.confusion(data, "zh"))[1] == "显示 812 个类别中样本最多的 30 个"
    bars = figures.per_class_accuracy(data, "en")
    assert list(bars.data[0].x) == names[-30:] and _title(bars)[1] == "showing the 30 most frequent of 812 classes"


def test_small_confusion_matrices_are_drawn_whole_without_a_note():
    data = {"epoch": 3, "classes": ["a", "b"], "matrix": [[8, 2], [1, 9]], "per_class_acc": [0.8, 0.9]}
    assert np.asarray(figures.confusion(data, "en").data[0].z).shape == (2, 2)
    assert _title(figures.confusion(data, "en"))[1] is None


def test_class_balance_and_probabilities_of_812_classes():
    names = [f"c{i}" for i in range(N_CLASSES)]
    train = _counts()
    fig = figures.class_balance_splits(names, {"train": train.tolist(), "val": [1] * N_CLASSES}, "en")
    assert [len(tr.x) for tr in fig.data] == [30, 30] and list(fig.data[0].x) == names[-30:]
    assert _title(fig)[1] == "showing the 30 most frequent of 812 classes"
    balance = figures.class_balance(dict(zip(names, train.tolist())), "en")
    assert len(balance.data[0].x) == 30 and _title(balance)[1] == "showing the 30 most frequent of 812 classes"
    probs = np.full(N_CLASSES, 0.0001)
    probs[7] = 0.9
    fig = figures.class_probabilities(probs, names, "en")
    assert len(fig.data[0].x) == 30 and "c7" in list(fig.data[0].x)
    assert _title(fig)[1] == "showing the 30 most likely of 812 classes"


def test_scatter_plots_colour_the_30_most_frequent_classes_and_group_the_rest():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(N_CLASSES), _counts())[rng.permutation(_counts().sum())][:3000]
    points = rng.normal(size=(len(labels), 2))
    names = [f"c{i}" for i in range(N_CLASSES)]
    fig = figures.points_2d(points, labels, names, "en", title="blobs")
    assert len(fig.data) == 31 and fig.data[-1].name.endswith("other classes")
    assert sum(len(tr.x) for tr in fig.data) == len(labels)
    assert _title(fig) == ("blobs", "showing the 30 most frequent of 812 classes")
    boundary = {"epoch": 1, "xs": np.arange(3), "ys": np.arange(3), "classes": np.zeros((3, 3), int),
                "points": points[:500], "labels": labels[:500]}
    fig = figures.decision_boundary(boundary, names, "en")
    assert len(fig.data) == 1 + 31 and _title(fig)[1] == "showing the 30 most frequent of 812 classes"


# ----------------------------------------------------------------------------- confusion.json

def test_confusion_record_of_a_few_classes_is_the_whole_matrix():
    true = torch.tensor([0, 0, 1, 2, 2, 2])
    pred = torch.tensor([0, 1, 1, 2, 0, 2])
    rec = monitor.confusion_record(true, pred, ["a", "b", "c"])
    assert rec["matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]] and rec["classes"] == ["a", "b", "c"]
    assert rec["per_class_acc"] == pytest.approx([0.5, 1.0, 2 / 3]) and rec["classes_total"] == 3


def test_confusion_record_beyond_the_class_limit_keeps_the_most_frequent_classes(monkeypatch):
    monkeypatch.setattr(monitor, "MAX_CONFUSION_CLASSES", 10)
    n = 50
    true = torch.repeat_interleave(torch.arange(n), torch.arange(1, n + 1))   # class i: i + 1 samples
    pred = true.clone()
    pred[true == 49] = 0                                # the largest class always predicted as class 0
    rec = monitor.confusion_record(true, pred, [f"c{i}" for i in range(n)])
    assert rec["classes"] == [f"c{i}" for i in range(40, 50)] and rec["classes_total"] == 50
    matrix = np.asarray(rec["matrix"])
    assert matrix.shape == (10, 10) and matrix[0, 0] == 41 and matrix[-1].sum() == 0   # class 0 is not kept
    assert rec["per_class_acc"][-1] == 0.0 and rec["per_class_acc"][0] == 1.0
    fig = figures.confusion(dict(rec, epoch=1), "en")
    assert _title(fig)[1] == "showing the 10 most frequent of 50 classes"
