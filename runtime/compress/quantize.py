"""Int8 quantization with what torch ships for CPU (docs/compression.md says why these paths):
eager dynamic int8 for Linear/LSTM/GRU, FX-graph static int8 calibrated on training samples for
conv nets. torch marks ``torch.ao.quantization`` deprecated; ``ao()`` is the one place that
warning is filtered."""
from __future__ import annotations

import contextlib
import warnings

import torch
from torch import nn

from .errors import CompressError

# LSTM/GRU int8 weights are saved as plain tensors (rnn_cells.py): weights_only=True reads them.
DYNAMIC_TYPES = (nn.Linear, nn.LSTM, nn.GRU)
CONV_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
ENGINE = "x86"
CALIBRATION_BATCHES = 8


@contextlib.contextmanager
def ao():
    """``torch.ao.quantization`` without its deprecation warning (torchao would make exported code
    need more than torch) nor the observers' ``reduce_range`` notice."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"Please use quant_min and quant_max", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"TypedStorage is deprecated", category=UserWarning)
        import torch.ao.quantization as quantization
        yield quantization


def check_quantizable(module: nn.Module, mode: str | None) -> None:
    """Refuse a quantization the model has no layer for: dynamic needs a Linear/LSTM/GRU, static a Conv."""
    if mode == "dynamic" and not any(isinstance(m, DYNAMIC_TYPES) for m in module.modules()):
        raise CompressError("compress.no_dynamic_layers")
    if mode == "static" and not any(isinstance(m, CONV_TYPES) for m in module.modules()):
        raise CompressError("compress.static_needs_conv")


def quantize_dynamic(module: nn.Module) -> nn.Module:
    """Linear, LSTM and GRU layers with int8 weights (activations quantized on the fly)."""
    check_quantizable(module, "dynamic")
    with ao() as q:
        return q.quantize_dynamic(module.cpu().eval(), set(DYNAMIC_TYPES), dtype=torch.qint8)


def quantize_static(module: nn.Module, calibration: list[tuple[torch.Tensor, ...]]) -> nn.Module:
    """Int8 weights and activations (FX graph mode), the activation ranges observed on ``calibration``
    (tuples of model inputs, training samples)."""
    check_quantizable(module, "static")
    with ao() as q:
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
        torch.backends.quantized.engine = ENGINE
        try:
            prepared = prepare_fx(module.cpu().eval(), q.get_default_qconfig_mapping(ENGINE), calibration[0])
        except Exception as exc:   # torch.fx cannot trace every forward (data-dependent control flow)
            raise CompressError("compress.not_traceable", detail=str(exc).splitlines()[0][:200]) from None
        with torch.no_grad():
            for inputs in calibration:
                prepared(*inputs)
        return convert_fx(prepared)


def static_template(module: nn.Module, example: tuple[torch.Tensor, ...]) -> nn.Module:
    """The static int8 structure of ``module`` with no calibration: a quantized state dict loads into it."""
    return quantize_static(module, [example])


def float_layers(quantized: nn.Module) -> list[str]:
    """Names of the layers with weights that stayed float (not a quantized module)."""
    out = []
    for name, m in quantized.named_modules():
        own = [p for p in m.parameters(recurse=False)]
        if own and "quantized" not in type(m).__module__:
            out.append(name)
    return out
