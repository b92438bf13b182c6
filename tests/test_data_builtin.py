"""Built-in data sets: shapes, dtypes, classes, value ranges, determinism, and each set's
defining property checked independently of the generator."""
import time

import numpy as np
import pytest
import torch
from sklearn import datasets as sklearn_datasets

from builder.i18n import TEXT
from runtime.data import DataError, builtin, list_builtin, load
from runtime.data.dataset import KINDS, TASKS

# name -> (input shapes, input dtypes, task, number of classes, number of samples)
EXPECTED = {
    "digits": ({"x": (1, 8, 8)}, torch.float32, "classification", 10, 1797),
    "iris": ({"x": (4,)}, torch.float32, "classification", 3, 150),
    "wine": ({"x": (13,)}, torch.float32, "classification", 3, 178),
    "breast_cancer": ({"x": (30,)}, torch.float32, "classification", 2, 569),
    "diabetes": ({"x": (10,)}, torch.float32, "regression", None, 442),
    "moons": ({"x": (2,)}, torch.float32, "classification", 2, 1000),
    "circles": ({"x": (2,)}, torch.float32, "classification", 2, 1000),
    "spirals": ({"x": (2,)}, torch.float32, "classification", 2, 1000),
    "xor": ({"x": (2,)}, torch.float32, "classification", 2, 1000),
    "blobs": ({"x": (2,)}, torch.float32, "classification", 3, 1000),
    "gaussian_mixture": ({"x": (2,)}, torch.float32, "unsupervised", None, 2000),
    "sine": ({"x": (20, 1)}, torch.float32, "regression", None, 2000),
    "parity": ({"x": (20, 1)}, torch.float32, "classification", 2, 4000),
    "sentiment": ({"x": (16,)}, torch.int64, "classification", 2, 4000),
    "ratings": ({"user": (1,), "item": (1,)}, torch.int64, "regression", None, 5000),
    "dna": ({"x": (4, 64)}, torch.float32, "classification", 2, 2000),
    "shapes": ({"x": (1, 28, 28)}, torch.float32, "classification", 5, 3000),
}
GENERATED = ["moons", "circles", "spirals", "xor", "blobs", "gaussian_mixture", "sine", "parity",
             "sentiment", "ratings", "dna", "shapes"]


