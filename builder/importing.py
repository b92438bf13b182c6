"""Import a model onto the canvas: ``FILE.py:ClassName`` (traced in a limited child process) or ``FILE.onnx``,
optionally with a state dict, as a graph document that checks (and a checkpoint for fine-tuning).

``python -m builder import`` and the Build page's File > Import both call ``import_source``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .codegen import compile_graph
from .graph import write_document
from .pyimport import ImportRefused, import_python
from .shapes import check

MAX_WEIGHT_KEYS_SHOWN = 3
WEIGHTS_FOLDER = "imported"        # in the app's workspace: imported models' weights, checkpoints to start from
WEIGHTS_SUFFIX = ".weights.pt"


@dataclass
class Imported:
    graph: dict
    params: int
    nodes: int
    state_dict: dict | None = None                     # keyed as the generated model's state dict
    modules: dict = field(default_factory=dict)        # the source's module path -> node path (Python)
    weights_path: str | None = None


def parse_shapes(text: str | None) -> dict | None:
    """``--args``: a JSON object of input name -> shape without the batch dimension."""
    if not text:
        return None
    try:
        shapes = json.loads(text)
    except json.JSONDecodeError:
        shapes = None
    if not isinstance(shapes, dict) or not all(
            isinstance(v, list) and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in v)
            for v in shapes.values()):
        raise ImportRefused("import.bad_args", received=str(text)[:80])
    return shapes


def import_source(source: str, shapes_json: str | None = None, *, weights: str | None = None,
                  output: str | None = None) -> Imported:
    """The graph for ``FILE.py:ClassName`` or ``FILE.onnx``, checked; with ``weights``, the state dict
    renamed to the graph's modules and loaded into its model (strict). Writes ``output`` (and the
    weights as a NetCanvas checkpoint beside it, ``<output>.weights.pt``) when given."""
    if source.lower().endswith(".onnx"):
        from .onnx_import import import_onnx
        imported = import_onnx(source)
    else:
        path, sep, class_name = source.rpartition(":")
        if not sep or not path.endswith(".py") or not class_name.isidentifier():
            raise ImportRefused("import.bad_source", received=source[:120])
        answer = import_python(path, class_name, parse_shapes(shapes_json))
        imported = finish(answer["graph"], modules=answer["modules"])
    if weights:
        imported.state_dict = renamed_weights(read_state_dict(weights), imported)
    if output:
        Path(output).write_text(write_document(imported.graph), encoding="utf-8")
        if imported.state_dict is not None:
            imported.weights_path = save_weights(imported, str(Path(output).with_suffix(".weights.pt")))
    return imported


def finish(graph: dict, modules: dict | None = None, state_dict: dict | None = None) -> Imported:
    """The imported document checked; an importer's graph that does not check is refused with its first errors."""
    result = check(graph)
    if not result.ok:
        raise ImportRefused("import.check_failed", errors="; ".join(e.message() for e in result.errors[:3]))
    imported = Imported(graph=graph, params=result.total_params, nodes=len(result.graph.nodes),
                        modules=modules or {})
    if state_dict is not None:
        imported.state_dict = loaded_into_model(state_dict, imported)
    return imported


# -- weights ----------------------------------------------------------------------------------------------------------
def read_state_dict(path: str) -> dict:
    """A state dict from ``.safetensors`` or a ``.pt`` read with ``weights_only=True`` (a checkpoint's
    ``state_dict`` too); nothing in the file is executed."""
    import torch      # here, so that the Build page loads without torch
    try:
        if path.lower().endswith(".safetensors"):
            from safetensors.torch import load_file
            state = load_file(path, device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ImportRefused("import.no_file", path=path) from None
    except Exception as exc:      # damaged, or objects weights_only refuses: never loaded unsafely
        raise ImportRefused("import.weights_unreadable", path=Path(path).name, detail=str(exc).splitlines()[0][:160]) \
            from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ImportRefused("import.weights_not_state_dict", path=Path(path).name)
    return state


def renamed_weights(state: dict, imported: Imported) -> dict:
    """The source model's keys (``layer1.0.conv1.weight``) as the generated model's, checked by loading them."""
    if not imported.modules:      # ONNX: the keys are already the generated model's
        return loaded_into_model(state, imported)
    paths = compile_graph(imported.graph).generated.module_paths
    renamed, unknown = {}, []
    for key, value in state.items():
        module, _, leaf = key.rpartition(".")
        node_path = imported.modules.get(module)
        if node_path is None:
            unknown.append(key)
            continue
        renamed[f"{paths[tuple(node_path)]}.{leaf}"] = value
    if unknown:
        raise ImportRefused("import.weights_unknown", keys=unknown[:MAX_WEIGHT_KEYS_SHOWN], count=len(unknown))
    return loaded_into_model(renamed, imported)


def loaded_into_model(state: dict, imported: Imported) -> dict:
    model = compile_graph(imported.graph).build()
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise ImportRefused("import.weights_missing", keys=missing[:MAX_WEIGHT_KEYS_SHOWN], count=len(missing))
    extra = [k for k in state if k not in own]
    if extra:
        raise ImportRefused("import.weights_unknown", keys=extra[:MAX_WEIGHT_KEYS_SHOWN], count=len(extra))
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise ImportRefused("import.weights_shape", key=key, expected_shape=list(own[key].shape),
                               received_shape=list(value.shape))
    model.load_state_dict(state, strict=True)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def weights_file(home: Path, key: str) -> Path:
    """Where the app keeps the weights imported with the graph ``key``."""
    return Path(home) / WEIGHTS_FOLDER / f"{key}{WEIGHTS_SUFFIX}"


def imported_weights(home: Path) -> list[Path]:
    """The workspace's imported weights, newest first: the Train page offers them as a start."""
    found = (Path(home) / WEIGHTS_FOLDER).glob(f"*{WEIGHTS_SUFFIX}")
    return sorted(found, key=lambda path: path.stat().st_mtime, reverse=True)


def imported_name(path: str | Path) -> str | None:
    """The graph's key an imported weights file belongs to; None for any other checkpoint (a run's)."""
    path = Path(path)
    if path.parent.name != WEIGHTS_FOLDER or not path.name.endswith(WEIGHTS_SUFFIX):
        return None
    return path.name[: -len(WEIGHTS_SUFFIX)]


def save_weights(imported: Imported, path: str) -> str:
    """A NetCanvas checkpoint (the runtime's ``init_from`` reads it: fine-tune the imported model)."""
    from runtime import checkpoint          # the runtime's format; imported here so builder stays light
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    checkpoint.save(Path(path), state_dict=imported.state_dict, graph=imported.graph, epoch=0, step=0)
    return path
