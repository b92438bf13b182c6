"""Reinforcement learning (mode rl, runtime/rl): the environment binds to the graph like a data set, a
failing environment is a message, the CLI's summary and episode records, and learning on a short budget."""
from __future__ import annotations

import json

import pytest

from builder import templates
from builder.shapes import check
from runtime.__main__ import main as runtime_cli
from runtime.config import ConfigError, TrainConfig
from runtime.rl import envs
from runtime.rl.reinforce import discounted_returns


def _graph(inputs: list[int], actions: int) -> dict:
    nodes = [{"id": "obs", "type": "Input", "params": {"shape": inputs}},
             {"id": "fc", "type": "Linear", "params": {"out_features": actions}},
             {"id": "act", "type": "Output", "params": {}}]
    if len(inputs) > 1:
        nodes.insert(1, {"id": "flat", "type": "Flatten", "params": {}})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"format": "netcanvas.graph", "version": 1, "name": "agent", "nodes": nodes, "edges": edges}


@pytest.mark.parametrize("key", ["cartpole_policy", "cartpole_dqn"])
def test_the_templates_fit_cartpole(key):
    doc = templates.load(key)
    binding = envs.check_fit(check(doc), "CartPole-v1")
    assert doc["meta"] == {**doc["meta"], "data": "CartPole-v1", "mode": "rl"}
    assert (binding["to"], binding["actions"]) == ([4], 2)


def test_a_graph_that_does_not_fit_the_environment_is_a_message_naming_the_node():
    with pytest.raises(ConfigError) as caught:
        envs.check_fit(check(_graph([4], 3)), "CartPole-v1")
    assert caught.value.code == "rl.output_shape"
    assert caught.value.message() == ("Output act: environment CartPole-v1 has 2 actions, so the Output must have "
                                      "shape (2,); it has shape (3,)")
    with pytest.raises(ConfigError) as caught:
        envs.check_fit(check(_graph([4], 3)), "Acrobot-v1")
    assert "Input obs: environment Acrobot-v1 gives observations of shape (6,) (6 values)" in caught.value.message("en")
    assert "环境 Acrobot-v1" in caught.value.message("zh")
    # the same number of values in another layout is reshaped, as data sets are
    assert envs.check_fit(check(_graph([2, 1], 3)), "MountainCar-v0")["to"] == [2, 1]


def test_every_environment_declares_what_gymnasium_gives():
    for name, spec in envs.ENVS.items():
        env = envs.make(name, seed=0)
        obs = env.reset()
        assert (tuple(obs.shape), env.env.action_space.n) == (spec.obs_shape, spec.actions)
        assert (env.env.spec.max_episode_steps, env.env.spec.reward_threshold) == (spec.max_steps, spec.solved)
        env.close()


def test_discounted_returns_are_the_plain_sum():
    rewards, discount = [1.0, 0.0, 2.0, -1.0], 0.9
    plain = [sum(r * discount ** k for k, r in enumerate(rewards[t:])) for t in range(len(rewards))]
    assert discounted_returns(rewards, discount) == pytest.approx(plain)


def test_an_environment_that_fails_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    import gymnasium

    real_make = gymnasium.make

    class Broken(gymnasium.Wrapper):
        def step(self, action):
            raise RuntimeError("the physics engine gave up")

    monkeypatch.setattr(gymnasium, "make", lambda *a, **k: Broken(real_make(*a, **k)))
    graph = tmp_path / "policy.json"
    graph.write_text(json.dumps(templates.load("cartpole_policy")))
    code = runtime_cli(["train", str(graph), "--env", "CartPole-v1", "--episodes", "2", "--out", str(tmp_path / "run"),
                        "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.strip() == "environment CartPole-v1 failed: RuntimeError: the physics engine gave up"
    assert "Traceback" not in err + out
    assert json.loads(out.strip().splitlines()[-1])["error"]["code"] == "rl.env_failed"
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "failed"


@pytest.mark.parametrize("algo", ["reinforce", "dqn"])
def test_the_cli_trains_an_agent_and_records_its_episodes(tmp_path, capsys, algo):
    graph = tmp_path / "agent.json"
    graph.write_text(json.dumps(templates.load("cartpole_policy")))
    out = tmp_path / "run"
    assert runtime_cli(["train", str(graph), "--env", "CartPole-v1", "--algo", algo, "--episodes", "12",
                        "--seed", "3", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    episodes = [r for r in records if r["kind"] == "episode"]
    assert [r["episode"] for r in episodes] == list(range(1, 13))
    assert all(r["return"] == r["length"] for r in episodes)       # CartPole: +1 a step
    assert summary["mean_return_last_20"] == pytest.approx(sum(r["return"] for r in episodes) / 12)
    assert {"eval_return", "episodes", "steps"} <= set(summary) and summary["mode"] == "rl"
    assert ("entropy" if algo == "reinforce" else "epsilon") in episodes[-1]
    # greedy evaluations every 10 episodes (REINFORCE: after the batch of 4 that passes 10: 12) and at the end
    assert [r["episode"] for r in records if r["kind"] == "eval"] == ([12] if algo == "reinforce" else [10, 12])
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["mode"], cfg["env"], cfg["algo"], cfg["episodes"]) == ("rl", "CartPole-v1", algo, 12)
    from runtime import checkpoint
    saved = checkpoint.load(out / "checkpoint_best.pt")
    assert saved["mode"] == "rl" and saved["preprocess"]["env"] == "CartPole-v1"
    # the rendered episode the Train page shows: an animation of at most 100 frames at 150x225
    from PIL import Image
    with Image.open(out / "episode.webp") as shown:
        assert (shown.format, shown.size, shown.is_animated) == ("WEBP", (225, 150), True)
        assert 1 < shown.n_frames <= 100
    previews = [r for r in records if r["kind"] == "preview"]
    assert previews[0]["episode"] == 0 and previews[-1]["episode"] == 12


def test_a_long_episode_is_shown_in_at_most_100_frames():
    from runtime.rl.render import shown
    frames = list(range(500))
    picked = shown(frames)
    assert len(picked) == 100 and picked[0] == 0 and picked[-1] == 499 and picked == sorted(set(picked))
    assert shown(frames[:30]) == frames[:30]


def test_same_seed_same_episodes():
    cfg = TrainConfig.from_dict({"mode": "rl", "algo": "dqn", "episodes": 6, "seed": 5, "warmup_steps": 20})
    from runtime.rl import train_agent
    runs = [train_agent(cfg, templates.load("cartpole_dqn"))[0].history for _ in range(2)]
    assert [r["return"] for r in runs[0]] == [r["return"] for r in runs[1]]
    assert [r["loss"] for r in runs[0]] == [r["loss"] for r in runs[1]]


def test_rl_settings_are_refused_in_other_modes():
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_dict({"mode": "classification", "algo": "dqn"})
    assert caught.value.code == "train.not_applicable_mode"

