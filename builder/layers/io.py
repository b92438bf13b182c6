"""Input and Output: where tensors enter and leave the model."""
from ..catalog import LayerSpec, register
from ..params import MAX_DIM, bilingual, Param

register(LayerSpec(
    type="Input", category="io",
    title=bilingual("Input", "输入"),
    help=bilingual("Where a batch of samples enters the model.", "一批样本进入模型的地方。"),
    explain=bilingual("The shape of one sample, without the batch dimension: (1, 28, 28) is a grey 28x28 image, "
              "(4,) four numbers, (20,) with dtype int64 a sentence of 20 token ids.",
              "单个样本的形状，不含批次维度：(1, 28, 28) 是一张 28x28 的灰度图，(4,) 是四个数，"
              "dtype 为 int64 的 (20,) 是由 20 个词编号组成的句子。"),
    params=(
        Param("shape", "shape", help=bilingual("Shape of one sample, batch excluded.", "单个样本的形状（不含批次）。"),
              lo=1, hi=MAX_DIM, torch_arg=False),
        Param("dtype", "choice", "float32", bilingual("float32 for numbers, int64 for token ids.", "数值用 float32，词编号用 int64。"),
              choices=("float32", "int64"), torch_arg=False),
        Param("name", "name", None, bilingual("Name the data binds to (default: the node id).", "数据按此名称绑定（默认为节点 id）。"),
              nullable=True, torch_arg=False),
    ),
    inputs=(0, 0), dtype_out=lambda p: p["dtype"],
    infer=lambda ins, p: p["shape"],
    key_params=("shape",), starter={"shape": [1, 8, 8]},
))

register(LayerSpec(
    type="Output", category="io",
    title=bilingual("Output", "输出"),
    help=bilingual("A result the model returns.", "模型返回的一个结果。"),
    explain=bilingual("Marks a tensor the model returns. Losses bind to outputs by name: a VAE returns recon, mu and logvar.",
              "标记模型返回的张量。损失函数按名称绑定输出：VAE 返回 recon、mu 和 logvar。"),
    params=(
        Param("name", "name", None, bilingual("Name of this output (default: the node id).", "该输出的名称（默认为节点 id）。"),
              nullable=True, torch_arg=False),
    ),
    dtype_in="any", dtype_out="same",
    infer=lambda ins, p: ins[0],
))
