"""The torch code of the tree layers (TreeRNN, TreeLSTM), written into every generated model file
that uses them. ``builder`` reads this file as text and never imports it (builder stays free of
torch); tests import it. Everything from the marker line on is copied as is: plain torch only.

A batch of trees is an int64 tensor (B, N, 3); row i of a tree is (token, parent, depth) in
preorder, the root in row 0, padding rows all zeros (docs/design.md, "Recursive networks").
"""
import torch
from torch import nn

# ---- generated code starts here


def tree_levels(trees):
    """Order the nodes of a (B, N, 3) batch of trees by depth, deepest first. Returns the nodes'
    tokens and places among their siblings (0: first child) in that order, how many nodes each
    depth has, and for every depth but the root's the index of each node's parent within the next
    group. Padding rows (token 0) are left out; the last group holds the roots in batch order."""
    batch, slots, _ = trees.shape
    tokens, parents, depth = trees.reshape(batch * slots, 3).unbind(1)
    rows = torch.arange(batch * slots, device=trees.device)
    parents = parents + torch.div(rows, slots, rounding_mode="floor") * slots
    depth = torch.where(tokens > 0, depth, torch.full_like(depth, -1))
    places = sibling_places(parents, depth > 0, rows)
    deepest = int(depth.max()) if depth.numel() else -1
    levels = [torch.nonzero(depth == d).squeeze(1) for d in range(deepest, -1, -1)]
    nodes = torch.cat(levels) if levels else rows[:0]
    index_in_level = torch.zeros_like(rows)
    for level in levels:
        index_in_level[level] = torch.arange(len(level), device=trees.device)
    ups = [index_in_level[parents[level]] for level in levels[:-1]]
    return tokens[nodes], places[nodes], [len(level) for level in levels], ups


def sibling_places(parents, is_child, rows):
    """How many earlier rows share each row's parent (0 for roots): sort by (parent, row), rank within each run."""
    group = torch.where(is_child, parents, torch.full_like(parents, len(rows)))
    order = torch.argsort(group * (len(rows) + 1) + rows)
    grouped = group[order]
    starts = torch.ones_like(is_child)
    starts[1:] = grouped[1:] != grouped[:-1]
    first = torch.cummax(torch.where(starts, rows, torch.zeros_like(rows)), dim=0).values
    places = torch.empty_like(rows)
    places[order] = rows - first
    return torch.where(is_child, places, torch.zeros_like(places))   # a root is nobody's child: place 0


class _TreeLayer(nn.Module):
    """What both tree layers share: a token embedding plus an embedding of the node's place among
    its siblings (a sum of children forgets their order: 9 - 2 and 2 - 9 would look alike)."""

    def __init__(self, num_embeddings, embedding_dim, hidden_size, positions, gates):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(num_embeddings, embedding_dim, padding_idx=0)
        self.place = nn.Embedding(positions, embedding_dim)   # first child, second, ... (the last for the rest)
        self.w = nn.Linear(embedding_dim, gates * hidden_size)

    def levels(self, trees):
        """The input projection of every node, level by level (deepest first), and the parent indices."""
        tokens, places, sizes, ups = tree_levels(trees)
        x = self.embedding(tokens) + self.place(places.clamp(max=self.place.num_embeddings - 1))
        return self.w(x).split(sizes), ups


class TreeRNN(_TreeLayer):
    """Child-sum recursive network: h_j = tanh(W x_j + U sum_k h_k + b), computed for all nodes
    of one depth at once, from the deepest level up; returns the roots' states (B, hidden_size)."""

    def __init__(self, num_embeddings, embedding_dim, hidden_size, positions=2):
        super().__init__(num_embeddings, embedding_dim, hidden_size, positions, 1)
        self.u = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, trees):
        wx, ups = self.levels(trees)
        child_h = wx[0].new_zeros(len(wx[0]), self.hidden_size)
        for k, wx_level in enumerate(wx):
            h = torch.tanh(wx_level + self.u(child_h))
            if k < len(ups):   # add each node's state into its parent's sum, one level up
                child_h = h.new_zeros(len(wx[k + 1]), self.hidden_size).index_add(0, ups[k], h)
        return h   # the last level is depth 0: one root per tree, in batch order


class TreeLSTM(_TreeLayer):
    """Child-sum TreeLSTM (Tai et al. 2015): gates i, o, u from x_j and the sum of the children's h,
    one forget gate per child f_jk = sigmoid(W_f x_j + U_f h_k + b_f), c_j = i*u + sum_k f_jk*c_k,
    h_j = o*tanh(c_j); all nodes of one depth at once; returns the roots' h (B, hidden_size)."""

    def __init__(self, num_embeddings, embedding_dim, hidden_size, positions=2):
        super().__init__(num_embeddings, embedding_dim, hidden_size, positions, 4)   # i, o, u, f
        self.u_iou = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
        self.u_f = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, trees):
        wx, ups = self.levels(trees)
        size = self.hidden_size
        child_h = wx[0].new_zeros(len(wx[0]), size)
        child_fc = child_h
        for k, wx_level in enumerate(wx):
            i, o, u = (wx_level[:, :3 * size] + self.u_iou(child_h)).chunk(3, dim=1)
            c = torch.sigmoid(i) * torch.tanh(u) + child_fc
            h = torch.sigmoid(o) * torch.tanh(c)
            if k < len(ups):   # the parents' forget gate for each child, and the sums one level up
                f = torch.sigmoid(wx[k + 1][ups[k], 3 * size:] + self.u_f(h))
                child_h = h.new_zeros(len(wx[k + 1]), size).index_add(0, ups[k], h)
                child_fc = h.new_zeros(len(wx[k + 1]), size).index_add(0, ups[k], f * c)
        return h


def random_trees(batch_size, slots, num_embeddings):
    """A batch of random trees in the (B, slots, 3) form, for a smoke test: each node after the
    root hangs under a random earlier node."""
    trees = torch.zeros(batch_size, slots, 3, dtype=torch.int64)
    for b in range(batch_size):
        size = int(torch.randint(1, slots + 1, ()))
        trees[b, :size, 0] = torch.randint(1, max(num_embeddings, 2), (size,))
        for i in range(1, size):
            parent = int(torch.randint(0, i, ()))
            trees[b, i, 1] = parent
            trees[b, i, 2] = trees[b, parent, 2] + 1
    return trees
