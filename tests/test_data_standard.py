"""The standard sets (MNIST family, CIFAR-10): download from a local server with a checksum
table made for the test, resume after a cut connection, refusals (wrong checksum, truncated
or corrupt files), the offline message, files placed by hand, the official test split, NPZ
with uint8 images, and the command line. Nothing here reaches the network."""
from __future__ import annotations

import gzip
import json
import shutil
import struct
import tarfile
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from graphs import chain
from runtime.__main__ import main as runtime_cli
from runtime.data import builtin, cifar_binary, fetch, split, standard
from runtime.data.errors import DataError
from runtime.data.uploads import load_npz, save_npz
from standard_files import N_TEST, N_TRAIN, FileServer, table_for, write_set

MNIST_FILES = list(standard.IDX_NAMES)


@pytest.fixture
def served_mnist(tmp_path, monkeypatch):
    """(server, cache folder): tiny MNIST files served on 127.0.0.1, the table pointing at them,
    and an empty cache."""
    source = write_set(tmp_path / "source", "mnist")
    cache = tmp_path / "cache"
    monkeypatch.setenv("NETCANVAS_DATA", str(cache))
    with FileServer({f.name: f.read_bytes() for f in source.iterdir()}) as server:
        monkeypatch.setitem(standard.SETS, "mnist", table_for("mnist", source, server.url))
        yield server, cache / "mnist"


def no_network(*args, **kwargs):
    raise AssertionError("the network was asked for files that are in the cache")


# -- download ------------------------------------------------------------------------------------
def test_missing_files_are_downloaded_with_progress_and_verified(served_mnist):
    server, cache = served_mnist
    assert standard.missing_files("mnist") == MNIST_FILES
    calls = []
    standard.ensure("mnist", progress=lambda done, total, name: calls.append((done, total, name)))
    for f in standard.SETS["mnist"].files:
        assert (cache / f.name).read_bytes() == server.files[f.name]
        assert (f.size, f.size, f.name) in calls          # the bar reaches 100% for every file
    assert not list(cache.glob("*.part")) and standard.missing_files("mnist") == []
    asked = len(server.requests)
    ds = builtin.load("mnist")                             # cached now: no second download
    assert len(server.requests) == asked and ds.inputs["x"].shape == (N_TRAIN + N_TEST, 1, 28, 28)


def test_a_cut_connection_is_resumed_with_a_range_request(served_mnist):
    server, cache = served_mnist
    file = standard.SETS["mnist"].files[0]
    server.cut_after[file.name] = 100
    fetch.download(file, cache)
    assert [r for r in server.requests if r[0] == file.name] == [(file.name, None), (file.name, "bytes=100-")]
    assert (cache / file.name).read_bytes() == server.files[file.name]


def test_a_part_file_left_by_an_earlier_run_is_resumed(served_mnist):
    server, cache = served_mnist
    file = standard.SETS["mnist"].files[1]
    cache.mkdir(parents=True)
    (cache / (file.name + ".part")).write_bytes(server.files[file.name][:50])
    fetch.download(file, cache)
    assert server.requests == [(file.name, "bytes=50-")]
    assert (cache / file.name).read_bytes() == server.files[file.name]


def _until(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.01)


class LockSpy:
    """fcntl with its ``flock`` calls counted (a call that blocks is counted before it blocks)."""

    def __init__(self, fcntl):
        self.calls, self.fcntl, self.LOCK_EX = 0, fcntl, fcntl.LOCK_EX

    def flock(self, fd, how):
        self.calls += 1
        self.fcntl.flock(fd, how)


