"""What a run writes to its folder while it trains (docs/run-format.md), as training callbacks.

Each callback has one job: ``RunRecord`` (config, graphs, preprocessing at the start; test
report and summary at the end), ``MetricsWriter`` (metrics.jsonl), ``StatusWriter`` (the
heartbeat in status.json), ``Snapshots`` (weight and gradient statistics, activations of a
few fixed validation samples), ``EpochViews`` (confusion matrix, decision boundary,
reconstructions and generated samples) and ``Checkpointer`` (the last and the best
checkpoints; the best is the trainer's one best model, ``Trainer.best``, the metric early
stopping watches). ``run_callbacks`` puts them together in the order they must run.

Everything beyond the metrics lines and the per-layer norms (a number per layer at each log
point) is paced by wall time, not by steps or epochs: a small data set's epoch can take 20 ms,
and writing diagnostics and checkpoints after each one would make monitoring cost more than
training. The end of the run writes everything once more, so
the last state is always on disk.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import torch

from builder.errors import PATH_SEP
from builder.graph import write_document

from . import checkpoint
from . import runfiles
from .attention_record import attention_layers, write_attention
from .callbacks import Callback
from .data.classes import MAX_CLASSES

HIST_BINS = 30
MAX_CHANNELS = 16      # feature maps kept per conv layer and sample
MAX_UNITS = 256        # units kept per dense layer and sample
MAX_LATENT_POINTS = 1000
GRID = 60              # decision-boundary resolution
METRICS_SECONDS = 0.1  # step records are written in batches at most this often (the first at once)
STATUS_SECONDS = 0.5   # status.json while running (the page polls about once a second)
CHECKPOINT_SECONDS = 10.0
MAX_CONFUSION_CLASSES = MAX_CLASSES    # a matrix is k x k; above this many classes, the most frequent k
# Paced diagnostics wait at least their own cost over this share: a slow machine, or a big model, where one
# snapshot takes 0.5 s gets one every 25 s, not one every second that halves the training speed. 2%: all
# of monitoring (norms at log points, metrics, epoch views, checkpoints too) stays under 5% (bench/train_bench.py).
MONITOR_SHARE = 0.02


def paced_gap(seconds: float, cost: float) -> float:
    """Seconds between two paced diagnostics that asked for ``seconds`` and last took ``cost``."""
    return max(seconds, cost / MONITOR_SHARE)


def run_callbacks(run_dir: Path) -> list[Callback]:
    """Everything a run writes to ``run_dir``, in the order the hooks must run: the summary after the
    checkpoints and the heartbeat last, so a reader that sees "finished" finds everything written."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    metrics = MetricsWriter(run_dir)
    from .lm import LiveSample
    return [metrics, Snapshots(run_dir), EpochViews(run_dir), Checkpointer(run_dir), RunRecord(run_dir),
            LiveSample(run_dir), StatusWriter(run_dir, metrics)]


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


class Pacer:
    """When paced epoch-end work is due: the first epoch, then at most once per ``seconds``, and once
    more at the end unless the last epoch was just done."""

    def __init__(self):
        self.last = 0.0
        self.done = None        # the epoch record last handled
        self.cost = 0.0         # seconds the work took last time (``paced_gap``)

    def due(self, record: dict, seconds: float, final: bool = False) -> bool:
        now = time.time()
        if record is self.done or not (final or record["epoch"] == 0 or now - self.last >= paced_gap(seconds, self.cost)):
            return False
        self.last, self.done = now, record
        return True


# -- the run's description: at the start and at the end ------------------------------------------------
class RunRecord(Callback):
    """config.json, graph.json, discriminator.json and preprocess.json at the start; test.json and
    summary.json at the end."""

    def __init__(self, run_dir: Path):
        self.dir = run_dir

    def on_fit_start(self, trainer):
        t = trainer
        runfiles.write_json(self.dir / runfiles.CONFIG, t.cfg.to_dict())
        runfiles.write_text(self.dir / runfiles.GRAPH, write_document(t.graph))
        if t.discriminator_graph is not None:
            runfiles.write_text(self.dir / runfiles.DISCRIMINATOR, write_document(t.discriminator_graph))
        runfiles.write_json(self.dir / runfiles.PREPROCESS, {"preprocess": t.data.preprocess, "class_names": t.data.class_names,
                                                 "input_names": t.data.input_names, "output_names": t.data.output_names,
                                                 "mode": t.data.mode, "data": t.data.data_name,
                                                 "data_kind": t.data.data_kind})

    def on_fit_end(self, trainer, summary):
        if trainer.test_report is not None:
            runfiles.write_json(self.dir / runfiles.TEST, trainer.test_report)
        runfiles.write_json(self.dir / runfiles.SUMMARY, summary)


