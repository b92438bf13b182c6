"""Scores of a trained model on held-out samples: the figures of the test report (docs/run-format.md).

Plain tensors in, plain numbers out; the trainer calls these once, at the end of a run, on
the test split (``Trainer.score_test``).
"""
from __future__ import annotations

import torch

ROC_POINTS = 200      # an ROC curve is kept to about this many points (enough to draw it)


def classification_report(pred: torch.Tensor, true: torch.Tensor, class_names: list[str] | None) -> dict:
    """Per-class precision, recall, F1 and support, and their macro averages."""
    n = len(class_names) if class_names else int(max(int(pred.max()), int(true.max())) + 1)
    names = list(class_names) if class_names else [str(i) for i in range(n)]
    pred, true = pred.long().cpu(), true.long().cpu()
    tp = torch.bincount(true[pred == true], minlength=n)[:n].double()
    predicted = torch.bincount(pred, minlength=n)[:n].double()
    support = torch.bincount(true, minlength=n)[:n].double()
    precision = torch.where(predicted > 0, tp / predicted.clamp(min=1), torch.zeros_like(tp))
    recall = torch.where(support > 0, tp / support.clamp(min=1), torch.zeros_like(tp))
    f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp(min=1e-12),
                     torch.zeros_like(tp))
    present = support > 0            # macro averages over the classes the test split holds
    per_class = [{"class": names[i], "precision": float(precision[i]), "recall": float(recall[i]),
                  "f1": float(f1[i]), "support": int(support[i])} for i in range(n)]
    macro = {k: float(v[present].mean()) if bool(present.any()) else 0.0
             for k, v in (("precision", precision), ("recall", recall), ("f1", f1))}
    return {"per_class": per_class, "macro": macro, "accuracy": float(tp.sum() / max(1, len(true)))}


def roc_curve(scores: torch.Tensor, true: torch.Tensor, points: int = ROC_POINTS) -> dict | None:
    """False and true positive rates over all thresholds of the positive class's score, and the area
    under the curve; None when the samples hold only one class (no curve exists)."""
    scores, true = scores.double().cpu().reshape(-1), true.long().cpu().reshape(-1)
    positives, negatives = int((true == 1).sum()), int((true != 1).sum())
    if positives == 0 or negatives == 0:
        return None
    order = torch.argsort(scores, descending=True, stable=True)
    s, hit = scores[order], (true[order] == 1).double()
    last_of_tie = torch.cat([s[1:] != s[:-1], torch.tensor([True])])    # one point per distinct threshold
    tpr = torch.cat([torch.zeros(1), torch.cumsum(hit, 0)[last_of_tie] / positives])
    fpr = torch.cat([torch.zeros(1), torch.cumsum(1 - hit, 0)[last_of_tie] / negatives])
    thresholds = torch.cat([torch.tensor([float("inf")]), s[last_of_tie]])
    auc = float(torch.trapezoid(tpr, fpr))
    if len(fpr) > points:            # thin evenly, keeping both ends
        keep = torch.linspace(0, len(fpr) - 1, points).round().long().unique()
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": [None if t == float("inf") else t
                                                                     for t in thresholds.tolist()], "auc": auc}


def regression_scores(pred: torch.Tensor, true: torch.Tensor) -> dict:
    """Mean absolute error, root mean squared error (the data's units) and R² (averaged over outputs)."""
    pred, true = pred.double().reshape(len(pred), -1), true.double().reshape(len(true), -1)
    err = pred - true
    ss_res = (err ** 2).sum(0)
    ss_tot = ((true - true.mean(0)) ** 2).sum(0)
    r2 = torch.where(ss_tot > 0, 1 - ss_res / ss_tot.clamp(min=1e-300), torch.zeros_like(ss_res))
    return {"mae": float(err.abs().mean()), "rmse": float((err ** 2).mean().sqrt()), "r2": float(r2.mean())}
