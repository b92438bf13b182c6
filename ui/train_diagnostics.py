"""The Train page's diagnostic views, drawn from one registry, ``VIEWS`` (at the end of this module).

Each view is one ``DiagnosticView``: the run file the trainer records for it
(docs/run-format.md) and the keys in that file it cannot draw without, the modes it
applies to, and its draw function. ``diagnostic_views`` (which views a run has) and the
page's segmented control both read the registry, in its order; adding a view is one
entry there and its draw function here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import streamlit as st

from runtime import runfiles
from runtime import runs
from runtime.config import BY_NAME
from ui import attention_view
from ui import figures
from ui import train_cache
from ui import train_state
from ui import train_transfer
from ui.session import labeller, lang, localized

MAX_SNAPSHOTS = 240         # weight and gradient statistics drawn, evenly spread over the run
MAX_REPORT_CLASSES = 50     # rows of the test report's per-class table


@dataclass(frozen=True)
class DiagnosticView:
    """One diagnostic view: what the trainer records for it and how the page draws it."""
    name: str                   # the control's value; its label is the locale key trainpage.view.<name>
    reads: str                  # the run file it draws from (a name in runtime/runfiles.py)
    draw: Callable[[Path, object, object], None]    # (run folder, version of the file, its content)
    needs: tuple[str, ...] = ()                     # the keys of that file it cannot draw without
    modes: tuple[str, ...] | None = None            # the run modes it applies to; None: every mode
    # offered only once the file holds what it needs: not every run of its modes writes it
    # (the boundary needs a 2-D input, the test report a test split)
    only_once_written: bool = False
    waiting: str | None = "trainpage.diag_wait_epoch"   # what it says until then; None: nothing

    def applies(self, mode: str | None, run_dir: Path) -> bool:
        if self.modes is not None and mode not in self.modes:
            return False
        return not self.only_once_written or written(Path(run_dir) / self.reads, self.needs)


def written(path: Path, needs: tuple[str, ...] = ()) -> bool:
    """Whether a run file is on disk with the keys ``needs`` (an npz file's arrays, a JSON object's keys);
    only the npz's index is read, not its arrays."""
    if not path.exists():
        return False
    if not needs:
        return True
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as arrays:
                present = set(arrays.files)
        except (OSError, ValueError, EOFError):
            return False
    else:
        content = runfiles.read_json(path)
        present = set(content) if isinstance(content, dict) else set()
    return set(needs) <= present


def holds(content, needs: tuple[str, ...]) -> bool:
    """Whether what the page read of a run file has something in it, and something in each key of ``needs``."""
    if not content:
        return False
    for key in needs:
        value = content.get(key)
        if value is None:
            return False
        try:
            if len(value) == 0:
                return False
        except TypeError:       # a scalar
            pass
    return True


def diagnostic_views(mode: str | None, run_dir: Path) -> list[str]:
    """The names of the views that apply to this run, in the order the page offers them."""
    return [view.name for view in VIEWS if view.applies(mode, run_dir)]


def diagnostics_section(run: runs.RunInfo | None) -> None:
    st.subheader(localized("trainpage.diagnostics"), anchor=False)
    if run is None:
        st.caption(localized("trainpage.diagnostics_empty"))
        return
    names = diagnostic_views(train_state.run_mode(run.dir, run.job), run.dir)
    if st.session_state.get("tp_diag") not in names:
        st.session_state["tp_diag"] = names[0]
    chosen = st.segmented_control(localized("trainpage.diagnostics"), names, format_func=labeller("trainpage.view."),
                                  key="tp_diag", label_visibility="collapsed") or names[0]
    draw_view(run.dir, next(view for view in VIEWS if view.name == chosen))


def draw_view(run_dir: Path, view: DiagnosticView) -> None:
    """The view, drawn from its run file once that holds what it needs; until then its waiting line."""
    version, content = train_cache.run_file(run_dir, view.reads)
    if not holds(content, view.needs):
        if view.waiting:
            st.caption(localized(view.waiting))
        return
    view.draw(run_dir, version, content)


# -- the views ----------------------------------------------------------------------------------------
def class_names(run_dir: Path) -> list | None:
    return train_cache.preprocess(run_dir).get("class_names")


