"""What every export needs: the error type, reading a run or checkpoint, the generated
model source (refused with the checker's messages when the graph does not check), and
loading that source as a module of its own.
"""
from __future__ import annotations

import copy
import hashlib
import json
import types
from dataclasses import dataclass, field
from pathlib import Path

import torch

from builder.codegen import CodegenError, Generated, compile_source, generate
from builder.errors import CheckError, CodedError, FormatError
from builder.graph import check_header
from builder.i18n import DEFAULT_LANG

CHECKPOINT_NAMES = ("checkpoint_best.pt", "checkpoint_last.pt")
MAIN_MARKER = '\n\nif __name__ == "__main__":'


class ExportError(CodedError):
    """An export a user asked for and cannot have: a stable code (``export.*`` or the
    checker's), its args, and for an invalid graph the checker's errors."""

    def __init__(self, code: str, errors: list[CheckError] | None = None, **args):
        super().__init__(code, **args)
        self.errors = list(errors or [])

    def message(self, lang: str = DEFAULT_LANG) -> str:
        text = super().message(lang)
        if self.errors:
            text += "\n" + "\n".join(e.message(lang) for e in self.errors)
        return text


# -- the graph and its source -------------------------------------------------------------
def generated(graph: dict, which: str = "model", taken: frozenset = frozenset()) -> Generated:
    """``builder.codegen.generate`` for an export: a graph that does not check is refused. Its block
    classes avoid the names in ``taken``."""
    try:
        check_header(graph)
    except FormatError as exc:
        raise ExportError("export.graph_invalid", errors=[exc.error], which=which) from None
    try:
        return generate(graph, taken=taken)
    except CodegenError as exc:
        raise ExportError("export.graph_invalid", errors=exc.errors, which=which) from None


def model_source(graph: dict, which: str = "model") -> str:
    """The standalone model module (``python -m builder export``), smoke test included."""
    return generated(graph, which).source


def strip_main(source: str) -> str:
    """The generated source without its ``if __name__ == "__main__":`` smoke test."""
    cut = source.find(MAIN_MARKER)
    return (source[:cut] if cut >= 0 else source).rstrip() + "\n"


def load_module(source: str, name: str = "netcanvas_export") -> types.ModuleType:
    """Run a generated model source as its own module (what ``import model`` would give)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    module = types.ModuleType(f"{name}_{digest}")
    code = compile(source, f"<{name}-{digest}>", "exec")
    module.__file__ = f"<{name}-{digest}>"
    exec(code, module.__dict__)   # builder-generated text only: validated values and identifiers
    return module


def model_class(graph: dict, which: str = "model") -> type:
    gen = generated(graph, which)
    cls, _ = compile_source(gen.source, gen.class_name)
    return cls


# -- runs and checkpoints --------------------------------------------------------------------
@dataclass
class Run:
    """A checkpoint and what came with it, ready to export."""
    checkpoint: dict
    path: Path | None = None
    graph: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    preprocess: dict | None = None
    discriminator: dict | None = None
    mode: str = "classification"
    class_names: list | None = None

    @property
    def name(self) -> str:
        return str(self.graph.get("name") or "model")

    def state_dict(self, which: str = "model") -> dict:
        key = "discriminator_state_dict" if which == "discriminator" else "state_dict"
        sd = self.checkpoint.get(key)
        if not isinstance(sd, dict):
            raise ExportError("export.no_weights", which=which)
        return sd

    def graph_of(self, which: str = "model") -> dict:
        if which == "discriminator":
            if not self.discriminator:
                raise ExportError("export.no_weights", which=which)
            return self.discriminator
        return self.graph

    def build(self, which: str = "model") -> torch.nn.Module:
        """The in-app module (compiled from the stored graph) with the trained weights, in eval mode."""
        from builder.codegen import compile_graph
        generated(self.graph_of(which), which)   # refuse invalid graphs with the checker's messages
        module = compile_graph(self.graph_of(which)).build()
        try:
            module.load_state_dict(self.state_dict(which))
        except RuntimeError as exc:
            raise ExportError("export.weights_mismatch", which=which, detail=str(exc)[:300]) from None
        return module.eval()


def find_checkpoint(path: str | Path) -> Path:
    """A checkpoint file, or the best (else last) checkpoint of a run folder."""
    path = Path(path)
    if path.is_dir():
        for name in CHECKPOINT_NAMES:
            if (path / name).is_file():
                return path / name
        raise ExportError("export.no_checkpoint", path=str(path))
    if not path.is_file():
        raise ExportError("export.no_checkpoint", path=str(path))
    return path


def load_run(source: str | Path | dict | Run) -> Run:
    """A run folder, a checkpoint file, a loaded checkpoint dict, or a Run -> a Run.

    Checkpoints are read with ``torch.load(weights_only=True)``: nothing pickled runs."""
    if isinstance(source, Run):
        return source
    path = None
    if isinstance(source, dict):
        payload = source
    else:
        path = find_checkpoint(source)
        from runtime import checkpoint
        from runtime.config import ConfigError
        try:
            payload = checkpoint.load(path)
        except ConfigError as exc:
            raise refused(exc.code, exc.info) from None
    if payload.get("format") not in (None, "netcanvas.checkpoint") or not isinstance(payload.get("graph"), dict):
        raise ExportError("export.checkpoint_bad", path=str(path or "<checkpoint>"), detail="no graph in the checkpoint")
    record = payload.get("preprocess")
    return Run(checkpoint=payload, path=path, graph=payload["graph"], config=dict(payload.get("config") or {}),
               preprocess=copy.deepcopy(record) if isinstance(record, dict) else None,
               discriminator=payload.get("discriminator_graph"), mode=str(payload.get("mode") or "classification"),
               class_names=payload.get("class_names") or (record or {}).get("class_names"))


def refused(code: str, args: dict) -> ExportError:
    """A checkpoint ``runtime.checkpoint`` refused: damaged and unsafe files keep their own words."""
    if code in ("train.checkpoint_damaged", "train.checkpoint_unsafe"):
        return ExportError(code, **args)
    return ExportError("export.checkpoint_bad", path=args.get("path", "<checkpoint>"), detail=args.get("detail", code))


def preprocess_file(run: Run) -> dict:
    """``preprocess.json`` as the run folder holds it (docs/run-format.md)."""
    ckpt = run.checkpoint
    return {"preprocess": run.preprocess, "class_names": run.class_names,
            "input_names": ckpt.get("input_names"), "output_names": ckpt.get("output_names"),
            "mode": run.mode, "data": (run.preprocess or {}).get("data") or run.config.get("data"),
            "data_kind": (run.preprocess or {}).get("kind")}


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
