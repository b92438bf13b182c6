"""Knowledge distillation: a student learns from a finished classification run (the teacher) as well as
from the labels (Hinton et al. 2015).

    loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross-entropy

The teacher is rebuilt from its run's checkpoint (best, else last: the graph and the weights it holds),
kept in eval mode without gradients on the student's device, and sees the very batches the student
sees (augmented ones included). The T^2 keeps the soft term's gradients on the scale of the hard one's.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from . import checkpoint, runfiles
from .runs import JOB
from .config import ConfigError
from .latency import run_checkpoint

FINISHED = ("finished", "stopped")      # a run that ended with weights it chose to keep


def teacher_checkpoint(run: str | Path) -> Path:
    """The checkpoint a teacher run is read from; refuses a missing or unfinished run."""
    run_dir = Path(run)
    if not (run_dir / JOB).is_file():
        raise ConfigError("distill.teacher_missing", run=str(run))
    state = (runfiles.read_json(run_dir / runfiles.STATUS, {}) or {}).get("state", "unknown")
    if state not in FINISHED:
        raise ConfigError("distill.teacher_unfinished", run=str(run), state=state)
    ckpt = run_checkpoint(run_dir)
    if ckpt is None:
        raise ConfigError("distill.teacher_no_weights", run=str(run))
    return ckpt


def output_shape(result) -> tuple:
    """The shape of a checked graph's (first) Output, batch left out."""
    return tuple(result.shapes[result.output_nodes()[0]])


def load_teacher(run: str | Path, student_check, device: torch.device) -> torch.nn.Module:
    """The teacher network of ``run``, ready to score the student's batches (eval mode, frozen)."""
    from builder.codegen import compile_graph
    from builder.shapes import check
    from .prepare import graph_inputs
    saved = checkpoint.load(teacher_checkpoint(run))
    if saved.get("mode") != "classification":
        raise ConfigError("distill.teacher_not_classifier", run=str(run), mode=str(saved.get("mode")))
    result = check(saved["graph"])
    theirs, ours = output_shape(result), output_shape(student_check)
    if theirs != ours:
        raise ConfigError("distill.output_mismatch", run=str(run), teacher=str(list(theirs)), student=str(list(ours)))
    if ours == (1,):        # one logit (binary cross-entropy): there is no distribution over classes to match
        raise ConfigError("distill.needs_classes", run=str(run))
    inputs_t = [(i["shape"], i["dtype"]) for i in graph_inputs(result)]
    inputs_s = [(i["shape"], i["dtype"]) for i in graph_inputs(student_check)]
    if inputs_t != inputs_s:
        raise ConfigError("distill.input_mismatch", run=str(run), teacher=_shapes(inputs_t), student=_shapes(inputs_s))
    teacher = compile_graph(saved["graph"], result).build()
    teacher.load_state_dict(saved["state_dict"])
    teacher.requires_grad_(False)
    return teacher.to(device).eval()


def _shapes(inputs: list) -> str:
    return ", ".join(f"{list(shape)} {dtype}" for shape, dtype in inputs)


def kd_term(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the batch."""
    t = temperature
    kl = F.kl_div(F.log_softmax(student / t, dim=1), F.log_softmax(teacher.float() / t, dim=1),
                  log_target=True, reduction="batchmean")
    return kl * t * t


def distilled_loss(student: torch.Tensor, teacher: torch.Tensor, hard: torch.Tensor, alpha: float,
                   temperature: float) -> tuple[torch.Tensor, dict]:
    """The combined loss and its two parts (detached) for the metrics: kd_loss and ce_loss."""
    soft = kd_term(student, teacher, temperature)
    loss = alpha * soft + (1 - alpha) * hard
    return loss, {"kd_loss": soft.detach(), "ce_loss": hard.detach()}


def can_teach(info, student_output: tuple) -> bool:
    """Whether a listed run (``runtime.runs.RunInfo``) can teach a student with this output shape: it
    finished as a classification run with a checkpoint, and its outputs have that shape."""
    from builder.shapes import check
    if info.state not in FINISHED or (info.status.get("mode") or info.config.get("mode")) != "classification":
        return False
    if len(student_output) != 1 or student_output == (1,) or run_checkpoint(info.dir) is None:
        return False
    result = check(info.job.get("graph") or {})
    return result.ok and output_shape(result) == tuple(student_output)
