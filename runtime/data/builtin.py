"""The built-in data sets: all offline (scikit-learn's bundled sets or generated),
deterministic given ``seed``, each with an English and Chinese description.

``list_builtin()`` describes them without loading anything; ``load(name, **options)``
builds one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from . import corpora, drawn_shapes, sequences, sklearn_sets, spoken_digits, standard, synthetic, text, trees
from .dataset import DataSet
from builder.params import bilingual

from ..settings import DATA, Setting
from .errors import DataError

@dataclass(frozen=True)
class BuiltinInfo:
    name: str
    kind: str
    task: str
    description: dict[str, str]
    options: dict                          # the defaults; every set also takes "seed"
    sample_shape: tuple[int, ...]          # of input "x" (or the first input) at the defaults
    input_shapes: dict[str, tuple[int, ...]]
    input_dtypes: dict[str, str]
    num_classes: int | None
    class_names: list[str] | None = None


@dataclass(frozen=True)
class _Entry:
    kind: str
    task: str
    description: dict[str, str]
    defaults: dict
    shapes: Callable[[dict], dict[str, tuple[int, ...]]]
    make: Callable[[dict], DataSet]
    class_names: Callable[[dict], list[str] | None] = lambda o: None
    dtypes: dict[str, str] = field(default_factory=lambda: {"x": "float32"})


def _f32(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _i64(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))


# ----------------------------------------------------------------------------- scikit-learn sets

def _digits(name: str, o: dict) -> DataSet:
    x, y, names = sklearn_sets.load("digits")
    images = _f32(x.reshape(-1, 1, 8, 8) / 16.0)
    size = int(o.get("size", 8))
    if size != 8:   # the same digits, smoothly enlarged (LeNet-5 expects 28x28)
        images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear",
                                                 align_corners=False).clamp(0.0, 1.0)
    return DataSet(name, "image", "classification", {"x": images}, _i64(y), class_names=names,
                   normalize=False, extra={"image": {"size": [size, size], "channels": 1}})


def _table(name: str, o: dict) -> DataSet:
    x, y, names = sklearn_sets.load(name)
    features = list(sklearn_sets.FEATURES[name])
    if name == "diabetes":
        return DataSet(name, "tabular", "regression", {"x": _f32(x)}, _f32(y).reshape(-1, 1),
                       feature_names=features, extra={"normalize_target": True})
    return DataSet(name, "tabular", "classification", {"x": _f32(x)}, _i64(y), class_names=list(names),
                   feature_names=features)


# ----------------------------------------------------------------------------- generated sets

def _points(fn) -> Callable[[str, dict], DataSet]:
    def make(name: str, o: dict) -> DataSet:
        args = {k: v for k, v in o.items() if k in ("n_samples", "noise", "seed", "centers")}
        x, y = fn(**args)
        k = int(o.get("centers", 2))
        return DataSet(name, "points2d", "classification", {"x": _f32(x)}, _i64(y),
                       class_names=[str(i) for i in range(k)], feature_names=["x1", "x2"])
    return make


def _mixture(name: str, o: dict) -> DataSet:
    x = synthetic.gaussian_mixture(o["n_samples"], o["components"], o["dim"], o["std"], o["seed"])
    return DataSet(name, "points", "unsupervised", {"x": _f32(x)}, None,
                   feature_names=["x1", "x2"][: o["dim"]], normalize=False)


def _sine(name: str, o: dict) -> DataSet:
    x, y = sequences.sine(o["n_samples"], o["seq_len"], o["noise"], o["seed"])
    return DataSet(name, "sequence", "regression", {"x": _f32(x)}, _f32(y), normalize=False)


def _parity(name: str, o: dict) -> DataSet:
    x, y = sequences.parity(o["n_samples"], o["seq_len"], o["seed"])
    return DataSet(name, "sequence", "classification", {"x": _f32(x)}, _i64(y),
                   class_names=["even", "odd"], normalize=False)


def _dna(name: str, o: dict) -> DataSet:
    motif = o["motif"]
    if not (isinstance(motif, str) and 3 <= len(motif) <= 12 and set(motif) <= set(sequences.BASES)
            and len(motif) <= o["seq_len"]):
        raise DataError("data.bad_motif", value=str(motif)[:40], seq_len=o["seq_len"])
    x, y = sequences.dna(o["n_samples"], o["seq_len"], motif, o["seed"])
    return DataSet(name, "dna", "classification", {"x": _f32(x)}, _i64(y),
                   class_names=["no motif", "motif"], feature_names=list(sequences.BASES),
                   normalize=False, extra={"alphabet": sequences.BASES})


def _sentiment(name: str, o: dict) -> DataSet:
    vocab = text.vocabulary()
    texts, y = text.sentiment_corpus(o["n_samples"], o["seed"])
    ids = text.encode(texts, vocab, o["seq_len"], "pre")
    return DataSet(name, "tokens", "classification", {"x": _i64(ids)}, _i64(y),
                   class_names=["negative", "positive"], vocab=vocab, normalize=False,
                   extra={"tokens": {"seq_len": o["seq_len"], "padding": "pre", "lowercase": True}})


def _ratings(name: str, o: dict) -> DataSet:
    if o["n_samples"] > o["n_users"] * o["n_items"]:
        raise DataError("data.option_range", option="n_samples", value=o["n_samples"], low=20,
                        high=o["n_users"] * o["n_items"])
    u, i, r = synthetic.ratings(o["n_users"], o["n_items"], o["n_samples"], o["factors"], o["noise"], o["seed"])
    return DataSet(name, "ratings", "regression", {"user": _i64(u)[:, None], "item": _i64(i)[:, None]},
                   _f32(r)[:, None], normalize=False,
                   extra={"n_users": o["n_users"], "n_items": o["n_items"]})


def _shapes(name: str, o: dict) -> DataSet:
    x, y = drawn_shapes.generate(o["n_samples"], o["size"], o["noise"], o["seed"])
    return DataSet(name, "image", "classification", {"x": _f32(x)}, _i64(y),
                   class_names=list(drawn_shapes.CLASSES), normalize=False,
                   extra={"image": {"size": [o["size"], o["size"]], "channels": 1}})


def _spoken_digits(name: str, o: dict) -> DataSet:
    x, y, held_out, words = spoken_digits.load(o["noise"], o["seed"])
    return DataSet(name, "audio", "classification", {"x": x}, y, class_names=words, normalize=False,
                   extra={"audio": {"sample_rate": 8000, "seconds": 1.0}, "fixed_val": held_out})


def _standard(name: str, o: dict) -> DataSet:
    """A standard set from its cache folder (downloaded first when missing): images in [0, 1],
    the official test set last (``fixed_test``). ``pixels: uint8`` lets NPZ files keep bytes."""
    spec = standard.SETS[name]
    x_train, y_train, x_test, y_test = standard.read_arrays(name)
    images = torch.empty((len(x_train) + len(x_test), *spec.shape))   # filled in place: no uint8 copy of both parts
    images.numpy()[:len(x_train)] = x_train      # numpy casts; the read-only IDX buffers stay untouched
    images.numpy()[len(x_train):] = x_test
    images.div_(255.0)
    labels = _i64(np.concatenate([y_train, y_test]))
    channels, height, width = spec.shape
    return DataSet(name, "image", "classification", {"x": images}, labels, class_names=list(spec.class_names),
                   normalize=False, fixed_test=len(x_test),
                   extra={"image": {"size": [height, width], "channels": channels}, "pixels": "uint8"})


def _standard_entry(name: str, en: str, zh: str) -> _Entry:
    spec = standard.SETS[name]
    size = f"{spec.megabytes():.0f} MB"
    return _Entry("image", "classification", _d(
        f"{en} Official split: {spec.n_train:,} training and {spec.n_test:,} test images. "
        f"Downloaded on first use ({size}) into the data cache folder.",
        f"{zh}官方划分：{spec.n_train} 张训练图像、{spec.n_test} 张测试图像。首次使用时下载（{size}）到数据缓存文件夹。"),
        {"stream": False}, lambda o: {"x": spec.shape}, lambda o: _standard(name, o), lambda o: list(spec.class_names))


def _d(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


def _xy(n: int) -> Callable[[dict], dict]:
    return lambda o: {"x": (n,)}


_TEN = lambda o: [str(i) for i in range(10)]  # noqa: E731

REGISTRY: dict[str, _Entry] = {
    "digits": _Entry("image", "classification", _d(
        "1,797 handwritten digits (scikit-learn): 8×8 grey images with values in [0, 1], 10 classes.",
        "1797 张手写数字（scikit-learn 自带）：8×8 灰度图，取值在 [0, 1]，共 10 类。"),
        {}, lambda o: {"x": (1, 8, 8)}, lambda o: _digits("digits", o), _TEN),
    "digits28": _Entry("image", "classification", _d(
        "The same 1,797 digits enlarged to 28×28 (bilinear), the input size of LeNet-5 and MNIST models.",
        "同样的 1797 张手写数字，放大（双线性插值）到 28×28：LeNet-5 和 MNIST 模型的输入尺寸。"),
        {"size": 28}, lambda o: {"x": (1, o["size"], o["size"])}, lambda o: _digits("digits28", o), _TEN),
    "iris": _Entry("tabular", "classification", _d(
        "150 iris flowers: 4 measurements (cm), 3 species.",
        "150 朵鸢尾花：4 个测量值（厘米），3 个品种。"),
        {}, _xy(4), lambda o: _table("iris", o), lambda o: ["setosa", "versicolor", "virginica"]),
    "wine": _Entry("tabular", "classification", _d(
        "178 wines: 13 chemical measurements, 3 grape cultivars.",
        "178 种葡萄酒：13 项化学指标，3 个葡萄品种。"),
        {}, _xy(13), lambda o: _table("wine", o), lambda o: ["class_0", "class_1", "class_2"]),
    "breast_cancer": _Entry("tabular", "classification", _d(
        "569 breast tumour biopsies: 30 cell-nucleus measurements, malignant or benign.",
        "569 例乳腺肿瘤活检：30 项细胞核测量值，恶性或良性。"),
        {}, _xy(30), lambda o: _table("breast_cancer", o), lambda o: ["malignant", "benign"]),
    "diabetes": _Entry("tabular", "regression", _d(
        "442 diabetes patients: 10 baseline measurements; predict disease progression after one year.",
        "442 名糖尿病患者：10 项基线指标；预测一年后的病情进展（回归）。"),
        {}, _xy(10), lambda o: _table("diabetes", o)),
    "moons": _Entry("points2d", "classification", _d(
        "Two interleaving half circles in the plane; `noise` blurs them.",
        "平面上两个交错的半月形；`noise` 控制噪声。"),
        {"n_samples": 1000, "noise": 0.1}, _xy(2), lambda o: _points(synthetic.moons)("moons", o),
        lambda o: ["0", "1"]),
    "circles": _Entry("points2d", "classification", _d(
        "A small circle inside a larger one: not separable by a straight line.",
        "大圆套小圆：无法用一条直线分开。"),
        {"n_samples": 1000, "noise": 0.05}, _xy(2), lambda o: _points(synthetic.circles)("circles", o),
        lambda o: ["0", "1"]),
    "spirals": _Entry("points2d", "classification", _d(
        "Two interleaved spiral arms: the hardest of the plane sets; needs several hidden layers.",
        "两条交织的螺旋臂：平面数据中最难的一个，需要多个隐藏层。"),
        {"n_samples": 1000, "noise": 0.05}, _xy(2), lambda o: _points(synthetic.spirals)("spirals", o),
        lambda o: ["0", "1"]),
    "xor": _Entry("points2d", "classification", _d(
        "Exclusive or: class 1 where x1 and x2 have the same sign. One straight line cannot split it.",
        "异或：x1 与 x2 同号为第 1 类。一条直线无法将其分开。"),
        {"n_samples": 1000, "noise": 0.05}, _xy(2), lambda o: _points(synthetic.xor)("xor", o),
        lambda o: ["0", "1"]),
    "blobs": _Entry("points2d", "classification", _d(
        "Round clusters on a circle, one class each (`centers`); `noise` is their spread.",
        "分布在圆周上的若干团点，每团一类（`centers`）；`noise` 为其分散程度。"),
        {"n_samples": 1000, "noise": 0.3, "centers": 3}, _xy(2), lambda o: _points(synthetic.blobs)("blobs", o),
        lambda o: [str(i) for i in range(o["centers"])]),
    "gaussian_mixture": _Entry("points", "unsupervised", _d(
        "Unlabelled points from a few Gaussians on a ring (or on a line when `dim` is 1): a toy target for a GAN.",
        "来自环上几个高斯分布的无标签点（`dim` 为 1 时在直线上）：GAN 的玩具目标分布。"),
        {"n_samples": 2000, "components": 8, "dim": 2, "std": 0.1}, lambda o: {"x": (o["dim"],)}, lambda o: _mixture(
            "gaussian_mixture", o)),
    "sine": _Entry("sequence", "regression", _d(
        "Windows of noisy sine waves (random frequency, phase, amplitude); predict the next value.",
        "带噪声的正弦波片段（随机频率、相位、振幅）；预测下一个值。"),
        {"n_samples": 2000, "seq_len": 20, "noise": 0.05}, lambda o: {"x": (o["seq_len"], 1)},
        lambda o: _sine("sine", o)),
    "parity": _Entry("sequence", "classification", _d(
        "Bit sequences: is the number of ones odd? Each holds a random-length run of bits after leading "
        "zeros, so a small LSTM learns it in seconds. Chance is 50%.",
        "比特序列：1 的个数是否为奇数？每条序列在前导 0 之后有一段随机长度的比特，"
        "因此小型 LSTM 几秒内即可学会。随机猜测为 50%。"),
        {"n_samples": 4000, "seq_len": 20}, lambda o: {"x": (o["seq_len"], 1)}, lambda o: _parity("parity", o),
        lambda o: ["even", "odd"]),
    "sentiment": _Entry("tokens", "classification", _d(
        "Generated short reviews from positive and negative word lists, with negations (\"not good\") and "
        "\"but\": padded token ids, 2 classes.",
        "由正面、负面词表生成的简短评论，含否定（“not good”）和转折（“but”）：补齐的词元编号，2 类。"),
        {"n_samples": 4000, "seq_len": 16}, lambda o: {"x": (o["seq_len"],)}, lambda o: _sentiment("sentiment", o),
        lambda o: ["negative", "positive"], {"x": "int64"}),
    "ratings": _Entry("ratings", "regression", _d(
        "Users rate items from 1 to 5; ratings come from hidden user and item tastes. Inputs: user and item ids.",
        "用户给物品打 1 到 5 分；评分来自隐藏的用户偏好与物品特征。输入：用户编号和物品编号。"),
        {"n_samples": 5000, "n_users": 100, "n_items": 200, "factors": 4, "noise": 0.3},
        lambda o: {"user": (1,), "item": (1,)}, lambda o: _ratings("ratings", o),
        dtypes={"user": "int64", "item": "int64"}),
    "dna": _Entry("dna", "classification", _d(
        "Random DNA one-hot coded as 4 channels (A, C, G, T); label: does the hidden motif occur?",
        "随机 DNA 序列，按 4 个通道（A、C、G、T）独热编码；标签：是否含有隐藏的基序？"),
        {"n_samples": 2000, "seq_len": 64, "motif": "TATAAT"}, lambda o: {"x": (4, o["seq_len"])},
        lambda o: _dna("dna", o), lambda o: ["no motif", "motif"]),
    "shapes": _Entry("image", "classification", _d(
        "Generated grey images of circles, squares, triangles, crosses and rings at random places and sizes.",
        "生成的灰度图：随机位置、大小的圆、正方形、三角形、十字和圆环。"),
        {"n_samples": 3000, "size": 28, "noise": 0.0}, lambda o: {"x": (1, o["size"], o["size"])},
        lambda o: _shapes("shapes", o), lambda o: list(drawn_shapes.CLASSES)),
    "expr_trees": _Entry("trees", "classification", _d(
        "Arithmetic expression trees (digits 1-9 with +, −, ×, depth up to `max_depth`); label: is the value "
        "negative or positive? The order of the operands matters, so a tree network is needed. Balanced classes.",
        "算术表达式树（数字 1-9 与 +、−、×，深度不超过 `max_depth`）；标签：值为负还是正？"
        "操作数的顺序很重要，因此需要树形网络。两类样本数相同。"),
        {"n_samples": 8000, "max_depth": 4}, lambda o: {"x": (trees.slots_for_depth(o["max_depth"]), 3)},
        lambda o: trees.expr_dataset("expr_trees", o), lambda o: list(trees.SIGN_CLASSES), {"x": "int64"}),
    "spoken_digits": _Entry("audio", "classification", _d(
        "The ten digit words, one second each at 8 kHz, spoken by 80 espeak-ng voices (8 English accents × 10 "
        "voice variants) at random speeds and pitches, with background noise (`noise`: its level relative to the "
        "word). Validation holds the voice variants m3 and f4, which training never hears.",
        "十个数字的英文读音，每段 1 秒、8 kHz，由 80 种 espeak-ng 声音（8 种英语口音 × 10 种音色）以随机语速和音高朗读，"
        "并加入背景噪声（`noise`：相对于语音的噪声强度）。验证集是训练从未听过的 m3 和 f4 两种音色。"),
        {"noise": 0.1}, lambda o: {"x": (8000,)}, lambda o: _spoken_digits("spoken_digits", o),
        lambda o: list(spoken_digits.WORDS)),
    "mnist": _standard_entry("mnist", "MNIST: 70,000 handwritten digits, 28×28 grey, 10 classes.",
                             "MNIST：70000 张手写数字，28×28 灰度图，共 10 类。"),
    "fashion_mnist": _standard_entry(
        "fashion_mnist", "Fashion-MNIST: 70,000 photos of clothing (Zalando), 28×28 grey, 10 classes.",
        "Fashion-MNIST：70000 张服饰照片（Zalando），28×28 灰度图，共 10 类。"),
    "kmnist": _standard_entry("kmnist", "Kuzushiji-MNIST: 70,000 cursive Japanese characters, 28×28 grey, 10 classes.",
                              "Kuzushiji-MNIST：70000 个日文草书字符，28×28 灰度图，共 10 类。"),
    "cifar10": _standard_entry("cifar10", "CIFAR-10: 60,000 small colour photos, 32×32 RGB, 10 classes.",
                               "CIFAR-10：60000 张小尺寸彩色照片，32×32 RGB，共 10 类。"),
    "cifar100": _standard_entry("cifar100", "CIFAR-100: 60,000 small colour photos, 32×32 RGB, 100 fine classes.",
                                "CIFAR-100：60000 张小尺寸彩色照片，32×32 RGB，共 100 个细分类。"),
    **{name: _Entry("corpus", "language_model", _d(*corpora.DESCRIPTIONS[name]), corpora.DEFAULTS, corpora.windows_shape,
                    lambda o, name=name: corpora.builtin(name, o), dtypes={"x": "int64"}) for name in corpora.NAMES},
}


def _option(key: str, label: tuple, help_: tuple, lo, hi, step, kind: str = "int", default=None) -> Setting:
    """A built-in set's option, declared once; its default for each set comes from the set's entry."""
    return Setting(key, kind, default, bilingual(*label), bilingual(*help_), lo=lo, hi=hi, step=step, group="data_options",
                   surfaces=(DATA,), data_defaults={n: e.defaults[key] for n, e in REGISTRY.items() if key in e.defaults})


# Every option a built-in set takes, declared once (range, step, words); "seed" for every generated set.
DATA_OPTIONS: tuple[Setting, ...] = (
    _option("n_samples", ("Samples", "样本数"), ("How many samples to generate.", "生成多少个样本。"), 20, 20000, 100),
    _option("noise", ("Noise", "噪声"), ("How much random noise blurs the pattern; more noise makes it harder.",
                                          "随机噪声对规律的干扰程度；噪声越大越难学。"), 0.0, 2.0, 0.01, "float"),
    _option("seq_len", ("Sequence length", "序列长度"), ("Length of every sequence (time steps, tokens or bases).",
                                                      "每条序列的长度（时间步、词元或碱基数）。"), 4, 256, 1),
    _option("size", ("Image size (px)", "图像尺寸（像素）"), ("Width and height of every image in pixels.",
                                                       "每张图像的宽和高（像素）。"), 8, 64, 1),
    _option("centers", ("Clusters", "簇数"), ("Number of clusters, one class each.", "簇的数量，每簇一个类别。"), 2, 10, 1),
    _option("components", ("Components", "分量数"), ("Number of Gaussians the points come from.",
                                                   "点来自多少个高斯分布。"), 1, 16, 1),
    _option("dim", ("Dimensions", "维数"), ("Points on a line (1) or in the plane (2).", "点在直线上（1）还是平面上（2）。"),
            1, 2, 1),
    _option("std", ("Spread (std)", "分散程度（标准差）"), ("Spread of every Gaussian.", "每个高斯分布的分散程度。"),
            0.001, 2.0, 0.01, "float"),
    _option("n_users", ("Users", "用户数"), ("Number of different users.", "不同用户的数量。"), 2, 5000, 10),
    _option("n_items", ("Items", "物品数"), ("Number of different items.", "不同物品的数量。"), 2, 5000, 10),
    _option("factors", ("Hidden tastes", "隐含因子数"), ("How many hidden tastes decide a rating (the size an "
                                                     "Embedding needs).", "决定评分的隐含偏好有多少个（Embedding 需要的维度）。"),
            1, 32, 1),
    _option("motif", ("Motif", "基序"), ("3 to 12 letters of A, C, G, T hidden in the positive sequences.",
                                        "藏在正样本序列中的 3 到 12 个字母（A、C、G、T）。"), None, None, None, "text"),
    _option("stream", ("Stream from disk", "从磁盘流式读取"),
            ("Training reads the images from the cache folder batch by batch in worker processes instead of holding "
             "them all in memory (the files are unpacked once). For machines short of memory.",
             "训练时由工作进程从缓存文件夹逐批读取图像，而不是全部放进内存（文件只解包一次）。适合内存不足的电脑。"),
            None, None, None, "bool"),
    _option("max_depth", ("Tree depth", "树的深度"), ("Deepest level of a tree (the root is level 0).",
                                                    "树的最深层级（根为第 0 层）。"), 1, 6, 1),
    *corpora.options(_option),
    _option("seed", ("Seed", "随机种子"), ("Same seed, same data: change it for a fresh draw.",
                                         "种子相同，数据就相同；换一个种子可重新生成。"), 0, 2**31 - 1, 1, default=0),
)
OPTIONS_BY_NAME = {s.name: s for s in DATA_OPTIONS}


def _options(name: str, given: dict) -> dict:
    entry = REGISTRY[name]
    opts = dict(entry.defaults, seed=0)
    for key, value in given.items():
        if key not in opts:
            raise DataError("data.bad_option", option=key, value=str(value)[:40],
                            expected=sorted(opts))
        default = opts[key]
        if isinstance(default, bool) or isinstance(default, str):
            if type(value) is not type(default):
                raise DataError("data.bad_option", option=key, value=str(value)[:40], expected=type(default).__name__)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise DataError("data.bad_option", option=key, value=str(value)[:40], expected="int")
            value = int(value)
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                    or not math.isfinite(float(value)):
                raise DataError("data.bad_option", option=key, value=str(value)[:40], expected="float")
            value = float(value)
        declared = OPTIONS_BY_NAME.get(key)
        if declared is not None and declared.lo is not None and not (declared.lo <= value <= declared.hi):
            raise DataError("data.option_range", option=key, value=value, low=declared.lo, high=declared.hi)
        opts[key] = value
    return opts


def _check_name(name: str) -> None:
    if name not in REGISTRY:
        raise DataError("data.unknown_builtin", name=str(name)[:60], choices=sorted(REGISTRY))


def is_generated(name: str) -> bool:
    """Whether the set is generated (it then takes a ``seed``), not read from files (the standard sets)."""
    return name not in standard.SETS


def names() -> list[str]:
    return list(REGISTRY)


def info(name: str, **options) -> BuiltinInfo:
    """What ``load(name, **options)`` would give, without building it."""
    _check_name(name)
    entry = REGISTRY[name]
    opts = _options(name, options)
    shp = {k: tuple(v) for k, v in entry.shapes(opts).items()}
    classes = entry.class_names(opts)
    dtypes = {k: entry.dtypes.get(k, "float32") for k in shp}
    return BuiltinInfo(name, entry.kind, entry.task, dict(entry.description), dict(entry.defaults),
                       shp.get("x", next(iter(shp.values()))), shp, dtypes,
                       len(classes) if classes else None, classes)


def list_builtin() -> list[BuiltinInfo]:
    return [info(name) for name in REGISTRY]


def load(name: str, **options) -> DataSet:
    """Build the built-in set ``name``; unknown names or options are a DataError."""
    _check_name(name)
    entry = REGISTRY[name]
    opts = _options(name, options)
    ds = entry.make(opts)
    ds.description = dict(entry.description)
    ds.extra.setdefault("options", opts)
    ds.extra.setdefault("source", "builtin")
    return ds
