"""The training config: every option of a run, declared once (``SETTINGS``), typed and checked.

A config is plain JSON (``config.json`` in the run folder, ``--config FILE`` on the command
line). ``TrainConfig`` is a pydantic model generated from ``SETTINGS`` (strict types, ranges,
choices, no unknown keys); ``TrainConfig.from_dict`` turns any problem into a ``ConfigError``
with a stable code, so a bad value is a message, never a crash mid-run. The Train form, the
Data page's split and noise sliders, the command-line flags, the exported script's arguments
and docs/config.md are all generated from the same declarations (see ``runtime.settings``).

A setting that is not given takes the default for the run's mode and data set
(``TrainConfig.resolved``), so a regression run trains 30 epochs and a GAN smooths its labels
without anyone saying so; a setting given where it has no effect is refused (``APPLIES``).
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, model_validator

from builder.errors import CodedError
from builder.params import bilingual

from .settings import CLI, DATA, FORM, SCRIPT, Applies, Setting

MODES = ("auto", "classification", "regression", "autoencoder", "vae", "gan", "rl", "language_model")
CONCRETE_MODES = MODES[1:]
SUPERVISED = ("classification", "regression", "autoencoder", "vae", "language_model")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "exponential", "cosine", "plateau", "onecycle")
LOSSES = ("auto", "cross_entropy", "bce", "mse", "l1", "smooth_l1", "nll", "huber", "kl_div")
AMP = ("off", "auto", "bf16", "fp16")
MEMORY_FORMATS = ("auto", "channels_last", "contiguous")
DEVICES = ("auto", "cpu", "cuda", "mps")
ES_METRICS = ("val_loss", "val_acc", "train_loss")
CONFIG_VERSION = 2      # 2: settings that do not apply are refused; defaults per mode and data set


class ConfigError(CodedError):
    """A training option, data choice or graph that cannot be trained as asked."""


# Small sets train in a few steps an epoch: more epochs, smaller batches and a larger rate make the
# first run a good one (bench/defaults_bench.py: >= 0.93 validation accuracy within seconds).
POINTS_2D = ("moons", "circles", "spirals", "xor", "blobs")
# The standard sets (runtime/data: fetched on first use) keep the usual 10% for validation and train with
# Adam and a cosine schedule (the rate ends near 0: the last epoch settles): MNIST and Fashion-MNIST for
# a few epochs at the plain 2e-3 (bench/standard_data_bench.py: LeNet-5 >= 98.5% in 3, fashion_cnn >= 89%
# in 5); CIFAR-10 (and CIFAR-100) for 30 at 1e-3 with the standard pair: a random crop of the image padded
# by 4 pixels, and horizontal flips. KMNIST is MNIST-shaped and trains like it. Adam, not SGD at 0.05-0.1: the rate does not follow the optimizer, and
# a user who switched to Adam would keep a rate that diverges.
# A name here that the registry does not (yet) hold is never looked up: nothing breaks.
MNIST_LIKE = ("mnist", "fashion_mnist", "kmnist")
CIFAR_LIKE = ("cifar10", "cifar100")
STANDARD_SETS = (*MNIST_LIKE, *CIFAR_LIKE)
CIFAR_AUGMENT = {"pad_crop": 4.0, "hflip": 0.5}
# A GAN on the 8x8 digits (the README's command: 20 epochs, 23 steps each) at DCGAN's 2e-4 gives blurred
# look-alike samples (pixel spread across samples 0.08 against 0.23 for real digits); at 1e-3 it gives
# distinct digits (spread 0.20; bench/gan_bench.py).
GAN_RATE = {"digits": 1e-3}
# The ratings recommender (30 epochs, seeds 0-2) ends at 0.80-0.86x the mean-prediction baseline's MSE at the
# regression rate 1e-3 (and at 5e-3 alone); with 5e-3 and weight decay 1e-3 (pulling the ids' embedding rows
# that few ratings touch towards 0) at 0.30-0.40x.
RATINGS_RATE, RATINGS_DECAY = {"ratings": 5e-3}, {"ratings": 1e-3}


from .rl.settings import RL_LR, RL_SETTINGS  # noqa: E402  (reinforcement learning: mode rl)


def _choices(**labels) -> dict:
    return {k: bilingual(*v) for k, v in labels.items()}


# The declarations, in the order the form and the docs show them. Words are the setting's own.
SETTINGS: tuple[Setting, ...] = (
    Setting("version", "int", CONFIG_VERSION, bilingual("Config format version", "配置格式版本"),
            bilingual("The version of this config's format; configs of earlier versions are read and migrated.",
              "配置格式的版本；较早版本的配置会被读取并迁移。"), lo=1, hi=CONFIG_VERSION, group="internal"),
    # -- what to train on -----------------------------------------------------------------------------
    Setting("mode", "choice", "auto", bilingual("Training mode", "训练模式"),
            bilingual("What the network learns: classes, numbers, to reproduce its input (autoencoder, VAE) or to generate "
              "(GAN). Automatic reads it from the graph and the data.",
              "网络要学什么：类别、数值、重建输入（自编码器、VAE）或生成样本（GAN）。“自动”会根据图和数据来判断。"),
            choices=MODES, group="top", surfaces=(FORM, CLI)),
    Setting("data", "text", "digits", bilingual("Data set", "数据集"),
            bilingual("A built-in data set (python -m runtime data NAME describes one).", "内置数据集（python -m runtime data NAME 可查看说明）。"),
            group="data", surfaces=(DATA, CLI), metavar="NAME"),
    Setting("data_options", "dict", {}, bilingual("Data set options", "数据集选项"),
            bilingual("Options of a built-in set (samples, noise, stream from disk, ...; KEY=VALUE, such as n_samples=500 "
                      "or stream=true), see the data options below.",
              "内置数据集的选项（样本数、噪声、从磁盘流式读取等；KEY=VALUE，例如 n_samples=500 或 stream=true），"
              "见下文的数据选项。"), group="data", surfaces=(DATA, CLI), flags=("--data-option",), metavar="KEY=VALUE"),
    Setting("upload", "text", None, bilingual("Your data file", "你的数据文件"),
            bilingual("Your own data: a CSV, an NPZ, a zip of image folders, or a local folder of class folders "
                      "streamed from disk (instead of the built-in set).",
              "你自己的数据：CSV、NPZ、按文件夹分类的图片 zip，或从磁盘流式读取的本地类别文件夹（代替内置数据集）。"),
            group="data", surfaces=(DATA, CLI), metavar="PATH", nullable=True),
    Setting("upload_options", "dict", {}, bilingual("Upload options", "上传选项"),
            bilingual("How to read the uploaded file or folder: the target column, the task, the image size and colour "
                      "(KEY=VALUE, such as size=32, color=rgb, normalize=true, target=label).",
              "如何读取上传的文件或文件夹：目标列、任务、图像尺寸和颜色（KEY=VALUE，例如 size=32、color=rgb、"
              "normalize=true、target=label）。"), group="data", surfaces=(DATA, CLI), flags=("--upload-option",),
            metavar="KEY=VALUE"),
    Setting("val_split", "share", 0.2, bilingual("Validation", "验证集"),
            bilingual("Share of the samples held out to measure the model while it trains (every class in proportion).",
              "留出来在训练过程中评估模型的样本比例（各类别按比例抽取）。"),
            lo=0.0, hi=0.5, step=0.05, group="data", surfaces=(DATA, CLI), metavar="SHARE",
            data_defaults=dict.fromkeys(STANDARD_SETS, 0.1)),
    Setting("test_split", "share", 0.0, bilingual("Test", "测试集"),
            bilingual("Share kept aside for one final test after training, scored on the best weights.",
              "留作训练结束后最终测试的样本比例，用最好的权重评估一次。"),
            lo=0.0, hi=0.4, step=0.05, group="data", surfaces=(DATA, CLI), metavar="SHARE",
            applies=Applies(modes=SUPERVISED)),
    Setting("label_noise", "share", 0.0, bilingual("Label noise", "标签噪声"),
            bilingual("Share of training labels replaced by random ones (classification data), to watch overfitting.",
              "随机替换的训练标签比例（分类数据），用来观察过拟合。"),
            lo=0.0, hi=1.0, step=0.05, group="data", surfaces=(DATA, CLI), metavar="SHARE"),
    Setting("augment", "dict", {}, bilingual("Augmentation", "数据增强"),
            bilingual("Image augmentation: name -> strength (see the augmentation options below); images only.",
              "图像数据增强：名称 -> 强度（见下文的增强选项）；只用于图像。"),
            group="data", surfaces=(DATA, CLI), flags=("--augment",), metavar="NAME[=STRENGTH]",
            data_defaults=dict.fromkeys(CIFAR_LIKE, CIFAR_AUGMENT)),
    # -- the essentials ---------------------------------------------------------------------------------
    Setting("epochs", "int", 15, bilingual("Epochs", "训练轮数"),
            bilingual("How many times the network sees the whole training set.", "网络完整看一遍训练集的次数。"),
            lo=1, hi=10_000, step=1, unit="epochs", surfaces=(FORM, CLI, SCRIPT), metavar="N",
            mode_defaults={"regression": 30, "autoencoder": 20, "vae": 30, "gan": 60},
            data_defaults={"iris": 100, **dict.fromkeys(POINTS_2D, 60), "mnist": 3, "kmnist": 3, "fashion_mnist": 5,
                           **dict.fromkeys(CIFAR_LIKE, 30), "spoken_digits": 40}),
    Setting("batch_size", "int", 64, bilingual("Batch size", "批大小"),
            bilingual("Samples per step. Larger batches give smoother but fewer updates per epoch.",
              "每一步使用的样本数。批越大，每轮的更新越少但越平稳。"),
            lo=1, hi=65_536, step=8, unit="samples", surfaces=(FORM, CLI, SCRIPT), metavar="N",
            data_defaults={"iris": 16, **dict.fromkeys(POINTS_2D, 32), **dict.fromkeys(CIFAR_LIKE, 128)}),
    Setting("optimizer", "choice", "adam", bilingual("Optimizer", "优化器"),
            bilingual("How the weights move along the gradient. Adam is a good first choice; SGD with momentum often "
              "generalises well with a schedule.",
              "权重如何沿梯度更新。Adam 是不错的首选；带动量的 SGD 配合学习率调度常常泛化更好。"),
            choices=OPTIMIZERS, surfaces=(FORM, CLI),
            choice_labels=_choices(sgd=("SGD", "SGD"), momentum=("Momentum", "动量 SGD"), nesterov=("Nesterov", "Nesterov 动量"),
                                   adagrad=("Adagrad", "Adagrad"), adadelta=("Adadelta", "Adadelta"),
                                   rmsprop=("RMSprop", "RMSprop"), adam=("Adam", "Adam"), adamw=("AdamW", "AdamW"))),
    Setting("lr", "rate", 2e-3, bilingual("Learning rate", "学习率"),
            bilingual("Step size of each update. Too high: the loss jumps or becomes NaN; too low: it barely moves. Adam: try "
              "1e-3 to 3e-3.", "每次更新的步长。太大：损失会跳动甚至变成 NaN；太小：几乎不下降。Adam 可试 1e-3 到 3e-3。"),
            lo=1e-12, hi=10.0, step=1e-4, surfaces=(FORM, CLI, SCRIPT), metavar="RATE", applies=Applies(modes=(*SUPERVISED, "rl")),
            mode_defaults={"regression": 1e-3, "autoencoder": 1e-3, "vae": 1e-3, **RL_LR},
            data_defaults={"iris": 0.02, **dict.fromkeys(POINTS_2D, 0.01), **dict.fromkeys(CIFAR_LIKE, 1e-3),
                           "spoken_digits": 0.01, **RATINGS_RATE}),
    Setting("g_lr", "rate", 2e-4, bilingual("Generator learning rate", "生成器学习率"),
            bilingual("Step size of the generator's updates (DCGAN: 2e-4; 1e-3 on the small digits set, whose few "
                      "steps per epoch leave 2e-4 with blurred look-alike samples).",
                      "生成器每次更新的步长（DCGAN 用 2e-4；小数据集 digits 每轮步数少，用 1e-3，否则 2e-4 只会生成模糊且彼此相似的样本）。"),
            lo=1e-12, hi=10.0, step=1e-5, surfaces=(FORM, CLI, SCRIPT), metavar="RATE", applies=Applies(modes=("gan",)),
            data_defaults=GAN_RATE),
    Setting("d_lr", "rate", 2e-4, bilingual("Discriminator learning rate", "判别器学习率"),
            bilingual("Step size of the discriminator's updates. If it wins too easily, lower it.",
              "判别器每次更新的步长。若判别器太容易获胜，可以调低。"),
            lo=1e-12, hi=10.0, step=1e-5, surfaces=(FORM, CLI, SCRIPT), metavar="RATE", applies=Applies(modes=("gan",)),
            data_defaults=GAN_RATE),
    Setting("loss", "choice", "auto", bilingual("Loss", "损失函数"),
            bilingual("What the network minimises. Automatic: cross-entropy for classes, mean squared error for numbers and "
              "reconstructions. Huber: squared for errors below δ, linear above, so outliers pull less. KL divergence: "
              "for targets that are probability distributions (soft labels), not class labels.",
              "网络要最小化的目标。自动：分类用交叉熵，数值和重建用均方误差。Huber：误差小于 δ 时取平方，大于 δ 时取线性，"
              "离群值的影响更小。KL 散度：用于目标本身是概率分布（软标签）的情形，不用于类别标签。"),
            choices=LOSSES, surfaces=(FORM, CLI), applies=Applies(modes=SUPERVISED),
            choice_labels=_choices(auto=("automatic", "自动"), cross_entropy=("cross-entropy", "交叉熵"),
                                   bce=("binary cross-entropy", "二元交叉熵"), mse=("mean squared error", "均方误差"),
                                   l1=("mean absolute error (L1)", "平均绝对误差（L1）"),
                                   smooth_l1=("smooth L1 (Huber with δ = 1)", "平滑 L1（δ = 1 的 Huber）"),
                                   nll=("negative log-likelihood", "负对数似然"),
                                   huber=("Huber (δ below)", "Huber（δ 见下）"),
                                   kl_div=("KL divergence (target distributions)", "KL 散度（目标为分布）"))),
    Setting("huber_delta", "float", 1.0, bilingual("Huber δ", "Huber δ"),
            bilingual("Where the Huber loss turns from squared to linear: errors smaller than δ count like mean squared "
                      "error, larger ones like L1 (in the target's units, standardised for tables).",
                      "Huber 损失从平方变为线性的分界：小于 δ 的误差按均方误差计，更大的按 L1 计"
                      "（单位与目标相同，表格数据为标准化后的单位）。"),
            lo=1e-6, hi=1e6, step=0.1, surfaces=(FORM, CLI, SCRIPT), metavar="DELTA",
            applies=Applies(modes=("regression", "autoencoder"), losses=("huber",))),
    Setting("max_steps", "int", 0, bilingual("Step limit", "步数上限"),
            bilingual("Stop after this many steps (0: no limit besides the epochs).", "训练这么多步后停止（0：只按轮数）。"),
            lo=0, hi=10**9, unit="steps", surfaces=(CLI, SCRIPT), flags=("--max-steps", "--steps"), metavar="N"),
    # -- the optimizer's details ------------------------------------------------------------------------------
    Setting("momentum", "float", 0.9, bilingual("Momentum", "动量"),
            bilingual("How much of the previous step carries on (0.9 is usual).", "上一步的更新保留多少（通常为 0.9）。"),
            lo=0.0, hi=0.999, step=0.01, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("momentum", "nesterov"))),
    Setting("beta1", "float", 0.9, bilingual("Beta 1", "β1（一阶矩衰减）"),
            bilingual("Adam's memory of past gradients (0.9; GANs use 0.5).", "Adam 对过去梯度的记忆（0.9；GAN 常用 0.5）。"),
            lo=0.0, hi=0.999, step=0.01, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("adam", "adamw")), mode_defaults={"gan": 0.5}),
    Setting("beta2", "float", 0.999, bilingual("Beta 2", "β2（二阶矩衰减）"),
            bilingual("Adam's memory of past squared gradients (0.999).", "Adam 对过去梯度平方的记忆（0.999）。"),
            lo=0.0, hi=0.9999, step=0.001, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("adam", "adamw"))),
    Setting("eps", "rate", 1e-8, bilingual("Epsilon", "ε（稳定项）"),
            bilingual("A tiny number that keeps the division stable.", "保证除法数值稳定的一个很小的数。"),
            lo=1e-12, hi=1.0, step=1e-9, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("adam", "adamw", "rmsprop"))),
    Setting("rho", "float", 0.9, bilingual("Rho", "ρ（平均系数）"), bilingual("Adadelta's averaging factor (0.9).", "Adadelta 的平均系数（0.9）。"),
            lo=0.0, hi=0.999, step=0.01, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("adadelta",))),
    Setting("alpha", "float", 0.99, bilingual("Alpha", "Alpha"),
            bilingual("RMSprop's smoothing of squared gradients (0.99).", "RMSprop 对梯度平方的平滑系数（0.99）。"),
            lo=0.0, hi=0.999, step=0.01, group="optimizer", surfaces=(FORM, CLI),
            applies=Applies(optimizers=("rmsprop",))),
    # -- the learning-rate schedule --------------------------------------------------------------------------
    Setting("schedule", "choice", "none", bilingual("Schedule", "调度方式"),
            bilingual("How the learning rate changes during training: a constant, steps down, a smooth cosine decay, down "
              "when the validation loss stalls, or one cycle up and down.",
              "训练中学习率如何变化：保持不变、阶梯下降、余弦平滑衰减、验证损失停滞时下降，或先升后降的单周期。"),
            choices=SCHEDULES, group="schedule", surfaces=(FORM, CLI), data_defaults={**dict.fromkeys(STANDARD_SETS, "cosine"), "spoken_digits": "onecycle"},
            choice_labels=_choices(none=("constant", "恒定"), step=("step decay", "阶梯衰减"),
                                   exponential=("exponential decay", "指数衰减"), cosine=("cosine", "余弦"),
                                   plateau=("reduce on plateau", "停滞时降低"), onecycle=("one cycle", "单周期"))),
    Setting("step_size", "int", 5, bilingual("Epochs per step", "每隔几轮下降"),
            bilingual("The rate is multiplied by the factor every this many epochs.", "每隔这么多轮，学习率乘以衰减系数。"),
            lo=1, hi=10_000, step=1, unit="epochs", group="schedule", surfaces=(FORM, CLI),
            applies=Applies(schedules=("step",))),
    Setting("gamma", "float", 0.5, bilingual("Decay factor", "衰减系数"),
            bilingual("What the rate is multiplied by at each decay.", "每次衰减时学习率乘以的系数。"),
            lo=0.01, hi=1.0, step=0.05, group="schedule", surfaces=(FORM, CLI),
            applies=Applies(schedules=("step", "exponential", "plateau"))),
    Setting("plateau_patience", "int", 2, bilingual("Plateau patience", "停滞容忍轮数"),
            bilingual("Epochs without a better validation loss before the rate drops.", "验证损失连续这么多轮没有改善后，降低学习率。"),
            lo=1, hi=1000, step=1, unit="epochs", group="schedule", surfaces=(FORM, CLI),
            applies=Applies(schedules=("plateau",))),
    Setting("min_lr", "rate", 0.0, bilingual("Minimum learning rate", "最小学习率"),
            bilingual("The rate never goes below this.", "学习率不会低于这个值。"),
            lo=0.0, hi=1.0, step=1e-5, group="schedule", surfaces=(FORM, CLI),
            applies=Applies(schedules=("step", "exponential", "cosine", "plateau"))),
    Setting("warmup_epochs", "float", 0.0, bilingual("Warm-up epochs", "预热轮数"),
            bilingual("Ramp the rate up from 0 over this many epochs first (helps big rates and batch norm settle).",
              "先在这么多轮内把学习率从 0 逐渐升高（有助于大学习率和批归一化稳定）。"),
            lo=0.0, hi=1000.0, step=0.5, unit="epochs", group="schedule", surfaces=(FORM, CLI)),
    # -- regularisation ------------------------------------------------------------------------------------------
    Setting("weight_decay", "rate", 0.0, bilingual("L2 (weight decay)", "L2（权重衰减）"),
            bilingual("Pulls weights towards zero: a simpler model that overfits less. Try 1e-4.",
              "把权重拉向 0：模型更简单，更不容易过拟合。可试 1e-4。"),
            lo=0.0, hi=10.0, step=1e-4, group="regularisation", surfaces=(FORM, CLI), metavar="L2",
            data_defaults=RATINGS_DECAY),
    Setting("l1", "rate", 0.0, bilingual("L1", "L1"),
            bilingual("Adds the sum of |weights| to the loss: many weights become exactly zero.",
              "把权重绝对值之和加入损失：许多权重会变成正好为 0。"),
            lo=0.0, hi=10.0, step=1e-5, group="regularisation", surfaces=(FORM, CLI), metavar="L1"),
    Setting("grad_clip", "float", 0.0, bilingual("Gradient clipping", "梯度裁剪"),
            bilingual("Largest allowed gradient norm (0: off). Stops exploding gradients, common in RNNs.",
              "允许的最大梯度范数（0 表示关闭）。可防止梯度爆炸，RNN 中常用。"),
            lo=0.0, hi=1e6, step=0.5, group="regularisation", surfaces=(FORM, CLI), metavar="NORM"),
    # -- early stopping ---------------------------------------------------------------------------------------------
    Setting("early_stopping", "bool", False, bilingual("Stop early when it stops improving", "不再提升时提前停止"),
            bilingual("Stop when the watched metric has not improved for a while and keep the best weights.",
              "被监视的指标一段时间没有改善时停止训练，并保留最好的权重。"),
            group="early_stopping", surfaces=(FORM, CLI), flags=("--early-stopping",), metavar="PATIENCE"),
    Setting("es_metric", "choice", "val_loss", bilingual("Watch", "监视指标"),
            bilingual("The metric that decides when to stop, and which epoch's weights are the best.",
              "决定何时停止、以及哪一轮的权重最好的指标。"),
            choices=ES_METRICS, group="early_stopping", surfaces=(FORM, CLI), applies=Applies(needs="early_stopping"),
            choice_labels=_choices(val_loss=("validation loss", "验证损失"), val_acc=("validation accuracy", "验证准确率"),
                                   train_loss=("training loss", "训练损失"))),
    Setting("es_patience", "int", 5, bilingual("Patience (epochs)", "容忍轮数"),
            bilingual("Epochs without improvement before stopping (the command line's --early-stopping PATIENCE).",
              "连续这么多轮没有改善就停止（命令行的 --early-stopping PATIENCE）。"),
            lo=1, hi=10_000, step=1, unit="epochs", group="early_stopping", surfaces=(FORM,),
            applies=Applies(needs="early_stopping")),
    Setting("es_min_delta", "float", 0.0, bilingual("Minimum improvement", "最小改善量"),
            bilingual("Smaller changes do not count as improvement.", "小于这个值的变化不算改善。"),
            lo=0.0, hi=1e6, step=0.001, group="early_stopping", surfaces=(FORM, CLI),
            applies=Applies(needs="early_stopping")),
    # -- what only some modes have ---------------------------------------------------------------------------------------
    Setting("denoise", "float", 0.0, bilingual("Denoising noise", "去噪噪声"),
            bilingual("Add this much Gaussian noise to the inputs; the autoencoder learns to remove it.",
              "给输入加上这么大的高斯噪声；自编码器学习把它去掉。"),
            lo=0.0, hi=10.0, step=0.05, group="mode", surfaces=(FORM, CLI), applies=Applies(modes=("autoencoder",))),
    Setting("beta", "float", 1.0, bilingual("KL weight (beta)", "KL 权重（β）"),
            bilingual("Weight of the KL term: higher gives a smoother latent space, blurrier reconstructions.",
              "KL 项的权重：越大潜空间越平滑，重建越模糊。"),
            lo=0.0, hi=100.0, step=0.1, group="mode", surfaces=(FORM, CLI), applies=Applies(modes=("vae",))),
    Setting("label_smoothing", "float", 0.0, bilingual("Label smoothing", "标签平滑"),
            bilingual("Classification: the target puts 1 minus this on the true class and spreads the rest over all classes, "
              "so the network is not pushed to be 100% sure. GAN: real samples are labelled 1 minus this, so the "
              "discriminator is not too sure of itself.",
              "分类：目标在正确类别上为 1 减去这个值，其余平均分给所有类别，网络不会被逼得百分之百确定。"
              "GAN：真实样本的标签设为 1 减去这个值，让判别器不至于过分自信。"),
            lo=0.0, hi=0.5, step=0.05, group="mode", surfaces=(FORM, CLI),
            applies=Applies(modes=("classification", "gan")), mode_defaults={"gan": 0.1}),
    Setting("d_steps", "int", 1, bilingual("Discriminator steps", "判别器步数"),
            bilingual("Discriminator updates per generator update.", "每次更新生成器前判别器更新的次数。"),
            lo=1, hi=100, step=1, group="mode", surfaces=(FORM, CLI), applies=Applies(modes=("gan",))),
    *RL_SETTINGS,
    # -- device, speed, reproducibility ----------------------------------------------------------------------------------------
    Setting("device", "choice", "auto", bilingual("Device", "设备"),
            bilingual("Automatic uses a GPU when there is one (CUDA or Apple MPS), else the CPU.",
              "自动：有 GPU（CUDA 或 Apple MPS）就用 GPU，否则用 CPU。"),
            choices=DEVICES, group="run", surfaces=(FORM, CLI, SCRIPT),
            choice_labels=_choices(auto=("automatic", "自动"), cpu=("CPU", "CPU"), cuda=("CUDA GPU", "CUDA GPU"),
                                   mps=("Apple MPS", "Apple MPS"))),
    Setting("devices", "int", 1, bilingual("GPUs to train on together", "一起训练的 GPU 数量"),
            bilingual("More than 1 splits every batch over that many GPUs (DistributedDataParallel through torchrun); the batch "
              "size stays the total.",
              "大于 1 时，每个批次会分到这么多块 GPU 上（通过 torchrun 使用 DistributedDataParallel）；批次大小仍是总数。"),
            lo=1, hi=64, step=1, group="run", surfaces=(FORM, CLI), metavar="N", applies=Applies(modes=SUPERVISED)),
    Setting("amp", "choice", "auto", bilingual("Mixed precision", "混合精度"),
            bilingual("Compute in 16-bit floats where safe: faster on recent GPUs, little gain on a CPU. Automatic takes "
              "bfloat16 on GPUs that have it, float16 with loss scaling on older CUDA GPUs, and float32 on a CPU.",
              "在安全的地方用 16 位浮点计算：在较新的 GPU 上更快，在 CPU 上收益不大。自动：支持 bfloat16 的 GPU 用 "
              "bfloat16，较旧的 CUDA GPU 用带损失缩放的 float16，CPU 上用 float32。"),
            choices=AMP, group="run", surfaces=(FORM, CLI),
            choice_labels=_choices(off=("off (float32)", "关闭（float32）"), auto=("automatic", "自动"),
                                   bf16=("bfloat16", "bfloat16"), fp16=("float16", "float16"))),
    Setting("memory_format", "choice", "auto", bilingual("Memory layout", "内存布局"),
            bilingual("How convolution networks store images: channels last is faster on recent GPUs. Automatic uses it "
              "on a CUDA GPU for graphs with a Conv2d, and the plain layout elsewhere.",
              "卷积网络怎样存放图像：通道在后（`channels_last`）在较新的 GPU 上更快。自动：在 CUDA GPU 上、图中有 "
              "Conv2d 时使用，其他情况用普通布局。"),
            choices=MEMORY_FORMATS, group="run", surfaces=(FORM, CLI),
            choice_labels=_choices(auto=("automatic", "自动"), channels_last=("channels last", "通道在后"),
                                   contiguous=("contiguous", "连续（通道在前）"))),
    Setting("compile", "bool", False, bilingual("torch.compile", "torch.compile"),
            bilingual("Compile the model first: faster steps for big models, but the first step takes a while.",
              "先编译模型：大模型每步更快，但第一步要等一会儿。"), group="run", surfaces=(FORM, CLI)),
    Setting("seed", "int", 0, bilingual("Random seed", "随机种子"),
            bilingual("The same seed, graph and data give the same curve on a CPU.", "在 CPU 上，相同的种子、图和数据会得到相同的曲线。"),
            lo=0, hi=2**31 - 1, step=1, group="run", surfaces=(FORM, CLI, SCRIPT), metavar="N"),
    Setting("snapshot_seconds", "float", 1.0, bilingual("Snapshot every (s)", "快照间隔（秒）"),
            bilingual("How often activations and the weight and gradient distributions are recorded "
                      "(their norms: at every log point). Less often when one recording takes more than 2% of "
                      "this time, so recording never slows training by more than that.",
                      "多久记录一次激活值以及权重和梯度的分布（它们的范数在每个记录点都会记录）。如果一次记录所用的"
                      "时间超过这个间隔的 2%，就记录得更少，这样记录拖慢训练不会超过这个比例。"),
            lo=0.2, hi=600.0, step=0.5, unit="s", group="run", surfaces=(FORM,)),
    # -- fine-tuning and resuming -----------------------------------------------------------------------------------------------
    Setting("init_from", "text", None, bilingual("Start from", "起始权重"),
            bilingual("Start from this checkpoint's weights: a run's, or the .weights.pt of an imported model "
                      "(layers matched by name and shape).",
              "从这个检查点的权重开始：某个运行的检查点，或导入模型的 .weights.pt（按名称和形状匹配层）。"),
            group="finetune", surfaces=(CLI, SCRIPT), metavar="CHECKPOINT", nullable=True,
            applies=Applies(modes=SUPERVISED)),
    Setting("freeze", "list", [], bilingual("Freeze layers", "冻结的层"),
            bilingual("Frozen layers are not updated: typically the early layers that found general features. "
                      "A layer inside a block is named by its path: layer1/0/conv1.",
              "冻结的层不会被更新：通常冻结提取通用特征的前几层。模块内部的层用路径表示：layer1/0/conv1。"),
            group="finetune", surfaces=(CLI,), metavar="ID[,ID...]"),
    Setting("resume", "bool", False, bilingual("Resume", "继续训练"),
            bilingual("Continue the optimizer, schedule and epoch count of the checkpoint (the same graph).",
              "接着检查点的优化器、学习率计划和轮数继续训练（同一个图）。"),
            group="finetune", surfaces=(CLI,), applies=Applies(needs="init_from")),
    # -- class-incremental training (runtime.incremental) ---------------------------------------------------------------------
    Setting("classes", "list", [], bilingual("Classes to learn", "要学习的类别"),
            bilingual("Train on these classes only; continued from a classification run (init_from), the output layer "
                      "grows by the new classes and keeps the old classes' rows.",
                      "只用这些类别训练；从一个分类运行继续（init_from）时，输出层为新类别增加行，并保留旧类别的行。"),
            group="finetune", surfaces=(CLI,), metavar="CLASS[,CLASS...]", applies=Applies(modes=("classification",))),
    Setting("replay", "int", 0, bilingual("Replay per old class", "每个旧类别回放的样本数"),
            bilingual("Train this many samples of each old class beside the new classes, against forgetting.",
                      "在学习新类别的同时，用每个旧类别的这么多样本一起训练，以防遗忘。"),
            lo=0, hi=20, unit="samples", group="finetune", surfaces=(CLI,), metavar="N",
            applies=Applies(modes=("classification",), needs="classes")),
    Setting("ewc", "float", 0.0, bilingual("EWC strength", "EWC 强度"),
            bilingual("Elastic weight consolidation: keeps the weights that mattered for the old classes near their "
                      "values (0: off).",
                      "弹性权重巩固：让对旧类别重要的权重保持在原来的值附近（0：关闭）。"),
            lo=0.0, hi=1e6, step=10.0, group="finetune", surfaces=(CLI,), metavar="LAMBDA",
            applies=Applies(modes=("classification",), needs="classes")),
    # -- knowledge distillation (runtime.distill) ----------------------------------------------------------------------------------
    Setting("teacher", "text", None, bilingual("Teacher run", "教师运行"),
            bilingual("Learn from this finished classification run (its folder) as well as from the labels: knowledge "
                      "distillation.",
                      "同时向这个已完成的分类运行（它的文件夹）和标签学习：知识蒸馏。"),
            group="distill", surfaces=(CLI,), metavar="RUN", nullable=True, applies=Applies(modes=("classification",))),
    Setting("kd_alpha", "share", 0.5, bilingual("Teacher weight (alpha)", "教师权重（α）"),
            bilingual("Share of the loss that follows the teacher's softened outputs; the rest is cross-entropy with the "
                      "labels (1: the labels are not used).",
                      "损失中跟随教师软化输出的比例；其余是与标签的交叉熵（1：完全不用标签）。"),
            lo=0.0, hi=1.0, step=0.05, group="distill", surfaces=(FORM, CLI), metavar="A",
            applies=Applies(modes=("classification",), needs="teacher")),
    Setting("kd_temperature", "float", 4.0, bilingual("Temperature (T)", "温度（T）"),
            bilingual("Softens both networks' outputs before they are compared; higher shows more of how the teacher "
                      "ranks the wrong classes.",
                      "比较前先软化两个网络的输出；越高越能体现教师对错误类别的排序。"),
            lo=0.05, hi=100.0, step=0.5, group="distill", surfaces=(FORM, CLI), metavar="T",
            applies=Applies(modes=("classification",), needs="teacher")),
    # -- monitoring (config file only) ------------------------------------------------------------------------------------------
    Setting("monitor", "bool", True, bilingual("Record diagnostics", "记录诊断数据"),
            bilingual("Record activations, weight statistics and the epoch-end views while training.",
              "训练时记录激活值、权重统计和每轮结束时的视图。"), group="monitor"),
    Setting("log_points_per_epoch", "int", 20, bilingual("Log points per epoch", "每轮记录点数"),
            bilingual("Step records written per epoch (plus the first step).", "每轮写入的步记录数（另加第一步）。"),
            lo=1, hi=1000, group="monitor"),
    Setting("watch_samples", "int", 4, bilingual("Watched samples", "观察样本数"),
            bilingual("Fixed validation samples shown in the activation maps.", "激活图中显示的固定验证样本数。"),
            lo=1, hi=16, group="monitor"),
    Setting("checkpoint_every", "int", 1, bilingual("Checkpoint every (epochs)", "检查点间隔（轮）"),
            bilingual("Epochs between checkpoints (at most one per 10 s, and one at the end).", "两次检查点之间的轮数（最多每 10 秒一次，结束时再存一次）。"),
            lo=1, hi=10**6, unit="epochs", group="monitor"),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
GROUPS = ("basic", "optimizer", "schedule", "regularisation", "early_stopping", "mode", "run")   # the form's sections
APPLIES: dict[str, Applies] = {s.name: s.applies for s in SETTINGS if s.applies != Applies()}


# -- the model ------------------------------------------------------------------------------------------
def _integral(value):
    """An int field takes 3.0 (JSON, a widget) as 3; never True, never 3.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _annotation(s: Setting):
    """The pydantic type of a setting: strict, with its range or choices."""
    if s.kind == "int":
        base = Annotated[int, BeforeValidator(_integral), Field(ge=s.lo, le=s.hi)]
    elif s.kind in ("float", "rate", "share"):
        base = Annotated[float, Field(ge=s.lo, le=s.hi, allow_inf_nan=False)]
    elif s.kind == "choice":
        base = Literal[s.choices]
    elif s.kind == "bool":
        base = bool
    elif s.kind == "text":
        base = str
    elif s.kind == "list":
        base = list[str]
    else:
        base = dict[str, Any]
    return base | None if s.nullable else base


