"""A compressed run's int8 model for export: ``quantize.py`` (builds ``model.py``'s network, quantizes
it the way NetCanvas did and loads ``model_int8.pt`` with ``weights_only=True``; needs only torch)
and the weights file. ONNX cannot hold torch.ao's quantized modules: the bundle's ONNX (when asked)
is the float model before quantization (pruned sizes and zeros included)."""
from __future__ import annotations

import inspect
from pathlib import Path

from ..compress import rnn_cells
from .common import Run, generated

QUANTIZED_FILE = "model_int8.pt"

SCRIPT = '''"""The int8 model of a compressed NetCanvas run: model.py's network quantized ({mode} int8, torch.ao)
with the weights of model_int8.pt. Needs only torch.

    from quantize import int8_model
    model = int8_model()
"""
import warnings
from collections import OrderedDict

import torch

from model import {cls}

MODE = {mode!r}
INPUT_SHAPES = {shapes!r}   # one sample of each input, without the batch dimension
FLOAT_LAYERS = {float_layers!r}   # layers that stay float

{cells}

def int8_model(weights="model_int8.pt"):
    with warnings.catch_warnings():
        # torch marks torch.ao.quantization deprecated (its successor, torchao, is another package)
        warnings.simplefilter("ignore")
        import torch.ao.quantization as q
        model = {cls}().eval()
        if MODE == "dynamic":
            model = quantize_dynamic_as_saved(model, FLOAT_LAYERS)
        else:
            from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
            torch.backends.quantized.engine = "x86"
            example = tuple(torch.zeros(1, *shape) for shape in INPUT_SHAPES)
            model = prepare_fx(model, q.get_default_qconfig_mapping("x86"), example)
            model(*example)   # the structure only: scales and zero points come from the weights file
            model = convert_fx(model)
        load_plain_state_dict(model, torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval()


if __name__ == "__main__":
    model = int8_model()
    out = model(*(torch.zeros(2, *shape) for shape in INPUT_SHAPES))
    print("int8 model ok:", tuple(out.shape))
'''


def quantization(run: Run) -> dict | None:
    """The run's quantization record (checkpoint ``quantization``), None for other runs."""
    record = run.checkpoint.get("quantization")
    return record if isinstance(record, dict) else None


def input_shapes(run: Run) -> list[list[int]]:
    """One sample of each model input, without the batch dimension, in the forward's order."""
    from builder.shapes import check
    result = check(run.graph)
    return [list(result.shapes[nid]) for nid in result.input_nodes()]


def cells_source() -> str:
    """rnn_cells.py's code without its docstring and imports (the script has those)."""
    source = inspect.getsource(rnn_cells)
    return source[source.index("CELLS = "):].rstrip() + "\n"


def quantize_script(run: Run) -> str:
    record = quantization(run)
    return SCRIPT.format(cls=generated(run.graph).class_name, mode=record["mode"], shapes=input_shapes(run),
                         float_layers=list(record.get("float_layers") or []), cells=cells_source())


def quantized_files(run: Run) -> dict[str, bytes]:
    """{"quantize.py", "model_int8.pt"} for a quantized compressed run; nothing for other runs."""
    record = quantization(run)
    if record is None or run.path is None:
        return {}
    weights = Path(run.path).parent / QUANTIZED_FILE
    return {"quantize.py": quantize_script(run).encode(), QUANTIZED_FILE: weights.read_bytes()}
