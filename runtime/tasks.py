"""What "one training step" and "evaluate" mean for each mode.

Supervised (classification, regression), autoencoder, VAE and GAN. Steps return
detached tensors that stay on the device; the loop syncs them only at log points.
"""
from __future__ import annotations

import abc
import math

import torch
import torch.nn.functional as F

from .batches import ordered_batches
from .config import ConfigError, TrainConfig
from .prepare import Prepared, Split

EVAL_BATCH = 512
REGRESSION_LOSSES = ("mse", "l1", "smooth_l1", "huber", "kl_div")


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def loss_kind(cfg: TrainConfig, mode: str, result) -> str:
    """The loss a mode trains with: the config's, or the automatic choice from the graph's Output.

    One place for the app's tasks and the exported train.py (a mismatch is a message).
    VAEs keep "auto": their task picks BCE or MSE from the data's range.
    """
    out = result.output_nodes()[0]
    shape = tuple(result.shapes[out])
    last = result.graph.node(result.inputs[out][0]).type
    kind = cfg.loss
    if mode in ("classification", "regression"):
        if kind == "auto":
            if mode == "classification":
                kind = "bce" if shape == (1,) else ("nll" if last == "LogSoftmax" else "cross_entropy")
            else:
                kind = "mse"
        if mode == "classification" and kind == "kl_div":
            raise ConfigError("train.kl_div_labels")
        allowed = ("cross_entropy", "nll", "bce") if mode == "classification" else REGRESSION_LOSSES
    elif mode == "autoencoder":
        kind = "mse" if kind == "auto" else kind
        allowed = ("mse", "l1", "smooth_l1", "huber", "bce")
    elif mode == "vae":
        allowed = ("auto", "bce", "mse")
    elif mode == "language_model":
        kind = "cross_entropy" if kind == "auto" else kind
        allowed = ("cross_entropy",)
    else:
        return "bce"
    if kind not in allowed:
        raise ConfigError("train.loss_for_mode", loss=kind, mode=mode)
    return kind


class Task(abc.ABC):
    """Base: one model, one optimizer; subclasses define ``loss``."""

    metric_names: tuple[str, ...] = ("loss",)
    higher_is_better = {"acc": True}

    def __init__(self, trainer):
        self.trainer = trainer
        self.cfg: TrainConfig = trainer.cfg
        self.data: Prepared = trainer.data

    @property
    def model(self):
        """The network in eval and train switches, checkpoints and hooks: never wrapped."""
        return self.trainer.module

    def net(self, *inputs):
        """Run the network: through DDP / torch.compile when training, plainly when evaluating
        (evaluation on one rank must not wait for the others)."""
        return (self.trainer.model if torch.is_grad_enabled() else self.trainer.module)(*self.trainer.laid_out(inputs))

    @abc.abstractmethod
    def loss(self, inputs, target, train: bool) -> tuple[torch.Tensor, dict]:
        """The loss of one batch and extra metrics (detached tensors)."""

    def train_step(self, inputs, target) -> dict:
        with self.trainer.autocast():
            loss, extra = self.loss(inputs, target, train=True)
        self.trainer.backward_and_step(loss, self.trainer.optimizer, self.trainer.schedule)
        return {"loss": loss.detach(), **extra}

    @torch.no_grad()
    def evaluate(self, split: Split) -> dict:
        """Mean metrics over a split, in eval mode (sample-weighted)."""
        was_training = self.model.training
        self.model.eval()
        totals: dict[str, torch.Tensor] = {}
        n = len(split)
        for inputs, target in ordered_batches(split, EVAL_BATCH):
            with self.trainer.autocast():
                loss, extra = self.loss(inputs, target, train=False)
            count = inputs[0].shape[0]
            for k, v in {"loss": loss, **extra}.items():
                totals[k] = totals.get(k, 0) + v.detach().float() * count
        self.model.train(was_training)
        return {k: float(v) / n for k, v in totals.items()}


def point_loss(kind: str, out: torch.Tensor, target: torch.Tensor, huber_delta: float) -> torch.Tensor:
    """A loss of each value against its target, averaged: mse, l1, smooth_l1 (Huber at δ = 1, divided by δ) or huber."""
    if kind == "huber":
        return F.huber_loss(out, target, delta=huber_delta)
    return {"mse": F.mse_loss, "l1": F.l1_loss, "smooth_l1": F.smooth_l1_loss}[kind](out, target)


