"""Recurrent layers: RNN, LSTM, GRU (always batch-first; one output tensor, chosen by ``return``)."""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_LAYERS, bilingual, Param, bias, units
from ..shape_math import checked, expect_rank
from ..weight_init import weight_init

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _params(type_):
    ps = (units("hidden_size", "Size of the hidden state.", "隐藏状态的大小。"),
          Param("num_layers", "int", 1, bilingual("Recurrent layers stacked on each other.", "相互堆叠的循环层数。"), lo=1, hi=MAX_LAYERS),
          bias(),
          Param("dropout", "float", 0.0, bilingual("Dropout between stacked layers.", "堆叠层之间的 Dropout 概率。"),
                lo=0.0, hi=1.0, hi_open=True),
          Param("bidirectional", "bool", False, bilingual("Also read the sequence backwards.", "同时反向读取序列。")),
          Param("return", "choice", "sequence",
                bilingual("sequence: the output at every step; last: the final hidden state.",
                  "sequence：每一步的输出；last：最后的隐藏状态。"),
                choices=("sequence", "last"), torch_arg=False),
          weight_init())
    if type_ == "RNN":
        ps = ps[:1] + (Param("nonlinearity", "choice", "tanh", bilingual("Activation of the hidden state.", "隐藏状态的激活函数。"),
                             choices=("tanh", "relu")),) + ps[1:]
    return ps


def _check(p):
    if p["dropout"] > 0 and p["num_layers"] == 1:
        raise GraphError("param.rnn_dropout", param="dropout", received=p["dropout"])


def _infer(type_):
    def infer(ins, p):
        expect_rank(type_, ins[0], (2,), "(L, features)")
        width = p["hidden_size"] * (2 if p["bidirectional"] else 1)
        return checked(type_, (ins[0][0], width) if p["return"] == "sequence" else (width,))
    return infer


def _count(type_):
    def count(ins, p):
        g, h, dirs = _GATES[type_], p["hidden_size"], 2 if p["bidirectional"] else 1
        total, width = 0, ins[0][1]
        for _ in range(p["num_layers"]):
            total += dirs * (g * h * (width + h) + (2 * g * h if p["bias"] else 0))
            width = h * dirs
        return total
    return count


def _forward(type_):
    def lines(out, ins, attr, p, in_shapes):
        call = f"self.{attr}({ins[0]})"
        if p["return"] == "sequence":
            return [f"{out}, _ = {call}"]
        state = f"({out}, _)" if type_ == "LSTM" else out
        last = (f"torch.cat([{out}[-2], {out}[-1]], dim=1)" if p["bidirectional"] else f"{out}[-1]")
        return [f"_, {state} = {call}", f"{out} = {last}  # final hidden state of the last layer"]
    return lines


_TEXT = {
    "RNN": (bilingual("Simple RNN", "简单循环神经网络"),
            bilingual("Reads a sequence step by step, carrying a hidden state.", "逐步读取序列，并携带一个隐藏状态。"),
            bilingual("h_t = tanh(W·x_t + U·h_{t−1} + b): the same weights at every step. Simple, but long sequences make its "
              "gradients vanish, which LSTM and GRU were built to fix.",
              "h_t = tanh(W·x_t + U·h_{t−1} + b)：每一步使用相同的权重。结构简单，但序列很长时梯度会消失，"
              "LSTM 和 GRU 正是为解决这一问题而设计的。")),
    "LSTM": (bilingual("LSTM", "长短期记忆网络"),
             bilingual("A recurrent layer with gated memory for long sequences.", "带门控记忆、适合长序列的循环层。"),
             bilingual("Input, forget and output gates decide what the cell state keeps, so information and gradients survive "
               "across many steps. Input (L, features); return 'last' for one vector per sequence.",
               "输入门、遗忘门和输出门决定细胞状态保留什么，使信息和梯度能跨越许多步传递。"
               "输入为 (L, features)；选择 return 为 last 可为每个序列得到一个向量。")),
    "GRU": (bilingual("GRU", "门控循环单元"),
            bilingual("A lighter gated recurrent layer.", "更轻量的门控循环层。"),
            bilingual("Two gates (update and reset) instead of the LSTM's three and no separate cell state: fewer parameters, "
              "often as good.",
              "用两个门（更新门和重置门）代替 LSTM 的三个门，也没有单独的细胞状态：参数更少，效果往往相当。")),
}

for _t in ("RNN", "LSTM", "GRU"):
    register(LayerSpec(
        type=_t, category="recurrent", title=_TEXT[_t][0], help=_TEXT[_t][1], explain=_TEXT[_t][2],
        params=_params(_t), check=_check, infer=_infer(_t), count=_count(_t),
        module=f"nn.{_t}", size_args=lambda ins, p: [ins[0][1]], size_names=("input_size",), positional=("hidden_size",),
        fixed_kwargs=(("batch_first", True),), forward=_forward(_t),
        key_params=("hidden_size", "return"), starter={"hidden_size": 64},
    ))
