"""The training loop, lean in the spirit of nanoGPT, with Lightning-style callback hooks.

Data live as tensors on the device and are shuffled with ``randperm``; step metrics
stay on the device and are synced only at log points; everything optional
(monitoring, checkpoints, early stopping) is a callback.
"""
from __future__ import annotations

import contextlib
import math
import random
import time
from pathlib import Path

import numpy as np
import torch

from builder.codegen import compile_graph
from builder.errors import CodedError

from . import checkpoint, distributed, incremental, rl, transfer
from .batches import close_workers, epoch_batches, samples_in, unreadable_files
from .callbacks import Callback, Control
from .config import ConfigError, TrainConfig
from .device import amp_mode, bf16_supported, channels_last, data_placement, facts, free_memory, pick
from .optim import Schedule, make_optimizer
from .prepare import Prepared, evenly_spread, place, prepare
from .monitor import run_callbacks
from .tasks import TASKS

INITIAL_VAL_SAMPLES = 256      # the untrained model's curve point (epoch 0) is measured on this many


class TrainError(CodedError):
    """The run stopped on a problem the user can act on (NaN loss, out of memory, ...)."""


class BestWeights:
    """The weights of the best epoch so far, by one metric chosen once per run: the one early
    stopping watches, else the validation loss (the training loss without a validation split).
    Early stopping restores them, the best checkpoint holds them and the test split is scored
    on them, so a run has one best model."""

    def __init__(self, metric: str):
        self.metric = metric
        self.maximize = metric.endswith("acc")
        self.value = None
        self.epoch = 0
        self.record: dict = {}
        self.state: dict | None = None      # unwrapped state_dict on the CPU

    def update(self, trainer, record: dict) -> bool:
        """Keep the weights if ``record`` (an epoch's) is the best so far; whether it was."""
        value = record.get(self.metric)
        if not record["epoch"] or value is None or not math.isfinite(value):
            return False
        if self.value is not None and not (value > self.value if self.maximize else value < self.value):
            return False
        self.value, self.epoch, self.record = value, record["epoch"], record
        self.state = checkpoint.unwrap_state_dict(trainer.module)
        return True


def training_advice(trainer) -> list[CodedError]:
    """What will hurt this run without stopping it: a Softmax before the Output under cross-entropy."""
    from builder.advice import final_softmax_nodes
    if trainer.data.mode != "classification" or getattr(trainer.task, "kind", None) != "cross_entropy":
        return []
    return [CodedError("train.softmax_last", node=node) for node in final_softmax_nodes(trainer.data.check)]


