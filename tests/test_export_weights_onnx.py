"""Exported weights reproduce the in-app module; ONNX matches PyTorch in onnxruntime."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from export_fixtures import make_run, template, untrained_run
from graphs import chain
from runtime.export import (ExportError, Predictor, load_module, load_run, load_weights, model_source,
                            save_safetensors, save_state_dict)

ONNX_TOL = 1e-4


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small models on a shared 2-core machine: one intra-op thread is the fastest."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    wine = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 3}), input_shape=(13,),
                 name="wine_mlp")
    return {
        "digits_cnn": make_run(tmp, template("digits_cnn"), {"data": "digits"}, "classification"),
        "wine": make_run(tmp, wine, {"data": "wine"}, "classification"),
        "vae": make_run(tmp, template("vae"), {"data": "digits"}, "vae"),
        "resnet_small": untrained_run(tmp, template("resnet_small"), "classification"),
        "text_lstm": untrained_run(tmp, template("text_lstm"), "classification"),
        "recommender": untrained_run(tmp, template("recommender"), "regression"),
        "gan": make_run(tmp, template("gan_generator"), {"data": "digits"}, "gan", template("gan_discriminator"),
                        steps=5),
    }


def _examples(graph, n=5, seed=1):
    torch.manual_seed(seed)
    return load_module(model_source(graph)).example_inputs(n)


def _outputs(module, inputs):
    with torch.no_grad():
        out = module(*inputs)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", ["digits_cnn", "resnet_small", "text_lstm", "recommender", "vae"])
def test_exported_weights_in_the_exported_class_reproduce_the_app(runs, tmp_path, name):
    run = load_run(runs[name])
    app = run.build()                                   # the in-app module: compile_graph + checkpoint weights
    exported = load_module(model_source(run.graph))     # model.py as a module of its own
    inputs = _examples(run.graph)
    expected = _outputs(app, inputs)
    for path in (save_safetensors(run, tmp_path / "w.safetensors"), save_state_dict(run, tmp_path / "w.pt")):
        model = getattr(exported, type(app).__name__)()
        model.load_state_dict(load_weights(path))       # strict: every key, every shape
        got = _outputs(model.eval(), inputs)
        for a, b in zip(got, expected):
            assert torch.equal(a, b), path.name


def test_safetensors_carry_the_graph(runs, tmp_path):
    from safetensors import safe_open
    path = save_safetensors(runs["digits_cnn"], tmp_path / "w.safetensors")
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    assert meta["netcanvas.class"] == "DigitsCnn"
    assert json.loads(meta["netcanvas.graph"]) == load_run(runs["digits_cnn"]).graph


def test_gan_discriminator_weights(runs, tmp_path):
    run = load_run(runs["gan"])
    path = save_safetensors(run, tmp_path / "d.safetensors", which="discriminator")
    d = load_weights(path)
    assert set(d) == set(run.checkpoint["discriminator_state_dict"])


# -- ONNX -------------------------------------------------------------------------------------------
def _session_inputs(data: bytes):
    import onnxruntime as ort
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"]).get_inputs()


@pytest.mark.slow
def test_onnx_dynamic_and_fixed_batch_match_pytorch(runs, tmp_path):
    from runtime.export.onnx_export import export_onnx, run_onnx
    dynamic = export_onnx(runs["digits_cnn"], tmp_path / "dyn.onnx")
    fixed = export_onnx(runs["digits_cnn"], tmp_path / "fixed.onnx", dynamic_batch=False, batch_size=4)
    print(f"digits_cnn ONNX max abs diff: dynamic {dynamic.max_abs_diff:.2e} (batch sizes "
          f"{dynamic.checked_batch_sizes}), fixed {fixed.max_abs_diff:.2e}")
    assert dynamic.max_abs_diff < ONNX_TOL and fixed.max_abs_diff < ONNX_TOL
    assert dynamic.checked_batch_sizes == [1, 3] and fixed.checked_batch_sizes == [4]
    assert (tmp_path / "dyn.onnx").read_bytes() == dynamic.data
    (dyn_in,), (fix_in,) = _session_inputs(dynamic.data), _session_inputs(fixed.data)
    assert dyn_in.name == "x" and isinstance(dyn_in.shape[0], str) and dyn_in.shape[1:] == [1, 8, 8]
    assert fix_in.shape == [4, 1, 8, 8]
    # a batch size that was never exported runs too, and agrees with the in-app module
    x = torch.rand(7, 1, 8, 8)
    (ours,) = run_onnx(dynamic.data, (x,))
    (ref,) = _outputs(load_run(runs["digits_cnn"]).build(), (x,))
    assert np.abs(ours - ref.numpy()).max() < ONNX_TOL


@pytest.mark.parametrize("name,kwargs", [("resnet_small", {}), ("text_lstm", {}), ("recommender", {}),
                                         ("vae", {}), ("vae", {"part": "decoder"}),
                                         ("gan", {"part": "discriminator"})])
@pytest.mark.slow
def test_onnx_other_models(runs, name, kwargs):
    from runtime.export.onnx_export import export_onnx
    result = export_onnx(runs[name], **kwargs)
    assert result.max_abs_diff < ONNX_TOL, (name, kwargs, result.max_abs_diff)
    if name == "recommender":
        assert [i.name for i in _session_inputs(result.data)] == ["user", "item"]
    if name == "vae" and not kwargs:
        assert result.output_names == ["recon", "mu", "logvar"]


@pytest.mark.slow
def test_onnx_with_preprocessing_takes_raw_data(runs):
    """The ONNX graph holds the normalisation: raw wine measurements in, the same probabilities
    as "try the model" out."""
    import onnx
    from sklearn.datasets import load_wine
    from runtime.export.onnx_export import export_onnx, run_onnx
    result = export_onnx(runs["wine"], with_preprocess=True)
    assert result.max_abs_diff < ONNX_TOL
    raw = load_wine().data[:20].astype(np.float32)
    (scores,) = run_onnx(result.data, (raw,))
    probs = torch.softmax(torch.from_numpy(scores), 1).numpy()
    assert np.abs(probs - Predictor(runs["wine"]).predict(raw)["probabilities"]).max() < 1e-5
    meta = {p.key: p.value for p in onnx.load_from_string(result.data).metadata_props}
    assert json.loads(meta["netcanvas.preprocess_included"]) is True
    assert json.loads(meta["netcanvas.class_names"]) == ["class_0", "class_1", "class_2"]
    assert json.loads(meta["netcanvas.preprocess"])["normalize"]["x"]["shape"] == [13]


def test_invalid_graph_checkpoint_is_refused_everywhere(runs):
    from runtime.export.bundle import bundle_bytes
    from runtime.export.onnx_export import export_onnx
    payload = dict(load_run(runs["digits_cnn"]).checkpoint)
    graph = json.loads(json.dumps(payload["graph"]))
    graph["nodes"][1]["params"]["kernel_size"] = 0      # out of range
    payload["graph"] = graph
    for export in (bundle_bytes, lambda p: save_safetensors(p, "/nonexistent/w.safetensors"), export_onnx, Predictor):
        with pytest.raises(ExportError) as info:
            export(payload)
        assert info.value.code == "export.graph_invalid" and info.value.errors
        assert "conv1" in info.value.message("en") and info.value.errors[0].node == "conv1"


def test_missing_checkpoint_is_a_message(tmp_path):
    with pytest.raises(ExportError) as info:
        load_run(tmp_path)
    assert info.value.code == "export.no_checkpoint" and str(tmp_path) in info.value.message()
    (tmp_path / "checkpoint_last.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ExportError) as info:
        load_run(tmp_path)
    assert info.value.code == "export.checkpoint_bad"
