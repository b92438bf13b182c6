"""Convolutions: Conv1d, Conv2d, ConvTranspose2d."""
from math import prod

from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import MAX_UNITS, bilingual, Param, bias, dilation, kernel, padding, stride, units
from ..shape_math import checked, conv_out, conv_transpose_out, expect_rank, tup
from ..weight_init import weight_init

_GROUPS = Param("groups", "int", 1, bilingual("Split channels into independent groups.", "把通道分成互不相连的若干组。"),
                lo=1, hi=MAX_UNITS)
_DESC = {1: "(C, L)", 2: "(C, H, W)"}


def _check_same(p):
    strides = p["stride"] if isinstance(p["stride"], tuple) else (p["stride"],)
    if p["padding"] == "same" and any(s != 1 for s in strides):
        raise GraphError("param.same_stride", param="padding")


def _groups(layer, c_in, p):
    g = p["groups"]
    if c_in % g or p["out_channels"] % g:
        raise GraphError("shape.groups", layer=layer, groups=g, in_channels=c_in, out_channels=p["out_channels"])


def _conv_infer(layer, n):
    def infer(ins, p):
        x = ins[0]
        expect_rank(layer, x, (n + 1,), _DESC[n])
        _groups(layer, x[0], p)
        k, s, d = tup(p["kernel_size"], n), tup(p["stride"], n), tup(p["dilation"], n)
        if p["padding"] == "same":
            return checked(layer, (p["out_channels"],) + x[1:])
        pad = (0,) * n if p["padding"] == "valid" else tup(p["padding"], n)
        for i in range(n):
            if x[1 + i] + 2 * pad[i] < d[i] * (k[i] - 1) + 1:
                raise GraphError("shape.kernel", layer=layer, kernel=d[i] * (k[i] - 1) + 1,
                                 input_shape=list(x), padded=x[1 + i] + 2 * pad[i])
        return checked(layer, (p["out_channels"],) + tuple(
            conv_out(x[1 + i], k[i], s[i], pad[i], d[i]) for i in range(n)))
    return infer


def _conv_count(n):
    def count(ins, p):
        k = tup(p["kernel_size"], n)
        return p["out_channels"] * (ins[0][0] // p["groups"]) * prod(k) + (p["out_channels"] if p["bias"] else 0)
    return count


def _conv(n: int, title: dict, help: dict, explain: dict, starter: dict):
    layer = f"Conv{n}d"
    register(LayerSpec(
        type=layer, category="conv", title=title, help=help, explain=explain,
        params=(units("out_channels", "Number of filters (output channels).", "卷积核个数（输出通道数）。"),
                kernel(n), stride(n), padding(n, strings=("same", "valid")), dilation(n), _GROUPS, bias(), weight_init()),
        check=_check_same, infer=_conv_infer(layer, n), count=_conv_count(n),
        module=f"nn.{layer}", size_args=lambda ins, p: [ins[0][0]], size_names=("in_channels",), positional=("out_channels",),
        key_params=("out_channels", "kernel_size", "stride", "padding"), starter=starter,
    ))


_conv(1, bilingual("Conv1d", "一维卷积"),
      bilingual("Slides learned filters along a sequence.", "让可学习的卷积核沿序列滑动。"),
      bilingual("Each filter looks at kernel_size neighbouring positions across all channels and is reused along the "
        "sequence, so it finds a pattern (a DNA motif, a sound) wherever it occurs. Input (C, L).",
        "每个卷积核查看所有通道上相邻的 kernel_size 个位置，并沿序列重复使用，"
        "因此无论图案（DNA 模体、一段声音）出现在哪里都能被发现。输入为 (C, L)。"),
      {"out_channels": 16, "kernel_size": 3})
_conv(2, bilingual("Conv2d", "二维卷积"),
      bilingual("Slides learned filters over an image.", "让可学习的卷积核在图像上滑动。"),
      bilingual("Each filter is a small window of weights moved across the image; it outputs one feature map that "
        "lights up where its pattern appears. Input (C, H, W); output (out_channels, H', W').",
        "每个卷积核是一小块权重窗口，在图像上滑动；它输出一张特征图，在出现相应图案的位置响应强烈。"
        "输入为 (C, H, W)，输出为 (out_channels, H', W')。"),
      {"out_channels": 16, "kernel_size": 3, "padding": 1})


def _check_output_padding(p):
    op, s, d = tup(p["output_padding"], 2), tup(p["stride"], 2), tup(p["dilation"], 2)
    if any(op[i] >= max(s[i], d[i]) for i in range(2)):
        raise GraphError("param.output_padding", param="output_padding")


def _tconv_infer(ins, p):
    x = ins[0]
    expect_rank("ConvTranspose2d", x, (3,), "(C, H, W)")
    _groups("ConvTranspose2d", x[0], p)
    k, s, pad, d, op = (tup(p[n], 2) for n in ("kernel_size", "stride", "padding", "dilation", "output_padding"))
    return checked("ConvTranspose2d", (p["out_channels"],) + tuple(
        conv_transpose_out(x[1 + i], k[i], s[i], pad[i], d[i], op[i]) for i in range(2)))


register(LayerSpec(
    type="ConvTranspose2d", category="conv",
    title=bilingual("ConvTranspose2d", "二维转置卷积"),
    help=bilingual("Learned upsampling: the reverse of a strided convolution.", "可学习的上采样：步长卷积的逆过程。"),
    explain=bilingual("Spreads each input pixel over a window of outputs, so stride 2 doubles height and width. "
              "Decoders of autoencoders and GAN generators use it to grow images.",
              "把每个输入像素铺到一个输出窗口上，因此步长为 2 时高和宽都加倍。"
              "自编码器的解码器和 GAN 的生成器用它把图像放大。"),
    params=(units("out_channels", "Number of output channels.", "输出通道数。"), kernel(2), stride(2), padding(2),
            Param("output_padding", "size", 0, bilingual("Extra size added to one side of the output.", "在输出一侧额外增加的尺寸。"),
                  lo=0, hi=1024, n=2),
            _GROUPS, bias(), dilation(2), weight_init()),
    check=_check_output_padding, infer=_tconv_infer,
    count=lambda ins, p: ins[0][0] * (p["out_channels"] // p["groups"]) * prod(tup(p["kernel_size"], 2))
    + (p["out_channels"] if p["bias"] else 0),
    module="nn.ConvTranspose2d", size_args=lambda ins, p: [ins[0][0]], size_names=("in_channels",), positional=("out_channels",),
    key_params=("out_channels", "kernel_size", "stride"), starter={"out_channels": 16, "kernel_size": 2, "stride": 2},
))
