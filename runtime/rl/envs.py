"""Environments as data sources: what each one feeds the graph's Input and asks of its Output, the
"does the graph fit" check, and making one (Gymnasium's classic-control set; no downloads).

The table is static, so the fit check (the Data page, the start of a run) needs no environment
and no gymnasium. Every problem a user can cause is a ``ConfigError`` with an ``rl.*`` code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import ConfigError


@dataclass(frozen=True)
class EnvSpec:
    name: str
    obs_shape: tuple            # one observation, float32
    actions: int                # discrete actions: the Output's width
    solved: float               # Gymnasium's reward threshold: "solved" at this mean return
    max_steps: int              # an episode is cut (truncated) after this many steps


ENVS = {s.name: s for s in (
    EnvSpec("CartPole-v1", (4,), 2, 475.0, 500),
    EnvSpec("Acrobot-v1", (6,), 3, -100.0, 500),
    EnvSpec("MountainCar-v0", (2,), 3, -110.0, 200),
)}


def spec(name: str) -> EnvSpec:
    if name not in ENVS:
        raise ConfigError("rl.env_unknown", env=str(name)[:60], known=", ".join(ENVS))
    return ENVS[name]


def check_fit(result, name: str) -> dict:
    """Whether a checked graph fits environment ``name``: one float32 Input taking an observation (the same
    shape, or the same number of values: reshaped) and one Output with a value per action. The binding
    ``{"input", "from", "to", "output", "actions"}``, or a ConfigError naming the node."""
    env = spec(name)
    inputs, outputs = result.input_nodes(), result.output_nodes()
    if len(inputs) != 1:
        raise ConfigError("rl.inputs", env=env.name, count=len(inputs), shape=shape_text(env.obs_shape))
    node = inputs[0]
    shape = list(result.shapes[node] or ())
    if result.dtypes.get(node) not in (None, "float32"):
        raise ConfigError("rl.input_dtype", env=env.name, input=node, received=result.dtypes[node])
    if math.prod(shape) != math.prod(env.obs_shape):
        raise ConfigError("rl.input_shape", env=env.name, input=node, expected=shape_text(env.obs_shape),
                          count=math.prod(env.obs_shape), received=shape_text(shape))
    if len(outputs) != 1:
        raise ConfigError("rl.outputs", env=env.name, count=len(outputs), actions=env.actions)
    out = outputs[0]
    out_shape = list(result.shapes[out] or ())
    if out_shape != [env.actions]:
        raise ConfigError("rl.output_shape", env=env.name, output=out, actions=env.actions, received=shape_text(out_shape))
    return {"input": node, "from": list(env.obs_shape), "to": shape, "output": out, "actions": env.actions}


def observations(obs: list, shape: tuple):
    """A batch of observations as the graph's Input takes them: float32, ``(n, *shape)``."""
    import numpy as np
    import torch
    return torch.from_numpy(np.asarray(obs, dtype=np.float32)).reshape(len(obs), *shape)


def shape_text(dims) -> str:
    """(4,), (1, 28, 28): a shape as torch prints it."""
    return str(tuple(int(d) for d in dims))


def make(name: str, seed: int, render: bool = False):
    """A fresh environment, reset with ``seed`` on its first episode (``reset`` returns the first observation)."""
    spec(name)
    try:
        import gymnasium
    except ImportError:
        raise ConfigError("rl.gymnasium_missing") from None
    try:
        env = gymnasium.make(name, render_mode="rgb_array" if render else None)
    except Exception as exc:        # a broken install, a missing extra: said, not a traceback
        raise ConfigError("rl.env_failed", env=name, detail=f"{type(exc).__name__}: {exc}"[:300]) from None
    return Episodes(env, name, seed)


class Episodes:
    """An environment whose failures are messages; episode k is reset with seed + k, so a run repeats."""

    def __init__(self, env, name: str, seed: int):
        self.env, self.name, self.seed, self.count = env, name, seed, 0

    def reset(self):
        obs, _ = self._call(self.env.reset, seed=self.seed + self.count)
        self.count += 1
        return obs

    def step(self, action: int):
        """(observation, reward, terminated, truncated)."""
        obs, reward, terminated, truncated, _ = self._call(self.env.step, int(action))
        return obs, float(reward), bool(terminated), bool(truncated)

    def render(self):
        return self._call(self.env.render)

    def close(self) -> None:
        try:
            self.env.close()
        except Exception:       # closing never fails a run that has finished
            pass

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError("rl.env_failed", env=self.name, detail=f"{type(exc).__name__}: {exc}"[:300]) from None
