"""Advice: graphs that check, but are probably not what the user means (shown amber on the node)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from builder import templates
from builder.advice import LINEAR_LAST_DIM
from builder.shapes import check
from tests.graphs import chain, doc


def linear_advice(d) -> list[str]:
    result = check(d)
    assert result.ok, [e.message() for e in result.errors]
    return [a.node for a in result.advice if a.code == LINEAR_LAST_DIM]


def test_linear_after_an_image_says_it_acts_on_the_last_dimension():
    result = check(chain(("Linear", {"out_features": 64}), input_shape=(1, 8, 8)))
    (advice,) = result.advice
    assert (advice.code, advice.node) == (LINEAR_LAST_DIM, "n0")
    assert advice.message("en") == ("node n0: Linear acts on the last dimension only: (1, 8, 8) → (1, 8, 64). "
                                    "Add a Flatten before it to use every value?")
    assert "Flatten" in advice.text("zh") and "最后一维" in advice.text("zh")
    assert result.to_json()["advice"][0]["args"] == {"input_shape": [1, 8, 8], "output_shape": [1, 8, 64]}


def test_only_the_first_linear_of_a_chain_and_not_after_a_flatten():
    assert linear_advice(chain(("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 3}),
                               input_shape=(2, 5))) == ["n0"]
    assert linear_advice(chain(("Flatten", {}), ("Linear", {"out_features": 3}), input_shape=(1, 8, 8))) == []
    assert linear_advice(chain(("Linear", {"out_features": 3}), input_shape=(4,))) == []
    conv = chain(("Conv1d", {"out_channels": 4, "kernel_size": 3}), ("ReLU", {}), ("Linear", {"out_features": 3}),
                 input_shape=(2, 16))
    assert linear_advice(conv) == ["n2"]


@pytest.mark.parametrize("layers", [
    [("LSTM", {"hidden_size": 8})],
    [("GRU", {"hidden_size": 8}), ("Dropout", {"p": 0.1})],
    [("RNN", {"hidden_size": 8}), ("LayerNorm", {}), ("Tanh", {})],
    [("TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 16})],
])
def test_a_per_step_linear_after_a_sequence_is_left_alone(layers):
    assert linear_advice(chain(*layers, ("Linear", {"out_features": 3}), input_shape=(10, 4))) == []


def test_a_per_token_linear_after_an_embedding_is_left_alone():
    d = chain(("Embedding", {"num_embeddings": 50, "embedding_dim": 8}), ("Linear", {"out_features": 50}),
              input_shape=(12,), dtype="int64")
    assert linear_advice(d) == []


def test_a_merge_of_a_sequence_and_its_input_is_still_per_step():
    d = doc([("x", "Input", {"shape": [10, 8]}), ("r", "GRU", {"hidden_size": 8}), ("a", "Add", {}),
             ("l", "Linear", {"out_features": 2}), ("y", "Output", {})],
            [("x", "r"), ("x", "a"), ("r", "a", 1), ("a", "l"), ("l", "y")])
    assert linear_advice(d) == []


def test_no_template_gets_this_advice():
    for tpl in templates.list_templates():
        assert linear_advice(tpl.document()) == [], tpl.key


def test_check_json_lists_it_as_advice_and_exits_0(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(chain(("Linear", {"out_features": 64}), input_shape=(1, 8, 8))))
    proc = subprocess.run([sys.executable, "-m", "builder", "check", str(path), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] and [(a["code"], a["node"]) for a in out["advice"]] == [(LINEAR_LAST_DIM, "n0")]
