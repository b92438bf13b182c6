"""Live monitoring: what a run writes to its folder while it trains (docs/run-format.md).

``RunMonitor`` is a training callback. At log points it appends metrics; at most once
per ``snapshot_seconds`` it samples weight/gradient statistics and the activations of
a few fixed validation samples (forward hooks registered for that one pass and
removed after); at epoch ends it writes the confusion matrix, reconstructions or
generated samples, the 2-D decision boundary, and checkpoints.

Everything beyond the metrics lines is paced by wall time, not by steps or epochs: a
small data set's epoch can take 20 ms, and writing diagnostics and checkpoints after
each one would make monitoring cost more than training. The end of the run writes
everything once more, so the last state is always on disk.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch

from builder.graph import write_document

from . import checkpoint
from . import runfiles as rf
from .data.classes import MAX_CLASSES
from .train import Callback

HIST_BINS = 30
MAX_CHANNELS = 16      # feature maps kept per conv layer and sample
MAX_UNITS = 256        # units kept per dense layer and sample
MAX_LATENT_POINTS = 1000
GRID = 60              # decision-boundary resolution
METRICS_SECONDS = 0.1  # step records are written in batches at most this often (the first at once)
STATUS_SECONDS = 0.5   # status.json while running (the page polls about once a second)
CHECKPOINT_SECONDS = 10.0
MAX_CONFUSION_CLASSES = MAX_CLASSES    # a matrix is k x k; above this many classes, the most frequent k


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


class RunMonitor(Callback):
    def __init__(self, run_dir: Path):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.last_snapshot = 0.0
        self.last_diagnostics = 0.0     # epoch-end views (confusion, samples, boundary)
        self.viewed = None              # the epoch record those views show
        self.last_status = 0.0
        self.lines: list[str] = []      # metrics records not yet written
        self.last_flush = 0.0
        self.last_checkpoint = time.time()
        self.pending_best = None        # the best checkpoint's content, not yet on disk
        self.last_best_saved = 0.0

    # -- start ---------------------------------------------------------------------
    def on_fit_start(self, trainer):
        t = trainer
        rf.write_json(self.dir / rf.CONFIG, t.cfg.to_dict())
        rf.write_text(self.dir / rf.GRAPH, write_document(t.graph))
        if t.discriminator_graph is not None:
            rf.write_text(self.dir / rf.DISCRIMINATOR, write_document(t.discriminator_graph))
        rf.write_json(self.dir / rf.PREPROCESS, {"preprocess": t.data.preprocess, "class_names": t.data.class_names,
                                                 "input_names": t.data.input_names, "output_names": t.data.output_names,
                                                 "mode": t.data.mode, "data": t.data.data_name,
                                                 "data_kind": t.data.data_kind})
        self.names = t.compiled.generated.names                 # node id -> attribute
        self.node_of = {v: k for k, v in self.names.items()}
        self.watch = [n for n in t.data.check.order if hasattr(t.module, self.names[n])]
        self.watch_inputs = self._fixed_samples(t)
        self.status(t, "running")

    def _fixed_samples(self, t):
        split = t.data.val or t.data.train
        k = min(t.cfg.watch_samples, len(split))
        if t.data.mode == "gan":
            gen = torch.Generator(device=t.device).manual_seed(t.cfg.seed + 7)
            self.fixed_noise = torch.randn((16, *t.data.latent_shape), device=t.device, generator=gen)
            return None
        inputs, target = split.take(slice(0, k))
        self.watch_target = target
        return inputs

    def write_metrics(self) -> None:
        if self.lines:
            rf.append_lines(self.dir / rf.METRICS, self.lines)
            self.lines = []
        self.last_flush = time.time()

    def status(self, t, state: str, **extra) -> None:
        self.write_metrics()      # a reader of the status sees the records it speaks of
        self.last_status = time.time()
        rf.write_json(self.dir / rf.STATUS, {
            "format_version": rf.RUN_FORMAT_VERSION, "state": state, "pid": os.getpid(),
            "step": t.step, "epoch": getattr(t, "epoch", t.start_epoch), "epochs": t.cfg.epochs,
            "total_steps": t.total_steps, "steps_per_epoch": t.steps_per_epoch, **t.device_facts,
            "mode": t.data.mode, "data": t.data.data_name, "started": t.started, "updated": time.time(), **extra})

    # -- during the epoch -------------------------------------------------------------
    def on_after_backward(self, trainer):
        if time.time() - self.last_snapshot < trainer.cfg.snapshot_seconds or not trainer.cfg.monitor:
            return
        self.last_snapshot = time.time()
        self._snapshot(trainer)

    def on_log(self, trainer, record):
        self.lines.append(rf.jsonl_line(record))
        now = time.time()
        if now - self.last_status >= STATUS_SECONDS:
            self.status(trainer, "running")
        elif now - self.last_flush >= METRICS_SECONDS:
            self.write_metrics()

    def _snapshot(self, t) -> None:
        model = t.module if t.data.mode != "gan" else t.discriminator
        layers = {}
        for name, module in model.named_children():
            params = [p for p in module.parameters()]
            if not params:
                continue
            w = torch.cat([p.detach().reshape(-1).float() for p in params])
            grads = [p.grad for p in params if p.grad is not None]
            entry = {"weight_norm": float(w.norm()), "weight_hist": self._hist(w)}
            if grads:
                g = torch.cat([gr.detach().reshape(-1).float() for gr in grads])
                entry.update(grad_norm=float(g.norm()), grad_hist=self._hist(g))
            node = self.node_of.get(name, name) if model is t.module else name
            layers[node] = entry
        rf.append_jsonl(self.dir / rf.STATS, {"step": t.step, "epoch": getattr(t, "epoch", 0),
                                              "model": "discriminator" if t.data.mode == "gan" else "model",
                                              "layers": layers})
        if self.watch_inputs is not None:
            self._activations(t)

    @staticmethod
    def _hist(values: torch.Tensor) -> dict:
        lo, hi = float(values.min()), float(values.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return {"counts": [], "lo": lo, "hi": hi}
        if hi <= lo:
            hi = lo + 1e-8
        counts = torch.histc(values, bins=HIST_BINS, min=lo, max=hi)
        return {"counts": [int(c) for c in counts.cpu().tolist()], "lo": lo, "hi": hi}

    @torch.no_grad()
    def _activations(self, t) -> None:
        captured, handles = {}, []

        def keep(node):
            def hook(_module, _inputs, output):
                out = output[0] if isinstance(output, tuple) else output
                out = out.detach()
                if out.ndim >= 3 and out.ndim <= 4 and node in self._conv_like(t):
                    out = out[:, :MAX_CHANNELS]
                elif out.ndim == 2:
                    out = out[:, :MAX_UNITS]
                captured[node] = _to_numpy(out)
            return hook

        for node in self.watch:
            handles.append(getattr(t.module, self.names[node]).register_forward_hook(keep(node)))
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
        rf.write_npz(self.dir / rf.ACTIVATIONS, **arrays)

    def _conv_like(self, t) -> set:
        if not hasattr(self, "_conv_nodes"):
            shapes = t.data.check.shapes
            self._conv_nodes = {n for n in self.watch if shapes.get(n) is not None and len(shapes[n]) in (2, 3)}
        return self._conv_nodes

    # -- epoch end -----------------------------------------------------------------------
    def on_epoch_end(self, trainer, record):
        self.lines.append(rf.jsonl_line(record))
        self.write_metrics()
        self._views_and_checkpoints(trainer, record, final=False)
        if time.time() - self.last_status >= STATUS_SECONDS:
            self.status(trainer, "running")

    def _views_and_checkpoints(self, t, record: dict, final: bool) -> None:
        """Epoch-end diagnostics and checkpoints, paced by wall time; ``final`` writes what is due."""
        now = time.time()
        due = final or record["epoch"] == 0 or now - self.last_diagnostics >= t.cfg.snapshot_seconds
        if t.cfg.monitor and due and record is not self.viewed:     # the end may follow its last epoch's views
            self.last_diagnostics, self.viewed = now, record
            if t.data.mode == "classification" and t.data.val is not None:
                self._confusion(t, record["epoch"])
                self._boundary(t, record["epoch"])
            self._samples(t, record["epoch"])
            if self.watch_inputs is not None or t.data.mode == "gan":
                self._snapshot(t)
                self.last_snapshot = time.time()
        if not final and record["epoch"] and record["epoch"] % t.cfg.checkpoint_every == 0 \
                and now - self.last_checkpoint >= CHECKPOINT_SECONDS:
            self._save_last(t)
        if record["epoch"] and t.best.epoch == record["epoch"]:
            # the best weights alone (the trainer copied them): fine-tuning and export start from them;
            # resuming uses the last checkpoint
            self.pending_best = dict(t.checkpoint_content(optimizers=False, state_dict=t.best.state),
                                     best_epoch=record["epoch"], best_metric=t.best.metric)
        if self.pending_best is not None and (final or now - self.last_best_saved >= CHECKPOINT_SECONDS):
            checkpoint.save(self.dir / rf.CKPT_BEST, **self.pending_best)
            self.pending_best, self.last_best_saved = None, time.time()

    def _save_last(self, t) -> None:
        checkpoint.save(self.dir / rf.CKPT_LAST, **t.checkpoint_content())
        self.last_checkpoint = time.time()

    def _confusion(self, t, epoch: int) -> None:
        split = t.data.val
        pred = t.task.predict(split).cpu()
        true = split.target.cpu()
        wrong = torch.nonzero(pred != true).reshape(-1)[:16]
        rf.write_json(self.dir / rf.CONFUSION, dict(
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
        rf.write_npz(self.dir / rf.BOUNDARY, epoch=np.array(epoch), xs=_to_numpy(gx), ys=_to_numpy(gy),
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
            self._merge_samples(epoch=np.array(epoch), generated=_to_numpy(fake), real=_to_numpy(real))
        elif mode in ("autoencoder", "vae"):
            split = t.data.val or t.data.train
            inputs, target = split.take(slice(0, 8))
            t.module.eval()
            out = t.module(*inputs)
            out = out if isinstance(out, tuple) else (out,)
            recon = out[t.data.output_names.index("recon")] if mode == "vae" else out[0]
            arrays = {"epoch": np.array(epoch), "inputs": _to_numpy(inputs[0]), "recon": _to_numpy(recon)}
            if mode == "vae":
                many, labels = split.take(slice(0, MAX_LATENT_POINTS))
                mu = t.module(*many)[t.data.output_names.index("mu")]
                arrays["latent"] = _to_numpy(mu.flatten(1))
                if labels is not None:
                    arrays["latent_labels"] = labels.cpu().numpy()
                if hasattr(t.module, "decode"):
                    z = self._latent_grid(mu.flatten(1))
                    if z is not None:
                        arrays["decoded_grid"] = _to_numpy(t.module.decode(z.reshape(-1, *t.module.latent_shape)))
            t.module.train()
            self._merge_samples(**arrays)

    @staticmethod
    def _latent_grid(mu: torch.Tensor):
        """A 7x7 sweep over a 2-D latent space, for a picture of what the decoder learned."""
        if mu.shape[1] != 2:
            return None
        steps = torch.linspace(-2.0, 2.0, 7, device=mu.device)
        yy, xx = torch.meshgrid(steps, steps, indexing="ij")
        return torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)

    def _merge_samples(self, **arrays) -> None:
        old = rf.read_npz(self.dir / rf.SAMPLES) or {}
        old.update(arrays)
        rf.write_npz(self.dir / rf.SAMPLES, **old)

    # -- end -----------------------------------------------------------------------------
    def on_fit_end(self, trainer, summary):
        if trainer.history:     # the last epoch's views and the best weights, whatever the pacing skipped
            self._views_and_checkpoints(trainer, trainer.history[-1], final=True)
        self._save_last(trainer)
        if trainer.test_report is not None:
            rf.write_json(self.dir / rf.TEST, trainer.test_report)
        rf.write_json(self.dir / rf.SUMMARY, summary)
        self.status(trainer, "stopped" if trainer.stop_reason == "stopped" else "finished",
                    stop_reason=trainer.stop_reason)


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
