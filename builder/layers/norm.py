"""Normalisation (BatchNorm, LayerNorm) and regularisation (Dropout)."""
from ..catalog import LayerSpec, register
from ..params import bilingual, Param, dropout_p, eps
from ..shape_math import expect_rank

_MOMENTUM = Param("momentum", "float", 0.1, bilingual("How fast the running statistics follow each batch.", "滑动统计量跟随每个批次更新的速度。"),
                  lo=0.0, hi=1.0, nullable=True)
_AFFINE = Param("affine", "bool", True, bilingual("Learn a scale and shift per channel.", "为每个通道学习缩放和平移。"))
_TRACK = Param("track_running_stats", "bool", True, bilingual("Keep running mean/variance for evaluation.", "为评估保存滑动均值和方差。"))
_BN_EXPLAIN = bilingual("Normalises each channel over the batch to mean 0 and variance 1, then rescales. It steadies and "
                "speeds up training; at evaluation it uses the running statistics learned during training.",
                "在批次上把每个通道归一化为均值 0、方差 1，再重新缩放。它让训练更稳定、更快；"
                "评估时使用训练中学到的滑动统计量。")


def _bn(n: int, ranks: tuple, desc: str):
    layer = f"BatchNorm{n}d"

    def infer(ins, p):
        expect_rank(layer, ins[0], ranks, desc)
        return ins[0]

    register(LayerSpec(
        type=layer, category="norm", title=bilingual(layer, f"{'一' if n == 1 else '二'}维批归一化"),
        help=bilingual("Normalises each channel over the batch.", "在批次上对每个通道做归一化。"), explain=_BN_EXPLAIN,
        params=(eps(), _MOMENTUM, _AFFINE, _TRACK), infer=infer,
        count=lambda ins, p: 2 * ins[0][0] if p["affine"] else 0,
        module=f"nn.{layer}", size_args=lambda ins, p: [ins[0][0]], size_names=("num_features",),
    ))


_bn(1, (1, 2), "(C,) or (C, L)")
_bn(2, (3,), "(C, H, W)")

register(LayerSpec(
    type="LayerNorm", category="norm", title=bilingual("LayerNorm", "层归一化"),
    help=bilingual("Normalises each sample over its last dimension.", "对每个样本的最后一维做归一化。"),
    explain=bilingual("Normalises the features of each position to mean 0 and variance 1, independent of the batch; "
              "the normalisation of Transformers.",
              "把每个位置上的特征归一化为均值 0、方差 1，与批次无关；Transformer 使用的就是它。"),
    params=(eps(),
            Param("elementwise_affine", "bool", True, bilingual("Learn a scale (and shift) per feature.", "为每个特征学习缩放（和平移）。")),
            Param("bias", "bool", True, bilingual("Learn the shift too.", "同时学习平移量。"))),
    infer=lambda ins, p: ins[0],
    count=lambda ins, p: ins[0][-1] * (2 if p["bias"] else 1) if p["elementwise_affine"] else 0,
    module="nn.LayerNorm", size_args=lambda ins, p: [ins[0][-1]], size_names=("normalized_shape",),
))

register(LayerSpec(
    type="Dropout", category="regular", title=bilingual("Dropout", "随机失活"),
    help=bilingual("Randomly zeroes elements while training.", "训练时随机把一部分元素置零。"),
    explain=bilingual("During training each element is zeroed with probability p and the rest are scaled by 1/(1-p), "
              "so the network cannot rely on any single unit: a simple guard against overfitting. "
              "It does nothing at evaluation.",
              "训练时每个元素以概率 p 被置零，其余元素乘以 1/(1-p)，使网络不能依赖任何单个单元："
              "这是防止过拟合的简单方法。评估时它不起作用。"),
    params=(dropout_p(),), dtype_out="same",
    infer=lambda ins, p: ins[0], module="nn.Dropout", key_params=("p",),
))


def _dropout2d_infer(ins, p):
    expect_rank("Dropout2d", ins[0], (3,), "(C, H, W)")
    return ins[0]


register(LayerSpec(
    type="Dropout2d", category="regular", title=bilingual("Dropout2d", "二维随机失活"),
    help=bilingual("Randomly zeroes whole feature maps while training.", "训练时随机把整张特征图置零。"),
    explain=bilingual("Like Dropout, but drops entire channels of a (C, H, W) feature map: neighbouring pixels are "
              "correlated, so dropping them one by one regularises little.",
              "与 Dropout 类似，但丢弃 (C, H, W) 特征图的整个通道：相邻像素高度相关，逐个丢弃起不到多少正则化作用。"),
    params=(dropout_p(),), infer=_dropout2d_infer, module="nn.Dropout2d", key_params=("p",),
))
