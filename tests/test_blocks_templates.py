"""The templates with blocks against torchvision's published architectures: ResNet-18's and VGG-16's
state dicts key by key and shape by shape, the generated code (a class per block, nn.Sequential for
chains, short), and that code on its own loading torchvision-named weights with strict=True.

torchvision cannot be imported beside this torch, so the expected lists below are written out from
torchvision/models/resnet.py (``resnet18()``: BasicBlock, [2, 2, 2, 2]; ``_make_layer`` puts a
``downsample = nn.Sequential(conv1x1, norm_layer)`` in the first block of layer2..4) and
torchvision/models/vgg.py (``vgg16()``: cfg "D", ``make_layers`` as ``features``, ``classifier``
= Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear).
"""
from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from builder import templates
from builder.codegen import compile_graph, generate
from builder.graph import INSTANCE
from builder.shapes import check

TORCHVISION_RESNET18 = [
    ('conv1.weight', (64, 3, 7, 7)),
    ('bn1.weight', (64,)),
    ('bn1.bias', (64,)),
    ('bn1.running_mean', (64,)),
    ('bn1.running_var', (64,)),
    ('bn1.num_batches_tracked', ()),
    ('layer1.0.conv1.weight', (64, 64, 3, 3)),
    ('layer1.0.bn1.weight', (64,)),
    ('layer1.0.bn1.bias', (64,)),
    ('layer1.0.bn1.running_mean', (64,)),
    ('layer1.0.bn1.running_var', (64,)),
    ('layer1.0.bn1.num_batches_tracked', ()),
    ('layer1.0.conv2.weight', (64, 64, 3, 3)),
    ('layer1.0.bn2.weight', (64,)),
    ('layer1.0.bn2.bias', (64,)),
    ('layer1.0.bn2.running_mean', (64,)),
    ('layer1.0.bn2.running_var', (64,)),
    ('layer1.0.bn2.num_batches_tracked', ()),
    ('layer1.1.conv1.weight', (64, 64, 3, 3)),
    ('layer1.1.bn1.weight', (64,)),
    ('layer1.1.bn1.bias', (64,)),
    ('layer1.1.bn1.running_mean', (64,)),
    ('layer1.1.bn1.running_var', (64,)),
    ('layer1.1.bn1.num_batches_tracked', ()),
    ('layer1.1.conv2.weight', (64, 64, 3, 3)),
    ('layer1.1.bn2.weight', (64,)),
    ('layer1.1.bn2.bias', (64,)),
    ('layer1.1.bn2.running_mean', (64,)),
    ('layer1.1.bn2.running_var', (64,)),
    ('layer1.1.bn2.num_batches_tracked', ()),
    ('layer2.0.conv1.weight', (128, 64, 3, 3)),
    ('layer2.0.bn1.weight', (128,)),
    ('layer2.0.bn1.bias', (128,)),
    ('layer2.0.bn1.running_mean', (128,)),
    ('layer2.0.bn1.running_var', (128,)),
    ('layer2.0.bn1.num_batches_tracked', ()),
    ('layer2.0.conv2.weight', (128, 128, 3, 3)),
    ('layer2.0.bn2.weight', (128,)),
    ('layer2.0.bn2.bias', (128,)),
    ('layer2.0.bn2.running_mean', (128,)),
    ('layer2.0.bn2.running_var', (128,)),
    ('layer2.0.bn2.num_batches_tracked', ()),
    ('layer2.0.downsample.0.weight', (128, 64, 1, 1)),
    ('layer2.0.downsample.1.weight', (128,)),
    ('layer2.0.downsample.1.bias', (128,)),
    ('layer2.0.downsample.1.running_mean', (128,)),
    ('layer2.0.downsample.1.running_var', (128,)),
    ('layer2.0.downsample.1.num_batches_tracked', ()),
    ('layer2.1.conv1.weight', (128, 128, 3, 3)),
    ('layer2.1.bn1.weight', (128,)),
    ('layer2.1.bn1.bias', (128,)),
    ('layer2.1.bn1.running_mean', (128,)),
    ('layer2.1.bn1.running_var', (128,)),
    ('layer2.1.bn1.num_batches_tracked', ()),
    ('layer2.1.conv2.weight', (128, 128, 3, 3)),
    ('layer2.1.bn2.weight', (128,)),
    ('layer2.1.bn2.bias', (128,)),
    ('layer2.1.bn2.running_mean', (128,)),
    ('layer2.1.bn2.running_var', (128,)),
    ('layer2.1.bn2.num_batches_tracked', ()),
    ('layer3.0.conv1.weight', (256, 128, 3, 3)),
    ('layer3.0.bn1.weight', (256,)),
    ('layer3.0.bn1.bias', (256,)),
    ('layer3.0.bn1.running_mean', (256,)),
    ('layer3.0.bn1.running_var', (256,)),
    ('layer3.0.bn1.num_batches_tracked', ()),
    ('layer3.0.conv2.weight', (256, 256, 3, 3)),
    ('layer3.0.bn2.weight', (256,)),
    ('layer3.0.bn2.bias', (256,)),
    ('layer3.0.bn2.running_mean', (256,)),
    ('layer3.0.bn2.running_var', (256,)),
    ('layer3.0.bn2.num_batches_tracked', ()),
    ('layer3.0.downsample.0.weight', (256, 128, 1, 1)),
    ('layer3.0.downsample.1.weight', (256,)),
    ('layer3.0.downsample.1.bias', (256,)),
    ('layer3.0.downsample.1.running_mean', (256,)),
    ('layer3.0.downsample.1.running_var', (256,)),
    ('layer3.0.downsample.1.num_batches_tracked', ()),
    ('layer3.1.conv1.weight', (256, 256, 3, 3)),
    ('layer3.1.bn1.weight', (256,)),
    ('layer3.1.bn1.bias', (256,)),
    ('layer3.1.bn1.running_mean', (256,)),
    ('layer3.1.bn1.running_var', (256,)),
    ('layer3.1.bn1.num_batches_tracked', ()),
    ('layer3.1.conv2.weight', (256, 256, 3, 3)),
    ('layer3.1.bn2.weight', (256,)),
    ('layer3.1.bn2.bias', (256,)),
    ('layer3.1.bn2.running_mean', (256,)),
    ('layer3.1.bn2.running_var', (256,)),
    ('layer3.1.bn2.num_batches_tracked', ()),
    ('layer4.0.conv1.weight', (512, 256, 3, 3)),
    ('layer4.0.bn1.weight', (512,)),
    ('layer4.0.bn1.bias', (512,)),
    ('layer4.0.bn1.running_mean', (512,)),
    ('layer4.0.bn1.running_var', (512,)),
    ('layer4.0.bn1.num_batches_tracked', ()),
    ('layer4.0.conv2.weight', (512, 512, 3, 3)),
    ('layer4.0.bn2.weight', (512,)),
    ('layer4.0.bn2.bias', (512,)),
    ('layer4.0.bn2.running_mean', (512,)),
    ('layer4.0.bn2.running_var', (512,)),
    ('layer4.0.bn2.num_batches_tracked', ()),
    ('layer4.0.downsample.0.weight', (512, 256, 1, 1)),
    ('layer4.0.downsample.1.weight', (512,)),
    ('layer4.0.downsample.1.bias', (512,)),
    ('layer4.0.downsample.1.running_mean', (512,)),
    ('layer4.0.downsample.1.running_var', (512,)),
    ('layer4.0.downsample.1.num_batches_tracked', ()),
    ('layer4.1.conv1.weight', (512, 512, 3, 3)),
    ('layer4.1.bn1.weight', (512,)),
    ('layer4.1.bn1.bias', (512,)),
    ('layer4.1.bn1.running_mean', (512,)),
    ('layer4.1.bn1.running_var', (512,)),
    ('layer4.1.bn1.num_batches_tracked', ()),
    ('layer4.1.conv2.weight', (512, 512, 3, 3)),
    ('layer4.1.bn2.weight', (512,)),
    ('layer4.1.bn2.bias', (512,)),
    ('layer4.1.bn2.running_mean', (512,)),
    ('layer4.1.bn2.running_var', (512,)),
    ('layer4.1.bn2.num_batches_tracked', ()),
    ('fc.weight', (1000, 512)),
    ('fc.bias', (1000,)),
]

