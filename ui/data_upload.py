"""Uploads on the Data page, without streamlit: check, save under the workspace, parse,
and only then make the file the data choice.

Files are stored content-addressed, ``<uploads_dir>/<sha256[:16]>/<sanitised name>``,
so a training process reads them by path, two different files with the same name never
overwrite each other, and a cache keyed by path is keyed by content. A file that does not
parse is removed again and the previous choice stays as it was.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from runtime.data import uploads
from runtime.data.stream import MAX_STREAM_IMAGES  # noqa: F401 - the Data page names the limit
from runtime.data.errors import DataError

EXTENSIONS = (".csv", ".tsv", ".txt", ".npz", ".zip", ".json")
TASKS = ("auto", "classification", "regression")
IMAGE_SIZES = (8, 16, 28, 32, 48, 64, 96, 128, 224, 256)
COLORS = ("grey", "rgb")
_TARGET_NAMES = ("target", "label", "labels", "class", "y", "species", "outcome", "category")


def safe_filename(name: str | None) -> str:
    """A file name safe to write anywhere: no folders, only letters, digits, ``._-``; the
    extension kept (lower case); never empty, never hidden."""
    base = Path(str(name or "")).name.replace("\x00", "")
    stem, ext = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("._-")[:60] or "upload"
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,5}", ext) else ""
    return stem + ext


def kind_of(name: str | Path) -> str:
    """"csv", "npz" or "zip" by extension, "folder" for a local image folder (an absolute path: an
    uploaded file's bare name never is one); a DataError for anything else."""
    if Path(str(name)).is_absolute() and Path(str(name)).is_dir():
        return "folder"
    ext = Path(str(name)).suffix.lower()
    if ext in (".csv", ".tsv", ".txt"):
        return "csv"
    if ext == ".npz":
        return "npz"
    if ext == ".zip":
        return "zip"
    if ext == ".json":
        return "json"
    raise DataError("data.unknown_format", ext=ext or "?")


def store(uploads_dir: Path, filename: str, data: bytes, limit: int | None = None) -> tuple[Path, bool]:
    """Save ``data`` as ``<uploads_dir>/<sha>/<safe name>`` (refusing unknown types and files
    over the upload limit before writing anything); returns the path and whether it is new."""
    name = safe_filename(filename)
    kind_of(name)
    limit = uploads.MAX_UPLOAD_BYTES if limit is None else limit
    if len(data) > limit:
        raise DataError("data.too_large", size_mb=round(len(data) / 2**20, 1), limit_mb=round(limit / 2**20, 1))
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(uploads_dir) / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return path, False
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, True


def remove(path: Path, uploads_dir: Path) -> None:
    """Delete a stored upload (and its folder when empty); only ever inside ``uploads_dir``."""
    path, root = Path(path).resolve(), Path(uploads_dir).resolve()
    if root not in path.parents:
        return
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass


def saved_uploads(uploads_dir: Path) -> list[Path]:
    """Stored uploads, newest first."""
    root = Path(uploads_dir)
    if not root.is_dir():
        return []
    files = [p for p in root.glob("*/*") if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() in EXTENSIONS]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def signature(path: str | Path) -> tuple[str, int, float]:
    """(path, size, mtime): what a cache of a stored upload is keyed by, with its options."""
    p = Path(path)
    st = p.stat()
    return str(p), st.st_size, st.st_mtime


# ----------------------------------------------------------------------------- CSV columns

def _read_head(path: str | Path, nrows: int | None):
    data, _ = uploads.read_source(str(path))
    return uploads.read_table(data, nrows)     # the loader's own decoding and delimiter sniffing


def csv_columns(path: str | Path) -> list[str]:
    return list(_read_head(path, 5).columns)


def csv_head(path: str | Path, rows: int = 200):
    """The first rows of an uploaded table as the user wrote them (text)."""
    return _read_head(path, rows)


def guess_target(columns: list[str]) -> str | None:
    """A column named like a label (target, label, class, y, species, ...), else the last one."""
    lowered = {c.lower().strip(): c for c in columns}
    for name in _TARGET_NAMES:
        if name in lowered:
            return lowered[name]
    return columns[-1] if len(columns) > 1 else None


def default_options(path: str | Path) -> dict:
    """Options for a first look at a stored file: CSV target guessed, images 28x28 grey."""
    kind = kind_of(path)
    if kind == "csv":
        return {"target": guess_target(csv_columns(path)), "task": "auto"}
    if kind in ("zip", "folder"):
        return {"size": 28, "color": "grey"}
    return {}


def check_options(path: str | Path, options: dict) -> dict:
    """Only the options the file's loader takes, with the right types."""
    kind = kind_of(path)
    out: dict = {}
    if kind == "csv":
        if options.get("target") is not None:
            out["target"] = str(options["target"])
        out["task"] = options.get("task", "auto") if options.get("task", "auto") in TASKS else "auto"
        drop = [str(c) for c in options.get("drop") or [] if str(c) != out.get("target")]
        if drop:
            out["drop"] = drop
    elif kind in ("zip", "folder"):
        out["size"] = int(options.get("size", 28))
        out["color"] = "rgb" if options.get("color") == "rgb" else "grey"
    return out


# ----------------------------------------------------------------------------- the flow

@dataclass
class Outcome:
    ok: bool
    path: Path | None = None
    options: dict = field(default_factory=dict)
    view: object | None = None
    error: Exception | None = None

    def message(self, lang: str) -> str:
        if self.error is None:
            return ""
        if isinstance(self.error, DataError):
            return self.error.message(lang)
        from builder.i18n import translate
        return translate("datapage.upload_unexpected", lang, error=type(self.error).__name__)


Summarize = Callable[[str, dict], object]


def _summarize_default(path: str, options: dict):
    from .data_view import upload_view
    return upload_view(path, options)


def _resolved_data(ws) -> str:
    return ws.data_choice()["data"] or "digits"


def accept_upload(ws, filename: str, data: bytes, options: dict | None = None,
                  summarize: Summarize = _summarize_default) -> Outcome:
    """Store, parse and (only when it parses) choose an uploaded file. A bad file is a
    message in ``Outcome.error``; the workspace's data choice is untouched and the stored
    copy removed again (unless it was stored before)."""
    try:
        path, created = store(ws.uploads_dir, filename, data)
    except DataError as exc:
        return Outcome(False, error=exc)
    try:
        opts = check_options(path, options if options is not None else default_options(path))
        view = summarize(str(path), opts)
    except Exception as exc:  # DataError, or anything else a hostile file provokes
        if created:
            remove(path, ws.uploads_dir)
        return Outcome(False, path=None, error=exc)
    ws.set_data_choice(data=_resolved_data(ws), upload=str(path), upload_options=opts)
    return Outcome(True, path=path, options=opts, view=view)


def change_options(ws, path: str | Path, options: dict, summarize: Summarize = _summarize_default) -> Outcome:
    """New options for a stored upload (CSV target, image size ...): chosen only if the
    file parses with them; otherwise the previous options stay."""
    try:
        opts = check_options(path, options)
        view = summarize(str(path), opts)
    except Exception as exc:
        return Outcome(False, error=exc)
    ws.set_data_choice(data=_resolved_data(ws), upload=str(path), upload_options=opts)
    return Outcome(True, path=Path(path), options=opts, view=view)


def choose_folder(ws, path: str, summarize: Summarize = _summarize_default) -> Outcome:
    """A local image folder (streamed from disk in training), chosen only if it lists and its
    first images decode; a missing folder or a file is a message and changes nothing."""
    from runtime.data.stream import check_folder
    try:
        folder = check_folder(path)
    except DataError as exc:
        return Outcome(False, error=exc)
    return change_options(ws, folder, default_options(folder), summarize)


def reuse(ws, path: str | Path, summarize: Summarize = _summarize_default) -> Outcome:
    """Choose a file uploaded before (found under the workspace's uploads folder)."""
    try:
        opts = check_options(path, default_options(path))
    except Exception as exc:
        return Outcome(False, error=exc)
    return change_options(ws, path, opts, summarize)


def forget(ws, path: str | Path) -> None:
    """Delete a stored upload; if it is the current choice, go back to the built-in set."""
    if ws.data_choice().get("upload") and Path(ws.data_choice()["upload"]) == Path(path):
        ws.set_data_choice(upload=None, upload_options={})
    remove(Path(path), ws.uploads_dir)
