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


def t(key: str, lang: str = DEFAULT_LANG, **args) -> str:
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


# runtime.data: built-in sets, uploads, splits, binding, augmentation
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
