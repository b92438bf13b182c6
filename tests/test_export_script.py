"""The exported train.py: runs without NetCanvas, learns digits, splits batches over
torchrun processes exactly, and mirrors the app's modes, schedules and options."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import socket
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from export_fixtures import HAS_DATA_LAYER, make_run, template
from graphs import chain
from runtime.config import TrainConfig, applies
from runtime.export import ExportError, load_run, training_script
from runtime.export.common import strip_main
from runtime.optim import Schedule


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["OMP_NUM_THREADS"] = "1"   # small models: one thread per process is fastest on a shared CPU
    return env


def write_script(tmp: Path, graph, config, preprocess=None, discriminator=None) -> Path:
    path = Path(tmp) / "train.py"
    path.write_text(training_script(graph, config, preprocess, discriminator), encoding="utf-8")
    return path


def load_script(path: Path) -> types.ModuleType:
    module = types.ModuleType("exported_train")
    module.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return module


def run_in_process(path: Path, *args) -> dict:
    module = load_script(path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            summary = module.main(module.parse_args([str(a) for a in args]))
    finally:
        torch.set_num_threads(threads)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == json.loads(json.dumps(summary))
    return summary


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the two end-to-end checks ---------------------------------------------------------------
@pytest.mark.slow
def test_exported_script_learns_digits_without_netcanvas(tmp_path):
    config = {"data": "digits", "epochs": 8, "lr": 0.003, "batch_size": 32, "seed": 0}
    script = write_script(tmp_path, template("digits_cnn"), config)
    text = script.read_text()
    imports = {line.split()[1] for line in text.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"argparse", "contextlib", "json", "math", "os", "random", "time", "numpy", "torch", "torch.distributed",
                       "torch.nn.functional", "torch.nn.parallel", "sklearn"}, imports
    proc = subprocess.run([sys.executable, "-I", "train.py", "--out", "run"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = last_json(proc.stdout)
    print("exported digits_cnn script:", summary)
    assert summary["epochs"] == 8 and summary["world_size"] == 1
    assert summary["val_acc"] >= 0.95, summary
    assert proc.stdout.count("epoch ") >= 8   # one progress line per epoch
    weights = torch.load(tmp_path / "run" / "model.pt", weights_only=True)
    assert set(weights) == set(load_script(script).DigitsCnn().state_dict())


@pytest.mark.slow
def test_torchrun_two_processes_equal_one_process_on_the_whole_batch(tmp_path):
    script = write_script(tmp_path, template("digits_cnn"), {"data": "digits", "batch_size": 64})
    common = ["--steps", "1", "--no-shuffle", "--epochs", "1", "--batch-size", "64"]
    one = run_in_process(script, *common, "--out", tmp_path / "one")    # the script's own process: the learning test's
    ddp = subprocess.run([sys.executable, "-I", "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
                          "--master_addr=127.0.0.1", f"--master_port={_free_port()}", "train.py", *common,
                          "--out", "two"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    two = last_json(ddp.stdout)
    assert one["world_size"] == 1 and two["world_size"] == 2
    # the data really is split: each of the 2 processes saw half the batch
    assert one["samples_this_process"] == 64 and two["samples_this_process"] == 32
    assert two["train_loss"] == pytest.approx(one["train_loss"], abs=1e-5)
    w1 = torch.load(tmp_path / "one" / "model.pt", weights_only=True)
    w2 = torch.load(tmp_path / "two" / "model.pt", weights_only=True)
    module = load_script(script)
    torch.manual_seed(0)
    init = module.DigitsCnn().state_dict()
    moved = max(float((w1[k] - init[k]).abs().max()) for k in w1)
    diff = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    print(f"one step: weights moved {moved:.2e}, 1 vs 2 processes differ by {diff:.2e}")
    assert moved > 1e-4          # the step did change the weights ...
    assert diff < 1e-6           # ... identically on 1 process and on 2


# -- modes and data sources, run in-process for a few steps --------------------------------------
@pytest.mark.parametrize("name,mode", [("vae", "vae"), ("autoencoder", "autoencoder"), ("mlp", "classification")])
def test_digits_modes_run(tmp_path, name, mode):
    script = write_script(tmp_path, template(name), {"data": "digits", "mode": mode})
    text = script.read_text()
    if mode == "vae":
        assert "CONFIG[\"beta\"] * kl" in text and "sum(1).mean()" in text
    summary = run_in_process(script, "--steps", 3, "--epochs", 1, "--out", tmp_path / "out")
    assert summary["steps"] == 3 and math.isfinite(summary["train_loss"]) and math.isfinite(summary["val_loss"])
    if mode == "vae":
        assert {"train_recon", "train_kl", "val_kl"} <= set(summary)


def test_gan_script_runs(tmp_path):
    config = {"data": "digits", "schedule": "plateau", "l1": 1e-5, "grad_clip": 1.0, "d_steps": 2}
    script = write_script(tmp_path, template("gan_generator"), config, None, template("gan_discriminator"))
    text = script.read_text()
    assert "class GanGenerator(nn.Module)" in text and "class GanDiscriminator(nn.Module)" in text
    assert text.count("def example_inputs(") == 1
    summary = run_in_process(script, "--steps", 4, "--epochs", 1, "--out", tmp_path / "out")
    assert summary["steps"] == 4 and {"train_d_loss", "train_g_loss", "val_d_real"} <= set(summary)
    assert (tmp_path / "out" / "model.pt").exists() and (tmp_path / "out" / "discriminator.pt").exists()


def test_batchnorm_models_run(tmp_path):
    """BatchNorm: running statistics are synchronised before evaluation (a no-op on one process)."""
    cnn = chain(("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}), ("BatchNorm2d", {}), ("ReLU", {}),
                ("Flatten", {}), ("Linear", {"out_features": 10}), input_shape=(1, 8, 8), name="bn_cnn")
    script = write_script(tmp_path, cnn, {"data": "digits", "mode": "classification", "test_split": 0.1})
    assert "sync_buffers(model)" in script.read_text()
    summary = run_in_process(script, "--steps", 2, "--out", tmp_path / "o1")
    assert "test_acc" in summary
    generator = chain(("Linear", {"out_features": 32}), ("BatchNorm1d", {}), ("ReLU", {}),
                      ("Linear", {"out_features": 64}), ("Sigmoid", {}), ("Reshape", {"shape": [1, 8, 8]}),
                      input_shape=(8,), name="bn_generator")
    script = write_script(tmp_path, generator, {"data": "digits", "mode": "gan"}, None, template("gan_discriminator"))
    assert "sync_buffers(generator)" in script.read_text()
    assert run_in_process(script, "--steps", 2, "--out", tmp_path / "o2")["steps"] == 2


def test_regression_standardises_targets_like_the_record(tmp_path):
    graph = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 1}), input_shape=(10,),
                  name="diabetes_mlp")
    script = write_script(tmp_path, graph, {"data": "diabetes", "mode": "regression", "epochs": 3, "lr": 0.01})
    module = load_script(script)
    assert module.PREPROCESS["target"] and module.PREPROCESS["normalize"]["x"]["shape"] == [10]
    summary = run_in_process(script, "--out", tmp_path / "out")
    assert summary["train_mae"] < 1.0   # standardised units: far below the raw targets' spread (~77)


def test_token_and_multi_input_models_train_from_npz(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "sentiment.npz", x=rng.integers(0, 200, (120, 16)), target=rng.integers(0, 2, 120))
    script = write_script(tmp_path, template("text_lstm"), {"data": "sentiment"})
    assert load_script(script).DATA_FILE == "sentiment.npz"
    summary = run_in_process(script, "--data", tmp_path / "sentiment.npz", "--steps", 2, "--out", tmp_path / "o1")
    assert summary["steps"] == 2
    np.savez(tmp_path / "ratings.npz", user=rng.integers(0, 100, (150, 1)), item=rng.integers(0, 200, (150, 1)),
             target=rng.uniform(1, 5, (150, 1)).astype(np.float32))
    script = write_script(tmp_path, template("recommender"), {"data": "ratings"})
    summary = run_in_process(script, "--data", tmp_path / "ratings.npz", "--steps", 2, "--out", tmp_path / "o2")
    assert summary["steps"] == 2 and "train_mae" in summary


def _csv_record():
    plan = {"target": "kind", "task": "classification",
            "columns": [{"name": "size", "type": "numeric"},
                        {"name": "colour", "type": "categorical", "categories": ["(missing)", "blue", "red"]}],
            "dropped_columns": [], "dropped_rows": 0, "class_names": ["a", "b"], "missing": "(missing)",
            "features": ["size", "colour=(missing)", "colour=blue", "colour=red"]}
    return {"version": 1, "data": "shop.csv", "kind": "tabular", "task": "classification",
            "inputs": {"x": {"shape": [4], "dtype": "float32"}}, "fill": {"x": {"value": [2.0, 0.0, 0.0, 0.0]}},
            "normalize": {"x": {"mean": [2.0, 0.0, 0.5, 0.5], "std": [1.5, 1.0, 0.5, 0.5], "axes": [0], "shape": [4]}},
            "target": None, "reshape": {"x": {"source": "x", "from": [4], "to": [4]}}, "class_names": ["a", "b"],
            "feature_names": plan["features"], "vocab": None, "tokens": None, "csv": plan, "image": None}


def test_csv_upload_script_reads_the_column_plan(tmp_path):
    rows = ["size,colour,kind"] + [f"{i % 5 if i % 7 else ''},{['red', 'blue', ''][i % 3]},{'ab'[i % 2]}"
                                   for i in range(60)] + ["3,green,"]
    (tmp_path / "shop.csv").write_text("\n".join(rows) + "\n")
    graph = chain(("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 2}), input_shape=(4,),
                  name="shop")
    script = write_script(tmp_path, graph, {"upload": "/somewhere/shop.csv", "mode": "classification"}, _csv_record())
    module = load_script(script)
    inputs, target = module.load_data(str(tmp_path / "shop.csv"))
    assert inputs["x"].shape == (60, 4) and target.shape == (60,)          # the row without a target is dropped
    assert torch.isnan(inputs["x"][0, 0]) and inputs["x"][1].tolist() == [1.0, 0.0, 1.0, 0.0]
    summary = run_in_process(script, "--data", tmp_path / "shop.csv", "--steps", 2, "--out", tmp_path / "o")
    assert math.isfinite(summary["train_loss"])


def _pet_folder(root: Path) -> Path:
    """12 grey 12x10 images in two class folders (dark cats, light dogs) and a file that is no image."""
    from PIL import Image
    for label in ("cats", "dogs"):
        (root / label).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(np.full((12, 10), 20 * i + (120 if label == "dogs" else 0), np.uint8)).save(
                root / label / f"{i}.png")
    (root / "dogs" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_upload_script(tmp_path):
    _pet_folder(tmp_path / "imgs")
    record = {"version": 1, "data": "imgs", "kind": "image", "task": "classification",
              "inputs": {"x": {"shape": [1, 8, 8], "dtype": "float32"}}, "fill": {}, "normalize": {}, "target": None,
              "reshape": {"x": {"source": "x", "from": [1, 8, 8], "to": [1, 8, 8]}}, "class_names": ["cats", "dogs"],
              "image": {"size": [8, 8], "channels": 1}}
    graph = chain(("Flatten", {}), ("Linear", {"out_features": 2}), input_shape=(1, 8, 8), name="pets")
    script = write_script(tmp_path, graph, {"upload": "imgs.zip", "mode": "classification", "val_split": 0.25}, record)
    module = load_script(script)
    inputs, target = module.load_data(str(tmp_path / "imgs"))
    assert inputs["x"].shape == (12, 1, 8, 8) and target.tolist().count(1) == 6
    assert float(inputs["x"].max()) <= 1.0
    summary = run_in_process(script, "--data", tmp_path / "imgs", "--steps", 2, "--out", tmp_path / "o")
    assert summary["steps"] == 2


@pytest.mark.slow       # a process of its own, with DataLoader workers
def test_a_streamed_image_folder_is_streamed_by_the_exported_script(tmp_path):
    """A run that streamed a local folder exports a script that streams it too: the images are listed, not
    read, and decoded (normalised as the record says) by DataLoader workers batch by batch; it trains
    standalone, without NetCanvas, and scores the test split."""
    folder = _pet_folder(tmp_path / "pets")
    record = {"version": 1, "data": "pets", "kind": "image", "task": "classification",
              "inputs": {"x": {"shape": [1, 8, 8], "dtype": "float32"}}, "fill": {},
              "normalize": {"x": {"mean": [0.5], "std": [0.25], "shape": [1, 1, 1]}}, "target": None,
              "reshape": {"x": {"source": "x", "from": [1, 8, 8], "to": [1, 8, 8]}}, "class_names": ["cats", "dogs"],
              "image": {"size": [8, 8], "channels": 1}}
    graph = chain(("Flatten", {}), ("Linear", {"out_features": 2}), input_shape=(1, 8, 8), name="pets")
    config = {"upload": str(folder), "mode": "classification", "val_split": 0.25, "test_split": 0.25}
    script = write_script(tmp_path, graph, config, record)
    module = load_script(script)
    inputs, target = module.load_data(str(folder))
    images = inputs["x"]
    assert isinstance(images, torch.utils.data.Dataset) and len(images) == 12 and target.tolist().count(1) == 6
    assert images[0].shape == (1, 8, 8)
    assert float(images[0].max()) == pytest.approx((0 / 255 - 0.5) / 0.25)    # a black cat, normalised
    stdout = subprocess.run([sys.executable, str(script), "--data", str(folder), "--epochs", "2",
                             "--out", str(tmp_path / "o")], capture_output=True, text=True, cwd=tmp_path,
                            env=_env(), timeout=300, check=True).stdout
    summary = last_json(stdout)
    assert summary["epochs"] == 2 and math.isfinite(summary["val_loss"]) and "test_acc" in summary
    assert (tmp_path / "o" / "model.pt").is_file()
    assert "zipfile" not in script.read_text() and "DataLoader" in script.read_text()


# -- the app's schedules and options ---------------------------------------------------------------
@pytest.mark.parametrize("schedule", ["none", "step", "exponential", "cosine", "onecycle"])
def test_learning_rate_matches_the_app_schedule(tmp_path, schedule):
    wanted = {"schedule": schedule, "warmup_epochs": 1.5, "step_size": 2, "gamma": 0.7, "min_lr": 1e-5, "lr": 0.01}
    cfg = TrainConfig.from_dict({k: v for k, v in wanted.items() if applies(k, None, wanted)})   # the rest is refused
    module = load_script(write_script(tmp_path, template("mlp"), cfg.to_dict()))
    steps_per_epoch, total = 7, 7 * 6
    app = Schedule(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr), cfg, steps_per_epoch, total)
    for step in range(total):
        assert module.learning_rate(step, cfg.lr, steps_per_epoch, total) == pytest.approx(app.lr_at(step), rel=1e-12)


def test_plateau_schedule_matches_the_app(tmp_path):
    cfg = TrainConfig.from_dict({"schedule": "plateau", "plateau_patience": 1, "gamma": 0.5, "lr": 0.01})
    module = load_script(write_script(tmp_path, template("mlp"), cfg.to_dict()))
    app = Schedule(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr), cfg, 5, 50)
    state = {"plateau_scale": 1.0, "best": math.inf, "bad_epochs": 0}
    for epoch, val_loss in enumerate([1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7]):
        app.epoch_end(val_loss)
        module.plateau_update(state, val_loss)
        step = (epoch + 1) * 5
        assert module.learning_rate(step, cfg.lr, 5, 50, state) == pytest.approx(app.lr_at(step), rel=1e-12)


def test_options_l1_clip_freeze_early_stopping_test_split(tmp_path):
    config = {"data": "digits", "mode": "classification", "epochs": 6, "lr": 0.02, "optimizer": "momentum",
              "weight_decay": 1e-4, "l1": 1e-5, "grad_clip": 1.0, "schedule": "cosine", "warmup_epochs": 0.5,
              "early_stopping": True, "es_metric": "val_acc", "es_patience": 1, "freeze": ["fc1"], "test_split": 0.1}
    script = write_script(tmp_path, template("mlp"), config)
    text = script.read_text()
    for needle in ("clip_grad_norm_", "p.abs().sum()", "momentum=CONFIG", "math.cos", "linear warm-up",
                   "early stopping on val_acc", "requires_grad_(False)"):
        assert needle in text, needle
    summary = run_in_process(script, "--out", tmp_path / "out")
    assert "test_acc" in summary and summary["best_epoch"] >= 1
    module = load_script(script)
    torch.manual_seed(0)
    init = module.Mlp().state_dict()
    final = torch.load(tmp_path / "out" / "model.pt", weights_only=True)
    assert torch.equal(final["fc1.weight"], init["fc1.weight"])        # frozen
    assert not torch.equal(final["fc2.weight"], init["fc2.weight"])    # trained


@pytest.mark.parametrize("amp", ["bf16", "fp16", "auto"])
def test_mixed_precision_scripts_run(tmp_path, amp):
    script = write_script(tmp_path, template("mlp"), {"data": "digits", "amp": amp, "grad_clip": 1.0})
    assert "torch.autocast" in script.read_text()
    summary = run_in_process(script, "--steps", 2, "--out", tmp_path / "o")
    assert math.isfinite(summary["train_loss"])


# -- refusals and safety ------------------------------------------------------------------------------
def test_invalid_graph_is_refused_with_the_checkers_messages():
    bad = chain(("Conv2d", {"out_channels": 4, "kernel_size": 3}), input_shape=(10,), name="bad")
    with pytest.raises(ExportError) as info:
        training_script(bad, {}, None)
    assert info.value.errors and info.value.errors[0].node == "n0"
    assert "node n0" in info.value.message("en") and "n0" in info.value.message("zh")
    with pytest.raises(ExportError) as info:
        training_script(template("mlp"), {"optimizer": "nope"}, None)
    assert info.value.code == "train.config_choice"


def test_user_text_never_becomes_code(tmp_path):
    graph = template("mlp")
    graph["name"] = 'x"""\nimport os; os.system("echo pwned") #'
    graph["meta"]["description"] = {"en": '""" + __import__("os").getcwd() + """', "zh": "说明"}
    record = load_run(make_run(tmp_path, template("mlp"), {"data": "digits"}, "classification", steps=1)).preprocess
    record["class_names"] = ['a"]; import os #', "b\n c"] + [str(i) for i in range(2, 10)]
    try:
        text = training_script(graph, {"data": "digits", "augment": {"flip\nimport os": 1.0}}, record)
    except ExportError:
        pytest.skip("the checker refuses such names")
    tree = compile(text, "train.py", "exec")
    assert "echo pwned" not in "".join(str(c) for c in tree.co_names)
    module = types.ModuleType("m")
    exec(tree, module.__dict__)   # defines things, runs nothing
    assert module.CLASS_NAMES[0] == 'a"]; import os #'


