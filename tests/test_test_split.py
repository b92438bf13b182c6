"""The test split is scored once, at the end, on the weights the run keeps as best; the report
(summary, test.json) agrees with an independent computation from the saved best checkpoint."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import precision_recall_fscore_support, r2_score, roc_auc_score

from builder import templates
from builder.codegen import compile_graph
from runtime import checkpoint
from runtime import runfiles
from runtime.config import TrainConfig
from runtime.data import invert_target
from runtime.prepare import prepare
from runtime.train import train
from tests.graphs import chain


def run(tmp_path, graph, **cfg):
    cfg = TrainConfig.from_dict({"seed": 0, **cfg})
    trainer, summary = train(cfg, graph, run_dir=tmp_path)
    return cfg, trainer, summary


def outputs_of_best(tmp_path, cfg, graph):
    """The test split (prepared again, as any reader would) through the best checkpoint's weights."""
    data = prepare(cfg, graph)
    model = compile_graph(graph, data.check).build()
    model.load_state_dict(checkpoint.load(tmp_path / runfiles.CKPT_BEST)["state_dict"])
    model.eval()
    with torch.no_grad():
        return data, model(*data.test.inputs)


def test_classification_is_scored_on_the_best_weights(tmp_path):
    g = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 2}), input_shape=(30,))
    cfg, trainer, s = run(tmp_path, g, data="breast_cancer", epochs=8, lr=3e-3, batch_size=32, test_split=0.25)
    data, out = outputs_of_best(tmp_path, cfg, g)
    true = data.test.target.numpy()
    pred = out.argmax(1).numpy()
    assert s["test_acc"] == pytest.approx(float((pred == true).mean()), abs=1e-6)
    assert s["best_metric"] == "val_loss" and s["best_epoch"] == min(
        trainer.history[1:], key=lambda r: r["val_loss"])["epoch"]
    report = json.loads((tmp_path / runfiles.TEST).read_text())
    assert report["samples"] == len(true) and report["epoch"] == s["best_epoch"]
    precision, recall, f1, support = precision_recall_fscore_support(true, pred, zero_division=0)
    assert [c["support"] for c in report["per_class"]] == list(support)
    assert np.allclose([c["precision"] for c in report["per_class"]], precision)
    assert np.allclose([c["f1"] for c in report["per_class"]], f1)
    assert [c["class"] for c in report["per_class"]] == data.class_names
    prob = torch.softmax(out, 1)[:, 1].numpy()
    assert report["roc"]["auc"] == pytest.approx(roc_auc_score(true, prob), abs=1e-6)
    assert report["roc"]["fpr"][0] == 0 and report["roc"]["tpr"][-1] == 1
    assert json.loads((tmp_path / runfiles.SUMMARY).read_text())["test_acc"] == s["test_acc"]


@pytest.mark.slow
def test_early_stopping_metric_picks_the_best_checkpoint_and_the_test_weights(tmp_path):
    g = templates.load("mlp")
    cfg, trainer, s = run(tmp_path, g, data="digits", epochs=40, lr=5e-3, label_noise=0.4, test_split=0.2,
                          early_stopping=True, es_metric="val_acc", es_patience=3)
    best = max(trainer.history[1:], key=lambda r: r["val_acc"])
    assert s["best_metric"] == "val_acc" and s["best_epoch"] == best["epoch"]
    saved = checkpoint.load(tmp_path / runfiles.CKPT_BEST)
    assert saved["best_epoch"] == best["epoch"] and saved["best_metric"] == "val_acc"   # one best model
    data, out = outputs_of_best(tmp_path, cfg, g)
    assert s["test_acc"] == pytest.approx(float((out.argmax(1) == data.test.target).float().mean()), abs=1e-6)
    assert "roc" not in json.loads((tmp_path / runfiles.TEST).read_text())        # ten classes: no ROC curve


def test_regression_reports_mae_rmse_and_r2_in_the_datas_units(tmp_path):
    g = chain(("Linear", {"out_features": 32}), ("ReLU", {}), ("Linear", {"out_features": 1}), input_shape=(10,))
    cfg, _, s = run(tmp_path, g, data="diabetes", epochs=20, lr=0.01, test_split=0.2)
    data, out = outputs_of_best(tmp_path, cfg, g)
    pred = invert_target(data.preprocess, out).numpy().reshape(-1)
    true = invert_target(data.preprocess, data.test.target.reshape(out.shape)).numpy().reshape(-1)
    assert s["test_mae"] == pytest.approx(float(np.abs(pred - true).mean()), rel=1e-5)
    assert s["test_rmse"] == pytest.approx(float(np.sqrt(((pred - true) ** 2).mean())), rel=1e-5)
    assert s["test_r2"] == pytest.approx(r2_score(true, pred), abs=1e-5)
    assert s["test_mae"] > 10       # diabetes progression is in the tens, not standardised units
    assert "test_acc" not in s and math.isfinite(s["test_loss"])


def test_no_test_split_no_test_report(tmp_path):
    _, _, s = run(tmp_path, templates.load("mlp"), data="digits", epochs=1)
    assert not any(k.startswith("test_") for k in s) and not (tmp_path / runfiles.TEST).exists()
