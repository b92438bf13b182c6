"""Tiny copies of the standard sets in their official formats, and a local HTTP server
that serves files (with Range requests, and a connection cut on demand).

``write_set(folder, name)`` writes the files of the standard set ``name`` under their
official names: 60 training and 20 test images. Pixel values and labels follow
``pattern`` so a test can check what it reads back.
"""
from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from runtime.data import cifar_binary, idx, standard

N_TRAIN, N_TEST = 60, 20           # CIFAR-10's 60: 12 in each of its five training batch files


def pattern(n: int, shape: tuple[int, ...], num_classes: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, *shape), labels): label (i + offset) % classes; image i filled with (i + offset) % 256
    in its first pixel row, 255 - that in the rest (so the order of samples can be checked)."""
    labels = ((np.arange(n) + offset) % num_classes).astype(np.uint8)
    images = np.empty((n, *shape), dtype=np.uint8)
    for i in range(n):
        images[i] = 255 - (i + offset) % 256
        images[i].reshape(-1, shape[-1])[0] = (i + offset) % 256
    return images, labels


def write_set(folder: Path, name: str) -> Path:
    """The standard set ``name``'s files, tiny, in ``folder/name/``; returns that folder."""
    spec = standard.SETS[name]
    where = folder / name
    where.mkdir(parents=True, exist_ok=True)
    k = len(spec.class_names)
    if spec.reader == "idx":
        for prefix, n, offset in (("train", N_TRAIN, 0), ("t10k", N_TEST, 100)):
            images, labels = pattern(n, spec.shape[1:], k, offset)
            idx.write(where / f"{prefix}-images-idx3-ubyte.gz", images)
            idx.write(where / f"{prefix}-labels-idx1-ubyte.gz", labels)
    else:
        layout = cifar_binary.LAYOUTS[name]
        per_batch = N_TRAIN // len(layout.train)
        batches = {b: pattern(per_batch, spec.shape, k, i * per_batch) for i, b in enumerate(layout.train)}
        batches[layout.test] = pattern(N_TEST, spec.shape, k, 100)
        cifar_binary.write(where / spec.files[0].name, batches, list(spec.class_names), layout)
    return where


def write_all(folder: Path) -> Path:
    for name in standard.SETS:
        write_set(folder, name)
    return folder


def table_for(name: str, files_folder: Path, base_url: str) -> standard.StandardSet:
    """The table entry of ``name`` with sizes and SHA-256 sums of the files in ``files_folder``,
    served from ``base_url`` (a checksum table made for the test)."""
    spec = standard.SETS[name]
    files = []
    for f in spec.files:
        data = (files_folder / f.name).read_bytes()
        files.append(replace(f, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             urls=(f"{base_url}/{f.name}",)))
    return replace(spec, files=tuple(files))


class FileServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) serving ``files`` (name -> bytes).
    ``cut_after[name] = n``: the next response for ``name`` sends only ``n`` bytes of its body
    and closes the connection; ``hold`` cleared keeps responses waiting before their body. ``requests``
    records (path, Range header) of every request."""

    def __init__(self, files: dict[str, bytes]):
        self.files = dict(files)
        self.cut_after: dict[str, int] = {}
        self.hold = threading.Event()       # cleared: responses wait before their body until it is set
        self.hold.set()
        self.requests: list[tuple[str, str | None]] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):   # quiet
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                owner.requests.append((name, self.headers.get("Range")))
                if name not in owner.files:
                    self.send_error(404)
                    return
                body, start = owner.files[name], 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                owner.hold.wait(60)
                cut = owner.cut_after.pop(name, None)
                self.wfile.write(body[start:start + cut] if cut is not None else body[start:])
                if cut is not None:
                    self.close_connection = True

        return Handler
