"""Class-incremental training (runtime.incremental): digits 0-4, then 5-9, with and without replay."""
from __future__ import annotations

import pytest
import torch

from builder import templates
from runtime import incremental, transfer
from runtime.__main__ import given_settings, train_parser
from runtime.config import ConfigError, TrainConfig
from runtime.data import builtin
from runtime.train import train

OLD, NEW = list("01234"), list("56789")
BASE = {"data": "digits", "epochs": 10, "monitor": False, "seed": 0}
EWC_LAMBDA = 3000.0     # measured: 1000 keeps 0.26 of the old digits, 3000 0.33, 10000 0.32 (new ones 0.94, 0.91, 0.87)


def _old_class_accuracy(trainer) -> float:
    """Accuracy over the old classes' validation samples, straight from the module: not from the report."""
    val = trainer.data.val
    trainer.module.eval()
    with torch.no_grad():
        pred = trainer.module(*val.inputs).argmax(1)
    old = val.target < len(OLD)
    return float((pred[old] == val.target[old]).float().mean())


@pytest.mark.slow
def test_replay_and_ewc_keep_old_digits_that_plain_training_forgets(tmp_path):
    graph = templates.load("mlp")
    first, _ = train(TrainConfig.from_dict({**BASE, "classes": OLD}), graph, run_dir=tmp_path / "old")
    assert first.module.fc3.out_features == 5 and first.data.class_names == OLD
    ckpt = str(tmp_path / "old" / "checkpoint_last.pt")
    runs = {}
    for name, extra in (("plain", {}), ("replay", {"replay": 20}), ("ewc", {"ewc": EWC_LAMBDA})):
        cfg = TrainConfig.from_dict({**BASE, "classes": NEW, "init_from": ckpt, **extra})
        runs[name] = train(cfg, graph)
    for name, (trainer, summary) in runs.items():
        report = summary["incremental"]
        assert trainer.data.class_names == OLD + NEW and trainer.module.fc3.out_features == 10
        assert report["before"]["old"] >= 0.9, name         # the old rows were kept: it starts knowing 0-4
        assert report["before"]["new"] == 0.0, name
        assert summary["new_acc"] >= 0.85, name
        assert summary["old_acc"] == pytest.approx(_old_class_accuracy(trainer), abs=1e-6)
    assert runs["plain"][1]["old_acc"] <= 0.2
    assert runs["replay"][1]["old_acc"] >= 0.8
    # EWC alone cannot stop the new classes' fresh rows from outvoting the old ones (no old sample is seen),
    # but keeping the weights the old classes used keeps a good share of them (0.33 against 0.00)
    assert runs["ewc"][1]["old_acc"] >= runs["plain"][1]["old_acc"] + 0.2
    counts = runs["replay"][1]["incremental"]["train_counts"]
    assert [counts[c] for c in OLD] == [20] * 5 and min(counts[c] for c in NEW) > 100
    assert [row["status"] for row in runs["replay"][1]["transfer"]["layers"]] == ["loaded", "loaded", "grown"]


def test_the_grown_output_layer_keeps_the_old_rows_and_the_new_rows_fresh():
    old = {"head.weight": torch.randn(5, 4), "head.bias": torch.randn(5), "body.weight": torch.randn(3, 4)}
    own = {"head.weight": torch.randn(10, 4), "head.bias": torch.randn(10), "body.weight": torch.randn(2, 4)}
    loaded, rows = transfer.match(old, own, grow=("head",))
    assert torch.equal(loaded["head.weight"][:5], old["head.weight"])
    assert torch.equal(loaded["head.weight"][5:], own["head.weight"][5:])
    assert torch.equal(loaded["head.bias"][:5], old["head.bias"]) and "body.weight" not in loaded
    assert {r["key"]: r["status"] for r in rows} == {"head.weight": "grown", "head.bias": "grown", "body.weight": "shape"}
    _, rows = transfer.match(old, own)       # not an incremental run: nothing grows
    assert {r["status"] for r in rows} == {"shape"}


def test_the_classes_are_selected_and_labelled_old_ones_first():
    digits = builtin.load("digits")
    plan = incremental.ClassPlan(old=["7"], new=["2"])
    chosen = incremental.select(digits, plan)
    names = digits.class_names
    assert chosen.class_names == ["7", "2"]
    assert len(chosen) == int(((digits.target == names.index("7")) | (digits.target == names.index("2"))).sum())
    first = digits.inputs["x"][digits.target == names.index("7")][0]
    assert torch.equal(chosen.inputs["x"][chosen.target == 0][0], first)
    with pytest.raises(ConfigError) as err:
        incremental.select(digits, incremental.ClassPlan(old=[], new=["cat"]))
    assert err.value.code == "incremental.unknown_class" and "cat" in err.value.message("en")


def test_the_replay_buffer_holds_at_most_n_of_each_old_class():
    from runtime.prepare import Split
    target = torch.tensor([0] * 30 + [1] * 5 + [2] * 40)
    split = Split([torch.arange(75).float()[:, None]], target)
    plan = incremental.ClassPlan(old=["a", "b"], new=["c"])
    (inputs, kept), _ = incremental.split_train(split, plan, replay=20, ewc=0.0, seed=0)
    assert [int((kept == k).sum()) for k in range(3)] == [20, 5, 40]
    assert plan.replayed == 25


def test_the_settings_and_their_refusals():
    args = train_parser().parse_args(["g.json", "--classes", "5, 6,7", "--replay", "20", "--ewc", "100"])
    assert given_settings(args) == {"classes": ["5", "6", "7"], "replay": 20, "ewc": 100.0}
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"classes": ["1"], "replay": 21})
    assert err.value.code == "train.config_range"
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"replay": 5})
    assert err.value.code == "train.not_applicable_needs"
    with pytest.raises(ConfigError) as err:
        incremental.plan(TrainConfig.from_dict({"classes": ["1"], "replay": 5}))
    assert err.value.code == "incremental.needs_old"


def test_an_output_fed_by_a_layer_without_rows_is_refused_naming_it():
    graph = templates.load("mlp")
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "fc3"]
    graph["edges"] = [e for e in graph["edges"] if "fc3" not in (e["source"], e["target"])]
    graph["edges"].append({"source": "flat", "target": "y"})
    with pytest.raises(ConfigError) as err:
        incremental.head_node(graph)
    assert err.value.code == "incremental.head" and "flat" in err.value.message("zh")
    assert incremental.head_node(templates.load("mlp")) == "fc3"
