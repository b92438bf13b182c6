"""Transfer learning in the app: start a run from a finished run's weights on another graph, with the
per-layer report before training (AppTest) and the same report saved in the run (runtime.transfer)."""
from __future__ import annotations

import copy

import pytest
import torch

from builder import templates
from runtime import checkpoint, transfer
from runtime.config import TrainConfig
from runtime.train import train
from tests.test_train_page import by_label, env, open_train, start_button  # noqa: F401 (env: a fixture)
from tests.trained_runs import trained_run

SHORT = {"data": "digits", "epochs": 1, "max_steps": 3, "monitor": False}


def narrow_cnn() -> dict:
    """The digits CNN (the app's first graph) with a narrower conv2: conv1 and fc2 fit it, conv2 and fc1 do not."""
    graph = copy.deepcopy(templates.load("digits_cnn"))
    next(n for n in graph["nodes"] if n["id"] == "conv2")["params"]["out_channels"] = 8
    graph["name"] = "narrow"
    return graph


def test_the_report_matches_layers_by_id_and_shape_and_says_why():
    source = {"fc1.weight": torch.zeros(128, 64), "fc1.bias": torch.zeros(128), "fc2.weight": torch.zeros(32, 128),
              "fc2.bias": torch.zeros(32), "extra.weight": torch.zeros(3, 3)}
    layers = {row["layer"]: row for row in transfer.report(source, templates.load("mlp"), frozen=["fc1"])}
    assert {k: v["status"] for k, v in layers.items()} == {"fc1": "loaded", "fc2": "shape", "fc3": "absent",
                                                           "extra": "unused"}
    assert (layers["fc2"]["source_shape"], layers["fc2"]["shape"]) == ([32, 128], [64, 128])
    assert layers["fc1"]["frozen"] and not layers["fc2"]["frozen"]


@pytest.mark.slow
def test_a_run_starts_from_another_graphs_weights_with_the_report_first(env, tmp_path):
    source = trained_run(env["root"], SHORT, narrow_cnn(), label="narrow source")
    at = open_train()
    box = by_label(at.selectbox, "Start from run")
    assert box.options[1].startswith("narrow source")
    box.set_value(source.name).run()
    assert not at.exception, at.exception
    lines = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert lines == ["- **conv1** · loaded: same id and shape \\(16×1×3×3\\)",
                     "- **conv2** · skipped: weight: 8×16×3×3 in the run, 32×16×3×3 here: the shapes differ",
                     "- **fc1** · skipped: weight: 64×32 in the run, 64×128 here: the shapes differ",
                     "- **fc2** · loaded: same id and shape \\(10×64\\)"]
    freeze = by_label(at.multiselect, "Freeze layers")
    assert freeze.options == ["conv1", "fc2"]          # only the layers that take the run's weights
    freeze.set_value(["conv1"]).run()
    assert [m.value for m in at.markdown if m.value.startswith("- **conv1**")] == [
        "- **conv1** ❄ · loaded: same id and shape \\(16×1×3×3\\)"]
    start_button(at).click().run()
    assert not at.exception, at.exception
    cfg = env["started"][0]["config"]
    assert cfg.init_from == str(source / "checkpoint_best.pt") and cfg.freeze == ["conv1"]

    # the run itself: conv1 holds the source's weights and keeps them (frozen), fc2 starts from them and
    # moves; the report is saved in its summary
    trainer, summary = train(cfg.merged(epochs=1, max_steps=3, monitor=False), env["started"][0]["graph"])
    kept = checkpoint.load(cfg.init_from)["state_dict"]
    assert torch.equal(trainer.module.conv1.weight.detach().cpu(), kept["conv1.weight"])
    assert not torch.equal(trainer.module.fc2.weight.detach().cpu(), kept["fc2.weight"])
    saved = {row["layer"]: (row["status"], row["frozen"]) for row in summary["transfer"]["layers"]}
    assert saved == {"conv1": ("loaded", True), "conv2": ("shape", False), "fc1": ("shape", False),
                     "fc2": ("loaded", False)}


def test_a_plain_run_has_no_transfer_report():
    trainer, summary = train(TrainConfig.from_dict(SHORT), templates.load("mlp"))
    assert "transfer" not in summary and "incremental" not in summary
