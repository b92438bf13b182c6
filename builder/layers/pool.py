"""Pooling: max, average and adaptive average, in 1-D and 2-D."""
from ..catalog import LayerSpec, register
from ..errors import GraphError
from ..params import bilingual, Param, ceil_mode, dilation, kernel, padding, stride
from ..shape_math import checked, expect_rank, pool_out, tup

_DESC = {1: "(C, L)", 2: "(C, H, W)"}


def _pool_infer(layer, n, has_dilation):
    def infer(ins, p):
        x = ins[0]
        expect_rank(layer, x, (n + 1,), _DESC[n])
        k = tup(p["kernel_size"], n)
        s = k if p["stride"] is None else tup(p["stride"], n)
        pad = tup(p["padding"], n)
        d = tup(p["dilation"], n) if has_dilation else (1,) * n
        for i in range(n):
            if pad[i] > k[i] // 2:   # torch: padding at most half the window
                raise GraphError("shape.pool_padding", layer=layer, padding=pad[i], kernel=k[i])
            # torch refuses only an empty output: with ceil_mode a window may overhang the input
            if pool_out(x[1 + i], k[i], s[i], pad[i], d[i], p["ceil_mode"]) < 1:
                raise GraphError("shape.kernel", layer=layer, kernel=d[i] * (k[i] - 1) + 1,
                                 input_shape=list(x), padded=x[1 + i] + 2 * pad[i])
        return checked(layer, (x[0],) + tuple(
            pool_out(x[1 + i], k[i], s[i], pad[i], d[i], p["ceil_mode"]) for i in range(n)))
    return infer


def _adaptive_infer(layer, n):
    def infer(ins, p):
        expect_rank(layer, ins[0], (n + 1,), _DESC[n])
        return (ins[0][0],) + tup(p["output_size"], n)
    return infer


_MAX_EXPLAIN = bilingual("Keeps the largest value in each window, shrinking the map while keeping the strongest responses. "
                 "With kernel_size 2 the size halves.",
                 "在每个窗口中只保留最大值，在缩小特征图的同时保留最强的响应。kernel_size 为 2 时尺寸减半。")
_AVG_EXPLAIN = bilingual("Replaces each window by its average: a smooth way to shrink feature maps.",
                 "用每个窗口的平均值代替该窗口：一种平滑地缩小特征图的方法。")

_ADAPTIVE = (
    ("Avg", "自适应平均池化", bilingual("Averages down to a fixed output size.", "平均池化到固定的输出尺寸。"),
     bilingual("Chooses its windows so the output always has output_size, whatever the input size; "
       "output_size 1 is global average pooling, as at the end of a ResNet.",
       "自动选择窗口，使输出总是 output_size 大小，与输入大小无关；output_size 为 1 即全局平均池化，ResNet 的末尾就是这样。")),
    ("Max", "自适应最大池化", bilingual("Takes maxima down to a fixed output size.", "最大池化到固定的输出尺寸。"),
     bilingual("Like adaptive average pooling but keeps each window's maximum; output_size 1 asks 'does this pattern "
       "occur anywhere?', as in a DNA motif detector.",
       "与自适应平均池化类似，但保留每个窗口的最大值；output_size 为 1 相当于问“这个图案是否在任何位置出现过？”，"
       "DNA 模体检测器就是这样做的。")),
)

for _n in (1, 2):
    register(LayerSpec(
        type=f"MaxPool{_n}d", category="pool",
        title=bilingual(f"MaxPool{_n}d", f"{'一' if _n == 1 else '二'}维最大池化"),
        help=bilingual("Keeps the maximum of each window.", "取每个窗口中的最大值。"), explain=_MAX_EXPLAIN,
        params=(kernel(_n), stride(_n, default=None, nullable=True), padding(_n), dilation(_n), ceil_mode()),
        infer=_pool_infer(f"MaxPool{_n}d", _n, True),
        module=f"nn.MaxPool{_n}d", positional=("kernel_size",),
        key_params=("kernel_size", "stride"), starter={"kernel_size": 2},
    ))
    register(LayerSpec(
        type=f"AvgPool{_n}d", category="pool",
        title=bilingual(f"AvgPool{_n}d", f"{'一' if _n == 1 else '二'}维平均池化"),
        help=bilingual("Averages each window.", "取每个窗口的平均值。"), explain=_AVG_EXPLAIN,
        params=(kernel(_n), stride(_n, default=None, nullable=True), padding(_n), ceil_mode(),
                Param("count_include_pad", "bool", True, bilingual("Count padded zeros in the average.", "求平均时把补的零也算进去。"))),
        infer=_pool_infer(f"AvgPool{_n}d", _n, False),
        module=f"nn.AvgPool{_n}d", positional=("kernel_size",),
        key_params=("kernel_size", "stride"), starter={"kernel_size": 2},
    ))
    for _kind, _zh, _help, _explain in _ADAPTIVE:
        register(LayerSpec(
            type=f"Adaptive{_kind}Pool{_n}d", category="pool",
            title=bilingual(f"Adaptive{_kind}Pool{_n}d", f"{'一' if _n == 1 else '二'}维{_zh}"), help=_help, explain=_explain,
            params=(Param("output_size", "size", help=bilingual("Size of the output.", "输出的尺寸。"), lo=1, hi=4096, n=_n),),
            infer=_adaptive_infer(f"Adaptive{_kind}Pool{_n}d", _n),
            module=f"nn.Adaptive{_kind}Pool{_n}d", positional=("output_size",),
            key_params=("output_size",), starter={"output_size": 1},
        ))
