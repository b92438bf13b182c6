"""Structural nodes written inline in forward: merges, reshapes, and the generative helpers."""
from math import prod

from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_DIM, MAX_RANK, bilingual, Param, dim_param
from ..shape_math import checked, expect_rank, torch_dim, tup


def _one_shape(layer):
    def infer(ins, p):
        if any(s != ins[0] for s in ins[1:]):
            raise GraphError("shape.mismatch", layer=layer, ports=[[list(s), i] for i, s in enumerate(ins)])
        return ins[0]
    return infer


def _binary(op):
    def lines(out, ins, attr, p, in_shapes):
        return [f"{out} = " + f" {op} ".join(ins)]
    return lines


register(LayerSpec(
    type="Add", category="merge", title=bilingual("Add", "相加"),
    help=bilingual("Adds inputs of one shape element by element.", "把形状相同的输入逐元素相加。"),
    explain=bilingual("The merge of a residual (skip) connection: y = F(x) + x lets the block learn only a correction, "
              "which is what makes very deep ResNets trainable.",
              "残差（跳跃）连接的合并方式：y = F(x) + x 让该模块只需学习一个修正量，这正是超深 ResNet 能够训练的原因。"),
    inputs=(2, None), infer=_one_shape("Add"), forward=_binary("+"),
))
register(LayerSpec(
    type="Multiply", category="merge", title=bilingual("Multiply", "相乘"),
    help=bilingual("Multiplies inputs of one shape element by element.", "把形状相同的输入逐元素相乘。"),
    explain=bilingual("Element-wise product, as in gating (one branch decides how much of the other passes) or the "
              "dot-product part of a recommender.",
              "逐元素乘积，用于门控（一个分支决定另一个分支通过多少）或推荐模型中的点积部分。"),
    inputs=(2, None), infer=_one_shape("Multiply"), forward=_binary("*"),
))


def _concat_infer(ins, p):
    d = torch_dim("Concat", p["dim"], len(ins[0]))
    if any(len(s) != len(ins[0]) for s in ins) or any(
            s[:d] + s[d + 1:] != ins[0][:d] + ins[0][d + 1:] for s in ins):
        raise GraphError("shape.concat", layer="Concat", dim=p["dim"], ports=[[list(s), i] for i, s in enumerate(ins)])
    return checked("Concat", ins[0][:d] + (sum(s[d] for s in ins),) + ins[0][d + 1:])


register(LayerSpec(
    type="Concat", category="merge", title=bilingual("Concatenate", "拼接"),
    help=bilingual("Joins inputs along one dimension.", "沿某一维把输入拼接起来。"),
    explain=bilingual("Stacks inputs side by side along dim (channels for images, features for vectors); all other "
              "dimensions must agree. Used by Inception and U-Net blocks and to combine a recommender's embeddings.",
              "沿 dim 把输入并排拼接（图像沿通道，向量沿特征）；其他维度必须一致。"
              "Inception、U-Net 模块以及推荐模型合并嵌入向量时都会用到它。"),
    params=(dim_param(1),), inputs=(2, None), dtype_in="any", dtype_out="same", infer=_concat_infer,
    forward=lambda out, ins, attr, p, s: [f"{out} = torch.cat([{', '.join(ins)}], dim={p['dim']!r})"],
    key_params=("dim",),
))


def _flatten_infer(ins, p):
    x = ins[0]
    start = torch_dim("Flatten", p["start_dim"], len(x), "start_dim")
    end = torch_dim("Flatten", p["end_dim"], len(x), "end_dim")
    if end < start:
        raise GraphError("param.flatten_order", layer="Flatten", start_dim=p["start_dim"], end_dim=p["end_dim"])
    return x[:start] + (prod(x[start:end + 1]),) + x[end + 1:]


