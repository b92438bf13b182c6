"""A study's Plotly figures (Optuna's own), titled in the page's language; None where nothing can be drawn."""
from __future__ import annotations

from pathlib import Path

import optuna
import optuna.visualization as vis

from builder.i18n import translate

COMPLETE = optuna.trial.TrialState.COMPLETE


def study_figures(folder: Path, lang: str = "en") -> dict:
    from .study import load
    _, study = load(folder)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == COMPLETE]
    return {
        "history": _titled(vis.plot_optimization_history(study), translate("tune.fig.history", lang))
        if complete else None,
        "parallel": _titled(vis.plot_parallel_coordinate(study), translate("tune.fig.parallel", lang))
        if complete and complete[0].params else None,
        "importances": _titled(vis.plot_param_importances(study), translate("tune.fig.importances", lang))
        if importances_drawable(complete) else None,
        "intermediate": _titled(vis.plot_intermediate_values(study), translate("tune.fig.intermediate", lang))
        if any(t.intermediate_values for t in trials) else None,
    }


def importances_drawable(complete: list) -> bool:
    """Importances need two complete trials and a param whose value differs between them."""
    if len(complete) < 2:
        return False
    names = set().union(*(t.params for t in complete))
    return any(len({repr(t.params.get(n)) for t in complete}) > 1 for n in names)


def _titled(fig, title: str):
    fig.update_layout(title=title)
    return fig
