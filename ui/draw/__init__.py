"""A drawing pad (Streamlit custom component v2, plain JS): draw a digit, get a grey image at the model's size.

``drawing_pad(size=(h, w), strings=..., key=...)`` returns the latest drawing as a float32
array (h, w) with values in [0, 1] (ink is 1, like the digits data), or None before the
first stroke. The state carries a sequence number, so each finished stroke is one value.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from ..served_component import reported

_HERE = Path(__file__).resolve().parent
_mount = st.components.v2.component(
    "netcanvas_drawing_pad",
    css=(_HERE / "draw.css").read_text(encoding="utf-8"),
    js=(_HERE / "draw.js").read_text(encoding="utf-8"),
)


def image_from_state(state, size: tuple[int, int]) -> np.ndarray | None:
    """The drawing in ``state`` as an (h, w) array, or None when there is none of that size."""
    image = (dict(state or {})).get("image") if state is not None else None
    if not isinstance(image, dict):
        return None
    pixels, got = image.get("pixels"), image.get("size")
    h, w = size
    if got != [h, w] or not isinstance(pixels, list) or len(pixels) != h * w:
        return None
    try:
        arr = np.asarray(pixels, dtype=np.float32).reshape(h, w)
    except (TypeError, ValueError):
        return None
    return np.clip(np.nan_to_num(arr), 0.0, 1.0)


def drawing_pad(size: tuple[int, int], strings: dict, key: str = "drawing_pad") -> np.ndarray | None:
    result = _mount(key=key, data={"size": list(size), "strings": strings}, height=270, on_image_change=reported)
    return image_from_state(result, size)
