"""Known networks against independent truth: published parameter counts, and hand-written torch twins."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from builder import templates
from builder.codegen import compile_graph
from builder.shapes import check


def test_published_parameter_counts_without_allocating():
    assert check(templates.load("lenet5")).total_params == 61_706
    assert check(templates.load("resnet18")).total_params == 11_689_512
    assert check(templates.load("vgg16")).total_params == 138_357_544


class HandLeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120)
        self.f6 = nn.Linear(120, 84)
        self.f7 = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.tanh(self.c1(x)), 2)
        x = nn.functional.avg_pool2d(torch.tanh(self.c3(x)), 2)
        x = torch.tanh(self.f5(x.flatten(1)))
        return self.f7(torch.tanh(self.f6(x)))


class BasicBlock(nn.Module):
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


class HandResNet18(nn.Module):
    """torchvision's resnet18(); ``cifar``: the CIFAR-10 variant (3x3 stride-1 stem, no max-pool, 10 classes)."""

    def __init__(self, cifar: bool = False):
        super().__init__()
        self.cifar = cifar
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False) if cifar else nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        blocks, cin = [], 64
        for i, cout in enumerate((64, 128, 256, 512)):
            for b in range(2):
                blocks.append(BasicBlock(cin, cout, 2 if i > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, 10 if cifar else 1000)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.blocks(x if self.cifar else nn.functional.max_pool2d(x, 3, 2, 1))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class HandVGG11BN(nn.Module):
    """VGG-11 with batch norm for CIFAR-10 as the CIFAR benchmarks write it: cfg "A", one Linear(512, 10)."""

    def __init__(self):
        super().__init__()
        layers, cin = [], 3
        for c in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"):
            if c == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
                cin = c
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(512, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class HandFashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.conv2, self.bn2 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64)
        self.fc1, self.fc2 = nn.Linear(64 * 7 * 7, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = nn.functional.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)
        x = torch.relu(self.fc1(nn.functional.dropout(x.flatten(1), 0.25, self.training)))
        return self.fc2(nn.functional.dropout(x, 0.5, self.training))


def _learnable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_the_standard_set_templates_count_as_their_hand_written_twins():
    # 11,173,962: the CIFAR ResNet-18 everyone quotes (bias-free 3x3 stem); 9,231,114: VGG-11-BN with one Linear
    assert check(templates.load("resnet18_cifar")).total_params == _learnable(HandResNet18(cifar=True)) == 11_173_962
    assert check(templates.load("vgg11_cifar")).total_params == _learnable(HandVGG11BN()) == 9_231_114
    assert check(templates.load("fashion_cnn")).total_params == _learnable(HandFashionCNN()) == 421_834


def _copy_state(src: nn.Module, dst: nn.Module) -> None:
    """Copy tensors in registration order, checking that every one lines up by shape."""
    s, d = src.state_dict(), dst.state_dict()
    assert len(s) == len(d)
    for (ks, vs), (kd, vd) in zip(s.items(), d.items()):
        assert vs.shape == vd.shape, (ks, kd)
        vd.copy_(vs)


def _same_outputs(template, hand, shape):
    torch.manual_seed(0)
    ours = compile_graph(templates.load(template)).build()
    _copy_state(ours, hand)
    # Train one step's worth of BN statistics differently in each would hide nothing: use eval.
    ours.eval()
    hand.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        assert torch.allclose(ours(x), hand(x), atol=1e-5, rtol=1e-4)
    outs = []
    for model in (ours.train(), hand.train()):
        torch.manual_seed(1)        # dropout: the same masks when the layers draw in the same order
        outs.append(model(x))
    assert torch.allclose(*outs, atol=1e-5, rtol=1e-4)


def test_compiled_lenet5_equals_hand_written():
    _same_outputs("lenet5", HandLeNet5(), (4, 1, 28, 28))


@pytest.mark.slow
def test_compiled_resnet18_equals_hand_written():
    # The skip connections matter: a miswired Add would change outputs, not parameter counts.
    _same_outputs("resnet18", HandResNet18(), (2, 3, 64, 64))


def test_compiled_resnet18_cifar_equals_hand_written():
    _same_outputs("resnet18_cifar", HandResNet18(cifar=True), (2, 3, 32, 32))


def test_compiled_vgg11_cifar_equals_hand_written():
    _same_outputs("vgg11_cifar", HandVGG11BN(), (2, 3, 32, 32))


def test_compiled_fashion_cnn_equals_hand_written():
    _same_outputs("fashion_cnn", HandFashionCNN(), (4, 1, 28, 28))


def test_a_miswired_skip_connection_is_caught_by_outputs_not_counts():
    doc = templates.load("resnet18")
    basic = next(b for b in doc["blocks"] if b["name"] == "BasicBlock")
    skips = [e for e in basic["edges"] if e["target"] == "add" and e.get("port") == 1]
    assert [e["source"] for e in skips] == ["x"]
    skips[0]["source"] = "relu"   # the skip taken after the first conv instead of from the block input
    result = check(doc)
    assert result.ok and result.total_params == 11_689_512
    torch.manual_seed(0)
    ours, hand = compile_graph(doc).build().eval(), HandResNet18().eval()
    _copy_state(ours, hand)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert not torch.allclose(ours(x), hand(x), atol=1e-3)
