"""The Export page's choices without a browser: which runs export, and how each model is tried."""
from __future__ import annotations

import numpy as np
import pytest

from builder import templates
from runtime import runfiles
from runtime import runs
from runtime.config import TrainConfig
from runtime.export import Predictor
from runtime.train import train
from tests.graphs import chain
from ui import export_view


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("export_view")
    out = {}
    for key, data in (("digits_cnn", "digits"), ("perceptron", "iris"), ("text_lstm", "sentiment"),
                      ("vae", "digits"), ("dna_motif", "dna")):
        run_dir = root / key
        train(TrainConfig(data=data, epochs=1, max_steps=3), templates.load(key), run_dir=run_dir)
        out[key] = run_dir
    return out


@pytest.mark.parametrize("key,kind", [("digits_cnn", "draw"), ("perceptron", "features"), ("text_lstm", "text"),
                                      ("vae", "generate"), ("dna_motif", "sample")])
def test_each_model_is_tried_the_way_its_data_looks(trained, key, kind):
    assert export_view.try_kind(Predictor(trained[key])) == kind


def test_features_start_at_the_training_mean(trained):
    predictor = Predictor(trained["perceptron"])
    defaults = export_view.feature_defaults(predictor)
    assert [name for name, _ in defaults] == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                             "petal width (cm)"]
    mean = predictor.record["normalize"]["x"]["mean"]
    assert [v for _, v in defaults] == pytest.approx(mean)


def test_a_drawing_becomes_one_image_sample(trained):
    predictor = Predictor(trained["digits_cnn"])
    drawing = np.zeros((8, 8), np.float32)
    drawing[1:7, 4] = 1.0
    x = export_view.drawing_to_input(drawing, [1, 8, 8])
    assert x.shape == (1, 8, 8)
    probs = predictor.predict(x)["probabilities"]
    assert probs.shape == (1, 10) and abs(float(probs.sum()) - 1) < 1e-5


@pytest.mark.slow
def test_default_source_prefers_the_graph_on_the_canvas(tmp_path):
    a = runs.start(templates.load("perceptron"), {"data": "iris", "epochs": 1}, root=tmp_path)
    runs.wait(a, 120)
    b = runs.start(templates.load("mlp"), {"data": "digits", "epochs": 1}, root=tmp_path)
    runs.wait(b, 120)
    available = export_view.exportable_runs(tmp_path)
    assert [r.id for r in available] == [b.name, a.name]            # newest first
    assert export_view.default_source(available, "perceptron") == a.name
    assert export_view.default_source(available, "lenet5") == b.name
    assert export_view.default_source([], "mlp") == export_view.GRAPH_ONLY
    assert "Validation Accuracy" in export_view.run_label(available[0], "en")


def test_a_run_on_an_uploaded_csv_is_labelled_with_its_data_not_the_default_set(tmp_path):
    rows = ["a,b,kind"] + [f"{i % 7},{i % 5},{'up' if i % 2 else 'down'}" for i in range(60)]
    (tmp_path / "points.csv").write_text("\n".join(rows) + "\n")
    graph = chain(("Linear", {"out_features": 2}), input_shape=(2,), name="points")
    cfg = TrainConfig.from_dict({"upload": str(tmp_path / "points.csv"), "upload_options": {"target": "kind"},
                                 "epochs": 2})
    run_dir = tmp_path / "runs" / runs.new_run_id()
    run_dir.mkdir(parents=True)
    runfiles.write_json(run_dir / runs.JOB, {"config": cfg.to_dict(), "graph": graph, "label": "csv", "created": 0})
    train(cfg, graph, run_dir=run_dir)
    info, = export_view.exportable_runs(tmp_path / "runs")
    assert cfg.to_dict()["data"] == "digits"        # what the config falls back to for an upload
    assert export_view.data_name(info) == "points"
    label = export_view.run_label(info, "zh")
    assert " · points · " in label and "digits" not in label and "验证准确率" in label, label