def _field(s: Setting):
    if isinstance(s.default, (list, dict)):
        return Field(default_factory=lambda d=s.default: type(d)(d))
    return Field(default=s.default)


class _Config(BaseModel):
    """What every config does; its fields come from ``SETTINGS``."""
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="after")
    def _applies(self):
        refuse_inapplicable(self, None if self.mode == "auto" else self.mode)
        return self

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """A config people give (a form, --config, flags): checked; what it leaves out is resolved per run."""
        if not isinstance(data, dict):
            raise ConfigError("train.config_type")
        try:
            return cls(**{str(k): v for k, v in data.items()})
        except ValidationError as exc:
            raise _config_error(exc) from None

    @classmethod
    def from_saved(cls, data: dict) -> "TrainConfig":
        """A config stored by an earlier run (job.json, config.json, a checkpoint), read by this version."""
        return cls.from_dict(migrate(data) if isinstance(data, dict) else data)

    def to_dict(self, given_only: bool = False) -> dict:
        """Plain JSON; ``given_only``: what was given (and the version), for a run to resolve again."""
        if given_only:
            return {"version": self.version, **self.model_dump(exclude_unset=True)}
        return self.model_dump()

    def merged(self, **overrides) -> "TrainConfig":
        data = self.to_dict(given_only=True)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return TrainConfig.from_dict(data)

    def resolved(self, mode: str, data: str | None = None) -> "TrainConfig":
        """The settings not given take the defaults for a run of ``mode`` on ``data`` (given ones stay)."""
        given = self.to_dict(given_only=True)
        plain = {**defaults(), **given}
        # a setting that has no effect here keeps its plain default (a GAN's beta1 of 0.5 is for Adam only)
        values = {s.name: s.default_for(mode, data) if applies(s.name, mode, plain) else s.default
                  for s in SETTINGS if s.name not in self.model_fields_set}
        values.update(given)
        out = TrainConfig.from_dict(values)
        refuse_inapplicable(out, mode)
        return out


