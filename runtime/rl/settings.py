"""The reinforcement-learning settings (mode ``rl``), declared once like every other setting.

``runtime.config`` puts them in ``SETTINGS``; from there come the Train form, the Data page's
environment choice, the command-line flags (``--env``, ``--algo``, ``--episodes``, ...), the
exported ``train.py``'s arguments and docs/config.md. This module imports nothing of
``runtime.config``, so the two do not import each other.
"""
from __future__ import annotations

from builder.params import bilingual

from ..settings import CLI, DATA, FORM, SCRIPT, Applies, Setting

ENV_NAMES = ("CartPole-v1", "Acrobot-v1", "MountainCar-v0")
ALGOS = ("reinforce", "dqn")
RL = Applies(modes=("rl",))
RL_LR = {"rl": 3e-3}        # the learning rate's default for mode rl (bench/rl_bench.py)


# the Train form's settings the agent's loop does not read (it runs on the CPU, an episode at a time)
UNUSED_BY_AGENTS = ("epochs", "max_steps", "schedule", "warmup_epochs", "l1", "early_stopping", "device", "amp",
                    "memory_format", "compile", "snapshot_seconds")


def _rl(name, kind, default, label, help_, group="mode", **kw) -> Setting:
    """A setting that applies to mode rl only (given in another mode, it is refused)."""
    return Setting(name, kind, default, label, help_, group=group, applies=RL, **kw)


RL_SETTINGS: tuple[Setting, ...] = (
    _rl("env", "choice", "CartPole-v1", bilingual("Environment", "环境"),
        bilingual("The world the agent acts in (reinforcement learning): its observation feeds the graph's Input, "
                  "its actions are the Output's values.",
                  "智能体行动的世界（强化学习）：它的观测输入图的 Input，它的动作对应 Output 的各个值。"),
        choices=ENV_NAMES, surfaces=(DATA, CLI, SCRIPT), metavar="NAME"),
    _rl("algo", "choice", "reinforce", bilingual("Algorithm", "算法"),
        bilingual("REINFORCE: the graph is a policy (action logits), trained by policy gradient with a baseline. "
                  "DQN: the graph gives each action's value, trained from a replay buffer against a target network.",
                  "REINFORCE：图是策略（动作的 logits），用带基线的策略梯度训练。DQN：图给出每个动作的价值，"
                  "用经验回放和目标网络训练。"),
        choices=ALGOS, surfaces=(FORM, CLI, SCRIPT), group="basic",
        choice_labels={"reinforce": bilingual("REINFORCE", "REINFORCE"), "dqn": bilingual("DQN", "DQN")}),
    _rl("episodes", "int", 500, bilingual("Episodes", "回合数"),
        bilingual("How many episodes the agent plays while it learns.", "智能体在学习中玩的回合数。"),
        lo=1, hi=1_000_000, step=10, unit="episodes", surfaces=(FORM, CLI, SCRIPT), metavar="N", group="basic"),
    _rl("discount", "float", 0.99, bilingual("Discount (gamma)", "折扣因子（γ）"),
        bilingual("How much a reward one step later is worth now (0.99: the agent plans far ahead).",
                  "晚一步得到的奖励现在值多少（0.99：智能体会考虑很远的将来）。"),
        lo=0.0, hi=1.0, step=0.01, surfaces=(FORM, CLI, SCRIPT)),
    _rl("rollouts", "int", 4, bilingual("Episodes per update", "每次更新的回合数"),
        bilingual("REINFORCE plays this many episodes side by side, then makes one update from all of them; their "
                  "mean return is the baseline.",
                  "REINFORCE 同时玩这么多回合，然后用它们一起做一次更新；它们的平均回报就是基线。"),
        lo=1, hi=256, step=1, unit="episodes", surfaces=(FORM, CLI, SCRIPT), metavar="N"),
    _rl("replay_size", "int", 50_000, bilingual("Replay buffer", "经验回放容量"),
        bilingual("DQN remembers this many recent steps and learns from random batches of them.",
                  "DQN 记住最近这么多步，并从中随机抽批学习。"),
        lo=100, hi=10_000_000, step=1000, unit="steps", surfaces=(FORM, CLI), metavar="N"),
    _rl("warmup_steps", "int", 1000, bilingual("Steps before learning", "开始学习前的步数"),
        bilingual("DQN acts at random this many steps to fill its buffer before it learns.",
                  "DQN 先随机行动这么多步来填充经验回放，再开始学习。"),
        lo=1, hi=10_000_000, step=100, unit="steps", surfaces=(FORM, CLI), metavar="N"),
    _rl("learn_every", "int", 2, bilingual("Learn every (steps)", "每隔几步学习一次"),
        bilingual("DQN makes one update from a random batch of its buffer every this many steps it plays.",
                  "DQN 每玩这么多步，就从经验回放中随机抽一批做一次更新。"),
        lo=1, hi=10_000, step=1, unit="steps", surfaces=(FORM, CLI), metavar="N"),
    _rl("target_every", "int", 100, bilingual("Target network update", "目标网络更新间隔"),
        bilingual("DQN copies its network into the target network every this many steps.",
                  "DQN 每隔这么多步把网络复制到目标网络。"),
        lo=1, hi=10_000_000, step=100, unit="steps", surfaces=(FORM, CLI), metavar="N"),
    _rl("eps_start", "share", 1.0, bilingual("Exploration at the start (ε)", "初始探索率（ε）"),
        bilingual("DQN's share of random actions at the start.", "DQN 开始时随机动作的比例。"),
        lo=0.0, hi=1.0, step=0.05, surfaces=(FORM, CLI)),
    _rl("eps_end", "share", 0.04, bilingual("Exploration at the end (ε)", "最终探索率（ε）"),
        bilingual("DQN's share of random actions after the decay.", "衰减结束后 DQN 随机动作的比例。"),
        lo=0.0, hi=1.0, step=0.01, surfaces=(FORM, CLI)),
    _rl("eps_decay_steps", "int", 8000, bilingual("Exploration decay", "探索衰减步数"),
        bilingual("Steps over which ε falls in a straight line from its start to its end value.",
                  "ε 在这么多步内从初始值线性降到最终值。"),
        lo=1, hi=100_000_000, step=1000, unit="steps", surfaces=(FORM, CLI), metavar="N"),
    _rl("stop_when_solved", "bool", True, bilingual("Stop when solved", "解决后停止"),
        bilingual("Stop once a greedy evaluation reaches the environment's solved return (CartPole: 475).",
                  "贪心评估达到环境的“已解决”回报（CartPole：475）后停止。"),
        surfaces=(FORM, CLI)),
)
