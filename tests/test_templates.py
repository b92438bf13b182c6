"""Every template checks clean, compiles, runs, and tells learners what it teaches in both languages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from builder import templates
from builder.codegen import compile_graph
from builder.graph import MODES
from builder.shapes import check

KEYS = [t.key for t in templates.list_templates()]
REQUIRED = {"perceptron", "mlp", "lenet5", "digits_cnn", "vgg_blocks", "resnet_small", "resnet18", "rnn_sequence",
            "lstm_sequence", "gru_sequence", "text_lstm", "autoencoder", "conv_autoencoder", "vae", "gan_generator",
            "gan_discriminator", "recommender", "dna_motif", "fashion_cnn", "vgg11_cifar", "resnet18_cifar"}
# The templates of the standard sets (runtime/data, fetched on first use): each names its set and takes its images.
STANDARD = {"lenet5": ("mnist", (1, 28, 28)), "fashion_cnn": ("fashion_mnist", (1, 28, 28)),
            "vgg11_cifar": ("cifar10", (3, 32, 32)), "resnet18_cifar": ("cifar10", (3, 32, 32))}


def test_the_gallery_has_every_classic():
    assert REQUIRED <= set(KEYS)
    assert KEYS[0] == templates.DEFAULT


@pytest.mark.parametrize("key", KEYS)
def test_template_checks_and_describes_itself(key):
    t = templates.get(key)
    result = check(t.document())
    assert result.ok, [e.message() for e in result.errors]
    assert t.name == key
    assert t.description("en") and t.description("zh") and t.description("en") != t.description("zh")
    assert t.meta["mode"] in MODES and t.meta["data"]


@pytest.mark.parametrize("key", [k for k in KEYS if k not in ("resnet18", "vgg16")])
def test_template_compiles_and_runs(key):
    compiled = compile_graph(templates.load(key))
    namespace = {}
    exec(compile(compiled.source, compiled.filename, "exec"), namespace)
    model = compiled.build().eval()
    with torch.no_grad():
        out = model(*namespace["example_inputs"](3))
    outs = out if isinstance(out, tuple) else (out,)
    for name, tensor in zip(model.output_names, outs):
        assert tuple(tensor.shape) == (3,) + model.output_shapes[name]


@pytest.mark.parametrize("key", STANDARD)
def test_the_standard_set_templates_take_their_sets_images_and_ten_classes(key):
    data, image = STANDARD[key]
    doc = templates.load(key)
    result = check(doc)
    (x,), (y,) = result.input_nodes(), result.output_nodes()
    assert (doc["meta"]["data"], result.shapes[x], result.shapes[y]) == (data, image, (10,))


def test_gan_templates_name_each_other():
    g, d = templates.get("gan_generator"), templates.get("gan_discriminator")
    assert g.partner == "gan_discriminator" and d.partner == "gan_generator"
    g_out = check(g.document()).shapes["fake"]
    assert check(d.document()).shapes["x"] == g_out   # the discriminator eats what the generator makes


def test_vae_outputs_are_named_for_the_loss():
    assert compile_graph(templates.load("vae")).model_class.output_names == ("recon", "mu", "logvar")


def test_load_returns_a_copy():
    a = templates.load("mlp")
    a["nodes"].clear()
    assert templates.load("mlp")["nodes"]


@pytest.mark.parametrize("key", [k for k in KEYS if templates.get(k).meta.get("mode") != "gan-discriminator"])
def test_template_fits_its_data_set(key):
    """Every template trains on the data set it names, as it is (the Train page's defaults)."""
    from runtime.config import TrainConfig
    from runtime.data import builtin
    from runtime.prepare import prepare
    t = templates.get(key)
    if t.meta["data"] not in builtin.names():
        pytest.skip(f"{key} is a study piece for data people upload ({t.meta['data']})")
    partner = templates.load(t.partner) if t.partner else None
    prepared = prepare(TrainConfig(data=t.meta["data"]), t.document(), partner)
    assert prepared.mode == {"gan-generator": "gan"}.get(t.meta["mode"], t.meta["mode"])


def test_the_readme_counts_the_templates_the_gallery_offers():
    """The README's "Start from N templates" is the number of entries in the Templates dialog."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    said = re.search(r"Start from (\d+) templates", readme)
    assert said, "the README no longer says how many templates there are"
    assert int(said.group(1)) == len(templates.gallery())
