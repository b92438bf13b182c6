"""Splits, stratification, training-only statistics, the preprocess record, label noise."""
import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.data import DataError, DataSet, add_label_noise, apply_preprocess, load, split
from runtime.data.dataset import split_indices


def _toy(n: int, k: int, seed: int = 0) -> DataSet:
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % k
    return DataSet("toy", "tabular", "classification", {"x": torch.randn(n, 3, generator=g)}, y,
                   class_names=[str(i) for i in range(k)])


def test_split_sizes_and_disjoint_cover():
    ds = load("digits")
    tr, va, te = split_indices(ds, 0.2, 0.1, seed=0)
    assert (len(tr), len(va), len(te)) == (1797 - 359 - 180, 359, 180)
    allidx = torch.cat([tr, va, te])
    assert torch.equal(allidx.sort().values, torch.arange(1797))
    s = split(ds, 0.2, 0.1, seed=0)
    assert (len(s.train), len(s.val), len(s.test)) == (1258, 359, 180)
    assert split(ds, 0.2).test is None


def test_stratified_split_keeps_class_proportions():
    ds = load("wine")  # 59 / 71 / 48
    counts = torch.bincount(ds.target).tolist()
    s = split(ds, val_fraction=0.25, seed=1)
    val = torch.bincount(s.val.target, minlength=3).tolist()
    for c, v in zip(counts, val):
        assert abs(v - 0.25 * c) <= 1
    unstrat = [torch.bincount(split(ds, 0.25, seed=k, stratify=False).val.target, minlength=3).tolist()
               for k in range(20)]
    assert any(max(abs(v - 0.25 * c) for v, c in zip(row, counts)) > 1 for row in unstrat)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 400), k=st.integers(1, 6), val=st.floats(0.05, 0.5), test=st.floats(0.0, 0.3),
       seed=st.integers(0, 1000), stratify=st.booleans())
def test_split_property(n, k, val, test, seed, stratify):
    ds = _toy(n, k)
    if round(val * n) + round(test * n) >= n:
        return
    tr, va, te = split_indices(ds, val, test, seed, stratify)
    assert len(va) == max(1, round(val * n))
    assert len(te) == (max(1, round(test * n)) if test > 0 else 0)
    assert torch.equal(torch.cat([tr, va, te]).sort().values, torch.arange(n))
    assert torch.equal(split_indices(ds, val, test, seed, stratify)[1], va)


def test_bad_fractions_are_data_errors():
    ds = _toy(50, 2)
    for val, test in [(1.0, 0.0), (0.6, 0.5), (-0.1, 0.0), (float("nan"), 0.0)]:
        with pytest.raises(DataError) as e:
            split(ds, val, test)
        assert e.value.code == "data.split_fraction"
    with pytest.raises(DataError) as e:
        split(_toy(1, 1), 0.5)
    assert e.value.code == "data.too_few_samples"


