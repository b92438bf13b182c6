"""DQN: the graph gives each action's value Q(s, a); it learns from a replay buffer of past steps,
against a target network (a copy refreshed every ``target_every`` steps), acting ε-greedily with ε
falling linearly from ``eps_start`` to ``eps_end`` over ``eps_decay_steps`` (Mnih et al. 2015).
The loss is the Huber loss of Q(s, a) against r + discount · Q_target(s', a*), a* the network's
own best next action (the double-Q target of van Hasselt et al. 2016: it overestimates less), with no
bootstrap past a terminal step (an episode cut by its time limit is bootstrapped: it did not end).
"""
from __future__ import annotations

import copy

import torch

from .envs import Episodes, observations


class Replay:
    """The last ``size`` steps in preallocated tensors; a random batch drawn with the run's generator."""

    def __init__(self, size: int, obs_shape: tuple, generator: torch.Generator):
        self.obs = torch.zeros(size, *obs_shape)
        self.next_obs = torch.zeros(size, *obs_shape)
        self.action = torch.zeros(size, dtype=torch.long)
        self.reward = torch.zeros(size)
        self.ends = torch.zeros(size)       # 1 where the step ended the episode (terminated)
        self.size, self.filled, self.at = size, 0, 0
        self.generator = generator

    def add(self, obs, action: int, reward: float, next_obs, terminated: bool) -> None:
        i = self.at
        self.obs[i], self.next_obs[i] = obs, next_obs
        self.action[i], self.reward[i], self.ends[i] = action, reward, float(terminated)
        self.at = (i + 1) % self.size
        self.filled = min(self.filled + 1, self.size)

    def sample(self, n: int):
        idx = torch.randint(self.filled, (n,), generator=self.generator)
        return self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], self.ends[idx]


class DQN:
    def __init__(self, model: torch.nn.Module, optimizer, cfg, obs_shape: tuple, generator: torch.Generator):
        self.model, self.optimizer, self.cfg = model, optimizer, cfg
        self.obs_shape, self.generator = tuple(obs_shape), generator
        self.target = copy.deepcopy(model).eval()
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.replay = Replay(cfg.replay_size, self.obs_shape, generator)
        self.steps = 0
        self.last = {"loss": None, "epsilon": self.epsilon()}

    def epsilon(self) -> float:
        c = self.cfg
        done = min(1.0, self.steps / c.eps_decay_steps)
        return c.eps_start + (c.eps_end - c.eps_start) * done

    def act(self, state: torch.Tensor, actions: int) -> int:
        if float(torch.rand((), generator=self.generator)) < self.epsilon():
            return int(torch.randint(actions, (), generator=self.generator))
        self.model.eval()
        with torch.no_grad():
            return int(self.model(state.unsqueeze(0)).argmax(-1))

    def play(self, env: Episodes, actions: int) -> dict:
        """One episode, learning at every step once the buffer holds ``warmup_steps``; its record."""
        state = observations([env.reset()], self.obs_shape)[0]
        total, length, losses = 0.0, 0, []
        while True:
            action = self.act(state, actions)
            obs, reward, terminated, truncated = env.step(action)
            next_state = observations([obs], self.obs_shape)[0]
            self.replay.add(state, action, reward, next_state, terminated)
            self.steps += 1
            total, length, state = total + reward, length + 1, next_state
            if self.steps % self.cfg.learn_every == 0 and self.replay.filled >= min(self.cfg.warmup_steps,
                                                                                  self.replay.size):
                losses.append(self.learn())
            if self.steps % self.cfg.target_every == 0:
                self.target.load_state_dict(self.model.state_dict())
            if terminated or truncated:
                break
        loss = float(torch.stack(losses).mean()) if losses else None
        self.last = {"loss": loss, "epsilon": self.epsilon()}
        return {"return": total, "length": length}

    def learn(self) -> torch.Tensor:
        obs, action, reward, next_obs, ends = self.replay.sample(min(self.cfg.batch_size, self.replay.filled))
        with torch.no_grad():
            # double-Q: the network picks the next action, the target network values it (overestimates less)
            pick = self.model(next_obs).argmax(-1, keepdim=True)
            best_next = self.target(next_obs).float().gather(1, pick).squeeze(1)
            target = reward + self.cfg.discount * (1.0 - ends) * best_next
        self.model.train()
        q = self.model(obs).float().gather(1, action.unsqueeze(1)).squeeze(1)
        loss = torch.nn.functional.smooth_l1_loss(q, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        return loss.detach()