register(LayerSpec(
    type="Flatten", category="reshape", title=bilingual("Flatten", "展平"),
    help=bilingual("Flattens dimensions into one, e.g. (16, 5, 5) to (400,).", "把多个维度展平成一维，例如 (16, 5, 5) 变为 (400,)。"),
    explain=bilingual("Joins the dimensions from start_dim to end_dim into one, typically turning conv feature maps into "
              "a vector for Linear layers. Nothing is learned.",
              "把从 start_dim 到 end_dim 的维度合成一个，通常用于把卷积特征图变成向量，交给全连接层。它不学习任何参数。"),
    params=(Param("start_dim", "int", 1, bilingual("First dimension to flatten (batch is 0).", "开始展平的维度（批次为 0）。"),
                  lo=-(MAX_RANK + 1), hi=MAX_RANK),
            Param("end_dim", "int", -1, bilingual("Last dimension to flatten.", "结束展平的维度。"), lo=-(MAX_RANK + 1), hi=MAX_RANK)),
    dtype_in="any", dtype_out="same", infer=_flatten_infer, module="nn.Flatten",
))


def _reshape_target(ins, p):
    x, shape = ins[0], p["shape"]
    known = prod(d for d in shape if d != -1)
    total = prod(x)
    if -1 in shape:
        if total % known:
            raise GraphError("shape.reshape", layer="Reshape", input_shape=list(x), target_shape=list(shape))
        shape = tuple(total // known if d == -1 else d for d in shape)
    if prod(shape) != total:
        raise GraphError("shape.reshape", layer="Reshape", input_shape=list(x), target_shape=list(shape))
    return shape


register(LayerSpec(
    type="Reshape", category="reshape", title=bilingual("Reshape", "变形"),
    help=bilingual("Views each sample in a new shape with the same number of values.", "以新的形状查看每个样本，元素个数不变。"),
    explain=bilingual("Rearranges the values of each sample into shape (batch excluded); one dimension may be -1 and is then "
              "worked out. E.g. (64,) to (4, 4, 4) before a ConvTranspose2d.",
              "把每个样本的数值重新排成 shape（不含批次）；可以有一个维度写 -1，由系统推算。"
              "例如在 ConvTranspose2d 之前把 (64,) 变为 (4, 4, 4)。"),
    params=(Param("shape", "shape", help=bilingual("New shape of one sample; one -1 allowed.", "单个样本的新形状；可有一个 -1。"),
                  lo=1, hi=MAX_DIM, infer_dim=True),),
    dtype_in="any", dtype_out="same", infer=_reshape_target,
    forward=lambda out, ins, attr, p, s: [
        f"{out} = {ins[0]}.reshape({ins[0]}.size(0), {', '.join(map(str, _reshape_target(s, p)))})"],
    key_params=("shape",), starter={"shape": [-1]},
))


def _permute_infer(ins, p):
    dims, rank = p["dims"], len(ins[0]) + 1
    if sorted(dims) != list(range(rank)) or dims[0] != 0:
        raise GraphError("param.permute", layer="Permute", dims=list(dims), rank=rank)
    return tuple(ins[0][d - 1] for d in dims[1:])


register(LayerSpec(
    type="Permute", category="reshape", title=bilingual("Permute", "维度重排"),
    help=bilingual("Reorders dimensions, e.g. (L, C) to (C, L).", "重新排列维度，例如把 (L, C) 变为 (C, L)。"),
    explain=bilingual("dims lists the input dimensions in their new order, torch-style with the batch 0 kept first: "
              "[0, 2, 1] swaps the two sample dimensions (e.g. an Embedding's (L, E) into Conv1d's (E, L)).",
              "dims 按新顺序列出输入的各个维度，采用 torch 约定且批次 0 保持在最前："
              "[0, 2, 1] 交换样本的两个维度（例如把 Embedding 的 (L, E) 变成 Conv1d 需要的 (E, L)）。"),
    params=(Param("dims", "dims", help=bilingual("New order of the dimensions (batch 0 first).", "维度的新顺序（批次 0 在最前）。")),),
    dtype_in="any", dtype_out="same", infer=_permute_infer,
    forward=lambda out, ins, attr, p, s: [f"{out} = {ins[0]}.permute({', '.join(map(str, p['dims']))})"],
    key_params=("dims",), starter={"dims": [0, 2, 1]},
))


def _check_upsample(p):
    if (p["size"] is None) == (p["scale_factor"] is None):
        raise GraphError("param.upsample", param="scale_factor")


def _upsample_infer(ins, p):
    x = ins[0]
    ranks = {"linear": (2,), "bilinear": (3,), "bicubic": (3,)}.get(p["mode"], (2, 3))
    expect_rank("Upsample", x, ranks, {"linear": "(C, L)", "bilinear": "(C, H, W)", "bicubic": "(C, H, W)"}.get(
        p["mode"], "(C, L) or (C, H, W)"))
    n = len(x) - 1
    if p["align_corners"] is not None and p["mode"] == "nearest":
        raise GraphError("param.align_corners", param="align_corners")
    if p["size"] is not None:
        if isinstance(p["size"], tuple) and len(p["size"]) != n:
            raise GraphError("shape.rank", layer="Upsample", expected=f"{len(p['size']) + 1} dims", received_shape=list(x))
        return checked("Upsample", (x[0],) + tup(p["size"], n))
    return checked("Upsample", (x[0],) + tuple(int(d * p["scale_factor"]) for d in x[1:]))


register(LayerSpec(
    type="Upsample", category="generative", title=bilingual("Upsample", "上采样"),
    help=bilingual("Enlarges feature maps by interpolation (nothing learned).", "通过插值放大特征图（不学习参数）。"),
    explain=bilingual("Scales height and width by scale_factor (or to size) with nearest or (bi)linear interpolation; "
              "followed by a Conv2d it is a common alternative to ConvTranspose2d in decoders.",
              "用最近邻或（双）线性插值把高和宽放大 scale_factor 倍（或放大到 size）；"
              "后接 Conv2d 时，是解码器中 ConvTranspose2d 的常见替代。"),
    params=(Param("scale_factor", "float", 2.0, bilingual("Multiplier for height and width.", "高和宽的放大倍数。"),
                  lo=0.0, lo_open=True, hi=64.0, nullable=True, always_render=True, default_unless="size"),
            Param("size", "size", None, bilingual("Exact output size (instead of scale_factor).", "指定输出尺寸（代替 scale_factor）。"),
                  lo=1, hi=MAX_DIM, n=2, nullable=True),
            Param("mode", "choice", "nearest", bilingual("Interpolation method.", "插值方法。"),
                  choices=("nearest", "linear", "bilinear", "bicubic")),
            Param("align_corners", "bool", None, bilingual("Align corner pixels (linear modes only).", "对齐角点像素（仅线性插值模式）。"),
                  nullable=True)),
    check=_check_upsample, infer=_upsample_infer, module="nn.Upsample", key_params=("scale_factor", "mode"),
))


def _reparameterize_lines(out, ins, attr, p, in_shapes):
    mu, logvar = ins
    return [f"{out} = {mu} + torch.exp(0.5 * {logvar}) * torch.randn_like({mu}) if self.training else {mu}"]


register(LayerSpec(
    type="Reparameterize", category="generative", title=bilingual("Reparameterize", "重参数化采样"),
    help=bilingual("VAE sampling: z = mu + exp(logvar/2)·ε.", "VAE 采样：z = mu + exp(logvar/2)·ε。"),
    explain=bilingual("Draws a latent code from the normal distribution with mean mu (port 0) and log-variance logvar "
              "(port 1) in a way gradients can flow through (the reparameterisation trick). At evaluation it "
              "returns mu. Everything after it is the decoder, which the generated model exposes as decode(z).",
              "以梯度可以穿过的方式（重参数化技巧）从均值为 mu（端口 0）、对数方差为 logvar（端口 1）的正态分布中采样潜变量。"
              "评估时直接返回 mu。它之后的部分就是解码器，生成的模型以 decode(z) 提供。"),
    inputs=(2, 2), port_names=("mu", "logvar"), infer=_one_shape("Reparameterize"), forward=_reparameterize_lines,
))
