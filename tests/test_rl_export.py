"""An agent's exported train.py (runtime/export/rl_script.py): it runs with only PyTorch, NumPy and Gymnasium
and, with the run's settings, plays the very episodes the app's trainer played (the same seeds, the same code)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from builder import templates
from runtime.callbacks import Callback
from runtime.config import TrainConfig
from runtime.export import training_script
from runtime.rl import train_agent

AGENTS = {"reinforce": "cartpole_policy", "dqn": "cartpole_dqn"}


@pytest.mark.slow
def test_the_exported_script_trains_the_same_agent_as_the_app(tmp_path):
    graphs = {algo: templates.load(name) for algo, name in AGENTS.items()}
    configs = {algo: {"mode": "rl", "env": "CartPole-v1", "algo": algo, "episodes": 6, "seed": 5, "warmup_steps": 40}
               for algo in AGENTS}
    scripts = {}
    for algo in AGENTS:         # both scripts run while the app's trainer plays the same episodes here
        script = tmp_path / algo / "train.py"
        script.parent.mkdir()
        script.write_text(training_script(graphs[algo], configs[algo], None), encoding="utf-8")
        # -I: no PYTHONPATH, no current folder on the path: NetCanvas cannot be imported
        scripts[algo] = subprocess.Popen([sys.executable, "-I", str(script), "--out", str(script.parent / "out")],
                                         cwd=script.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for algo in AGENTS:
        episodes: list = []
        _, app = train_agent(TrainConfig.from_dict(configs[algo]), graphs[algo], callbacks=[_Episodes(episodes)])
        out, err = scripts[algo].communicate(timeout=300)
        assert scripts[algo].returncode == 0, err[-2000:]
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert [(r["episode"], r["return"]) for r in lines if r.get("kind") == "episode"] == episodes
        assert len(episodes) == 6
        summary = lines[-1]
        assert summary["eval_return"] == pytest.approx(app["eval_return"])
        assert summary["mean_return_last_20"] == pytest.approx(app["mean_return_last_20"])
        assert (tmp_path / algo / "out" / "model.pt").stat().st_size > 0
    text = (tmp_path / "dqn" / "train.py").read_text()
    assert 'pip install "gymnasium[classic-control]' in text.split('"""')[1]     # said at its top


class _Episodes(Callback):
    """Collects (episode, return) of the app's trainer."""

    def __init__(self, into: list):
        self.into = into

    def on_log(self, t, record):
        if record["kind"] == "episode":
            self.into.append((record["episode"], record["return"]))
