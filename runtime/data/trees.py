"""Trees as data (docs/design.md, "Recursive networks"): the flat form with offsets that NPZ
files hold, the (N, 3) tree tensor the tree layers read, the JSON upload form, and the
generated arithmetic set ``expr_trees``.

A tree in the flat form is two lists in preorder: ``tokens`` (ids, never 0: 0 is padding) and
``parents`` (the parent's index in the same tree, -1 for the root at index 0).
"""
from __future__ import annotations

import json

import numpy as np
import torch

from .dataset import DataSet
from .errors import DataError

PAD = "<pad>"
OPERATORS = ("+", "−", "×")
DIGITS = tuple(str(d) for d in range(1, 10))
EXPR_VOCAB = [PAD, *OPERATORS, *DIGITS]
SIGN_CLASSES = ["negative", "positive"]
MAX_NODES = 4096          # per tree: the tensor is (N, 3) per sample
MAX_DEPTH = 64            # JSON nesting and the layers' level loop
MAX_TOTAL_NODES = 20_000_000
LEAF_CHANCE = 0.5        # below the root: trees of a size whose values a small network learns to compare


def slots_for_depth(max_depth: int) -> int:
    """Rows a binary tree of depth ``max_depth`` may need: 2^(d+1) - 1."""
    return 2 ** (max_depth + 1) - 1


# ----------------------------------------------------------------------------- flat form <-> tensor

def depths_of(parents: np.ndarray) -> np.ndarray:
    """Depth of every node of one tree (parents before children, root -1)."""
    depth = np.zeros(len(parents), dtype=np.int64)
    for i in range(1, len(parents)):
        depth[i] = depth[parents[i]] + 1
    return depth


def check_tree(index: int, tokens: np.ndarray, parents: np.ndarray, vocab_size: int) -> None:
    """A DataError naming tree ``index`` and its first bad node, else nothing."""
    if len(tokens) == 0 or len(tokens) > MAX_NODES:
        raise DataError("trees.size", tree=index, nodes=int(len(tokens)), limit=MAX_NODES)
    if parents[0] != -1:
        raise DataError("trees.root", tree=index, received=int(parents[0]))
    rows = np.arange(len(parents))
    bad = np.flatnonzero((rows > 0) & ((parents < 0) | (parents >= rows)))
    if len(bad):
        raise DataError("trees.parent", tree=index, node=int(bad[0]), received=int(parents[bad[0]]))
    bad = np.flatnonzero((tokens < 1) | (tokens >= vocab_size))
    if len(bad):
        raise DataError("trees.token", tree=index, node=int(bad[0]), received=int(tokens[bad[0]]),
                        vocab=vocab_size)
    if depths_of(parents).max() > MAX_DEPTH:
        raise DataError("trees.depth", tree=index, limit=MAX_DEPTH)


def to_tensor(tokens: np.ndarray, parents: np.ndarray, offsets: np.ndarray, slots: int) -> torch.Tensor:
    """(n, slots, 3) int64: row i of a tree is (token, parent, depth), root parent 0, padding zeros."""
    out = np.zeros((len(offsets) - 1, slots, 3), dtype=np.int64)
    for t in range(len(offsets) - 1):
        tok, par = tokens[offsets[t]:offsets[t + 1]], parents[offsets[t]:offsets[t + 1]]
        k = len(tok)
        out[t, :k, 0] = tok
        out[t, :k, 1] = np.maximum(par, 0)
        out[t, :k, 2] = depths_of(par)
    return torch.from_numpy(out)


def from_tensor(sample) -> tuple[list[int], list[int]]:
    """One (N, 3) sample back to (tokens, parents), the root's parent -1."""
    rows = np.asarray(sample)
    rows = rows[rows[:, 0] != 0]
    parents = [int(p) for p in rows[:, 1]]
    if parents:
        parents[0] = -1
    return [int(t) for t in rows[:, 0]], parents


def check_flat(tokens, parents, offsets, vocab_size: int) -> None:
    offsets = np.asarray(offsets)
    if offsets.ndim != 1 or len(offsets) < 2 or offsets[0] != 0 or np.any(np.diff(offsets) <= 0) \
            or offsets[-1] != len(tokens) or len(tokens) != len(parents):
        raise DataError("trees.offsets", nodes=int(len(tokens)), parents=int(len(parents)))
    if len(tokens) > MAX_TOTAL_NODES:
        raise DataError("trees.size", tree="*", nodes=int(len(tokens)), limit=MAX_TOTAL_NODES)
    for t in range(len(offsets) - 1):
        check_tree(t, tokens[offsets[t]:offsets[t + 1]], parents[offsets[t]:offsets[t + 1]], vocab_size)