def best_metric(cfg: TrainConfig, has_val: bool) -> str:
    if cfg.early_stopping:
        return cfg.es_metric
    return "val_loss" if has_val else "train_loss"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Trainer:
    def __init__(self, cfg: TrainConfig, graph: dict, discriminator: dict | None = None,
                 callbacks: list[Callback] | None = None, control: Control | None = None,
                 prepared: Prepared | None = None):
        self.cfg = cfg
        self.graph = graph
        self.discriminator_graph = discriminator
        self.dist = distributed.from_env()
        # Rank 0 alone writes the run folder and takes pause/stop requests; it tells the others.
        self.callbacks = list(callbacks or []) if self.dist.main else []
        self.control = (control or Control()) if self.dist.main else Control()
        self.device = pick(cfg.device)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True   # batches keep their shape: cuDNN times its kernels once, keeps the fastest
        self.device_facts = facts(self.device)
        self.device_name = self.device_facts["device"]
        distributed.init(self.dist, self.device)
        seed_everything(cfg.seed)
        self.data = (prepared or prepare(cfg, graph, discriminator))
        graph = self.graph = self.data.graph or graph      # a class-incremental run's output layer is grown
        # what was not given takes the defaults for this run's mode and data set (runtime.config)
        self.cfg = cfg = cfg.resolved(self.data.mode, None if cfg.upload else cfg.data)
        self.augmenter = self._augmenter()
        if self.augmenter is not None and hasattr(self.data.train, "augment_in_workers"):
            self.data.train.augment_in_workers(self.augmenter)     # streamed: decoded and augmented in the workers
        self.data_placement = self._place_data()
        self.amp = amp_mode(cfg.amp, self.device.type, bf16_supported(self.device))   # "auto" decided here
        self.compiled = compile_graph(graph, self.data.check)
        seed_everything(cfg.seed)
        self.module = self.compiled.build().to(self.device)   # unwrapped: saved, hooked, exported
        self.model = self.module                                # what training steps call
        self.discriminator = None
        self.d_compiled = None
        if self.data.mode == "gan" and self.dist.enabled:
            raise ConfigError("train.ddp_gan")
        if self.data.mode == "gan":
            self.d_compiled = compile_graph(discriminator, self.data.disc_check)
            self.discriminator = self.d_compiled.build().to(self.device)
        self.teacher = self._teacher()
        self.channels_last = self._memory_format()
        self.start_epoch, self.step = 0, 0
        self.epochs_completed = 0
        self.log_step = False       # whether the step under way ends at a log point (callbacks read it)
        self.init_info = self._init_from_checkpoint()
        self._freeze()
        self.ewc = incremental.ewc_for(self)
        if self.data.incremental is not None and self.dist.main:
            self.callbacks.append(incremental.IncrementalReport())
        self.steps_per_epoch = self._steps_per_epoch()
        self.total_steps = self.steps_per_epoch * cfg.epochs
        if cfg.max_steps:
            self.total_steps = min(self.total_steps, cfg.max_steps)
        lr = cfg.g_lr if self.data.mode == "gan" else cfg.lr
        self.optimizer = make_optimizer(self._trainable(self.module), cfg, lr)
        self.schedule = Schedule(self.optimizer, cfg, self.steps_per_epoch, self.total_steps, lr)
        self.d_optimizer = self.d_schedule = None
        if self.discriminator is not None:
            self.d_optimizer = make_optimizer(self._trainable(self.discriminator), cfg, cfg.d_lr)
            self.d_schedule = Schedule(self.d_optimizer, cfg, self.steps_per_epoch * cfg.d_steps,
                                       self.total_steps * cfg.d_steps, cfg.d_lr)
        self._restore_optimizers()
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp == "fp16")
        if self.dist.enabled:
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.module, device_ids=[self.dist.local_rank] if self.device.type == "cuda" else None)
        if cfg.compile:
            self.model = torch.compile(self.model)
        self.task = TASKS[self.data.mode](self)
        self.advice = training_advice(self)     # set-ups that train, but badly: said, not refused
        self.should_stop = False
        self.stop_reason = None
        self.best = BestWeights(best_metric(cfg, self.data.val is not None))
        self.test_report: dict | None = None
        self.history: list[dict] = []
        self.started = time.time()
        self.samples_seen = 0
        self.evaluated = None      # the split the last epoch record's validation metrics are of

    # -- set-up helpers ---------------------------------------------------------------
    def _place_data(self) -> str:
        """The splits on the device when they fit in a share of its free memory, else in host memory with
        each batch copied over (``runtime.device.data_placement``); which of the two it is."""
        d = self.data
        splits = [s for s in (d.train, d.val, d.test) if s is not None]
        where = data_placement(sum(s.nbytes() for s in splits), self.device.type, free_memory(self.device))
        d.train, d.val, d.test = (place(s, self.device, where) for s in (d.train, d.val, d.test))
        return where

    def _teacher(self):
        """The network a distilled run learns from (``cfg.teacher``), else None."""
        if not self.cfg.teacher:
            return None
        from .distill import load_teacher
        return load_teacher(self.cfg.teacher, self.data.check, self.device)

    def _memory_format(self) -> bool:
        """Whether the networks use the channels-last layout (``runtime.device.channels_last``); converts them."""
        nets = [m for m in (self.module, self.discriminator, self.teacher) if m is not None]
        has_conv2d = any(isinstance(layer, torch.nn.Conv2d) for net in nets for layer in net.modules())
        use = channels_last(self.cfg.memory_format, self.device.type, has_conv2d)
        for net in nets if use else ():
            net.to(memory_format=torch.channels_last)
        return use

    def laid_out(self, inputs):
        """A batch's 4-D inputs in the networks' memory layout (as they are unless channels-last)."""
        if not self.channels_last:
            return inputs
        return [x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x for x in inputs]

    def _steps_per_epoch(self) -> int:
        world = self.dist.world
        if self.cfg.batch_size % world:
            raise ConfigError("train.ddp_batch", batch_size=self.cfg.batch_size, devices=world)
        n, bs = len(self.data.train) // world, self.cfg.batch_size // world   # per rank
        steps = math.ceil(n / bs)
        if steps > 1 and n % bs == 1:
            steps -= 1   # a last batch of one sample breaks BatchNorm; drop it
        return max(1, steps)

    @staticmethod
    def _trainable(module):
        return [p for p in module.parameters() if p.requires_grad]

    def _init_from_checkpoint(self) -> dict:
        if not self.cfg.init_from:
            return {}
        state = checkpoint.load(self.cfg.init_from)
        own = self.module.state_dict()
        plan = self.data.incremental
        grow = (self.compiled.generated.module_path(plan.head),) if plan is not None else ()
        loaded, rows = transfer.match(state["state_dict"], own, grow)
        skipped = [row["key"] for row in rows if row["status"] in (transfer.SHAPE, transfer.UNUSED)]
        if self.cfg.resume and (skipped or len(loaded) != len(own)):
            raise ConfigError("train.resume_mismatch", path=self.cfg.init_from)
        if not loaded:
            raise ConfigError("train.finetune_nothing", path=self.cfg.init_from)
        self.module.load_state_dict(loaded, strict=False)
        if self.discriminator is not None and state.get("discriminator_state_dict"):
            self.discriminator.load_state_dict(state["discriminator_state_dict"])
        if self.cfg.resume:
            self.start_epoch = self.epochs_completed = int(state.get("epoch", 0))
            self.step = int(state.get("step", 0))
        self._resume_state = state if self.cfg.resume else None
        layers = transfer.by_layer(rows, transfer.layer_names(self.compiled.generated), self.cfg.freeze)
        return {"loaded": len(loaded), "skipped": skipped, "layers": layers}

    def _restore_optimizers(self) -> None:
        state = getattr(self, "_resume_state", None)
        if not state:
            return
        if state.get("optimizer"):
            try:
                self.optimizer.load_state_dict(state["optimizer"])
            except ValueError:   # other parameters train now (a different freeze or optimizer)
                raise ConfigError("train.resume_mismatch", path=self.cfg.init_from) from None
        if state.get("schedule"):
            self.schedule.load_state_dict(state["schedule"])
        if self.d_optimizer is not None and state.get("d_optimizer"):
            self.d_optimizer.load_state_dict(state["d_optimizer"])

    def _freeze(self) -> None:
        if not self.cfg.freeze:
            return
        generated = self.compiled.generated     # a node id, or a path into blocks: layer1/0/conv1
        unknown = [n for n in self.cfg.freeze if generated.module_path(n) is None]
        if unknown:
            raise ConfigError("train.freeze_unknown", nodes=", ".join(unknown))
        prefixes = tuple(generated.module_path(n) + "." for n in self.cfg.freeze)
        for key, p in self.module.named_parameters():
            if key.startswith(prefixes):
                p.requires_grad_(False)

    def _augmenter(self):
        from .data.augment import Augmenter, check_channels, check_config
        from .data.errors import DataError
        try:
            check_config(self.cfg.augment)
        except DataError as exc:
            raise ConfigError(exc.code, **exc.args) from None
        if not self.cfg.augment:
            return None
        if not any(self.data.image_inputs):     # augmentation is for images: refused, not ignored
            raise ConfigError("train.augment_needs_images", data=self.data.data_name, kind=self.data.data_kind)
        try:     # hue and saturation: RGB inputs only (the graph's shape, as the batches reach the model)
            for node, is_image in zip(self.data.check.input_nodes(), self.data.image_inputs):
                check_channels(self.cfg.augment, self.data.check.shapes[node][0] if is_image else 3)
        except DataError as exc:
            raise ConfigError(exc.code, **exc.args) from None
        return Augmenter(self.cfg.augment, seed=self.cfg.seed)

    # -- the step machinery the tasks use ----------------------------------------------
    def autocast(self):
        if self.amp == "off":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.amp == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def backward_and_step(self, loss, optimizer, schedule) -> None:
        if self.cfg.l1 > 0:
            params = [p for g in optimizer.param_groups for p in g["params"] if p.ndim > 1]
            loss = loss + self.cfg.l1 * sum(p.abs().sum() for p in params)
        if self.ewc is not None and optimizer is self.optimizer:
            loss = loss + self.ewc.penalty(self.module)
        self.scaler.scale(loss).backward()
        for cb in self.callbacks:
            cb.on_after_backward(self)
        if self.cfg.grad_clip > 0:
            self.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], self.cfg.grad_clip)
        self.scaler.step(optimizer)
        self.scaler.update()
        optimizer.zero_grad(set_to_none=True)
        schedule.step()

    def _augment(self, inputs):
        if self.augmenter is None or getattr(self.data.train, "augments", False):
            return inputs
        return [self.augmenter(x) if is_image else x for x, is_image in zip(inputs, self.data.image_inputs)]

    # -- the loop ----------------------------------------------------------------------
    def fit(self) -> dict:
        cfg = self.cfg
        for cb in self.callbacks:
            cb.on_fit_start(self)
        train = self.data.train
        n, world = len(train), self.dist.world
        bs = cfg.batch_size // world                      # per rank; the global batch is cfg.batch_size
        log_every = max(1, self.steps_per_epoch // cfg.log_points_per_epoch)
        gen = torch.Generator().manual_seed(cfg.seed)
        for _ in range(self.start_epoch):      # resuming: the same shuffles as an uninterrupted run
            torch.randperm(n, generator=gen)
        try:
            if self.start_epoch == 0 and self.data.val is not None:
                self._initial_evaluation()
            for epoch in range(self.start_epoch, cfg.epochs):
                self.epoch = epoch
                batches = epoch_batches(train, gen, bs, self.steps_per_epoch, self.dist)
                window, epoch_sums = {}, {}
                window_steps = epoch_steps = 0
                window_start, window_samples = time.time(), 0
                for b, (inputs, target) in enumerate(batches):
                    self.last_lr = self.schedule.lr     # the rate this step uses (the schedule moves after it)
                    last = b == self.steps_per_epoch - 1 or self.step + 1 >= self.total_steps
                    self.log_step = self.step + 1 == 1 or (self.step + 1) % log_every == 0 or last
                    out = self.task.train_step(self._augment(inputs), target)
                    for k, v in out.items():
                        window[k] = window.get(k, 0) + v
                        epoch_sums[k] = epoch_sums.get(k, 0) + v
                    window_steps += 1
                    epoch_steps += 1
                    self.step += 1
                    seen = samples_in(inputs) * world
                    window_samples += seen
                    self.samples_seen += seen
                    if self.log_step:
                        elapsed = max(time.time() - window_start, 1e-9)
                        means = distributed.mean(self.dist, {k: float(v) / window_steps for k, v in window.items()})
                        record = {"kind": "step", "step": self.step, "epoch": epoch + (b + 1) / self.steps_per_epoch,
                                  **means,
                                  "lr": self.last_lr, "samples_per_s": window_samples / elapsed,
                                  "time": time.time() - self.started}
                        self._check_finite(record)
                        for cb in self.callbacks:
                            cb.on_log(self, record)
                        window, window_steps, window_samples, window_start = {}, 0, 0, time.time()
                        self._obey_control()
                    if self.should_stop or self.step >= self.total_steps:
                        break
                if b == self.steps_per_epoch - 1:
                    self.epochs_completed = epoch + 1
                record = self._epoch_record(epoch, epoch_sums, epoch_steps)
                self.history.append(record)
                self.best.update(self, record)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, record)
                self.should_stop = distributed.any_rank(self.dist, self.should_stop)   # early stopping on rank 0
                self.schedule.epoch_end(record.get("val_loss"))
                if self.should_stop or self.step >= self.total_steps:
                    break
        except torch.cuda.OutOfMemoryError:
            raise TrainError("train.oom", device=self.device_name) from None
        except RuntimeError as exc:
            if "out of memory" in str(exc).lower():
                raise TrainError("train.oom", device=self.device_name) from None
            raise
        if self.data.test is not None:
            self.test_report = self.score_test()
        summary = self.summary()
        for cb in self.callbacks:
            cb.on_fit_end(self, summary)
        close_workers(self.data)
        distributed.shutdown(self.dist)
        return summary

    def _initial_evaluation(self) -> None:
        """Epoch 0: the untrained model on (up to ``INITIAL_VAL_SAMPLES`` of) the validation set, so curves
        start where training starts. A sample is enough for a model that has learned nothing yet, and the
        whole set would cost a training run of a few epochs several per cent of its time."""
        probe = evenly_spread(self.data.val, INITIAL_VAL_SAMPLES)
        record = {"kind": "epoch", "epoch": 0, "step": 0,
                  **{f"val_{k}": v for k, v in self.task.evaluate(probe).items()},
                  "val_samples": len(probe),
                  "lr": self.schedule.lr, "time": time.time() - self.started, "samples_per_s": 0.0}
        self.evaluated = probe
        self.history.append(record)
        for cb in self.callbacks:
            cb.on_epoch_end(self, record)

    def _check_finite(self, record: dict) -> None:
        loss = record.get("loss")
        if loss is None or not math.isfinite(loss):
            raise TrainError("train.nan", step=self.step, lr=f"{self.schedule.lr:.3g}")

    def _obey_control(self) -> None:
        state = self.control.poll()
        if state == "pause":
            state = self.control.wait_while_paused(self)   # the other ranks wait at the next collective
        if distributed.any_rank(self.dist, state == "stop"):
            self.should_stop = True
            self.stop_reason = "stopped"

    def _epoch_record(self, epoch: int, sums: dict, steps: int) -> dict:
        train = distributed.mean(self.dist, {f"train_{k}": float(v) / max(1, steps) for k, v in sums.items()})
        record = {"kind": "epoch", "epoch": epoch + 1, "step": self.step, **train}
        record.setdefault("train_loss", float("nan"))
        if self.data.val is not None:
            record.update({f"val_{k}": v for k, v in self.task.evaluate(self.data.val).items()})
            self.evaluated = self.data.val
        record["lr"] = getattr(self, "last_lr", self.schedule.lr)
        record["time"] = time.time() - self.started
        record["samples_per_s"] = self.samples_seen / max(record["time"], 1e-9)
        if not math.isfinite(record["train_loss"]):
            raise TrainError("train.nan", step=self.step, lr=f"{self.schedule.lr:.3g}")
        return record

    def summary(self) -> dict:
        last = self.history[-1] if self.history else {}
        out = {"epochs": len(self.history) and last["epoch"], "steps": self.step,
               "train_loss": last.get("train_loss"), "val_loss": last.get("val_loss"),
               "samples_per_s": last.get("samples_per_s"), "device": self.device_name,
               "mode": self.data.mode, "stopped": self.stop_reason}
        if self.data.mode == "classification":
            out["val_acc"] = last.get("val_acc")
        if self.best.epoch:
            out.update(best_epoch=self.best.epoch, best_metric=self.best.metric)
        if self.test_report is not None:
            out.update(self.test_report["metrics"])
        if self.advice:
            out["advice"] = [a.to_json("en") for a in self.advice]
        if self.init_info.get("layers") and not self.cfg.resume:
            out["transfer"] = {"source": self.cfg.init_from, "layers": self.init_info["layers"]}
        unreadable = unreadable_files(self.data)
        if unreadable:
            out["unreadable_files"] = unreadable
        for cb in self.callbacks:
            extra = getattr(cb, "summary_extra", None)
            if extra:
                out.update(extra(self))
        return out

    # -- the test split ----------------------------------------------------------------
    def score_test(self) -> dict:
        """The test report: the test split scored once, on the best weights (``self.best``)."""
        from .scoring import classification_report, regression_scores, roc_curve
        test = self.data.test
        with self._weights(self.best.state):
            metrics = {f"test_{k}": v for k, v in self.task.evaluate(test).items()}
            report = {"epoch": self.best.epoch or self.epochs_completed, "selected_by": self.best.metric,
                      "samples": len(test), "metrics": metrics}
            if self.data.mode == "classification":
                pred, scores = self.task.predictions(test)
                report.update(classification_report(pred, test.target, self.data.class_names))
                if scores is not None:
                    report["roc"] = roc_curve(scores, test.target)
            elif self.data.mode == "regression":
                from .data import invert_target
                pred, _ = self.task.predictions(test)
                true = test.target.to(pred.device).reshape(pred.shape).float()
                units = {f"test_{k}": v for k, v in regression_scores(
                    invert_target(self.data.preprocess, pred), invert_target(self.data.preprocess, true)).items()}
                metrics.pop("test_mae", None)       # in the data's units below, not the trained ones
                metrics.update(units)
        return report

    @contextlib.contextmanager
    def _weights(self, state: dict | None):
        """The module with ``state`` loaded for the duration (None: as it is)."""
        if state is None:
            yield
            return
        current = checkpoint.unwrap_state_dict(self.module)
        self.module.load_state_dict(state)
        try:
            yield
        finally:
            self.module.load_state_dict(current)

    # -- what checkpoints hold ---------------------------------------------------------
    def checkpoint_content(self, optimizers: bool = True, state_dict: dict | None = None) -> dict:
        """What a checkpoint holds; without ``optimizers`` only what fine-tuning and export need;
        ``state_dict`` instead of the module's current weights (the best epoch's)."""
        content = {
            "state_dict": state_dict if state_dict is not None else checkpoint.unwrap_state_dict(self.module),
            "epoch": self.epochs_completed, "step": self.step,
            "graph": self.graph, "config": self.cfg.to_dict(), "preprocess": self.data.preprocess,
            "class_names": self.data.class_names, "input_names": self.data.input_names,
            "output_names": self.data.output_names, "mode": self.data.mode,
        }
        if optimizers:
            content.update(optimizer=self.optimizer.state_dict(), schedule=self.schedule.state_dict())
        if self.discriminator is not None:
            content.update(discriminator_state_dict=checkpoint.unwrap_state_dict(self.discriminator),
                           discriminator_graph=self.discriminator_graph)
            if optimizers:
                content["d_optimizer"] = self.d_optimizer.state_dict()
        return content