TORCHVISION_VGG16 = [
    ('features.0.weight', (64, 3, 3, 3)),
    ('features.0.bias', (64,)),
    ('features.2.weight', (64, 64, 3, 3)),
    ('features.2.bias', (64,)),
    ('features.5.weight', (128, 64, 3, 3)),
    ('features.5.bias', (128,)),
    ('features.7.weight', (128, 128, 3, 3)),
    ('features.7.bias', (128,)),
    ('features.10.weight', (256, 128, 3, 3)),
    ('features.10.bias', (256,)),
    ('features.12.weight', (256, 256, 3, 3)),
    ('features.12.bias', (256,)),
    ('features.14.weight', (256, 256, 3, 3)),
    ('features.14.bias', (256,)),
    ('features.17.weight', (512, 256, 3, 3)),
    ('features.17.bias', (512,)),
    ('features.19.weight', (512, 512, 3, 3)),
    ('features.19.bias', (512,)),
    ('features.21.weight', (512, 512, 3, 3)),
    ('features.21.bias', (512,)),
    ('features.24.weight', (512, 512, 3, 3)),
    ('features.24.bias', (512,)),
    ('features.26.weight', (512, 512, 3, 3)),
    ('features.26.bias', (512,)),
    ('features.28.weight', (512, 512, 3, 3)),
    ('features.28.bias', (512,)),
    ('classifier.0.weight', (4096, 25088)),
    ('classifier.0.bias', (4096,)),
    ('classifier.3.weight', (4096, 4096)),
    ('classifier.3.bias', (4096,)),
    ('classifier.6.weight', (1000, 4096)),
    ('classifier.6.bias', (1000,)),
]


