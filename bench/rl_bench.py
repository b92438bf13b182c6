"""Reinforcement-learning benchmark: REINFORCE (cartpole_policy) and DQN (cartpole_dqn) on CartPole-v1.

    python bench/rl_bench.py [--seeds 0 1 2 3 4] [--seconds 180] [--algos reinforce dqn] [--threads 1] [--clock cpu]

Each (algorithm, seed) trains with the settings' defaults on one CPU thread for at most
``--seconds`` (it stops sooner once a greedy evaluation reaches 475: CartPole's "solved"), then
prints the summary's ``eval_return`` (mean of 20 greedy episodes on the run's best weights) and the
time it took. ``--clock cpu`` counts the budget in this process's CPU seconds instead of wall seconds:
on a machine busy with other work, that is the time the run would take with its thread to itself.
Target (issue 20): eval_return >= 475 within 3 minutes for at least 3 of seeds 0-4,
for each algorithm. Runs one after another, so each has its thread to itself.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import templates  # noqa: E402
from runtime.callbacks import Control  # noqa: E402
from runtime.config import TrainConfig  # noqa: E402
from runtime.rl import train_agent  # noqa: E402

TEMPLATE = {"reinforce": "cartpole_policy", "dqn": "cartpole_dqn"}
SOLVED = 475.0


CLOCKS = {"wall": time.time, "cpu": time.process_time}


class Deadline(Control):
    """Asks the loop to stop once ``seconds`` have passed on ``clock`` (checked between episodes)."""

    def __init__(self, seconds: float, clock=time.time):
        self.clock = clock
        self.end = clock() + seconds

    def poll(self) -> str:
        return "stop" if self.clock() >= self.end else "run"


def one(algo: str, seed: int, seconds: float, clock: str = "wall") -> dict:
    cfg = TrainConfig.from_dict({"mode": "rl", "env": "CartPole-v1", "algo": algo, "episodes": 100_000, "seed": seed})
    started, cpu = time.time(), time.process_time()
    _, summary = train_agent(cfg, templates.load(TEMPLATE[algo]), control=Deadline(seconds, CLOCKS[clock]))
    return dict(summary, wall=time.time() - started, cpu=time.process_time() - cpu)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--algos", nargs="+", default=["reinforce", "dqn"], choices=sorted(TEMPLATE))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="what the budget counts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    verdicts = []
    for algo in args.algos:
        passed = 0
        for seed in args.seeds:
            s = one(algo, seed, args.seconds, args.clock)
            ok = s["eval_return"] >= SOLVED
            passed += ok
            print(f"{algo:9s} seed {seed}: eval_return {s['eval_return']:6.1f}  best evaluation "
                  f"{s['best_eval_return'] or 0:6.1f}  episodes {s['episodes']:5d}  steps {s['steps']:7d}  "
                  f"{s['wall']:5.1f} s wall, {s['cpu']:5.1f} s CPU  ({s['stopped'] or 'budget'})  {'PASS' if ok else 'fail'}", flush=True)
        verdicts.append(passed >= 3)
        print(f"{algo}: {passed}/{len(args.seeds)} seeds reach {SOLVED:g} within {args.seconds:g} {args.clock} s "
              f"(target: 3 of 5)", flush=True)
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
