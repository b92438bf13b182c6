"""MultiheadAttention (issue 19): the layer equals torch.nn.MultiheadAttention with the same weights (self- and
cross-attention, padded keys masked), its shape errors name the node, the exported file computes what the
compiled model computes, the trainer records the attention weights, and the text_transformer template has at
most half the text_lstm template's parameters (its accuracy is measured in bench/attention_bench.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from builder import templates
from builder.codegen import build_model, generate
from builder.shapes import check
from runtime import runfiles
from runtime.attention_record import attention_layers, attention_weights
from runtime.config import TrainConfig
from runtime.train import train
from tests.graphs import doc
from tests.test_codegen import _import_file


def self_attention_graph(length=6, width=8, heads=2, **params):
    return doc([("x", "Input", {"shape": [length, width]}),
                ("attn", "MultiheadAttention", {"num_heads": heads, **params}), ("y", "Output", {})],
               [("x", "attn"), ("attn", "y")])


def cross_attention_graph(length=5, memory=7, width=8, heads=4):
    return doc([("q", "Input", {"shape": [length, width]}), ("m", "Input", {"shape": [memory, width]}),
                ("attn", "MultiheadAttention", {"num_heads": heads}), ("y", "Output", {})],
               [("q", "attn", 0), ("m", "attn", 1), ("attn", "y")])


def token_graph(length=6, width=8, heads=2, padding_idx=0, mask_padding=True):
    return doc([("tokens", "Input", {"shape": [length], "dtype": "int64"}),
                ("embed", "Embedding", {"num_embeddings": 20, "embedding_dim": width, "padding_idx": padding_idx}),
                ("attn", "MultiheadAttention", {"num_heads": heads, "mask_padding": mask_padding}),
                ("y", "Output", {})],
               [("tokens", "embed"), ("embed", "attn"), ("attn", "y")])


def torch_twin(layer: nn.MultiheadAttention) -> nn.MultiheadAttention:
    """torch's own layer, made independently, given the same weights."""
    twin = nn.MultiheadAttention(layer.embed_dim, layer.num_heads, batch_first=True)
    twin.load_state_dict(layer.state_dict())
    return twin.eval()


def test_self_attention_equals_torch_with_the_same_weights():
    torch.manual_seed(0)
    model = build_model(self_attention_graph()).eval()
    x = torch.randn(3, 6, 8)
    expected, _ = torch_twin(model.attn)(x, x, x)
    torch.testing.assert_close(model(x), expected)
    assert check(self_attention_graph()).total_params == sum(p.numel() for p in model.parameters())


def test_cross_attention_reads_keys_and_values_from_port_1():
    torch.manual_seed(1)
    model = build_model(cross_attention_graph()).eval()
    q, m = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    expected, _ = torch_twin(model.attn)(q, m, m)
    out = model(q, m)
    assert out.shape == (2, 5, 8)
    torch.testing.assert_close(out, expected)


def test_padded_tokens_get_no_attention():
    torch.manual_seed(2)
    model = build_model(token_graph()).eval()
    tokens = torch.tensor([[0, 0, 3, 4, 5, 6], [0, 0, 0, 0, 7, 8], [1, 2, 3, 4, 5, 6]])
    emb = model.embed(tokens)
    expected, _ = torch_twin(model.attn)(emb, emb, emb, key_padding_mask=tokens == 0)
    torch.testing.assert_close(model(tokens), expected)
    # the plain truth: the real words' outputs do not depend on how much padding precedes them
    short = build_model(token_graph(length=2)).eval()
    short.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(tokens[1:2])[:, 4:], short(tokens[1:2, 4:]))
    # without the mask the padding leaks in
    unmasked = build_model(token_graph(mask_padding=False)).eval()
    unmasked.load_state_dict(model.state_dict())
    assert (unmasked(tokens[1:2])[:, 4:] - short(tokens[1:2, 4:])).abs().max() > 1e-3