TrainConfig = create_model("TrainConfig", __base__=_Config, __doc__=__doc__,
                           **{s.name: (_annotation(s), _field(s)) for s in SETTINGS})


def defaults(mode: str | None = None, data: str | None = None) -> dict:
    """Every setting's default for a run of ``mode`` on the built-in set ``data``."""
    return {s.name: s.default_for(mode, data) for s in SETTINGS}


_EXPECTED = {"int_type": "integer", "float_type": "number", "finite_number": "finite number", "bool_type": "true/false",
             "string_type": "text", "list_type": "list of node ids", "dict_type": "object", "int_from_float": "integer"}


def _config_error(exc: ValidationError) -> ConfigError:
    """The first problem pydantic found, as the coded message people read."""
    err = exc.errors(include_url=False)[0]
    key = ".".join(str(p) for p in err["loc"][:1]) or "config"
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return ConfigError("train.config_unknown", key=key[:60])
    setting = BY_NAME.get(key)
    if kind == "literal_error" and setting is not None:
        return ConfigError("train.config_choice", key=key, value=str(value)[:40], choices=", ".join(setting.choices))
    if kind in ("greater_than_equal", "less_than_equal") and setting is not None:
        return ConfigError("train.config_range", key=key, value=value, lo=setting.lo, hi=setting.hi)
    if err["loc"][1:] and kind in ("string_type",):     # an item of a list or dict
        return ConfigError("train.config_type_field", key=key, expected=_EXPECTED.get(setting.kind + "_type", "text")
                           if setting else "text")
    return ConfigError("train.config_type_field", key=key, expected=_EXPECTED.get(kind, kind))


