"""The bundle zip, the round trip through its graph file, "try the model", and the CLI."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from export_fixtures import HAS_DATA_LAYER, ROOT, make_run, template, untrained_run
from graphs import chain
from builder.errors import CodedError
from runtime.export import ExportError, Predictor, bundle_bytes, load_run, training_script
from runtime.data import portable
from tests.inproc import run_main

BASE_FILES = {"README.md", "graph.json", "model.py", "train.py", "weights.safetensors", "weights.pt", "config.json",
              "preprocess.json"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    wine = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 3}), input_shape=(13,),
                 name="wine_mlp")
    diabetes = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 1}),
                     input_shape=(10,), name="diabetes_mlp")
    return {
        "digits_cnn": make_run(tmp, template("digits_cnn"), {"data": "digits"}, "classification", steps=60),
        "wine": make_run(tmp, wine, {"data": "wine"}, "classification"),
        "diabetes": make_run(tmp, diabetes, {"data": "diabetes"}, "regression"),
        "vae": make_run(tmp, template("vae"), {"data": "digits"}, "vae"),
        "gan": make_run(tmp, template("gan_generator"), {"data": "digits"}, "gan", template("gan_discriminator"),
                        steps=5),
    }


def _digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["OMP_NUM_THREADS"] = "1"
    return env


# -- the bundle --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_bundle_holds_the_files_and_its_model_and_weights_run_without_netcanvas(runs, tmp_path):
    data = bundle_bytes(runs["digits_cnn"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf, zipfile.ZipFile(io.BytesIO(bundle_bytes(runs["digits_cnn"]))) as z2:
        for name in BASE_FILES - {"weights.pt", "weights.safetensors"}:   # their headers vary from save to save
            assert zf.read(name) == z2.read(name), name   # the same run gives the same files
        assert set(zf.namelist()) == BASE_FILES
        zf.extractall(tmp_path / "bundle")
    folder = tmp_path / "bundle"
    readme = (folder / "README.md").read_text()
    assert "from model import DigitsCnn" in readme and "torchrun --nproc_per_node=2 train.py" in readme
    preprocess = json.loads((folder / "preprocess.json").read_text())
    assert preprocess["mode"] == "classification" and preprocess["class_names"][3] == "3"
    images, _ = _digits()
    np.save(folder / "x.npy", images[:8, None])
    check = """
import importlib.util, json, numpy as np, torch
assert importlib.util.find_spec("builder") is None and importlib.util.find_spec("runtime") is None  # no NetCanvas
from safetensors.torch import load_file
from model import DigitsCnn
x = torch.from_numpy(np.load("x.npy"))
outs = []
for weights in (load_file("weights.safetensors"), torch.load("weights.pt", weights_only=True)):
    model = DigitsCnn()
    model.load_state_dict(weights)
    outs.append(model.eval()(x).detach().numpy().tolist())