class EarlyStopping(Callback):
    """Stop when the chosen metric has not improved by ``min_delta`` for ``patience`` epochs, and end
    with the best weights (the trainer keeps them: ``Trainer.best`` watches the same metric)."""

    def __init__(self, metric: str, patience: int, min_delta: float = 0.0):
        self.metric, self.patience, self.min_delta = metric, patience, min_delta
        self.maximize = metric.endswith("acc")
        self.best = -math.inf if self.maximize else math.inf
        self.bad = 0

    def on_epoch_end(self, trainer, record):
        value = record.get(self.metric)
        if value is None and record["epoch"] == 0:
            return   # the untrained model has validation metrics only
        if value is None:
            raise ConfigError("train.es_metric_missing", metric=self.metric)
        better = value > self.best + self.min_delta if self.maximize else value < self.best - self.min_delta
        if better:
            self.best, self.bad = value, 0
        else:
            self.bad += 1
            if self.bad >= self.patience:
                trainer.should_stop = True
                trainer.stop_reason = "early_stopping"

    def on_fit_end(self, trainer, summary):
        if trainer.best.state is not None:
            trainer.module.load_state_dict(trainer.best.state)

    @staticmethod
    def summary_extra(trainer) -> dict:
        """The summary describes the model the run ends with: the best epoch's weights."""
        best = trainer.best.record
        return {k: best[k] for k in ("val_loss", "val_acc") if k in best}


def train(cfg: TrainConfig, graph: dict, discriminator: dict | None = None, run_dir: str | Path | None = None,
          callbacks: list[Callback] | None = None, control: Control | None = None) -> tuple[Trainer, dict]:
    """Train a graph; with ``run_dir`` the run folder is written (metrics, snapshots, checkpoints)."""
    if rl.is_rl(cfg, graph):        # an agent in an environment (runtime/rl, docs/design.md)
        return rl.train_agent(cfg, graph, run_dir=run_dir, callbacks=callbacks, control=control)
    callbacks = list(callbacks or [])
    if cfg.early_stopping:
        callbacks.append(EarlyStopping(cfg.es_metric, cfg.es_patience, cfg.es_min_delta))
    if run_dir is not None:
        callbacks += run_callbacks(Path(run_dir))
    trainer = Trainer(cfg, graph, discriminator, callbacks=callbacks, control=control)
    summary = trainer.fit()
    return trainer, summary