# -- which settings apply where -------------------------------------------------------------------------
def applies(name: str, mode: str | None, values: dict) -> bool:
    """Whether setting ``name`` has an effect for ``mode`` (None: not known yet) and the other ``values``."""
    rule = APPLIES.get(name)
    if rule is None:
        return True
    if rule.modes and mode is not None and mode not in rule.modes:
        return False
    if rule.optimizers and values.get("optimizer") not in rule.optimizers:
        return False
    if rule.schedules and values.get("schedule") not in rule.schedules:
        return False
    if rule.losses and values.get("loss") not in rule.losses:
        return False
    return not rule.needs or bool(values.get(rule.needs))


def _given(cfg, name: str, mode: str | None) -> bool:
    """Whether a setting was given a value that would change something (not its default for the mode)."""
    if name not in cfg.model_fields_set:
        return False
    value = getattr(cfg, name)
    return value != BY_NAME[name].default_for(mode) and value != BY_NAME[name].default


def inapplicable(cfg, mode: str | None) -> list[str]:
    """The settings given where they have no effect (``mode`` None: the mode rules are not checked)."""
    values = cfg.model_dump()
    return [name for name in APPLIES if _given(cfg, name, mode) and not applies(name, mode, values)]


def refuse_inapplicable(cfg, mode: str | None) -> None:
    """Raise for the first setting that would be ignored, saying where it applies."""
    for name in inapplicable(cfg, mode):
        rule, value = APPLIES[name], getattr(cfg, name)
        shown = str(value)[:40]
        if rule.modes and mode is not None and mode not in rule.modes:
            raise ConfigError("train.not_applicable_mode", key=name, value=shown, mode=mode,
                              where=", ".join(rule.modes))
        if rule.optimizers and cfg.optimizer not in rule.optimizers:
            raise ConfigError("train.not_applicable_optimizer", key=name, value=shown, optimizer=cfg.optimizer,
                              where=", ".join(rule.optimizers))
        if rule.schedules and cfg.schedule not in rule.schedules:
            raise ConfigError("train.not_applicable_schedule", key=name, value=shown, schedule=cfg.schedule,
                              where=", ".join(rule.schedules))
        if rule.losses and cfg.loss not in rule.losses:
            raise ConfigError("train.not_applicable_loss", key=name, value=shown, loss=cfg.loss,
                              where=", ".join(rule.losses))
        raise ConfigError("train.not_applicable_needs", key=name, value=shown, needs=rule.needs)


