"""Where the trainer's batches come from: tensors already on the device (``prepare.Split``), or
images streamed from disk through a ``DataLoader`` (``StreamSplit``).

``epoch_batches`` (training, shuffled) and ``ordered_batches`` (evaluation) serve both, so the
loop, the tasks and the monitor do not care which one a split is. Both shuffle with the
trainer's seeded generator, one ``randperm`` per epoch, so a resumed run reshuffles as an
uninterrupted one would.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator

import torch

from .data import portable
from .data.binding import plan
from .data.dataset import DataSet, _norm_record, add_label_noise, base_record, split_indices
from .data.augment import Augmenter
from .data.errors import DataError
from .data.stream import STATS_SAMPLES, FolderImages, collate_readable


def epoch_batches(split, gen: torch.Generator, batch: int, steps: int, dist) -> Iterator:
    """One training epoch of ``(inputs, target)``; ``gen`` draws the epoch's order."""
    if isinstance(split, StreamSplit):
        yield from split.epoch_batches(gen, batch, steps, dist)
        return
    # indices live where the split's tensors do: the device, or the host for data kept there (prepare.place)
    perm = _rank_order(torch.randperm(len(split), generator=gen), dist).to(split.inputs[0].device)
    for b in range(steps):
        yield split.take(perm[b * batch:(b + 1) * batch])


def samples_in(inputs: list[torch.Tensor]) -> int:
    """Samples in a batch (a streamed batch may have lost unreadable files)."""
    return int(inputs[0].shape[0])


def ordered_batches(split, batch: int) -> Iterator:
    """The whole split in order, ``batch`` samples at a time (evaluation, predictions)."""
    if isinstance(split, StreamSplit):
        yield from split.ordered_batches(batch)
        return
    for start in range(0, len(split), batch):
        yield split.take(slice(start, start + batch))


