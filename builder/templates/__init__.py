"""Ready graphs for the classic architectures, one JSON document each (GANs are two that name each other)."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..graph import read_document
from ..i18n import pick

HERE = Path(__file__).parent

# Gallery order: from the simplest network to the biggest.
ORDER = ("digits_cnn", "perceptron", "mlp", "lenet5", "fashion_cnn", "vgg_blocks", "resnet_small", "rnn_sequence",
         "lstm_sequence", "gru_sequence", "text_lstm", "char_lstm", "char_transformer", "text_transformer", "tree_lstm", "dna_motif",
         "speech_cnn", "speech_gru", "recommender", "autoencoder",
         "conv_autoencoder", "vae", "gan_generator", "gan_discriminator", "vgg11_cifar", "resnet18_cifar",
         "cartpole_policy", "cartpole_dqn",
         "resnet18", "vgg16")
DEFAULT = "digits_cnn"


@dataclass(frozen=True)
class Template:
    key: str            # file stem
    doc: dict

    @property
    def name(self) -> str:
        return self.doc["name"]

    @property
    def meta(self) -> dict:
        return self.doc.get("meta", {})

    @property
    def partner(self) -> str | None:
        """For a GAN: the key of the other graph's template."""
        return self.meta.get("partner")

    def description(self, lang: str) -> str:
        return pick(self.meta.get("description"), lang)

    def document(self) -> dict:
        """A fresh copy to edit."""
        return copy.deepcopy(self.doc)


@lru_cache(maxsize=1)
def _all() -> dict[str, Template]:
    found = {p.stem: Template(p.stem, read_document(p.read_bytes())) for p in HERE.glob("*.json")}
    rank = {k: i for i, k in enumerate(ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def list_templates() -> list[Template]:
    return list(_all().values())


def gallery() -> list[Template]:
    """The templates the Templates dialog offers: each one, except a GAN's discriminator, which opens
    together with its generator."""
    return [t for t in list_templates() if t.meta.get("mode") != "gan-discriminator"]


def get(key: str) -> Template:
    return _all()[key]


def load(key: str) -> dict:
    return get(key).document()
