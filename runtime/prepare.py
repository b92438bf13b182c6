"""From (graph, config) to tensors on the device, bound to the graph's Inputs, and the run's mode.

Every mismatch a user can cause (data that does not fit the Input, a class count that
does not fit the Output, token ids past the vocabulary) is a ``ConfigError`` message
here, before any training starts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from builder.shapes import CheckResult, check

from .config import refuse_inapplicable, ConfigError, TrainConfig
from . import incremental
from .data import builtin
from .data.dataset import add_label_noise, split
from .data.binding import bind
from .data.errors import DataError
from .data.stream import STREAMED
from .batches import streamed_splits


@dataclass
class Split:
    inputs: list[torch.Tensor]          # in the order of the graph's Inputs
    target: torch.Tensor | None

    def __len__(self) -> int:
        return int(self.inputs[0].shape[0])

    def take(self, idx) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        return [x[idx] for x in self.inputs], (self.target[idx] if self.target is not None else None)

    def to(self, device) -> "Split":
        return Split([x.to(device) for x in self.inputs], self.target.to(device) if self.target is not None else None)

    def nbytes(self) -> int:
        tensors = [*self.inputs, *([self.target] if self.target is not None else [])]
        return sum(t.numel() * t.element_size() for t in tensors)


class HostSplit(Split):
    """A split too big for the device: the tensors stay in host memory and each batch is gathered on the
    host, page-locked and copied to ``device`` without waiting (``non_blocking``), so the copy overlaps the
    work already queued on the GPU. Indices must be on the host (``inputs[0].device``)."""

    def __init__(self, inputs, target, device):
        super().__init__(inputs, target)
        self.device = torch.device(device)

    def _staged(self, t: torch.Tensor) -> torch.Tensor:
        if self.device.type == "cuda":      # page-locked memory needs an accelerator
            t = t.pin_memory()
        return t.to(self.device, non_blocking=True)

    def take(self, idx):
        inputs, target = super().take(idx)
        return [self._staged(x) for x in inputs], (self._staged(target) if target is not None else None)


def place(split: Split | None, device, placement: str) -> Split | None:
    """``split`` on ``device`` ("device") or in host memory with batches copied to it ("host")."""
    if split is None:
        return None
    if placement == "host" and isinstance(split, Split):       # a streamed split (runtime.batches) streams anyway
        return HostSplit(split.inputs, split.target, device)
    return split.to(device)


def evenly_spread(split, limit: int):
    """Up to ``limit`` samples of ``split`` spread evenly over it (every k-th: a split in class order is
    covered too), as a ``Split`` where ``split`` keeps its batches; ``split`` itself when no bigger."""
    n = len(split)
    if n <= limit:
        return split
    positions = torch.linspace(0, n - 1, limit).round().long()     # distinct: n > limit
    return Split(*split.take(positions.to(split.inputs[0].device)))


@dataclass
class Prepared:
    mode: str
    task: str                             # the data's task: classification / regression / unsupervised
    input_names: list[str]
    output_names: list[str]
    train: Split
    val: Split | None
    test: Split | None
    preprocess: dict
    class_names: list[str] | None
    data_kind: str
    data_name: str
    image_inputs: list[bool] = field(default_factory=list)   # which inputs get augmentation
    check: CheckResult | None = None
    disc_check: CheckResult | None = None
    latent_shape: tuple | None = None     # GAN generator input
    graph: dict | None = None             # the graph trained, when not the one given (a grown output layer)
    incremental: incremental.ClassPlan | None = None     # the classes of a class-incremental run

    @property
    def n_classes(self) -> int | None:
        return len(self.class_names) if self.class_names else None


def load_dataset(cfg: TrainConfig):
    try:
        if cfg.upload:
            from .data import audio, uploads    # the upload readers import their libraries on first use
        if cfg.upload and is_folder(cfg.upload) and audio.is_audio_folder(cfg.upload):   # class folders of WAV files
            uploads.check_option_names(audio.load_audio_folder, cfg.upload_options)
            return audio.load_audio_folder(cfg.upload, **cfg.upload_options)
        if cfg.upload and is_folder(cfg.upload):     # a local image folder: streamed from disk
            from .data import stream
            uploads.check_option_names(stream.list_folder, cfg.upload_options)
            return stream.list_folder(cfg.upload, **cfg.upload_options)
        if cfg.upload:
            return uploads.load_upload(cfg.upload, **cfg.upload_options)
        if cfg.data_options.get("stream") is True:       # a standard set read from disk batch by batch
            from .data import stream
            builtin.info(cfg.data, **cfg.data_options)     # the options checked as for loading
            return stream.standard_images(cfg.data)
        return builtin.load(cfg.data, **cfg.data_options)
    except DataError as exc:
        raise ConfigError(exc.code, **exc.args) from None


def is_folder(upload: str) -> bool:
    """An upload that names a folder (or, not existing, has no file extension): streamed from disk."""
    path = Path(upload)
    return path.is_dir() or (not path.exists() and not path.suffix)


def _checked(doc: dict, which: str) -> CheckResult:
    result = check(doc)
    if not result.ok:
        raise ConfigError("train.graph_invalid", which=which, errors="; ".join(e.message() for e in result.errors[:5]))
    return result


def infer_mode(cfg: TrainConfig, result: CheckResult, has_discriminator: bool, data_task: str) -> str:
    if cfg.mode != "auto":
        return cfg.mode
    if has_discriminator:
        return "gan"
    meta_mode = result.graph.meta.get("mode")
    if meta_mode in ("gan-generator", "gan-discriminator"):
        return "gan"
    types = {n.type for n in result.graph.nodes}
    outs = [result.io_name(n) for n in result.output_nodes()]
    if "Reparameterize" in types and {"recon", "mu", "logvar"} <= set(outs):
        return "vae"
    if meta_mode in ("autoencoder", "vae", "classification", "regression", "language_model"):
        return meta_mode
    if data_task in ("classification", "regression", "language_model"):
        return data_task
    return "autoencoder"


def graph_inputs(result: CheckResult) -> list[dict]:
    """What data must feed a checked graph: one ``{"name", "shape", "dtype", "max_token"}`` per
    Input, in the model's argument order (``max_token``: the largest token id an int64 Input
    takes, else None). ``runtime.data.binding`` binds a data set's arrays to these."""
    from builder.codegen import _example_input, _token_limit   # the same limit the generated smoke test uses
    out = []
    for node_id in result.input_nodes():
        dtype = result.dtypes[node_id]
        ids = dtype == "int64" and _example_input(result, node_id) is None   # a tree's rows are not all token ids
        out.append({"name": result.io_name(node_id), "shape": tuple(result.shapes[node_id]), "dtype": dtype,
                    "max_token": _token_limit(result, node_id) if ids else None})
    return out


