"""The Data page's logic without a browser: data views, split sizes, option and augmentation
settings, the fit check (checked against runtime.prepare itself) and upload handling."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from builder import templates
from builder.i18n import TEXT, translate
from runtime.config import ConfigError, TrainConfig
from runtime.data import DataError, add_label_noise, builtin, split
from runtime.prepare import prepare
from ui import data_upload
from ui import data_view
from ui.data_fit import HINTS, fit_check
from ui.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
GOOD_CSV = b"sepal,petal,colour,species\n" + b"\n".join(
    f"{i % 7 + 1},{i % 5 + 0.5},{'red' if i % 2 else 'blue'},{'abc'[i % 3]}".encode() for i in range(60))
ONE_CLASS_CSV = b"a,b,label\n1,2,x\n3,4,x\n5,6,x\n"
BINARY_CSV = b"a,b\n1,2\n\x00\x01\x02\x00"


@pytest.fixture(scope="module")
def views():
    return {name: data_view.builtin_view(name) for name in
            ("digits", "iris", "moons", "sentiment", "ratings", "dna", "parity", "sine", "gaussian_mixture",
             "diabetes", "shapes")}


# ----------------------------------------------------------------------------- views

def test_image_preview_takes_the_classes_in_turn(views):
    v = views["digits"]
    assert v.is_image and v.n == 1797 and v.sample_shape == (1, 8, 8)
    assert [v.label_text(x) for x in v.sample_targets[:12]] == [str(i) for i in range(10)] + ["0", "1"]
    assert v.samples["x"].shape == (24, 1, 8, 8) and v.augment_samples.shape == (8, 1, 8, 8)
    assert sum(v.class_counts().values()) == 1797


def test_probe_holds_the_extreme_token_ids(views):
    v = views["sentiment"]
    full = builtin.load("sentiment").inputs["x"]
    probe = v.probe.inputs["x"]
    assert int(probe.max()) == int(full.max()) and int(probe.min()) == int(full.min())
    assert len(v.probe) <= data_view.PROBE_SAMPLES + 2


def test_large_point_sets_are_subsampled_for_the_scatter_plot():
    v = data_view.builtin_view("moons", {"n_samples": 5000})
    assert v.n == 5000 and len(v.points) == data_view.PREVIEW_POINTS and len(v.point_labels) == data_view.PREVIEW_POINTS


def test_regression_and_unlabelled_sets(views):
    assert views["diabetes"].targets is not None and views["diabetes"].labels is None
    assert views["gaussian_mixture"].task == "unsupervised" and views["gaussian_mixture"].points.shape[1] == 2
    assert views["gaussian_mixture"].class_counts() == {}


def test_large_images_are_shrunk_for_display_only():
    v = data_view.builtin_view("shapes", {"n_samples": 40, "size": 64})
    assert v.samples["x"].shape[-1] == data_view.DISPLAY_SIDE
    assert v.augment_samples.shape[-1] == 64 and v.sample_shape == (1, 64, 64)


def test_text_table_and_dna_helpers(views):
    rows = data_view.text_rows(views["sentiment"])
    assert len(rows) == data_view.PREVIEW_TEXTS and "<pad>" not in rows[0]["text"] and rows[0]["label"] in ("negative", "positive")
    frame = data_view.table_frame(views["iris"])
    assert list(frame.columns) == builtin.load("iris").feature_names + ["target"]
    assert frame.shape[1] == 5 and set(frame["target"]) <= {"setosa", "versicolor", "virginica"}
    ratings = data_view.table_frame(views["ratings"])
    assert list(ratings.columns) == ["user", "item", "target"]
    x = np.eye(4)[[2, 0, 3]].T
    x[:, 1] = 0
    assert data_view.dna_letters(x) == "GNT"
    assert data_view.fmt_shape((1, 8, 8)) == "1×8×8" and data_view.fmt_shape(()) == "1"


# ----------------------------------------------------------------------------- splits and label noise

@pytest.mark.parametrize("name,val,test", [("digits", 0.2, 0.0), ("iris", 0.3, 0.1), ("moons", 0.05, 0.0),
                                           ("diabetes", 0.25, 0.15), ("gaussian_mixture", 0.1, 0.0)])
def test_split_sizes_are_exactly_what_training_gets(views, name, val, test):
    sizes = data_view.split_sizes(views[name], val, test)
    parts = split(builtin.load(name), val_fraction=val, test_fraction=test, seed=0)
    assert (sizes["train"], sizes["val"], sizes["test"]) == (
        len(parts.train), len(parts.val), len(parts.test) if parts.test is not None else 0)
    if sizes["per_class"]:
        for key, part in (("train", parts.train), ("val", parts.val)):
            expect = np.bincount(part.target.numpy(), minlength=len(views[name].class_names)).tolist()
            assert sizes["per_class"][key] == expect


def test_impossible_split_is_a_message(views):
    with pytest.raises(DataError) as err:
        data_view.split_sizes(views["iris"], 0.6, 0.5)
    assert err.value.code == "data.split_fraction"


def test_flipped_label_count_matches_the_runtime(views):
    parts = split(builtin.load("digits"), val_fraction=0.2, seed=0)
    noisy = add_label_noise(parts.train, 0.15, seed=0)
    assert data_view.flipped_labels(len(parts.train), 0.15) == int((noisy.target != parts.train.target).sum())


# ----------------------------------------------------------------------------- options and augmentation

def test_option_specs_and_clean_options():
    keys = [s.key for s in data_view.option_specs("moons")]
    assert keys == ["n_samples", "noise", "seed"]
    assert data_view.option_specs("digits") == []
    motif = {s.key: s for s in data_view.option_specs("dna")}["motif"]
    assert motif.widget == "text" and motif.default == "TATAAT"
    assert data_view.clean_options("moons", {"n_samples": 1000, "noise": 0.25, "seed": 0}) == {"noise": 0.25}
    assert data_view.clean_options("moons", {"bogus": 1}) == {}
    for spec in data_view.option_specs("ratings"):
        assert spec.low <= spec.default <= spec.high


def test_bad_builtin_option_is_a_data_error():
    with pytest.raises(DataError) as err:
        data_view.builtin_view("dna", {"motif": "HELLO"})
    assert err.value.code == "data.bad_motif"


def test_clean_augment_keeps_only_what_is_on():
    assert data_view.clean_augment({"rotation": 0.0, "noise": 0.0, "padding": "border"}) == {}
    assert data_view.clean_augment({"rotation": 15.0, "hflip": 0.0, "padding": "zeros"}) == {"rotation": 15.0}
    assert data_view.clean_augment({"crop": 0.2, "padding": "reflection"}) == {"crop": 0.2, "padding": "reflection"}
    with pytest.raises(DataError):
        data_view.clean_augment({"rotation": 500.0})
    assert all(a.step and a.lo <= a.step <= a.hi for a in data_view.AUGMENTATIONS)     # every slider can move


def test_augment_preview(views):
    before, after = data_view.augment_preview(views["digits"], {"rotation": 90.0}, seed=1)
    assert before.shape == after.shape == (8, 1, 8, 8)
    assert np.allclose(before, views["digits"].augment_samples) and not np.allclose(before, after)
    same = data_view.augment_preview(views["digits"], {}, seed=1)
    assert np.allclose(same[0], same[1])
    assert data_view.augment_preview(views["iris"], {"rotation": 90.0}) is None


# ----------------------------------------------------------------------------- the fit check

def _mlp(in_shape, out=10, in_dtype=None):
    params = {"shape": list(in_shape)}
    if in_dtype:
        params["dtype"] = in_dtype
    return {"format": "netcanvas.graph", "version": 1, "name": "tiny",
            "nodes": [{"id": "x", "type": "Input", "params": params},
                      {"id": "flat", "type": "Flatten", "params": {}},
                      {"id": "fc", "type": "Linear", "params": {"out_features": out}},
                      {"id": "y", "type": "Output", "params": {}}],
            "edges": [{"source": "x", "target": "flat"}, {"source": "flat", "target": "fc"},
                      {"source": "fc", "target": "y"}]}


def test_default_graph_with_iris_does_not_fit_and_names_both_shapes(views):
    fit = fit_check(views["iris"], templates.load("digits_cnn"))
    assert fit.status == "no_fit" and fit.error.code == "data.bind_shape"
    msg = fit.error.message("en")
    assert "(4,)" in msg and "(1, 8, 8)" in msg and "iris" in msg
    hint = translate(fit.hint_key, "en", **fit.hint_args())
    assert "4" in hint and "1×8×8" in hint
    assert "(4,)" in fit.error.message("zh")


def test_default_graph_fits_digits(views):
    fit = fit_check(views["digits"], templates.load("digits_cnn"))
    assert fit.ok and fit.mode == "classification"
    assert fit.bindings == [{"input": "x", "source": "x", "from": [1, 8, 8], "to": [1, 8, 8]}]
    assert fit.output == {"name": "y", "shape": [10], "classes": 10}


def test_fit_reports_the_reshape(views):
    fit = fit_check(views["digits"], _mlp([64]))
    assert fit.ok and fit.bindings[0]["from"] == [1, 8, 8] and fit.bindings[0]["to"] == [64]


def test_class_count_mismatch(views):
    fit = fit_check(views["iris"], _mlp([4], out=10))
    assert fit.status == "no_fit" and fit.error.code == "train.classes_mismatch"
    assert "3" in fit.error.message("en") and fit.hint_args()["classes"] == 3


def test_invalid_graph_is_its_own_status(views):
    doc = _mlp([64])
    doc["edges"] = doc["edges"][:1]
    fit = fit_check(views["digits"], doc)
    assert fit.status == "graph_invalid" and fit.n_graph_errors >= 1


def test_gan_generator_is_checked_through_its_discriminator(views):
    gen, disc = templates.load("gan_generator"), templates.load("gan_discriminator")
    assert fit_check(views["digits"], gen, [disc]).ok
    lonely = fit_check(views["digits"], gen, [])
    assert lonely.error.code == "train.gan_needs_discriminator" and lonely.hint_key == "datapage.hint.gan"
    assert fit_check(views["digits"], disc, [gen]).ok
    assert fit_check(views["iris"], disc, [gen]).error.code == "data.bind_shape"


PAIRS = [("digits_cnn", "digits"), ("digits_cnn", "iris"), ("digits_cnn", "sentiment"), ("digits_cnn", "ratings"),
         ("perceptron", "iris"), ("perceptron", "moons"), ("text_lstm", "sentiment"), ("text_lstm", "digits"),
         ("recommender", "ratings"), ("dna_motif", "dna"), ("lstm_sequence", "parity"), ("lstm_sequence", "sine"),
         ("autoencoder", "digits"), ("vae", "digits"), ("vae", "iris"), ("resnet_small", "shapes"),
         ("lenet5", "shapes")]


@pytest.mark.parametrize("tpl,data", PAIRS)
def test_fit_check_agrees_with_prepare(views, tpl, data):
    """The page's instant answer (on a probe) is the trainer's answer (on all the data)."""
    doc = templates.load(tpl)
    fit = fit_check(views[data], doc)
    try:
        prepare(TrainConfig(data=data, epochs=1), doc)
        expected = None
    except ConfigError as exc:
        expected = exc.code
    assert (fit.error.code if fit.error is not None else None) == expected


def test_text_model_with_too_small_embedding(views):
    doc = templates.load("text_lstm")
    emb = next(n for n in doc["nodes"] if n["type"] == "Embedding")
    emb["params"]["num_embeddings"] = 10
    fit = fit_check(views["sentiment"], doc)
    assert fit.error.code == "data.token_range" and fit.hint_key == "datapage.hint.token_range"


def test_every_hint_exists_in_both_languages():
    for key in set(HINTS.values()):
        assert TEXT[key]["en"] and TEXT[key]["zh"]


# ----------------------------------------------------------------------------- uploads

@pytest.mark.parametrize("name,expected", [
    ("iris.csv", "iris.csv"), ("../../etc/passwd.csv", "passwd.csv"), ("C:\\Users\\me\\my data.CSV", "C_Users_me_my_data.csv"),
    (".hidden.npz", "hidden.npz"), ("数据.zip", "upload.zip"), ("", "upload"), ("a/b/c.tar.gz", "c_tar.gz"),
])
def test_safe_filename(name, expected):
    assert data_upload.safe_filename(name) == expected


def test_store_is_content_addressed_and_limited(tmp_path):
    p1, new1 = data_upload.store(tmp_path, "t.csv", b"a,b\n1,2\n")
    p2, new2 = data_upload.store(tmp_path, "t.csv", b"a,b\n3,4\n")
    p3, new3 = data_upload.store(tmp_path, "t.csv", b"a,b\n1,2\n")
    assert p1 != p2 and p1 == p3 and (new1, new2, new3) == (True, True, False)
    assert p1.name == "t.csv" and p1.parent.parent == tmp_path and p1.read_bytes() == b"a,b\n1,2\n"
    with pytest.raises(DataError) as err:
        data_upload.store(tmp_path, "big.csv", b"x" * 101, limit=100)
    assert err.value.code == "data.too_large"
    with pytest.raises(DataError) as err:
        data_upload.store(tmp_path, "evil.exe", b"MZ")
    assert err.value.code == "data.unknown_format"
    assert not list(tmp_path.glob("*/evil*")) and not list(tmp_path.glob("*/big*"))


def test_good_csv_becomes_the_choice(tmp_path):
    ws = Workspace(tmp_path)
    out = data_upload.accept_upload(ws, "flowers.csv", GOOD_CSV)
    assert out.ok, out.message("en")
    choice = ws.data_choice()
    assert Path(choice["upload"]).is_file() and Path(choice["upload"]).parent.parent == ws.uploads_dir
    assert choice["upload_options"] == {"target": "species", "task": "auto"}
    assert choice["data"] == "digits"            # still a valid built-in name for TrainConfig
    assert out.view.class_names == ["a", "b", "c"] and out.view.n == 60
    # a training run reads exactly this choice
    cfg = TrainConfig(data=choice["data"], upload=choice["upload"], upload_options=choice["upload_options"])
    assert prepare(cfg, _mlp([4], out=3)).class_names == ["a", "b", "c"]
    assert Workspace(tmp_path).data_choice()["upload"] == choice["upload"]      # saved


@pytest.mark.parametrize("data,code", [(BINARY_CSV, "data.csv_parse"), (ONE_CLASS_CSV, "data.one_class"),
                                       (b"", "data.csv_empty")])
def test_bad_csv_is_a_message_and_the_previous_choice_stays(tmp_path, data, code):
    ws = Workspace(tmp_path)
    ws.set_data_choice(data="moons", data_options={"noise": 0.2})
    before = ws.data_choice()
    out = data_upload.accept_upload(ws, "bad.csv", data)
    assert not out.ok and out.error.code == code
    assert out.message("en") and out.message("zh") and out.message("en") != out.message("zh")
    assert ws.data_choice() == before
    assert data_upload.saved_uploads(ws.uploads_dir) == []          # the bad file was not kept


def test_changing_csv_options(tmp_path):
    ws = Workspace(tmp_path)
    path = data_upload.accept_upload(ws, "flowers.csv", GOOD_CSV).path
    out = data_upload.change_options(ws, path, {"target": "sepal", "task": "regression", "drop": ["colour"]})
    assert out.ok and out.view.task == "regression"
    assert ws.data_choice()["upload_options"] == {"target": "sepal", "task": "regression", "drop": ["colour"]}
    bad = data_upload.change_options(ws, path, {"target": "colour", "task": "regression"})
    assert not bad.ok and bad.error.code == "data.csv_target_not_numeric"
    assert ws.data_choice()["upload_options"]["target"] == "sepal"


def test_csv_helpers(tmp_path):
    path, _ = data_upload.store(tmp_path, "f.csv", GOOD_CSV)
    assert data_upload.csv_columns(path) == ["sepal", "petal", "colour", "species"]
    assert len(data_upload.csv_head(path, 10)) == 10
    assert data_upload.guess_target(["a", "Label", "b"]) == "Label" and data_upload.guess_target(["a", "b"]) == "b"
    assert data_upload.guess_target(["only"]) is None
    assert data_upload.check_options(path, {"target": "species", "task": "nonsense", "drop": ["species", "petal"],
                                    "size": 9}) == {"target": "species", "task": "auto", "drop": ["petal"]}


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((12, 10, 3), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_image_zip_and_npz_uploads(tmp_path):
    ws = Workspace(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for cls, value in (("cats", 40), ("dogs", 200)):
            for i in range(3):
                zf.writestr(f"pets/{cls}/{i}.png", _png(value + i))
    out = data_upload.accept_upload(ws, "pets.zip", buf.getvalue())
    assert out.ok and out.view.is_image and out.view.class_names == ["cats", "dogs"]
    assert ws.data_choice()["upload_options"] == {"size": 28, "color": "grey"}
    rgb = data_upload.change_options(ws, out.path, {"size": 16, "color": "rgb"})
    assert rgb.ok and rgb.view.sample_shape == (3, 16, 16)
    npz = io.BytesIO()
    np.savez(npz, x=np.random.default_rng(0).random((30, 5)).astype(np.float32), y=np.arange(30) % 2)
    out = data_upload.accept_upload(ws, "arrays.npz", npz.getvalue())
    assert out.ok and out.view.kind == "tabular" and ws.data_choice()["upload_options"] == {}
    assert len(data_upload.saved_uploads(ws.uploads_dir)) == 2


def test_reuse_and_forget(tmp_path):
    ws = Workspace(tmp_path)
    first = data_upload.accept_upload(ws, "flowers.csv", GOOD_CSV).path
    ws.set_data_choice(upload=None, upload_options={})
    assert data_upload.reuse(ws, first).ok and ws.data_choice()["upload"] == str(first)
    data_upload.forget(ws, first)
    assert ws.data_choice()["upload"] is None and not first.exists()
    data_upload.remove(Path("/etc/passwd"), ws.uploads_dir)      # outside the uploads folder: never touched
    assert Path("/etc/passwd").exists()


def test_data_choice_carries_the_test_split(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.data_choice()["test_split"] == 0.0
    ws.set_data_choice(test_split=0.1)
    assert Workspace(tmp_path).data_choice()["test_split"] == 0.1
    assert set(ws.data_choice()) <= set(TrainConfig.model_fields)


# ----------------------------------------------------------------------------- strings
