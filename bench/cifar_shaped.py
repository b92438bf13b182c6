"""CIFAR-shaped training runs for the benches: NetCanvas's trainer and a plain PyTorch loop on the same
model, data, batch size, optimizer, mixed precision and memory layout, in one process.

The data are synthetic, of CIFAR-10's shape (3x32x32 images, 10 classes, each class a colour pattern plus
noise, so the loss falls): a machine lent for measuring has no network.
"""
from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from builder.codegen import compile_graph  # noqa: E402
from builder.shapes import check  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.monitor import run_callbacks  # noqa: E402
from runtime.optim import fused  # noqa: E402
from runtime.prepare import Prepared, Split  # noqa: E402
from runtime.train import Trainer  # noqa: E402

CIFAR_SHAPE = (3, 32, 32)
CLASSES = 10


def _rewired(graph: dict, drop: str) -> dict:
    """``graph`` without the node ``drop``, its input joined to what it fed."""
    into = next(e["source"] for e in graph["edges"] if e["target"] == drop)
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != drop]
    graph["edges"] = [dict(e, source=into) if e["source"] == drop else e for e in graph["edges"] if e["target"] != drop]
    return graph


def _params(graph: dict, node_id: str) -> dict:
    return next(n for n in graph["nodes"] if n["id"] == node_id)["params"]


def resnet18_cifar() -> dict:
    """ResNet-18 for CIFAR-10 (3x3 stem, no max-pool, 10 classes: 11,173,962 parameters): the template
    ``resnet18_cifar`` when there is one, else made from the ImageNet ResNet-18's graph."""
    try:
        return templates.load("resnet18_cifar")
    except KeyError:
        graph = _rewired(copy.deepcopy(templates.load("resnet18")), "maxpool")
    _params(graph, "x")["shape"] = list(CIFAR_SHAPE)
    _params(graph, "conv1").update(kernel_size=3, stride=1, padding=1)
    _params(graph, "fc")["out_features"] = CLASSES
    graph["name"] = "resnet18_cifar"
    return graph


def resnet_small_cifar() -> dict:
    """The small ResNet template (3 residual blocks, 16-64 channels) on 3x32x32 images, 10 classes."""
    graph = copy.deepcopy(templates.load("resnet_small"))
    _params(graph, "x")["shape"] = list(CIFAR_SHAPE)
    _params(graph, "fc")["out_features"] = CLASSES
    return graph


def synthetic_images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images of CIFAR-10's shape (standardised floats) and their labels."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, CLASSES, (n,), generator=gen)
    patterns = torch.randn(CLASSES, *CIFAR_SHAPE, generator=torch.Generator().manual_seed(1234))
    return patterns[labels] * 0.5 + torch.randn(n, *CIFAR_SHAPE, generator=gen), labels


def synthetic_prepared(graph: dict, n_train: int, n_val: int) -> Prepared:
    """What ``runtime.prepare.prepare`` would give for the synthetic set: splits on the host."""
    result = check(graph)
    (x, y), (xv, yv) = synthetic_images(n_train, 0), synthetic_images(n_val, 1)
    return Prepared(mode="classification", task="classification", input_names=["x"], output_names=["y"],
                    train=Split([x], y), val=Split([xv], yv), test=None, preprocess={},
                    class_names=[str(i) for i in range(CLASSES)], data_kind="images", data_name="synthetic_cifar",
                    image_inputs=[True], check=result)


def config(epochs: int, batch: int, device: str, amp: str = "off", **extra) -> TrainConfig:
    return TrainConfig.from_dict({"data": "digits", "epochs": epochs, "batch_size": batch, "lr": 1e-3,
                                  "optimizer": "adam", "seed": 0, "device": device, "amp": amp,
                                  "val_split": 0.2, **extra})


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def app_run(graph: dict, prepared: Prepared, cfg: TrainConfig, monitor: bool = True) -> tuple[float, Trainer]:
    """NetCanvas's trainer (writing a live run folder when ``monitor``): training samples per second."""
    with tempfile.TemporaryDirectory() as tmp:
        callbacks = run_callbacks(Path(tmp)) if monitor else []
        trainer = Trainer(cfg, graph, callbacks=callbacks, prepared=copy.copy(prepared))
        start = time.perf_counter()
        trainer.fit()
        _sync(trainer.device)
        return trainer.samples_seen / (time.perf_counter() - start), trainer


def plain_run(graph: dict, prepared: Prepared, cfg: TrainConfig, like: Trainer) -> float:
    """The reference loop one would write by hand, with the decisions ``like`` (a trainer) made: its device,
    mixed precision and memory layout. Returns training samples per second."""
    device, amp, nhwc = like.device, like.amp, like.channels_last
    fmt = torch.channels_last if nhwc else torch.contiguous_format
    x, y = (t.to(device) for t in (prepared.train.inputs[0], prepared.train.target))
    xv, yv = (t.to(device) for t in (prepared.val.inputs[0], prepared.val.target))
    torch.manual_seed(cfg.seed)
    model = compile_graph(graph).build().to(device, memory_format=fmt)
    net = torch.compile(model) if cfg.compile else model
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr, **fused(params))     # fused on CUDA, as the trainer's
    scaler = torch.amp.GradScaler(device.type, enabled=amp == "fp16")
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    gen = torch.Generator().manual_seed(cfg.seed)
    n, bs, seen = len(x), cfg.batch_size, 0
    start = time.perf_counter()
    for _ in range(cfg.epochs):
        model.train()
        perm = torch.randperm(n, generator=gen).to(device)
        for i in range(0, n - bs + 1, bs):
            idx = perm[i:i + bs]
            with torch.autocast(device.type, dtype=half, enabled=half is not None):
                loss = F.cross_entropy(net(x[idx].contiguous(memory_format=fmt)).float(), y[idx])
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            seen += bs
        model.eval()
        with torch.no_grad(), torch.autocast(device.type, dtype=half, enabled=half is not None):
            float(sum(F.cross_entropy(model(xv[i:i + 512].contiguous(memory_format=fmt)).float(), yv[i:i + 512])
                      for i in range(0, len(xv), 512)))
    _sync(device)
    return seen / (time.perf_counter() - start)


def parameter_count(graph: dict) -> int:
    return sum(p.numel() for p in compile_graph(graph).build().parameters())