# -- configs of earlier versions ---------------------------------------------------------------------------
def migrate(data: dict) -> dict:
    """A stored config as this version reads it. Version 1 (no ``version`` key) kept settings that
    had no effect (hidden form fields, label smoothing outside GAN) and some values past today's
    ranges: the first are dropped and the rest brought into range, which leaves the run as it
    trained. A label smoothing of None (early version 2: "the mode's default") is not given.
    Configs people write (``--config``) are current: not migrated."""
    data = dict(data)
    if data.get("label_smoothing", 0.0) is None:
        data.pop("label_smoothing")        # "the mode's default" (version 2 before the schema): not given
    if "version" in data:
        return data
    data["version"] = CONFIG_VERSION
    mode = data.get("mode") if data.get("mode") in CONCRETE_MODES else None
    if mode != "gan" and data.get("label_smoothing") == 0.1:
        data.pop("label_smoothing")        # the old default, only ever used by GANs
    merged = {**defaults(mode), **data}
    for name in APPLIES:
        if name in data and not applies(name, mode, merged):
            data.pop(name)
    for name, value in list(data.items()):     # version 1 allowed wider ranges
        s = BY_NAME.get(name)
        if s is not None and s.lo is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value):
            data[name] = type(value)(min(max(value, s.lo), s.hi))
    return data