def draw_gradients(run_dir: Path, version, snapshots: list[dict]) -> None:
    layer_statistics(run_dir, version, snapshots, "gradients", "grad")


def draw_weights(run_dir: Path, version, snapshots: list[dict]) -> None:
    layer_statistics(run_dir, version, snapshots, "weights", "weight")


# what the norms column says with fewer than two points to draw, and the histogram column with none
TOO_FEW_NORMS = {"gradients": "trainpage.diag_few_gradients", "weights": "trainpage.diag_few_weights"}
NO_HISTOGRAM = {"gradients": "trainpage.diag_no_hist_gradients", "weights": "trainpage.diag_no_hist_weights"}


def with_key(snapshots: list[dict], key: str) -> list[dict]:
    """The stats records where some layer has ``key`` (norm records at log points, histograms less often)."""
    return [snapshot for snapshot in snapshots
            if any(key in entry for entry in snapshot.get("layers", {}).values())]


def layer_statistics(run_dir: Path, version, snapshots: list[dict], view: str, which: str) -> None:
    """Norms of every layer over time, and the histograms over time of one layer (picked here); a line
    saying why where a run has too few records to draw either."""
    language = lang()
    norms = evenly_spread(with_key(snapshots, f"{which}_norm"), MAX_SNAPSHOTS)
    histograms = evenly_spread(with_key(snapshots, f"{which}_hist"), MAX_SNAPSHOTS)
    layers = list(dict.fromkeys(name for snapshot in histograms for name, entry in snapshot["layers"].items()
                                if f"{which}_hist" in entry))
    st.caption(localized(f"trainpage.diag_{view}_hint"))
    norms_column, histogram_column = st.columns([1.2, 1])
    with norms_column:
        if len(norms) < 2:      # one point draws no line
            st.caption(localized(TOO_FEW_NORMS[view], n=len(norms)))
        else:
            train_cache.chart(train_cache.figure(
                f"norms{which}", (str(run_dir), version, language),
                lambda: figures.norms_over_time(norms, which, language).update_layout(height=340)), f"tp_norms_{which}")
    with histogram_column:
        if not layers:
            config = train_cache.json_file(Path(run_dir) / runfiles.CONFIG)[1] or {}
            st.caption(localized(NO_HISTOGRAM[view], seconds=seconds_text(config.get("snapshot_seconds", 1.0))))
            return
        key = f"tp_hist_layer_{which}"
        if st.session_state.get(key) not in layers:
            st.session_state[key] = layers[0]
        layer = st.selectbox(localized("trainpage.hist_layer"), layers, key=key)
        train_cache.chart(train_cache.figure(
            f"hist{which}", (str(run_dir), version, layer, language),
            lambda: figures.histograms_over_time(histograms, layer, which, language)), f"tp_hist_{which}")


def seconds_text(value) -> str:
    """1, 0.5, 2.5: seconds as the settings show them (no trailing .0)."""
    return f"{float(value):g}"


def evenly_spread(records: list, most: int) -> list:
    if len(records) <= most:
        return records
    idx = np.linspace(0, len(records) - 1, most).round().astype(int)
    return [records[i] for i in idx]


def draw_confusion(run_dir: Path, version, confusion: dict) -> None:
    language = lang()
    matrix_column, per_class_column = st.columns([1.3, 1])
    with matrix_column:
        train_cache.chart(train_cache.figure("confusion", (str(run_dir), version, language),
                                             lambda: figures.confusion(confusion, language)), "tp_confusion")
    with per_class_column:
        train_cache.chart(train_cache.figure("perclass", (str(run_dir), version, language),
                                             lambda: figures.per_class_accuracy(confusion, language)), "tp_perclass")