# -- metrics.jsonl and status.json ----------------------------------------------------------------------
class MetricsWriter(Callback):
    """Step and epoch records, appended in batches (at most every ``METRICS_SECONDS``, the first at once)."""

    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.lines: list[str] = []      # records not yet written
        self.last_flush = 0.0

    def flush(self) -> None:
        if self.lines:
            runfiles.append_lines(self.dir / runfiles.METRICS, self.lines)
            self.lines = []
        self.last_flush = time.time()

    def on_log(self, trainer, record):
        self.lines.append(runfiles.jsonl_line(record))
        if time.time() - self.last_flush >= METRICS_SECONDS:
            self.flush()

    def on_epoch_end(self, trainer, record):
        self.lines.append(runfiles.jsonl_line(record))
        self.flush()

    def on_fit_end(self, trainer, summary):
        self.flush()


class StatusWriter(Callback):
    """The heartbeat: status.json at every change of state and, while running, at most every
    ``STATUS_SECONDS``. The pause control calls ``status`` too (runtime.runs.FileControl)."""

    def __init__(self, run_dir: Path, metrics: MetricsWriter):
        self.dir = run_dir
        self.metrics = metrics
        self.last = 0.0

    def status(self, t, state: str, **extra) -> None:
        self.metrics.flush()      # a reader of the status sees the records it speaks of
        self.last = time.time()
        runfiles.write_json(self.dir / runfiles.STATUS, {
            "format_version": runfiles.RUN_FORMAT_VERSION, "state": state, "pid": os.getpid(),
            "step": t.step, "epoch": getattr(t, "epoch", t.start_epoch), "epochs": t.cfg.epochs,
            "epochs_done": t.epochs_completed,
            "total_steps": t.total_steps, "steps_per_epoch": t.steps_per_epoch, **t.device_facts,
            "mode": t.data.mode, "data": t.data.data_name, "started": t.started, "updated": time.time(), **extra})

    def _beat(self, trainer) -> None:
        if time.time() - self.last >= STATUS_SECONDS:
            self.status(trainer, "running")

    def on_fit_start(self, trainer):
        self.status(trainer, "running")

    def on_log(self, trainer, record):
        self._beat(trainer)

    def on_epoch_end(self, trainer, record):
        self._beat(trainer)

    def on_fit_end(self, trainer, summary):
        self.status(trainer, "stopped" if trainer.stop_reason == "stopped" else "finished",
                    stop_reason=trainer.stop_reason)


