"""The exported ``train.py`` of an agent (mode ``rl``): the graph as the policy or Q-network, trained in a
Gymnasium environment with the run's algorithm and settings, needing only PyTorch, NumPy and Gymnasium.

What the script must do as the app does is pasted from the app's one source (runtime/rl: the REINFORCE and
DQN classes, the discounted returns, how observations become the Input's batch); the loop around them (greedy
evaluations, the best weights, the summary) is the template's (templates/rl_train.py.j2), written to be read.
The seeds follow the app's scheme, so the script plays the episodes the app's run played.
"""
from __future__ import annotations

import inspect

from runtime.config import SETTINGS, ConfigError, TrainConfig, applies
from runtime.rl import envs as rl_envs
from runtime.rl import for_agent, is_rl, loop
from runtime.rl.dqn import DQN, Replay
from runtime.rl.reinforce import Reinforce, discounted_returns
from runtime.rl.settings import UNUSED_BY_AGENTS
from runtime.settings import SCRIPT, on

from .common import ExportError, generated

# the names the script defines: a graph whose class would take one of them is renamed
AGENT_NAMES = frozenset({"CONFIG", "ENV", "Episodes", "Reinforce", "DQN", "Replay", "F", "np", "nn", "torch", "gym",
                         "copy", "json", "math", "statistics", "time", "argparse", "SimpleNamespace"})
PASTED = (rl_envs.observations, discounted_returns, Reinforce, Replay, DQN)


def wants_agent(graph: dict, config: dict | None) -> bool:
    """Whether the run or form ``config`` trains ``graph`` as an agent (runtime.rl.is_rl)."""
    try:
        return is_rl(TrainConfig.from_saved(dict(config or {})), graph)
    except ConfigError:
        return False


def agent_script(graph: dict, config: dict | None) -> str:
    """The standalone ``train.py`` that trains ``graph`` as the run's agent."""
    from .script import _argument, _model_code, _templates, _unclash, bounded
    try:
        cfg = for_agent(TrainConfig.from_saved(dict(config or {})), graph).resolved("rl")
    except ConfigError as exc:
        raise ExportError(exc.code, **exc.info) from None
    graph = _unclash(graph, AGENT_NAMES)
    gen = generated(graph, taken=AGENT_NAMES)
    try:
        binding = rl_envs.check_fit(gen.result, cfg.env)
    except ConfigError as exc:
        raise ExportError(exc.code, **exc.info) from None
    values = cfg.to_dict()
    used = [s for s in SETTINGS if s.name not in UNUSED_BY_AGENTS and applies(s.name, "rl", values)
            and (s.group in ("basic", "optimizer", "regularisation", "mode") or s.name == "seed")]
    env = rl_envs.spec(cfg.env)
    context = {
        "cfg": cfg, "graph_name": gen.result.graph.name, "model_cls": gen.class_name, "model_code": _model_code(graph),
        "config": {s.name: values[s.name] for s in used if s.name not in ("mode", "version")},
        "env": env, "obs_shape": tuple(binding["to"]),
        "constants": {name: getattr(loop, name) for name in ("EVAL_EVERY", "EVAL_EPISODES", "FINAL_EVAL_EPISODES",
                                                              "LAST", "EVAL_SEED", "FINAL_SEED")},
        "src": {fn.__name__: inspect.getsource(fn).strip("\n") for fn in (*PASTED, bounded)},
        "arguments": [_argument(s) for s in on(SETTINGS, SCRIPT) if s.name in {u.name for u in used}],
    }
    return _templates().get_template("rl_train.py.j2").render(context)
