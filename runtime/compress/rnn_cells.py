"""Dynamic int8 LSTM/GRU weights as plain tensors. torch.ao keeps each layer's int8 weights in
packed cells (TorchScript objects) that ``torch.load(weights_only=True)`` refuses; the saved file
holds, under ``<layer>.cells.``, the int8 weights (``weight_ih_l0``...) and float biases the cells
were packed from, and loading packs them again with the modules' public ``set_weight_bias``.
Needs only torch: the exported ``quantize.py`` carries this module's source."""
from collections import OrderedDict

CELLS = "cells."


def _dynamic_rnns(model):
    from torch.ao.nn.quantized.dynamic import GRU, LSTM
    return {name: m for name, m in model.named_modules() if isinstance(m, (LSTM, GRU))}


def _prefix(name):
    return f"{name}." if name else ""


def plain_state_dict(model):
    """``model.state_dict()`` with each dynamic int8 LSTM/GRU's packed cells replaced by their int8
    weights and float biases: what ``torch.load(weights_only=True)`` reads back."""
    state = model.state_dict()
    for name, rnn in _dynamic_rnns(model).items():
        for key in rnn.state_dict(prefix=_prefix(name)):
            del state[key]
        for key, value in {**rnn.get_weight(), **rnn.get_bias()}.items():
            state[_prefix(name) + CELLS + key] = value
    return state


def quantize_dynamic_as_saved(model, float_layers=()):
    """``model`` with dynamic int8 Linear/LSTM/GRU, the structure ``model_int8.pt`` loads into; the
    layers named in ``float_layers`` stay float (runs compressed when LSTM/GRU stayed float list them)."""
    import torch
    import torch.ao.quantization as q
    spec = {kind: q.default_dynamic_qconfig for kind in (torch.nn.Linear, torch.nn.LSTM, torch.nn.GRU)}
    spec.update({name: None for name in float_layers})     # a name's qconfig wins over its type's
    return q.quantize_dynamic(model, spec, dtype=torch.qint8)


def load_plain_state_dict(model, state):
    """Load what ``plain_state_dict`` gave into ``model`` (the same network, quantized the same way)."""
    metadata = getattr(state, "_metadata", None)    # the modules' format versions: Linear's reads them
    state = dict(state)
    for name, rnn in _dynamic_rnns(model).items():
        head = _prefix(name) + CELLS
        rnn.set_weight_bias({key[len(head):]: state.pop(key) for key in list(state) if key.startswith(head)})
        state.update(rnn.state_dict(prefix=_prefix(name)))     # the cells just packed: nothing left to load
    state = OrderedDict(state)
    if metadata is not None:
        state._metadata = metadata
    model.load_state_dict(state)
    return model
