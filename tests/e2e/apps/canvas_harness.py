"""Test harness for ui.canvas: mounts graph_canvas with a fixed palette.

Query parameters: ``graph`` = empty | demo | big (200 nodes) | chain;
``ann`` = fake (default; predictable labels for tests) | shapes (a tiny shape
inference, for screenshots); ``lang`` = en | zh.

Python owns the history here, as the app will: an edit (doc seq > ack, made on the
current rev) is pushed; undo/redo restore a graph and bump rev. The state Python
holds is printed as one JSON line in an ``st.code`` block for the tests to read.
"""
from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from ui.canvas import canvas_strings, graph_canvas, read_canvas_event  # noqa: E402

st.set_page_config(page_title="NetCanvas canvas harness", layout="wide")
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2rem}</style>")

LANG = st.query_params.get("lang", "en")
LANG = LANG if LANG in ("en", "zh") else "en"
CATS = {
    "IO": ("Input / Output", "输入 / 输出"),
    "Linear": ("Linear", "全连接"),
    "Convolution": ("Convolution", "卷积"),
    "Pooling": ("Pooling", "池化"),
    "Normalization": ("Normalization", "归一化"),
    "Activation": ("Activation", "激活"),
    "Regularization": ("Regularization", "正则化"),
    "Reshape": ("Reshape", "形状变换"),
    "Merge": ("Merge", "合并"),
    "Recurrent": ("Recurrent", "循环"),
    "Generative": ("Generative", "生成"),
}
ONE = {"min": 1, "max": 1, "names": ["in"]}


def entry(type_, cat, help_en, help_zh, defaults=None, inputs=ONE, key_params=None, **extra):
    label = CATS[cat][0 if LANG == "en" else 1]
    e = {
        "type": type_, "category": cat, "category_label": label, "title": type_,
        "help": help_en if LANG == "en" else help_zh, "defaults": defaults or {},
        "inputs": inputs, "key_params": key_params if key_params is not None else list(defaults or {}),
    }
    e.update(extra)
    return e


PALETTE = [
    entry("Input", "IO", "A batch of samples enters here", "一批样本从这里进入",
          {"shape": [1, 28, 28]}, {"min": 0, "max": 0, "names": []}),
    entry("Output", "IO", "What the model returns", "模型的输出", {}, outputs=0),
    entry("Linear", "Linear", "Fully connected: y = xWᵀ + b", "全连接层：y = xWᵀ + b", {"out_features": 64}),
    entry("Conv2d", "Convolution", "2-D convolution over images", "图像上的二维卷积",
          {"out_channels": 16, "kernel_size": 3, "padding": 1}),
    entry("MaxPool2d", "Pooling", "Keeps the max of each window", "取每个窗口的最大值", {"kernel_size": 2}),
    entry("BatchNorm2d", "Normalization", "Normalises each channel over the batch", "按通道在批内归一化", {}),
    entry("ReLU", "Activation", "max(0, x)", "max(0, x)", {}),
    entry("Tanh", "Activation", "Squashes to (-1, 1)", "压缩到 (-1, 1)", {}),
    entry("Dropout", "Regularization", "Randomly zeroes inputs while training", "训练时随机置零", {"p": 0.5}),
    entry("Flatten", "Reshape", "(C, H, W) → (C·H·W,)", "(C, H, W) → (C·H·W,)", {}),
    entry("Add", "Merge", "Element-wise sum of 2+ inputs", "两个及以上输入逐元素相加", {},
          {"min": 2, "max": None, "names": ["in"]}),
    entry("Concat", "Merge", "Joins 2+ inputs along a dim", "沿某一维拼接两个及以上输入", {"dim": 1},
          {"min": 2, "max": None, "names": ["in"]}),
    entry("LSTM", "Recurrent", "Long short-term memory", "长短期记忆网络", {"hidden_size": 64}),
    entry("Reparameterize", "Generative", "z = μ + σ·ε (VAE sampling)", "z = μ + σ·ε（VAE 采样）", {},
          {"min": 2, "max": 2, "names": ["mu", "logvar"]}),
]


def empty_graph():
    return {"format": "netcanvas.graph", "version": 1, "name": "harness", "nodes": [], "edges": []}