# The CIFAR-10 ResNet-18: torchvision's names with a 3x3 stem and a 10-class fc (no max-pool: no parameters).
CIFAR_RESNET18 = [(k, {"conv1.weight": (64, 3, 3, 3), "fc.weight": (10, 512), "fc.bias": (10,)}.get(k, s))
                  for k, s in TORCHVISION_RESNET18]


def _vgg_bn_features(cfg) -> list[tuple[str, tuple]]:
    """torchvision's ``make_layers(cfg, batch_norm=True)`` as state-dict entries: conv, bn, relu per number, a
    max-pool per "M", each one index of ``features``."""
    entries, index, cin = [], 0, 3
    for c in cfg:
        if c != "M":
            entries += [(f"features.{index}.weight", (c, cin, 3, 3)), (f"features.{index}.bias", (c,))]
            entries += [(f"features.{index + 1}.{name}", (c,)) for name in ("weight", "bias", "running_mean", "running_var")]
            entries.append((f"features.{index + 1}.num_batches_tracked", ()))
            cin = c
        index += 1 if c == "M" else 3
    return entries


# vgg11_bn's features (cfg "A") and the CIFAR head, one Linear(512, 10) named classifier
CIFAR_VGG11_BN = _vgg_bn_features([64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]) + [
    ("classifier.weight", (10, 512)), ("classifier.bias", (10,))]


def _state(name: str) -> list[tuple[str, tuple]]:
    model = compile_graph(templates.load(name)).build()
    return [(key, tuple(value.shape)) for key, value in model.state_dict().items()]