def check_distributions(target: torch.Tensor | None) -> None:
    """kl_div compares distributions: every target row must be non-negative and sum to 1."""
    if target is None or target.ndim != 2 or target.shape[1] < 2:
        shape = "none" if target is None else str(list(target.shape[1:]))
        raise ConfigError("train.kl_div_shape", shape=shape)
    target = target.double()
    if bool((target < 0).any()):
        raise ConfigError("train.kl_div_negative", min=f"{float(target.min()):.3g}")
    sums = target.sum(1)
    if bool(((sums - 1).abs() > 1e-3).any()):
        raise ConfigError("train.kl_div_sums", lo=f"{float(sums.min()):.4g}", hi=f"{float(sums.max()):.4g}")


class SupervisedTask(Task):
    def __init__(self, trainer):
        super().__init__(trainer)
        self.classify = self.data.mode == "classification"
        self.kind = loss_kind(self.cfg, self.data.mode, self.data.check)
        if self.kind == "kl_div":
            check_distributions(self.data.train.target)
        # The baseline a regression must beat: every sample predicted as the training targets' mean.
        target = self.data.train.target
        self.target_mean = None if self.classify or target is None else target.float().mean(0)
        self.metric_names = ("loss", "acc") if self.classify else ("loss", "mae")
        self.smoothing = self.cfg.label_smoothing
        self._seen: list | None = None      # outputs collected while evaluating
        self._kept = None                   # (split, weights' versions, outputs) of the last evaluation

    def _class_loss(self, out, target):
        """Cross-entropy (or NLL on log-probabilities), with label smoothing as torch defines it:
        the target is (1 - s) on the true class and s spread evenly over all classes."""
        if self.kind == "cross_entropy":
            return F.cross_entropy(out, target, label_smoothing=self.smoothing)
        nll = F.nll_loss(out, target)
        return nll if not self.smoothing else (1 - self.smoothing) * nll - self.smoothing * out.mean(1).mean()

    def outputs(self, inputs):
        return _as_tuple(self.net(*inputs))[0]

    def _distilled(self, inputs, out, hard, acc):
        """A training step's loss when a teacher run is given (runtime.distill): kd_loss and ce_loss logged apart."""
        from .distill import distilled_loss
        with torch.no_grad():
            teacher_out = _as_tuple(self.trainer.teacher(*self.trainer.laid_out(inputs)))[0]
        loss, parts = distilled_loss(out, teacher_out, hard, self.cfg.kd_alpha, self.cfg.kd_temperature)
        return loss, {"acc": acc, **parts}

    def loss(self, inputs, target, train):
        out = self.outputs(inputs).float()
        if self._seen is not None:
            self._seen.append(out.detach())
        if self.classify:
            if self.kind == "bce":
                logit = out.reshape(-1)
                soft = target.float() * (1 - self.smoothing) + 0.5 * self.smoothing
                loss = F.binary_cross_entropy_with_logits(logit, soft)
                acc = ((logit > 0).long() == target).float().mean()
            else:
                loss = self._class_loss(out, target)
                acc = (out.argmax(1) == target).float().mean()
                if train and self.trainer.teacher is not None:
                    return self._distilled(inputs, out, loss, acc)
            return loss, {"acc": acc}
        target = target.reshape(out.shape).float()
        extra = {} if train else {"baseline": self._baseline(target)}
        if self.kind == "kl_div":      # out: logits of a distribution; mae between the two distributions
            log_p = F.log_softmax(out, dim=1)
            return F.kl_div(log_p, target, reduction="batchmean"), \
                {"mae": (log_p.exp() - target).abs().mean().detach(), **extra}
        return point_loss(self.kind, out, target, self.cfg.huber_delta), \
            {"mae": (out - target).abs().mean().detach(), **extra}

    def _baseline(self, target: torch.Tensor) -> torch.Tensor:
        """The loss of predicting the training mean for every sample of this batch (the same loss function)."""
        mean = self.target_mean.to(target.device).reshape(1, -1).expand(len(target), -1).reshape(target.shape)
        if self.kind == "kl_div":
            return F.kl_div(mean.clamp_min(1e-12).log(), target, reduction="batchmean")
        return point_loss(self.kind, mean, target, self.cfg.huber_delta)

    def evaluate(self, split: Split) -> dict:
        """As ``Task.evaluate``, keeping the outputs: the epoch's views then predict the same split with the
        same weights without a second pass over it."""
        self._seen = []
        try:
            metrics = super().evaluate(split)
            self._kept = (split, self._weights_version(), torch.cat(self._seen))
        finally:
            self._seen = None
        return metrics

    def _weights_version(self) -> tuple:
        """Changes whenever a weight or a buffer does (an optimizer step, batch norm's running statistics,
        loading other weights): tensors count their in-place changes."""
        return tuple(t._version for t in (*self.model.parameters(), *self.model.buffers()))

    def _outputs(self, split: Split):
        """The network's outputs for a whole split, batch by batch (the last evaluation's when it was of
        this split with these weights)."""
        kept = self._kept
        if kept is not None and kept[0] is split and kept[1] == self._weights_version():
            yield kept[2]
            return
        for inputs, _ in ordered_batches(split, EVAL_BATCH):
            yield self.outputs(inputs).float()

    def predict(self, split: Split) -> torch.Tensor:
        """Class ids (classification) or outputs (regression) for a whole split."""
        return self.predictions(split)[0]

    @torch.no_grad()
    def predictions(self, split: Split) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Class ids (classification) or outputs (regression) for a whole split, and for two classes
        the probability of class 1 (the score an ROC curve sweeps a threshold over)."""
        was = self.model.training
        self.model.eval()
        preds, scores = [], []
        for out in self._outputs(split):
            if self.classify and self.kind == "bce":
                logit = out.reshape(-1)
                preds.append((logit > 0).long())
                scores.append(torch.sigmoid(logit))
            elif self.classify:
                preds.append(out.argmax(1))
                if out.shape[1] == 2:
                    prob = torch.softmax(out, 1) if self.kind == "cross_entropy" else out.exp()   # nll: log-probs
                    scores.append(prob[:, 1])
            else:
                preds.append(torch.softmax(out, 1) if self.kind == "kl_div" else out)   # kl_div: the distribution
        self.model.train(was)
        return torch.cat(preds), (torch.cat(scores) if scores else None)


class AutoencoderTask(Task):
    metric_names = ("loss",)

    def loss(self, inputs, target, train):
        x = inputs[0]
        noisy = x
        if train and self.cfg.denoise > 0:
            noisy = x + self.cfg.denoise * torch.randn_like(x)
        recon = _as_tuple(self.net(noisy, *inputs[1:]))[0].float()
        clean = x.reshape(recon.shape).float()
        kind = loss_kind(self.cfg, "autoencoder", self.data.check)
        if kind == "bce":
            return F.binary_cross_entropy(recon.clamp(1e-6, 1 - 1e-6), clean.clamp(0, 1)), {}
        return point_loss(kind, recon, clean, self.cfg.huber_delta), {}

    @torch.no_grad()
    def reconstruct(self, inputs):
        was = self.model.training
        self.model.eval()
        out = _as_tuple(self.net(*inputs))[0]
        self.model.train(was)
        return out


class VAETask(Task):
    metric_names = ("loss", "recon", "kl")

    def __init__(self, trainer):
        super().__init__(trainer)
        names = self.data.output_names
        self.index = {k: names.index(k) for k in ("recon", "mu", "logvar")}
        x = self.data.train.inputs[0]
        in_unit_range = bool(x.min() >= 0 and x.max() <= 1)
        kind = loss_kind(self.cfg, "vae", self.data.check)
        self.kind = kind if kind != "auto" else ("bce" if in_unit_range else "mse")

    def parts(self, inputs):
        out = _as_tuple(self.net(*inputs))
        return tuple(out[self.index[k]].float() for k in ("recon", "mu", "logvar"))

    def loss(self, inputs, target, train):
        recon, mu, logvar = self.parts(inputs)
        x = inputs[0].reshape(recon.shape).float()
        if self.kind == "bce":
            rec = F.binary_cross_entropy(recon.clamp(1e-6, 1 - 1e-6), x.clamp(0, 1), reduction="none")
        else:
            rec = F.mse_loss(recon, x, reduction="none")
        rec = rec.flatten(1).sum(1).mean()
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).flatten(1).sum(1).mean()
        return rec + self.cfg.beta * kl, {"recon": rec.detach(), "kl": kl.detach()}


def spread(samples: torch.Tensor) -> float:
    """Sample diversity: each value's standard deviation across the samples, averaged over the values.
    Near 0 when a GAN collapses (every sample alike); near the real data's own spread when it does not."""
    return float(samples.float().flatten(1).std(0).mean()) if len(samples) > 1 else 0.0