# -- weights, gradients and activations -----------------------------------------------------------------
class Snapshots(Callback):
    """stats.jsonl and activations.npz.

    Per-layer weight and gradient norms (cheap: one number per layer) at every log point, so
    even a run of a few steps draws a curve of each; histograms of the weights and gradients
    and every layer's output for a few fixed validation samples (activations.npz; forward hooks
    only for that one pass) are heavier: before training (epoch 0), after the first backward
    pass, then at most once per ``snapshot_seconds``, and at the end.
    """

    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.last = 0.0
        self.gradient_snapshots = 0     # snapshots taken with the gradients there
        self.cost = 0.0                 # seconds the last snapshot took (``paced_gap``)
        self.pending_norms = None       # norms of the log step under way, written with its record
        self.lines: list[str] = []      # records not yet written (appended in batches, like metrics.jsonl)
        self.last_flush = 0.0

    def on_fit_start(self, trainer):
        t = trainer
        self.watch = watched_modules(t.data.check, t.compiled.generated, t.module)
        shapes = {PATH_SEP.join(path): shape for path, shape in watched_shapes(t.data.check).items()}
        self.conv_like = {n for n in self.watch if shapes.get(n) is not None and len(shapes[n]) in (2, 3)}
        self.watch_inputs, self.watch_target = None, None
        if t.data.mode != "gan":
            split = t.data.val or t.data.train
            self.watch_inputs, self.watch_target = split.take(slice(0, min(t.cfg.watch_samples, len(split))))
        if t.data.mode != "gan":     # every layer with weights, inside block instances too (by path)
            self.layers = param_layers(t.data.check, t.compiled.generated, t.module)
        else:                           # the discriminator's attributes
            self.layers = [(name, module) for name, module in t.discriminator.named_children()]
        self.norms = LayerNorms(layers=self.layers)

    def on_after_backward(self, trainer):
        if not trainer.cfg.monitor:
            return
        if trainer.log_step and self.pending_norms is None:    # a GAN's first backward: the discriminator's
            self.pending_norms = self.norms()
        # at log points only: a snapshot reads the device, which the steps between them never wait for
        due = not self.gradient_snapshots or time.time() - self.last >= paced_gap(trainer.cfg.snapshot_seconds, self.cost)
        if trainer.log_step and due:
            self.gradient_snapshots += 1
            self.snapshot(trainer)

    def on_log(self, trainer, record):
        if self.pending_norms is not None:
            self._append(trainer, record["step"], self.pending_norms)
            self.pending_norms = None

    def on_epoch_end(self, trainer, record):
        if trainer.cfg.monitor and record["epoch"] == 0:
            self.snapshot(trainer)
        self.flush()

    def on_fit_end(self, trainer, summary):
        if trainer.cfg.monitor and trainer.history:
            self.snapshot(trainer)
        self.flush()

    def _model(self, t):
        return t.module if t.data.mode != "gan" else t.discriminator

    def _append(self, t, step: int, layers: dict) -> None:
        """One stats.jsonl record; ``layers`` keyed as the file has them (node ids, a GAN's attributes)."""
        self.lines.append(runfiles.jsonl_line({"step": step, "epoch": getattr(t, "epoch", 0),
                                               "model": "discriminator" if t.data.mode == "gan" else "model",
                                               "layers": layers}))
        if time.time() - self.last_flush >= METRICS_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            runfiles.append_lines(self.dir / runfiles.STATS, self.lines)
            self.lines = []
        self.last_flush = time.time()

    def snapshot(self, t) -> None:
        self.last = time.time()
        self._record(t)
        self.cost = time.time() - self.last

    def _record(self, t) -> None:
        layers = {}
        for key, module in self.layers:
            params = list(module.parameters())
            if not params:
                continue
            w = torch.cat([p.detach().reshape(-1).float() for p in params])
            grads = [p.grad for p in params if p.grad is not None]
            entry = {"weight_norm": float(w.norm()), "weight_hist": _hist(w)}
            if grads:
                g = torch.cat([gr.detach().reshape(-1).float() for gr in grads])
                entry.update(grad_norm=float(g.norm()), grad_hist=_hist(g))
            layers[key] = entry
        self._append(t, t.step, layers)
        self.flush()
        if self.watch_inputs is not None:
            self._activations(t)

    @torch.no_grad()
    def _activations(self, t) -> None:
        captured, handles = {}, []

        def keep(node):
            def hook(_module, _inputs, output):
                out = output[0] if isinstance(output, tuple) else output
                out = out.detach()
                if 3 <= out.ndim <= 4 and node in self.conv_like:
                    out = out[:, :MAX_CHANNELS]
                elif out.ndim == 2:
                    out = out[:, :MAX_UNITS]
                captured[node] = _to_numpy(out)
            return hook

        for node, module_path in self.watch.items():
            handles.append(t.module.get_submodule(module_path).register_forward_hook(keep(node)))
        was = t.module.training
        t.module.eval()
        try:
            t.module(*self.watch_inputs)
        finally:
            t.module.train(was)
            for h in handles:
                h.remove()
        arrays = {f"act__{k}": v for k, v in captured.items()}
        arrays["step"] = np.array(t.step)
        for i, x in enumerate(self.watch_inputs):
            arrays[f"input__{i}"] = _to_numpy(x)
        if self.watch_target is not None:
            arrays["target"] = _to_numpy(self.watch_target)
        runfiles.write_npz(self.dir / runfiles.ACTIVATIONS, compress=False, **arrays)