def dataset(name: str, tokens, parents, offsets, labels, vocab: list[str], classes: list[str],
            slots: int | None = None) -> DataSet:
    """A checked DataSet of kind "trees" from the flat form; ``slots`` defaults to the largest tree."""
    tokens, parents, offsets = (np.asarray(a, dtype=np.int64) for a in (tokens, parents, offsets))
    check_flat(tokens, parents, offsets, len(vocab))
    slots = slots or int(np.diff(offsets).max())
    x = to_tensor(tokens, parents, offsets, slots)
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    return DataSet(name, "trees", "classification", {"x": x}, y, class_names=list(classes), vocab=list(vocab),
                   normalize=False, extra={"trees": {"slots": slots, "max_depth": int(x[:, :, 2].max())}})


# ----------------------------------------------------------------------------- files

def read_npz(name: str, source) -> DataSet:
    """An NPZ of flat arrays: tokens, parents, offsets, y, optional vocab and classes (no pickles)."""
    with np.load(source, allow_pickle=False) as z:
        return from_arrays(name, {k: z[k] for k in z.files})


def is_flat(arrays: dict) -> bool:
    """Whether an NPZ's arrays are trees in the flat form (an upload is read by ``from_arrays``)."""
    return {"tokens", "parents", "offsets"} <= set(arrays)


def from_arrays(name: str, arrays: dict) -> DataSet:
    missing = [k for k in ("tokens", "parents", "offsets", "y") if k not in arrays]
    if missing:
        raise DataError("trees.npz_keys", missing=missing, found=sorted(arrays)[:20])
    tokens = arrays["tokens"]
    vocab = [str(v) for v in arrays["vocab"]] if "vocab" in arrays else \
        [PAD, *(str(i) for i in range(1, int(tokens.max(initial=0)) + 1))]
    y = arrays["y"].astype(np.int64)
    classes = [str(c) for c in arrays["classes"]] if "classes" in arrays else \
        [str(i) for i in range(int(y.max(initial=0)) + 1)]
    return dataset(name, tokens, arrays["parents"], arrays["offsets"], y, vocab, classes)


def write_npz(path, ds: DataSet) -> None:
    """The flat form of a trees DataSet (what ``read_npz`` reads back)."""
    tokens, parents, offsets = [], [], [0]
    for sample in ds.inputs["x"]:
        tok, par = from_tensor(sample)
        tokens += tok
        parents += par
        offsets.append(len(tokens))
    np.savez(path, tokens=np.array(tokens, np.int64), parents=np.array(parents, np.int64),
             offsets=np.array(offsets, np.int64), y=ds.target.numpy(),
             vocab=np.array(ds.vocab, dtype=str), classes=np.array(ds.class_names, dtype=str))


def _flatten_json_tree(index: int, root, vocab_index: dict, tokens: list, parents: list) -> None:
    """Preorder walk with an explicit stack (a deep JSON tree must not exhaust Python's stack)."""
    stack, start = [(root, -1, 0)], len(tokens)
    while stack:
        node, parent, depth = stack.pop()
        if not isinstance(node, dict) or "token" not in node or depth > MAX_DEPTH:
            raise DataError("trees.json_node", tree=index, node=len(tokens) - start)
        token = node["token"]
        if str(token) not in vocab_index:
            raise DataError("trees.json_token", tree=index, token=str(token)[:40])
        me = len(tokens) - start
        tokens.append(vocab_index[str(token)])
        parents.append(parent)
        if len(tokens) - start > MAX_NODES:
            raise DataError("trees.size", tree=index, nodes=len(tokens) - start, limit=MAX_NODES)
        children = node.get("children", [])
        if not isinstance(children, list):
            raise DataError("trees.json_node", tree=index, node=me)
        stack += [(child, me, depth + 1) for child in reversed(children)]


