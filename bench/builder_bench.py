"""Builder benchmark: checker time by graph size, and generated models against hand-written PyTorch.

    python bench/builder_bench.py [--quick]

Prints check times for chains of 10, 100, 1,000 and 5,000 layers (time per layer should
stay flat: linear cost), the time to check VGG-16 without allocating it, and
forward+backward time of the compiled ResNet-18 and an MLP against the same networks
written by hand, as ratios measured in the same run (interleaved, median of repeats).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from builder.codegen import compile_graph  # noqa: E402
from builder.shapes import check  # noqa: E402


def chain_graph(layers: int) -> dict:
    """Input -> (Linear, ReLU, and every 10th a residual Add) x n -> Output: ``layers`` nodes in all."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [64]}}]
    edges, prev, skip = [], "x", "x"
    i = 0
    while len(nodes) < layers - 1:
        i += 1
        if i % 10 == 0:
            nid = f"add{i}"
            nodes.append({"id": nid, "type": "Add", "params": {}})
            edges += [{"source": prev, "target": nid}, {"source": skip, "target": nid, "port": 1}]
            skip = nid
        else:
            nid = f"l{i}"
            kind = ("Linear", {"out_features": 64}) if i % 2 else ("ReLU", {})
            nodes.append({"id": nid, "type": kind[0], "params": kind[1]})
            edges.append({"source": prev, "target": nid})
        prev = nid
    nodes.append({"id": "y", "type": "Output", "params": {}})
    edges.append({"source": prev, "target": "y"})
    return {"format": "netcanvas.graph", "version": 1, "name": f"chain{layers}", "nodes": nodes, "edges": edges}


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_check(quick: bool) -> None:
    print("check time by graph size (best of 5)")
    print(f"{'layers':>8} {'ms':>10} {'us/layer':>10}")
    for n in (10, 100, 1000, 5000):
        doc = chain_graph(n)
        result = check(doc)
        assert result.ok, result.errors[:3]
        sec = best_of(lambda: check(doc), 3 if quick else 5)
        print(f"{n:>8} {sec * 1e3:>10.2f} {sec / n * 1e6:>10.1f}")
    vgg = templates.load("vgg16")
    sec = best_of(lambda: check(vgg), 5)
    print(f"VGG-16 ({check(vgg).total_params:,} parameters) checked in {sec * 1e3:.1f} ms, no weights allocated")


# -- hand-written twins ------------------------------------------------------------------------
class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        blocks, cin = [], 64
        for i, cout in enumerate((64, 128, 256, 512)):
            for b in range(2):
                blocks.append(Block(cin, cout, 2 if i and not b else 1))
                cin = cout
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.layers(x), 1), 1))


def mlp_graph() -> dict:
    layers = [("flat", "Flatten", {}), ("fc1", "Linear", {"out_features": 512}), ("r1", "ReLU", {}),
              ("fc2", "Linear", {"out_features": 512}), ("r2", "ReLU", {}), ("fc3", "Linear", {"out_features": 10})]
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [1, 28, 28]}}]
    nodes += [{"id": i, "type": ty, "params": p} for i, ty, p in layers] + [{"id": "y", "type": "Output", "params": {}}]
    ids = [n["id"] for n in nodes]
    return {"format": "netcanvas.graph", "version": 1, "name": "mlp_bench", "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


def hand_mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def fwd_bwd_ratio(name, ours: nn.Module, hand: nn.Module, x: torch.Tensor, repeats: int) -> None:
    def step(model):
        def run():
            model.zero_grad(set_to_none=True)
            model(x).sum().backward()
        return run
    for model in (ours, hand):   # warm-up
        step(model)()
    t_ours, t_hand = [], []
    for _ in range(repeats):     # interleaved, so machine noise hits both alike
        t_ours.append(best_of(step(ours), 1))
        t_hand.append(best_of(step(hand), 1))
    a, b = statistics.median(t_ours), statistics.median(t_hand)
    print(f"{name:<28} generated {a * 1e3:8.2f} ms   hand-written {b * 1e3:8.2f} ms   ratio {a / b:.3f}")


def bench_models(quick: bool) -> None:
    torch.manual_seed(0)
    print("\nforward+backward, generated vs hand-written (median of interleaved repeats, CPU)"
          if not torch.cuda.is_available() else "\nforward+backward, generated vs hand-written (CUDA)")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    repeats = 5 if quick else 15
    ours = compile_graph(templates.load("resnet18")).build().to(device)
    fwd_bwd_ratio("ResNet-18 (8x3x112x112)", ours, ResNet18().to(device), torch.randn(8, 3, 112, 112, device=device), repeats)
    ours = compile_graph(mlp_graph()).build().to(device)
    fwd_bwd_ratio("MLP 784-512-512-10 (b=256)", ours, hand_mlp().to(device), torch.randn(256, 1, 28, 28, device=device),
                  repeats * 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    bench_check(args.quick)
    bench_models(args.quick)


if __name__ == "__main__":
    main()