def watched_modules(result, generated, model) -> dict[str, str]:
    """Node -> dotted module path for every node with a module, in graph order, each block instance
    followed by the nodes inside it: ``{"conv1": "conv1", "layer1": "layer1", "layer1/0": "layer1.0",
    "layer1/0/conv1": "layer1.0.conv1", ...}``. The key is the node id, or inside an instance the
    path of ids joined with "/" (the ``act__<key>`` arrays of activations.npz)."""
    out = {}

    def visit(inside, prefix: tuple) -> None:
        for node_id in inside.order:
            path = prefix + (node_id,)
            module_path = generated.module_paths.get(path)
            if module_path is None:
                continue
            try:
                model.get_submodule(module_path)
            except AttributeError:
                continue
            out[PATH_SEP.join(path)] = module_path
            if node_id in inside.instances:
                visit(inside.instances[node_id], path)

    visit(result, ())
    return out


def param_layers(result, generated, model) -> list[tuple[str, torch.nn.Module]]:
    """(key, module) for every layer with weights of its own, in graph order: a node of the graph by
    its id, a node inside a block instance by its path (``layer1/0/conv1``). An instance is not one
    of them: its weights are its nodes' (stats.jsonl shows VGG's 13 convolutions, not one ``features``)."""
    instances = {PATH_SEP.join(prefix + (node_id,)) for prefix, inside in result.walk() for node_id in inside.instances}
    out = []
    for key, module_path in watched_modules(result, generated, model).items():
        module = model.get_submodule(module_path)
        if key not in instances and any(True for _ in module.parameters()):
            out.append((key, module))
    return out


def watched_shapes(result) -> dict[tuple, tuple | None]:
    """The shape of every node by path (a node of the graph: a path of one id)."""
    return {**{(node_id,): shape for node_id, shape in result.shapes.items()}, **result.inner_shapes()}


class LayerNorms:
    """The weight and gradient norm of each child module with parameters (or of each module of
    ``layers``, ``[(key, module)]``), as ``{layer: {"weight_norm", "grad_norm"}}`` (``grad_norm`` where
    gradients are there): one fused norm over every parameter and gradient, one transfer from the
    device (the per-step cost of a log point stays small)."""

    def __init__(self, model: torch.nn.Module | None = None, layer_key=None, layers=None):
        self.params, self.layers = [], []
        if layers is None:
            layers = [(layer_key(name), module) for name, module in model.named_children()]
        for key, module in layers:
            for param in module.parameters():
                self.params.append(param)
                self.layers.append(key)

    def __call__(self) -> dict:
        with_grad = [i for i, param in enumerate(self.params) if param.grad is not None]
        tensors = [param.detach() for param in self.params] + [self.params[i].grad.detach() for i in with_grad]
        if not tensors:
            return {}
        squares = torch.stack([norm.float() for norm in torch._foreach_norm(tensors)]).square().tolist()
        sums: dict = {}
        for layer, square in zip(self.layers, squares):
            sums.setdefault(layer, {"weight_norm": 0.0})["weight_norm"] += square
        for i, square in zip(with_grad, squares[len(self.params):]):
            entry = sums[self.layers[i]]
            entry["grad_norm"] = entry.get("grad_norm", 0.0) + square
        return {layer: {key: math.sqrt(value) for key, value in entry.items()} for layer, entry in sums.items()}