print(json.dumps(outs))
"""
    (folder / "check.py").write_text(check)
    proc = subprocess.run([sys.executable, "-E", "-s", "check.py"], cwd=folder, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    a, b = (np.array(o) for o in json.loads(proc.stdout))
    with torch.no_grad():
        app = load_run(runs["digits_cnn"]).build()(torch.from_numpy(images[:8, None])).numpy()
    assert np.abs(a - app).max() < 1e-6 and np.abs(b - app).max() < 1e-6
    smoke = subprocess.run([sys.executable, "-I", "model.py"], cwd=folder, env=_env(), capture_output=True, text=True,
                           timeout=120)
    assert smoke.returncode == 0 and "trainable parameters" in smoke.stdout


def test_gan_bundle_holds_the_discriminator(runs):
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(runs["gan"]))) as zf:
        names = set(zf.namelist())
        train = zf.read("train.py").decode()
    assert BASE_FILES | {"discriminator.json", "discriminator.py", "discriminator.safetensors",
                         "discriminator.pt"} == names
    assert "class GanDiscriminator" in train and "generator_loss" in train


def test_round_trip_graph_file_gives_identical_code(runs):
    from builder.codegen import generate
    from builder.graph import read_document
    for name in ("digits_cnn", "vae", "gan"):
        with zipfile.ZipFile(io.BytesIO(bundle_bytes(runs[name]))) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        graph = read_document(files["graph.json"])
        assert generate(graph).source == files["model.py"].decode()
        config = json.loads(files["config.json"])
        record = json.loads(files["preprocess.json"])["preprocess"]
        disc = read_document(files["discriminator.json"]) if "discriminator.json" in files else None
        assert training_script(graph, config, record, disc) == files["train.py"].decode()


@pytest.mark.slow
def test_bundle_with_onnx(runs):
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(runs["wine"], onnx=True, lang="zh"))) as zf:
        assert "model.onnx" in zf.namelist()
        assert "使用训练好的模型" in zf.read("README.md").decode()


# -- try the model ------------------------------------------------------------------------------------
def test_digits_probabilities_sum_to_one_and_match_the_app(runs):
    images, labels = _digits()
    predictor = Predictor(runs["digits_cnn"])
    out = predictor.predict(images[:50])                       # (N, 8, 8): the channel axis is added
    probs = out["probabilities"]
    assert probs.shape == (50, 10) and np.allclose(probs.sum(1), 1.0, atol=1e-5)
    with torch.no_grad():   # the in-app module on the same preprocessed input (digits: no normalisation)
        app = torch.softmax(load_run(runs["digits_cnn"]).build()(torch.from_numpy(images[:50, None])), 1).numpy()
    assert np.abs(probs - app).max() < 1e-6
    assert out["labels"] == [str(c) for c in probs.argmax(1)]
    assert (probs.argmax(1) == labels[:50]).mean() > 0.5       # it did learn something in 60 steps
    one = predictor.predict(images[7])                          # one sample, no batch axis
    assert np.allclose(one["probabilities"][0], probs[7], atol=1e-6)


def test_normalisation_and_target_units_applied_like_training(runs):
    from sklearn.datasets import load_diabetes, load_wine
    raw = load_wine().data[:10].astype(np.float32)
    run = load_run(runs["wine"])
    rec = run.preprocess["normalize"]["x"]
    x = (torch.from_numpy(raw) - torch.tensor(rec["mean"], dtype=torch.float32)) / torch.tensor(rec["std"],
                                                                                                dtype=torch.float32)
    with torch.no_grad():
        app = torch.softmax(run.build()(x), 1).numpy()
    assert np.abs(Predictor(run).predict(raw)["probabilities"] - app).max() < 1e-6

    raw = load_diabetes(scaled=False).data[:10].astype(np.float32)
    run = load_run(runs["diabetes"])
    rec, target = run.preprocess["normalize"]["x"], run.preprocess["target"]
    x = (torch.from_numpy(raw) - torch.tensor(rec["mean"], dtype=torch.float32)) / torch.tensor(rec["std"],
                                                                                                dtype=torch.float32)
    with torch.no_grad():
        app = run.build()(x) * target["std"][0] + target["mean"][0]
    values = Predictor(run).predict(raw)["values"]
    assert values.shape == (10, 1) and np.abs(values - app.numpy()).max() < 1e-3
    assert 20 < float(np.mean(values)) < 400   # disease-progression units, not standardised ones


def test_vae_decode_samples_and_reconstructions(runs):
    predictor = Predictor(runs["vae"])
    samples = predictor.sample(6, seed=3)
    assert samples.shape == (6, 1, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    assert np.array_equal(samples, predictor.sample(6, seed=3))
    z = torch.zeros(2, 2)
    with torch.no_grad():
        expected = load_run(runs["vae"]).build().decode(z).numpy()
    assert np.allclose(predictor.sample(z=z), expected)
    images, _ = _digits()
    out = predictor.predict(images[:4, None])
    assert out["reconstruction"].shape == (4, 1, 8, 8) and out["mu"].shape == (4, 2)


def test_gan_generator_samples_and_discriminator(runs):
    predictor = Predictor(runs["gan"])
    assert predictor.sample(5).shape == (5, 1, 8, 8)
    images, _ = _digits()
    p = predictor.predict(images[:3, None])["real_probability"]
    assert p.shape == (3,) and ((0 <= p) & (p <= 1)).all()


def test_text_is_tokenised_with_the_stored_vocabulary(tmp_path):
    vocab = ["<pad>", "<unk>", "the", "movie", "was", "not", "good", "great", "did", "i", "like"]
    record = {"version": 1, "data": "sentiment", "kind": "tokens", "task": "classification",
              "inputs": {"x": {"shape": [16], "dtype": "int64"}}, "fill": {}, "normalize": {}, "target": None,
              "reshape": {"tokens": {"source": "x", "from": [16], "to": [16]}}, "class_names": ["negative", "positive"],
              "vocab": vocab, "tokens": {"seq_len": 16, "padding": "pre", "lowercase": True}}
    predictor = Predictor(untrained_run(tmp_path, template("text_lstm"), "classification", record))
    (ids,) = predictor.prepare(["The movie was GREAT", "I didn't like it!"])
    assert ids.dtype == torch.int64 and ids.shape == (2, 16)
    assert ids[0, -4:].tolist() == [2, 3, 4, 7] and ids[0, :-4].eq(0).all()
    assert ids[1, -5:].tolist() == [9, 8, 5, 10, 1]            # did not like <unk>
    if HAS_DATA_LAYER:
        from runtime.data.text import encode
        assert np.array_equal(ids.numpy(), encode(["The movie was GREAT", "I didn't like it!"], vocab, 16, "pre"))
    out = predictor.predict("the movie was not good")
    assert out["probabilities"].shape == (1, 2) and out["labels"][0] in ("negative", "positive")


def test_csv_rows_follow_the_column_plan(tmp_path):
    from test_export_script import _csv_record
    graph = chain(("Linear", {"out_features": 2}), input_shape=(4,), name="shop")
    predictor = Predictor(untrained_run(tmp_path, graph, "classification", _csv_record()))
    (x,) = predictor.prepare([{"size": "3.5", "colour": "red"}, {"size": "", "colour": "purple"}])
    assert torch.allclose(x[0], torch.tensor([(3.5 - 2) / 1.5, 0.0, -1.0, 1.0]))
    assert torch.allclose(x[1], torch.tensor([0.0, 0.0, -1.0, -1.0]))   # median fill; unknown colour: all 0


def test_prediction_errors_are_messages(runs):
    predictor = Predictor(runs["digits_cnn"])
    with pytest.raises(CodedError) as info:
        predictor.predict(np.zeros((2, 7, 7)))
    assert info.value.code == "data.input_shape" and "(1, 8, 8)" in info.value.message()
    with pytest.raises(ExportError) as info:
        predictor.predict("some words")
    assert info.value.code == "export.no_vocab"
    with pytest.raises(ExportError) as info:
        predictor.sample(3)
    assert info.value.code == "export.not_generative" and info.value.message("zh")


# -- the command line ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_exports_a_run(runs, tmp_path, capsys):
    from runtime.export.__main__ import main
    out = tmp_path / "cli"
    out.mkdir()
    # in this process (python -m runtime.export's own process: test_compat_v1's export of a run)
    cmd = [str(runs["digits_cnn"]), "--zip", str(out / "b.zip"),
           "--script", str(out / "train.py"), "--safetensors", str(out / "w.safetensors"),
           "--state-dict", str(out / "w.pt"), "--model", str(out / "model.py"), "--onnx", str(out / "m.onnx")]
    proc = run_main(main, cmd, capsys)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("b.zip", "train.py", "w.safetensors", "w.pt", "model.py", "m.onnx"):
        assert (out / name).stat().st_size > 0, name
    assert "onnxruntime matches PyTorch" in proc.stdout
    images, _ = _digits()
    np.save(tmp_path / "x.npy", images[:3, None])
    with contextlib.redirect_stdout(io.StringIO()) as buf:
        assert main([str(runs["digits_cnn"]), "--predict", str(tmp_path / "x.npy")]) == 0
    assert len(json.loads(buf.getvalue())["labels"]) == 3
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main([str(tmp_path / "nowhere"), "--zip", str(tmp_path / "z.zip")]) == 1
    assert "No checkpoint" in err.getvalue()
    with contextlib.redirect_stderr(io.StringIO()) as err:      # a folder that is not there: a message
        assert main([str(runs["digits_cnn"]), "--zip", str(tmp_path / "missing" / "z.zip")]) == 2
    assert err.getvalue().startswith("cannot write ") and "missing" in err.getvalue()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--graph", str(ROOT / "builder/templates/mlp.json"), "--script", str(tmp_path / "t.py")]) == 0
    compile((tmp_path / "t.py").read_text(), "t.py", "exec")


def test_the_data_layer_and_the_exported_script_share_one_copy_of_the_steps():
    """runtime.data.portable is pasted into train.py and is what the data layer itself runs."""
    from runtime.data import binding, builtin, dataset
    from runtime.data import text as text_layer
    assert dataset.normalize_with is portable.normalize and dataset.fill_missing is portable.fill_missing
    assert text_layer.tokenize is portable.tokenize and text_layer.encode is portable.encode_texts
    from runtime.data.preprocess import apply_preprocess
    assert portable.tokenize("I didn't like it; can't, won't") == ["i", "did", "not", "like", "it", "can", "not", "will", "not"]
    ds = builtin.load("wine")
    splits = binding.bind(dataset.split(ds, 0.2, 0.1, seed=5), [{"name": "x", "shape": (13,), "dtype": "float32",
                                                                 "max_token": None}])
    raw = ds.inputs["x"][:9]
    ours = portable.to_model_inputs(splits.preprocess, {"x": raw})["x"]
    assert torch.equal(ours, apply_preprocess(splits.preprocess, raw)["x"])