def test_the_expected_lists_are_torchvisions_published_counts():
    assert len(TORCHVISION_RESNET18) == 122
    learnable = [s for k, s in TORCHVISION_RESNET18 if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    assert sum(math.prod(s) for s in learnable) == 11_689_512
    assert len(TORCHVISION_VGG16) == 32 and sum(math.prod(s) for _, s in TORCHVISION_VGG16) == 138_357_544


def test_resnet18_state_dict_is_torchvisions_key_by_key():
    assert _state("resnet18") == TORCHVISION_RESNET18
    assert check(templates.load("resnet18")).total_params == 11_689_512


def test_vgg16_state_dict_is_torchvisions_key_by_key():
    assert _state("vgg16") == TORCHVISION_VGG16
    assert check(templates.load("vgg16")).total_params == 138_357_544


def test_the_cifar_templates_keep_the_usual_state_dict_names():
    assert _state("resnet18_cifar") == CIFAR_RESNET18
    assert _state("vgg11_cifar") == CIFAR_VGG11_BN
    assert len(CIFAR_VGG11_BN) == 8 * 7 + 2 and CIFAR_VGG11_BN[-3][0] == "features.26.num_batches_tracked"  # last BN


def test_resnet18_collapsed_is_a_short_readable_graph():
    doc = templates.load("resnet18")
    assert doc["version"] == 2
    assert len(doc["nodes"]) <= 15
    top = [n["id"] for n in doc["nodes"]]
    assert top == ["x", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flat",
                   "fc", "y"]
    assert {n["params"]["block"] for n in doc["nodes"] if n["type"] == INSTANCE} == {"Stage", "DownStage"}
    assert "BasicBlock" in {b["name"] for b in doc["blocks"]}


def test_the_generated_resnet18_is_a_class_per_block_and_short():
    source = generate(templates.load("resnet18")).source
    lines = source.splitlines()
    # the flat template made 173 lines with 17 separate ReLU attributes and layer1_0_conv1 names
    assert len(lines) <= 140, len(lines)
    for header in ("class BasicBlock(nn.Module):", "class DownBasicBlock(nn.Module):",
                   "class Downsample(nn.Sequential):", "class Stage(nn.Sequential):", "class DownStage(nn.Sequential):",
                   "class Resnet18(nn.Module):"):
        assert header in lines, header
    assert "        self.layer1 = Stage(planes=64)" in lines
    assert "        self.layer2 = DownStage(in_channels=64, planes=128)" in lines
    assert "        layer1 = self.layer1(maxpool);  maxpool = None  # (N, 64, 56, 56)" in lines
    assert "layer1_0" not in source
    assert sum(line.count("nn.ReLU()") for line in lines) == 5     # one per class that uses one, not 17


def test_the_generated_cifar_templates_are_a_class_per_block():
    lines = generate(templates.load("resnet18_cifar")).source.splitlines()
    assert len(lines) <= 140, len(lines)
    for header in ("class BasicBlock(nn.Module):", "class DownStage(nn.Sequential):", "class Resnet18Cifar(nn.Module):"):
        assert header in lines, header
    assert "        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False)" in lines
    assert "        layer1 = self.layer1(relu);  relu = None  # (N, 64, 32, 32)" in lines     # no max-pool before it
    assert "        self.fc = nn.Linear(512, 10)" in lines
    vgg = generate(templates.load("vgg11_cifar")).source.splitlines()
    assert "class Features(nn.Sequential):" in vgg and "        self.classifier = nn.Linear(512, 10)" in vgg
    assert "        features = self.features(x);  x = None  # (N, 512, 1, 1)" in vgg


def test_the_generated_vgg16_is_features_and_classifier():
    source = generate(templates.load("vgg16")).source
    assert "(nn.Sequential):" in source
    model = compile_graph(templates.load("vgg16")).build()
    assert [name for name, _ in model.named_children()][:1] == ["features"]
    assert "classifier" in dict(model.named_children())
    assert isinstance(model.features, torch.nn.Sequential) and len(model.features) == 31
    assert isinstance(model.classifier, torch.nn.Sequential) and len(model.classifier) == 7


def _standalone(name: str, tmp_path, expected: list[tuple[str, tuple]], shape: tuple, classes: int = 1000) -> None:
    """The exported file, run by a python that cannot import NetCanvas: its smoke test passes, and a state
    dict with exactly the expected (torchvision) keys and shapes loads into it with strict=True."""
    doc = templates.load(name)
    gen = generate(doc)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "model.py").write_text(gen.source, encoding="utf-8")
    weights = {key: (torch.randn(shape_) if shape_ else torch.tensor(0)) for key, shape_ in expected}
    for key in weights:
        if key.endswith("running_var"):
            weights[key] = weights[key].abs() + 0.5
    torch.save(weights, tmp_path / "weights.pt")
    script = f"""
import importlib.util, torch
assert importlib.util.find_spec("builder") is None and importlib.util.find_spec("runtime") is None
from model import {gen.class_name}
model = {gen.class_name}()
result = model.load_state_dict(torch.load("weights.pt", weights_only=True), strict=True)
assert not result.missing_keys and not result.unexpected_keys
with torch.no_grad():
    y = model.eval()(torch.randn(1, {", ".join(map(str, shape))}))
print(tuple(y.shape))
"""
    (tmp_path / "check.py").write_text(script)
    env = {"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-E", "-s", "check.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == f"(1, {classes})"


@pytest.mark.slow
def test_the_exported_resnet18_runs_alone_and_loads_torchvision_names_strictly(tmp_path):
    _standalone("resnet18", tmp_path, TORCHVISION_RESNET18, (3, 64, 64))
    smoke = subprocess.run([sys.executable, "-I", "model.py"], cwd=tmp_path, env={"OMP_NUM_THREADS": "1"},
                           capture_output=True, text=True, timeout=300)
    assert smoke.returncode == 0 and "trainable parameters: 11,689,512" in smoke.stdout, smoke.stderr[-2000:]


@pytest.mark.slow
def test_the_exported_vgg16_loads_torchvision_names_strictly(tmp_path):
    _standalone("vgg16", tmp_path, TORCHVISION_VGG16, (3, 32, 32))


@pytest.mark.slow
def test_the_exported_cifar_templates_load_the_usual_names_strictly(tmp_path):
    _standalone("resnet18_cifar", tmp_path / "resnet", CIFAR_RESNET18, (3, 32, 32), classes=10)
    _standalone("vgg11_cifar", tmp_path / "vgg", CIFAR_VGG11_BN, (3, 32, 32), classes=10)


def test_a_torchvision_state_dict_loads_strictly_into_the_app_model():
    model = compile_graph(templates.load("resnet18")).build()
    weights = {key: torch.zeros(shape) for key, shape in TORCHVISION_RESNET18}
    weights["layer3.0.downsample.1.running_var"] = torch.ones(256)
    result = model.load_state_dict(weights, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.equal(model.layer3[0].downsample[1].running_var, torch.ones(256))
