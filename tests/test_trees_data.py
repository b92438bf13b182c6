"""Trees as data: the expr_trees set (labels checked by evaluating the expressions), the flat NPZ
form and JSON uploads (round trips and messages that name the tree), and that the set needs the
tree: a bag of its tokens does not tell the sign."""
import io
import json

import numpy as np
import pytest
import torch

from runtime.data import builtin, trees
from runtime.data.errors import DataError


def _value(text: str) -> int:
    return eval(text.replace("−", "-").replace("×", "*"), {"__builtins__": {}})   # digits, + - * and brackets only


def test_expr_trees_labels_are_the_sign_of_the_expression_and_classes_are_balanced():
    ds = builtin.load("expr_trees", n_samples=300, max_depth=3, seed=5)
    x = ds.inputs["x"]
    assert ds.kind == "trees" and x.shape == (300, 15, 3) and x.dtype == torch.int64
    assert ds.target.bincount().tolist() == [150, 150]
    for sample, label in zip(x, ds.target):
        tokens, parents = trees.from_tensor(sample)
        value = _value(trees.expression_text(tokens, parents, ds.vocab))
        assert value != 0 and int(value > 0) == int(label)
        assert trees.depths_of(np.array(parents)).max() <= 3
    assert torch.equal(x, builtin.load("expr_trees", n_samples=300, max_depth=3, seed=5).inputs["x"])


def test_npz_flat_form_round_trips_and_refuses_a_parent_after_its_child(tmp_path):
    ds = builtin.load("expr_trees", n_samples=40, max_depth=2)
    trees.write_npz(tmp_path / "t.npz", ds)
    with np.load(tmp_path / "t.npz", allow_pickle=False) as z:
        assert z["offsets"][0] == 0 and z["offsets"][-1] == len(z["tokens"]) == len(z["parents"])
    back = trees.read_npz("t", tmp_path / "t.npz")
    assert back.vocab == ds.vocab and back.class_names == ds.class_names
    assert torch.equal(back.target, ds.target)
    assert torch.equal(back.inputs["x"], ds.inputs["x"][:, :back.inputs["x"].shape[1]])
    buf = io.BytesIO()
    np.savez(buf, tokens=[1, 4, 5, 1, 4], parents=[-1, 0, 0, -1, 2], offsets=[0, 3, 5], y=[0, 1])
    buf.seek(0)
    with pytest.raises(DataError) as err:
        trees.read_npz("bad", buf)
    assert err.value.code == "trees.parent" and err.value.info["tree"] == 1 and err.value.info["node"] == 1


def test_json_upload_reads_nested_trees_and_names_an_unknown_token():
    doc = {"format": "netcanvas.trees", "vocab": ["+", "−", "1", "2"], "classes": ["neg", "pos"],
           "samples": [{"tree": {"token": "−", "children": [{"token": "1"}, {"token": "2"}]}, "label": "neg"},
                       {"tree": {"token": "2"}, "label": "pos"}]}
    ds = trees.read_json("up", json.dumps(doc))
    assert ds.inputs["x"].tolist() == [[[2, 0, 0], [3, 0, 1], [4, 0, 1]], [[4, 0, 0], [0, 0, 0], [0, 0, 0]]]
    assert ds.target.tolist() == [0, 1] and ds.vocab[0] == trees.PAD
    doc["samples"][1]["tree"]["children"] = [{"token": "7"}]
    with pytest.raises(DataError) as err:
        trees.read_json("up", json.dumps(doc))
    assert err.value.code == "trees.json_token" and err.value.info == {"tree": 1, "token": "7"}
    assert "7" in err.value.message("en") and "7" in err.value.message("zh")


@pytest.fixture
def one_thread():
    """Small matrices: one thread is fastest, and several fight over a loaded machine's cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_a_bag_of_tokens_mlp_scores_at_most_75_percent(one_thread):
    """The same tokens without the tree: counts of each token into an MLP, trained to fit."""
    torch.manual_seed(0)
    ds = builtin.load("expr_trees", n_samples=4000, max_depth=4)
    tokens = ds.inputs["x"][:, :, 0]
    bags = torch.zeros(len(tokens), len(ds.vocab)).scatter_add_(1, tokens, torch.ones_like(tokens, dtype=torch.float))
    bags[:, 0] = 0
    x_train, y_train, x_val, y_val = bags[:3200], ds.target[:3200], bags[3200:], ds.target[3200:]
    mlp = torch.nn.Sequential(torch.nn.Linear(len(ds.vocab), 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 2))
    opt = torch.optim.Adam(mlp.parameters(), 3e-3)
    best = 0.0
    for _ in range(30):
        for idx in torch.randperm(3200).split(128):
            loss = torch.nn.functional.cross_entropy(mlp(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            best = max(best, (mlp(x_val).argmax(1) == y_val).float().mean().item())
    assert 0.5 < best <= 0.75, best


def test_the_tree_view_draws_every_node_once_root_on_top_with_file_tokens_as_text():
    from ui.tree_view import tree_figure
    doc = {"format": "netcanvas.trees", "vocab": ["<b>op</b>", "1", "2", "3"],
           "samples": [{"tree": {"token": "<b>op</b>", "children": [
               {"token": "1"}, {"token": "<b>op</b>", "children": [{"token": "2"}, {"token": "3"}]}]}, "label": "a"}]}
    ds = trees.read_json("up", json.dumps(doc))
    edges, nodes = tree_figure(ds.inputs["x"][0], ds.vocab, "t").data
    assert list(nodes.text) == ["&lt;b&gt;op&lt;/b&gt;", "1", "&lt;b&gt;op&lt;/b&gt;", "2", "3"]
    assert len([x for x in edges.x if x is None]) == 4                   # n - 1 edges
    ys = list(nodes.y)
    assert ys[0] == max(ys) and ys[1] == ys[2] > ys[3] == ys[4]          # one row per depth, the root on top
    assert nodes.x[3] < nodes.x[4]                                       # children keep their order


def test_uploads_read_trees_from_a_flat_npz_and_from_json(tmp_path):
    from runtime.data.uploads import load_upload
    ds = builtin.load("expr_trees", n_samples=30, max_depth=2)
    trees.write_npz(tmp_path / "mine.npz", ds)
    back = load_upload(tmp_path / "mine.npz")
    assert back.kind == "trees" and back.name == "mine" and torch.equal(back.target, ds.target)
    doc = {"format": "netcanvas.trees", "vocab": ["a", "b"],
           "samples": [{"tree": {"token": "a", "children": [{"token": "b"}]}, "label": "yes"}]}
    (tmp_path / "small.json").write_text(json.dumps(doc))
    small = load_upload(tmp_path / "small.json")
    assert small.class_names == ["yes"] and small.inputs["x"].tolist() == [[[1, 0, 0], [2, 0, 1]]]


def test_the_tree_view_keeps_each_depth_in_preorder_so_no_edges_cross():
    from ui.tree_view import tree_figure
    ds = builtin.load("expr_trees", n_samples=40, max_depth=4, seed=0)
    for sample in ds.inputs["x"][:20]:
        _, nodes = tree_figure(sample, ds.vocab, "t").data
        by_row: dict[float, list[tuple[float, int]]] = {}
        for i, (px, py) in enumerate(zip(nodes.x, nodes.y)):
            by_row.setdefault(round(py, 6), []).append((px, i))
        for row in by_row.values():
            assert [i for _, i in sorted(row)] == sorted(i for _, i in row)   # left to right = preorder
