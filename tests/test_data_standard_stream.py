"""A standard set streamed from disk ("Stream from disk", data option ``stream``): unpacked once into the
cache folder, memory-mapped, decoded batch by batch in workers; it trains exactly as the set in memory."""
from __future__ import annotations

import pytest

from builder import templates
from runtime.config import TrainConfig
from runtime.data import standard
from runtime.train import train


def _run(data: str, **options):
    # no augmentation (CIFAR's default crop and flip): the two runs would draw different random streams
    cfg = TrainConfig(data=data, data_options=options, epochs=2, batch_size=16, monitor=False, seed=0, augment={})
    return train(cfg, templates.load("lenet5" if data == "mnist" else "vgg11_cifar"))


@pytest.mark.parametrize("data", ["mnist", "cifar10"])
def test_a_streamed_standard_set_trains_exactly_as_in_memory(data):
    streamed, s_summary = _run(data, stream=True)
    in_memory, m_summary = _run(data)
    assert type(streamed.data.train).__name__ == "StreamSplit" and type(in_memory.data.train).__name__ == "Split"
    assert isinstance(streamed.data.train.dataset.images, __import__("numpy").memmap)    # read from disk
    assert streamed.data.preprocess == in_memory.data.preprocess
    assert len(streamed.data.test) == len(in_memory.data.test) == standard.unpacked_arrays(data)[2]
    for a, b in zip(streamed.history, in_memory.history):
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-5)
    assert s_summary["test_acc"] == pytest.approx(m_summary["test_acc"])


def test_the_unpacked_arrays_follow_the_files(tmp_path, monkeypatch):
    """Unpacked once; a changed download (another size or time) is unpacked again, never read stale."""
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from standard_files import N_TEST, N_TRAIN, write_set
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path))
    write_set(tmp_path, "mnist")
    images, labels, n_test = standard.unpacked_arrays("mnist")
    assert images.shape == (N_TRAIN + N_TEST, 1, 28, 28) and len(labels) == N_TRAIN + N_TEST and n_test == N_TEST
    first = (tmp_path / "mnist" / "unpacked" / "images.npy").stat().st_mtime_ns
    standard.unpacked_arrays("mnist")
    assert (tmp_path / "mnist" / "unpacked" / "images.npy").stat().st_mtime_ns == first      # not unpacked again
    import os
    os.utime(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", ns=(1, 1))
    standard.unpacked_arrays("mnist")
    assert (tmp_path / "mnist" / "unpacked" / "images.npy").stat().st_mtime_ns != first


def test_stream_is_an_option_of_the_standard_sets_only():
    from runtime.config import ConfigError
    from runtime.prepare import prepare
    with pytest.raises(ConfigError) as err:
        prepare(TrainConfig(data="digits", data_options={"stream": True}), templates.load("digits_cnn"))
    assert "stream" in err.value.message()


def test_the_command_line_streams_a_standard_set(tmp_path, capsys):
    import json
    from pathlib import Path
    from runtime.__main__ import main
    from tests.inproc import run_main
    root = Path(__file__).resolve().parents[1]
    out = run_main(main, ["train", root / "builder/templates/lenet5.json", "--data", "mnist", "--data-option",
                          "stream=true", "--epochs", "1", "--json", "--out", tmp_path / "run"], capsys)
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert out.returncode == 0 and summary["ok"] and "test_acc" in summary, out.stderr[-2000:]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["data_options"] == {"stream": True}


def test_the_preview_of_a_streamed_set_reads_its_labels_and_a_few_images_not_the_whole_set(tmp_path, monkeypatch):
    """The Data page with "Stream from disk" on: the class balance, the split sizes and the sample grid are
    those of the set in memory, made from the unpacked arrays without reading the whole set."""
    import numpy as np
    from standard_files import N_TEST, N_TRAIN, write_set
    from ui.data_view import builtin_view, split_sizes
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path))
    write_set(tmp_path, "cifar10")
    in_memory = builtin_view("cifar10")
    standard.unpacked_arrays("cifar10")       # the first streamed use unpacks the files, once

    def whole_set(*_args, **_kwargs):
        raise AssertionError("the whole set was read")
    monkeypatch.setattr(standard, "read_arrays", whole_set)
    streamed = builtin_view("cifar10", {"stream": True})
    assert streamed.n == in_memory.n == N_TRAIN + N_TEST and streamed.fixed_test == in_memory.fixed_test == N_TEST
    assert np.array_equal(streamed.labels, in_memory.labels)                       # the class balance
    assert split_sizes(streamed, 0.2) == split_sizes(in_memory, 0.2)
    assert np.array_equal(streamed.sample_index, in_memory.sample_index)
    assert np.allclose(streamed.samples["x"], in_memory.samples["x"])              # the same images shown
    assert streamed.description == in_memory.description
