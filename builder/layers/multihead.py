"""MultiheadAttention: torch's nn.MultiheadAttention as one layer (always batch-first).

The query comes on port 0; the keys and values on port 1, or from the query itself when port 1 is
empty (self-attention). Where the keys come from an Embedding with a ``padding_idx`` (token ids
padded with 0), the padded positions are masked out of every softmax (``key_padding_mask``), so a
short sentence is not diluted by its padding. The layer returns one tensor; the attention weights
are recorded for the Train page's diagnostics (runtime/monitor.py), not returned.
"""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_HEADS, Param, bias, bilingual
from ..shape_math import expect_rank

LAYER = "MultiheadAttention"
# layers that keep the sequence positions in place: the padding mask of their input is theirs
KEEPS_POSITIONS = {"PositionalEncoding", "Dropout", "LayerNorm", "Linear", "ReLU", "GELU", "Tanh", "Sigmoid",
                   "SiLU", "ELU", "LeakyReLU", "Add", "Multiply", LAYER, "TransformerEncoderLayer"}


def _infer(ins, p):
    expect_rank(LAYER, ins[0], (2,), "(L, embed_dim)")
    embed_dim = ins[0][1]
    if embed_dim % p["num_heads"]:
        raise GraphError("attention.heads", layer=LAYER, embed_dim=embed_dim, num_heads=p["num_heads"])
    if len(ins) > 1:
        expect_rank(LAYER, ins[1], (2,), "(S, embed_dim) on port 1 (keys and values)")
        if ins[1][1] != embed_dim:
            raise GraphError("attention.kv_size", layer=LAYER, kv_size=ins[1][1], embed_dim=embed_dim,
                             kv_shape=list(ins[1]), query_shape=list(ins[0]))
    return ins[0]


def _count(ins, p):
    d, b = ins[0][1], 1 if p["bias"] else 0
    return 3 * d * d + 3 * d * b + d * d + d * b     # in_proj (q, k, v) and out_proj


def padding_tokens(result, node_id: str):
    """(value key of the token ids, padding_idx) whose padding this node's keys carry, or None: the walk
    goes back from the keys through layers that keep positions to an Embedding with a padding_idx fed
    by a (L,) int64 tensor of as many positions as there are keys."""
    sources = result.sources(node_id)
    source, port = sources[1] if len(sources) > 1 else sources[0]
    length = result.shape_at(source, port)[0]
    seen = set()
    while source is not None and port == 0 and source not in seen:
        seen.add(source)
        node = result.graph.node(source)
        if node.type == "Embedding":
            tokens, token_port = result.sources(source)[0]
            padding_idx = result.params[source]["padding_idx"]
            shape = result.shape_at(tokens, token_port)
            if padding_idx is None or shape is None or tuple(shape) != (length,):
                return None
            return (tokens if token_port == 0 else f"{tokens}#{token_port}"), padding_idx
        if node.type not in KEEPS_POSITIONS or tuple(result.shapes.get(source, ()))[:1] != (length,):
            return None
        source, port = result.sources(source)[0]
    return None


def _extra_inputs(result, node_id: str):
    """The token ids the padding mask is made from (read in forward beside the inputs)."""
    found = padding_tokens(result, node_id) if result.params[node_id]["mask_padding"] else None
    if found is None:
        return [], {}
    key, padding_idx = found
    return [key], {"padding_idx": padding_idx}


def _forward(out, ins, attr, p, in_shapes):
    query = ins[0]
    memory = ins[1] if len(in_shapes) > 1 else query
    lines, mask = [], ""
    if "padding_idx" in p:
        tokens = ins[len(in_shapes)]
        lines += [f"{out}_pad = {tokens} == {p['padding_idx']}  # the padded positions: keys nobody attends to",
                  f"{out}_pad = {out}_pad & ~{out}_pad.all(1, keepdim=True)  # all padding: attend everywhere"]
        mask = f", key_padding_mask={out}_pad"
    lines.append(f"{out} = self.{attr}({query}, {memory}, {memory}{mask}, need_weights=False)[0]  "
                 f"# {'self-attention' if memory == query else 'the query attends to port 1'}")
    return lines


register(LayerSpec(
    type=LAYER, category="attention",
    title=bilingual("Multi-head attention", "多头注意力"),
    help=bilingual("Each position gathers what it needs from the positions of the keys.",
                   "每个位置从键的各个位置中收集它需要的信息。"),
    explain=bilingual(
        "Every query position (port 0) compares itself with every key position (port 1, or port 0 itself when port 1 "
        "is empty: self-attention) in num_heads heads, turns the similarities into weights with a softmax, and "
        "returns the weighted mix of the values. Keys at padded tokens (an Embedding's padding_idx) get no weight. "
        "Input (L, embed_dim), keys (S, embed_dim); output (L, embed_dim). The Train page shows the weights.",
        "每个查询位置（端口 0）在 num_heads 个头中与每个键的位置（端口 1；端口 1 为空时就是端口 0 本身，即自注意力）"
        "比较，用 softmax 把相似度变成权重，返回值的加权混合。填充词元（Embedding 的 padding_idx）处的键不获得权重。"
        "输入为 (L, embed_dim)，键为 (S, embed_dim)；输出为 (L, embed_dim)。训练页会显示注意力权重。"),
    params=(Param("num_heads", "int", help=bilingual("Number of attention heads; embed_dim must divide by it.",
                                                     "注意力头的个数；embed_dim 必须能被它整除。"), lo=1, hi=MAX_HEADS),
            Param("dropout", "float", 0.0, bilingual("Dropout on the attention weights.", "注意力权重上的 Dropout 概率。"),
                  lo=0.0, hi=1.0, hi_open=True),
            bias(),
            Param("mask_padding", "bool", True, bilingual(
                "Ignore the keys at padded tokens (found through the Embedding with a padding_idx).",
                "忽略填充词元处的键（通过带 padding_idx 的 Embedding 找到）。"), torch_arg=False)),
    inputs=(1, 2), port_names=("query", "key/value"),
    infer=_infer, count=_count, forward=_forward, extra_inputs=_extra_inputs,
    module="nn.MultiheadAttention", size_args=lambda ins, p: [ins[0][1]], size_names=("embed_dim",),
    positional=("num_heads",), fixed_kwargs=(("batch_first", True),), key_params=("num_heads",),
    starter={"num_heads": 4},
))
