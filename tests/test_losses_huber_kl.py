"""The losses huber (with huber_delta) and kl_div: the app's loss is torch.nn.functional's and a plain
formula's, the exported train.py computes the same, and kl_div refuses class labels with the reason."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from runtime.config import ConfigError, TrainConfig
from runtime.prepare import Split
from runtime.train import train
from tests.graphs import chain
from tests.test_export_script import load_script, write_script

REGRESSOR = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 1}), input_shape=(10,))


def _fit(graph, **cfg):
    cfg.setdefault("seed", 0)
    return train(TrainConfig.from_dict(cfg), graph)


def _outputs(trainer, split: Split) -> torch.Tensor:
    trainer.module.eval()
    with torch.no_grad():
        return trainer.module(*split.inputs).float()


def _plain_huber(error: torch.Tensor, delta: float) -> float:
    a = error.abs().double()
    return float(torch.where(a < delta, 0.5 * a ** 2, delta * (a - delta / 2)).mean())


@pytest.mark.parametrize("delta", [0.3, 2.0])
def test_huber_loss_is_torchs_with_the_delta_given(delta):
    trainer, summary = _fit(REGRESSOR, data="diabetes", epochs=3, lr=0.01, loss="huber", huber_delta=delta)
    val = trainer.data.val
    out = _outputs(trainer, val)
    target = val.target.reshape(out.shape).float()
    assert summary["val_loss"] == pytest.approx(float(F.huber_loss(out, target, delta=delta)), rel=1e-4)
    assert summary["val_loss"] == pytest.approx(_plain_huber(out - target, delta), rel=1e-4)
    assert summary["val_loss"] < trainer.history[0]["val_loss"]      # it learns


def test_huber_delta_is_refused_for_another_loss():
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"loss": "mse", "huber_delta": 0.5}).resolved("regression")
    assert info.value.code == "train.not_applicable_loss"
    assert "huber" in info.value.message()


def _soft_targets(tmp_path, n=240, k=4):
    """Inputs and the softmax of a fixed linear map of them: targets that are distributions."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    logits = x @ rng.normal(size=(6, k)) * 1.5
    y = np.exp(logits - logits.max(1, keepdims=True))
    path = tmp_path / "soft.npz"
    np.savez(path, x=x, y=(y / y.sum(1, keepdims=True)).astype(np.float32))
    return path


def test_kl_div_is_torchs_and_learns_target_distributions(tmp_path):
    graph = chain(("Linear", {"out_features": 4}), input_shape=(6,))
    trainer, summary = _fit(graph, upload=str(_soft_targets(tmp_path)), mode="regression", loss="kl_div",
                            epochs=8, lr=0.1, batch_size=32)
    val = trainer.data.val
    log_p = F.log_softmax(_outputs(trainer, val), dim=1)
    q = val.target.float()
    assert summary["val_loss"] == pytest.approx(float(F.kl_div(log_p, q, reduction="batchmean")), rel=1e-4)
    plain = float((q.double() * (q.double().log() - log_p.double())).sum(1).mean())   # Σ q·log(q/p) per sample
    assert summary["val_loss"] == pytest.approx(plain, rel=1e-4)
    assert summary["val_loss"] < trainer.history[0]["val_loss"] / 3
    predicted = trainer.task.predict(val)            # the distributions themselves
    assert torch.allclose(predicted.sum(1), torch.ones(len(predicted)), atol=1e-5)


def test_kl_div_refuses_class_labels_with_the_reason():
    with pytest.raises(ConfigError) as info:
        _fit(chain(("Flatten", {}), ("Linear", {"out_features": 10}), input_shape=(1, 8, 8)), data="digits",
             loss="kl_div", epochs=1)
    assert info.value.code == "train.kl_div_labels"
    assert "cross_entropy" in info.value.message() and "交叉熵" not in info.value.message()
    assert "类别标签" in info.value.message("zh")


def test_kl_div_refuses_targets_that_are_not_distributions():
    with pytest.raises(ConfigError) as info:
        _fit(REGRESSOR, data="diabetes", loss="kl_div", epochs=1)
    assert info.value.code == "train.kl_div_shape" and "[1]" in info.value.message()


def test_exported_script_computes_the_same_losses(tmp_path):
    script = write_script(tmp_path, REGRESSOR, {"data": "diabetes", "mode": "regression", "loss": "huber",
                                                "huber_delta": 0.7})
    module = load_script(script)
    assert module.CONFIG["huber_delta"] == 0.7
    model = module.Chain()
    x, y = torch.randn(8, 10), torch.randn(8, 1)
    loss, _ = module.batch_loss(model, [x], y)
    assert torch.allclose(loss, F.huber_loss(model(x), y, delta=0.7))
    graph = chain(("Linear", {"out_features": 4}), input_shape=(6,))
    script = write_script(tmp_path, graph, {"upload": "soft.npz", "mode": "regression", "loss": "kl_div"},
                          _npz_record())
    module = load_script(script)
    model = module.Chain()
    x, q = torch.randn(8, 6), torch.softmax(torch.randn(8, 4), 1)
    loss, _ = module.batch_loss(model, [x], q)
    assert torch.allclose(loss, F.kl_div(F.log_softmax(model(x), 1), q, reduction="batchmean"))


def _npz_record():
    return {"version": 1, "data": "soft.npz", "kind": "tabular", "task": "regression",
            "inputs": {"x": {"shape": [6], "dtype": "float32"}}, "fill": {}, "normalize": {}, "target": None,
            "reshape": {"x": {"source": "x", "from": [6], "to": [6]}}, "class_names": None, "feature_names": None,
            "vocab": None, "tokens": None, "csv": None, "image": None}
