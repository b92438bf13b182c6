"""Try the model: load a checkpoint, prepare new raw inputs exactly as training did, predict.

``Predictor`` compiles the checkpoint's graph (``builder.codegen.compile_graph``: the
in-app module), loads the weights and applies the checkpoint's ``preprocess`` record
(fill, normalisation, reshape, vocabulary, CSV plan) to what it is given:

- classifiers: class probabilities, the predicted class and its name;
- regression: values, in the data's own units (target standardisation undone);
- autoencoders / VAEs: reconstructions (VAE also mu and logvar);
- VAEs: ``sample(n)`` decodes random latent codes; GAN generators: ``sample(n)`` generates.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from runtime.config import ConfigError, TrainConfig

from runtime.data import portable
from runtime.data.preprocess import as_batch, images_from_pil
from .common import ExportError, generated, load_module, load_run
from .script import resolve_loss

PROBABILITY_LAYERS = ("Softmax",)


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


class Predictor:
    """A trained model with its preprocessing, ready for new inputs."""

    def __init__(self, source):
        self.run = load_run(source)
        self.module = self.run.build()
        self.record: dict = self.run.preprocess or {}
        self.mode = self.run.mode
        self.class_names = self.run.class_names
        self.input_names = list(self.module.input_names)
        self.output_names = list(self.module.output_names)
        self.discriminator = None
        if self.mode == "gan" and self.run.discriminator and self.run.checkpoint.get("discriminator_state_dict"):
            self.discriminator = self.run.build("discriminator")
        result = generated(self.run.graph).result
        out = result.output_nodes()[0]
        self._last_layer = result.graph.node(result.inputs[out][0]).type
        self._loss = None
        if self.mode in ("classification", "regression"):
            try:
                cfg = TrainConfig.from_saved({k: v for k, v in self.run.config.items()
                                             if k in TrainConfig.model_fields})
            except ConfigError:
                cfg = TrainConfig()
            self._loss = resolve_loss(cfg, self.mode, result)

    # -- inputs --------------------------------------------------------------------------------
    def data_inputs(self) -> dict[str, dict]:
        """The raw inputs this model takes: {data input name: {"shape", "dtype"}}."""
        if self.record.get("inputs"):
            return self.record["inputs"]
        shapes = self.module.input_shapes
        first = self._example_inputs(1)
        return {n: {"shape": list(shapes[n]), "dtype": "int64" if not x.is_floating_point() else "float32"}
                for n, x in zip(self.input_names, first)}

    def _example_inputs(self, n: int):
        module = load_module(generated(self.run.graph).source)
        return module.example_inputs(n)

    def _raw_dict(self, raw) -> dict:
        specs = self.data_inputs()
        names = list(specs)
        rec = self.record
        if isinstance(raw, str) or (isinstance(raw, (list, tuple)) and raw and all(isinstance(s, str) for s in raw)):
            tokens, vocab = rec.get("tokens"), rec.get("vocab")
            if not (tokens and vocab):
                raise ExportError("export.no_vocab")
            texts = [raw] if isinstance(raw, str) else list(raw)
            ids = portable.encode_texts(texts, vocab, tokens["seq_len"], tokens.get("padding", "pre"))
            return {names[0]: torch.from_numpy(ids)}
        if rec.get("csv") and _is_table(raw):
            rows = raw.to_dict("records") if hasattr(raw, "to_dict") else ([raw] if isinstance(raw, dict) else list(raw))
            try:
                return {names[0]: portable.csv_features(rec["csv"], rows)}
            except ValueError as exc:
                raise ExportError("export.input_type", input=names[0], received=str(exc)[:120]) from None
        images = self._images(raw)
        if images is not None:
            return {names[0]: images}
        if isinstance(raw, dict):
            return raw
        if len(names) != 1:
            raise ExportError("export.input_missing", input=names[1], given="-")
        return {names[0]: raw}

    def _images(self, raw):
        return images_from_pil(self.record, raw)

    def prepare(self, raw) -> list[torch.Tensor]:
        """Raw inputs -> the model's input tensors, in the order ``forward`` takes them.

        ``raw``: one array/tensor (single-input models), a dict {data input name: array}, a
        string or list of strings (text models), rows (dicts or a DataFrame) for CSV models,
        PIL images for image uploads. One sample without its batch dimension is fine too."""
        data = self._raw_dict(raw)
        tensors = {}
        for name, spec in self.data_inputs().items():
            if name not in data:
                raise ExportError("export.input_missing", input=name, given=", ".join(map(str, data)) or "-")
            tensors[name] = as_batch(name, data[name], spec)
        if not self.record:
            return [tensors[n] for n in self.input_names]
        model_inputs = portable.to_model_inputs(self.record, tensors)
        return [model_inputs[n] for n in self.input_names]

    # -- outputs -------------------------------------------------------------------------------
    @torch.no_grad()
    def outputs(self, raw) -> tuple[torch.Tensor, ...]:
        """The model's raw outputs for raw inputs (eval mode)."""
        return _as_tuple(self.module(*self.prepare(raw)))

    @torch.no_grad()
    def predict(self, raw) -> dict:
        """What the model says about ``raw``; arrays are numpy, batch first."""
        if self.mode == "gan":
            if self.discriminator is None:
                raise ExportError("export.no_weights", which="discriminator")
            x = self.prepare_discriminator(raw)
            score = self.discriminator(x).float().reshape(len(x))
            return {"real_probability": torch.sigmoid(score).numpy()}
        out = self.outputs(raw)
        first = out[0].float()
        if self.mode == "classification":
            probs = self.probabilities(first)
            classes = probs.argmax(1)
            names = self.class_names or [str(i) for i in range(probs.shape[1])]
            return {"probabilities": probs.numpy(), "classes": classes.numpy(),
                    "labels": [names[int(i)] if int(i) < len(names) else str(int(i)) for i in classes],
                    "class_names": list(names)}
        if self.mode == "regression":
            values = portable.target_to_units(self.record, first.reshape(len(first), -1)) if self.record else first
            return {"values": values.reshape(first.shape).numpy()}
        result = {"reconstruction": self.to_data_space(first).numpy()}
        if self.mode == "vae":
            for key in ("mu", "logvar"):
                if key in self.output_names:
                    result[key] = out[self.output_names.index(key)].float().numpy()
        return result

    def probabilities(self, scores: torch.Tensor) -> torch.Tensor:
        """Class probabilities from the classifier's output, as its loss read it."""
        scores = scores.float()
        if self._loss == "bce":
            p = torch.sigmoid(scores.reshape(-1))
            return torch.stack([1 - p, p], dim=1)
        if self._loss == "nll" or self._last_layer == "LogSoftmax":
            return scores.exp()
        if self._last_layer in PROBABILITY_LAYERS:
            return scores
        return torch.softmax(scores, dim=1)

    def prepare_discriminator(self, raw) -> torch.Tensor:
        """Real images for a GAN's discriminator, prepared as the training data were."""
        spec = self.record.get("inputs") or {}
        data = raw if isinstance(raw, dict) else {next(iter(spec), "x"): raw}
        tensors = {k: as_batch(k, data[k], spec.get(k, {"shape": list(np.shape(data[k]))[1:], "dtype": "float32"}))
                   for k in data}
        prepared = portable.to_model_inputs(self.record, tensors) if self.record else tensors
        return next(iter(prepared.values()))

    def to_data_space(self, x: torch.Tensor) -> torch.Tensor:
        """Model-space samples (reconstructions, generated images) back to the data's shape and
        scale: reshaped to the data input and normalisation undone, when that applies."""
        specs = self.record.get("inputs") or {}
        if len(specs) != 1:
            return x
        name, spec = next(iter(specs.items()))
        shape = list(spec["shape"])
        if x[0].numel() != math.prod(shape):
            return x
        x = x.reshape(len(x), *shape)
        rec = (self.record.get("normalize") or {}).get(name)
        if rec:
            mean = torch.tensor(rec["mean"], dtype=x.dtype).reshape(rec["shape"])
            std = torch.tensor(rec["std"], dtype=x.dtype).reshape(rec["shape"])
            x = x * std + mean
        return x

    # -- generating ----------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int = 16, seed: int = 0, z: torch.Tensor | None = None, data_space: bool = True) -> np.ndarray:
        """VAE: ``decode(z)`` of random (or given) latent codes; GAN: the generator's output."""
        g = torch.Generator().manual_seed(int(seed))
        if self.mode == "vae":
            if not hasattr(self.module, "decode"):
                raise ExportError("export.no_decoder")
            shape = tuple(self.module.latent_shape)
            z = torch.randn((n, *shape), generator=g) if z is None else torch.as_tensor(z, dtype=torch.float32)
            out = _as_tuple(self.module.decode(z))[0].float()
        elif self.mode == "gan":
            shape = tuple(self.module.input_shapes[self.input_names[0]])
            z = torch.randn((n, *shape), generator=g) if z is None else torch.as_tensor(z, dtype=torch.float32)
            out = _as_tuple(self.module(z))[0].float()
        else:
            raise ExportError("export.not_generative", mode=self.mode)
        return (self.to_data_space(out) if data_space else out).numpy()


def _is_table(raw) -> bool:
    if hasattr(raw, "to_dict") and hasattr(raw, "columns"):
        return True
    if isinstance(raw, dict) and raw and all(not isinstance(v, (list, tuple, np.ndarray, torch.Tensor)) for v in raw.values()):
        return True
    return isinstance(raw, (list, tuple)) and bool(raw) and all(isinstance(r, dict) for r in raw)


def predict(source, raw) -> dict:
    """One-shot: ``Predictor(source).predict(raw)``."""
    return Predictor(source).predict(raw)
