"""Uploads: good files load; every bad file is one clear DataError with a stable code."""
import io
import json
import stat
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from builder.i18n import TEXT
from runtime.data import (DataError, apply_preprocess, builtin, load_csv, load_image_zip, load_npz,
                          load_upload, save_npz, split)
from runtime.data import uploads

GOOD_CSV = """age,city,income,label
25,Paris,3000,yes
32,Berlin,,no
47,Paris,5200,yes
51,,4100,no
23,Rome,2800,yes
38,Berlin,3900,no
29,Rome,3100,yes
44,Paris,4500,no
"""


def _error(fn, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as e:
        fn(*args, **kwargs)
    err = e.value
    assert err.code in TEXT, err.code
    en, zh = err.message("en"), err.message("zh")
    assert en and zh and en != err.code and "{" not in en and "{" not in zh
    json.dumps(err.to_json())
    return err


def _png(color=(255, 0, 0), size=(20, 30), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(color=(0, 0, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(buf, "JPEG")
    return buf.getvalue()


def _zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            if isinstance(name, zipfile.ZipInfo):
                z.writestr(name, data)
            else:
                z.writestr(name, data)
    return buf.getvalue()


# ----------------------------------------------------------------------------- CSV

def test_good_csv_with_a_categorical_column(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(GOOD_CSV)
    ds = load_csv(path, target="label")
    assert ds.name == "people" and ds.task == "classification"
    assert ds.class_names == ["no", "yes"]
    assert ds.target.tolist() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert ds.feature_names == ["age", "city=(missing)", "city=Berlin", "city=Paris", "city=Rome", "income"]
    x = ds.inputs["x"]
    assert x.shape == (8, 6) and x[0, 3] == 1.0 and x[3, 1] == 1.0 and torch.isnan(x[1, 5])
    plan = ds.extra["csv"]
    assert [c["type"] for c in plan["columns"]] == ["numeric", "categorical", "numeric"]
    assert plan["columns"][1]["categories"] == ["(missing)", "Berlin", "Paris", "Rome"]
    s = split(ds, val_fraction=0.25, seed=0)
    # missing income gets the training median; one-hot columns are not standardised
    assert not torch.isnan(s.train.inputs["x"]).any() and not torch.isnan(s.val.inputs["x"]).any()
    rec = s.preprocess["normalize"]["x"]
    assert rec["mean"][1:5] == [0.0] * 4 and rec["std"][1:5] == [1.0] * 4
    assert s.preprocess["csv"] == plan
    new = pd.DataFrame({"age": [30], "city": ["Rome"], "income": [None], "label": ["?"]})
    out = apply_preprocess(json.loads(json.dumps(s.preprocess)), new)["x"]
    median = s.preprocess["fill"]["x"]["value"][5]
    assert out[0, 4] == 1.0 and abs(float(out[0, 5]) - (median - rec["mean"][5]) / rec["std"][5]) < 1e-5


def test_csv_regression_semicolons_and_auto_task():
    text = "a;b;price\n1;2;10.5\n2;3;11.25\n3;5;13.0\n4;4;12.75\n"
    ds = load_csv(text.encode(), target="price")
    assert ds.task == "regression" and ds.target.shape == (4, 1) and ds.target.dtype == torch.float32
    ds = load_csv(text.encode(), target="b", task="classification")
    assert ds.class_names == ["2", "3", "4", "5"]
    ds = load_csv(io.BytesIO(text.encode()), target=None)
    assert ds.task == "unsupervised" and ds.target is None


def test_csv_drops_id_like_text_columns_and_listed_ones():
    rows = "\n".join(f"name{i},{i % 3},{i * 0.5},{'ab'[i % 2]}" for i in range(120))
    ds = load_csv(("name,g,v,y\n" + rows).encode(), target="y", drop=["g"])
    dropped = {d["name"]: d["reason"] for d in ds.extra["csv"]["dropped_columns"]}
    assert dropped == {"g": "asked", "name": "too_many_categories"}
    assert ds.feature_names == ["v"]


def test_csv_without_the_target_column():
    err = _error(load_csv, GOOD_CSV.encode(), target="price")
    assert err.code == "data.csv_no_target" and "price" in err.message() and "income" in err.message()


@pytest.mark.parametrize("data", [
    b'a,b\n1,2\n3,4,5,6\n"unterminated',
    b"\x00\x01\x02\x03binary\x00",
])
def test_corrupt_csv(data):
    assert _error(load_csv, data, target="a").code == "data.csv_parse"


def test_empty_and_text_target_for_regression():
    assert _error(load_csv, b"", target="a").code == "data.csv_empty"
    assert _error(load_csv, b"a,b\n", target="a").code == "data.csv_empty"
    err = _error(load_csv, GOOD_CSV.encode(), target="label", task="regression")
    assert err.code == "data.csv_target_not_numeric"
    err = _error(load_csv, b"a,b\n1,x\n2,x\n", target="b", task="classification")
    assert err.code == "data.one_class"


def test_row_and_column_limits(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 5)
    assert _error(load_csv, GOOD_CSV.encode(), target="label").code == "data.too_many_rows"
    monkeypatch.setattr(uploads, "MAX_COLUMNS", 3)
    assert _error(load_csv, GOOD_CSV.encode(), target="label").code == "data.too_many_columns"


def test_oversized_upload_is_refused_before_parsing(monkeypatch, tmp_path):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    big = GOOD_CSV.encode() * 3
    err = _error(load_csv, big, target="label")
    assert err.code == "data.too_large"
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    assert _error(load_csv, path, target="label").code == "data.too_large"
    assert _error(load_npz, io.BytesIO(big)).code == "data.too_large"
    assert _error(load_image_zip, big).code == "data.too_large"


# ----------------------------------------------------------------------------- NPZ

def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_npz_classification_regression_and_unsupervised():
    x = np.random.default_rng(0).normal(size=(30, 5))
    ds = load_npz(_npz(x=x, y=np.array([3, 7, 9] * 10)))
    assert ds.task == "classification" and ds.class_names == ["3", "7", "9"]
    assert ds.target.tolist()[:3] == [0, 1, 2] and ds.inputs["x"].dtype == torch.float32
    ds = load_npz(_npz(x=x, y=x[:, 0]))
    assert ds.task == "regression" and ds.target.shape == (30, 1)
    ds = load_npz(_npz(x=x))
    assert ds.task == "unsupervised"
    imgs = load_npz(_npz(x=np.zeros((4, 10, 10, 3), np.uint8) + 255, y=np.array(["a", "b", "a", "b"])))
    assert imgs.kind == "image" and imgs.sample_shapes() == {"x": (3, 10, 10)}
    assert float(imgs.inputs["x"].max()) == 1.0 and imgs.class_names == ["a", "b"]


def test_npz_with_pickled_objects_is_refused():
    data = _npz(x=np.array([{"a": 1}, None], dtype=object))
    err = _error(load_npz, data)
    assert err.code == "data.npz_pickle" and "x" in err.message()


def test_npz_bad_contents():
    assert _error(load_npz, b"not a zip at all").code == "data.npz_bad"
    assert _error(load_npz, _npz(features=np.zeros((3, 2)))).code == "data.npz_no_x"
    assert _error(load_npz, _npz(x=np.zeros((3, 2)), y=np.zeros(4))).code == "data.npz_length"
    assert _error(load_npz, _npz(x=np.array([[1.0, np.inf]]))).code == "data.npz_nonfinite"
    assert _error(load_npz, _npz(x=np.full((2, 3, 4), np.nan))).code == "data.npz_nonfinite"
    table = load_npz(_npz(x=np.array([[1.0, np.nan], [2.0, 4.0], [3.0, 5.0]])))  # a gap in a table is fine
    assert split(table, 0.34, seed=0).preprocess["fill"]["x"]["value"]
    assert _error(load_npz, _npz(x=np.array([1 + 2j, 3j]))).code == "data.npz_dtype"
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    assert _error(load_npz, buf.getvalue()).code == "data.npz_bad"


def test_npz_header_that_lies_about_its_size_is_refused():
    # an .npy header claiming a huge array over a few bytes of data: refused before allocating
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**8, 1000)}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    assert _error(load_npz, _zip([("x.npy", buf.getvalue() + b"\0" * 64)])).code == "data.npz_bad"


@pytest.mark.parametrize("name", ["digits", "ratings", "sentiment", "sine", "gaussian_mixture", "iris"])
def test_save_npz_round_trip(name, tmp_path):
    ds = builtin.load(name, **({} if name in ("digits", "iris") else {"n_samples": 200}))
    path = tmp_path / f"{name}.npz"
    save_npz(ds, path)
    back = load_npz(path)
    assert back.name == ds.name and back.kind == ds.kind and back.task == ds.task
    assert list(back.inputs) == list(ds.inputs)
    for k in ds.inputs:
        assert back.inputs[k].dtype == ds.inputs[k].dtype and torch.equal(back.inputs[k], ds.inputs[k])
    if ds.target is None:
        assert back.target is None
    else:
        assert torch.equal(back.target, ds.target)
    assert back.class_names == ds.class_names and back.vocab == ds.vocab
    assert back.feature_names == ds.feature_names and back.normalize == ds.normalize
    assert back.description == ds.description
    assert split(back, 0.2, seed=0).preprocess == split(ds, 0.2, seed=0).preprocess | {"data": back.name}


def test_save_npz_round_trip_of_a_csv_upload(tmp_path):
    ds = load_csv(GOOD_CSV.encode(), target="label", name="people")
    save_npz(ds, tmp_path / "p.npz")
    back = load_npz(tmp_path / "p.npz")
    assert torch.equal(torch.nan_to_num(back.inputs["x"], 7.0), torch.nan_to_num(ds.inputs["x"], 7.0))
    assert back.extra["csv"] == ds.extra["csv"]
    assert split(back, 0.25).preprocess == split(ds, 0.25).preprocess
    assert load_npz(tmp_path / "p.npz", name="renamed").name == "renamed"


# ----------------------------------------------------------------------------- image zips

def test_good_image_zip_grey_and_rgb():
    z = _zip([("pets/cats/a.png", _png((255, 0, 0))), ("pets/cats/b.png", _png((250, 0, 0), mode="RGB")),
              ("pets/dogs/c.jpg", _jpeg()), ("pets/dogs/d.png", _png((0, 0, 255, 128), mode="RGBA")),
              ("pets/readme.txt", b"hello"), ("__MACOSX/pets/._a.png", b"junk"), ("pets/.DS_Store", b"x")])
    ds = load_image_zip(z, size=16, color="rgb")
    assert ds.kind == "image" and ds.class_names == ["cats", "dogs"]
    assert ds.inputs["x"].shape == (4, 3, 16, 16) and ds.target.tolist() == [0, 0, 1, 1]
    assert torch.allclose(ds.inputs["x"][0, :, 5, 5], torch.tensor([1.0, 0.0, 0.0]))
    assert ds.extra["skipped"] == ["pets/readme.txt"] and ds.normalize is False
    grey = load_image_zip(z, size=8)
    assert grey.inputs["x"].shape == (4, 1, 8, 8)
    assert float(grey.inputs["x"].min()) >= 0.0 and float(grey.inputs["x"].max()) <= 1.0
    s = split(grey, 0.25)
    assert s.preprocess["image"] == {"size": [8, 8], "channels": 1}
    out = apply_preprocess(s.preprocess, Image.new("RGB", (50, 50), (255, 255, 255)))
    assert out["x"].shape == (1, 1, 8, 8) and float(out["x"].min()) == 1.0


def test_zip_with_parent_traversal():
    err = _error(load_image_zip, _zip([("cats/a.png", _png()), ("../dogs/b.png", _png())]))
    assert err.code == "data.zip_traversal" and "../dogs/b.png" in err.message()
    assert _error(load_image_zip, _zip([("cats/../../b.png", _png())])).code == "data.zip_traversal"


def test_zip_with_absolute_path():
    assert _error(load_image_zip, _zip([("/etc/cats/a.png", _png()), ("dogs/b.png", _png())])).code \
        == "data.zip_traversal"
    assert _error(load_image_zip, _zip([("C:/cats/a.png", _png())])).code == "data.zip_traversal"


def test_zip_with_symlink():
    link = zipfile.ZipInfo("cats/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    err = _error(load_image_zip, _zip([(link, "/etc/passwd"), ("dogs/b.png", _png())]))
    assert err.code == "data.zip_symlink"


def test_zip_bomb_by_ratio_and_by_declared_size(monkeypatch):
    bomb = _zip([("cats/a.png", b"\0" * (24 * 2**20)), ("dogs/b.png", _png())])
    assert len(bomb) < 200_000  # 24 MB of zeros packs into a few dozen KB
    err = _error(load_image_zip, bomb)
    assert err.code == "data.zip_bomb" and "cats/a.png" in err.message()
    monkeypatch.setattr(uploads, "MAX_MEMBER_BYTES", 2**20)
    stored = _zip([("cats/a.png", b"\1" * (2 * 2**20)), ("dogs/b.png", _png())], zipfile.ZIP_STORED)
    assert _error(load_image_zip, stored).code == "data.zip_bomb"  # declared size past the limit
    assert _error(load_npz, bomb).code == "data.zip_bomb"


def test_zip_member_bigger_than_declared_is_cut_off():
    z = bytearray(_zip([("cats/a.png", _png()), ("dogs/b.png", _png((0, 255, 0)))], zipfile.ZIP_STORED))
    # shrink the declared size of the first member in the central directory: reading stops there
    zf = zipfile.ZipFile(io.BytesIO(bytes(z)))
    info = zf.infolist()[0]
    cd = bytes(z).index(b"PK\x01\x02")
    size_at = cd + 24
    assert int.from_bytes(z[size_at:size_at + 4], "little") == info.file_size
    z[size_at:size_at + 4] = (10).to_bytes(4, "little")
    err = _error(load_image_zip, bytes(z))
    assert err.code == "data.zip_bad_member" and "cats/a.png" in err.message()


def test_zip_with_one_class_folder_or_no_images():
    err = _error(load_image_zip, _zip([("cats/a.png", _png()), ("cats/b.png", _png())]))
    assert err.code == "data.zip_one_class" and "cats" in err.message()
    assert _error(load_image_zip, _zip([("a/x.txt", b"t"), ("b/y.csv", b"1,2")])).code == "data.zip_no_images"
    fake = _zip([("cats/a.png", b"not really a png"), ("dogs/b.png", b"nor this")])
    assert _error(load_image_zip, fake).code == "data.zip_no_images"
    assert _error(load_image_zip, _zip([("a.png", _png())])).code == "data.zip_layout"
    assert _error(load_image_zip, b"PK\x03\x04 broken").code == "data.zip_bad"


def test_zip_limits(monkeypatch):
    z = _zip([("cats/a.png", _png()), ("dogs/b.png", _png()), ("dogs/c.png", _png())])
    monkeypatch.setattr(uploads, "MAX_IMAGES", 2)
    assert _error(load_image_zip, z).code == "data.too_many_images"
    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 2)
    assert _error(load_image_zip, z).code == "data.zip_too_many"
    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 100)
    monkeypatch.setattr(uploads, "MAX_IMAGES", 100)
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100)
    assert _error(load_image_zip, z).code == "data.image_too_big"
    assert _error(load_image_zip, z, size=4).code == "data.option_range"
    assert _error(load_image_zip, z, color="cmyk").code == "data.bad_option"


def test_load_upload_dispatches_by_extension(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(GOOD_CSV)
    assert load_upload(p, target="label").kind == "tabular"
    assert load_upload(_npz(x=np.zeros((3, 2))), filename="a.npz").task == "unsupervised"
    assert _error(load_upload, b"...", filename="model.pkl").code == "data.unknown_format"


# ----------------------------------------------------------------------------- fuzzing: never a traceback

def _valid_zip() -> bytes:
    return _zip([("cats/a.png", _png()), ("dogs/b.png", _png((0, 255, 0))), ("dogs/c.jpg", _jpeg())])


def _mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for pos, val in edits:
        out[pos % len(out)] = val
    return bytes(out)


def test_zip_damage_found_by_fuzzing():
    # "version needed to extract" 6.4 in the central directory: zipfile raises NotImplementedError
    z = bytearray(_valid_zip())
    cd = bytes(z).index(b"PK\x01\x02")
    z[cd + 6:cd + 8] = (64).to_bytes(2, "little")
    z[cd + 8:cd + 10] = (1).to_bytes(2, "little")  # and flagged as encrypted
    assert _error(load_image_zip, bytes(z)).code in ("data.zip_bad", "data.zip_encrypted")
    # a local-header offset pointing before the archive: zipfile raises ValueError on seek
    z = bytearray(_valid_zip())
    cd = bytes(z).index(b"PK\x01\x02")
    z[cd + 42:cd + 46] = (2**32 - 256).to_bytes(4, "little")
    assert _error(load_image_zip, bytes(z)).code in ("data.zip_bad", "data.zip_bad_member")
    z = bytearray(_valid_zip())
    cd = bytes(z).index(b"PK\x01\x02")
    z[cd + 46] = 0  # a member name cut to nothing
    assert _error(load_image_zip, bytes(z)).code == "data.zip_bad_member"
    npz = bytearray(_npz(x=np.zeros((2, 2))))
    cd = bytes(npz).index(b"PK\x01\x02")
    npz[cd + 6:cd + 8] = (64).to_bytes(2, "little")
    npz[cd + 8:cd + 10] = (0).to_bytes(2, "little")
    assert _error(load_npz, bytes(npz)).code == "data.npz_bad"


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), which=st.sampled_from(["csv", "npz", "zip"]))
def test_random_bytes_are_a_data_error_or_a_data_set(data, which):
    fn = {"csv": lambda b: load_csv(b, target=None), "npz": load_npz, "zip": load_image_zip}[which]
    try:
        fn(data)
    except DataError as e:
        assert e.message() and e.message("zh")


