"""The agent's loop: episodes, greedy evaluations, the best weights, the summary (mode ``rl``).

It speaks through the same callback hooks as the supervised loop: ``on_fit_start``, ``on_log``
with each episode (and evaluation) record, ``on_fit_end`` with the summary. Like a supervised run
keeps its best epoch, an agent keeps the weights of its best greedy evaluation and ends on them.
"""
from __future__ import annotations

import contextlib
import statistics
import time
from pathlib import Path

import torch

from builder.codegen import compile_graph

from ..callbacks import Callback, Control
from ..checkpoint import unwrap_state_dict
from ..config import ConfigError, TrainConfig
from ..device import facts
from ..optim import make_optimizer
from . import envs
from .dqn import DQN
from .reinforce import Reinforce

EVAL_EVERY = 10             # episodes between greedy evaluations while training (at least one update between)
EVAL_EPISODES = 20          # greedy episodes per evaluation while training (as many as at the end)
FINAL_EVAL_EPISODES = 20    # the summary's eval_return: greedy episodes on the best weights at the end
LAST = 20                   # the summary's mean_return_last_20
EVAL_SEED = 1_000_000       # evaluations start from their own seeds, the same each time: comparable
FINAL_SEED = 2_000_000


def checked_graph(graph: dict):
    from builder.shapes import check
    result = check(graph)
    if not result.ok:
        raise ConfigError("train.graph_invalid", which="model",
                          errors="; ".join(e.message() for e in result.errors[:5]))
    return result


def greedy_returns(model, env_name: str, seed: int, episodes: int, obs_shape: tuple) -> list[float]:
    """Returns of ``episodes`` episodes played by the argmax of the graph's outputs (a policy's most
    likely action, a Q-network's best), from seeds ``seed``, ``seed + 1``, ..."""
    env = envs.make(env_name, seed)
    was = model.training
    model.eval()
    try:
        return [play_greedy(model, env, obs_shape)[0] for _ in range(episodes)]
    finally:
        model.train(was)
        env.close()


def play_greedy(model, env, obs_shape: tuple, frames: list | None = None, keep=None) -> tuple[float, int]:
    """One greedy episode: (return, length); with ``frames``, each rendered frame (each whose step number is in
    ``keep``, when given) is appended to it."""
    obs, total, length = env.reset(), 0.0, 0
    while True:
        if frames is not None and (keep is None or length in keep):
            frames.append(env.render())
        with torch.no_grad():
            action = int(model(envs.observations([obs], obs_shape)).argmax(-1)[0])
        obs, reward, terminated, truncated = env.step(action)
        total, length = total + reward, length + 1
        if terminated or truncated:
            return total, length


