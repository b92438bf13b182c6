"""Hostile uploads are refused from what their headers declare, before the work they would
cause: decode bombs (the pixels of all images together), class blow-ups, endless labels."""
from __future__ import annotations

import io
import threading
from pathlib import Path
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from builder.i18n import TEXT
from runtime.data import DataError, load_csv, load_image_zip, load_npz, save_npz
from runtime.data import classes, uploads
from ui import data_upload
from ui import data_view
from ui.workspace import Workspace


def _error(fn, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as caught:
        fn(*args, **kwargs)
    err = caught.value
    assert err.code in TEXT, err.code
    assert "{" not in err.message("en") and "{" not in err.message("zh")
    return err


def _image(fmt: str, size: tuple[int, int], mode: str = "L") -> bytes:
    im = Image.new(mode, size, 255)
    im.putpixel((1, 1), 0)
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def _zip(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def decode_bomb(count: int = 600) -> bytes:
    """``count`` near-blank 5000 x 4990 PNGs (each just under the per-image limit) in two
    class folders: ~250 KB that would decode to 15 gigapixels."""
    png = _image("PNG", (5000, 4990))
    return _zip((f"{'ab'[i % 2]}/{i}.png", png) for i in range(count))


# ----------------------------------------------------------------------------- decode bombs

def test_decode_bomb_is_refused_from_the_headers_before_decoding(monkeypatch):
    bomb = decode_bomb()
    assert len(bomb) < 400_000
    decoded = []
    monkeypatch.setattr(uploads, "_decode_image", lambda *a: decoded.append(1))
    t0 = time.monotonic()
    err = _error(load_image_zip, bomb, name="bomb")
    seconds = time.monotonic() - t0
    assert err.code == "data.pixel_budget" and not decoded
    assert seconds < 10, f"refused after {seconds:.1f} s"
    assert err.info["megapixels"] == round(600 * 5000 * 4990 / 1e6) and err.info["images"] == 600
    message = err.message("en")
    assert "2,000 megapixels" in message and "14,970 megapixels" in message and "600 images" in message
    assert "2,000 百万像素" in err.message("zh")


def test_pixel_budget_counts_jpegs_at_the_size_they_decode_to(monkeypatch):
    """An 800 x 800 JPEG read for 28 x 28 decodes at 1/8 scale (100 x 100); a PNG in full."""
    jpegs = _zip([("a/1.jpg", _image("JPEG", (800, 800))), ("b/2.jpg", _image("JPEG", (800, 800)))])
    pngs = _zip([("a/1.png", _image("PNG", (800, 800))), ("b/2.png", _image("PNG", (800, 800)))])
    monkeypatch.setattr(uploads, "MAX_TOTAL_PIXELS", 30_000)
    assert len(load_image_zip(jpegs, size=28)) == 2
    err = _error(load_image_zip, pngs, size=28)
    assert err.code == "data.pixel_budget" and err.info["megapixels"] == 1


def test_per_image_limit_still_applies_from_the_header(monkeypatch):
    z = _zip([("a/1.png", _image("PNG", (300, 200))), ("b/2.png", _image("PNG", (10, 10)))])
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 50_000)
    monkeypatch.setattr(uploads, "_decode_image", lambda *a: pytest.fail("decoded before the header check"))
    err = _error(load_image_zip, z)
    assert err.code == "data.image_too_big" and err.info == {"width": 300, "height": 200, "limit": 50_000}


# ----------------------------------------------------------------------------- parse time limit

def _slow_decoding(monkeypatch, seconds_per_image: float) -> list[str]:
    """Decoding takes ``seconds_per_image`` per image; returns the names of the threads that decoded."""
    decode = uploads._decode_image
    threads: list[str] = []

    def slow(*args):
        threads.append(threading.current_thread().name)
        time.sleep(seconds_per_image)
        return decode(*args)

    monkeypatch.setattr(uploads, "_decode_image", slow)
    return threads


def _pets_zip(count: int) -> bytes:
    png = _image("PNG", (16, 16))
    return _zip((f"{'ab'[i % 2]}/{i}.png", png) for i in range(count))


def test_a_slow_upload_is_a_message_naming_the_time_limit_and_the_parse_stops(monkeypatch, tmp_path):
    threads = _slow_decoding(monkeypatch, 0.05)             # 100 images: 5 s to read
    monkeypatch.setattr(uploads, "PARSE_SECONDS", 0.5)
    ws = Workspace(tmp_path)
    before = ws.data_choice()
    t0 = time.monotonic()
    out = data_upload.accept_upload(ws, "pets.zip", _pets_zip(100))
    waited = time.monotonic() - t0
    assert not out.ok and out.error.code == "data.parse_timeout" and waited < 3, waited
    assert out.message("en").startswith('Reading "pets.zip" took longer than the time limit of 0.5 s')
    assert "0.5 秒" in out.message("zh")
    assert ws.data_choice() == before and not list((tmp_path / "uploads").glob("*/*"))
    deadline = time.monotonic() + 5                         # the worker stops at its next image
    while any(th.name.startswith("upload-parse") for th in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(th.name.startswith("upload-parse") for th in threading.enumerate())
    assert 0 < len(threads) < 30


def test_uploads_are_parsed_off_the_calling_thread_and_their_errors_come_back(monkeypatch, tmp_path):
    threads = _slow_decoding(monkeypatch, 0.0)
    path = tmp_path / "pets.zip"
    path.write_bytes(_pets_zip(4))
    view = data_view.upload_view(str(path), {"size": 16})
    assert view.n == 4 and threads and threading.current_thread().name not in threads
    path.write_bytes(b"PK\x03\x04 broken")
    assert _error(data_view.upload_view, str(path), {}).code == "data.zip_bad"


# ----------------------------------------------------------------------------- classes and labels

def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_an_npz_with_50000_classes_is_refused_naming_the_limit_and_the_file(tmp_path):
    path = _npz(tmp_path / "many.npz", x=np.zeros((50_000, 2), np.float32), y=np.arange(50_000))
    err = _error(load_npz, path)
    assert err.code == "data.too_many_classes"
    assert err.message("en") == '"many.npz" has 50,000 different classes in the labels (y); ' \
                                "the limit is 1,000 classes per data set."
    assert "50,000" in err.message("zh") and "1,000" in err.message("zh") and "标签（y）" in err.message("zh")


def test_the_class_limit_is_one_number_for_every_kind_of_upload(tmp_path, monkeypatch):
    monkeypatch.setattr(classes, "MAX_CLASSES", 3)
    rows = "\n".join(f"{i},c{i % 4}" for i in range(40))
    err = _error(load_csv, ("v,kind\n" + rows).encode(), target="kind")
    assert err.code == "data.too_many_classes" and 'the target column "kind"' in err.message("en")
    assert err.info["count"] == 4 and err.info["limit"] == 3
    assert _error(load_npz, _npz(tmp_path / "a.npz", x=np.zeros((8, 2)), y=np.arange(8) % 4)).code == \
        "data.too_many_classes"
    monkeypatch.setattr(uploads, "_decode_image", lambda *a: pytest.fail("decoded before the class check"))
    folders = _zip((f"k{i}/{i}.png", _image("PNG", (8, 8))) for i in range(4))
    err = _error(load_image_zip, folders)
    assert err.code == "data.too_many_classes" and "the class folders" in err.message("en")


def test_saved_class_names_count_too(tmp_path):
    names = [f"c{i}" for i in range(1_001)]
    ds = load_npz(_npz(tmp_path / "ok.npz", x=np.zeros((4, 2), np.float32), y=np.array([0, 1, 2, 3])))
    ds.class_names = names
    save_npz(ds, tmp_path / "saved.npz")
    err = _error(load_npz, tmp_path / "saved.npz")
    assert err.code == "data.too_many_classes" and err.info["count"] == 1_001


def test_a_csv_with_many_text_classes_below_the_limit_loads():
    rows = "\n".join(f"{i},label{i % 500}" for i in range(1_000))
    ds = load_csv(("v,kind\n" + rows).encode(), target="kind")
    assert ds.task == "classification" and len(ds.class_names) == 500


def test_a_class_name_of_five_million_characters_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("v,kind\n1,short\n2,short\n3," + "x" * 5_000_000 + "\n")
    err = _error(load_csv, path, target="kind", task="classification")
    assert err.code == "data.label_too_long" and err.info["chars"] == 5_000_000
    message = err.message("en")
    assert message.startswith('"long.csv" has a class name of 5,000,000 characters in the target column "kind"')
    assert "limit is 100 characters" in message and len(message) < 300


def test_label_length_limit_for_npz_and_image_folders(tmp_path):
    at_limit = "a" * classes.MAX_LABEL_CHARS
    ok = load_npz(_npz(tmp_path / "ok.npz", x=np.zeros((2, 2)), y=np.array([at_limit, "b"])))
    assert ok.class_names == sorted([at_limit, "b"])
    err = _error(load_npz, _npz(tmp_path / "long.npz", x=np.zeros((2, 2)), y=np.array([at_limit + "a", "b"])))
    assert err.code == "data.label_too_long" and err.info["chars"] == 101
    folders = _zip([("f" * 150 + "/1.png", _image("PNG", (8, 8))), ("g/2.png", _image("PNG", (8, 8)))])
    err = _error(load_image_zip, folders)
    assert err.code == "data.label_too_long" and err.info["chars"] == 150 and "the class folders" in err.message()


def test_the_documented_limits_are_the_ones_in_the_code():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "data-limits.md").read_text()
    assert f"| {classes.MAX_CLASSES:,} per data set |" in doc
    assert f"| {classes.MAX_LABEL_CHARS} characters |" in doc
    assert f"| {uploads.MAX_TOTAL_PIXELS // 10**6:,} megapixels, summed" in doc
    assert f"| {uploads.PARSE_SECONDS:g} s, in a worker thread" in doc
    assert f"| {uploads.MAX_UPLOAD_BYTES // 2**20} MB |" in doc and f"| {uploads.MAX_IMAGES:,} |" in doc
    from runtime import monitor
    from ui import figures
    assert f"show the {figures.MAX_SHOWN_CLASSES} most frequent classes" in doc
    assert f"keeps at most {monitor.MAX_CONFUSION_CLASSES:,} classes" in doc
