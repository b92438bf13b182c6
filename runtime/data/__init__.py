"""NetCanvas data: built-in sets, uploads, splits and normalisation, binding to a graph's
Inputs, and on-device augmentation. No streamlit here.

    from runtime.data import builtin, split, bind, Augmenter
    ds = builtin.load("digits")
    splits = bind(split(ds, val_fraction=0.2, seed=0), [{"name": "x", "shape": [64]}])
    splits.preprocess  # JSON-able: what exported code and "try the model" must apply

Upload loaders (``load_csv``, ``load_npz``, ``load_image_zip``, ``load_upload``,
``save_npz``) import pandas and PIL on first use.
"""
from . import builtin
from .augment import Augmenter, preview
from .binding import bind
from .builtin import BuiltinInfo, list_builtin, load
from .dataset import DataSet, Splits, add_label_noise, invert_target, split
from .errors import DataError
from .preprocess import apply_preprocess

_UPLOADS = ("load_csv", "load_npz", "load_image_zip", "load_upload", "save_npz")

__all__ = ["Augmenter", "BuiltinInfo", "DataError", "DataSet", "Splits", "add_label_noise",
           "apply_preprocess", "bind", "builtin", "invert_target", "list_builtin", "load", "preview",
           "split", *_UPLOADS]


def __getattr__(name: str):
    if name in _UPLOADS:
        from . import uploads
        return getattr(uploads, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
