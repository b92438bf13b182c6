"""Tree layers: TreeRNN and TreeLSTM (child-sum) read one tree per sample, the (N, 3) int64 rows
(token, parent, depth) of docs/graph-format.md, and return the root's state. Their torch code is
``tree_modules.py``, copied into the generated model file (``support``)."""
from functools import cache
from pathlib import Path

from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_VOCAB, bilingual, Param, units
from ..shape_math import checked

_GATES = {"TreeRNN": 1, "TreeLSTM": 4}         # i, o, u, f: as many input and hidden-to-hidden matrices
_MARKER = "# ---- generated code starts here\n"


@cache
def support_source() -> str:
    """The torch code the generated file carries for the tree layers (read, never imported here)."""
    text = (Path(__file__).with_name("tree_modules.py")).read_text(encoding="utf-8")
    return text[text.index(_MARKER) + len(_MARKER):].strip("\n") + "\n"


def _infer(type_):
    def infer(ins, p):
        shape = ins[0]
        if len(shape) != 2 or shape[1] != 3:
            raise GraphError("shape.rank", layer=type_, expected="(N, 3) tree rows (token, parent, depth)",
                             received_shape=list(shape))
        return checked(type_, (p["hidden_size"],))
    return infer


def _count(type_):
    def count(ins, p):
        e, h, g = p["embedding_dim"], p["hidden_size"], _GATES[type_]
        return (p["num_embeddings"] + p["positions"]) * e + g * h * (e + 1) + g * h * h
    return count


def _params():
    return (
        units("num_embeddings", "Vocabulary size: how many different node tokens (0 is padding).",
              "词表大小：节点词元的种类数（0 为填充）。", hi=MAX_VOCAB),
        units("embedding_dim", "Length of each token's vector.", "每个词元向量的长度。", default=32),
        units("hidden_size", "Size of each node's hidden state.", "每个节点隐藏状态的大小。"),
        Param("positions", "int", 2, bilingual(
            "Places among siblings told apart (first child, second, ...; the last for the rest): a plain sum "
            "over children forgets their order.",
            "区分兄弟节点中的位置数（第一个孩子、第二个……，其余共用最后一个）：仅对孩子求和会丢失顺序。"),
            lo=1, hi=64),
    )


_TEXT = {
    "TreeRNN": (bilingual("Tree RNN", "树形循环网络"),
                bilingual("Reads a tree bottom-up into one vector at its root.", "自底向上读取一棵树，在根部得到一个向量。"),
                bilingual("Recursive network: each node's state is tanh(W·x + U·Σ children's states + b), computed for "
                          "all nodes of one depth at once, deepest level first. Input: an int64 tree (N, 3).",
                          "递归神经网络：每个节点的状态为 tanh(W·x + U·Σ 子节点状态 + b)，同一深度的所有节点一次算完，"
                          "从最深层开始。输入：int64 树 (N, 3)。")),
    "TreeLSTM": (bilingual("Tree LSTM", "树形 LSTM"),
                 bilingual("Child-sum TreeLSTM: a gated memory per node, one forget gate per child.",
                           "子节点求和 TreeLSTM：每个节点有门控记忆，每个孩子一个遗忘门。"),
                 bilingual("Tai et al.'s child-sum TreeLSTM: gates from the node's token and the sum of its children's "
                           "states; each child's memory passes through its own forget gate. All nodes of one depth "
                           "are computed at once. Input: an int64 tree (N, 3); output: the root's state.",
                           "Tai 等人的子节点求和 TreeLSTM：门由节点的词元和孩子状态之和决定；每个孩子的记忆经过各自的"
                           "遗忘门。同一深度的所有节点一次算完。输入：int64 树 (N, 3)；输出：根节点的状态。")),
}

for _t in ("TreeRNN", "TreeLSTM"):
    register(LayerSpec(
        type=_t, category="recurrent", title=_TEXT[_t][0], help=_TEXT[_t][1], explain=_TEXT[_t][2],
        params=_params(), dtype_in="int", infer=_infer(_t), count=_count(_t),
        module=_t, positional=("num_embeddings", "embedding_dim", "hidden_size"),
        helper=(support_source(),), example_input="random_trees(batch_size, {slots}, {num_embeddings})",
        key_params=("hidden_size",), starter={"num_embeddings": 13, "hidden_size": 64},
    ))