def _hist(values: torch.Tensor) -> dict:
    lo, hi = float(values.min()), float(values.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return {"counts": [], "lo": lo, "hi": hi}
    if hi <= lo:
        hi = lo + 1e-8
    counts = torch.histc(values, bins=HIST_BINS, min=lo, max=hi)
    return {"counts": [int(c) for c in counts.cpu().tolist()], "lo": lo, "hi": hi}


# -- the epoch-end views --------------------------------------------------------------------------------
class EpochViews(Callback):
    """confusion.json and boundary.npz (classification), samples.npz (misclassified inputs,
    reconstructions, latent space, generated samples): at epoch 0, then at most once per
    ``snapshot_seconds``, and for the last epoch at the end."""

    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.pacer = Pacer()

    def on_fit_start(self, trainer):
        t = trainer
        self.attention = {} if t.data.mode == "gan" else attention_layers(
            watched_modules(t.data.check, t.compiled.generated, t.module), t.module)
        if t.data.mode == "gan":        # the same latent batch after every epoch: watch noise become digits
            gen = torch.Generator(device=t.device).manual_seed(t.cfg.seed + 7)
            self.fixed_noise = torch.randn((16, *t.data.latent_shape), device=t.device, generator=gen)

    def on_epoch_end(self, trainer, record):
        if trainer.cfg.monitor and self.pacer.due(record, trainer.cfg.snapshot_seconds):
            self.draw(trainer, record["epoch"])
            self.pacer.cost = time.time() - self.pacer.last

    def on_fit_end(self, trainer, summary):
        if trainer.cfg.monitor and trainer.history and self.pacer.due(trainer.history[-1], 0, final=True):
            self.draw(trainer, trainer.history[-1]["epoch"])

    def draw(self, t, epoch: int) -> None:
        if t.data.mode == "classification" and t.data.val is not None:
            self._confusion(t, epoch)
            self._boundary(t, epoch)
        self._samples(t, epoch)
        if self.attention:
            write_attention(self.dir, t, self.attention, epoch)

    def _confusion(self, t, epoch: int) -> None:
        # the samples the epoch's record was measured on (epoch 0: a sample of them), predicted once
        split = t.evaluated if t.evaluated is not None else t.data.val
        pred = t.task.predict(split).cpu()
        true = split.target.cpu()
        wrong = torch.nonzero(pred != true).reshape(-1)[:16]
        runfiles.write_json(self.dir / runfiles.CONFUSION, dict(
            confusion_record(true, pred, t.data.class_names), epoch=epoch,
            misclassified=[{"index": int(i), "true": int(true[i]), "pred": int(pred[i])} for i in wrong]))
        if len(wrong) and split.inputs[0].is_floating_point():
            self._merge_samples(misclassified=_to_numpy(split.inputs[0][wrong.to(split.inputs[0].device)]),
                                misclassified_true=true[wrong].numpy(), misclassified_pred=pred[wrong].numpy())

    def _boundary(self, t, epoch: int) -> None:
        x = t.data.train.inputs[0]
        if len(t.data.train.inputs) != 1 or tuple(x.shape[1:]) != (2,):
            return
        lo, hi = x.min(0).values, x.max(0).values
        pad = (hi - lo) * 0.1
        gx = torch.linspace(float(lo[0] - pad[0]), float(hi[0] + pad[0]), GRID, device=x.device)
        gy = torch.linspace(float(lo[1] - pad[1]), float(hi[1] + pad[1]), GRID, device=x.device)
        yy, xx = torch.meshgrid(gy, gx, indexing="ij")
        grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)
        from .prepare import Split
        pred = t.task.predict(Split([grid], None)).reshape(GRID, GRID)
        keep = slice(0, 500)
        runfiles.write_npz(self.dir / runfiles.BOUNDARY, epoch=np.array(epoch), xs=_to_numpy(gx), ys=_to_numpy(gy),
                     classes=pred.cpu().numpy(), points=_to_numpy(x[keep]),
                     labels=t.data.train.target[keep].cpu().numpy())

    @torch.no_grad()
    def _samples(self, t, epoch: int) -> None:
        mode = t.data.mode
        if mode == "gan":
            t.module.eval()
            fake = t.module(self.fixed_noise)
            t.module.train()
            real = t.data.train.inputs[0][:256]
            measured = t.history[-1] if t.history else {}      # the epoch's sample diversity (GANTask.evaluate)
            spreads = {k: np.array(measured[f"val_{k}"]) for k in ("spread", "real_spread") if f"val_{k}" in measured}
            self._merge_samples(epoch=np.array(epoch), generated=_to_numpy(fake), real=_to_numpy(real), **spreads)
        elif mode in ("autoencoder", "vae"):
            split = t.data.val or t.data.train
            inputs, _ = split.take(slice(0, 8))
            t.module.eval()
            out = t.module(*inputs)
            out = out if isinstance(out, tuple) else (out,)
            recon = out[t.data.output_names.index("recon")] if mode == "vae" else out[0]
            arrays = {"epoch": np.array(epoch), "inputs": _to_numpy(inputs[0]), "recon": _to_numpy(recon)}
            if mode == "vae":
                arrays.update(self._latent(t, split))
            t.module.train()
            self._merge_samples(**arrays)

    @staticmethod
    def _latent(t, split) -> dict:
        """The means of up to ``MAX_LATENT_POINTS`` validation samples, their labels, and for a 2-D latent
        space the decoder's output over a grid."""
        many, labels = split.take(slice(0, MAX_LATENT_POINTS))
        mu = t.module(*many)[t.data.output_names.index("mu")].flatten(1)
        arrays = {"latent": _to_numpy(mu)}
        if labels is not None:
            arrays["latent_labels"] = labels.cpu().numpy()
        if hasattr(t.module, "decode") and mu.shape[1] == 2:     # a 7x7 sweep: what the decoder learned
            steps = torch.linspace(-2.0, 2.0, 7, device=mu.device)
            yy, xx = torch.meshgrid(steps, steps, indexing="ij")
            z = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)
            arrays["decoded_grid"] = _to_numpy(t.module.decode(z.reshape(-1, *t.module.latent_shape)))
        return arrays

    def _merge_samples(self, **arrays) -> None:
        old = runfiles.read_npz(self.dir / runfiles.SAMPLES) or {}
        old.update(arrays)
        runfiles.write_npz(self.dir / runfiles.SAMPLES, **old)


