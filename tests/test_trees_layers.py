"""The batched tree layers against a plain recursive reference, node by node, on random trees."""
import torch

from builder.layers.tree_modules import TreeLSTM, TreeRNN, random_trees


def _children(tree):
    """{row: [child rows in order]} and the node rows of one (N, 3) tree tensor."""
    nodes = [i for i in range(len(tree)) if int(tree[i, 0]) != 0]
    children = {i: [] for i in nodes}
    for i in nodes[1:]:
        children[int(tree[i, 1])].append(i)
    return children


def _x(layer, tree, children):
    """Every node's input vector: token embedding plus its place among its siblings."""
    place = {0: 0}
    for kids in children.values():
        place.update({k: n for n, k in enumerate(kids)})
    last = layer.place.num_embeddings - 1
    return {i: layer.embedding.weight[int(tree[i, 0])] + layer.place.weight[min(place[i], last)] for i in children}


def _rnn_reference(layer, tree):
    children = _children(tree)
    x = _x(layer, tree, children)

    def h(j):
        child_sum = sum((h(k) for k in children[j]), torch.zeros(layer.hidden_size))
        return torch.tanh(layer.w(x[j]) + layer.u(child_sum))
    return h(0)


def _lstm_reference(layer, tree):
    children = _children(tree)
    x = _x(layer, tree, children)
    size = layer.hidden_size

    def hc(j):
        wx = layer.w(x[j])
        states = [hc(k) for k in children[j]]
        h_sum = sum((s[0] for s in states), torch.zeros(size))
        i, o, u = (wx[:3 * size] + layer.u_iou(h_sum)).chunk(3)
        c = torch.sigmoid(i) * torch.tanh(u)
        for h_k, c_k in states:
            c = c + torch.sigmoid(wx[3 * size:] + layer.u_f(h_k)) * c_k
        return torch.sigmoid(o) * torch.tanh(c), c
    return hc(0)[0]


def _compare(layer, reference):
    torch.manual_seed(1)
    trees = random_trees(12, 17, 9)
    trees[0, 1:] = 0            # a single node
    with torch.no_grad():
        batched = layer(trees)
        expected = torch.stack([reference(layer, t) for t in trees])
    assert batched.shape == (12, layer.hidden_size)
    assert torch.allclose(batched, expected, atol=1e-5, rtol=0)


def test_tree_lstm_matches_the_recursive_reference_on_random_trees():
    torch.manual_seed(0)
    _compare(TreeLSTM(9, 5, 6, positions=3), _lstm_reference)


def test_tree_rnn_matches_the_recursive_reference_on_random_trees():
    torch.manual_seed(0)
    _compare(TreeRNN(9, 5, 6, positions=3), _rnn_reference)


def test_a_tree_of_swapped_children_gives_another_state():
    """9 - 2 and 2 - 9: the sum over children alone could not tell them apart."""
    torch.manual_seed(0)
    layer = TreeLSTM(12, 4, 4)
    a = torch.tensor([[[2, 0, 0], [11, 0, 1], [3, 0, 1]]])
    b = torch.tensor([[[2, 0, 0], [3, 0, 1], [11, 0, 1]]])
    with torch.no_grad():
        assert not torch.allclose(layer(a), layer(b))


def _tree_graph(layer, shape, dtype="int64", **params):
    from graphs import doc
    return doc([("t", "Input", {"shape": shape, "dtype": dtype}),
                ("layer", layer, {"num_embeddings": 9, "hidden_size": 6, **params}), ("y", "Output", {})],
               [("t", "layer"), ("layer", "y")], name="one tree layer")


def test_checked_shape_and_parameter_count_are_those_of_the_built_model():
    from builder.codegen import compile_graph
    from builder.shapes import check
    for layer in ("TreeRNN", "TreeLSTM"):
        result = check(_tree_graph(layer, [7, 3], embedding_dim=5, positions=3))
        assert result.ok and result.shapes["layer"] == (6,)
        model = compile_graph(result.graph, result).build()
        with torch.no_grad():
            out = model(random_trees(4, 7, 9))
        assert out.shape == (4, 6)
        assert sum(p.numel() for p in model.parameters()) == result.counts["layer"]


def test_a_tree_layer_refuses_what_is_not_a_tree_tensor_naming_the_node():
    from builder.shapes import check
    for shape, dtype, code in (([7, 4], "int64", "shape.rank"), ([7], "int64", "shape.rank"),
                               ([7, 3], "float32", "shape.dtype_int")):
        errors = check(_tree_graph("TreeLSTM", shape, dtype)).errors
        assert [(e.node, e.code) for e in errors] == [("layer", code)], shape
        assert "(N, 3)" in errors[0].message() or code == "shape.dtype_int"
