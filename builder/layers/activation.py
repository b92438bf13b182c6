"""Activation functions: the non-linearities between layers."""
from ..catalog import LayerSpec, register
from ..params import bilingual, Param, dim_param
from ..shape_math import torch_dim


def _same(ins, p):
    return ins[0]


def _act(type_, zh, help_, explain, params=(), key_params=()):
    register(LayerSpec(type=type_, category="activation", title=bilingual(type_, zh), help=help_, explain=explain,
                       params=params, infer=_same, module=f"nn.{type_}", key_params=key_params))


_act("ReLU", "ReLU 激活", bilingual("max(0, x): keeps positives, zeroes negatives.", "max(0, x)：保留正数，负数变为零。"),
     bilingual("The default activation of deep networks: cheap, and its gradient does not vanish for positive inputs.",
       "深度网络默认的激活函数：计算便宜，且输入为正时梯度不会消失。"))
_act("LeakyReLU", "LeakyReLU 激活", bilingual("Like ReLU, but lets a small slope through for negatives.", "与 ReLU 类似，但负数部分保留一个小斜率。"),
     bilingual("Negative inputs are multiplied by negative_slope instead of zeroed, so units never die completely; "
       "common in GAN discriminators.",
       "负输入乘以 negative_slope 而不是置零，因此单元不会完全“死亡”；GAN 判别器中很常用。"),
     (Param("negative_slope", "float", 0.01, bilingual("Slope for negative inputs.", "负输入部分的斜率。"), lo=0.0, hi=10.0),),
     ("negative_slope",))
_act("ELU", "ELU 激活", bilingual("Smooth ReLU that saturates at -alpha for negatives.", "平滑版 ReLU，负数部分趋于 -alpha。"),
     bilingual("Exponential linear unit: x for positives, alpha·(exp(x)−1) for negatives, which keeps mean activations near zero.",
       "指数线性单元：正数时为 x，负数时为 alpha·(exp(x)−1)，使激活的均值接近零。"),
     (Param("alpha", "float", 1.0, bilingual("Value the negative part saturates to.", "负数部分趋近的值。"), lo=0.0, hi=100.0),))
_act("GELU", "GELU 激活", bilingual("Smooth ReLU used by Transformers.", "Transformer 使用的平滑 ReLU。"),
     bilingual("Weights each input by the probability that a standard normal is below it: x·Φ(x).",
       "用标准正态分布小于 x 的概率给输入加权：x·Φ(x)。"),
     (Param("approximate", "choice", "none", bilingual("Exact, or the faster tanh approximation.", "精确计算，或更快的 tanh 近似。"),
            choices=("none", "tanh")),))
_act("Sigmoid", "Sigmoid 激活", bilingual("Squashes values into (0, 1).", "把数值压缩到 (0, 1) 区间。"),
     bilingual("1/(1+exp(−x)): turns a score into a probability; used for binary outputs and gates. "
       "Saturates for large |x|, which slows deep networks.",
       "1/(1+exp(−x))：把分数变成概率，用于二分类输出和门控。|x| 很大时会饱和，使深层网络训练变慢。"))
_act("Tanh", "Tanh 激活", bilingual("Squashes values into (−1, 1).", "把数值压缩到 (−1, 1) 区间。"),
     bilingual("The hyperbolic tangent: zero-centred like ELU, saturating like Sigmoid; the classic RNN activation and "
       "the usual last layer of a GAN generator.",
       "双曲正切：像 ELU 一样以零为中心，像 Sigmoid 一样会饱和；它是经典的 RNN 激活函数，也常作为 GAN 生成器的最后一层。"))
_act("SiLU", "SiLU 激活", bilingual("x·sigmoid(x), a smooth ReLU (Swish).", "x·sigmoid(x)，一种平滑的 ReLU（Swish）。"),
     bilingual("Smooth and slightly non-monotonic; often trains a little better than ReLU in deep nets.",
       "平滑且略微非单调；在深层网络中往往比 ReLU 训练得稍好。"))


def _softmax(type_, zh, help_, explain):
    def infer(ins, p):
        torch_dim(type_, p["dim"], len(ins[0]))
        return ins[0]
    register(LayerSpec(type=type_, category="activation", title=bilingual(type_, zh), help=help_, explain=explain,
                       params=(dim_param(1),), infer=infer, module=f"nn.{type_}", key_params=("dim",)))


_softmax("Softmax", "Softmax", bilingual("Turns scores into probabilities that sum to 1.", "把分数变成和为 1 的概率。"),
         bilingual("exp(x)/Σexp(x) along dim. For training a classifier leave it out: the cross-entropy loss applies it "
           "itself, more stably.",
           "沿 dim 计算 exp(x)/Σexp(x)。训练分类器时不要加它：交叉熵损失会自己以更稳定的方式完成这一步。"))
_softmax("LogSoftmax", "LogSoftmax", bilingual("Log of softmax: log-probabilities.", "softmax 的对数：对数概率。"),
         bilingual("log(softmax(x)) computed stably; pair it with the NLL loss.", "以数值稳定的方式计算 log(softmax(x))；与 NLL 损失搭配使用。"))