def confusion_record(true: torch.Tensor, pred: torch.Tensor, class_names: list[str]) -> dict:
    """confusion.json's counts: ``classes``, ``matrix`` (rows true, columns predicted),
    ``per_class_acc`` and ``classes_total``. Memory grows with the number of classes n and
    with k * k for the k <= ``MAX_CONFUSION_CLASSES`` classes kept (the most frequent true
    classes when n is larger), never with n * n."""
    n = len(class_names)
    true, pred = true.reshape(-1).long().cpu(), pred.reshape(-1).long().cpu()
    support = torch.bincount(true, minlength=n)
    correct = torch.bincount(true[pred == true], minlength=n)
    keep = torch.arange(n)
    if n > MAX_CONFUSION_CLASSES:
        keep = torch.sort(torch.argsort(support, descending=True, stable=True)[:MAX_CONFUSION_CLASSES]).values
    k = len(keep)
    position = torch.full((n,), -1, dtype=torch.long)
    position[keep] = torch.arange(k)
    rows = position[true]
    cols = torch.where((pred >= 0) & (pred < n), position[pred.clamp(0, max(n - 1, 0))], -1)
    inside = (rows >= 0) & (cols >= 0)
    matrix = torch.bincount(rows[inside] * k + cols[inside], minlength=k * k).reshape(k, k)
    accuracy = correct[keep].double() / support[keep].clamp(min=1).double()
    return {"classes": [class_names[i] for i in keep.tolist()], "matrix": matrix.tolist(),
            "per_class_acc": accuracy.tolist(), "classes_total": n}


# -- checkpoints ----------------------------------------------------------------------------------------------
class Checkpointer(Callback):
    """checkpoint_last.pt (weights, optimizer and schedule: what resuming needs) every
    ``checkpoint_every`` epochs but at most every ``CHECKPOINT_SECONDS``, and at the end;
    checkpoint_best.pt (the best epoch's weights alone, ``Trainer.best``) when it improves,
    written at most every ``CHECKPOINT_SECONDS`` and at the end."""

    def __init__(self, run_dir: Path):
        self.dir = run_dir
        self.last_saved = time.time()
        self.pending_best = None        # the best checkpoint's content, not yet on disk
        self.best_saved = 0.0

    def on_epoch_end(self, trainer, record):
        t, epoch = trainer, record["epoch"]
        if epoch and epoch % t.cfg.checkpoint_every == 0 and time.time() - self.last_saved >= CHECKPOINT_SECONDS:
            self._save_last(t)
        if epoch and t.best.epoch == epoch:
            # the trainer copied the best weights: fine-tuning and export start from them
            self.pending_best = dict(t.checkpoint_content(optimizers=False, state_dict=t.best.state),
                                     best_epoch=epoch, best_metric=t.best.metric)
        if self.pending_best is not None and time.time() - self.best_saved >= CHECKPOINT_SECONDS:
            self._save_best()

    def on_fit_end(self, trainer, summary):
        if self.pending_best is not None:
            self._save_best()
        self._save_last(trainer)

    def _save_last(self, t) -> None:
        checkpoint.save(self.dir / runfiles.CKPT_LAST, **t.checkpoint_content())
        self.last_saved = time.time()

    def _save_best(self) -> None:
        checkpoint.save(self.dir / runfiles.CKPT_BEST, **self.pending_best)
        self.pending_best, self.best_saved = None, time.time()