def prepare(cfg: TrainConfig, graph: dict, discriminator: dict | None = None) -> Prepared:
    class_plan = incremental.plan(cfg)
    if class_plan is not None:      # the output layer sized to the classes, the data to them
        graph = incremental.grown_graph(graph, class_plan)
    result = _checked(graph, "model")
    disc = _checked(discriminator, "discriminator") if discriminator is not None else None
    dataset = load_dataset(cfg)
    if class_plan is not None:
        dataset = incremental.select(dataset, class_plan)
    mode = infer_mode(cfg, result, disc is not None, dataset.task)
    if mode == "gan" and disc is None:
        raise ConfigError("train.gan_needs_discriminator")
    refuse_inapplicable(cfg, mode)     # now that the mode is known: nothing given is silently ignored

    if cfg.label_noise > 0 and dataset.task != "classification":
        raise ConfigError("train.label_noise_task")
    # What the data must fit: the model's Inputs, or (GAN) the discriminator's.
    bind_to = graph_inputs(disc if mode == "gan" else result)
    try:
        if isinstance(dataset, STREAMED):
            train, val, test, preprocess = streamed_splits(dataset, cfg, bind_to)
        else:
            train, val, test, preprocess = _in_memory_splits(dataset, cfg, bind_to, class_plan)
    except DataError as exc:
        raise ConfigError(exc.code, **exc.args) from None

    input_names = [result.io_name(n) for n in result.input_nodes()]
    output_names = [result.io_name(n) for n in result.output_nodes()]
    prepared = Prepared(
        mode=mode, task=dataset.task, input_names=input_names, output_names=output_names,
        train=train, val=val, test=test,
        preprocess=preprocess, class_names=dataset.class_names, data_kind=dataset.kind,
        data_name=dataset.name, check=result, disc_check=disc, graph=graph, incremental=class_plan,
    )
    prepared.image_inputs = [x.is_floating_point() and (len(x.shape) == 4 or (dataset.kind == "audio" and len(x.shape) == 2))
                             for x in prepared.train.inputs]     # what augmentation applies to: images, waveforms
    check_fit(prepared, result, disc)
    return prepared


