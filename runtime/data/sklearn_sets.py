"""scikit-learn's bundled toy sets (digits, iris, wine, breast_cancer, diabetes), read
straight from the files scikit-learn ships, so loading one does not pay for importing
scikit-learn (about 1.5 s); if the files are not where expected, scikit-learn's own
loaders are used."""
from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

_CELL = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
         "concave points", "symmetry", "fractal dimension"]
FEATURES = {
    "iris": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"],
    "wine": ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
             "od280/od315_of_diluted_wines", "proline"],
    "breast_cancer": [f"mean {c}" for c in _CELL] + [f"{c} error" for c in _CELL] + [f"worst {c}" for c in _CELL],
    "diabetes": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
}
_FILES = {"iris": "iris.csv", "wine": "wine_data.csv", "breast_cancer": "breast_cancer.csv"}


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"


def _read(name: str, folder: Path):
    """(features, target, class names or None) from scikit-learn's data files."""
    if name == "digits":
        with gzip.open(folder / "digits.csv.gz", "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",")
        return raw[:, :-1], raw[:, -1].astype(np.int64), [str(i) for i in range(10)]
    if name == "diabetes":
        with gzip.open(folder / "diabetes_data_raw.csv.gz", "rt") as fh:
            x = np.loadtxt(fh)
        with gzip.open(folder / "diabetes_target.csv.gz", "rt") as fh:
            y = np.loadtxt(fh)
        return x, y, None
    with open(folder / _FILES[name], encoding="utf-8") as fh:
        head = fh.readline().strip().split(",")
        raw = np.loadtxt(fh, delimiter=",")
    return raw[:, :-1], raw[:, -1].astype(np.int64), head[2:]


def _from_sklearn(name: str):
    from sklearn import datasets
    if name == "diabetes":
        b = datasets.load_diabetes(scaled=False)
        return b.data, b.target, None
    b = getattr(datasets, f"load_{name}")()
    names = [str(c) for c in b.target_names] if name != "digits" else [str(i) for i in range(10)]
    return b.data, b.target.astype(np.int64), names


@lru_cache(maxsize=None)
def load(name: str):
    """(features (N, F) float64, target (N,), class names or None); digits' features are
    the 64 pixel values 0..16 row by row."""
    folder = _data_dir()
    if folder is not None:
        try:
            x, y, names = _read(name, folder)
            if len(x) == len(y) and (name not in FEATURES or x.shape[1] == len(FEATURES[name])):
                return x, y, names
        except (OSError, ValueError, IndexError, EOFError):
            pass
    return _from_sklearn(name)