def draw_mistakes(run_dir: Path, version, samples: dict) -> None:
    """The misclassified validation inputs, "true → predicted": images as a mosaic, anything else as a table."""
    language = lang()
    names = class_names(run_dir)
    wrong = samples["misclassified"]
    true, pred = samples["misclassified_true"], samples["misclassified_pred"]

    def name(c):
        return str(names[int(c)]) if names and int(c) < len(names) else str(int(c))
    labels = [f"{name(a)} → {name(b)}" for a, b in zip(true, pred)]
    st.caption(localized("trainpage.mistakes_hint"))
    if figures.is_image_batch(wrong) or (wrong.ndim == 2 and int(np.sqrt(wrong.shape[1])) ** 2 == wrong.shape[1]
                                         and wrong.shape[1] >= 16):
        train_cache.chart(train_cache.figure("mistakes", (str(run_dir), version, language), lambda: figures.image_mosaic(
            wrong, titles=labels, title=localized("trainpage.view.mistakes"), uirevision="mistakes")), "tp_mistakes")
    else:
        st.dataframe({localized("fig.true"): [name(a) for a in true], localized("fig.predicted"): [name(b) for b in pred]},
                     hide_index=True)


def draw_boundary(run_dir: Path, version, boundary: dict) -> None:
    language = lang()
    names = class_names(run_dir)
    train_cache.chart(train_cache.figure("boundary", (str(run_dir), version, language), lambda: figures.decision_boundary(
        boundary, names, language).update_layout(height=460)), "tp_boundary")


def draw_reconstructions(run_dir: Path, version, samples: dict) -> None:
    """Validation inputs above their reconstructions."""
    language = lang()
    inputs, recon = samples["inputs"], samples["recon"]
    recon = recon.reshape(inputs.shape) if recon.size == inputs.size else recon
    both = (np.concatenate([inputs, recon]) if inputs.ndim == 4 else
            np.concatenate([inputs.reshape(len(inputs), -1), recon.reshape(len(recon), -1)]))
    st.caption(localized("trainpage.recon_hint", epoch=int(samples.get("epoch", 0))))
    train_cache.chart(train_cache.figure("recon", (str(run_dir), version, language), lambda: figures.image_mosaic(
        both.reshape((len(both),) + inputs.shape[1:]) if inputs.ndim == 4 else both, cols=len(inputs),
        title=localized("trainpage.recon_title"), uirevision="recon")), "tp_recon")


def draw_latent(run_dir: Path, version, samples: dict) -> None:
    """The VAE's latent means by class, and beside them, for a 2-D latent space, decodings of a grid over it."""
    language = lang()
    names = class_names(run_dir)
    scatter_column, grid_column = st.columns([1.3, 1])
    with scatter_column:
        train_cache.chart(train_cache.figure("latent", (str(run_dir), version, language), lambda: figures.latent_scatter(
            samples["latent"], samples.get("latent_labels"), names, language)), "tp_latent")
    with grid_column:
        if "decoded_grid" in samples:
            train_cache.chart(train_cache.figure("decoded", (str(run_dir), version, language), lambda: figures.image_mosaic(
                samples["decoded_grid"], cols=7, title=localized("trainpage.decoded_title"), tile_px=48,
                uirevision="decoded")), "tp_decoded")
        else:
            st.caption(localized("trainpage.decoded_needs_2d"))


def draw_generated(run_dir: Path, version, samples: dict) -> None:
    """The GAN's samples from its fixed latent batch: points over the real ones, or images beside real images."""
    language = lang()
    generated = samples["generated"]
    real = samples.get("real")
    st.caption(localized("trainpage.generated_hint", epoch=int(samples.get("epoch", 0))))
    if "spread" in samples and "real_spread" in samples:      # mode collapse shows as a spread near 0
        st.caption(localized("gandiv.spread", fake=f"{float(samples['spread']):.3f}",
                             real=f"{float(samples['real_spread']):.3f}"))
    if generated.ndim == 2 and generated.shape[1] <= 2:
        train_cache.chart(train_cache.figure("generated", (str(run_dir), version, language),
                                             lambda: figures.generated_points(generated, real, language)), "tp_generated")
        return
    generated_column, real_column = st.columns([1.6, 1])
    with generated_column:
        train_cache.chart(train_cache.figure("generated", (str(run_dir), version, language), lambda: figures.image_mosaic(
            generated, cols=8, title=localized("trainpage.generated_title"), uirevision="generated")), "tp_generated")
    with real_column:
        if real is not None:
            train_cache.chart(train_cache.figure("real", (str(run_dir), version, language), lambda: figures.image_mosaic(
                real[:8], cols=4, title=localized("trainpage.real_title"), uirevision="real")), "tp_real")