def demo_graph():
    g = empty_graph()
    g["name"] = "small-resnet"
    n = g["nodes"]
    n += [
        {"id": "x", "type": "Input", "params": {"shape": [1, 28, 28]}},
        {"id": "conv1", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}},
        {"id": "bn1", "type": "BatchNorm2d", "params": {}},
        {"id": "relu1", "type": "ReLU", "params": {}},
        {"id": "conv2", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}},
        {"id": "add", "type": "Add", "params": {}},
        {"id": "pool", "type": "MaxPool2d", "params": {"kernel_size": 2}},
        {"id": "fc1", "type": "Linear", "params": {"out_features": 128}},
        {"id": "relu2", "type": "ReLU", "params": {}},
        {"id": "fc2", "type": "Linear", "params": {"out_features": 10}},
        {"id": "y", "type": "Output", "params": {}},
        {"id": "flatten_1", "type": "Flatten", "params": {}},
    ]
    chain = ["x", "conv1", "bn1", "relu1", "conv2", "add", "pool", "fc1", "relu2", "fc2", "y"]
    g["edges"] = [{"source": a, "target": b, "port": 0} for a, b in zip(chain, chain[1:])]
    g["edges"][4]["port"] = 1  # conv2 -> add:1
    g["edges"].append({"source": "relu1", "target": "add", "port": 0})
    return g


def chain_graph(n=3):
    g = empty_graph()
    types = ["Input"] + ["Linear"] * (n - 2) + ["Output"]
    for i, t in enumerate(types):
        g["nodes"].append({"id": f"n{i}", "type": t, "params": {"out_features": 32} if t == "Linear" else {},
                           "pos": [40 + i * 300, 120]})
    g["edges"] = [{"source": f"n{i}", "target": f"n{i + 1}", "port": 0} for i in range(n - 1)]
    return g


def big_graph(n=200):
    """n nodes in 10 parallel chains of n/10, all laid out by the canvas."""
    g = empty_graph()
    g["name"] = "big"
    rows, cols = 10, n // 10
    for r in range(rows):
        for c in range(cols):
            t = "Input" if c == 0 else "Output" if c == cols - 1 else ("Linear" if c % 2 else "ReLU")
            g["nodes"].append({"id": f"b{r}_{c}", "type": t,
                               "params": {"out_features": 32} if t == "Linear" else {}})
            if c:
                g["edges"].append({"source": f"b{r}_{c - 1}", "target": f"b{r}_{c}", "port": 0})
    return g


def hostile_graph():
    """Strings from a user's file that must show as text, never as markup."""
    g = empty_graph()
    evil = '<img src=x onerror="window.__pwned=1"><b>boom</b>'
    g["nodes"] = [
        {"id": 'x"><svg onload=window.__pwned=2>', "type": evil, "params": {"<b>": "<i>v</i>"}, "pos": [60, 80]},
        {"id": "__proto__", "type": "Linear", "params": {"out_features": "<script>window.__pwned=3</script>"},
         "pos": [400, 80]},
    ]
    g["edges"] = [{"source": g["nodes"][0]["id"], "target": "__proto__", "port": 0}]
    return g


GRAPHS = {"empty": empty_graph, "demo": demo_graph, "big": big_graph, "chain": chain_graph,
          "hostile": hostile_graph}
KNOWN_TYPES = {e["type"] for e in PALETTE}


# ----------------------------------------------------------------- annotations
def fake_annotations(g):
    """Predictable labels: shape = (number of inputs,), error on Add with < 2 inputs."""
    n_in = {}
    for e in g["edges"]:
        n_in[e["target"]] = n_in.get(e["target"], 0) + 1
    nodes = {}
    for node in g["nodes"]:
        k = n_in.get(node["id"], 0)
        err = f"Add needs at least 2 inputs; got {k}" if node["type"] == "Add" and k < 2 else None
        if node["type"] not in KNOWN_TYPES:
            err = f"unknown layer type: {node['type']}"
        nodes[node["id"]] = {"shape": f"({k},)", "params": 10 * k, "error": err}
    edges = {f'{e["source"]}->{e["target"]}:{e.get("port", 0)}': {"shape": f'({n_in.get(e["target"], 0)},)', "error": None}
             for e in g["edges"]}
    return {"nodes": nodes, "edges": edges, "graph_errors": []}