@settings(max_examples=80, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
       which=st.sampled_from(["npz", "zip", "csv"]))
def test_damaged_files_are_a_data_error_or_a_data_set(edits, which):
    if which == "zip":
        data, fn = _valid_zip(), load_image_zip
    elif which == "npz":
        data, fn = _npz(x=np.arange(12.0).reshape(4, 3), y=np.array([0, 1, 0, 1])), load_npz
    else:
        data, fn = GOOD_CSV.encode(), (lambda b: load_csv(b, target="label"))
    try:
        fn(_mutate(data, edits))
    except DataError as e:
        assert e.message() and e.message("zh")


def test_csv_extreme_numbers_found_by_fuzzing():
    # a feature past float32's range counts as missing; a target row that cannot be trained on is dropped
    ds = load_csv(b"a,b,t\n1e308,1,0.5\n2,2,1e308\n3,3,2.5\n4,4,inf\n5,5,1.0\n", target="t")
    assert ds.task == "regression" and len(ds) == 3 and ds.extra["csv"]["dropped_rows"] == 2
    assert torch.isnan(ds.inputs["x"][0, 0])
    s = split(ds, 0.34, seed=0)
    assert all(torch.isfinite(p.inputs["x"]).all() for p in s.parts())
    labels = load_csv(b"a,t\n1,inf\n2,3\n3,inf\n", target="t", task="classification")
    assert labels.class_names == ["3", "inf"]


_CELLS = st.one_of(st.sampled_from(["", "nan", "NA", "inf", "-inf", "1", "2.5", "-3", "1e308", "1e400", "abc",
                                    " x ", '"q"', "0", "True", "中文"]),
                   st.text(max_size=5), st.integers(-10**20, 10**20).map(str))


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 8), cols=st.integers(1, 4), data=st.data(),
       task=st.sampled_from(["auto", "classification", "regression"]), sep=st.sampled_from([",", ";", "\t"]))
def test_random_tables_load_and_split_to_finite_tensors_or_a_data_error(rows, cols, data, task, sep):
    header = [f"c{i}" for i in range(cols)]
    body = [sep.join(data.draw(_CELLS) for _ in range(cols)) for _ in range(rows)]
    target = data.draw(st.sampled_from(header + [None]))
    try:
        s = split(load_csv((sep.join(header) + "\n" + "\n".join(body)).encode(), target=target, task=task), 0.3)
    except DataError as e:
        assert e.message() and e.message("zh")
        return
    for part in s.parts():
        assert torch.isfinite(part.inputs["x"]).all()
        if part.target is not None and part.target.is_floating_point():
            assert torch.isfinite(part.target).all()