def draw_test_report(run_dir: Path, version, report: dict) -> None:
    """The test split's scores (once, at the end, on the best weights): figures, per-class table, ROC."""
    language = lang()
    st.caption(localized("trainpage.test_hint", n=report.get("samples", "?"), epoch=report.get("epoch", "?"),
                  metric=BY_NAME["es_metric"].choice_label(report.get("selected_by"), language)))
    scores = train_state.test_scores(report.get("metrics"))
    columns = st.columns(len(scores) or 1)
    for column, (key, value) in zip(columns, scores.items()):
        column.metric(localized("trainpage.score." + key), train_state.number_text(value, pct=key == "test_acc"))
    per_class = report.get("per_class")
    if not per_class:
        return
    table_column, roc_column = st.columns([1.3, 1]) if report.get("roc") else (st.container(), None)
    with table_column:
        shown = train_state.top_classes(per_class, MAX_REPORT_CLASSES)
        st.dataframe({localized("trainpage.col.class"): [str(c["class"]) for c in shown],
                      localized("trainpage.col.precision"): [c["precision"] for c in shown],
                      localized("trainpage.col.recall"): [c["recall"] for c in shown],
                      localized("trainpage.col.f1"): [c["f1"] for c in shown],
                      localized("trainpage.col.support"): [c["support"] for c in shown]},
                     hide_index=True, width="stretch", key="tp_test_table",
                     column_config={localized(f"trainpage.col.{k}"): st.column_config.NumberColumn(format="%.3f")
                                    for k in ("precision", "recall", "f1")})
        if len(shown) < len(per_class):
            st.caption(localized("trainpage.test_top_classes", shown=len(shown), n=len(per_class)))
        macro = report.get("macro") or {}
        if macro:
            st.caption(localized("trainpage.test_macro", precision=f"{macro['precision']:.3f}",
                          recall=f"{macro['recall']:.3f}", f1=f"{macro['f1']:.3f}"))
    if roc_column is not None:
        with roc_column:
            positive = str(per_class[1]["class"])      # the score is the probability of the second class
            train_cache.chart(train_cache.figure("roc", (str(run_dir), version, language),
                                                 lambda: figures.roc(report["roc"], positive, language)), "tp_roc")


# -- the registry: the page offers the views that apply to a run, in this order ------------------------
VIEWS: tuple[DiagnosticView, ...] = (
    DiagnosticView("gradients", reads=runfiles.STATS, draw=draw_gradients, waiting="trainpage.diag_wait"),
    DiagnosticView("weights", reads=runfiles.STATS, draw=draw_weights, waiting="trainpage.diag_wait"),
    DiagnosticView("confusion", reads=runfiles.CONFUSION, draw=draw_confusion, modes=("classification",)),
    DiagnosticView("mistakes", reads=runfiles.SAMPLES, draw=draw_mistakes, modes=("classification",),
                   needs=("misclassified", "misclassified_true", "misclassified_pred"),
                   waiting="trainpage.no_mistakes"),
    DiagnosticView("boundary", reads=runfiles.BOUNDARY, draw=draw_boundary, modes=("classification",),
                   only_once_written=True),
    DiagnosticView("reconstructions", reads=runfiles.SAMPLES, draw=draw_reconstructions,
                   modes=("autoencoder", "vae"), needs=("inputs", "recon")),
    DiagnosticView("latent", reads=runfiles.SAMPLES, draw=draw_latent, modes=("vae",), needs=("latent",)),
    DiagnosticView("generated", reads=runfiles.SAMPLES, draw=draw_generated, modes=("gan",), needs=("generated",)),
    DiagnosticView("attention", reads=runfiles.ATTENTION, draw=attention_view.draw_attention, needs=("epoch",),
                   only_once_written=True, waiting=None),
    DiagnosticView("test", reads=runfiles.TEST, draw=draw_test_report, only_once_written=True, waiting=None),
    DiagnosticView("incremental", reads=runfiles.SUMMARY, draw=train_transfer.draw_incremental,
                   modes=("classification",), needs=("incremental",), only_once_written=True, waiting=None),
    DiagnosticView("transfer", reads=runfiles.SUMMARY, draw=train_transfer.draw_transfer, needs=("transfer",),
                   only_once_written=True, waiting=None),
)
