"""The compiler: readable, deterministic source that runs on its own and is exactly what the app trains."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import traceback

import pytest
import torch

from builder import templates
from builder.codegen import CodegenError, class_name, compile_graph, generate, identifiers
from tests.graphs import chain, doc

# The big reference nets are exercised in test_reference_models; their smoke tests cost seconds each.
SMALL_TEMPLATES = [t.key for t in templates.list_templates() if t.key not in ("resnet18", "vgg16")]


def _import_file(path, name="exported_model"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_graph_same_bytes():
    d = templates.load("resnet_small")
    again = json.loads(json.dumps(d))
    again["nodes"][3]["pos"] = [1, 2]
    assert generate(d).source == generate(again).source == generate(templates.load("resnet_small")).source


def test_forward_reads_like_hand_written_code():
    source = generate(templates.load("lenet5")).source
    assert "self.c1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)" in source
    assert "self.f5 = nn.Linear(400, 120)" in source
    assert "        c1 = self.c1(x);  x = None  # (N, 6, 28, 28)" in source
    assert "import netcanvas" not in source and "builder" not in source


@pytest.mark.slow
def test_exported_files_run_standalone(tmp_path):
    """Each exported file's smoke test passes in a fresh interpreter that cannot import the project."""
    paths = []
    for key in SMALL_TEMPLATES:
        path = tmp_path / f"{key}.py"
        path.write_text(generate(templates.load(key)).source)
        paths.append(str(path))
    runner = ("import runpy, sys\n"
              "for p in sys.argv[1:]:\n"
              "    print('==', p)\n"
              "    runpy.run_path(p, run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-I", "-c", runner, *paths], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("trainable parameters:") == len(paths)


def test_project_is_not_importable_in_that_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-I", "-c", "import builder"], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0


def test_token_smoke_inputs_are_valid_ids():
    d = chain(("Embedding", {"num_embeddings": 7, "embedding_dim": 3}), ("Flatten", {}), input_shape=(5,), dtype="int64")
    source = generate(d).source
    assert "torch.randint(0, 7, (batch_size, 5))" in source


def test_state_dict_from_the_app_loads_into_the_exported_class(tmp_path):
    d = templates.load("resnet_small")
    in_app = compile_graph(d).build().eval()
    path = tmp_path / "model.py"
    path.write_text(generate(d).source)
    exported_module = _import_file(path)
    exported = getattr(exported_module, compile_graph(d).generated.class_name)().eval()
    torch.save(in_app.state_dict(), tmp_path / "weights.pt")
    exported.load_state_dict(torch.load(tmp_path / "weights.pt", weights_only=True))
    x = torch.randn(3, *exported.input_shapes["x"])
    with torch.no_grad():
        assert torch.equal(in_app(x), exported(x))


def test_the_app_compiles_the_exported_text_itself():
    compiled = compile_graph(templates.load("mlp"))
    assert compiled.source == generate(templates.load("mlp")).source


def test_reserved_and_colliding_ids_become_distinct_safe_names():
    ids = ["train", "forward", "self", "torch", "class", "1x", "_hidden", "a-b", "a_b", "input", "node_train", "x"]
    names = identifiers(ids)
    assert len(set(names.values())) == len(ids)
    assert all(n.isidentifier() and not n.startswith("_") for n in names.values())
    assert names["x"] == "x" and names["train"] == "node_train" and names["node_train"] == "node_train_2"
    assert names["a-b"] == "a_b" and names["a_b"] == "a_b_2"


def test_a_graph_with_reserved_ids_compiles_and_runs():
    d = doc([("input", "Input", {"shape": [4]}), ("train", "Linear", {"out_features": 4}), ("eval", "ReLU", {}),
             ("forward", "Linear", {"out_features": 2}), ("torch", "Tanh", {}), ("return", "Output", {})],
            [("input", "train"), ("train", "eval"), ("eval", "forward"), ("forward", "torch"), ("torch", "return")])
    model = compile_graph(d).build()
    model.train()   # the method still works: no layer replaced it
    assert model(torch.randn(3, 4)).shape == (3, 2)
    assert model.output_names == ("return",)


def test_hostile_text_stays_text():
    d = chain(("ReLU", {}), name='evil"""\nimport os\nos.system("echo pwned")\n"""')
    d["meta"] = {"description": {"en": '"""; import os; os.system("echo pwned"); """\x00\u2028'}}
    compiled = compile_graph(d)
    doc = compiled.model_class.__doc__
    assert 'import os; os.system("echo pwned")' in doc and "\x00" in doc   # still text, escapes and all
    assert "\nimport os" not in compiled.source and "os" not in compiled.model_class.__init__.__globals__
    # A param value that is not a valid value never becomes code.
    bad = chain(("Conv2d", {"out_channels": 2, "kernel_size": 3, "padding": "same'); __import__('os').system('x'); ('"}),
                input_shape=(1, 5, 5))
    with pytest.raises(CodegenError) as info:
        generate(bad)
    assert info.value.errors[0].code == "param.type"


def test_invalid_graphs_are_refused():
    with pytest.raises(CodegenError):
        generate(chain(("Linear", {}), input_shape=(3,)))


