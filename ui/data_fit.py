"""Does the current graph fit the chosen data? The same checks training runs
(``runtime.prepare``: binding data inputs to the graph's Inputs, then the Output against
the task), on the view's probe instead of the whole set, so the answer is instant.
No streamlit here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from builder.errors import CodedError
from builder.shapes import CheckResult, check
from runtime.config import ConfigError, TrainConfig
from runtime.data.binding import apply_plan, plan
from runtime.data.errors import DataError
from runtime.prepare import Prepared, Split, check_fit, graph_inputs, infer_mode

from .data_view import DataView

# error code -> translation key of the hint shown under the message
HINTS = {
    "data.bind_shape": "datapage.hint.shape",
    "data.bind_dtype": "datapage.hint.dtype",
    "data.bind_missing": "datapage.hint.missing",
    "data.bind_no_inputs": "datapage.hint.no_inputs",
    "data.token_range": "datapage.hint.token_range",
    "data.token_negative": "datapage.hint.token_negative",
    "train.classes_mismatch": "datapage.hint.classes",
    "train.regression_mismatch": "datapage.hint.regression",
    "train.recon_mismatch": "datapage.hint.recon",
    "train.mode_needs_labels": "datapage.hint.needs_labels",
    "train.mode_needs_targets": "datapage.hint.needs_targets",
    "train.vae_outputs": "datapage.hint.vae",
    "train.gan_needs_discriminator": "datapage.hint.gan",
    "train.gan_shapes": "datapage.hint.gan_shapes",
    "train.gan_generator_input": "datapage.hint.gan",
    "train.gan_discriminator_io": "datapage.hint.gan",
}


@dataclass
class Fit:
    status: str                         # "fits" | "no_fit" | "graph_invalid"
    graph: str                          # the graph's name
    mode: str | None = None             # the training mode inferred from graph and data
    error: CodedError | None = None     # why it does not fit
    bindings: list[dict] = field(default_factory=list)   # [{"input", "source", "from", "to"}]
    output: dict | None = None          # {"name", "shape", "classes" | "width"}
    n_graph_errors: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "fits"

    @property
    def hint_key(self) -> str | None:
        return HINTS.get(self.error.code) if self.error is not None else None

    def hint_args(self) -> dict:
        """Fields for the hint's message: the error's own, plus shapes written as people read them."""
        args = dict(self.error.info) if self.error is not None else {}
        for key, value in args.items():
            if isinstance(value, (list, tuple)):
                is_shape = key.endswith("shape") and all(isinstance(d, int) for d in value)
                args[key] = ("×" if is_shape else ", ").join(str(d) for d in value)
        return args


def _is_discriminator(doc: dict) -> bool:
    return (doc.get("meta") or {}).get("mode") == "gan-discriminator"


def _is_generator(doc: dict) -> bool:
    return (doc.get("meta") or {}).get("mode") == "gan-generator"


def fit_check(view: DataView, doc: dict, other_docs: list[dict] | None = None, mode: str = "auto") -> Fit:
    """Check ``doc`` (the current graph) against the data ``view``. A GAN's generator and
    discriminator are found among ``other_docs`` (the other open graphs)."""
    name = str(doc.get("name", "graph"))
    result = check(doc)
    if not result.ok:
        return Fit("graph_invalid", name, n_graph_errors=len(result.errors))
    others = [d for d in (other_docs or []) if d is not doc]
    generator: CheckResult | None = result
    disc: CheckResult | None = None
    if _is_discriminator(doc):          # the discriminator is the graph that sees the real data
        disc = result
        partner = next((d for d in others if _is_generator(d)), None)
        generator = check(partner) if partner is not None else None
        if generator is not None and not generator.ok:
            generator = None
    elif _is_generator(doc) or mode == "gan":
        partner = next((d for d in others if _is_discriminator(d)), None)
        disc = check(partner) if partner is not None else None
        if disc is not None and not disc.ok:
            disc = None
    cfg = TrainConfig(mode=mode)
    try:
        run_mode = "gan" if _is_discriminator(doc) else infer_mode(cfg, result, disc is not None, view.task)
    except CodedError as exc:
        return Fit("no_fit", name, error=exc)
    if run_mode == "gan" and disc is None:
        return Fit("no_fit", name, mode=run_mode, error=ConfigError("train.gan_needs_discriminator"))
    bind_to = disc if run_mode == "gan" else result
    probe = view.probe
    try:
        binding = plan(probe, graph_inputs(bind_to))
    except DataError as exc:
        return Fit("no_fit", name, mode=run_mode, error=exc)
    bindings = [{"input": g, "source": b["source"], "from": list(b["from"]), "to": list(b["to"])}
                for g, b in binding.items()]
    bound = apply_plan(probe, binding)
    fit = Fit("fits", name, mode=run_mode, bindings=bindings)
    if run_mode == "gan" and generator is None:
        return fit          # the discriminator alone: real data fits it; the generator is checked on its own tab
    try:
        prepared = Prepared(
            mode=run_mode, task=view.task, input_names=[generator.io_name(n) for n in generator.input_nodes()],
            output_names=[generator.io_name(n) for n in generator.output_nodes()],
            train=Split(list(bound.inputs.values()), bound.target), val=None, test=None, preprocess={},
            class_names=view.class_names, data_kind=view.kind, data_name=view.name)
        check_fit(prepared, generator, disc)
    except CodedError as exc:
        return Fit("no_fit", name, mode=run_mode, error=exc, bindings=bindings)
    out = generator.output_nodes()[0]
    fit.output = {"name": generator.io_name(out), "shape": list(generator.shapes[out])}
    if run_mode == "classification":
        fit.output["classes"] = len(view.class_names or [])
    elif run_mode == "regression":
        fit.output["width"] = int(bound.target[0].numel()) if bound.target is not None else None
    return fit


def env_fit_check(env_name: str, doc: dict) -> Fit:
    """Check ``doc`` against environment ``env_name`` (runtime.rl.envs): the observation binds to the graph's
    Input and the actions to its Output, as a run checks them."""
    from runtime.rl import envs
    name = str(doc.get("name", "graph"))
    result = check(doc)
    if not result.ok:
        return Fit("graph_invalid", name, n_graph_errors=len(result.errors))
    try:
        bound = envs.check_fit(result, env_name)
    except ConfigError as exc:
        return Fit("no_fit", name, mode="rl", error=exc)
    binding = {"input": result.io_name(bound["input"]), "source": env_name, "from": bound["from"], "to": bound["to"]}
    output = {"name": result.io_name(bound["output"]), "shape": [bound["actions"]], "actions": bound["actions"]}
    return Fit("fits", name, mode="rl", bindings=[binding], output=output)
