"""Attention: a Transformer encoder block (always batch-first)."""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_HEADS, MAX_UNITS, bilingual, Param, bias
from ..shape_math import expect_rank


def _infer(ins, p):
    expect_rank("TransformerEncoderLayer", ins[0], (2,), "(L, d_model)")
    if ins[0][1] % p["nhead"]:
        raise GraphError("shape.heads", layer="TransformerEncoderLayer", d_model=ins[0][1], nhead=p["nhead"])
    return ins[0]


def _count(ins, p):
    d, ff, b = ins[0][1], p["dim_feedforward"], 1 if p["bias"] else 0
    attention = 3 * d * d + 3 * d * b + d * d + d * b
    feedforward = d * ff + ff * b + ff * d + d * b
    norms = 2 * d * (1 + b)
    return attention + feedforward + norms


def _forward(out, ins, attr, p, in_shapes):
    if not p["causal"]:
        return [f"{out} = self.{attr}({ins[0]})"]
    x = ins[0]
    return [f"{out} = self.{attr}({x}, src_mask=nn.Transformer.generate_square_subsequent_mask({x}.shape[1], "
            f"device={x}.device), is_causal=True)  # position t attends to positions <= t"]


register(LayerSpec(
    type="TransformerEncoderLayer", category="attention",
    title=bilingual("Transformer encoder layer", "Transformer 编码器层"),
    help=bilingual("Self-attention plus a feed-forward block, with residuals.", "自注意力加前馈网络，带残差连接。"),
    explain=bilingual("Every position looks at every other position through nhead attention heads and mixes in what is "
              "relevant, then a small MLP transforms each position. Input (L, d_model); d_model must divide by nhead.",
              "每个位置通过 nhead 个注意力头查看所有其他位置并融合相关信息，然后由一个小型 MLP 变换每个位置。"
              "输入为 (L, d_model)；d_model 必须能被 nhead 整除。"),
    params=(Param("nhead", "int", help=bilingual("Number of attention heads.", "注意力头的个数。"), lo=1, hi=MAX_HEADS),
            Param("dim_feedforward", "int", 2048, bilingual("Width of the feed-forward block.", "前馈网络的宽度。"), lo=1, hi=MAX_UNITS),
            Param("dropout", "float", 0.1, bilingual("Dropout inside the block.", "层内的 Dropout 概率。"), lo=0.0, hi=1.0, hi_open=True),
            Param("activation", "choice", "relu", bilingual("Activation of the feed-forward block.", "前馈网络的激活函数。"),
                  choices=("relu", "gelu")),
            Param("layer_norm_eps", "float", 1e-5, bilingual("Epsilon of the layer norms.", "层归一化的 epsilon。"),
                  lo=0.0, hi=1.0, lo_open=True),
            Param("norm_first", "bool", False, bilingual("Normalise before attention (pre-norm).", "在注意力之前做归一化（pre-norm）。")),
            bias(),
            Param("causal", "bool", False, bilingual("Each position sees only itself and the positions before it "
                                                     "(a language model must not read the next token).",
                                                     "每个位置只看到自己和之前的位置（语言模型不能偷看下一个词元）。"),
                  torch_arg=False)),
    infer=_infer, count=_count, forward=_forward,
    module="nn.TransformerEncoderLayer", size_args=lambda ins, p: [ins[0][1]], size_names=("d_model",), positional=("nhead",),
    fixed_kwargs=(("batch_first", True),), key_params=("nhead", "dim_feedforward"),
    starter={"nhead": 4, "dim_feedforward": 128},
))
