"""The ``language_model`` mode: next-token prediction at every position, perplexity, live samples.

The data (``runtime.data.corpora``) are windows of token ids whose targets are the same windows moved on by one
token; the model maps (L,) token ids to (L, vocabulary) logits; the loss is cross-entropy over every position and
``ppl`` = exp(loss) (of the mean loss on a split). While it trains, the run writes a generated sample to
``sample.json`` every few seconds, at the temperature the Train page asks for in ``sample_settings.json``.
"""
from __future__ import annotations

import math
import time
from pathlib import Path


from . import runfiles
from .callbacks import Callback
from .config import ConfigError
from .data.textgen import lm_decode, lm_prompt_ids, lm_sample, next_token_loss
from .tasks import Task, _as_tuple

MODE = "language_model"
SAMPLE = "sample.json"                   # the latest live sample (docs/run-format.md)
SAMPLE_SETTINGS = "sample_settings.json"  # {"temperature": T}: written by the Train page, read by the run
SAMPLE_EVERY_S = 3.0
SAMPLE_SHARE = 0.2                        # sampling may take at most this share of the run's time
SAMPLE_TOKENS = {"char": 240, "word": 60}
DEFAULT_TEMPERATURE = 0.8
MAX_PPL_LOSS = 700.0                     # exp() of more overflows a float: such a ppl is shown as inf


def perplexity(loss: float) -> float:
    return math.exp(loss) if loss <= MAX_PPL_LOSS else math.inf


class LanguageModelTask(Task):
    metric_names = ("loss", "ppl")

    def loss(self, inputs, target, train):
        logits = _as_tuple(self.net(*inputs))[0].float()
        loss = next_token_loss(logits, target)
        return loss, {"ppl": loss.detach().clamp(max=MAX_PPL_LOSS).exp()}

    def evaluate(self, split) -> dict:
        """Mean loss over the split's tokens; ppl is exp of that mean (not the mean of the batches' ppl)."""
        metrics = super().evaluate(split)
        metrics["ppl"] = perplexity(metrics["loss"])
        return metrics


def check_fit(p, result, output: str, shape: tuple) -> None:
    """A language model's Output must give one score per vocabulary token at every position: (L, V)."""
    if p.task != MODE or not p.preprocess.get("vocab"):
        raise ConfigError("textgen.mode_needs_corpus", data=p.data_name)
    seq_len, vocab = int(p.train.inputs[0].shape[1]), len(p.preprocess["vocab"])
    if tuple(shape) != (seq_len, vocab):
        raise ConfigError("textgen.output_mismatch", output=output, shape=str(tuple(shape)),
                          expected=str((seq_len, vocab)))


def generate_text(model, record: dict, prompt: str, tokens: int, temperature: float, seed: int) -> str:
    """The continuation of ``prompt`` the model writes, decoded (the prompt itself not repeated)."""
    vocab, spec = record["vocab"], record["tokens"]
    ids = lm_prompt_ids(prompt, vocab, spec["level"])
    out = lm_sample(model, ids, tokens, temperature, seed, spec["seq_len"])
    return lm_decode(out, vocab, spec["level"])


def sample_temperature(run_dir: Path) -> float:
    """The temperature the Train page last asked for (the default when it asked for none or nonsense)."""
    value = (runfiles.read_json(run_dir / SAMPLE_SETTINGS) or {}).get("temperature", DEFAULT_TEMPERATURE)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 5.0
    return float(value) if ok else DEFAULT_TEMPERATURE


class LiveSample(Callback):
    """At a log point every ``SAMPLE_EVERY_S`` seconds (longer when sampling is slow: at most ``SAMPLE_SHARE`` of
    the time goes to it), and at the end: a sample of the model's writing."""

    def __init__(self, run_dir: Path):
        self.dir = Path(run_dir)
        self.last = 0.0
        self.cost = 0.0

    def on_log(self, trainer, record: dict) -> None:
        gap = max(SAMPLE_EVERY_S, self.cost / SAMPLE_SHARE)
        if trainer.data.mode == MODE and time.time() - self.last >= gap:
            self._write(trainer, record)

    def on_fit_end(self, trainer, summary: dict) -> None:
        if trainer.data.mode == MODE:
            self._write(trainer, {"step": trainer.step, "epoch": trainer.history[-1]["epoch"] if trainer.history else 0})

    def _write(self, trainer, record: dict) -> None:
        started = time.time()
        rec = trainer.data.preprocess
        temperature = sample_temperature(self.dir)
        text = generate_text(trainer.module, rec, "", SAMPLE_TOKENS[rec["tokens"]["level"]], temperature, trainer.step)
        runfiles.write_json(self.dir / SAMPLE, {"step": record["step"], "epoch": record["epoch"],
                                                "temperature": temperature, "text": text})
        self.last = time.time()
        self.cost = self.last - started
