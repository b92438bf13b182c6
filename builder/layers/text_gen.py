"""Layers for text generation: PositionalEncoding (a NetCanvas layer, not a torch.nn class).

A Transformer sees a set of positions, not a sequence: PositionalEncoding adds to every position's vector a
vector saying where it stands, either the fixed sines and cosines of "Attention is all you need" or a learned
table (an Embedding of positions). Shorter sequences than ``max_len`` are fine (generation feeds growing ones).
"""
import math

from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_DIM, bilingual, Param
from ..shape_math import expect_rank


def _infer(ins, p):
    expect_rank("PositionalEncoding", ins[0], (2,), "(L, d_model)")
    if ins[0][0] > p["max_len"]:
        raise GraphError("textgen.positions", layer="PositionalEncoding", length=ins[0][0], max_len=p["max_len"])
    return ins[0]


def _count(ins, p):
    return p["max_len"] * ins[0][1] if p["kind"] == "learned" else 0


def _module(p):
    return "nn.Embedding" if p["kind"] == "learned" else None


def _forward(out, ins, attr, p, in_shapes):
    x = ins[0]
    if p["kind"] == "learned":
        return [f"{out} = {x} + self.{attr}.weight[:{x}.shape[1]]  # a learned vector per position"]
    width = in_shapes[0][1]
    rate = -math.log(10000.0) / width
    return [f"{out}_angle = torch.arange({x}.shape[1], device={x}.device).unsqueeze(1) * "
            f"torch.exp(torch.arange(0, {width}, 2, device={x}.device) * {rate!r})",
            f"{out} = {x} + torch.stack([torch.sin({out}_angle), torch.cos({out}_angle)], dim=-1)"
            f".flatten(1)[:, :{width}].to({x}.dtype)  # sin/cos of position x frequency"]


register(LayerSpec(
    type="PositionalEncoding", category="attention",
    title=bilingual("Positional encoding", "位置编码"),
    help=bilingual("Adds where each position stands to its vector (sinusoidal or learned).",
                   "给每个位置的向量加上它所在位置的信息（正弦式或可学习）。"),
    explain=bilingual("Attention alone does not know the order of the tokens. This adds to position t a vector of "
                      "sines and cosines of t at many frequencies (sinusoidal, no parameters, as in \"Attention is all "
                      "you need\"), or a learned vector per position (learned, max_len × d_model parameters). "
                      "Input and output (L, d_model), L at most max_len.",
                      "仅靠注意力并不知道词元的顺序。这一层给位置 t 加上一个由 t 在多种频率下的正弦和余弦组成的向量"
                      "（sinusoidal，无参数，出自《Attention is all you need》），或每个位置一个可学习的向量"
                      "（learned，max_len × d_model 个参数）。输入与输出为 (L, d_model)，L 不超过 max_len。"),
    params=(Param("kind", "choice", "sinusoidal", bilingual("sinusoidal: fixed sines and cosines; learned: a trained "
                                                            "vector per position.",
                                                            "sinusoidal：固定的正弦与余弦；learned：每个位置一个训练得到的向量。"),
                  choices=("sinusoidal", "learned"), torch_arg=False),
            Param("max_len", "int", 512, bilingual("The longest sequence it takes.", "能接受的最长序列。"),
                  lo=1, hi=MAX_DIM, torch_arg=False)),
    infer=_infer, count=_count, module=_module, forward=_forward,
    size_args=lambda ins, p: [p["max_len"], ins[0][1]], size_names=("num_embeddings", "embedding_dim"),
    key_params=("kind",), starter={"kind": "sinusoidal"},
))
