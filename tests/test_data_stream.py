"""A local image folder streamed from disk: it trains as the same images held in memory do, scores its
validation and test splits, resumes, refuses bad folders with messages, and is reachable from the
command line and the Data page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from runtime.__main__ import main as runtime_cli
from runtime.config import TrainConfig
from runtime.data import stream
from runtime.data.errors import DataError
from runtime.train import train
from tests.graphs import chain
from tests.inproc import run_main

ROOT = Path(__file__).resolve().parents[1]
SIDE = 8
GRAPH = chain(("Flatten", {}), ("Linear", {"out_features": 2}), input_shape=(1, SIDE, SIDE))


def image_folder(root: Path, per_class: int = 40, side: int = 12) -> Path:
    """Two classes anyone can tell apart: dark images (0..114) and bright ones (140..254), RGB PNGs."""
    rng = np.random.default_rng(0)
    for cls, low in (("dark", 0), ("bright", 140)):
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(low, low + 115, (side, side, 3), dtype=np.uint8)).save(root / cls / f"{i:03d}.png")
    return root


def zipped(folder: Path, dest: Path) -> Path:
    """The same images as a zip upload, members in the order the folder is listed."""
    with zipfile.ZipFile(dest, "w") as zf:
        for cls in sorted(os.listdir(folder)):
            for name in sorted(os.listdir(folder / cls)):
                zf.write(folder / cls / name, f"{cls}/{name}")
    return dest


def config(upload, **kw) -> TrainConfig:
    opts = {"size": SIDE, "name": "imgs", "normalize": True, **kw.pop("upload_options", {})}
    return TrainConfig.from_dict({"upload": str(upload), "upload_options": opts, "epochs": 4, "batch_size": 16,
                                  "lr": 0.02, "val_split": 0.2, "monitor": False, **kw})


def curves(trainer) -> list[tuple]:
    return [(r["epoch"], r.get("train_loss"), r.get("val_loss"), r.get("val_acc")) for r in trainer.history]


def test_a_streamed_folder_trains_exactly_as_the_same_images_in_memory(tmp_path):
    folder = image_folder(tmp_path / "imgs")
    raw = {"test_split": 0.2, "lr": 0.05, "upload_options": {"normalize": False}}   # statistics: the next test
    streamed, s_summary = train(config(folder, **raw), GRAPH)
    in_memory, m_summary = train(config(zipped(folder, tmp_path / "imgs.zip"), **raw), GRAPH)
    assert type(streamed.data.train).__name__ == "StreamSplit" and type(in_memory.data.train).__name__ == "Split"
    assert streamed.data.preprocess == in_memory.data.preprocess
    assert curves(streamed) == pytest.approx(curves(in_memory), rel=1e-5)
    assert s_summary["test_acc"] == pytest.approx(m_summary["test_acc"])
    losses = [c[1] for c in curves(streamed)[1:]]
    assert losses[-1] < 0.6 * losses[0]


def test_normalisation_statistics_from_a_sample_of_the_training_images(tmp_path, monkeypatch):
    folder = image_folder(tmp_path / "imgs")
    streamed, _ = train(config(folder, epochs=1), GRAPH)
    in_memory, _ = train(config(zipped(folder, tmp_path / "imgs.zip"), epochs=1), GRAPH)
    s, m = streamed.data.preprocess["normalize"]["x"], in_memory.data.preprocess["normalize"]["x"]
    assert s["mean"] == pytest.approx(m["mean"]) and s["std"] == pytest.approx(m["std"])   # 48 images < the sample
    monkeypatch.setattr(stream, "STATS_SAMPLES", 10)
    monkeypatch.setattr("runtime.batches.STATS_SAMPLES", 10)
    sampled, _ = train(config(folder, epochs=1), GRAPH)
    mean = sampled.data.preprocess["normalize"]["x"]["mean"][0]
    assert 0.2 < mean < 0.8 and mean != pytest.approx(m["mean"][0], abs=1e-6)   # 10 images: close, not equal


def test_the_test_split_is_scored_on_the_files_it_names(tmp_path):
    folder = image_folder(tmp_path / "imgs")
    trainer, summary = train(config(folder, test_split=0.25), GRAPH)
    test = trainer.data.test
    names = [test.dataset.name_of(int(i)) for i in test.indices]
    truth = torch.tensor([trainer.data.class_names.index(Path(n).parent.name) for n in names])
    assert torch.equal(test.target.cpu(), truth)
    images = [np.asarray(Image.open(folder / n).convert("L").resize((SIDE, SIDE), Image.Resampling.BILINEAR))
              for n in names]
    stats = trainer.data.preprocess["normalize"]["x"]          # what an exported model is fed
    x = (torch.from_numpy(np.stack(images)).float()[:, None] / 255.0 - stats["mean"][0]) / stats["std"][0]
    with torch.no_grad():
        pred = trainer.module(x).argmax(1)
    assert summary["test_acc"] == pytest.approx(float((pred == truth).float().mean()), abs=1e-6)
    assert summary["test_acc"] >= 0.9 and summary["val_acc"] >= 0.9 and len(names) == 20


def test_a_resumed_streamed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    folder = image_folder(tmp_path / "imgs")
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(GRAPH))
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps({"lr": 0.02, "batch_size": 16}))
    base = ["train", str(graph), "--upload", str(folder), "--config", str(conf), "--upload-option", f"size={SIDE}",
            "--upload-option", "normalize=true"]
    assert runtime_cli(base + ["--epochs", "3", "--out", str(tmp_path / "whole")]) == 0
    assert runtime_cli(base + ["--epochs", "1", "--out", str(tmp_path / "first")]) == 0
    assert runtime_cli(base + ["--epochs", "3", "--init-from", str(tmp_path / "first" / "checkpoint_last.pt"),
                               "--resume", "--out", str(tmp_path / "rest")]) == 0
    whole = json.loads((tmp_path / "whole" / "summary.json").read_text())
    rest = json.loads((tmp_path / "rest" / "summary.json").read_text())
    assert rest["epochs"] == 3 and rest["train_loss"] == pytest.approx(whole["train_loss"], rel=1e-5)
    assert json.loads((tmp_path / "rest" / "config.json").read_text())["upload_options"] == {"size": SIDE,
                                                                                               "normalize": True}


def test_augmentation_applies_to_streamed_batches(tmp_path):
    folder = image_folder(tmp_path / "imgs", per_class=20)
    plain, _ = train(config(folder, epochs=1), GRAPH)
    brightened, _ = train(config(folder, epochs=1, augment={"brightness": 0.5}), GRAPH)
    assert brightened.data.image_inputs == [True] and brightened.augmenter is not None
    assert brightened.history[1]["train_loss"] != pytest.approx(plain.history[1]["train_loss"], rel=1e-4)


def test_streamed_images_are_augmented_by_the_decoding_workers_not_the_training_loop(tmp_path, monkeypatch):
    """The issue's "decoded and augmented in the workers": the loop's process never augments a streamed
    training batch; evaluation batches are not augmented (the validation loss is the plain run's at epoch 0)."""
    import os
    from runtime.batches import worker_count
    from runtime.data.augment import Augmenter
    if worker_count() == 0:
        pytest.skip("one core: no decoding workers, the loop's process decodes")
    calls = tmp_path / "augmenting_pids.txt"
    original = Augmenter.__call__

    def recorded(self, x):
        with open(calls, "a") as f:
            f.write(f"{os.getpid()}\n")
        return original(self, x)

    monkeypatch.setattr(Augmenter, "__call__", recorded)
    folder = image_folder(tmp_path / "imgs", per_class=20)
    plain, _ = train(config(folder, epochs=1), GRAPH)
    augmented, _ = train(config(folder, epochs=1, augment={"hflip": 0.5, "brightness": 0.5}), GRAPH)
    pids = set(calls.read_text().split())
    assert pids and str(os.getpid()) not in pids
    assert augmented.history[0]["val_loss"] == pytest.approx(plain.history[0]["val_loss"], rel=1e-6)
    assert augmented.history[1]["train_loss"] != pytest.approx(plain.history[1]["train_loss"], rel=1e-4)


# ----------------------------------------------------------------------------- bad folders

def _code(fn, *args, **kw) -> str:
    with pytest.raises(DataError) as info:
        fn(*args, **kw)
    return info.value.code


def test_bad_folders_are_messages_that_name_the_problem(tmp_path):
    assert _code(stream.list_folder, tmp_path / "nowhere") == "data.folder_missing"
    (tmp_path / "file.txt").write_text("x")
    assert _code(stream.list_folder, tmp_path / "file.txt") == "data.folder_not_dir"
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    (empty / "a" / "notes.txt").write_text("no images")
    assert _code(stream.list_folder, empty) == "data.folder_no_images"
    loose = image_folder(tmp_path / "loose", per_class=2)
    Image.new("L", (4, 4)).save(loose / "stray.png")
    err = pytest.raises(DataError, stream.list_folder, loose).value
    assert err.code == "data.folder_layout" and "stray.png" in err.message("en")
    one = tmp_path / "one"
    (one / "cats").mkdir(parents=True)
    Image.new("L", (4, 4)).save(one / "cats" / "1.png")
    assert _code(stream.list_folder, one) == "data.folder_one_class"


def test_a_link_leaving_the_folder_is_refused_and_one_inside_it_is_fine(tmp_path):
    folder = image_folder(tmp_path / "imgs", per_class=2)
    secret = tmp_path / "secret.png"
    Image.new("L", (4, 4)).save(secret)
    (folder / "dark" / "inside.png").symlink_to(folder / "bright" / "000.png")
    assert len(stream.list_folder(folder)) == 5
    (folder / "dark" / "escape.png").symlink_to(secret)
    err = pytest.raises(DataError, stream.list_folder, folder).value
    assert err.code == "data.folder_symlink" and "escape.png" in err.message("en")
    (folder / "dark" / "escape.png").unlink()
    (folder / "bright" / "up").symlink_to(tmp_path, target_is_directory=True)
    assert _code(stream.list_folder, folder) == "data.folder_symlink"


def test_a_corrupt_image_is_left_out_and_named_and_a_folder_of_them_is_a_message(tmp_path, capsys):
    folder = image_folder(tmp_path / "imgs", per_class=20)
    (folder / "dark" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    trainer, summary = train(config(folder, epochs=1, val_split=0.0), GRAPH)
    assert summary["unreadable_files"] == {"count": 1, "files": [os.path.join("dark", "broken.png")]}
    assert trainer.samples_seen == 40
    bad = tmp_path / "bad"
    for cls in ("a", "b"):
        (bad / cls).mkdir(parents=True)
        (bad / cls / "x.png").write_bytes(b"not a png")
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(GRAPH))
    assert runtime_cli(["train", str(graph), "--upload", str(bad), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "None of the 1 images sampled" in err and str(bad) in err


def _cli_train(tmp_path: Path, folder: Path, *flags: str, capsys=None) -> subprocess.CompletedProcess:
    """``python -m runtime train`` on ``folder``: a real process, or this one with ``capsys`` (for its messages)."""
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(GRAPH))
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps({"upload_options": {"size": SIDE, "normalize": True}}))
    argv = ["train", str(graph), "--upload", str(folder), "--config", str(conf), "--out", str(tmp_path / "run"), *flags]
    if capsys is not None:
        return run_main(runtime_cli, argv, capsys)
    return subprocess.run([sys.executable, "-m", "runtime", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow
def test_the_command_line_trains_on_a_folder_and_prints_its_summary(tmp_path, capsys):
    folder = image_folder(tmp_path / "imgs")
    status = _cli_train(tmp_path, folder, "--epochs", "3", "--lr", "0.02", "--test-split", "0.2", "--json")
    assert status.returncode == 0, status.stderr
    summary = json.loads(status.stdout.strip().splitlines()[-1])
    assert summary["epochs"] == 3 and summary["val_acc"] >= 0.9 and "test_acc" in summary
    typo = _cli_train(tmp_path, folder, "--upload-option", "colour=rgb", capsys=capsys)
    assert typo.returncode == 1 and 'Option "colour" = rgb is not accepted' in typo.stderr and "color=…" in typo.stderr
    missing = _cli_train(tmp_path, tmp_path / "no_such_folder", capsys=capsys)
    assert missing.returncode == 1 and "There is no folder at" in missing.stderr and "Traceback" not in missing.stderr


# ----------------------------------------------------------------------------- the Data page

def test_the_data_page_takes_a_folder_path_and_shows_its_classes(tmp_path, monkeypatch):
    from tests.test_data_page_app import choice, open_data_page
    folder = image_folder(tmp_path / "imgs", per_class=30)
    at = open_data_page(tmp_path / "home", monkeypatch)
    at.segmented_control(key="data_source").set_value("upload").run()
    at.text_input(key="data_folder").input(str(tmp_path / "missing")).run()
    assert not at.exception, at.exception
    assert any("Could not use that folder" in e.value and "There is no folder at" in e.value for e in at.error)
    assert choice(at)["upload"] is None
    at.text_input(key="data_folder").input(str(folder)).run()
    assert not at.exception, at.exception
    assert choice(at)["upload"] == str(folder.resolve())
    assert choice(at)["upload_options"] == {"size": 28, "color": "grey"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Samples"] == "60" and metrics["Classes"] == "2"
    assert not any("Could not use" in e.value for e in at.error)


def test_a_streamed_folder_trains_where_in_memory_data_would_be_kept_on_the_host(tmp_path, monkeypatch):
    """On a GPU too small for the data, in-memory splits stay on the host (runtime.prepare.place); a streamed
    split streams as before and trains the same."""
    import runtime.train as train_module
    folder = image_folder(tmp_path / "imgs")
    _, plain = train(config(folder, epochs=1), GRAPH)
    monkeypatch.setattr(train_module, "data_placement", lambda *a: "host")
    trainer, summary = train(config(folder, epochs=1), GRAPH)
    assert trainer.data_placement == "host" and type(trainer.data.train).__name__ == "StreamSplit"
    assert summary["val_loss"] == pytest.approx(plain["val_loss"], rel=1e-5)
