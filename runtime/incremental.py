"""Class-incremental training: learn new classes after old ones without forgetting the old ones.

``classes`` names the classes a run learns. Continued from a classification run (``init_from``), the
run's classes are the old run's (in their order) followed by the new ones, and the output layer grows
to match: the old rows are kept (``runtime.transfer.match``), the new rows start fresh. The training
split holds the new classes' samples; the validation and test splits hold every class seen so far,
so forgetting shows. Two protections against forgetting:

- ``replay N``: N training samples of each old class (at most 20) train beside the new ones;
- ``ewc LAMBDA``: elastic weight consolidation (Kirkpatrick et al. 2017): a penalty
  LAMBDA/2 * sum F (w - w_old)^2 keeps the weights that mattered for the old classes (F: the diagonal
  Fisher information, measured on old-class training samples with the starting weights) near their
  old values.

The run's summary gets ``incremental``: accuracy per class before and after training, and the old and
new classes' pooled accuracies (``old_acc``, ``new_acc``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from .callbacks import Callback
from .config import ConfigError

# Layers between the output layer and the Output that have no weights: the head is found through them.
PASS_THROUGH = ("Dropout", "Identity", "Softmax", "LogSoftmax", "ReLU", "Sigmoid", "Tanh", "GELU", "LeakyReLU")
FISHER_SAMPLES_PER_CLASS = 50     # enough for a stable diagonal; each is one backward pass


@dataclass
class ClassPlan:
    """Which classes a run learns: ``old`` (from the run it continues) first, then ``new``."""
    old: list[str]
    new: list[str]
    head: str | None = None                     # the output layer's node id (it grows)
    old_samples: object = None                  # a Split of old-class training samples (EWC's Fisher)
    replayed: int = 0                           # how many old-class samples the training split holds
    counts: dict = field(default_factory=dict)  # class -> training samples

    @property
    def classes(self) -> list[str]:
        return [*self.old, *self.new]


def plan(cfg) -> ClassPlan | None:
    """The run's classes (None without ``classes``): the continued run's first, in its order."""
    if not cfg.classes:
        return None
    old = _old_classes(cfg.init_from) if cfg.init_from else []
    new = [c for c in dict.fromkeys(cfg.classes) if c not in old]
    if (cfg.replay or cfg.ewc) and not old:
        raise ConfigError("incremental.needs_old", setting="replay" if cfg.replay else "ewc")
    return ClassPlan(old=old, new=new)


def _old_classes(path: str) -> list[str]:
    from . import checkpoint
    state = checkpoint.load(path)
    return [str(c) for c in state.get("class_names") or []] if state.get("mode") == "classification" else []


# -- the graph: the output layer sized to the classes ----------------------------------------------------
def head_node(graph: dict) -> str:
    """The node whose rows are the class scores: the layer feeding the (first) Output, through layers
    without weights. Refused when it is not a Linear layer."""
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    feeds = {e["target"]: e["source"] for e in graph.get("edges", [])}
    outputs = [i for i, n in nodes.items() if n["type"] == "Output"]
    node = feeds.get(outputs[0]) if outputs else None
    while node is not None and nodes[node]["type"] in PASS_THROUGH:
        node = feeds.get(node)
    if node is None or nodes[node]["type"] != "Linear":
        raise ConfigError("incremental.head", node=node or "Output", type=nodes[node]["type"] if node else "-")
    return node


def grown_graph(graph: dict, class_plan: ClassPlan) -> dict:
    """A copy of ``graph`` whose output layer has one row per class of the plan."""
    class_plan.head = head_node(graph)
    out = copy.deepcopy(graph)
    for node in out["nodes"]:
        if node["id"] == class_plan.head:
            node["params"] = {**node.get("params", {}), "out_features": len(class_plan.classes)}
    return out


# -- the data --------------------------------------------------------------------------------------------
def select(dataset, class_plan: ClassPlan):
    """The samples of the plan's classes, labelled by their place in the plan (old classes first)."""
    from .data.stream import STREAMED
    if isinstance(dataset, STREAMED) or dataset.task != "classification" or not dataset.class_names:
        raise ConfigError("incremental.needs_labels", data=dataset.name)
    names = [str(c) for c in dataset.class_names]
    unknown = [c for c in class_plan.new if c not in names]
    if unknown:
        raise ConfigError("incremental.unknown_class", classes=", ".join(unknown[:5]), data=dataset.name,
                          known=", ".join(names[:12]))
    place = torch.full((len(names),), -1, dtype=torch.long)
    for i, name in enumerate(class_plan.classes):
        if name in names:
            place[names.index(name)] = i
    target = place[dataset.target]
    keep = torch.nonzero(target >= 0).flatten()
    out = dataset.subset(keep)
    out.target, out.class_names = target[keep], list(class_plan.classes)
    return out


