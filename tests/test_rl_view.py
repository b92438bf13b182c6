"""The Train page's view of an agent's run (ui/rl_view.py) and its form (ui/train_config.py, mode rl)."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from ui import rl_view, train_config

TEMPLATES = Path(__file__).resolve().parents[1] / "builder" / "templates"


def _records():
    out = [{"kind": "preview", "episode": 0, "return": 9.0, "length": 9}]
    for i in range(1, 31):
        out.append({"kind": "episode", "episode": i, "return": float(10 + (i * 7) % 13), "length": 10 + i,
                    "step": 100 * i, "loss": 0.1 / i, "entropy": 0.69 - i / 100, "time": i / 10})
        if i % 10 == 0:
            out.append({"kind": "eval", "episode": i, "step": 100 * i, "eval_return": 20.0 + i})
    return out


def test_the_moving_average_is_the_mean_of_the_last_20_returns():
    values = [float((i * 37) % 101) for i in range(60)]
    expected = [statistics.fmean(values[max(0, i - 19):i + 1]) for i in range(60)]
    got = rl_view.moving_average(values)
    assert len(got) == 60 and all(abs(a - b) < 1e-9 for a, b in zip(got, expected))


def test_the_returns_chart_has_each_episode_their_average_and_the_evaluations():
    records = _records()
    series = dict((kind, (xs, ys)) for kind, xs, ys in rl_view.returns_series(records))
    assert series["return"][0] == list(range(1, 31))
    assert series["average"][1][-1] == statistics.fmean(r["return"] for r in records if r["kind"] == "episode"
                                                        and r["episode"] > 10)
    assert series["eval"] == ([10, 20, 30], [30.0, 40.0, 50.0])
    fig = rl_view.returns_figure(records, "zh")
    assert [t.name for t in fig.data] == ["回合回报", "最近 20 回合的平均", "贪心评估"]


def test_dqn_shows_epsilon_and_reinforce_its_entropy():
    assert [k for k, _, _ in rl_view.signals_series(_records())] == ["loss", "entropy"]
    dqn = [{"kind": "episode", "episode": 1, "return": 9.0, "loss": None, "epsilon": 0.9}]
    assert [k for k, _, _ in rl_view.signals_series(dqn)] == ["epsilon"]


def test_the_form_trains_an_agent_with_the_settings_its_loop_reads():
    graph = json.loads((TEMPLATES / "cartpole_policy.json").read_text(encoding="utf-8"))
    assert train_config.resolve_mode("auto", graph, None, {"data": "digits"}) == "rl"
    values = train_config.restore_values("rl", {"episodes": 40, "epochs": 3}, None)
    shown = {f.name for f in train_config.visible_fields("rl", values)}
    assert {"algo", "episodes", "discount", "lr"} <= shown
    assert not shown & {"epochs", "schedule", "early_stopping", "amp"}
    cfg = train_config.build_config(values, {}, mode="rl", resolved="rl").merged(env=rl_view.graph_env(graph))
    given = cfg.to_dict(given_only=True)
    assert (given["mode"], given["env"], given["episodes"]) == ("rl", "CartPole-v1", 40)
    assert "epochs" not in given


class _Balancer:
    """A hand-made CartPole policy (push towards where the pole falls): it keeps the pole up for hundreds of steps."""
    training = False

    def eval(self):
        return self

    def train(self, mode=True):
        return self

    def __call__(self, obs):
        import torch
        push_right = (obs[:, 2] + 0.5 * obs[:, 3] > 0).float()
        return torch.stack([1 - push_right, push_right], dim=-1)


def test_the_preview_draws_the_frames_of_the_episode_it_played():
    """The rendered episode is played twice from its seed (to draw only the shown frames): the frames are those
    of drawing every step and keeping every k-th."""
    import numpy as np
    from runtime.rl import envs
    from runtime.rl.loop import play_greedy
    from runtime.rl.render import MAX_FRAMES, greedy_episode, shown
    frames, total, length = greedy_episode(_Balancer(), "CartPole-v1", 7, (4,))
    every: list = []
    env = envs.make("CartPole-v1", 7, render=True)
    assert play_greedy(_Balancer(), env, (4,), every) == (total, length)
    env.close()
    assert length > MAX_FRAMES and len(frames) == MAX_FRAMES
    assert all(np.array_equal(a, b) for a, b in zip(frames, shown(every)))