def test_two_downloads_of_one_file_at_once_fetch_it_once(served_mnist, monkeypatch):
    """A second download (another process, or a thread: a lock on the file) waits for the first instead of
    writing into the same .part, then takes the file the first one verified."""
    server, cache = served_mnist
    file = standard.SETS["mnist"].files[0]
    spy = LockSpy(pytest.importorskip("fcntl"))
    monkeypatch.setattr(fetch, "fcntl", spy, raising=False)
    server.hold.clear()                       # the first download's response waits for the second to arrive
    results = []
    first = threading.Thread(target=lambda: results.append(fetch.download(file, cache)))
    first.start()
    _until(lambda: len(server.requests) == 1, "the first request")
    second = threading.Thread(target=lambda: results.append(fetch.download(file, cache)))
    second.start()
    _until(lambda: spy.calls == 2 or len(server.requests) == 2, "the second download to ask for the lock or the file")
    server.hold.set()
    first.join(60)
    second.join(60)
    assert results == [cache / file.name] * 2
    assert server.requests == [(file.name, None)]                 # fetched once
    assert (cache / file.name).read_bytes() == server.files[file.name]
    assert sorted(p.name for p in cache.iterdir()) == [file.name]      # no .part, no lock file left


def test_a_wrong_checksum_is_refused_and_nothing_is_cached(served_mnist, monkeypatch):
    server, cache = served_mnist
    spec = standard.SETS["mnist"]
    bad = replace(spec.files[0], sha256="0" * 64)
    monkeypatch.setitem(standard.SETS, "mnist", replace(spec, files=(bad, *spec.files[1:])))
    with pytest.raises(DataError) as e:
        builtin.load("mnist")
    assert e.value.code == "data.std_checksum" and bad.name in e.value.message()
    assert not (cache / bad.name).exists() and not list(cache.glob("*.part"))


def test_a_source_sending_a_truncated_file_is_refused(served_mnist):
    server, cache = served_mnist
    file = standard.SETS["mnist"].files[0]
    server.files[file.name] = server.files[file.name][:-200]     # the server's copy is short
    with pytest.raises(DataError) as e:
        fetch.download(file, cache)
    assert e.value.code == "data.std_checksum"
    assert not list(cache.iterdir())


def test_offline_the_message_names_the_files_and_the_folder(served_mnist, monkeypatch):
    server, cache = served_mnist
    server.__exit__()                                           # nothing answers any more
    for lang in ("en", "zh"):
        with pytest.raises(DataError) as e:
            builtin.load("mnist")
        text = e.value.message(lang)
        assert e.value.code == "data.std_offline" and str(cache) in text
        assert all(name in text for name in MNIST_FILES)
    assert not cache.exists() or not any(cache.iterdir())


# -- files placed by hand: checked by format --------------------------------------------------------
def test_placed_files_are_read_without_the_network(monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for name, shape in (("mnist", (1, 28, 28)), ("fashion_mnist", (1, 28, 28)), ("kmnist", (1, 28, 28)),
                        ("cifar10", (3, 32, 32)), ("cifar100", (3, 32, 32))):
        ds = builtin.load(name)
        k = len(ds.class_names)
        assert ds.inputs["x"].shape == (N_TRAIN + N_TEST, *shape) and ds.inputs["x"].dtype == torch.float32
        assert ds.target.tolist() == [i % k for i in range(N_TRAIN)] + [(i + 100) % k for i in range(N_TEST)]
        assert ds.class_names == list(standard.SETS[name].class_names) == builtin.info(name).class_names
        # sample i's first pixel is (i + offset) / 255: training samples in order, then the test set (offset 100)
        assert round(float(ds.inputs["x"][N_TRAIN - 1, 0, 0, 0]) * 255) == N_TRAIN - 1
        assert round(float(ds.inputs["x"][N_TRAIN, 0, 0, 0]) * 255) == 100
    assert builtin.load("fashion_mnist").class_names[9] == "Ankle boot"
    assert builtin.load("cifar10").class_names[:2] == ["airplane", "automobile"]
    cifar100 = builtin.info("cifar100").class_names
    assert len(set(cifar100)) == 100 and cifar100 == sorted(cifar100) and cifar100[-1] == "worm"


def test_info_touches_neither_network_nor_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path / "nothing"))
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    info = builtin.info("cifar10")
    assert (info.sample_shape, info.num_classes, info.kind) == ((3, 32, 32), 10, "image")
    assert "170 MB" in info.description["en"] and not (tmp_path / "nothing").exists()