def test_a_sentence_of_padding_only_gives_numbers_not_nan():
    model = build_model(token_graph()).eval()
    assert torch.isfinite(model(torch.zeros(2, 6, dtype=torch.long))).all()


def test_shape_errors_name_the_node_and_both_sizes():
    heads = check(self_attention_graph(width=8, heads=3))
    assert [(e.code, e.node) for e in heads.errors] == [("attention.heads", "attn")]
    assert heads.errors[0].args["embed_dim"] == 8 and heads.errors[0].args["num_heads"] == 3
    wrong = cross_attention_graph()
    wrong["nodes"][1]["params"]["shape"] = [7, 6]
    errors = check(wrong).errors
    assert [(e.code, e.node) for e in errors] == [("attention.kv_size", "attn")]
    assert errors[0].args["kv_size"] == 6 and errors[0].args["embed_dim"] == 8
    assert "port 1" in errors[0].message("en") and "端口 1" in errors[0].message("zh")


def test_the_exported_file_computes_what_the_compiled_model_computes(tmp_path):
    graph = token_graph()
    source = generate(graph).source
    assert "key_padding_mask" in source and "import torch" in source
    path = tmp_path / "model.py"
    path.write_text(source)
    module = _import_file(path, "exported_attention")
    torch.manual_seed(3)
    compiled = build_model(graph).eval()
    exported = module.Test().eval()
    exported.load_state_dict(compiled.state_dict())
    tokens = torch.tensor([[0, 0, 0, 4, 5, 6], [9, 8, 7, 6, 5, 4]])
    torch.testing.assert_close(exported(tokens), compiled(tokens))


def test_recorded_weights_are_torchs_and_zero_on_padding():
    torch.manual_seed(4)
    model = build_model(token_graph()).eval()
    tokens = torch.tensor([[0, 0, 3, 4, 5, 6]])
    layers = attention_layers({"attn": "attn"}, model)
    weights = attention_weights(model, layers, [tokens])["attn"]
    emb = model.embed(tokens)
    _, expected = torch_twin(model.attn)(emb, emb, emb, key_padding_mask=tokens == 0)
    np.testing.assert_allclose(weights, expected.detach().numpy(), atol=1e-6)
    assert weights.shape == (1, 6, 6) and np.all(weights[:, :, :2] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_run_writes_attention_npz_for_the_train_page(tmp_path):
    graph = templates.get("text_transformer").document()
    cfg = TrainConfig.from_dict({"data": "sentiment", "data_options": {"n_samples": 200}, "epochs": 1,
                                 "batch_size": 50, "seed": 0})
    train(cfg, graph, run_dir=tmp_path)
    arrays = runfiles.read_npz(tmp_path / runfiles.ATTENTION)
    assert arrays["weights__attn"].shape == (4, 16, 16) and arrays["tokens"].shape == (4, 16)
    padded = arrays["tokens"] == 0
    assert padded.any() and np.all(arrays["weights__attn"][padded[:, None, :].repeat(16, 1)] == 0)
    from ui.attention_view import vocab_of      # the page labels the positions with the data's words
    assert vocab_of(runfiles.read_json(tmp_path / runfiles.PREPROCESS))[:3] == ["<pad>", "<unk>", "a"]


def test_the_transformer_template_has_at_most_half_the_lstm_parameters():
    count = {key: check(templates.get(key).document()).total_params for key in ("text_lstm", "text_transformer")}
    assert count["text_transformer"] <= count["text_lstm"] / 2


def test_the_train_page_figure_shows_words_without_the_padding():
    from ui.attention_view import attention_figure
    tokens = np.array([0, 0, 2, 1])
    weights = np.array([[0, 0, .5, .5], [0, 0, .5, .5], [0, 0, .9, .1], [0, 0, .3, .7]])
    figure = attention_figure(weights, tokens, ["<pad>", "good", "not", "very"], "en")
    heat = figure.data[0]
    assert list(heat.x) == ["2 not", "3 good"] and list(heat.y) == ["2 not", "3 good"]
    np.testing.assert_allclose(np.array(heat.z), [[.9, .1], [.3, .7]])
