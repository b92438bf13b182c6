"""Text generation (issue 18): corpora, next-token data, PositionalEncoding, causal attention, the
language_model mode with perplexity, sampling and the CLI's --generate."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch

from builder import templates
from builder.codegen import build_model
from builder.shapes import check
from runtime.config import ConfigError, TrainConfig
from runtime.data import builtin, corpora, uploads
from runtime.data.errors import DataError
from runtime.data.textgen import lm_decode, lm_encode, lm_sample, lm_tokens, next_token_loss
from runtime.export.__main__ import main as export_main
from runtime.train import train



def lm_graph(seq_len=16, vocab=76, layers=()):
    """Input -> Embedding -> ``layers`` -> Linear(vocab) -> Output, a chain."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [seq_len], "dtype": "int64"}},
             {"id": "e", "type": "Embedding", "params": {"num_embeddings": vocab, "embedding_dim": 16}},
             *({"id": f"n{i}", "type": t, "params": p} for i, (t, p) in enumerate(layers)),
             {"id": "out", "type": "Linear", "params": {"out_features": vocab}},
             {"id": "y", "type": "Output", "params": {}}]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"format": "netcanvas.graph", "version": 1, "name": "lm", "nodes": nodes, "edges": edges}


# -- corpora --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", corpora.NAMES)
def test_each_corpus_is_real_text_within_two_megabytes(name):
    path = corpora.HERE / f"{name}.txt.gz"
    assert path.stat().st_size <= 2_000_000
    text = corpora.read(name)
    assert len(text) >= 300_000
    assert ("HAMLET" in text and "To be, or not to be" in text) if name == "shakespeare" else "秦川雄帝宅，函谷壯皇居。" in text  # Taizong of Tang