class GANTask(Task):  # noqa: B024 (its step is adversarial; loss() is not used)
    """Generator = the trainer's model; discriminator = trainer.discriminator. Non-saturating loss."""

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, trainer):
        super().__init__(trainer)
        self.latent = tuple(self.data.latent_shape)

    def loss(self, inputs, target, train):
        """The generator's loss against the current discriminator (for evaluation code paths)."""
        n = inputs[0].shape[0]
        g_out = self.trainer.discriminator(self.net(self.noise(n))).float().reshape(n, 1)
        return F.binary_cross_entropy_with_logits(g_out, torch.ones_like(g_out)), {}

    def noise(self, n, generator=None):
        dev = self.trainer.device
        return torch.randn((n, *self.latent), device=dev, generator=generator)

    def train_step(self, inputs, target) -> dict:
        t = self.trainer
        real = inputs[0]
        n = real.shape[0]
        ones = torch.full((n, 1), 1.0 - self.cfg.label_smoothing, device=real.device)
        zeros = torch.zeros((n, 1), device=real.device)
        for _ in range(self.cfg.d_steps):
            # The generator's last step also filled the discriminator's gradients: start clean.
            t.d_optimizer.zero_grad(set_to_none=True)
            with t.autocast():
                fake = self.net(self.noise(n)).detach()
                d_real = t.discriminator(real).float().reshape(n, 1)
                d_fake = t.discriminator(fake).float().reshape(n, 1)
                d_loss = F.binary_cross_entropy_with_logits(d_real, ones) + F.binary_cross_entropy_with_logits(d_fake, zeros)
            t.backward_and_step(d_loss, t.d_optimizer, t.d_schedule)
        with t.autocast():
            g_out = t.discriminator(self.net(self.noise(n))).float().reshape(n, 1)
            g_loss = F.binary_cross_entropy_with_logits(g_out, torch.ones_like(g_out))
        t.backward_and_step(g_loss, t.optimizer, t.schedule)
        return {"loss": g_loss.detach(), "d_loss": d_loss.detach(), "g_loss": g_loss.detach(),
                "d_real": torch.sigmoid(d_real.detach()).mean(), "d_fake": torch.sigmoid(d_fake.detach()).mean()}

    @torch.no_grad()
    def evaluate(self, split: Split) -> dict:
        t = self.trainer
        t.module.eval()
        t.discriminator.eval()
        real = split.take(slice(0, EVAL_BATCH))[0][0]    # on the device, wherever the split lives
        n = real.shape[0]
        gen = torch.Generator(device=t.device).manual_seed(self.cfg.seed + 1)
        fake = self.net(self.noise(n, gen))
        d_real = t.discriminator(real).float().reshape(n)
        d_fake = t.discriminator(fake).float().reshape(n)
        d_loss = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
            F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        g_loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
        t.module.train()
        t.discriminator.train()
        return {"loss": float(g_loss), "d_loss": float(d_loss), "g_loss": float(g_loss),
                "d_real": float(torch.sigmoid(d_real).mean()), "d_fake": float(torch.sigmoid(d_fake).mean()),
                "spread": spread(fake), "real_spread": spread(real)}


TASKS = {"classification": SupervisedTask, "regression": SupervisedTask, "autoencoder": AutoencoderTask,
         "vae": VAETask, "gan": GANTask}


def _language_model_task(trainer):
    from .lm import LanguageModelTask      # lm imports this module: looked up when a run needs it
    return LanguageModelTask(trainer)


TASKS["language_model"] = _language_model_task


def finite(values: dict) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values.values())
