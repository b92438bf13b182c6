"""Weight initialisation: the ``init`` param of the layers with weights, and the ``nn.init``
lines the code generator writes for it.

``init`` is a NetCanvas param, not a torch keyword argument: the constructor keeps torch's own
initialisation and, for any other choice, ``__init__`` calls ``nn.init`` on the layer's weights
right after making it, so the exported model starts exactly where the app's does. Biases keep
torch's initialisation.
"""
from __future__ import annotations

from .params import Param, bilingual

INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal")
# Extra arguments per scheme: kaiming's gain is written for ReLU, what it was derived for.
_EXTRA = {"kaiming_uniform": ', nonlinearity="relu"', "kaiming_normal": ', nonlinearity="relu"'}
# Layers whose weights are several tensors (weight_ih_l0, weight_hh_l0, ...).
_MANY_WEIGHTS = frozenset({"RNN", "LSTM", "GRU"})


def weight_init() -> Param:
    return Param("init", "choice", "default", bilingual(
        "How the weights start: default keeps torch's; xavier suits tanh/sigmoid, kaiming suits ReLU, "
        "orthogonal keeps the scale through deep or recurrent stacks.",
        "权重的初始值：default 沿用 torch 的默认；xavier 适合 tanh/sigmoid，kaiming 适合 ReLU，"
        "orthogonal 让信号在很深的网络或循环层中保持尺度。"),
        choices=INITS, torch_arg=False)


def init_lines(layer_type: str, attr: str, init: str) -> list[str]:
    """The statements (unindented) that initialise ``self.<attr>``'s weights; none for ``default``."""
    if init == "default":
        return []
    call = f"nn.init.{init}_"
    extra = _EXTRA.get(init, "")
    if layer_type not in _MANY_WEIGHTS:
        return [f"{call}(self.{attr}.weight{extra})"]
    return [f"for name, weight in self.{attr}.named_parameters():",
            "    if name.startswith(\"weight\"):",
            f"        {call}(weight{extra})"]