def test_normalisation_statistics_come_from_training_split_only():
    ds = load("iris")
    tr_idx, va_idx, _ = split_indices(ds, 0.3, 0.0, seed=2)
    s = split(ds, 0.3, seed=2)
    raw_train = ds.inputs["x"][tr_idx].double().numpy()
    rec = s.preprocess["normalize"]["x"]
    assert np.allclose(rec["mean"], raw_train.mean(0))
    assert np.allclose(rec["std"], raw_train.std(0))
    assert torch.allclose(s.train.inputs["x"].mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(s.train.inputs["x"].std(0, unbiased=False), torch.ones(4), atol=1e-4)
    val_mean = s.val.inputs["x"].mean(0)
    assert (val_mean.abs() > 1e-4).any()  # not re-centred on its own statistics
    expect_val = (ds.inputs["x"][va_idx].double().numpy() - raw_train.mean(0)) / raw_train.std(0)
    assert np.allclose(s.val.inputs["x"].numpy(), expect_val, atol=1e-5)
    json.dumps(s.preprocess)  # JSON-serialisable
    assert torch.equal(ds.inputs["x"], load("iris").inputs["x"])  # the source set is untouched


def test_images_stay_in_unit_range_unless_asked():
    s = split(load("digits"), 0.2)
    assert s.preprocess["normalize"] == {}
    assert float(s.train.inputs["x"].min()) == 0.0 and float(s.train.inputs["x"].max()) == 1.0
    s2 = split(load("digits"), 0.2, normalize=True)
    rec = s2.preprocess["normalize"]["x"]
    assert rec["shape"] == [1, 1, 1] and rec["axes"] == [0, 2, 3] and len(rec["mean"]) == 1
    assert abs(float(s2.train.inputs["x"].mean())) < 1e-4


def test_sequence_statistics_are_per_feature():
    ds = load("sine", n_samples=300)
    s = split(ds, 0.2, normalize=True)
    rec = s.preprocess["normalize"]["x"]
    assert rec["shape"] == [1, 1] and rec["axes"] == [0, 1]


def test_apply_preprocess_reproduces_the_validation_inputs():
    ds = load("wine")
    _, va_idx, _ = split_indices(ds, 0.2, 0.0, seed=5)
    s = split(ds, 0.2, seed=5)
    record = json.loads(json.dumps(s.preprocess))  # as stored in a checkpoint
    out = apply_preprocess(record, ds.inputs["x"][va_idx].numpy())
    assert torch.allclose(out["x"], s.val.inputs["x"], atol=1e-5)
    one = apply_preprocess(record, ds.inputs["x"][va_idx[0]].tolist())  # one sample, no batch dim
    assert one["x"].shape == (1, 13)
    with pytest.raises(DataError) as e:
        apply_preprocess(record, np.zeros((2, 5)))
    assert e.value.code == "data.input_shape" and "(13,)" in e.value.message()
    assert record["class_names"] == ds.class_names


def test_apply_preprocess_tokenises_text():
    s = split(load("sentiment", n_samples=200), 0.2)
    out = apply_preprocess(s.preprocess, ["I didn't like the plot", "wonderful zzzz"])
    ids = out["x"]
    vocab = s.preprocess["vocab"]
    assert ids.shape == (2, 16) and ids.dtype == torch.int64
    assert [vocab[i] for i in ids[0].tolist() if i] == ["i", "did", "not", "like", "the", "plot"]
    assert ids[1, -1].item() == 1 and vocab[ids[1, -2]] == "wonderful"  # unknown word -> <unk>


def test_regression_target_standardisation_is_recorded_and_invertible():
    from runtime.data import invert_target
    ds = load("diabetes")
    s = split(ds, 0.2, seed=0)
    rec = s.preprocess["target"]
    assert rec is not None and abs(float(s.train.target.mean())) < 1e-4
    back = invert_target(s.preprocess, s.val.target)
    tr, va, _ = split_indices(ds, 0.2, 0.0, seed=0)
    assert torch.allclose(back, ds.target[va], atol=1e-3)
    assert split(load("sine", n_samples=100), 0.2).preprocess["target"] is None


def test_label_noise_flips_exactly_the_fraction_of_training_labels():
    s = split(load("digits"), 0.2, seed=0)
    noisy = add_label_noise(s, 0.25, seed=7)
    changed = noisy.train.target != s.train.target
    assert int(changed.sum()) == round(0.25 * len(s.train))
    assert torch.equal(noisy.val.target, s.val.target)  # validation labels never touched
    assert torch.equal(noisy.train.inputs["x"], s.train.inputs["x"])
    assert int(noisy.train.target.max()) < 10 and int(noisy.train.target.min()) >= 0
    again = add_label_noise(s, 0.25, seed=7)
    assert torch.equal(again.train.target, noisy.train.target)
    assert torch.equal(add_label_noise(s.train, 0.0, seed=1).target, s.train.target)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 300), k=st.integers(2, 5), frac=st.floats(0.0, 1.0), seed=st.integers(0, 99))
def test_label_noise_property(n, k, frac, seed):
    ds = _toy(n, k)
    noisy = add_label_noise(ds, frac, seed)
    changed = noisy.target != ds.target
    assert int(changed.sum()) == round(frac * n)  # every chosen label moves to another class
    assert int(noisy.target.min()) >= 0 and int(noisy.target.max()) < k


def test_label_noise_refuses_regression_and_bad_fraction():
    with pytest.raises(DataError) as e:
        add_label_noise(load("diabetes"), 0.1)
    assert e.value.code == "data.noise_not_classification"
    with pytest.raises(DataError) as e:
        add_label_noise(load("iris"), 1.5)
    assert e.value.code == "data.noise_fraction"


@pytest.mark.parametrize("name", ["digits", "iris", "diabetes", "moons", "gaussian_mixture", "sine", "parity",
                                  "sentiment", "ratings", "dna", "shapes"])
def test_every_kind_splits_and_replays_through_its_record(name):
    from runtime.data import builtin
    opts = {} if name in ("digits", "iris", "diabetes") else {"n_samples": 300}
    ds = load(name, **opts)
    s = split(ds, 0.2, seed=0, normalize=True)
    record = json.loads(json.dumps(s.preprocess))
    _, va, _ = split_indices(ds, 0.2, 0.0, seed=0)
    out = apply_preprocess(record, {k: v[va].numpy() for k, v in ds.inputs.items()})
    assert set(out) == set(ds.inputs)
    for k, x in out.items():
        assert x.dtype == s.val.inputs[k].dtype
        assert torch.allclose(x.float(), s.val.inputs[k].float(), atol=1e-5)
    for k, x in ds.inputs.items():
        assert (k in record["normalize"]) == x.is_floating_point()
    assert builtin.info(name).input_shapes == {k: tuple(v["shape"]) for k, v in record["inputs"].items()}


def test_inconsistent_data_set_is_a_data_error():
    with pytest.raises(DataError) as e:
        DataSet("bad", "tabular", "classification", {"x": torch.zeros(4, 2)}, torch.zeros(5, dtype=torch.int64))
    assert e.value.code == "data.inconsistent"