def test_class_name_that_shadows_a_script_name_is_renamed(tmp_path):
    graph = template("mlp")
    graph["name"] = "CONFIG"
    text = training_script(graph, {"data": "digits"}, None)
    module = types.ModuleType("m")
    exec(compile(text, "train.py", "exec"), module.__dict__)
    assert isinstance(module.CONFIG, dict) and module.CONFIGModel.input_names == ("x",)


def test_model_section_is_the_generated_source(tmp_path):
    from builder.codegen import generate
    graph = template("resnet_small")
    record = {"task": "classification", "inputs": {"x": {"shape": [1, 28, 28], "dtype": "float32"}}}
    text = training_script(graph, {"data": "shapes"}, record)
    compile(text, "train.py", "exec")
    source = strip_main(generate(graph).source)
    body = source[source.index("class "):]
    assert body in text


# -- with the data layer merged: the script is the app's training, step for step ----------------------
@pytest.mark.skipif(not HAS_DATA_LAYER, reason="needs runtime.data (branch data)")
def test_script_matches_the_app_trainer_after_steps(tmp_path):
    from runtime.train import Trainer
    from runtime.data import builtin, dataset
    cfg = TrainConfig.from_dict({"data": "wine", "mode": "classification", "max_steps": 3, "epochs": 1, "lr": 0.01,
                                 "batch_size": 16, "monitor": False})
    graph = chain(("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 3}), input_shape=(13,),
                  name="wine_mlp")
    trainer = Trainer(cfg, graph)
    trainer.fit()
    script = write_script(tmp_path, graph, cfg.to_dict(), trainer.data.preprocess)
    run_in_process(script, "--out", tmp_path / "out")
    ours = torch.load(tmp_path / "out" / "model.pt", weights_only=True)
    for k, v in trainer.module.state_dict().items():
        assert torch.allclose(ours[k], v.cpu(), atol=1e-6), k
    ds = builtin.load("digits")
    from runtime.data import portable
    for a, b in zip(dataset.split_indices(ds, 0.2, 0.1, 3), portable.split_indices(len(ds), ds.target, 0.2, 0.1, 3)):
        assert torch.equal(a, b)


def _variants():
    """Scripts for every mode and data source, with the options that add code."""
    image_record = {"task": "classification", "inputs": {"x": {"shape": [1, 8, 8], "dtype": "float32"}},
                    "image": {"size": [8, 8], "channels": 1}, "class_names": ["a", "b"]}
    options = {"schedule": "plateau", "warmup_epochs": 1.0, "l1": 1e-4, "grad_clip": 1.0, "early_stopping": True,
               "amp": "fp16", "test_split": 0.1}
    cases = [
        (template("mlp"), {"data": "digits", **options, "freeze": ["fc1"]}, None, None),
        (template("vae"), {"data": "digits", **options}, None, None),
        (template("autoencoder"), {"data": "digits", "denoise": 0.1, "loss": "l1"}, None, None),
        (template("gan_generator"), {"data": "digits", **options, "test_split": 0.0}, None,      # a GAN has no test
         template("gan_discriminator")),
        (template("mlp"), {"data": "digits", "label_smoothing": 0.1}, None, None),
        (template("text_lstm"), {"data": "sentiment", "schedule": "onecycle"}, None, None),
        (chain(("Linear", {"out_features": 2}), input_shape=(4,), name="c"),
         {"upload": "a.csv", "mode": "classification", "optimizer": "rmsprop"}, _csv_record(), None),
        (chain(("Flatten", {}), ("Linear", {"out_features": 2}), input_shape=(1, 8, 8), name="i"),
         {"upload": "imgs.zip", "mode": "classification", "optimizer": "adadelta"}, image_record, None),
        (chain(("Flatten", {}), ("Linear", {"out_features": 2}), input_shape=(1, 8, 8), name="s"),   # streamed
         {"upload": "/data/imgs", "mode": "classification", "amp": "bf16", "test_split": 0.1}, image_record, None),
        (chain(("Linear", {"out_features": 1}), input_shape=(10,), name="r"),
         {"data": "diabetes", "mode": "regression", "loss": "smooth_l1", "schedule": "step"}, None, None),
    ]
    return [training_script(graph, config, record, disc) for graph, config, record, disc in cases]


def test_every_variant_is_clean_python(tmp_path):
    """Every combination of mode, data source and option gives code that compiles; with pyflakes
    installed, also no undefined or unused names."""
    try:
        from pyflakes.api import check as flakes
        from pyflakes.reporter import Reporter
    except ImportError:
        flakes = None
    for i, text in enumerate(_variants()):
        compile(text, f"case{i}.py", "exec")
        if flakes is not None:
            out = io.StringIO()
            assert flakes(text, f"case{i}.py", Reporter(out, out)) == 0, out.getvalue()


def test_every_variant_is_laid_out_as_written_by_hand():
    """The templates' whitespace control leaves what a person would write: no trailing spaces,
    at most two blank lines in a row, two before every top-level def or class (one under a
    section title), and one newline at the end."""
    for text in _variants():
        lines = text.split("\n")
        assert text.endswith(")\n") and not text.endswith("\n\n")
        assert [n for n, line in enumerate(lines, 1) if line != line.rstrip()] == []
        assert "\n\n\n\n" not in text
        for n, line in enumerate(lines):
            if line.startswith(("def ", "class ")):
                assert lines[n - 1] == "" and (lines[n - 2] == "" or lines[n - 2].startswith("# ===")), lines[n - 3:n + 1]


@pytest.mark.parametrize("cores, omp, expected", [({0, 1}, None, 1), ({0, 1, 2, 3}, None, 3), ({0, 1}, "2", 2)])
def test_the_script_picks_its_cpu_threads_as_the_app_does(tmp_path, monkeypatch, cores, omp, expected):
    """All cores but one (the app's rule): on a busy 2-core machine 2 threads stall each other."""
    from runtime.runs import app_run_threads
    module = load_script(write_script(tmp_path, template("mlp"), {"data": "digits"}))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores, raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    if omp is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    threads = torch.get_num_threads()
    try:
        assert module.setup_distributed("cpu")[2].type == "cpu"
        assert torch.get_num_threads() == expected == app_run_threads()
    finally:
        torch.set_num_threads(threads)