class AgentTrainer:
    def __init__(self, cfg: TrainConfig, graph: dict, callbacks: list[Callback] | None = None,
                 control: Control | None = None):
        self.cfg = cfg = cfg.resolved("rl")
        self.graph = graph
        self.callbacks = list(callbacks or [])
        self.control = control or Control()
        self.env = envs.spec(cfg.env)
        self.check = checked_graph(graph)
        self.binding = envs.check_fit(self.check, cfg.env)
        self.obs_shape = tuple(self.binding["to"])
        torch.manual_seed(cfg.seed)
        self.module = compile_graph(graph, self.check).build()     # on the CPU: one observation a step
        self.device_facts = facts(torch.device("cpu"))
        self.optimizer = make_optimizer(self.module.parameters(), cfg)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        algo = Reinforce if cfg.algo == "reinforce" else DQN
        self.agent = algo(self.module, self.optimizer, cfg, self.obs_shape, self.generator)
        self.episode = self.step = 0
        self.history: list[dict] = []
        self.best_state, self.best_return = None, None
        self.stop_reason = None
        self.started = time.time()

    # -- the loop ------------------------------------------------------------------------------------
    def fit(self) -> dict:
        for cb in self.callbacks:
            cb.on_fit_start(self)
        train_envs = self._envs()
        next_eval = EVAL_EVERY
        try:
            while self.episode < self.cfg.episodes and self.stop_reason is None:
                for record in self._play(train_envs):
                    self._log(record)
                if self.episode >= next_eval or self.episode >= self.cfg.episodes:
                    next_eval = self.episode + EVAL_EVERY
                    self._evaluate()
                self._obey_control()
        finally:
            for env in train_envs:
                env.close()
        summary = self.summary()
        for cb in self.callbacks:
            cb.on_fit_end(self, summary)
        return summary

    def _envs(self) -> list[envs.Episodes]:
        """REINFORCE plays ``rollouts`` episodes side by side; DQN one at a time. Environment k's episodes
        start from seeds seed + 10_000·k, ..."""
        n = self.cfg.rollouts if self.cfg.algo == "reinforce" else 1
        return [envs.make(self.cfg.env, self.cfg.seed + 10_000 * k) for k in range(n)]

    def _play(self, train_envs) -> list[dict]:
        if self.cfg.algo == "reinforce":
            room = self.cfg.episodes - self.episode        # the last batch plays only the episodes left
            return self.agent.play(train_envs[:room])
        return [self.agent.play(train_envs[0], self.env.actions)]

    def _log(self, played: dict) -> None:
        self.episode += 1
        self.step += played["length"]
        record = {"kind": "episode", "episode": self.episode, "return": played["return"],
                  "length": played["length"], "step": self.step, **self.agent.last,
                  "time": time.time() - self.started}
        self.history.append(record)
        for cb in self.callbacks:
            cb.on_log(self, record)

    def _evaluate(self) -> None:
        mean = statistics.fmean(greedy_returns(self.module, self.cfg.env, self.cfg.seed + EVAL_SEED,
                                               EVAL_EPISODES, self.obs_shape))
        if self.best_return is None or mean > self.best_return:
            self.best_return, self.best_state = mean, unwrap_state_dict(self.module)
        record = {"kind": "eval", "episode": self.episode, "step": self.step, "eval_return": mean,
                  "time": time.time() - self.started}
        for cb in self.callbacks:
            cb.on_log(self, record)
        if self.cfg.stop_when_solved and mean >= self.env.solved:
            self.stop_reason = "solved"

    def _obey_control(self) -> None:
        state = self.control.poll()
        if state == "pause":
            state = self.control.wait_while_paused(self)
        if state == "stop":
            self.stop_reason = "stopped"

    # -- the end ---------------------------------------------------------------------------------------
    def summary(self) -> dict:
        if self.best_state is not None:
            self.module.load_state_dict(self.best_state)
        returns = [r["return"] for r in self.history]
        final = greedy_returns(self.module, self.cfg.env, self.cfg.seed + FINAL_SEED, FINAL_EVAL_EPISODES,
                               self.obs_shape)
        return {"mode": "rl", "env": self.cfg.env, "algo": self.cfg.algo, "episodes": self.episode,
                "steps": self.step, "mean_return_last_20": statistics.fmean(returns[-LAST:]) if returns else None,
                "eval_return": statistics.fmean(final), "best_eval_return": self.best_return,
                "seconds": time.time() - self.started, "device": self.device_facts["device"],
                "stopped": self.stop_reason}

    def checkpoint_content(self, state_dict: dict | None = None) -> dict:
        return {"state_dict": state_dict if state_dict is not None else unwrap_state_dict(self.module),
                "epoch": self.episode, "step": self.step, "graph": self.graph, "config": self.cfg.to_dict(),
                "preprocess": {"env": self.cfg.env, "reshape": self.binding}, "class_names": None,
                "input_names": [self.check.io_name(self.binding["input"])],
                "output_names": [self.check.io_name(self.binding["output"])], "mode": "rl"}


def train_agent(cfg: TrainConfig, graph: dict, run_dir: str | Path | None = None,
                callbacks: list[Callback] | None = None, control: Control | None = None):
    """Train an agent; with ``run_dir`` the run folder is written. (trainer, summary), as ``runtime.train.train``."""
    callbacks = list(callbacks or [])
    if run_dir is not None:
        from .record import run_callbacks
        callbacks += run_callbacks(Path(run_dir))
    with one_thread():
        trainer = AgentTrainer(cfg, graph, callbacks=callbacks, control=control)
        return trainer, trainer.fit()


@contextlib.contextmanager
def one_thread():
    """Torch on one thread while the agent trains: its batches are one observation or a few dozen, far too
    small to split, and on a busy machine the threads mostly wait for each other (a 4x128 Linear took 20 ms
    on two threads under load, well under 1 ms on one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