def _in_memory_splits(dataset, cfg: TrainConfig, bind_to: list[dict], class_plan=None):
    splits = split(dataset, val_fraction=cfg.val_split, test_fraction=cfg.test_split, seed=cfg.seed)
    if cfg.label_noise > 0:
        splits = add_label_noise(splits, cfg.label_noise, seed=cfg.seed)
    bound = bind(splits, bind_to)
    train = _split(bound.train)
    if class_plan is not None:      # the new classes and the replayed old ones
        kept, old = incremental.split_train(train, class_plan, cfg.replay, cfg.ewc, cfg.seed)
        train, class_plan.old_samples = Split(*kept), old
    return train, _split(bound.val), _split(bound.test), bound.preprocess


def _split(view) -> Split | None:
    if view is None or len(view) == 0:
        return None
    return Split(inputs=list(view.inputs.values()), target=view.target)


def check_fit(p: Prepared, result: CheckResult, disc: CheckResult | None) -> None:
    """Refuses, with a ``ConfigError``, a model whose Output does not fit the task of the data
    ``p`` holds: the class count (classification), the target width (regression), the
    reconstruction size (autoencoder, VAE), the VAE's output names, a GAN's generator and
    discriminator shapes (``disc``: the discriminator's check). Training and the Data page's
    "does the graph fit" run this same check."""
    outs = result.output_nodes()
    first = tuple(result.shapes[outs[0]])
    if p.mode == "classification":
        if p.task != "classification" or p.class_names is None:
            raise ConfigError("train.mode_needs_labels", mode=p.mode, data=p.data_name)
        n = len(p.class_names)
        if first not in ((n,), (1,)) or (first == (1,) and n != 2):
            raise ConfigError("train.classes_mismatch", output=outs[0], shape=str(first), classes=n)
    elif p.mode == "regression":
        if p.train.target is None or not p.train.target.is_floating_point():
            raise ConfigError("train.mode_needs_targets", mode=p.mode, data=p.data_name)
        width = int(p.train.target[0].numel())
        if _numel(first) != width:
            raise ConfigError("train.regression_mismatch", output=outs[0], shape=str(first), width=width)
    elif p.mode == "autoencoder":
        if _numel(first) != _numel(p.train.inputs[0].shape[1:]):
            raise ConfigError("train.recon_mismatch", output=outs[0], shape=str(first),
                              data_shape=str(tuple(p.train.inputs[0].shape[1:])))
    elif p.mode == "vae":
        missing = {"recon", "mu", "logvar"} - set(p.output_names)
        if missing:
            raise ConfigError("train.vae_outputs", missing=", ".join(sorted(missing)))
        recon = tuple(result.shapes[outs[p.output_names.index("recon")]])
        if _numel(recon) != _numel(p.train.inputs[0].shape[1:]):
            raise ConfigError("train.recon_mismatch", output="recon", shape=str(recon),
                              data_shape=str(tuple(p.train.inputs[0].shape[1:])))
    elif p.mode == "language_model":
        from .lm import check_fit as check_lm_fit
        check_lm_fit(p, result, outs[0], first)
    elif p.mode == "gan":
        g_in = result.input_nodes()
        if len(g_in) != 1 or result.dtypes[g_in[0]] != "float32":
            raise ConfigError("train.gan_generator_input")
        p.latent_shape = tuple(result.shapes[g_in[0]])
        d_in = disc.input_nodes()
        d_out = disc.output_nodes()
        if len(d_in) != 1 or len(d_out) != 1 or _numel(disc.shapes[d_out[0]]) != 1:
            raise ConfigError("train.gan_discriminator_io")
        if tuple(disc.shapes[d_in[0]]) != first:
            raise ConfigError("train.gan_shapes", generated=str(first), expected=str(tuple(disc.shapes[d_in[0]])))


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
