"""Trained runs for the export tests.

With the data layer (runtime.data) importable, runs come from the real trainer
(``runtime.train.train`` writing a run folder). Until then they are built here: a
short plain-PyTorch training of the compiled graph on scikit-learn data, a preprocess
record in the data layer's format, saved with ``runtime.checkpoint.save``.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from builder.codegen import compile_graph
from runtime import checkpoint
from runtime.config import TrainConfig
from runtime.export.script import fallback_record

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "builder" / "templates"


def _has_data_layer() -> bool:
    try:
        return importlib.util.find_spec("runtime.data") is not None and importlib.util.find_spec("runtime.prepare") \
            is not None and _importable("runtime.train")
    except (ImportError, ValueError):
        return False


def _importable(name: str) -> bool:
    try:
        __import__(name)
        return True
    except ImportError:
        return False


HAS_DATA_LAYER = _has_data_layer()


def template(name: str) -> dict:
    return json.loads((TEMPLATES / f"{name}.json").read_text())


def sklearn_data(name: str):
    from sklearn import datasets
    if name == "digits":
        b = datasets.load_digits()
        return torch.from_numpy(np.asarray(b.images / 16.0, dtype=np.float32)).unsqueeze(1), \
            torch.from_numpy(b.target.astype(np.int64))
    if name == "diabetes":
        b = datasets.load_diabetes(scaled=False)
        return torch.from_numpy(b.data.astype(np.float32)), torch.from_numpy(b.target.astype(np.float32)).reshape(-1, 1)
    b = getattr(datasets, f"load_{name}")()
    return torch.from_numpy(b.data.astype(np.float32)), torch.from_numpy(b.target.astype(np.int64))


def make_run(tmp: Path, graph: dict, config: dict, mode: str, discriminator: dict | None = None,
             steps: int = 40) -> Path:
    """A run folder holding ``checkpoint_last.pt`` for ``graph`` trained briefly on ``config["data"]``."""
    run_dir = Path(tmp) / f"run-{graph['name']}-{mode}"
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg = TrainConfig.from_dict({**config, "mode": mode})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny models: one thread is fastest, above all on a busy machine
    try:
        if HAS_DATA_LAYER:
            from runtime.train import train
            rate = "g_lr" if mode == "gan" else "lr"     # a GAN's learning rates are its own
            cfg = TrainConfig.from_dict({**cfg.to_dict(), "max_steps": steps, "epochs": 100, "monitor": False,
                                         rate: config.get(rate, 3e-3)})
            train(cfg, graph, discriminator, run_dir=run_dir)
            return run_dir
        return _manual_run(run_dir, cfg, graph, mode, discriminator, steps)
    finally:
        torch.set_num_threads(threads)


def _manual_run(run_dir: Path, cfg: TrainConfig, graph: dict, mode: str, discriminator, steps: int) -> Path:
    compiled = compile_graph(graph)
    result = compiled.generated.result
    bind_to = compile_graph(discriminator).generated.result if mode == "gan" else result
    record = fallback_record(cfg, result, bind_to, mode)
    x, y = sklearn_data(cfg.data)
    from runtime.data import portable
    train_idx, _, _ = portable.split_indices(len(x), y if record["task"] == "classification" else None,
                                       cfg.val_split, cfg.test_split, cfg.seed)
    inputs = portable.to_model_inputs(record, {"x": x})
    xs = inputs[next(iter(inputs))][train_idx]
    ys = portable.target_standardize(record, y[train_idx]) if mode == "regression" else y[train_idx]
    torch.manual_seed(cfg.seed)
    model = compiled.build()
    disc = compile_graph(discriminator).build() if mode == "gan" else None
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    d_opt = torch.optim.Adam(disc.parameters(), lr=1e-3) if disc is not None else None
    g = torch.Generator().manual_seed(0)
    for step in range(steps):
        idx = torch.randint(0, len(xs), (32,), generator=g)
        xb, yb = xs[idx], ys[idx]
        if mode == "classification":
            loss = F.cross_entropy(model(xb), yb)
        elif mode == "regression":
            loss = F.mse_loss(model(xb), yb)
        elif mode == "autoencoder":
            loss = F.mse_loss(model(xb), xb)
        elif mode == "vae":
            recon, mu, logvar = model(xb)
            loss = F.binary_cross_entropy(recon.clamp(1e-6, 1 - 1e-6), xb, reduction="sum") / len(xb) \
                - 0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum() / len(xb)
        else:
            z = torch.randn(32, *model.input_shapes[model.input_names[0]])
            d_loss = F.binary_cross_entropy_with_logits(disc(xb), torch.ones(32, 1)) + \
                F.binary_cross_entropy_with_logits(disc(model(z).detach()), torch.zeros(32, 1))
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            loss = F.binary_cross_entropy_with_logits(disc(model(z)), torch.ones(32, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    content = dict(state_dict=checkpoint.unwrap_state_dict(model), optimizer=opt.state_dict(), schedule={},
                   epoch=1, step=steps, graph=graph, config=cfg.to_dict(), preprocess=record,
                   class_names=record["class_names"], input_names=list(model.input_names),
                   output_names=list(model.output_names), mode=mode)
    if disc is not None:
        content.update(discriminator_state_dict=checkpoint.unwrap_state_dict(disc), d_optimizer=d_opt.state_dict(),
                       discriminator_graph=discriminator)
    checkpoint.save(run_dir / "checkpoint_last.pt", **content)
    return run_dir


def untrained_run(tmp: Path, graph: dict, mode: str, record: dict | None = None, seed: int = 0) -> Path:
    """A checkpoint of a freshly initialised model (BatchNorm statistics made non-trivial), for
    exports that need weights but no training: recurrent, token and multi-input models."""
    compiled = compile_graph(graph)
    torch.manual_seed(seed)
    model = compiled.build()
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if name.endswith("running_mean"):
                buf.uniform_(-0.5, 0.5)
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
    result = compiled.generated.result
    if record is None:
        cfg = TrainConfig.from_dict({"data": str(graph.get("meta", {}).get("data") or "digits"), "mode": mode})
        record = fallback_record(cfg, result, result, mode)
    run_dir = Path(tmp) / f"untrained-{graph['name']}-{mode}"
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.save(run_dir / "checkpoint_last.pt", state_dict=checkpoint.unwrap_state_dict(model), epoch=0, step=0,
                    graph=graph, config={"mode": mode, "data": record.get("data") or "digits"}, preprocess=record,
                    class_names=record.get("class_names"), input_names=list(model.input_names),
                    output_names=list(model.output_names), mode=mode)
    return run_dir