def test_windows_are_the_text_and_their_targets_the_next_characters():
    ds = builtin.load("shakespeare", n_chars=5000, seq_len=32)
    text = corpora.read("shakespeare")[:5000]
    x, y = ds.inputs["x"], ds.target
    assert x.shape == y.shape == (len(text) // 32 - (1 if len(text) % 32 == 0 else 0), 32)
    assert lm_decode(x[0], ds.vocab, "char") == text[:32]
    assert lm_decode(y[0], ds.vocab, "char") == text[1:33]
    assert lm_decode(x[3], ds.vocab, "char") == text[96:128]
    assert len(ds.vocab) == len(set(corpora.read("shakespeare")))     # the whole text's characters


def test_word_level_tokens_and_unknown_words():
    assert lm_tokens("Hark! Who's there?\nI am.", "word") == ["hark", "!", "who's", "there", "?", "\n", "i", "am", "."]
    assert lm_tokens("床前明月光，", "word") == ["床", "前", "明", "月", "光", "，"]
    vocab = corpora.vocabulary("the cat and the dog and the bird", "word", 3)
    assert vocab == ["<unk>", "and", "the"]
    assert lm_decode(lm_encode("the fox and the cat", vocab, "word"), vocab, "word") == "the <unk> and the <unk>"
    ds = builtin.load("shakespeare", level="word", vocab_size=500, n_chars=20000, seq_len=16)
    assert len(ds.vocab) == 500 and ds.vocab[0] == "<unk>"


def test_tang_poems_are_characters_of_five_or_seven_to_a_line():
    ds = builtin.load("tang_poems", n_chars=2000, seq_len=24)
    lines = [ln for ln in corpora.read("tang_poems").split("\n") if ln]
    assert all(len(ln) % 12 == 0 or len(ln) % 16 == 0 for ln in lines)      # couplets: 5+5 or 7+7 characters, 2 marks
    assert lm_decode(ds.inputs["x"][0], ds.vocab, "char") == corpora.read("tang_poems")[:24]


def test_a_text_upload_is_a_corpus(tmp_path):
    f = tmp_path / "story.txt"
    f.write_text("once upon a time there was a tiny model. " * 20, encoding="utf-8")
    ds = uploads.load_upload(str(f), corpus=True, seq_len=8)
    assert ds.task == "language_model" and ds.name == "story.txt"
    assert lm_decode(ds.inputs["x"][0], ds.vocab, "char") == "once upo"
    f.write_bytes(b"\xff\xfe bad")
    with pytest.raises(DataError) as err:
        uploads.load_upload(str(f), corpus=True)
    assert err.value.code == "textgen.not_utf8"


# -- layers ---------------------------------------------------------------------------------------
def reference_sinusoid(length, d):
    """The table of "Attention is all you need", written out element by element."""
    pe = torch.zeros(length, d)
    for pos in range(length):
        for i in range(0, d, 2):
            angle = pos / (10000 ** (i / d))
            pe[pos, i] = math.sin(angle)
            if i + 1 < d:
                pe[pos, i + 1] = math.cos(angle)
    return pe


@pytest.mark.parametrize("d", [16, 7])
def test_sinusoidal_positional_encoding_matches_the_paper(d):
    graph = {"format": "netcanvas.graph", "version": 1, "name": "pe",
             "nodes": [{"id": "x", "type": "Input", "params": {"shape": [12, d]}},
                       {"id": "p", "type": "PositionalEncoding", "params": {"max_len": 40}},
                       {"id": "y", "type": "Output", "params": {}}],
             "edges": [{"source": "x", "target": "p"}, {"source": "p", "target": "y"}]}
    model = build_model(graph)
    assert sum(p.numel() for p in model.parameters()) == 0
    x = torch.randn(2, 12, d)
    torch.testing.assert_close(model(x), x + reference_sinusoid(12, d), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(model(x[:, :5]), x[:, :5] + reference_sinusoid(5, d), atol=1e-5, rtol=1e-5)


def test_learned_positional_encoding_adds_a_trained_vector_per_position():
    graph = lm_graph(seq_len=10, layers=[("PositionalEncoding", {"kind": "learned", "max_len": 10})])
    result = check(graph)
    model = build_model(graph)
    assert result.ok and result.total_params == 76 * 16 + 10 * 16 + 16 * 76 + 76 == \
        sum(p.numel() for p in model.parameters())
    table = dict(model.named_parameters())["n0.weight"]
    x = torch.randint(0, 76, (3, 10))
    assert model.n0.weight.shape == (10, 16)
    emb = model.e(x)
    torch.testing.assert_close(model(x), model.out(emb + table))
    too_long = check(lm_graph(seq_len=11, layers=[("PositionalEncoding", {"kind": "learned", "max_len": 10})]))
    assert [e.code for e in too_long.errors] == ["textgen.positions"] and too_long.errors[0].node == "n0"


def test_a_causal_transformer_layer_never_reads_later_positions():
    layer = ("TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 32, "dropout": 0.0, "causal": True})
    torch.manual_seed(0)
    model = build_model(lm_graph(seq_len=12, layers=[layer])).eval()
    x = torch.randint(0, 76, (2, 12))
    changed = x.clone()
    changed[:, 7:] = (changed[:, 7:] + 5) % 76
    a, b = model(x), model(changed)
    torch.testing.assert_close(a[:, :7], b[:, :7])
    assert (a[:, 7:] - b[:, 7:]).abs().max() > 1e-3
    # the same as torch's own layer given the causal mask
    own = model.n0(model.e(x), src_mask=torch.nn.Transformer.generate_square_subsequent_mask(12))
    torch.testing.assert_close(model(x), model.out(own))


# -- the mode -------------------------------------------------------------------------------------
def test_next_token_loss_is_the_mean_cross_entropy_over_every_position():
    logits, target = torch.randn(3, 5, 11), torch.randint(0, 11, (3, 5))
    by_hand = sum(-torch.log_softmax(logits[n, t], 0)[target[n, t]] for n in range(3) for t in range(5)) / 15
    torch.testing.assert_close(next_token_loss(logits, target), by_hand)


@pytest.mark.slow
def test_a_tiny_language_model_trains_and_reports_perplexity(tmp_path, capsys):
    graph = lm_graph(seq_len=16, layers=[("GRU", {"hidden_size": 32})])
    cfg = TrainConfig.from_dict({"data": "shakespeare", "data_options": {"n_chars": 12000, "seq_len": 16},
                                 "epochs": 3, "batch_size": 32, "lr": 0.01, "seed": 0})
    trainer, summary = train(cfg, graph, run_dir=tmp_path)
    assert summary["mode"] == "language_model"
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    epochs = [r for r in records if r["kind"] == "epoch"]
    for r in epochs:
        assert r["val_ppl"] == pytest.approx(math.exp(r["val_loss"]), rel=1e-9)
    assert epochs[0]["val_loss"] == pytest.approx(math.log(76), abs=0.15)      # untrained: about uniform
    assert epochs[-1]["val_loss"] < epochs[0]["val_loss"] - 0.8                  # learned which letters are common
    assert all("ppl" in r for r in records if r["kind"] == "step")
    sample = json.loads((tmp_path / "sample.json").read_text(encoding="utf-8"))
    assert sample["step"] == summary["steps"] and len(sample["text"]) == 240
    # the CLI writes on from a prompt, the same text for the same seed
    args = [str(tmp_path), "--generate", "ROMEO:", "--tokens", "40", "--temperature", "0.5", "--seed", "3"]
    assert export_main(args) == 0
    first = capsys.readouterr().out
    assert len(first.rstrip("\n")) >= 30
    assert export_main(args) == 0 and capsys.readouterr().out == first
    # the exported train.py reads a text file, trains the same way and writes on from --prompt
    script = tmp_path / "train.py"
    assert export_main([str(tmp_path), "--script", str(script)]) == 0
    (tmp_path / "small.txt").write_text(corpora.read("shakespeare")[:6000], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "--data", str(tmp_path / "small.txt"), "--epochs", "1",
                           "--out", str(tmp_path / "out"), "--prompt", "KING:", "--tokens", "30"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["val_ppl"] == pytest.approx(math.exp(summary["val_loss"]))
    assert any(line.startswith("KING:") for line in lines)


def test_greedy_sampling_takes_the_likeliest_next_token_each_time():
    torch.manual_seed(0)
    model = build_model(lm_graph(seq_len=8, vocab=20, layers=[("LSTM", {"hidden_size": 8})]))
    out = lm_sample(model, [3, 4], 6, 0.0, 0, 8)
    ids = [3, 4]
    for _ in range(6):      # by hand: the whole text so far (within 8 tokens), the argmax at the end
        ids.append(int(model(torch.tensor([ids[-8:]]))[0, -1].argmax()))
    assert out == ids[2:]
    assert lm_sample(model, [3], 10, 1.0, 7, 8) == lm_sample(model, [3], 10, 1.0, 7, 8)


def test_wrong_pairings_of_graph_mode_and_data_are_messages():
    lm = lm_graph(seq_len=64, layers=[("LSTM", {"hidden_size": 8})])
    with pytest.raises(ConfigError) as err:      # the Output must cover the vocabulary
        train(TrainConfig.from_dict({"data": "shakespeare", "epochs": 1}), lm_graph(seq_len=64, vocab=50,
                                                                                   layers=[("LSTM", {"hidden_size": 8})]))
    assert err.value.code == "data.token_range"      # token ids 50..75 do not fit an Embedding of 50
    with pytest.raises(ConfigError) as err:
        train(TrainConfig.from_dict({"data": "digits", "mode": "language_model", "epochs": 1}), lm)
    assert err.value.code == "data.bind_dtype"        # images are not token ids
    wide = lm_graph(seq_len=64, vocab=90, layers=[("LSTM", {"hidden_size": 8})])
    with pytest.raises(ConfigError) as err:       # an Output wider than the vocabulary: named, with what it must be
        train(TrainConfig.from_dict({"data": "shakespeare", "epochs": 1}), wide)
    assert err.value.code == "textgen.output_mismatch" and err.value.info["expected"] == "(64, 76)"
    with pytest.raises(ConfigError) as err:
        train(TrainConfig.from_dict({"data": "shakespeare", "mode": "classification", "epochs": 1}), lm)
    assert err.value.code == "train.mode_needs_labels"


@pytest.mark.slow
def test_generating_from_a_classifier_run_is_refused(tmp_path, capsys):
    run = tmp_path / "iris"
    train(TrainConfig.from_dict({"data": "iris", "epochs": 1}), templates.load("perceptron"), run_dir=run)
    assert export_main([str(run), "--generate", "hello"]) == 1
    assert "only a language model" in capsys.readouterr().err
