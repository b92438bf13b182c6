"""No setting is silently ignored; label smoothing is per mode and has its effect; a final Softmax
under cross-entropy is advice on the node, in the run and in the CLI, with a fix."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from builder import templates
from builder.advice import final_softmax_nodes, without_final_softmax
from builder.shapes import check
from runtime.__main__ import main as runtime_cli
from runtime.config import ConfigError, TrainConfig, inapplicable
from runtime.train import train
from tests.graphs import chain

IRIS_MLP = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 3}), input_shape=(4,))
DIABETES = chain(("Linear", {"out_features": 1}), input_shape=(10,))


# -- label smoothing ---------------------------------------------------------------------------------
def test_label_smoothing_is_off_outside_gan_and_point_one_for_gan():
    cfg = TrainConfig()
    assert cfg.label_smoothing == 0.0
    assert cfg.resolved("classification").label_smoothing == 0.0 and cfg.resolved("gan").label_smoothing == 0.1
    assert TrainConfig(label_smoothing=0.2).resolved("gan").label_smoothing == 0.2


@pytest.mark.slow
def test_label_smoothing_is_torchs_and_makes_the_classifier_less_sure():
    trainer, _ = train(TrainConfig.from_dict({"data": "iris", "epochs": 1, "label_smoothing": 0.3, "seed": 0}),
                       IRIS_MLP)
    inputs, target = trainer.data.val.take(slice(0, 30))
    loss, _ = trainer.task.loss(inputs, target, train=False)
    logits = trainer.module(*inputs)
    assert float(loss) == pytest.approx(float(F.cross_entropy(logits, target, label_smoothing=0.3)), rel=1e-5)

    def confidence(smoothing: float) -> float:
        t, _ = train(TrainConfig.from_dict({"data": "iris", "epochs": 150, "lr": 0.02, "seed": 0,
                                            "label_smoothing": smoothing}), IRIS_MLP)
        with torch.no_grad():
            return float(torch.softmax(t.module(*t.data.val.inputs), 1).max(1).values.mean())
    assert confidence(0.3) < confidence(0.0) - 0.05


# -- settings that do not apply are refused, with where they apply ----------------------------------------
@pytest.mark.parametrize("config, mode, code", [
    ({"optimizer": "adam", "momentum": 0.5}, None, "train.not_applicable_optimizer"),
    ({"schedule": "none", "step_size": 3}, None, "train.not_applicable_schedule"),
    ({"es_patience": 3}, None, "train.not_applicable_needs"),
    ({"resume": True}, None, "train.not_applicable_needs"),
    ({"mode": "regression", "label_smoothing": 0.1}, "regression", "train.not_applicable_mode"),
    ({"mode": "classification", "beta": 2.0}, "classification", "train.not_applicable_mode"),
    ({"mode": "gan", "lr": 0.01}, "gan", "train.not_applicable_mode"),
    ({"mode": "gan", "test_split": 0.2}, "gan", "train.not_applicable_mode"),
])
def test_a_setting_without_effect_is_refused_with_a_reason(config, mode, code):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict(config)
    assert info.value.code == code
    message = info.value.message("en")
    assert "has no effect" in message and list(config)[-1] in message


def test_the_mode_rules_apply_once_auto_is_resolved(tmp_path):
    cfg = TrainConfig.from_dict({"data": "diabetes", "label_smoothing": 0.1, "epochs": 1})   # auto: not known yet
    with pytest.raises(ConfigError) as info:
        train(cfg, DIABETES)
    assert info.value.code == "train.not_applicable_mode" and info.value.info["mode"] == "regression"


def test_defaults_and_zero_count_as_not_given():
    assert inapplicable(TrainConfig(), "regression") == []
    assert inapplicable(TrainConfig(label_smoothing=0.0), "regression") == []


@pytest.mark.parametrize("args, needle", [
    (["--data", "iris", "--augment", "rotation=0.3"], "Augmentation applies to images"),
    (["--data", "iris", "--config", "{cfg}"], "has no effect"),
])
def test_the_cli_refuses_what_it_would_ignore(tmp_path, capsys, args, needle):
    graph = tmp_path / "g.json"
    graph.write_text(json.dumps(IRIS_MLP))
    (tmp_path / "cfg.json").write_text(json.dumps({"optimizer": "sgd", "beta2": 0.9}))
    args = [a.replace("{cfg}", str(tmp_path / "cfg.json")) for a in args]
    code = runtime_cli(["train", str(graph), "--epochs", "1", "--out", str(tmp_path / "run"), *args])
    err = capsys.readouterr().err
    assert code == 1 and needle in err and "Traceback" not in err


# -- configs of earlier runs still read (migrated) ----------------------------------------------------
def test_a_version_one_config_drops_what_never_had_an_effect():
    old = {"mode": "classification", "optimizer": "adam", "momentum": 0.5, "label_smoothing": 0.1,
           "schedule": "none", "min_lr": 1e-5, "epochs": 3}
    with pytest.raises(ConfigError):
        TrainConfig.from_dict(old)       # as a new config: refused
    cfg = TrainConfig.from_saved(old)    # as an earlier run's: read, as it trained
    assert cfg.label_smoothing == 0.0 and cfg.momentum == 0.9 and cfg.min_lr == 0.0 and cfg.epochs == 3
    gan = TrainConfig.from_saved({"mode": "gan", "label_smoothing": 0.1, "lr": 0.001})
    assert gan.label_smoothing == 0.1
    assert TrainConfig.from_saved(TrainConfig().to_dict()) == TrainConfig()


# -- a final Softmax under cross-entropy ----------------------------------------------------------------
SOFTMAX_LAST = chain(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 3}),
                     ("Softmax", {}), input_shape=(4,))


def test_a_final_softmax_is_advice_on_its_node_not_an_error():
    result = check(SOFTMAX_LAST)
    assert result.ok and [(a.code, a.node) for a in result.advice] == [("advice.softmax_last", "n3")]
    assert result.to_json()["advice"][0]["node"] == "n3"
    mid = chain(("Linear", {"out_features": 3}), ("Softmax", {}), ("Linear", {"out_features": 3}), input_shape=(4,))
    assert check(mid).advice == []


@pytest.mark.slow
def test_the_fix_trains_on_logits_and_learns_faster():
    fixed = without_final_softmax(SOFTMAX_LAST, check(SOFTMAX_LAST))
    assert check(fixed).ok and not final_softmax_nodes(check(fixed))
    assert [n["type"] for n in fixed["nodes"]] == ["Input", "Linear", "ReLU", "Linear", "Output"]
    cfg = TrainConfig.from_dict({"data": "iris", "epochs": 40, "lr": 0.01, "seed": 0})
    slow, s_slow = train(cfg, SOFTMAX_LAST)
    _, s_fixed = train(cfg, fixed)
    assert s_slow["advice"][0]["code"] == "train.softmax_last" and "advice" not in s_fixed
    assert s_fixed["val_loss"] < s_slow["val_loss"]


def test_no_advice_when_the_loss_is_not_cross_entropy():
    log_softmax = chain(("Linear", {"out_features": 3}), ("LogSoftmax", {}), input_shape=(4,))
    _, summary = train(TrainConfig.from_dict({"data": "iris", "epochs": 1}), log_softmax)
    assert "advice" not in summary


# -- the standard sets' own defaults ---------------------------------------------------------------------------
STANDARD = {  # epochs, batch, optimizer, rate, schedule, augmentation, validation share
    "mnist": (3, 64, "adam", 2e-3, "cosine", {}, 0.1),
    "fashion_mnist": (5, 64, "adam", 2e-3, "cosine", {}, 0.1),
    "kmnist": (3, 64, "adam", 2e-3, "cosine", {}, 0.1),
    "cifar10": (30, 128, "adam", 1e-3, "cosine", {"pad_crop": 4.0, "hflip": 0.5}, 0.1),
    "cifar100": (30, 128, "adam", 1e-3, "cosine", {"pad_crop": 4.0, "hflip": 0.5}, 0.1),
}


@pytest.mark.parametrize("data", STANDARD)
def test_the_standard_sets_train_with_their_own_defaults_unless_told(data):
    c = TrainConfig(data=data).resolved("classification", data)
    assert (c.epochs, c.batch_size, c.optimizer, c.lr, c.schedule, c.augment, c.val_split) == STANDARD[data]
    told = TrainConfig(data=data, epochs=1, augment={"rotation": 5.0}).resolved("classification", data)
    assert (told.epochs, told.augment) == (1, {"rotation": 5.0})


def test_the_cifar_crop_is_the_usual_four_pixel_padded_crop():
    """CIFAR's default pad_crop moves an image by whole pixels, up to 4 each way, as a crop of a 4-padded image."""
    from runtime.data.augment import Augmenter
    x = torch.zeros(512, 1, 32, 32)
    x[:, :, 16, 16] = 1.0
    crop = TrainConfig().resolved("classification", "cifar10").augment["pad_crop"]
    shifted = Augmenter({"pad_crop": crop})(x)
    assert torch.equal(shifted.flatten(1).sum(1), torch.ones(512))      # whole pixels: the dot is moved, not blurred
    peak = shifted.flatten(1).argmax(1)
    dy, dx = peak // 32 - 16, peak % 32 - 16
    assert int(dy.abs().max()) == 4 and int(dx.abs().max()) == 4
