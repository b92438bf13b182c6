"""Hostile uploads are refused from what their headers declare, before the work they would
cause: decode bombs (the pixels of all images together), class blow-ups, endless labels."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from PIL import Image

from builder.i18n import TEXT
from runtime.data import DataError, load_image_zip
from runtime.data import uploads


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
