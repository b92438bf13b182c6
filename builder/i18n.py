"""The one translation table: every user-facing string, in English and 简体中文.

Keys are dotted (``area.name``). Messages are ``str.format`` templates whose
fields come from the error's ``args`` (or the caller's keyword arguments).
Layer titles and help texts live with their layer in ``builder.catalog`` (one
entry per layer); everything else a user reads lives here.
"""
from __future__ import annotations

LANGS = ("en", "zh")
DEFAULT_LANG = "en"

TEXT: dict[str, dict[str, str]] = {}


def _add(table: dict[str, tuple[str, str]]) -> None:
    for key, (en, zh) in table.items():
        if key in TEXT:
            raise KeyError(f"duplicate translation key {key!r}")
        TEXT[key] = {"en": en, "zh": zh}


class _SafeArgs(dict):
    """Leaves unknown ``{fields}`` visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str = DEFAULT_LANG, /, **args) -> str:
    """The text for ``key`` in ``lang``, with ``args`` filled in."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANG]
    try:
        return template.format_map(_SafeArgs(args))
    except (ValueError, IndexError, AttributeError):
        return template


def pick(text: dict[str, str] | str | None, lang: str = DEFAULT_LANG) -> str:
    """One language out of an ``{"en": ..., "zh": ...}`` object (as in graph meta)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return str(text.get(lang) or text.get(DEFAULT_LANG) or next(iter(text.values()), ""))


# ---- message pieces ------------------------------------------------------------------
_add({
    "fmt.where_node": ("node {node}", "节点 {node}"),
    "fmt.where_edge": ("edge {source} -> {target}", "连线 {source} -> {target}"),
    "fmt.where_graph": ("graph", "图"),
    "fmt.shape_on_port": ("{shape} on port {port}", "端口 {port} 为 {shape}"),
    "fmt.list_sep": (", ", "，"),
    "fmt.and": (" and ", "，"),
    "kind.int": ("an integer", "一个整数"),
    "kind.int_or_null": ("an integer or empty", "一个整数或留空"),
    "kind.float": ("a number", "一个数"),
    "kind.float_or_null": ("a number or empty", "一个数或留空"),
    "kind.bool": ("true or false", "true 或 false"),
    "kind.bool_or_null": ("true, false or empty", "true、false 或留空"),
    "kind.choice": ("one of {choices}", "{choices} 之一"),
    "kind.choice_or_null": ("one of {choices}, or empty", "{choices} 之一，或留空"),
    "kind.size": ("an integer or a list of {n} integers", "一个整数或 {n} 个整数组成的列表"),
    "kind.size_or_null": ("an integer, a list of {n} integers, or empty", "一个整数、{n} 个整数组成的列表，或留空"),
    "kind.shape": ("a list of positive integers", "由正整数组成的列表"),
    "kind.dims": ("a list of dimension indices", "由维度序号组成的列表"),
    "kind.name": ("1-64 letters, digits, '_' or '-'", "1-64 个字母、数字、'_' 或 '-'"),
    "kind.name_or_null": ("1-64 letters, digits, '_' or '-', or empty", "1-64 个字母、数字、'_' 或 '-'，或留空"),
})

# ---- layer categories (palette groups) ------------------------------------------------
_add({
    "category.io": ("Input / Output", "输入 / 输出"),
    "category.core": ("Core", "基础层"),
    "category.conv": ("Convolution", "卷积"),
    "category.pool": ("Pooling", "池化"),
    "category.norm": ("Normalization", "归一化"),
    "category.regular": ("Regularization", "正则化"),
    "category.activation": ("Activation", "激活函数"),
    "category.recurrent": ("Recurrent", "循环层"),
    "category.attention": ("Attention", "注意力"),
    "category.merge": ("Merge", "合并"),
    "category.reshape": ("Reshape", "变形"),
    "category.generative": ("Generative", "生成"),
})

# ---- the graph file --------------------------------------------------------------------
_add({
    "format.too_large": ("the file is {size} bytes; graph files are limited to {limit} bytes",
                         "文件大小为 {size} 字节；图文件最大为 {limit} 字节"),
    "format.too_deep": ("the JSON is nested more than {limit} levels deep; this is not a graph file",
                        "JSON 嵌套超过 {limit} 层；这不是图文件"),
    "format.not_json": ("the file is not valid JSON ({detail})", "文件不是有效的 JSON（{detail}）"),
    "format.not_object": ("expected a JSON object with \"format\": \"netcanvas.graph\"; received something else",
                          "应为带有 \"format\": \"netcanvas.graph\" 的 JSON 对象；收到的是其他内容"),
    "format.unknown_format": ("expected \"format\": \"{expected}\"; received {received}",
                              "应为 \"format\": \"{expected}\"；收到 {received}"),
    "format.unknown_version": ("this NetCanvas reads graph format version {expected}; the file has version {received}",
                               "此版本的 NetCanvas 只能读取第 {expected} 版图格式；该文件的版本为 {received}"),
})

# ---- graph rules -----------------------------------------------------------------------
_add({
    "graph.unknown_key": ("unknown key {key} in the {where}", "{where} 中有未知的键 {key}"),
    "graph.bad_field": ("\"{field}\" has an invalid value: {received}", "\"{field}\" 的值无效：{received}"),
    "graph.too_many": ("the graph has {nodes} nodes and {edges} edges; at most {max_nodes} nodes and {max_edges} edges are allowed",
                       "该图有 {nodes} 个节点和 {edges} 条连线；最多允许 {max_nodes} 个节点和 {max_edges} 条连线"),
    "graph.duplicate_id": ("the id {id} is used by more than one node", "id {id} 被多个节点使用"),
    "graph.bad_node": ("node #{index} is not an object: {received}", "第 {index} 个节点不是对象：{received}"),
    "graph.bad_id": ("node #{index} has an invalid id {received}; ids are 1-64 letters, digits, '_' or '-'",
                     "第 {index} 个节点的 id {received} 无效；id 应为 1-64 个字母、数字、'_' 或 '-'"),
    "graph.bad_edge": ("an edge needs \"source\" and \"target\" node ids; received {received}",
                       "连线需要 \"source\" 和 \"target\" 节点 id；收到 {received}"),
    "graph.bad_port": ("port must be an integer from 0 to 1023; received {received}", "port 必须是 0 到 1023 的整数；收到 {received}"),
    "graph.unknown_node": ("connects a node that does not exist: {nodes}", "连接了不存在的节点：{nodes}"),
    "graph.unknown_type": ("unknown layer type {type}", "未知的层类型 {type}"),
    "graph.output_source": ("an Output returns its tensor; it cannot feed another node", "Output 只返回张量，不能再连接到其他节点"),
    "graph.no_inputs": ("{layer} takes no inputs", "{layer} 不接受输入"),
    "graph.port_repeated": ("port {port} is fed more than once (by {nodes}); each port takes one edge",
                            "端口 {port} 被连接了多次（来自 {nodes}）；每个端口只能接一条连线"),
    "graph.port_missing": ("port {port} is not connected, but a later port is", "端口 {port} 未连接，但后面的端口已连接"),
    "graph.too_many_inputs": ("{layer} takes at most {max} input(s); received {received}",
                              "{layer} 最多接受 {max} 个输入；收到 {received} 个"),
    "graph.missing_input": ("{layer} needs an input; nothing is connected", "{layer} 需要输入，但没有任何连接"),
    "graph.too_few_inputs": ("{layer} needs at least {min} inputs; received {received}",
                             "{layer} 至少需要 {min} 个输入；收到 {received} 个"),
    "graph.empty": ("the graph has no nodes", "图中没有节点"),
    "graph.no_input": ("the graph has no Input node", "图中没有 Input 节点"),
    "graph.no_output": ("the graph has no Output node", "图中没有 Output 节点"),
    "graph.cycle": ("is on a cycle {path}; a network must flow one way (a DAG)",
                    "处在环路 {path} 上；网络必须单向流动（有向无环图）"),
    "graph.unreachable": ("is not reachable from any Input", "无法从任何 Input 到达"),
    "graph.dead_end": ("does not lead to any Output", "没有通向任何 Output"),
    "graph.duplicate_name": ("the {kind} name {name} is already used by {other}", "{kind} 名称 {name} 已被 {other} 使用"),
    "model.too_large": ("the model has {params} parameters; the limit is {limit}", "模型有 {params} 个参数；上限为 {limit}"),
})

# ---- params ------------------------------------------------------------------------------
_add({
    "param.unknown": ("{layer} has no param {param}; its params are {params}", "{layer} 没有参数 {param}；它的参数有 {params}"),
    "param.required": ("{layer} needs {param}; it is missing", "{layer} 需要参数 {param}，但未提供"),
    "param.type": ("{param} must be {expected}; received {received}", "{param} 必须是{expected}；收到 {received}"),
    "param.not_finite": ("{param} must be a finite number; received {received}", "{param} 必须是有限的数；收到 {received}"),
    "param.range": ("{param} must be in {range}; received {received}", "{param} 必须在 {range} 范围内；收到 {received}"),
    "param.choice": ("{param} must be one of {choices}; received {received}", "{param} 必须是 {choices} 之一；收到 {received}"),
    "param.shape": ("{param} must be a list of 1 to {max_rank} positive integers; received {received}",
                    "{param} 必须是由 1 到 {max_rank} 个正整数组成的列表；收到 {received}"),
    "param.shape_infer": ("{param} may contain at most one -1", "{param} 中最多只能有一个 -1"),
    "param.padding_idx": ("padding_idx must be a valid id (between -{num_embeddings} and {num_embeddings} - 1); received {received}",
                          "padding_idx 必须是有效的编号（-{num_embeddings} 到 {num_embeddings} - 1 之间）；收到 {received}"),
    "param.same_stride": ("padding 'same' needs stride 1 (torch does not support it for strided convolutions)",
                          "padding 为 'same' 时 stride 必须为 1（torch 不支持带步长的 'same' 卷积）"),
    "param.output_padding": ("output_padding must be smaller than stride or dilation", "output_padding 必须小于 stride 或 dilation"),
    "param.dim": ("{layer} {param} must be between {lo} and {hi} for this input; received {received}",
                  "对于该输入，{layer} 的 {param} 必须在 {lo} 到 {hi} 之间；收到 {received}"),
    "param.batch_dim": ("{layer} {param}={received} is the batch dimension; use 1 or more",
                        "{layer} 的 {param}={received} 是批次维度；请使用 1 或更大的值"),
    "param.flatten_order": ("{layer} start_dim {start_dim} comes after end_dim {end_dim}",
                            "{layer} 的 start_dim {start_dim} 位于 end_dim {end_dim} 之后"),
    "param.permute": ("{layer} dims must start with 0 and list each of the {rank} dimensions once; received [{dims}]",
                      "{layer} 的 dims 必须以 0 开头，并且 {rank} 个维度各出现一次；收到 [{dims}]"),
    "param.rnn_dropout": ("dropout {received} only acts between stacked layers: set num_layers to 2 or more, or dropout to 0",
                          "dropout {received} 只作用于堆叠的层之间：请把 num_layers 设为 2 或以上，或把 dropout 设为 0"),
    "param.upsample": ("set exactly one of scale_factor and size", "scale_factor 和 size 必须且只能设置一个"),
    "param.align_corners": ("align_corners only applies to the linear modes, not 'nearest'",
                            "align_corners 只适用于线性插值模式，不适用于 'nearest'"),
})

# ---- shapes ------------------------------------------------------------------------------
_add({
    "shape.rank": ("{layer} expects input {expected}; received {received_shape}", "{layer} 需要形状为 {expected} 的输入；收到 {received_shape}"),
    "shape.empty": ("{layer} would output {output_shape}: a dimension is empty", "{layer} 的输出将是 {output_shape}：有维度为空"),
    "shape.too_large": ("{layer} would output {output_shape}, more than {limit} values per sample",
                        "{layer} 的输出将是 {output_shape}，每个样本超过 {limit} 个值"),
    "shape.kernel": ("{layer} window of size {kernel} does not fit input {input_shape} (padded size {padded})",
                     "{layer} 大小为 {kernel} 的窗口放不进输入 {input_shape}（补零后大小为 {padded}）"),
    "shape.groups": ("{layer} groups={groups} must divide in_channels {in_channels} and out_channels {out_channels}",
                     "{layer} 的 groups={groups} 必须能整除输入通道数 {in_channels} 和输出通道数 {out_channels}"),
    "shape.pool_padding": ("{layer} padding {padding} must be at most half the window {kernel}",
                           "{layer} 的 padding {padding} 不能超过窗口 {kernel} 的一半"),
    "shape.heads": ("{layer} d_model {d_model} must be divisible by nhead {nhead}", "{layer} 的 d_model {d_model} 必须能被 nhead {nhead} 整除"),
    "shape.mismatch": ("{layer} needs inputs of one shape; received {ports}", "{layer} 需要形状相同的输入；收到：{ports}"),
    "shape.concat": ("{layer} inputs must match in every dimension except dim={dim}; received {ports}",
                     "{layer} 的输入除 dim={dim} 外的各维必须一致；收到：{ports}"),
    "shape.reshape": ("{layer} cannot view {input_shape} as {target_shape}: the number of values differs",
                      "{layer} 无法把 {input_shape} 变为 {target_shape}：元素个数不同"),
    "shape.dtype_float": ("{layer} expects float input; received int64 token ids (feed them through an Embedding first)",
                          "{layer} 需要浮点输入；收到 int64 词编号（请先经过 Embedding）"),
    "shape.dtype_int": ("{layer} expects int64 token ids; received {received} (set the Input's dtype to int64)",
                        "{layer} 需要 int64 词编号；收到 {received}（请把 Input 的 dtype 设为 int64）"),
    "shape.dtype_mixed": ("{layer} inputs mix float and int64 tensors", "{layer} 的输入混合了浮点和 int64 张量"),
})

# ---- command line ---------------------------------------------------------------------------
_add({
    "format.unreadable": ("cannot read {path}: {detail}", "无法读取 {path}：{detail}"),
    "cli.check_ok": ("ok: {nodes} nodes, {params} trainable parameters", "通过：{nodes} 个节点，{params} 个可训练参数"),
    "cli.exported": ("wrote {path} ({params} trainable parameters)", "已写入 {path}（{params} 个可训练参数）"),
})

# ---- training runtime ---------------------------------------------------------------------
_add({
    "train.config_type": ("the training config must be a JSON object", "训练配置必须是一个 JSON 对象"),
    "train.config_unknown": ("unknown training option {key}", "未知的训练选项 {key}"),
    "train.config_type_field": ("training option {key} must be {expected}", "训练选项 {key} 必须是 {expected}"),
    "train.config_choice": ("{key} must be one of {choices}; received {value}", "{key} 必须是 {choices} 之一；收到 {value}"),
    "train.config_range": ("{key} must be between {lo} and {hi}; received {value}", "{key} 必须在 {lo} 到 {hi} 之间；收到 {value}"),
    "train.config_file": ("cannot read the config file {path}: {detail}", "无法读取配置文件 {path}：{detail}"),
    "train.no_device": ("no {device} device is available on this machine; choose auto or cpu",
                        "这台机器上没有可用的 {device} 设备；请选择 auto 或 cpu"),
    "train.checkpoint_missing": ("checkpoint {path} does not exist", "检查点 {path} 不存在"),
    "train.checkpoint_bad": ("{path} is not a NetCanvas checkpoint that can be loaded safely ({detail})",
                             "{path} 不是可以安全加载的 NetCanvas 检查点（{detail}）"),
    "train.unknown_data": ("unknown data set {name}; built-in sets: {names}", "未知的数据集 {name}；内置数据集有：{names}"),
    "train.graph_invalid": ("the {which} graph has errors; fix them on the Build page first: {errors}",
                            "{which} 图中有错误；请先在“构建”页面修正：{errors}"),
    "train.gan_needs_discriminator": ("GAN training needs a discriminator graph as well as the generator",
                                      "GAN 训练除了生成器外还需要一个判别器图"),
    "train.label_noise_task": ("label noise only applies to classification data", "标签噪声只适用于分类数据"),
    "train.mode_needs_labels": ("{mode} needs labelled data; {data} has no class labels", "{mode} 需要带标签的数据；{data} 没有类别标签"),
    "train.mode_needs_targets": ("{mode} needs numeric targets; {data} has none", "{mode} 需要数值目标；{data} 没有"),
    "train.classes_mismatch": ("the Output {output} has shape {shape}, but the data has {classes} classes: end the network "
                               "with Linear(out_features={classes})",
                               "输出 {output} 的形状为 {shape}，但数据有 {classes} 个类别：请让网络以 Linear(out_features={classes}) 结尾"),
    "train.regression_mismatch": ("the Output {output} has shape {shape}, but each target has {width} value(s)",
                                  "输出 {output} 的形状为 {shape}，但每个目标有 {width} 个值"),
    "train.recon_mismatch": ("the reconstruction {output} has shape {shape}, which does not match the data {data_shape}",
                             "重建输出 {output} 的形状为 {shape}，与数据 {data_shape} 不符"),
    "train.vae_outputs": ("a VAE needs Outputs named recon, mu and logvar; missing: {missing}",
                          "VAE 需要名为 recon、mu 和 logvar 的输出；缺少：{missing}"),
    "train.gan_generator_input": ("the generator needs exactly one float Input: the latent noise",
                                  "生成器需要且只需要一个浮点输入：潜在噪声"),
    "train.gan_discriminator_io": ("the discriminator needs one Input and one Output of a single value (a logit)",
                                   "判别器需要一个输入和一个只有单个值（logit）的输出"),
    "train.gan_shapes": ("the generator makes {generated}, but the discriminator expects {expected}",
                         "生成器生成 {generated}，但判别器需要 {expected}"),
    "train.loss_for_mode": ("the loss {loss} does not fit {mode}", "损失函数 {loss} 不适用于 {mode}"),
    "train.resume_mismatch": ("cannot resume from {path}: its weights do not match this graph",
                              "无法从 {path} 继续：其权重与当前图不匹配"),
    "train.finetune_nothing": ("no weights in {path} fit this graph", "{path} 中没有与当前图匹配的权重"),
    "train.freeze_unknown": ("cannot freeze unknown nodes: {nodes}", "无法冻结不存在的节点：{nodes}"),
    "train.oom": ("out of memory on {device}: try a smaller batch size or a smaller model",
                  "{device} 内存不足：请尝试更小的批次大小或更小的模型"),
    "train.nan": ("the loss became NaN or infinite at step {step} (learning rate {lr}): try a lower learning rate, "
                  "gradient clipping, or normalised inputs",
                  "第 {step} 步时损失变成了 NaN 或无穷大（学习率 {lr}）：请尝试更低的学习率、梯度裁剪或归一化输入"),
    "train.es_metric_missing": ("early stopping watches {metric}, which this run does not report",
                                "早停监控的指标 {metric} 在本次训练中不存在"),
    "train.crashed": ("training stopped on an unexpected error: {detail}", "训练因意外错误而停止：{detail}"),
    "train.done": ("trained {epochs} epoch(s); the run is in {out}", "已训练 {epochs} 轮；结果保存在 {out}"),
})

# ---- figures ---------------------------------------------------------------------------------
_add({
    "fig.train_steps": ("training (steps)", "训练（每步）"),
    "fig.train_epoch": ("training (epoch)", "训练（每轮）"),
    "fig.val_epoch": ("validation (epoch)", "验证（每轮）"),
    "fig.epoch": ("epoch", "轮次"),
    "fig.step": ("step", "步数"),
    "fig.value": ("value", "数值"),
    "fig.share": ("share", "占比"),
    "fig.norm": ("norm (log scale)", "范数（对数刻度）"),
    "fig.loss": ("Loss", "损失"),
    "fig.acc": ("Accuracy", "准确率"),
    "fig.mae": ("Mean absolute error", "平均绝对误差"),
    "fig.recon": ("Reconstruction loss", "重建损失"),
    "fig.kl": ("KL divergence", "KL 散度"),
    "fig.d_loss": ("Discriminator loss", "判别器损失"),
    "fig.g_loss": ("Generator loss", "生成器损失"),
    "fig.d_real": ("D(real): discriminator's score for real samples", "D(真实)：判别器对真实样本的评分"),
    "fig.d_fake": ("D(fake): discriminator's score for generated samples", "D(生成)：判别器对生成样本的评分"),
    "fig.lr": ("Learning rate", "学习率"),
    "fig.speed": ("Samples per second", "每秒样本数"),
    "fig.compare": ("Runs compared: {metric}", "训练对比：{metric}"),
    "fig.weight_hist": ("Weights of {layer} over time", "{layer} 的权重分布随时间变化"),
    "fig.grad_hist": ("Gradients of {layer} over time", "{layer} 的梯度分布随时间变化"),
    "fig.weight_norms": ("Weight norm per layer", "各层权重范数"),
    "fig.grad_norms": ("Gradient norm per layer (vanishing or exploding?)", "各层梯度范数（梯度消失还是爆炸？）"),
    "fig.confusion": ("Confusion matrix (epoch {epoch})", "混淆矩阵（第 {epoch} 轮）"),
    "fig.confusion_hover": ("true %{y}, predicted %{x}: %{text}", "真实 %{y}，预测 %{x}：%{text}"),
    "fig.predicted": ("predicted class", "预测类别"),
    "fig.true": ("true class", "真实类别"),
    "fig.accuracy": ("accuracy", "准确率"),
    "fig.per_class": ("Accuracy per class", "各类别准确率"),
    "fig.feature_maps": ("Feature maps of {layer}", "{layer} 的特征图"),
    "fig.activations": ("Activations of {layer}", "{layer} 的激活值"),
    "fig.sample_n": ("sample {n}", "样本 {n}"),
    "fig.unit": ("unit", "单元"),
    "fig.boundary": ("Decision boundary (epoch {epoch})", "决策边界（第 {epoch} 轮）"),
    "fig.latent": ("Latent space (mu of validation samples)", "潜空间（验证样本的 mu）"),
    "fig.points": ("The data", "数据分布"),
    "fig.count": ("samples", "样本数"),
    "fig.balance": ("Samples per class", "各类别样本数"),
    "fig.position": ("position in the sequence", "序列中的位置"),
    "fig.sequences": ("Example sequences", "序列示例"),
    "fig.probability": ("probability", "概率"),
    "fig.prediction": ("Prediction", "预测结果"),
})

# ---- app shell and Build page ----------------------------------------------------------------
_add({
    "app.tagline": ("Draw a network, watch it learn, take the code.", "画出网络，看它学习，带走代码。"),
    "nav.build": ("Build", "构建"),
    "nav.data": ("Data", "数据"),
    "nav.train": ("Train", "训练"),
    "nav.export": ("Export", "导出"),
    "mode.classification": ("classification", "分类"),
    "mode.regression": ("regression", "回归"),
    "mode.autoencoder": ("autoencoder", "自编码器"),
    "mode.vae": ("VAE", "变分自编码器"),
    "mode.gan": ("GAN", "生成对抗网络"),
    "mode.gan-generator": ("GAN generator", "GAN 生成器"),
    "mode.gan-discriminator": ("GAN discriminator", "GAN 判别器"),
    "mode.auto": ("automatic", "自动"),
    "build.graphs": ("Open graphs", "已打开的图"),
    "build.undo": ("Undo", "撤销"),
    "build.redo": ("Redo", "重做"),
    "build.templates": ("Templates", "模板"),
    "build.templates_title": ("Start from a classic network (replaces this canvas; Undo brings it back)",
                              "从经典网络开始（会替换当前画布；可用撤销恢复）"),
    "build.fits_data": ("data: {data}", "数据：{data}"),
    "build.open": ("Open", "打开"),
    "build.file": ("File", "文件"),
    "build.download": ("Download graph (JSON)", "下载图（JSON）"),
    "build.upload": ("Open a graph file", "打开图文件"),
    "build.upload_failed": ("Could not open that file; your graph is unchanged. {error}", "无法打开该文件，当前的图没有改变。{error}"),
    "build.saved": ("Saved graphs", "已保存的图"),
    "build.new": ("New", "新建"),
    "build.close": ("Close", "关闭"),
    "build.ok": ("Checks out: {params} parameters ({mb} MB)", "检查通过：{params} 个参数（{mb} MB）"),
    "build.n_errors": ("{n} problem(s) to fix before training", "训练前需要修正 {n} 个问题"),
    "build.multi_selected": ("{n} nodes selected: press Delete to remove them, or drag to move them together.",
                             "已选中 {n} 个节点：按 Delete 删除，或拖动以一起移动。"),
    "build.select_hint": ("Click a node to edit its settings. Drag layers from the palette; connect an output dot to an input dot.",
                          "点击节点可编辑其设置。从左侧面板拖入层；把输出圆点连到输入圆点即可连接。"),
    "build.summary": ("Model summary", "模型概要"),
    "build.total_params": ("Trainable parameters", "可训练参数"),
    "build.size": ("Size (float32)", "大小（float32）"),
    "build.layers": ("Nodes", "节点数"),
    "build.code": ("PyTorch code", "PyTorch 代码"),
    "build.download_code": ("Download model.py", "下载 model.py"),
    "build.show_code": ("Show the generated code", "查看生成的代码"),
    "build.code_needs_valid": ("Fix the problems above to see the code.", "修正上面的问题后即可查看代码。"),
    "build.autosaved": ("Saved automatically to {path}", "已自动保存到 {path}"),
    "summary.node": ("node", "节点"),
    "summary.type": ("type", "类型"),
    "summary.shape": ("output shape", "输出形状"),
    "summary.params": ("parameters", "参数"),
    "summary.share": ("share", "占比"),
    "panel.unknown_type": ("Unknown layer type {type}: delete this node or change the file.", "未知的层类型 {type}：请删除该节点或修改文件。"),
    "panel.no_params": ("This layer has no settings.", "该层没有可设置的参数。"),
    "panel.what_it_does": ("What this layer does", "这一层做什么"),
    "panel.auto": ("{name}: use the default", "{name}：使用默认值"),
    "panel.list_hint": ("Comma-separated, e.g. 1, 28, 28.", "用逗号分隔，例如 1, 28, 28。"),
    "panel.size_number": ("a number", "数值"),
})

# ---- the network canvas (ui/canvas): toolbar, palette and status labels
_add({
    "canvas.layers": ("Layers", "层"),
    "canvas.search": ("Search layers…", "搜索层…"),
    "canvas.no_match": ("No layer matches", "没有匹配的层"),
    "canvas.select": ("Select (drag on empty canvas to box-select)", "选择（在空白处拖动可框选）"),
    "canvas.pan": ("Pan (or hold Space / middle mouse and drag)", "平移（或按住空格 / 鼠标中键拖动）"),
    "canvas.undo": ("Undo (Ctrl+Z)", "撤销 (Ctrl+Z)"),
    "canvas.redo": ("Redo (Ctrl+Shift+Z)", "重做 (Ctrl+Shift+Z)"),
    "canvas.zoom_in": ("Zoom in", "放大"),
    "canvas.zoom_out": ("Zoom out", "缩小"),
    "canvas.zoom_reset": ("Reset zoom to 100%", "缩放重置为 100%"),
    "canvas.fit": ("Fit to view", "适应视图"),
    "canvas.auto_layout": ("Auto layout", "自动布局"),
    "canvas.delete": ("Delete selection (Del)", "删除所选 (Del)"),
    "canvas.params": ("params", "参数"),
    "canvas.summary": ("{nodes} layers · {params} params", "{nodes} 层 · {params} 参数"),
    "canvas.empty_hint": ("Drag a layer from the list on the left onto the canvas to start",
                          "从左侧列表把一个层拖到画布上开始"),
    "canvas.help": (
        "Drag from an output dot to an input dot to connect · Shift-click or drag a box "
        "to select several · Del deletes · Ctrl+wheel zooms, wheel or Space+drag pans",
        "从输出圆点拖到输入圆点即可连接 · Shift+点击或拖出方框可多选 · Del 删除 · "
        "Ctrl+滚轮缩放，滚轮或空格+拖动平移",
    ),
})

# ---- runtime.data: built-in sets, uploads, splits, binding, augmentation
_add({
    "data.inconsistent": ("The data set \"{name}\" is inconsistent ({detail}).",
                          "数据集“{name}”内部不一致（{detail}）。"),
    "data.unknown_builtin": ("There is no built-in data set \"{name}\". Choose one of: {choices}.",
                             "没有名为“{name}”的内置数据集。可选：{choices}。"),
    "data.bad_option": ("Option \"{option}\" = {value} is not accepted here; expected: {expected}.",
                        "此处不接受选项“{option}” = {value}；应为：{expected}。"),
    "data.option_range": ("Option \"{option}\" = {value} is out of range; it must lie between {low} and {high}.",
                          "选项“{option}” = {value} 超出范围，应在 {low} 到 {high} 之间。"),
    "data.bad_motif": ("The motif \"{value}\" must be 3 to 12 letters of A, C, G, T and no longer than the "
                       "sequence ({seq_len}).",
                       "基序“{value}”应由 3 到 12 个 A、C、G、T 字母组成，且不长于序列长度（{seq_len}）。"),
    "data.split_fraction": ("Validation fraction {val} and test fraction {test} must each be at least 0 and "
                            "together less than 1.",
                            "验证集比例 {val} 和测试集比例 {test} 都不能小于 0，且两者之和须小于 1。"),
    "data.too_few_samples": ("The data set \"{name}\" has only {n} samples: too few to split.",
                             "数据集“{name}”只有 {n} 个样本，不足以划分。"),
    "data.nan_values": ("Input \"{input}\" has missing values (NaN); only tables can have missing values filled.",
                        "输入“{input}”含有缺失值（NaN）；只有表格数据可以自动填补缺失值。"),
    "data.noise_not_classification": ("Label noise needs a classification data set; \"{name}\" has no classes.",
                                      "标签噪声只适用于分类数据集；“{name}”没有类别。"),
    "data.noise_fraction": ("The label-noise fraction {fraction} must lie between 0 and 1.",
                            "标签噪声比例 {fraction} 应在 0 到 1 之间。"),
    "data.one_class": ("\"{name}\" has only one class; classification needs at least two.",
                       "“{name}”只有一个类别；分类至少需要两个类别。"),
    "data.bind_no_inputs": ("The graph has no Input node to feed the data set \"{name}\" into.",
                            "图中没有可接收数据集“{name}”的 Input 节点。"),
    "data.bind_missing": ("The graph's Input \"{input}\" has no matching input in the data set \"{name}\" "
                          "(it has: {available}). Name the Input after one of them.",
                          "图的 Input“{input}”在数据集“{name}”中找不到同名输入（现有：{available}）。"
                          "请把 Input 命名为其中之一。"),
    "data.bind_dtype": ("The graph's Input \"{input}\" takes {graph_dtype}, but the data set \"{name}\" gives "
                        "{data_dtype} (input \"{source}\"). Token ids need an int64 Input; numbers a float32 Input.",
                        "图的 Input“{input}”接收 {graph_dtype}，但数据集“{name}”提供的是 {data_dtype}"
                        "（输入“{source}”）。词元编号需要 int64 的 Input；数值需要 float32 的 Input。"),
    "data.bind_shape": ("The data set \"{name}\" gives samples of shape {data_shape} ({data_count} values); "
                        "the graph's Input \"{input}\" expects {graph_shape} ({graph_count} values).",
                        "数据集“{name}”的样本形状为 {data_shape}（{data_count} 个值）；"
                        "图的 Input“{input}”需要 {graph_shape}（{graph_count} 个值）。"),
    "data.token_negative": ("Input \"{input}\" of \"{name}\" holds a negative id ({low}); ids start at 0.",
                            "“{name}”的输入“{input}”含有负的编号（{low}）；编号应从 0 开始。"),
    "data.token_range": ("Input \"{input}\" of \"{name}\" holds ids up to {high}, but the Embedding it feeds has "
                         "only {max_token} rows (ids 0 to {max_token} - 1). Raise num_embeddings to at least "
                         "{high} + 1.",
                         "“{name}”的输入“{input}”中编号最大为 {high}，但它连接的 Embedding 只有 {max_token} 行"
                         "（编号 0 到 {max_token} - 1）。请把 num_embeddings 调到至少 {high} + 1。"),
    "data.preprocess_input": ("Input \"{input}\" cannot be read as numbers of the kind the model was trained on.",
                              "无法把输入“{input}”读成模型训练时所用的数值形式。"),
    "data.preprocess_missing": ("Input \"{input}\" is missing (given: {available}).",
                                "缺少输入“{input}”（已提供：{available}）。"),
    "data.input_shape": ("Input \"{input}\" has samples of shape {data_shape}; the model was trained on "
                         "{expected_shape}.",
                         "输入“{input}”的样本形状为 {data_shape}；模型训练时用的是 {expected_shape}。"),
    "data.too_large": ("The file is {size_mb} MB; the limit is {limit_mb} MB.",
                       "文件大小为 {size_mb} MB，上限为 {limit_mb} MB。"),
    "data.file_missing": ("There is no file at {path}.", "路径 {path} 处没有文件。"),
    "data.bad_source": ("Cannot read data from a {type}; give bytes, a path or an uploaded file.",
                        "无法从 {type} 读取数据；请提供字节、路径或上传的文件。"),
    "data.unknown_format": ("Files ending in {ext} are not supported; upload .csv, .npz or a .zip of image folders.",
                            "不支持扩展名为 {ext} 的文件；请上传 .csv、.npz 或图片文件夹的 .zip。"),
    "data.too_many_rows": ("The data has {rows} rows; the limit is {limit}.",
                           "数据有 {rows} 行，上限为 {limit} 行。"),
    "data.too_many_columns": ("The table has {columns} columns; the limit is {limit}.",
                              "表格有 {columns} 列，上限为 {limit} 列。"),
    "data.csv_parse": ("This file cannot be read as a CSV table: {detail}.",
                       "无法将此文件读取为 CSV 表格：{detail}。"),
    "data.csv_empty": ("The file holds no data rows.", "文件中没有数据行。"),
    "data.csv_no_target": ("There is no column \"{target}\" to use as the target. Columns: {columns}.",
                           "没有可作为目标的列“{target}”。现有列：{columns}。"),
    "data.csv_no_column": ("There is no column \"{column}\". Columns: {columns}.",
                           "没有名为“{column}”的列。现有列：{columns}。"),
    "data.csv_no_features": ("No usable feature columns are left besides the target.",
                             "除目标列外，没有可用的特征列。"),
    "data.csv_not_numeric": ("Column \"{column}\" should hold numbers but contains \"{value}\".",
                             "列“{column}”应为数值，但包含“{value}”。"),
    "data.csv_target_not_numeric": ("Regression needs numbers in the target column \"{target}\"; it holds text.",
                                    "回归需要目标列“{target}”为数值，但它包含文本。"),
    "data.csv_too_many_classes": ("The target column \"{target}\" has {count} different values; classification "
                                  "allows at most {limit}. Choose regression, or another column.",
                                  "目标列“{target}”有 {count} 个不同取值；分类最多允许 {limit} 个。"
                                  "请改用回归，或选择其他列。"),
    "data.npz_bad": ("This file cannot be read as an NPZ archive ({detail}).",
                     "无法将此文件读取为 NPZ 压缩包（{detail}）。"),
    "data.npz_pickle": ("Array \"{array}\" holds Python objects; only plain numeric arrays are loaded "
                        "(pickled data is never read).",
                        "数组“{array}”包含 Python 对象；只加载普通数值数组（从不读取 pickle 数据）。"),
    "data.npz_no_x": ("The NPZ file needs an array named \"x\" (or x_<input>); it has: {keys}.",
                      "NPZ 文件需要名为“x”（或 x_<输入名>）的数组；现有：{keys}。"),
    "data.npz_dtype": ("Array \"{array}\" has type {dtype}; expected numbers (or text labels for y).",
                       "数组“{array}”的类型为 {dtype}；应为数值（y 也可以是文本标签）。"),
    "data.npz_length": ("The arrays hold different numbers of samples ({x} and {y}).",
                        "各数组的样本数不一致（{x} 与 {y}）。"),
    "data.npz_nonfinite": ("Array \"{array}\" contains NaN or infinite values.",
                           "数组“{array}”包含 NaN 或无穷大。"),
    "data.npz_meta": ("The NPZ file's \"meta\" entry is not valid.", "NPZ 文件中的“meta”条目无效。"),
    "data.zip_bad": ("This file is not a readable zip archive.", "此文件不是可读取的 zip 压缩包。"),
    "data.zip_bad_member": ("The zip member \"{member}\" is damaged and cannot be read.",
                            "zip 中的文件“{member}”已损坏，无法读取。"),
    "data.zip_too_many": ("The zip holds {count} entries; the limit is {limit}.",
                          "zip 中有 {count} 个条目，上限为 {limit} 个。"),
    "data.zip_traversal": ("The zip member \"{member}\" points outside the archive (absolute path or \"..\"); "
                           "the file was refused.",
                           "zip 中的文件“{member}”指向压缩包之外（绝对路径或“..”）；已拒绝该文件。"),
    "data.zip_symlink": ("The zip member \"{member}\" is a symbolic link; links are not allowed.",
                         "zip 中的“{member}”是符号链接；不允许链接。"),
    "data.zip_encrypted": ("The zip member \"{member}\" is encrypted; upload an unencrypted zip.",
                           "zip 中的文件“{member}”已加密；请上传未加密的 zip。"),
    "data.zip_bomb": ("The zip member \"{member}\" would unpack to {size_mb} MB at a compression ratio of {ratio}:1 "
                      "(limits: {limit_mb} MB, ratio {max_ratio}:1): refused as a possible zip bomb.",
                      "zip 中的文件“{member}”解压后将达 {size_mb} MB，压缩比 {ratio}:1"
                      "（上限：{limit_mb} MB，压缩比 {max_ratio}:1）：疑似压缩炸弹，已拒绝。"),
    "data.zip_layout": ("\"{member}\" is not inside a class folder. Put the images of each class in their own "
                        "folder (e.g. cats/1.png, dogs/2.png).",
                        "“{member}”不在类别文件夹中。请把每个类别的图片放进各自的文件夹"
                        "（如 cats/1.png、dogs/2.png）。"),
    "data.zip_no_images": ("The zip holds no readable PNG or JPEG images ({skipped} other files skipped).",
                           "zip 中没有可读取的 PNG 或 JPEG 图片（跳过了 {skipped} 个其他文件）。"),
    "data.zip_one_class": ("The zip has only one class folder ({classes}); classification needs at least two.",
                           "zip 中只有一个类别文件夹（{classes}）；分类至少需要两个。"),
    "data.too_many_images": ("The zip holds {count} images; the limit is {limit}.",
                             "zip 中有 {count} 张图片，上限为 {limit} 张。"),
    "data.image_too_big": ("An image is {width} x {height} pixels; the limit is {limit} pixels per image.",
                           "有一张图片为 {width} x {height} 像素；每张图片上限为 {limit} 像素。"),
    "data.too_large_output": ("{count} images of {channels} x {size} x {size} would not fit in memory; choose a "
                              "smaller size or fewer images.",
                              "{count} 张 {channels} x {size} x {size} 的图片超出内存上限；请选择更小的尺寸或更少的图片。"),
    "data.augment_key": ("\"{name}\" is not an augmentation. Choose from: {choices}.",
                         "“{name}”不是可用的数据增强。可选：{choices}。"),
    "data.augment_range": ("Augmentation \"{name}\" = {value} must lie between {low} and {high}.",
                           "数据增强“{name}” = {value} 应在 {low} 到 {high} 之间。"),
    "data.augment_shape": ("Augmentation works on image batches (B, C, H, W) of floats; received {data_shape}.",
                           "数据增强只适用于浮点图像批次 (B, C, H, W)；收到的是 {data_shape}。"),
})

# ---- runtime.export ------------------------------------------------------------------------
_add({
    # runtime.export: errors
    "export.graph_invalid": ("The {which} graph does not check, so it cannot be exported:",
                             "{which}图未通过检查，无法导出："),
    "export.no_checkpoint": ("No checkpoint at {path}: train the model first.", "{path} 处没有检查点：请先训练模型。"),
    "export.checkpoint_bad": ("{path} is not a NetCanvas checkpoint that can be read: {detail}",
                              "{path} 不是可读取的 NetCanvas 检查点：{detail}"),
    "export.no_weights": ("The checkpoint holds no trained weights for the {which}.", "检查点中没有{which}的训练权重。"),
    "export.weights_mismatch": ("The checkpoint's {which} weights do not fit its graph: {detail}",
                                "检查点中{which}的权重与其图不匹配：{detail}"),
    "export.onnx_missing": ("ONNX export needs the packages onnx, onnxscript and onnxruntime: pip install -r requirements.txt",
                            "ONNX 导出需要 onnx、onnxscript 和 onnxruntime 包：pip install -r requirements.txt"),
    "export.onnx_failed": ("ONNX export failed: {detail}", "ONNX 导出失败：{detail}"),
    "export.onnx_part": ("Unknown part {part}: choose model, decoder or discriminator.",
                         "未知的部分 {part}：请选择 model、decoder 或 discriminator。"),
    "export.onnx_no_preprocess": ("This run has no preprocessing record that fits its inputs, so the ONNX file cannot include it.",
                                  "该训练没有与输入相符的预处理记录，ONNX 文件无法包含预处理。"),
    "export.no_decoder": ("This VAE's decoder also reads encoder tensors (a skip connection), so it cannot decode z alone.",
                          "该 VAE 的解码器还读取了编码器的张量（跳跃连接），因此无法单独从 z 解码。"),
    "export.not_generative": ("Only VAEs and GAN generators generate samples; this is a {mode} model.",
                              "只有 VAE 和 GAN 生成器可以生成样本；这是一个{mode}模型。"),
    "export.no_vocab": ("This model was not trained on text: give it numbers, not words.",
                        "该模型不是在文本上训练的：请输入数值，而不是文字。"),
    "export.input_missing": ("Input {input} is missing (given: {given}).", "缺少输入 {input}（已提供：{given}）。"),
    "export.input_type": ("Input {input} must be numbers; received {received}.", "输入 {input} 必须是数值；收到 {received}。"),
    "export.input_shape": ("Input {input} expects samples of shape {expected}; received {received}.",
                           "输入 {input} 需要形状为 {expected} 的样本；收到 {received}。"),
    # runtime.export: command line
    "export.wrote": ("wrote {path}", "已写入 {path}"),
    "export.onnx_checked": ("wrote {path}; onnxruntime matches PyTorch (max abs difference {diff})",
                            "已写入 {path}；onnxruntime 与 PyTorch 结果一致（最大绝对误差 {diff}）"),
    "export.cli_need_run": ("give a run folder or checkpoint, or --graph with --script/--model",
                            "请给出训练文件夹或检查点，或用 --graph 配合 --script/--model"),
    "export.cli_nothing": ("nothing to export: give --zip, --onnx, --script, --model, --safetensors, --state-dict, --predict or --sample",
                           "没有要导出的内容：请给出 --zip、--onnx、--script、--model、--safetensors、--state-dict、--predict 或 --sample"),
    # the bundle's README
    "export.readme_intro": ("Exported from NetCanvas: a {mode} model trained on {data}. Everything here works without NetCanvas.",
                            "由 NetCanvas 导出：在 {data} 上训练的{mode}模型。这里的一切都无需 NetCanvas 即可使用。"),
    "export.readme_files": ("Files", "文件"),
    "export.readme_model": ("the network as PyTorch code (needs only torch); `python model.py` runs a smoke test",
                            "网络的 PyTorch 代码（只需 torch）；`python model.py` 运行冒烟测试"),
    "export.readme_weights": ("the trained weights (the same tensors in two formats)", "训练好的权重（同样的张量，两种格式）"),
    "export.readme_train": ("trains the network again without NetCanvas, on one device or several (torchrun)",
                            "无需 NetCanvas 重新训练该网络，可用单个设备或多个设备（torchrun）"),
    "export.readme_graph": ("the graph: open it in NetCanvas to keep editing", "图文件：在 NetCanvas 中打开即可继续编辑"),
    "export.readme_config": ("the training settings", "训练设置"),
    "export.readme_preprocess": ("how the data were prepared: normalisation statistics, class names, vocabulary",
                                 "数据的预处理方式：归一化统计量、类别名称、词表"),
    "export.readme_discriminator": ("the GAN's discriminator: graph, code and weights", "GAN 的判别器：图、代码和权重"),
    "export.readme_onnx": ("the model as ONNX (for onnxruntime and other runtimes)", "ONNX 格式的模型（用于 onnxruntime 等推理引擎）"),
    "export.readme_use": ("Use the trained model", "使用训练好的模型"),
    "export.readme_inputs": ("Feed it data prepared the way training prepared it (preprocess.json holds the numbers):",
                             "输入的数据需按训练时的方式预处理（具体数值见 preprocess.json）："),
    "export.readme_stats": ("with mean and std from preprocess.json", "mean 和 std 见 preprocess.json"),
    "export.readme_target": ("regression outputs are standardised: multiply by the target std and add its mean",
                             "回归输出是标准化后的值：乘以目标的 std 再加上其 mean"),
    "export.readme_classes": ("the output's {n} scores follow the class names in preprocess.json",
                              "输出的 {n} 个分数依次对应 preprocess.json 中的类别名称"),
    "export.readme_retrain": ("Run and retrain", "运行与重新训练"),
    "export.readme_smoke": ("smoke test: shapes and parameter count", "冒烟测试：形状和参数数量"),
    "export.readme_one_device": ("train on one device", "在单个设备上训练"),
    "export.readme_ddp": ("data-parallel on 2 GPUs or CPU processes", "在 2 个 GPU 或 CPU 进程上数据并行训练"),
    # the Export page
    "export.title": ("Export", "导出"),
    "export.pick_run": ("Trained run to export", "要导出的训练"),
    "export.no_runs": ("No trained runs yet: train a model on the Train page first.", "还没有训练记录：请先在训练页面训练模型。"),
    "export.download_zip": ("Download everything (.zip)", "下载全部（.zip）"),
    "export.download_script": ("Download train.py", "下载 train.py"),
    "export.download_safetensors": ("Download weights (.safetensors)", "下载权重（.safetensors）"),
    "export.download_pt": ("Download weights (.pt)", "下载权重（.pt）"),
    "export.download_onnx": ("Download ONNX", "下载 ONNX"),
    "export.dynamic_batch": ("Any batch size (dynamic batch dimension)", "任意批大小（动态批维度）"),
    "export.include_preprocess": ("Include the normalisation in the ONNX graph", "在 ONNX 图中包含归一化"),
    "export.onnx_diff": ("Checked in onnxruntime: max abs difference from PyTorch {diff}",
                         "已在 onnxruntime 中核对：与 PyTorch 的最大绝对误差为 {diff}"),
    "export.script_preview": ("Training script (runs without NetCanvas)", "训练脚本（无需 NetCanvas 即可运行）"),
    "export.try_model": ("Try the model", "试用模型"),
    "export.probabilities": ("Class probabilities", "类别概率"),
    "export.prediction": ("Prediction: {label}", "预测结果：{label}"),
    "export.samples": ("Generated samples", "生成的样本"),
    "export.reconstruction": ("Reconstruction", "重建结果"),
})

# ---- several devices (DDP) ---------------------------------------------------------------------
_add({
    "train.ddp_gan": ("GAN training runs on one device; set devices to 1", "GAN 训练只能在一个设备上运行；请把设备数设为 1"),
    "train.ddp_batch": ("the batch size {batch_size} must divide evenly over {devices} devices",
                        "批次大小 {batch_size} 必须能被 {devices} 个设备整除"),
})

# ---- Export page -------------------------------------------------------------------------------
_add({
    "exportpage.source": ("What to export", "导出什么"),
    "exportpage.graph_only": ("The graph on the canvas ({name}), not trained yet: code and train.py",
                              "画布上的图（{name}），尚未训练：代码和 train.py"),
    "exportpage.model": ("model", "模型"),
    "exportpage.fix_on_build": ("Fix it on the Build page", "去“构建”页面修正"),
    "exportpage.tab_code": ("Model code", "模型代码"),
    "exportpage.tab_script": ("train.py", "train.py"),
    "exportpage.tab_weights": ("Weights", "权重"),
    "exportpage.tab_onnx": ("ONNX", "ONNX"),
    "exportpage.tab_bundle": ("Bundle (.zip)", "打包（.zip）"),
    "exportpage.code_help": ("The same source the app trains. It needs only PyTorch; run it to smoke-test the model.",
                             "这正是应用训练所用的源代码。只需要 PyTorch；直接运行即可对模型做冒烟测试。"),
    "exportpage.script_help": ("A complete training script for this graph and settings, for people to read and run without "
                               "NetCanvas: `python train.py` on one device, `torchrun --nproc_per_node=N train.py` on N GPUs.",
                               "针对此图和训练设置的完整训练脚本，可脱离 NetCanvas 阅读和运行：单设备用 `python train.py`，"
                               "N 个 GPU 用 `torchrun --nproc_per_node=N train.py`。"),
    "exportpage.needs_run": ("Train the model first (Train page): weights, ONNX, the bundle and trying the model come from a run.",
                             "请先训练模型（训练页面）：权重、ONNX、打包和试用都来自一次训练。"),
    "exportpage.weights_help": ("The trained weights as safetensors and as a PyTorch state dict; both load into the class in "
                                "model.py with `model.load_state_dict(...)`.",
                                "训练好的权重，提供 safetensors 和 PyTorch state dict 两种格式；都可用 "
                                "`model.load_state_dict(...)` 加载到 model.py 中的类。"),
    "exportpage.onnx_help": ("ONNX runs the model in onnxruntime and other engines. The export is checked against PyTorch.",
                             "ONNX 可在 onnxruntime 等推理引擎中运行模型。导出结果会与 PyTorch 对照检查。"),
    "exportpage.make_onnx": ("Export to ONNX", "导出为 ONNX"),
    "exportpage.working": ("Working…", "处理中…"),
    "exportpage.bundle_help": ("Everything in one zip: graph JSON, model.py, train.py, weights, config, preprocessing and a README.",
                               "全部打包为一个 zip：图 JSON、model.py、train.py、权重、配置、预处理信息和一份 README。"),
    "exportpage.bundle_onnx": ("Include the ONNX model", "包含 ONNX 模型"),
    "exportpage.make_bundle": ("Prepare the bundle", "生成打包文件"),
    "exportpage.draw_help": ("Draw a digit with the mouse; the model answers when you lift the pen.",
                             "用鼠标写一个数字；松开鼠标后模型就会给出答案。"),
    "exportpage.draw_hint": ("white ink on black, like the training images", "黑底白字，和训练图像一样"),
    "exportpage.clear": ("Clear", "清除"),
    "exportpage.draw_first": ("Draw something on the pad to see what the model thinks.", "在画板上画点什么，看看模型怎么想。"),
    "exportpage.features_help": ("Change the values (they start at the training average) and watch the prediction.",
                                 "修改这些数值（初始为训练数据的平均值），观察预测结果的变化。"),
    "exportpage.text_label": ("Type a sentence", "输入一句话"),
    "exportpage.text_example": ("the plot was not good but the acting was great", "the plot was not good but the acting was great"),
    "exportpage.seed": ("Random seed", "随机种子"),
    "exportpage.pick_sample": ("Pick a sample from the data set", "从数据集中选择一个样本"),
    "exportpage.true_label": ("True label: {label}", "真实标签：{label}"),
    "exportpage.input": ("Input", "输入"),
    "exportpage.predicted_value": ("Predicted value", "预测值"),
    "exportpage.sample_builtin_only": ("Trying samples works for built-in data sets; this run trained on an upload.",
                                       "只有内置数据集可以选取样本试用；这次训练使用的是上传的数据。"),
})
