"""An ONNX model as a NetCanvas graph, its initializers as the generated model's state dict.

Reading ONNX runs no code of the file (a protobuf message is parsed), so it happens in the caller's
process, after a size check. Each operator in ``OPS`` becomes one catalog node; every other operator
is named in one error with the node that uses it.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from .codegen import compile_graph
from .importing import finish, loaded_into_model
from .pyimport import ImportRefused

MAX_ONNX_BYTES = 200 << 20
_ACTIVATIONS = {"Relu": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Gelu": "GELU", "Elu": "ELU",
                "LeakyRelu": "LeakyReLU", "Softmax": "Softmax", "LogSoftmax": "LogSoftmax"}
OPS = sorted({*_ACTIVATIONS, "Gemm", "MatMul", "Conv", "ConvTranspose", "MaxPool", "AveragePool",
              "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Flatten", "Add", "Mul", "Concat",
              "Reshape", "Transpose", "Dropout", "Identity", "Constant"})


def _attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _size(values) -> int | list:
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


class _Reader:
    def __init__(self, model):
        from onnx import numpy_helper
        graph = model.graph
        self.graph = graph
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant":
                self.constants[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.values: dict[str, str] = {}        # ONNX value name -> node id
        self.weights: dict[str, dict] = {}      # node id -> {"weight": array, ...}
        self.ranks: dict[str, int] = {}

    def fresh(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]", "_", wanted).strip("_")[:56] or "node"
        taken = {n["id"] for n in self.nodes}
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        return name

    def add(self, type_: str, params: dict, inputs: list[str], output: str, wanted: str) -> dict:
        node = {"id": self.fresh(wanted), "type": type_, "params": params}
        self.nodes.append(node)
        for port, name in enumerate(inputs):
            self.edges.append({"source": self.values[name], "target": node["id"], "port": port})
        self.values[output] = node["id"]
        return node

    def run(self) -> dict:
        inputs = [i for i in self.graph.input if i.name not in self.constants]
        for value in inputs:
            dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
            elem = value.type.tensor_type.elem_type
            params = {"shape": dims[1:]}
            if elem == 7:     # INT64: token ids
                params["dtype"] = "int64"
            self.add("Input", params, [], value.name, value.name)
            self.ranks[value.name] = len(dims)
        unknown = [f"{n.op_type} ({n.name or n.output[0]})" for n in self.graph.node if n.op_type not in OPS]
        if unknown:
            raise ImportRefused("import.onnx_unsupported", ops=unknown[:8], count=len(unknown))
        for node in self.graph.node:
            if node.op_type != "Constant":
                self.op(node)
        for i, value in enumerate(self.graph.output):
            self.add("Output", {}, [value.name], f"__out{i}", value.name if value.name[:1].isalpha() else "y")
        return {"format": "netcanvas.graph", "version": 1, "name": "imported", "nodes": self.nodes,
                "edges": self.edges}

    def wanted(self, node) -> str:
        """A readable id: the layer's weight name (``conv1.weight`` -> ``conv1``), else the node's name."""
        for name in node.input[1:]:
            if name in self.constants and "." in name:
                return name.rsplit(".", 1)[0]
        parts = [p for p in (node.name or "").split("/") if p]     # "/block1/conv1/Conv": the module's path
        return "_".join(parts[:-1] if len(parts) > 1 else parts) or node.op_type.lower()

    def tensors(self, node) -> list[str]:
        return [n for n in node.input if n and n not in self.constants]

    def refuse(self, node, what: str):
        raise ImportRefused("import.onnx_unsupported", ops=[f"{node.op_type} ({node.name}: {what})"], count=1)

    def op(self, node) -> None:
        a, kind = _attrs(node), node.op_type
        ins, out = self.tensors(node), node.output[0]
        rank = self.ranks.get(ins[0], 2) if ins else 2
        self.ranks[out] = rank
        if kind in ("Identity", "Dropout") and not ins:      # a weight shared under another name
            self.constants[out] = self.constants[node.input[0]]
        elif kind in ("Identity", "Dropout"):
            self.values[out] = self.values[ins[0]]
        elif kind in _ACTIVATIONS:
            self.add(_ACTIVATIONS[kind], self.activation_params(kind, a), ins, out, self.wanted(node))
        elif kind in ("Gemm", "MatMul"):
            self.linear(node, a, ins, out)
        elif kind in ("Conv", "ConvTranspose"):
            self.conv(node, a, ins, out, rank)
        elif kind in ("MaxPool", "AveragePool"):
            self.pool(node, a, ins, out, rank)
        elif kind in ("GlobalAveragePool", "GlobalMaxPool"):
            pool = f"Adaptive{'Avg' if 'Average' in kind else 'Max'}Pool{rank - 2}d"
            self.add(pool, {"output_size": 1}, ins, out, self.wanted(node))
        elif kind == "BatchNormalization":
            self.batch_norm(node, a, ins, out, rank)
        elif kind == "Flatten":
            self.add("Flatten", {} if a.get("axis", 1) == 1 else {"start_dim": a["axis"]}, ins, out, self.wanted(node))
            self.ranks[out] = 2
        elif kind in ("Add", "Mul"):
            self.merge(node, kind, ins, out)
        elif kind == "Concat":
            self.add("Concat", {"dim": int(a["axis"]) % rank}, ins, out, self.wanted(node))
        elif kind == "Reshape":
            shape = [int(d) for d in self.constants[node.input[1]]]
            self.add("Reshape", {"shape": shape[1:]}, ins, out, self.wanted(node))
            self.ranks[out] = len(shape)
        elif kind == "Transpose":
            self.add("Permute", {"dims": [int(d) for d in a["perm"]]}, ins, out, self.wanted(node))

    @staticmethod
    def activation_params(kind: str, a: dict) -> dict:
        if kind == "LeakyRelu":
            return {"negative_slope": round(float(a.get("alpha", 0.01)), 7)}
        if kind == "Elu":
            return {"alpha": round(float(a.get("alpha", 1.0)), 7)}
        if kind in ("Softmax", "LogSoftmax"):
            return {"dim": int(a.get("axis", -1))}
        if kind == "Gelu" and a.get("approximate", b"none") in ("tanh", b"tanh"):
            return {"approximate": "tanh"}
        return {}

    def linear(self, node, a: dict, ins: list, out: str) -> None:
        weight = self.constants.get(node.input[1])
        if weight is None or len(ins) != 1 or a.get("transA", 0):
            self.refuse(node, "a product of two computed tensors")
        weight = weight.T if node.op_type == "MatMul" or not a.get("transB", 0) else weight
        bias = self.constants.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        params = {"out_features": int(weight.shape[0])} | ({} if bias is not None else {"bias": False})
        made = self.add("Linear", params, ins, out, self.wanted(node))
        self.weights[made["id"]] = {"weight": weight, **({"bias": bias} if bias is not None else {})}

    def conv(self, node, a: dict, ins: list, out: str, rank: int) -> None:
        weight = self.constants[node.input[1]]
        transposed = node.op_type == "ConvTranspose"
        pads = [int(p) for p in a.get("pads", [0] * (2 * (rank - 2)))]
        if pads[:len(pads) // 2] != pads[len(pads) // 2:]:
            self.refuse(node, f"pads {pads}")
        groups = int(a.get("group", 1))
        params = {"out_channels": int(weight.shape[1] * groups if transposed else weight.shape[0]),
                  "kernel_size": _size(weight.shape[2:]), "stride": _size(a.get("strides", [1])),
                  "padding": _size(pads[:len(pads) // 2] or [0]), "dilation": _size(a.get("dilations", [1])),
                  "groups": groups}
        if transposed:
            params["output_padding"] = _size(a.get("output_padding", [0]))
        bias = self.constants.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if bias is None:
            params["bias"] = False
        type_ = "ConvTranspose2d" if transposed else f"Conv{rank - 2}d"
        made = self.add(type_, _without_defaults(type_, params), ins, out, self.wanted(node))
        self.weights[made["id"]] = {"weight": weight, **({"bias": bias} if bias is not None else {})}

    def pool(self, node, a: dict, ins: list, out: str, rank: int) -> None:
        kernel = _size(a["kernel_shape"])
        pads = [int(p) for p in a.get("pads", [0] * (2 * (rank - 2)))]
        params = {"kernel_size": kernel, "stride": _size(a.get("strides", [1])), "padding": _size(pads[:len(pads) // 2]),
                  "ceil_mode": bool(a.get("ceil_mode", 0))}
        if params["stride"] == kernel:
            params["stride"] = None
        type_ = f"{'Max' if node.op_type == 'MaxPool' else 'Avg'}Pool{rank - 2}d"
        if type_.startswith("Avg"):
            params["count_include_pad"] = bool(a.get("count_include_pad", 0))
        elif a.get("dilations"):
            params["dilation"] = _size(a["dilations"])
        self.add(type_, _without_defaults(type_, params), ins, out, self.wanted(node))

    def batch_norm(self, node, a: dict, ins: list, out: str, rank: int) -> None:
        scale, bias, mean, var = (self.constants[n] for n in node.input[1:5])
        params = {"eps": round(float(a.get("epsilon", 1e-5)), 10)}
        type_ = "BatchNorm2d" if rank == 4 else "BatchNorm1d"
        made = self.add(type_, _without_defaults(type_, params), ins, out, self.wanted(node))
        self.weights[made["id"]] = {"weight": scale, "bias": bias, "running_mean": mean, "running_var": var,
                                    "num_batches_tracked": np.array(0, dtype=np.int64)}

    def merge(self, node, kind: str, ins: list, out: str) -> None:
        if len(ins) != 2:       # x + a constant (a bias added apart from its MatMul)
            previous = self.nodes[-1] if self.nodes else None
            constant = next((self.constants[n] for n in node.input if n in self.constants), None)
            if kind == "Add" and previous is not None and previous["type"] == "Linear" and constant is not None \
                    and self.values.get(ins[0]) == previous["id"] and "bias" not in self.weights[previous["id"]]:
                previous["params"].pop("bias", None)
                self.weights[previous["id"]]["bias"] = constant
                self.values[out] = previous["id"]
                return
            self.refuse(node, "an operand that is a constant")
        self.add("Add" if kind == "Add" else "Multiply", {}, ins, out, self.wanted(node))


def _without_defaults(type_: str, params: dict) -> dict:
    from .fx_import import omit_defaults
    from . import catalog
    return omit_defaults(catalog.get(type_), params)


def import_onnx(path: str):
    """The graph and weights of an ONNX file (``Imported``); unknown operators named."""
    import onnx
    file = Path(path)
    if not file.is_file():
        raise ImportRefused("import.no_file", path=str(path))
    if file.stat().st_size > MAX_ONNX_BYTES:
        raise ImportRefused("import.too_large", path=file.name, limit_kb=MAX_ONNX_BYTES >> 10)
    try:
        model = onnx.load(str(file))
    except Exception as exc:    # not protobuf, or damaged
        raise ImportRefused("import.onnx_unreadable", path=file.name, detail=str(exc).splitlines()[0][:160]) from None
    reader = _Reader(model)
    graph = reader.run()
    graph["name"] = re.sub(r"[^A-Za-z0-9_]", "_", file.stem) or "imported"
    imported = finish(graph)
    paths = compile_graph(graph).generated.module_paths
    state = {f"{paths[(node_id,)]}.{key}": torch.from_numpy(np.array(value, copy=True))
             for node_id, tensors in reader.weights.items() for key, value in tensors.items()}
    imported.state_dict = loaded_into_model(state, imported)
    return imported
