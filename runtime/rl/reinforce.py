"""REINFORCE with a baseline: the graph is a policy whose outputs are action logits.

A batch of ``rollouts`` episodes is played side by side (one forward pass for all of them at each
step, without gradients), then one update: the log-probabilities of the actions taken, recomputed
in a single batched pass, weighted by the discounted returns from each step on. The baseline is
the batch's mean return, and the returns are scaled by their spread, so the step size does not
depend on the environment's reward scale (Williams 1992; Sutton & Barto, 13.4).
"""
from __future__ import annotations

import torch

from .envs import Episodes, observations


def discounted_returns(rewards: list[float], discount: float) -> list[float]:
    """G_t = r_t + discount * G_{t+1}, for every step of one episode."""
    out, running = [0.0] * len(rewards), 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + discount * running
        out[t] = running
    return out


class Reinforce:
    def __init__(self, model: torch.nn.Module, optimizer, cfg, obs_shape: tuple, generator: torch.Generator):
        self.model, self.optimizer, self.cfg = model, optimizer, cfg
        self.obs_shape, self.generator = tuple(obs_shape), generator
        self.last = {"loss": None, "entropy": None}     # of the latest update

    def play(self, envs: list[Episodes]) -> list[dict]:
        """One episode in each environment, then one update; a record per episode."""
        obs = [env.reset() for env in envs]
        states: list[list] = [[] for _ in envs]
        actions: list[list] = [[] for _ in envs]
        rewards: list[list] = [[] for _ in envs]
        live = list(range(len(envs)))
        self.model.eval()
        while live:
            batch = observations([obs[i] for i in live], self.obs_shape)
            with torch.no_grad():
                probs = torch.softmax(self.model(batch).float(), dim=-1)
            chosen = torch.multinomial(probs, 1, generator=self.generator).squeeze(1).tolist()
            still = []
            for row, i in enumerate(live):
                states[i].append(batch[row])
                actions[i].append(chosen[row])
                obs[i], reward, terminated, truncated = envs[i].step(chosen[row])
                rewards[i].append(reward)
                if not (terminated or truncated):
                    still.append(i)
            live = still
        self.update(states, actions, rewards)
        return [{"return": sum(r), "length": len(r)} for r in rewards]

    def update(self, states, actions, rewards) -> None:
        returns = torch.tensor([g for r in rewards for g in discounted_returns(r, self.cfg.discount)])
        advantage = returns - returns.mean()
        if len(advantage) > 1:
            advantage = advantage / (advantage.std() + 1e-8)
        self.model.train()
        logits = self.model(torch.stack([s for ep in states for s in ep])).float()
        log_probs = torch.log_softmax(logits, dim=-1)
        taken = torch.tensor([a for ep in actions for a in ep])
        chosen = log_probs.gather(1, taken.unsqueeze(1)).squeeze(1)
        loss = -(chosen * advantage).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        entropy = -(log_probs.exp() * log_probs).sum(-1).mean().detach()
        self.last = {"loss": float(loss.detach()), "entropy": float(entropy)}
