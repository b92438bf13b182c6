"""The column plan of a table (CSV): which columns are numeric, which are categorical
(and their categories), which is the target. The same plan turns new rows into the
feature matrix a trained model expects."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:       # pandas is imported where a table is read: half a second off every trainer's start
    import pandas as pd

from .errors import DataError

MISSING = "(missing)"
MAX_CATEGORIES = 50          # more distinct values than this: an id or free text, dropped
AUTO_CLASSES = 20            # integer targets with at most this many values: classification


def _numeric(series: pd.Series) -> tuple[pd.Series, bool]:
    """The column as floats (NaN for missing), and whether every present value is a number."""
    import pandas as pd
    present = series.notna()
    nums = pd.to_numeric(series.where(present), errors="coerce")
    ok = bool((nums.notna() | ~present).all())
    nums = nums.astype("float64").replace([np.inf, -np.inf], np.nan)
    return nums, ok


def _categories(series: pd.Series) -> pd.Series:
    return series.fillna(MISSING).astype(str).str.strip().replace("", MISSING)


def _label_names(values: pd.Series) -> tuple[list[str], pd.Series]:
    nums, ok = _numeric(values)
    if ok and nums.notna().all() and nums.abs().max() < 2**53 and bool((nums == nums.round()).all()):
        ints = nums.astype("int64")
        names = [str(v) for v in sorted(ints.unique().tolist())]
        return names, ints.astype(str)
    text = values.astype(str).str.strip()
    return sorted(text.unique().tolist()), text


def build(df: pd.DataFrame, target: str | None, task: str = "auto",
          drop: list[str] | tuple[str, ...] = ()) -> tuple[torch.Tensor, torch.Tensor | None, dict]:
    """(features (N, F) float32 with NaN where a number is missing, target or None, plan)."""
    if task not in ("auto", "classification", "regression"):
        raise DataError("data.bad_option", option="task", value=task, expected="auto, classification, regression")
    columns = [str(c) for c in df.columns]
    df = df.copy()
    df.columns = columns
    for name in drop:
        if name not in columns:
            raise DataError("data.csv_no_column", column=name, columns=columns[:20])
    if target is not None and target not in columns:
        raise DataError("data.csv_no_target", target=target, columns=columns[:20])
    dropped_rows = 0
    y = None
    class_names = None
    if target is not None:
        keep = df[target].notna() & (df[target].astype(str).str.strip() != "")
        dropped_rows = int((~keep).sum())
        df = df[keep].reset_index(drop=True)
        if len(df) == 0:
            raise DataError("data.csv_empty")
        tnum, tnum_ok = _numeric(df[target])
        if task == "auto":
            n_unique = df[target].nunique()
            is_int = tnum_ok and bool((tnum == tnum.round()).all())
            task = "regression" if tnum_ok and not (is_int and n_unique <= AUTO_CLASSES) else "classification"
        if task == "regression":
            if not tnum_ok:
                raise DataError("data.csv_target_not_numeric", target=target)
            usable = tnum.notna() & (tnum.abs() < float(np.finfo(np.float32).max))  # not "inf", not 1e300
            dropped_rows += int((~usable).sum())
            df, tnum = df[usable].reset_index(drop=True), tnum[usable].reset_index(drop=True)
            if len(df) == 0:
                raise DataError("data.csv_empty")
            y = torch.tensor(tnum.to_numpy(), dtype=torch.float32).reshape(-1, 1)
        else:
            class_names, labels = _label_names(df[target])
            if len(class_names) < 2:
                raise DataError("data.one_class", name=target)
            index = {c: i for i, c in enumerate(class_names)}
            y = torch.tensor(labels.map(index).to_numpy(dtype="int64"), dtype=torch.int64)
    else:
        task = "unsupervised"
    plan_cols: list[dict] = []
    dropped: list[dict] = [{"name": c, "reason": "asked"} for c in drop]
    for col in columns:
        if col == target or col in drop:
            continue
        series = df[col]
        if series.isna().all():
            dropped.append({"name": col, "reason": "empty"})
            continue
        _, ok = _numeric(series)
        if ok:
            plan_cols.append({"name": col, "type": "numeric"})
            continue
        cats = sorted(_categories(series).unique().tolist())
        if len(cats) > MAX_CATEGORIES:
            dropped.append({"name": col, "reason": "too_many_categories", "count": len(cats)})
            continue
        plan_cols.append({"name": col, "type": "categorical", "categories": cats})
    if not plan_cols:
        raise DataError("data.csv_no_features")
    plan = {"target": target, "task": task, "columns": plan_cols, "dropped_columns": dropped,
            "dropped_rows": dropped_rows, "class_names": class_names, "missing": MISSING}
    plan["features"] = feature_names(plan)
    return features(plan, df), y, plan


def feature_names(plan: dict) -> list[str]:
    names: list[str] = []
    for col in plan["columns"]:
        if col["type"] == "numeric":
            names.append(col["name"])
        else:
            names.extend(f"{col['name']}={c}" for c in col["categories"])
    return names


def numeric_features(plan: dict) -> list[int]:
    """Indices of the numeric features (the ones to standardise; one-hot columns stay 0/1)."""
    out, i = [], 0
    for col in plan["columns"]:
        if col["type"] == "numeric":
            out.append(i)
            i += 1
        else:
            i += len(col["categories"])
    return out


def features(plan: dict, df: pd.DataFrame) -> torch.Tensor:
    """The (N, F) float32 feature matrix of ``df`` under ``plan``; NaN where a number is
    missing, infinite or past float32's range (``split`` fills those with the training
    median). Unknown categories: all 0."""
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    blocks: list[np.ndarray] = []
    for col in plan["columns"]:
        name = col["name"]
        if name not in df.columns:
            raise DataError("data.csv_no_column", column=name, columns=[str(c) for c in df.columns][:20])
        if col["type"] == "numeric":
            nums, ok = _numeric(df[name])
            if not ok:
                import pandas as pd
                bad = df[name][pd.to_numeric(df[name], errors="coerce").isna() & df[name].notna()]
                raise DataError("data.csv_not_numeric", column=name, value=str(bad.iloc[0])[:40])
            blocks.append(nums.to_numpy(dtype="float64")[:, None])
        else:
            cats = _categories(df[name]).to_numpy()
            onehot = (cats[:, None] == np.array(col["categories"], dtype=object)[None, :])
            blocks.append(onehot.astype("float64"))
    x = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(df), 0))
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)
    x32[np.isinf(x32)] = np.nan  # past float32's range: treated as missing, like "inf"
    return torch.from_numpy(x32)