def split_train(train, class_plan: ClassPlan, replay: int, ewc: float, seed: int):
    """The training split of a class-incremental run: the new classes' samples and ``replay`` samples of
    each old class; the plan keeps some old-class samples aside for EWC."""
    n_old = len(class_plan.old)
    target = train.target.cpu()
    gen = torch.Generator().manual_seed(seed)
    chosen, fisher = [torch.nonzero(target >= n_old).flatten()], []
    for k, name in enumerate(class_plan.old):
        idx = torch.nonzero(target == k).flatten()
        if (replay or ewc) and not len(idx):
            raise ConfigError("incremental.old_class_missing", cls=name)
        idx = idx[torch.randperm(len(idx), generator=gen)]
        chosen.append(idx[:replay])
        fisher.append(idx[:FISHER_SAMPLES_PER_CLASS])
    keep = torch.cat(chosen).sort().values
    class_plan.replayed = int(sum(len(c) for c in chosen[1:]))
    class_plan.counts = {name: int((target[keep] == k).sum()) for k, name in enumerate(class_plan.classes)}
    old_idx = torch.cat(fisher) if fisher else keep[:0]
    return train.take(keep.to(train.inputs[0].device)), train.take(old_idx.to(train.inputs[0].device))


# -- EWC -------------------------------------------------------------------------------------------------
class EWC:
    """The penalty ``lam / 2 * sum F (w - w_old)^2`` over the weights the old classes used."""

    def __init__(self, module, samples, lam: float, head_rows: dict[str, int]):
        self.lam = lam
        self.anchor = {k: p.detach().clone() for k, p in module.named_parameters() if p.requires_grad}
        self.fisher = fisher_diagonal(module, samples, self.anchor)
        for key, rows in head_rows.items():    # the new classes' rows are free to learn
            if key in self.fisher:
                self.fisher[key][rows:] = 0

    def penalty(self, module) -> torch.Tensor:
        params = dict(module.named_parameters())
        total = sum((f * (params[k] - self.anchor[k]) ** 2).sum() for k, f in self.fisher.items())
        return 0.5 * self.lam * total


def fisher_diagonal(module, samples, names) -> dict[str, torch.Tensor]:
    """The empirical Fisher's diagonal: the mean over samples of each weight's squared gradient of the
    log-likelihood of the sample's label (one sample at a time, in eval mode)."""
    inputs, target = samples
    params = {k: p for k, p in module.named_parameters() if k in names}
    fisher = {k: torch.zeros_like(p) for k, p in params.items()}
    was = module.training
    module.eval()
    for i in range(len(target)):
        module.zero_grad(set_to_none=True)
        out = module(*[x[i:i + 1] for x in inputs])
        out = out[0] if isinstance(out, tuple) else out
        F.cross_entropy(out.float(), target[i:i + 1]).backward()
        for k, p in params.items():
            if p.grad is not None:
                fisher[k] += p.grad.detach() ** 2
    module.zero_grad(set_to_none=True)
    module.train(was)
    return {k: f / max(1, len(target)) for k, f in fisher.items()}


def ewc_for(trainer) -> EWC | None:
    """The trainer's EWC penalty when ``ewc`` is on (after the old weights are loaded), else None."""
    class_plan = trainer.data.incremental
    if not trainer.cfg.ewc or class_plan is None:
        return None
    head = trainer.compiled.generated.module_path(class_plan.head)
    rows = {f"{head}.weight": len(class_plan.old), f"{head}.bias": len(class_plan.old)}
    return EWC(trainer.module, class_plan.old_samples, trainer.cfg.ewc, rows)


# -- the report ------------------------------------------------------------------------------------------
def per_class(pred: torch.Tensor, target: torch.Tensor, n: int) -> list[float | None]:
    """Accuracy of each class (None for a class with no sample)."""
    pred, target = pred.cpu(), target.cpu()
    out = []
    for k in range(n):
        mask = target == k
        out.append(float((pred[mask] == k).float().mean()) if mask.any() else None)
    return out


def pooled(pred: torch.Tensor, target: torch.Tensor, lo: int, hi: int) -> float | None:
    """Accuracy over the samples whose class is in [lo, hi)."""
    pred, target = pred.cpu(), target.cpu()
    mask = (target >= lo) & (target < hi)
    return float((pred[mask] == target[mask]).float().mean()) if mask.any() else None


class IncrementalReport(Callback):
    """Accuracy per class on the validation split (else the test split) before the first step and with
    the weights the run ends with: in the summary as ``incremental``."""

    def __init__(self):
        self.before: dict | None = None

    @staticmethod
    def _split(trainer):
        return trainer.data.val if trainer.data.val is not None else trainer.data.test

    def _scores(self, trainer) -> dict | None:
        split, class_plan = self._split(trainer), trainer.data.incremental
        if split is None:
            return None
        pred = trainer.task.predict(split)
        n_old, n = len(class_plan.old), len(class_plan.classes)
        return {"per_class": per_class(pred, split.target, n), "old": pooled(pred, split.target, 0, n_old),
                "new": pooled(pred, split.target, n_old, n)}

    def on_fit_start(self, trainer):
        self.before = self._scores(trainer)

    def summary_extra(self, trainer) -> dict:
        class_plan = trainer.data.incremental
        with trainer._weights(trainer.best.state if trainer.cfg.early_stopping else None):
            after = self._scores(trainer)
        record = {"classes": class_plan.classes, "old": class_plan.old, "new": class_plan.new,
                  "replay": trainer.cfg.replay, "replayed": class_plan.replayed, "ewc": trainer.cfg.ewc,
                  "train_counts": class_plan.counts, "before": self.before, "after": after}
        out = {"incremental": record}
        if after is not None:
            out.update(old_acc=after["old"], new_acc=after["new"])
        return out