def test_vae_gets_decode_that_runs_the_decoder():
    d = templates.load("vae")
    compiled = compile_graph(d)
    assert "def decode(self, z):" in compiled.source
    model = compiled.build().eval()
    x = torch.rand(5, *model.input_shapes["x"])
    with torch.no_grad():
        recon, mu, logvar = model(x)
        assert torch.allclose(model.decode(mu), recon)   # eval: z = mu
        assert model.decode(torch.randn(5, *model.latent_shape)).shape == recon.shape


def test_decode_is_left_out_when_the_decoder_reads_encoder_tensors():
    d = doc([("x", "Input", {"shape": [4]}), ("mu", "Linear", {"out_features": 4}), ("lv", "Linear", {"out_features": 4}),
             ("z", "Reparameterize", {}), ("skip", "Add", {}), ("y", "Output", {})],
            [("x", "mu"), ("x", "lv"), ("mu", "z"), ("lv", "z", 1), ("z", "skip"), ("x", "skip", 1), ("skip", "y")])
    assert "def decode" not in generate(d).source


def test_tracebacks_point_at_the_generated_line():
    model = compile_graph(templates.load("mlp")).build()
    with pytest.raises(RuntimeError) as info:
        model(torch.randn(2, 1, 9, 9))   # wrong input size
    text = "".join(traceback.format_exception(info.value))
    assert "fc1 = self.fc1(flat)" in text


def test_recurrent_last_state_code():
    d = chain(("LSTM", {"hidden_size": 5, "bidirectional": True, "return": "last"}), ("Linear", {"out_features": 2}),
              input_shape=(7, 3))
    source = generate(d).source
    assert "_, (h_n, _) = self.n0(x)" in source
    assert "h_n = torch.cat([h_n[-2], h_n[-1]], dim=1);  x = None  # final hidden state of the last layer: (N, 10)" \
        in source
    assert "        y = self.n1(h_n);  h_n = None  # (N, 2)\n        return y\n" in source   # named as the Output
    model = compile_graph(d).build()
    assert model(torch.randn(2, 7, 3)).shape == (2, 2)


def test_values_are_named_by_meaning_and_forward_calls_decode():
    source = generate(templates.load("vae")).source
    forward = source[source.index("    def forward"):source.index("    def decode")]
    assert "        mu = self.mu_layer(enc_relu)  # (N, 2)\n" in forward   # returned: never dropped
    assert "        logvar = self.logvar_layer(enc_relu);  enc_relu = None  # (N, 2)\n" in forward
    assert "        recon = self.decode(z);  z = None  # (N, 1, 8, 8)\n        return recon, mu, logvar\n" in forward
    assert source.count("self.dec1(") == 1    # the decoder's lines are written once, in decode
    assert "        recon = sigmoid.reshape(sigmoid.size(0), 1, 8, 8);  sigmoid = None  # (N, 1, 8, 8)\n" \
           "        return recon\n" in source


def test_names_by_meaning_never_take_another_name():
    d = doc([("x", "Input", {"shape": [4]}), ("a", "Linear", {"out_features": 4}), ("b", "Linear", {"out_features": 4}),
             ("c", "Linear", {"out_features": 4}), ("o1", "Output", {"name": "x"}), ("o2", "Output", {"name": "a"}),
             ("o3", "Output", {"name": "class"})],
            [("x", "a"), ("a", "b"), ("b", "c"), ("c", "o1"), ("b", "o2"), ("a", "o3")])
    generated = generate(d)
    # "x" is the input, "a" another node's value, "class" a keyword: each value keeps its identifier.
    assert generated.values == {"x": "x", "a": "a", "b": "b", "c": "c"}
    assert "        return c, b, a\n" in generated.source
    model = compile_graph(d).build()
    assert [o.shape for o in model(torch.randn(2, 4))] == [(2, 4)] * 3


def test_forward_calls_decode_only_where_the_decoder_runs_in_one_stretch():
    nodes = [("x", "Input", {"shape": [4]}), ("mu", "Linear", {"out_features": 4}), ("lv", "Linear", {"out_features": 4}),
             ("z", "Reparameterize", {}), ("dec", "Linear", {"out_features": 3}), ("head", "Linear", {"out_features": 2}),
             ("dec2", "Tanh", {}), ("y", "Output", {}), ("h", "Output", {})]
    edges = [("x", "mu"), ("x", "lv"), ("mu", "z"), ("lv", "z", 1), ("z", "dec"), ("mu", "head"), ("dec", "dec2"),
             ("dec2", "y"), ("head", "h")]
    interleaved = generate(doc(nodes, edges)).source   # document order puts head between the decoder's layers
    assert "self.decode(" not in interleaved and interleaved.count("self.dec(") == 2
    in_one_stretch = doc(nodes[:5] + nodes[6:7] + nodes[5:6] + nodes[7:], edges)
    source = generate(in_one_stretch).source
    assert "        y = self.decode(z);  z = None  # (N, 3)\n        h = self.head(mu);  mu = None  # (N, 2)\n" in source
    for d in (doc(nodes, edges), in_one_stretch):
        model = compile_graph(d).build().eval()
        with torch.no_grad():
            x = torch.randn(2, 4)
            assert torch.equal(model(x)[0], model.decode(model.mu(x)))


def test_class_names_keep_the_case_written():
    assert class_name("ResNet-18") == "ResNet18" and class_name("VAE") == "VAE"
    assert class_name("my VAE model") == "MyVAEModel" and class_name("conv_autoencoder") == "ConvAutoencoder"
    assert class_name("3 layers") == "Net3Layers" and class_name("") == "Net"
