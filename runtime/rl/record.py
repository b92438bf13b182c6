"""What an agent's run writes to its folder (docs/run-format.md, mode ``rl``): the same files as a
supervised run, with episode records in metrics.jsonl and the environment as the run's data."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from builder.graph import write_document
from builder.i18n import translate

from .. import checkpoint, runfiles
from ..callbacks import Callback
from ..monitor import STATUS_SECONDS, MetricsWriter

EPISODE = "episode.webp"        # the latest rendered greedy episode (runtime.rl.render)
PREVIEW_SECONDS = 5.0           # at most this often (less often when drawing takes more than PREVIEW_SHARE of it)
PREVIEW_SHARE = 0.1             # an agent's rendered episode is its main view: up to 10% of the time goes to it
PREVIEW_SEED = 3_000_000


def run_callbacks(run_dir: Path) -> list[Callback]:
    """In the order the hooks must run: the status last, so "finished" is written after everything."""
    run_dir.mkdir(parents=True, exist_ok=True)
    metrics = MetricsWriter(run_dir)
    return [metrics, AgentRecord(run_dir), EpisodePreview(run_dir), AgentStatus(run_dir, metrics)]


class AgentRecord(Callback):
    """config.json, graph.json and preprocess.json at the start; the checkpoints and summary.json at the end."""

    def __init__(self, run_dir: Path):
        self.dir = run_dir

    def on_fit_start(self, t):
        runfiles.write_json(self.dir / runfiles.CONFIG, t.cfg.to_dict())
        runfiles.write_text(self.dir / runfiles.GRAPH, write_document(t.graph))
        content = t.checkpoint_content()
        runfiles.write_json(self.dir / runfiles.PREPROCESS, {
            "preprocess": content["preprocess"], "class_names": None, "input_names": content["input_names"],
            "output_names": content["output_names"], "mode": "rl", "data": t.cfg.env, "data_kind": "environment"})

    def on_fit_end(self, t, summary):
        # the trainer ends on its best weights (summary): "last" and "best" are the model it ends with
        checkpoint.save(self.dir / runfiles.CKPT_LAST, **t.checkpoint_content())
        checkpoint.save(self.dir / runfiles.CKPT_BEST, **t.checkpoint_content(), best_metric="eval_return")
        runfiles.write_json(self.dir / runfiles.SUMMARY, summary)


class EpisodePreview(Callback):
    """episode.webp: a greedy episode of the current network, rendered, at the start, every few seconds and at
    the end (then on the weights the run ends with), with a ``{"kind": "preview"}`` record in metrics.jsonl."""

    def __init__(self, run_dir: Path):
        self.dir, self.last, self.cost, self.count = run_dir, 0.0, 0.0, 0
        self.metrics = None

    def on_fit_start(self, t):
        self.metrics = next((cb for cb in t.callbacks if isinstance(cb, MetricsWriter)), None)
        self.render(t)

    def on_log(self, t, record):
        if time.time() - self.last >= max(PREVIEW_SECONDS, self.cost / PREVIEW_SHARE):
            self.render(t)

    def on_fit_end(self, t, summary):
        self.render(t)

    def render(self, t) -> None:
        from .render import greedy_episode, webp
        started = time.time()
        frames, total, length = greedy_episode(t.module, t.cfg.env, t.cfg.seed + PREVIEW_SEED + self.count, t.obs_shape)
        runfiles.write_bytes(self.dir / EPISODE, webp(frames))
        self.count += 1
        self.last, self.cost = time.time(), time.time() - started
        if self.metrics is not None:
            self.metrics.on_log(t, {"kind": "preview", "episode": t.episode, "return": total, "length": length})


class AgentStatus(Callback):
    """status.json with the keys a supervised run's has (an episode counts as an epoch)."""

    def __init__(self, run_dir: Path, metrics: MetricsWriter):
        self.dir, self.metrics, self.last = run_dir, metrics, 0.0

    def status(self, t, state: str, **extra) -> None:
        self.metrics.flush()
        self.last = time.time()
        runfiles.write_json(self.dir / runfiles.STATUS, {
            "format_version": runfiles.RUN_FORMAT_VERSION, "state": state, "pid": os.getpid(), "step": t.step,
            "epoch": t.episode, "epochs": t.cfg.episodes, "epochs_done": t.episode, "total_steps": None,
            "steps_per_epoch": None, **t.device_facts, "mode": "rl", "data": t.cfg.env, "started": t.started,
            "updated": time.time(), **extra})

    def on_fit_start(self, t):
        self.status(t, "running")

    def on_log(self, t, record):
        if time.time() - self.last >= STATUS_SECONDS:
            self.status(t, "running")

    def on_fit_end(self, t, summary):
        self.status(t, "stopped" if t.stop_reason == "stopped" else "finished", stop_reason=t.stop_reason)


class AgentProgress(Callback):
    """One line on stderr per greedy evaluation: the episode, the mean return of the last 20, the evaluation."""

    def __init__(self, stream=None, lang: str = "en"):
        self.stream = stream or sys.stderr
        self.lang = lang

    def on_log(self, t, record):
        if record["kind"] != "eval":
            return
        recent = [r["return"] for r in t.history[-20:]]
        self.stream.write(translate("rl.progress", self.lang, episode=record["episode"], episodes=t.cfg.episodes,
                                    mean=sum(recent) / max(1, len(recent)), eval_return=record["eval_return"]) + "\n")
        self.stream.flush()