def read_json(name: str, text: str | bytes) -> DataSet:
    """``{"format": "netcanvas.trees", "vocab": [...], "classes": [...], "samples": [{"tree": {...},
    "label": ...}]}``; a node is ``{"token": word, "children": [...]}``."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise DataError("trees.json_format") from None
    if not isinstance(doc, dict) or doc.get("format") != "netcanvas.trees" \
            or not isinstance(doc.get("samples"), list) or not doc["samples"]:
        raise DataError("trees.json_format")
    words = [str(w) for w in doc.get("vocab") or []]
    vocab = [PAD, *(w for w in dict.fromkeys(words) if w != PAD)]
    vocab_index = {w: i for i, w in enumerate(vocab)}
    classes = [str(c) for c in doc.get("classes") or sorted({str(s.get("label")) for s in doc["samples"]
                                                             if isinstance(s, dict)})]
    class_index = {c: i for i, c in enumerate(classes)}
    tokens, parents, offsets, labels = [], [], [0], []
    for i, sample in enumerate(doc["samples"]):
        if not isinstance(sample, dict) or str(sample.get("label")) not in class_index:
            raise DataError("trees.json_label", tree=i, classes=classes[:20])
        _flatten_json_tree(i, sample.get("tree"), vocab_index, tokens, parents)
        offsets.append(len(tokens))
        labels.append(class_index[str(sample["label"])])
    return dataset(name, tokens, parents, offsets, labels, vocab, classes)


# ----------------------------------------------------------------------------- expr_trees

def _grow(rng: np.random.Generator, depth: int, max_depth: int, tokens: list, parents: list, parent: int) -> int:
    """Append a random expression in preorder; returns its value. The root is an operator when it
    may be; below it a node stops as a digit with probability LEAF_CHANCE (always at max_depth)."""
    me = len(tokens)
    parents.append(parent)
    if depth == max_depth or (depth > 0 and rng.random() < LEAF_CHANCE):
        digit = int(rng.integers(1, 10))
        tokens.append(EXPR_VOCAB.index(str(digit)))
        return digit
    op = int(rng.integers(0, 3))
    tokens.append(1 + op)
    left = _grow(rng, depth + 1, max_depth, tokens, parents, me)
    right = _grow(rng, depth + 1, max_depth, tokens, parents, me)
    return (left + right, left - right, left * right)[op]


def expr_trees(n_samples: int, max_depth: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(tokens, parents, offsets, labels) of ``n_samples`` expressions, label 1 when the value is
    positive; draws of value 0 are dropped and each class is drawn up to half the samples."""
    rng = np.random.default_rng(seed)
    want = [n_samples // 2, n_samples - n_samples // 2]
    per_class: list[list] = [[], []]
    while len(per_class[0]) < want[0] or len(per_class[1]) < want[1]:
        tokens: list[int] = []
        parents: list[int] = []
        value = _grow(rng, 0, max_depth, tokens, parents, -1)
        label = int(value > 0)
        if value != 0 and len(per_class[label]) < want[label]:
            per_class[label].append((tokens, parents, label))
    trees = per_class[0] + per_class[1]
    order = rng.permutation(len(trees))
    trees = [trees[i] for i in order]
    offsets = np.cumsum([0] + [len(t[0]) for t in trees])
    return (np.concatenate([t[0] for t in trees]).astype(np.int64), np.concatenate([t[1] for t in trees]).astype(np.int64),
            offsets.astype(np.int64), np.array([t[2] for t in trees], dtype=np.int64))


def expr_dataset(name: str, o: dict) -> DataSet:
    tokens, parents, offsets, labels = expr_trees(o["n_samples"], o["max_depth"], o["seed"])
    return dataset(name, tokens, parents, offsets, labels, EXPR_VOCAB, SIGN_CLASSES,
                   slots=slots_for_depth(o["max_depth"]))


def expression_text(tokens: list[int], parents: list[int], vocab: list[str]) -> str:
    """Infix text of a preorder tree, brackets around every operation below the root."""
    children: dict[int, list[int]] = {}
    for i, p in enumerate(parents):
        if p >= 0:
            children.setdefault(p, []).append(i)

    def text(i: int, top: bool) -> str:
        kids = children.get(i, [])
        if not kids:
            return vocab[tokens[i]]
        inner = f" {vocab[tokens[i]]} ".join(text(k, False) for k in kids)
        return inner if top else f"({inner})"
    return text(0, True) if tokens else ""