def test_every_expected_set_is_listed_with_descriptions():
    infos = {i.name: i for i in list_builtin()}
    assert set(EXPECTED) <= set(infos)
    for info in infos.values():
        assert info.kind in KINDS and info.task in TASKS
        assert info.description["en"].strip() and info.description["zh"].strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in info.description["zh"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_dtypes_and_classes(name):
    shapes, dtype, task, k, n = EXPECTED[name]
    t0 = time.perf_counter()
    ds = load(name)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, f"{name} took {elapsed:.2f}s"  # < 1 s on an idle machine
    assert ds.task == task and len(ds) == n
    assert ds.sample_shapes() == shapes
    for x in ds.inputs.values():
        assert x.dtype == dtype and x.shape[0] == n
        if x.is_floating_point():
            assert torch.isfinite(x).all()
    if task == "classification":
        assert ds.target.dtype == torch.int64 and ds.target.shape == (n,)
        assert ds.num_classes == k == len(ds.class_names)
        assert set(ds.target.unique().tolist()) == set(range(k))
    elif task == "regression":
        assert ds.target.dtype == torch.float32 and ds.target.dim() == 2 and ds.target.shape[0] == n
    else:
        assert ds.target is None
    info = builtin.info(name)
    assert info.input_shapes == shapes and info.num_classes == k and info.task == task
    assert info.sample_shape == shapes.get("x", next(iter(shapes.values())))


@pytest.mark.parametrize("name", GENERATED)
def test_deterministic_by_seed(name):
    a, b, c = load(name, seed=3), load(name, seed=3), load(name, seed=4)
    for key in a.inputs:
        assert torch.equal(a.inputs[key], b.inputs[key])
    if a.target is not None:
        assert torch.equal(a.target, b.target)
    assert any(not torch.equal(a.inputs[k], c.inputs[k]) for k in a.inputs)


def test_digits_are_sklearn_digits_scaled_to_unit_range():
    ds = load("digits")
    x = ds.inputs["x"]
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    raw = sklearn_datasets.load_digits()
    assert np.allclose(x[:, 0].numpy() * 16.0, raw.images)
    assert np.array_equal(ds.target.numpy(), raw.target)
    assert ds.normalize is False


def test_sklearn_tables_match_their_source():
    for name, loader in [("iris", sklearn_datasets.load_iris), ("wine", sklearn_datasets.load_wine), ("breast_cancer", sklearn_datasets.load_breast_cancer)]:
        ds, raw = load(name), loader()
        assert np.allclose(ds.inputs["x"].numpy(), raw.data, rtol=1e-6)
        assert ds.class_names == list(raw.target_names)
        assert ds.feature_names == list(raw.feature_names)
    ds = load("diabetes")
    assert np.allclose(ds.target[:, 0].numpy(), sklearn_datasets.load_diabetes().target)


def test_noise_free_plane_sets_have_their_geometry():
    moons = load("moons", noise=0.0)
    x, y = moons.inputs["x"].numpy() + [0.5, 0.25], moons.target.numpy()
    # class 0: upper unit half circle around (0, 0); class 1: lower one around (1, 0.5)
    assert np.allclose(np.hypot(x[y == 0, 0], x[y == 0, 1]), 1.0, atol=1e-5)
    assert np.allclose(np.hypot(x[y == 1, 0] - 1, x[y == 1, 1] - 0.5), 1.0, atol=1e-5)
    circles = load("circles", noise=0.0)
    r = np.hypot(*circles.inputs["x"].numpy().T)
    assert np.allclose(r[circles.target.numpy() == 0], 1.0, atol=1e-5)
    assert np.allclose(r[circles.target.numpy() == 1], 0.5, atol=1e-5)
    xor = load("xor", noise=0.0)
    xy = xor.inputs["x"].numpy()
    assert np.array_equal(xor.target.numpy(), (xy[:, 0] * xy[:, 1] > 0).astype(int))
    spirals = load("spirals", noise=0.0)
    assert np.abs(spirals.inputs["x"].numpy()).max() <= 1.0 + 1e-6


def test_noise_option_spreads_points():
    tight = load("blobs", noise=0.05)
    loose = load("blobs", noise=0.5)
    def spread(ds):
        x, y = ds.inputs["x"], ds.target
        return float(torch.stack([x[y == c].std(0).mean() for c in range(3)]).mean())
    assert spread(tight) < 0.1 < 0.3 < spread(loose)


def test_parity_labels_count_ones():
    ds = load("parity", seq_len=12, n_samples=500)
    x = ds.inputs["x"]
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(ds.target, x.sum(dim=(1, 2)).long() % 2)
    assert 0.4 < ds.target.float().mean() < 0.6


def test_sine_target_continues_the_wave():
    ds = load("sine", noise=0.0, n_samples=200)
    x = ds.inputs["x"][:, :, 0].double()
    # a sampled sinusoid obeys s[t+1] = c * s[t] - s[t-1] with c = 2 cos(omega): fit c per window
    prev, cur, nxt = x[:, :-2], x[:, 1:-1], x[:, 2:]
    c = ((nxt + prev) * cur).sum(1) / (cur * cur).sum(1)
    predicted = c * x[:, -1] - x[:, -2]
    assert torch.allclose(predicted, ds.target[:, 0].double(), atol=1e-4)


def test_dna_label_is_motif_presence():
    ds = load("dna", n_samples=300, seq_len=40, motif="GATTACA")
    x = ds.inputs["x"]
    assert torch.equal(x.sum(1), torch.ones(300, 40))  # one-hot over A, C, G, T
    seqs = ["".join("ACGT"[i] for i in row) for row in x.argmax(1).tolist()]
    assert [int("GATTACA" in s) for s in seqs] == ds.target.tolist()


def test_sentiment_tokens_and_simple_sentences():
    ds = load("sentiment", n_samples=600)
    from runtime.data.text import NEGATIVE, POSITIVE, decode
    assert ds.vocab[0] == "<pad>" and ds.vocab[1] == "<unk>" and len(ds.vocab) <= 256
    ids = ds.inputs["x"]
    assert int(ids.min()) >= 0 and int(ids.max()) < len(ds.vocab)
    assert (ids[:, -1] != 0).all()  # padded before the words
    checked = 0
    for row, label in zip(ids.tolist(), ds.target.tolist()):
        words = decode(row, ds.vocab).split()
        if any(w in words for w in ("not", "never", "hardly", "but", "and")):
            continue
        pos = any(w in POSITIVE for w in words) or any(w in words for w in ("loved", "enjoyed", "liked",
                                                                           "adored", "admired"))
        neg = any(w in NEGATIVE for w in words)
        if pos != neg:
            assert label == int(pos), " ".join(words)
            checked += 1
    assert checked > 50


def test_ratings_ids_and_range():
    ds = load("ratings")
    assert int(ds.inputs["user"].max()) < 100 and int(ds.inputs["item"].max()) < 200
    pairs = set(zip(ds.inputs["user"][:, 0].tolist(), ds.inputs["item"][:, 0].tolist()))
    assert len(pairs) == len(ds)
    assert float(ds.target.min()) >= 1.0 and float(ds.target.max()) <= 5.0
    assert float(ds.target.std()) > 0.5


def test_shapes_images_stay_inside_the_frame():
    ds = load("shapes", n_samples=200, size=32)
    x = ds.inputs["x"]
    assert x.shape == (200, 1, 32, 32)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    border = torch.cat([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], dim=-1)
    assert float(border.max()) == 0.0
    ink = x.sum(dim=(1, 2, 3))
    assert (ink > 10).all()
    ring, circle = ds.class_names.index("ring"), ds.class_names.index("circle")
    # a ring leaves its centre empty: less ink than a disc on average
    assert ink[ds.target == ring].mean() < ink[ds.target == circle].mean()


def test_gaussian_mixture_ring_and_line():
    ds = load("gaussian_mixture")
    r = ds.inputs["x"].norm(dim=1)
    assert abs(float(r.mean()) - 2.0) < 0.05
    one = load("gaussian_mixture", dim=1, components=3, std=0.05)
    assert one.sample_shapes() == {"x": (1,)} and one.target is None
    centres = torch.tensor([-2.0, 0.0, 2.0])
    assert ((one.inputs["x"] - centres).abs().min(dim=1).values < 0.3).all()


def test_unknown_name_and_bad_options_are_data_errors():
    with pytest.raises(DataError) as e:
        load("imagenet")
    assert e.value.code == "data.unknown_builtin" and "digits" in e.value.message()
    with pytest.raises(DataError) as e:
        load("moons", colour=3)
    assert e.value.code == "data.bad_option"
    with pytest.raises(DataError) as e:
        load("moons", n_samples=10**9)
    assert e.value.code == "data.option_range"
    with pytest.raises(DataError) as e:
        load("moons", n_samples=1.5)
    assert e.value.code == "data.bad_option"
    with pytest.raises(DataError) as e:
        load("dna", motif="HELLO")
    assert e.value.code == "data.bad_motif"
    for err in ("data.unknown_builtin", "data.bad_option", "data.option_range", "data.bad_motif"):
        assert TEXT[err]["zh"] and TEXT[err]["en"]


def test_options_change_sizes():
    assert load("shapes", size=16, n_samples=50).sample_shapes() == {"x": (1, 16, 16)}
    assert load("sine", seq_len=30, n_samples=50).sample_shapes() == {"x": (30, 1)}
    assert len(load("moons", n_samples=123)) == 123
    assert load("blobs", centers=5).num_classes == 5


def test_runtime_data_never_imports_streamlit():
    from pathlib import Path
    import runtime.data
    for path in Path(runtime.data.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, path


def test_every_data_message_has_both_languages_with_the_same_fields():
    import string
    keys = [k for k in TEXT if k.startswith("data.")]
    assert len(keys) > 40
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for k in keys:
        en, zh = TEXT[k]["en"], TEXT[k]["zh"]
        assert en and zh and en != zh, k
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), k
        assert fields(en) == fields(zh), k


def test_saved_npz_reads_with_plain_numpy(tmp_path):
    import json as _json
    from runtime.data import save_npz
    save_npz(load("digits"), tmp_path / "d.npz")
    with np.load(tmp_path / "d.npz", allow_pickle=False) as f:
        assert f["x"].shape == (1797, 1, 8, 8) and f["y"].dtype == np.int64
        assert _json.loads(str(f["meta"]))["class_names"][:2] == ["0", "1"]


def test_to_device_keeps_everything():
    ds = load("ratings").to("cpu")
    assert set(ds.inputs) == {"user", "item"} and ds.target.device.type == "cpu"


def test_sklearn_files_and_sklearn_loaders_agree(monkeypatch, tmp_path):
    from runtime.data import sklearn_sets
    direct = {n: sklearn_sets._read(n, sklearn_sets._data_dir()) for n in sklearn_sets.FEATURES}
    direct["digits"] = sklearn_sets._read("digits", sklearn_sets._data_dir())
    for name, (x, y, names) in direct.items():
        fx, fy, fnames = sklearn_sets._from_sklearn(name)
        assert np.allclose(x, fx) and np.allclose(y, fy) and names == fnames, name
    for name in sklearn_sets.FEATURES:
        if name != "diabetes":
            assert sklearn_sets.FEATURES[name] == [str(f) for f in getattr(sklearn_datasets, f"load_{name}")().feature_names]
    sklearn_sets.load.cache_clear()
    monkeypatch.setattr(sklearn_sets, "_data_dir", lambda: tmp_path)  # files missing: the fallback
    try:
        assert torch.equal(load("iris").inputs["x"], torch.tensor(sklearn_datasets.load_iris().data, dtype=torch.float32))
    finally:
        sklearn_sets.load.cache_clear()