def shape_annotations(g):
    """A tiny shape pass for a handful of layers, so screenshots look like the real app."""
    by_id = {n["id"]: n for n in g["nodes"]}
    ins = {n["id"]: [] for n in g["nodes"]}
    outs = {n["id"]: [] for n in g["nodes"]}
    for e in g["edges"]:
        if e["source"] in by_id and e["target"] in by_id:
            ins[e["target"]].append(e)
            outs[e["source"]].append(e)
    shapes, params, errors = {}, {}, {}

    def infer(nid, seen=()):
        if nid in shapes:
            return shapes[nid]
        if nid in seen:
            return None
        node = by_id[nid]
        t, p = node["type"], node.get("params", {})
        src = [infer(e["source"], seen + (nid,)) for e in sorted(ins[nid], key=lambda e: e.get("port", 0))]
        x = src[0] if src else None
        out, cnt, err = None, 0, None
        if t == "Input":
            out = tuple(p.get("shape", []))
        elif x is None:
            err = None if src else f"{t} has no input"
        elif t == "Conv2d":
            if len(x) != 3:
                err = f"Conv2d expects (C, H, W); received {fmt(x)}"
            else:
                k, pad, oc = p.get("kernel_size", 3), p.get("padding", 0), p.get("out_channels", 16)
                out = (oc, x[1] + 2 * pad - k + 1, x[2] + 2 * pad - k + 1)
                cnt = x[0] * oc * k * k + oc
        elif t == "MaxPool2d":
            k = p.get("kernel_size", 2)
            out = (x[0], x[1] // k, x[2] // k) if len(x) == 3 else None
        elif t == "BatchNorm2d":
            out, cnt = x, 2 * x[0]
        elif t == "Flatten":
            out = (math.prod(x),)
        elif t == "Linear":
            if len(x) != 1:
                err = f"Linear expects (features,); received {fmt(x)}. Add a Flatten before it."
            else:
                out = (p.get("out_features", 64),)
                cnt = x[0] * out[0] + out[0]
        elif t in ("Add", "Concat"):
            if len(src) < 2:
                err = f"{t} needs at least 2 inputs; got {len(src)}"
            out = x
        else:
            out = x
        shapes[nid], params[nid] = out, cnt
        if err:
            errors[nid] = err
        return out

    for nid in by_id:
        infer(nid)
    nodes = {nid: {"shape": fmt(shapes.get(nid)), "params": params.get(nid, 0), "error": errors.get(nid)}
             for nid in by_id}
    edges = {}
    for e in g["edges"]:
        key = f'{e["source"]}->{e["target"]}:{e.get("port", 0)}'
        tgt_err = errors.get(e["target"], "")
        edges[key] = {"shape": fmt(shapes.get(e["source"])),
                      "error": "expects (features,)" if tgt_err.startswith("Linear expects") else None}
    graph_errors = [f"{nid} is not connected to the network" for nid in by_id
                    if not ins[nid] and not outs[nid] and len(by_id) > 1]
    return {"nodes": nodes, "edges": edges, "graph_errors": graph_errors}


def fmt(shape):
    if shape is None:
        return None
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


# ----------------------------------------------------------------- state + history
ss = st.session_state
if "graph" not in ss:
    start = GRAPHS.get(st.query_params.get("graph", "empty"), empty_graph)()
    ss.graph, ss.rev, ss.ack = start, 1, 0
    ss.history, ss.hpos = [copy.deepcopy(start)], 0
    ss.runs, ss.applied, ss.late_events, ss.commands = 0, 0, 0, []
ss.runs += 1

ev = read_canvas_event("canvas", rev=ss.rev, ack=ss.ack, graph=ss.graph)
if ev is not None and ev.seq is not None:
    ss.ack = ev.seq
    if ev.graph is not None:
        ss.graph = ev.graph
        ss.history = ss.history[: ss.hpos + 1] + [copy.deepcopy(ev.graph)]
        ss.hpos += 1
        ss.applied += 1
    if ev.command:
        ss.commands.append(ev.command)
        if ev.command == "undo" and ss.hpos > 0:
            ss.hpos -= 1
        elif ev.command == "redo" and ss.hpos < len(ss.history) - 1:
            ss.hpos += 1
        ss.graph = copy.deepcopy(ss.history[ss.hpos])
        ss.rev += 1

if st.query_params.get("panel") == "1":
    # A stand-in for the property panel: edits params of the selected nodes in Python,
    # which bumps rev (the canvas must keep its selection and view).
    selected = set(ev.selection) if ev is not None else set(ss.get("last_selection", []))
    if st.button("Double out_features of the selection"):
        g = copy.deepcopy(ss.graph)
        for n in g["nodes"]:
            if n["id"] in selected and "out_features" in n.get("params", {}):
                n["params"]["out_features"] *= 2
        ss.graph = g
        ss.history = ss.history[: ss.hpos + 1] + [copy.deepcopy(g)]
        ss.hpos += 1
        ss.rev += 1
    ss.last_selection = sorted(selected)

annotate = shape_annotations if st.query_params.get("ann") == "shapes" else fake_annotations
result = graph_canvas(
    ss.graph, rev=ss.rev, palette=PALETTE, annotations=annotate(ss.graph),
    strings=canvas_strings(LANG), ack=ss.ack, key="canvas", height=620,
)
if result is not None and result.seq is not None:
    ss.late_events += 1  # would mean the same edit was offered twice
selection = ev.selection if ev is not None else []

if st.query_params.get("debug", "1") != "0":
    st.code(json.dumps({
        "rev": ss.rev, "ack": ss.ack, "runs": ss.runs, "applied": ss.applied,
        "late_events": ss.late_events, "commands": ss.commands, "selection": selection,
        "history": len(ss.history), "hpos": ss.hpos, "graph": ss.graph,
    }, separators=(",", ":")), language=None)