def _placed(tmp_path, monkeypatch, name="mnist") -> Path:
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return write_set(tmp_path, name)


def _refusal(name: str) -> DataError:
    with pytest.raises(DataError) as e:
        builtin.load(name)
    assert "Traceback" not in e.value.message()
    return e.value


def test_a_truncated_placed_file_is_a_message_naming_it(tmp_path, monkeypatch):
    where = _placed(tmp_path, monkeypatch)
    data = (where / "train-images-idx3-ubyte.gz").read_bytes()
    (where / "train-images-idx3-ubyte.gz").write_bytes(data[: len(data) // 2])
    err = _refusal("mnist")
    assert err.code == "data.std_corrupt" and "train-images-idx3-ubyte.gz" in err.message()


def test_a_header_that_announces_more_images_than_follow_is_refused(tmp_path, monkeypatch):
    where = _placed(tmp_path, monkeypatch)
    body = np.zeros((10, 28, 28), np.uint8).tobytes()
    with gzip.open(where / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, 20, 28, 28) + body)
    err = _refusal("mnist")
    assert "t10k-images-idx3-ubyte.gz" in err.message() and "7,840 bytes of values, the header announces 15,680" in err.message()


def test_a_labels_file_in_place_of_images_is_refused_by_its_magic_number(tmp_path, monkeypatch):
    where = _placed(tmp_path, monkeypatch)
    shutil.copy(where / "train-labels-idx1-ubyte.gz", where / "train-images-idx3-ubyte.gz")
    err = _refusal("mnist")
    assert "train-images-idx3-ubyte.gz" in err.message() and "0x801" in err.message()


def test_image_and_label_counts_must_agree(tmp_path, monkeypatch):
    where = _placed(tmp_path, monkeypatch)
    from runtime.data import idx
    idx.write(where / "t10k-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    err = _refusal("mnist")
    assert err.code == "data.std_counts" and "t10k-labels-idx1-ubyte.gz" in err.message()


def _rewrite_cifar(where: Path, members: dict[str, bytes]) -> None:
    import io
    with tarfile.open(where / "cifar-10-binary.tar.gz", "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _cifar_members(where: Path) -> dict[str, bytes]:
    with tarfile.open(where / "cifar-10-binary.tar.gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}


@pytest.mark.parametrize("change, words", [
    (lambda m: {**m, "cifar-10-batches-bin/../../evil.bin": b"x"}, "evil.bin"),
    (lambda m: {k: v for k, v in m.items() if not k.endswith("test_batch.bin")}, "test_batch.bin"),
    (lambda m: {**m, "cifar-10-batches-bin/data_batch_2.bin": m["cifar-10-batches-bin/data_batch_2.bin"][:-5]},
     "data_batch_2.bin"),
])
def test_a_cifar_archive_with_odd_or_missing_members_is_refused(tmp_path, monkeypatch, change, words):
    where = _placed(tmp_path, monkeypatch, "cifar10")
    _rewrite_cifar(where, change(_cifar_members(where)))
    err = _refusal("cifar10")
    assert err.code == "data.std_corrupt" and "cifar-10-binary.tar.gz" in err.message() and words in err.message()


def test_a_cifar_label_past_the_classes_is_refused(tmp_path, monkeypatch):
    where = _placed(tmp_path, monkeypatch, "cifar10")
    members = _cifar_members(where)
    batch = bytearray(members["cifar-10-batches-bin/test_batch.bin"])
    batch[0] = 10
    members["cifar-10-batches-bin/test_batch.bin"] = bytes(batch)
    _rewrite_cifar(where, members)
    assert "label 10" in _refusal("cifar10").message()


def test_the_cifar_reader_never_unpickles(monkeypatch, standard_sets_offline):
    import pickle
    monkeypatch.setattr(pickle, "load", no_network)
    monkeypatch.setattr(pickle, "loads", no_network)
    x_train, y_train, x_test, y_test = cifar_binary.read(standard_sets_offline / "cifar10" / "cifar-10-binary.tar.gz")
    assert x_train.shape == (N_TRAIN, 3, 32, 32) and x_test.dtype == np.uint8 and len(y_test) == N_TEST


# -- the official test split ------------------------------------------------------------------
def test_the_test_split_is_the_official_test_set_and_validation_comes_from_training():
    ds = builtin.load("mnist")
    parts = split(ds, val_fraction=0.25, test_fraction=0.3, seed=3)
    official = ds.inputs["x"][N_TRAIN:]
    assert torch.equal(parts.test.inputs["x"], official) and parts.preprocess["fixed_test"] == N_TEST
    assert len(parts.val) == round(0.25 * N_TRAIN) and len(parts.train) == N_TRAIN - len(parts.val)
    first_pixels = {round(float(v) * 255) for v in torch.cat([parts.train.inputs["x"], parts.val.inputs["x"]])[:, 0, 0, 0]}
    assert first_pixels == set(range(N_TRAIN))             # train + val: exactly the training part


# -- NPZ and the command line ------------------------------------------------------------------
def test_npz_keeps_cifar_images_as_bytes_and_reads_them_back_in_0_1(tmp_path):
    ds = builtin.load("cifar10")
    save_npz(ds, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as f:
        assert f["x"].dtype == np.uint8 and f["x"].shape == (N_TRAIN + N_TEST, 3, 32, 32)
    back = load_npz(str(tmp_path / "c.npz"))
    assert torch.equal(back.inputs["x"], ds.inputs["x"]) and back.fixed_test == N_TEST
    assert back.class_names == ds.class_names
    assert torch.equal(split(back, 0.2).test.inputs["x"], ds.inputs["x"][-N_TEST:])


def test_cli_saves_a_standard_set_with_a_progress_bar(served_mnist, tmp_path, capsys):
    assert runtime_cli(["data", "mnist", "--save", str(tmp_path / "m.npz")]) == 0
    captured = capsys.readouterr()
    assert "train-images-idx3-ubyte.gz [" in captured.err and "100%" in captured.err
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert f["x"].dtype == np.uint8 and json.loads(str(f["meta"]))["fixed_test"] == N_TEST


def test_cli_offline_is_a_message_not_a_traceback(served_mnist, capsys):
    served_mnist[0].__exit__()
    assert runtime_cli(["data", "mnist"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "t10k-labels-idx1-ubyte.gz" in err


def test_cli_trains_on_mnist_and_scores_the_official_test_set(tmp_path, capsys):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(chain(("Flatten", {}), ("Linear", {"out_features": 10}), input_shape=(1, 28, 28))))
    out = tmp_path / "run"
    assert runtime_cli(["train", str(graph), "--data", "mnist", "--epochs", "2", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["ok"] and summary["epochs"] == 2
    assert json.loads((out / "job.json").read_text())["config"]["data"] == "mnist"


def test_the_exported_script_reads_uint8_images_and_keeps_the_official_test_set(tmp_path):
    from test_export_script import load_script, run_in_process, write_script
    assert runtime_cli(["data", "mnist", "--save", str(tmp_path / "mnist.npz")]) == 0
    graph = chain(("Flatten", {}), ("Linear", {"out_features": 10}), input_shape=(1, 28, 28))
    script = write_script(tmp_path, graph, {"data": "mnist", "epochs": 1, "batch_size": 16})
    module = load_script(script)
    inputs, target = module.load_data(str(tmp_path / "mnist.npz"))
    assert torch.equal(inputs["x"], builtin.load("mnist").inputs["x"])     # bytes back to [0, 1] as the app reads them
    parts = module.prepare_data(inputs, target, seed=0)
    assert torch.equal(parts["test"][0][0].reshape(N_TEST, -1), inputs["x"][-N_TEST:].reshape(N_TEST, -1))
    assert run_in_process(script, "--data", tmp_path / "mnist.npz", "--steps", 2, "--out", tmp_path / "o")["steps"] == 2
