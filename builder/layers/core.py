"""Dense layers and embeddings."""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_VOCAB, bilingual, Param, bias, units
from ..shape_math import checked
from ..weight_init import weight_init

register(LayerSpec(
    type="Linear", category="core",
    title=bilingual("Linear (dense)", "全连接层"),
    help=bilingual("Every output is a weighted sum of all inputs plus a bias.", "每个输出都是所有输入的加权和再加偏置。"),
    explain=bilingual("A fully connected layer: y = x·Wᵀ + b over the last dimension. Stacking Linear layers with "
              "activations in between gives a multilayer perceptron (MLP).",
              "全连接层：在最后一维上计算 y = x·Wᵀ + b。多个全连接层之间加入激活函数，就构成多层感知机（MLP）。"),
    params=(units("out_features", "Number of output units.", "输出单元的个数。"), bias(), weight_init()),
    infer=lambda ins, p: checked("Linear", ins[0][:-1] + (p["out_features"],)),
    count=lambda ins, p: ins[0][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0),
    module="nn.Linear", size_args=lambda ins, p: [ins[0][-1]], size_names=("in_features",), positional=("out_features",),
    key_params=("out_features",), starter={"out_features": 64},
))


def _check_embedding(p):
    idx, n = p["padding_idx"], p["num_embeddings"]
    if idx is not None and not -n <= idx < n:
        raise GraphError("param.padding_idx", param="padding_idx", received=idx, num_embeddings=n)


register(LayerSpec(
    type="Embedding", category="core",
    title=bilingual("Embedding", "嵌入层"),
    help=bilingual("Turns token ids into learned vectors.", "把词编号变成可学习的向量。"),
    explain=bilingual("A lookup table: token id i becomes row i of a learned matrix. Feed it an int64 Input of "
              "token ids; ids must be smaller than num_embeddings.",
              "一张查找表：编号为 i 的词取出可学习矩阵的第 i 行。输入应为 int64 类型的词编号，"
              "且编号必须小于 num_embeddings。"),
    params=(
        units("num_embeddings", "Vocabulary size: how many different ids.", "词表大小：不同编号的个数。", hi=MAX_VOCAB),
        units("embedding_dim", "Length of each vector.", "每个向量的长度。"),
        Param("padding_idx", "int", None, bilingual("This id maps to a fixed zero vector (padding).", "该编号映射为固定的零向量（填充）。"),
              lo=-MAX_VOCAB, hi=MAX_VOCAB, nullable=True),
        Param("max_norm", "float", None, bilingual("Renormalise vectors longer than this.", "长度超过此值的向量会被重新缩放。"),
              lo=0.0, lo_open=True, hi=1e6, nullable=True),
        Param("scale_grad_by_freq", "bool", False, bilingual("Scale gradients by inverse word frequency.", "按词频的倒数缩放梯度。")),
    ),
    check=_check_embedding, dtype_in="int",
    infer=lambda ins, p: checked("Embedding", ins[0] + (p["embedding_dim"],)),
    count=lambda ins, p: p["num_embeddings"] * p["embedding_dim"],
    module="nn.Embedding", positional=("num_embeddings", "embedding_dim"),
    key_params=("num_embeddings", "embedding_dim"), starter={"num_embeddings": 1000, "embedding_dim": 32},
))
