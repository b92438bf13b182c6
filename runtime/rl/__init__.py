"""Reinforcement learning (mode ``rl``): an environment is the data source, the graph the policy or
Q-network (docs/design.md). ``train_agent`` is what ``runtime.train.train`` calls for an rl run.

Kept light: importing ``runtime.rl`` (the settings schema does) imports neither the loop nor
gymnasium; ``train_agent`` imports them when a run starts.
"""
from __future__ import annotations


def is_rl(cfg, graph: dict) -> bool:
    """Whether a run trains an agent: mode rl, a graph made for one (meta.mode rl), or an environment given
    without a data set. (A config read back from a run's job.json has every field set: ``env`` being
    there says nothing then; ``data`` being there means a data set.)"""
    if cfg.mode != "auto":
        return cfg.mode == "rl"
    given = cfg.model_fields_set
    return (graph.get("meta") or {}).get("mode") == "rl" or ("env" in given and "data" not in given)


def for_agent(cfg, graph: dict):
    """The config an agent trains with: mode rl, and the graph's environment (meta.data) unless one is given."""
    from .settings import ENV_NAMES
    given = {"mode": "rl"}
    named = (graph.get("meta") or {}).get("data")
    if "env" not in cfg.model_fields_set and named in ENV_NAMES:
        given["env"] = named
    return cfg.merged(**given)


def train_agent(cfg, graph: dict, run_dir=None, callbacks=None, control=None):
    from .loop import train_agent as run
    return run(for_agent(cfg, graph), graph, run_dir=run_dir, callbacks=callbacks, control=control)