def _rank_order(perm: torch.Tensor, dist) -> torch.Tensor:
    """Every world-th sample: the ranks' batches make up the global batch."""
    world = dist.world
    return perm[dist.rank::world][:len(perm) // world] if world > 1 else perm


def unreadable_files(prepared, limit: int = 20) -> dict | None:
    """Streamed files that did not decode so far: ``{"count", "files": first names}``, or None."""
    seen = set()
    dataset = None
    for part in (prepared.train, prepared.val, prepared.test):
        if isinstance(part, StreamSplit):
            seen |= part.unreadable
            dataset = part.dataset
    if not seen:
        return None
    return {"count": len(seen), "files": [dataset.name_of(i) for i in sorted(seen)[:limit]]}


def close_workers(prepared) -> None:
    """Stop the decoding workers of a run's streamed splits (at the end of ``fit``)."""
    for part in (prepared.train, prepared.val, prepared.test):
        if isinstance(part, StreamSplit):
            part.close()


def worker_count() -> int:
    """Decoding processes: one core stays with the training loop (none on a single core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cores <= 1 else min(4, cores - 1)


def _quiet_worker(worker_id: int) -> None:
    torch.set_num_threads(1)     # a worker decodes; torch threads in each would fight the loop for cores
    torch.utils.data.get_worker_info().dataset.reseed(worker_id)


class TrainingOrder(list):
    """The indices of a batch drawn for a training pass: its worker augments what it decodes."""


class WorkerBatches(torch.utils.data.Dataset):
    """A split's data set as its decoding workers see it. A batch is decoded there; a training batch
    (``TrainingOrder``) of a split that augments is also scaled, normalised and augmented there, in
    parallel with the training loop, and arrives ready for the model."""

    def __init__(self, base, to_model: "ToModel"):
        self.base, self.to_model, self.augmenter = base, to_model, None

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: int):
        return self.base[i]

    def decode(self, batch) -> tuple:
        """(images, labels, readable, unreadable indices, ready for the model)."""
        x, y, readable, bad = collate_readable([self.base[int(i)] for i in batch])
        if self.augmenter is None or not isinstance(batch, TrainingOrder):
            return x, y, readable, bad, False
        return self.augmenter(self.to_model(x)), y, readable, bad, True

    __getitems__ = decode       # what a DataLoader's worker calls with a batch of indices

    def reseed(self, worker_id: int) -> None:
        """Each worker its own random stream (a forked copy would repeat its siblings' augmentations)."""
        if self.augmenter is not None:
            self.augmenter = Augmenter(self.augmenter.config, seed=self.augmenter.seed * 1009 + worker_id + 1)

    def name_of(self, i: int) -> str:
        return self.base.name_of(i)


def _collated(batch: tuple) -> tuple:
    return batch            # WorkerBatches.decode collates


class OrderSampler(torch.utils.data.Sampler):
    """Batches of data set indices over an order set before each pass. The sampler runs in the main
    process, so persistent workers take each epoch's new order."""

    def __init__(self):
        self.order = torch.zeros(0, dtype=torch.int64)
        self.batch, self.steps = 1, 0

    def set(self, order: torch.Tensor, batch: int, steps: int, training: bool = False) -> None:
        self.order, self.batch, self.steps, self.training = order, batch, steps, training

    def __iter__(self):
        kind = TrainingOrder if self.training else list
        for b in range(self.steps):
            chunk = self.order[b * self.batch:(b + 1) * self.batch]
            if len(chunk):
                yield kind(chunk.tolist())

    def __len__(self) -> int:
        return self.steps


class ToModel:
    """A uint8 image batch (on the device) as the model's input: [0, 1] floats, normalised with the
    training statistics and reshaped as the binding says (the preprocess record's steps)."""

    def __init__(self, normalize: dict | None, to_shape: list[int] | None):
        self.normalize, self.to_shape = normalize, to_shape
        self._stats: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def stats(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, std) on ``device``, copied there once (not a host-to-device copy every step)."""
        if device not in self._stats:
            rec = self.normalize
            self._stats[device] = tuple(torch.tensor(rec[k], device=device).reshape(rec["shape"]) for k in ("mean", "std"))
        return self._stats[device]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float().div_(255.0)
        if self.normalize is not None:
            mean, std = self.stats(x.device)
            x = (x - mean) / std          # portable.normalize, with the statistics already on the device
        return x.reshape(x.shape[0], *self.to_shape) if self.to_shape else x


class LazyImages:
    """Stands for a streamed split's input tensor where code reads its shape or a few samples
    (``x.shape``, ``x[:8]``, ``x[index]``): the samples asked for are decoded then."""

    def __init__(self, split: StreamSplit, sample_shape: tuple[int, ...], value_range: tuple[float, float]):
        self.split, self.sample_shape, self.value_range = split, sample_shape, value_range

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self.split), *self.sample_shape))

    @property
    def device(self) -> torch.device:
        return self.split.device

    def dim(self) -> int:
        return len(self.shape)

    def is_floating_point(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, index) -> torch.Tensor:
        return self.split.take(index)[0][0]

    # min/max of a sample of the training images (a VAE picks its loss by the data's range)
    def min(self) -> torch.Tensor:
        return torch.tensor(self.value_range[0])

    def max(self) -> torch.Tensor:
        return torch.tensor(self.value_range[1])


class StreamSplit:
    """A train/val/test part of a streamed data set: its indices into the map-style ``dataset``,
    its labels (in memory), and a ``DataLoader`` whose worker processes decode the images."""

    def __init__(self, dataset, indices: torch.Tensor, labels: torch.Tensor, to_model: ToModel,
                 sample_shape: tuple[int, ...], value_range: tuple[float, float]):
        self.dataset, self.indices, self.to_model = dataset, indices, to_model
        self.workers_data = WorkerBatches(dataset, to_model)
        self.augments = False       # whether the workers augment this split's training batches
        self.target = labels.index_select(0, indices)
        self.inputs = [LazyImages(self, sample_shape, value_range)]
        self.device = torch.device("cpu")
        self.sampler = OrderSampler()
        self.unreadable: set[int] = set()     # data set indices of files that did not decode
        self._loader = None

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def nbytes(self) -> int:
        """Bytes it would take on the device: none, its images stay on disk until a batch is decoded."""
        return 0

    def to(self, device) -> StreamSplit:
        """On ``device`` (the trainer's), with the decoding workers started."""
        self.device = torch.device(device)
        self.target = self.target.to(self.device)
        self.start_workers()
        return self

    def start_workers(self) -> None:
        """Fork the workers now, before the model and the first evaluation grow the trainer: a forked
        worker's resident memory starts as its parent's (shared, but counted in each process)."""
        self.sampler.set(self.indices[:0], 1, 0)
        for _ in self.loader():
            pass

    def loader(self) -> torch.utils.data.DataLoader:
        if self._loader is None:
            workers = worker_count()
            self._loader = torch.utils.data.DataLoader(
                self.workers_data, batch_sampler=self.sampler, num_workers=workers, collate_fn=_collated,
                pin_memory=self.device.type == "cuda", persistent_workers=workers > 0,
                worker_init_fn=_quiet_worker if workers else None, prefetch_factor=4 if workers else None)
        return self._loader

    def augment_in_workers(self, augmenter) -> None:
        """Training batches are augmented by the decoding workers (set before they start: ``to``)."""
        self.workers_data.augmenter, self.augments = augmenter, True

    def _batches(self, positions: torch.Tensor, batch: int, steps: int, drop_unreadable: bool,
                 training: bool = False):
        self.sampler.set(self.indices.index_select(0, positions), batch, steps, training)
        cut = 0
        for x, y, readable, bad, ready in self.loader():
            self.unreadable.update(bad)
            target = self.target[positions[cut:cut + len(y)].to(self.device)]
            cut += len(y)
            x = x.to(self.device, non_blocking=True)
            x = x if ready else self.to_model(x)
            if drop_unreadable and bad:
                keep = readable.to(self.device)
                x, target = x[keep], target[keep]
                if not len(target):
                    continue
            yield [x], target

    def close(self) -> None:
        """Stop the worker processes now (dropping the last reference to the loader's iterator shuts
        them down); a later pass starts new ones."""
        self._loader = None

    def epoch_batches(self, gen: torch.Generator, batch: int, steps: int, dist) -> Iterator:
        order = _rank_order(torch.randperm(len(self), generator=gen), dist)
        yield from self._batches(order, batch, steps, drop_unreadable=True, training=True)

    def ordered_batches(self, batch: int) -> Iterator:
        """In order and complete (an unreadable file is a black image here), so predictions line up
        with ``target``."""
        yield from self._batches(torch.arange(len(self)), batch, math.ceil(len(self) / batch), drop_unreadable=False)

    def take(self, index) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The samples at ``index`` (a slice, or positions), decoded here in the main process."""
        positions = torch.arange(len(self))[index.cpu() if isinstance(index, torch.Tensor) else index]
        x, _, _, bad, _ = self.workers_data.decode(self.indices.index_select(0, positions).tolist())
        self.unreadable.update(bad)
        return [self.to_model(x.to(self.device))], self.target[positions.to(self.device)]


# ----------------------------------------------------------------------------- preparing a folder

def _decoded(dataset, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The readable images among ``indices`` as [0, 1] floats, and their labels."""
    x, y, readable, _ = collate_readable([dataset[int(i)] for i in indices])
    return x[readable].float() / 255.0, y[readable]


def _noisy_labels(folder: FolderImages, stub: DataSet, train_idx: torch.Tensor, fraction: float,
                  seed: int) -> torch.Tensor:
    labels = folder.labels.clone()
    labels[train_idx] = add_label_noise(stub.subset(train_idx), fraction, seed).target
    return labels


def streamed_splits(folder: FolderImages, cfg, graph_inputs: list[dict]):
    """(train, val, test, preprocess) for a listed folder: stratified index splits, normalisation
    statistics from up to ``STATS_SAMPLES`` training images, and the binding onto the graph's
    Inputs, recorded like an in-memory image set's (``dataset.split``)."""
    # a zero-width stand-in: the split and the label noise need only the labels
    stub = DataSet(folder.name, "image", "classification", {"x": torch.zeros(len(folder), 0)}, folder.labels,
                   class_names=folder.class_names, fixed_test=folder.fixed_test)
    train_idx, val_idx, test_idx = split_indices(stub, cfg.val_split, cfg.test_split, cfg.seed)
    labels = _noisy_labels(folder, stub, train_idx, cfg.label_noise, cfg.seed) if cfg.label_noise else folder.labels
    dataset = folder.dataset()
    gen = torch.Generator().manual_seed(cfg.seed)
    probe_idx = train_idx[torch.randperm(len(train_idx), generator=gen)[:STATS_SAMPLES]]
    probe, probe_y = _decoded(dataset, probe_idx)
    if not len(probe_y):
        raise DataError("data.folder_unreadable_images", path=folder.root[-200:], count=len(probe_idx))
    probe_set = DataSet(folder.name, "image", "classification", {"x": probe}, probe_y,
                        class_names=folder.class_names, normalize=folder.normalize, fixed_test=folder.fixed_test,
                        extra={"image": {"size": [folder.size, folder.size], "channels": folder.channels}})
    record = base_record(probe_set)         # of the whole set: fixed_test too
    norm = _norm_record("image", probe, None) if folder.normalize else None
    if norm is not None:
        record["normalize"]["x"] = norm
        probe = portable.normalize(probe, norm)
        probe_set.inputs["x"] = probe
    binding = plan(probe_set, graph_inputs)
    record["reshape"] = binding
    to = next(iter(binding.values()))["to"]
    to_model = ToModel(norm, to)
    value_range = (float(probe.min()), float(probe.max()))
    parts = [StreamSplit(dataset, idx, labels, to_model, tuple(to), value_range) if len(idx) else None
             for idx in (train_idx, val_idx, test_idx)]
    return parts[0], parts[1], parts[2], record
