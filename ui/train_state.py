"""What the Train page shows, computed from the run folder (docs/run-format.md): no streamlit here.

* ``Tail``: incremental reads of an append-only ``.jsonl`` (byte offsets), so a page
  that polls every second reads only what was appended since the last look.
* ``progress``: fraction, elapsed time and ETA from status.json.
* ``panels``: which curves a mode has; ``best_metrics``: a run's best values.
* ``active_run``: the run to show after a reload (the newest live one).
* ``layer_graph``: agraph nodes and edges for "pick a layer to watch".
* ``run_mode``: a run's mode; ``number_text``: a number as the page shows it.

Which diagnostic views a run has is the registry's (ui/train_diagnostics.py).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from runtime import runfiles
from runtime import runs
from runtime.runs import LIVE_STATES, RunInfo
from ui import figures

TERMINAL_STATES = ("finished", "stopped", "failed", "died")


@dataclass
class Tail:
    """The records of one ``.jsonl`` file read so far and where to continue."""
    path: Path
    offset: int = 0
    records: list = field(default_factory=list)
    version: int = 0            # bumped whenever records were appended

    def update(self) -> bool:
        """Read what was appended; True when there was something new."""
        new, self.offset = runfiles.read_jsonl(self.path, self.offset)
        if new:
            self.records.extend(new)
            self.version += 1
        return bool(new)


def tail(cache: dict, path: Path) -> Tail:
    """The ``Tail`` for ``path`` kept in ``cache`` (the page's session state), brought up to date."""
    key = str(path)
    t = cache.get(key)
    if t is None:
        t = cache[key] = Tail(Path(path))
    t.update()
    return t


def file_version(path: Path) -> int | None:
    """A value that changes whenever the file is replaced (mtime in ns), None if it is absent."""
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return None


# -- progress --------------------------------------------------------------------------------
def progress(status: dict, records: list[dict], now: float | None = None) -> dict:
    """``{fraction, step, total, done, epochs, elapsed, eta, samples_per_s}`` for the progress bar: ``done``
    and ``epochs`` as the runs list shows them, ``samples_per_s`` as the speed chart ends, and a time
    left only while the run trains (a paused run has none)."""
    now = time.time() if now is None else now
    step = int(status.get("step") or 0)
    total = int(status.get("total_steps") or 0)
    steps = [r for r in records if r.get("kind") == "step"]
    if steps:
        step = max(step, int(steps[-1].get("step") or 0))
    state = status.get("state")
    started = status.get("started")
    elapsed = None
    if steps and steps[-1].get("time") is not None:
        elapsed = float(steps[-1]["time"])
    if started:
        if state in ("running", "starting"):
            elapsed = max(elapsed or 0.0, now - float(started))
        elif state == "paused":
            elapsed = max(elapsed or 0.0, float(status.get("updated") or now) - float(started))
    fraction = min(1.0, step / total) if total else 0.0
    if state == "finished":
        fraction = 1.0
    eta = None
    if state == "running" and elapsed and step and total and step < total:
        eta = elapsed * (total - step) / step
    return {"fraction": fraction, "step": step, "total": total, "done": epochs_done(status),
            "epochs": status.get("epochs"), "elapsed": elapsed, "eta": eta, "samples_per_s": current_speed(records)}


def epochs_done(status: dict) -> int:
    """The epochs a run has completed: status.json's ``epochs_done``; for runs written before it, the
    epoch under way (its index counts the ones before it), or every planned epoch once finished."""
    if status.get("epochs_done") is not None:
        return int(status["epochs_done"])
    epoch = status.get("epoch")
    if epoch is None:
        return 0
    if status.get("state") == "finished":
        return int(status.get("epochs") or epoch + 1)
    return int(epoch)


def speed_series(records: list[dict]) -> list[tuple[str, list, list]]:
    """Samples per second over the run as the speed chart draws it: a running median of the step records'
    rates (over short windows they are jumpy), at most 400 points."""
    return smooth(thin(figures.step_series(records, "samples_per_s")))


def current_speed(records: list[dict]) -> float | None:
    """The speed the header shows: where the speed chart ends."""
    for _, _, values in speed_series(records):
        for value in reversed(values):
            if value is not None:
                return value
    return None


def clock(seconds: float | None) -> str:
    """0:42, 3:07, 1:02:03."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(max(0.0, seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# -- curves per mode -------------------------------------------------------------------------
KD_PANEL = ("trainpage.fig_kd_terms", ["kd_loss", "ce_loss"])     # a distilled run's two loss terms


def panels(mode: str | None, records: list[dict] = ()) -> list[tuple[str, list[str]]]:
    """The main curves of a mode: (title key, metrics); one metric uses train/val styling. A distilled run
    (its step records hold ``kd_loss``) adds its two loss terms."""
    if mode == "classification" and any("kd_loss" in r for r in records[:4]):
        return [*panels(mode), KD_PANEL]
    return {
        "classification": [("fig.loss", ["loss"]), ("fig.acc", ["acc"])],
        "regression": [("fig.loss", ["loss"]), ("fig.mae", ["mae"])],
        "autoencoder": [("fig.loss", ["loss"])],
        "vae": [("fig.loss", ["loss"]), ("trainpage.fig_vae_terms", ["recon", "kl"])],
        "gan": [("trainpage.fig_gan_losses", ["d_loss", "g_loss"]), ("trainpage.fig_gan_scores", ["d_real", "d_fake"])],
        "language_model": [("fig.loss", ["loss"]), ("textgen.fig_ppl", ["ppl"])],
    }.get(mode or "", [("fig.loss", ["loss"])])


def thin(series: list[tuple[str, list, list]], most: int = 400) -> list[tuple[str, list, list]]:
    """At most ``most`` evenly spread points per trace (the last one always kept): a long run's
    per-step line stays cheap to redraw every second and looks the same."""
    out = []
    for kind, xs, ys in series:
        if len(xs) > most:
            idx = sorted({round(i * (len(xs) - 1) / (most - 1)) for i in range(most)})
            xs, ys = [xs[i] for i in idx], [ys[i] for i in idx]
        out.append((kind, xs, ys))
    return out


def smooth(series: list[tuple[str, list, list]], window: int = 5) -> list[tuple[str, list, list]]:
    """A running median over ``window`` points (TensorBoard-style smoothing for a jumpy line)."""
    out = []
    for kind, xs, ys in series:
        half = window // 2
        sm = []
        for i in range(len(ys)):
            part = sorted(v for v in ys[max(0, i - half):i + half + 1] if v is not None)
            sm.append(part[(len(part) - 1) // 2] if part else None)
        out.append((kind, xs, sm))
    return out


def latest(records: list[dict], key: str, kind: str | None = None):
    for r in reversed(records):
        if (kind is None or r.get("kind") == kind) and r.get(key) is not None:
            return r[key]
    return None


def best_metrics(records: list[dict]) -> dict:
    """Best validation (else training) loss and accuracy/mae over the epoch records."""
    epochs = [r for r in records if r.get("kind") == "epoch"]
    out = {}
    for metric, better in (("loss", min), ("acc", max), ("mae", min)):
        for prefix in ("val_", "train_"):
            values = [r[prefix + metric] for r in epochs if r.get(prefix + metric) is not None
                      and (prefix == "val_" or r.get("epoch", 0) > 0)]
            if values:
                out[prefix + metric] = better(values)
                break
    return out


TEST_SCORES = ("test_acc", "test_mae", "test_rmse", "test_r2", "test_loss")


def test_scores(summary: dict | None) -> dict:
    """The test figures of a finished run's summary (empty without a test split)."""
    return {k: summary[k] for k in TEST_SCORES if summary and summary.get(k) is not None}


def top_classes(per_class: list[dict], limit: int) -> list[dict]:
    """The classes with the most test samples (all of them up to ``limit``), in their own order."""
    if len(per_class) <= limit:
        return per_class
    keep = set(sorted(range(len(per_class)), key=lambda i: -per_class[i]["support"])[:limit])
    return [c for i, c in enumerate(per_class) if i in keep]


def number_text(value, digits: int = 4, pct: bool = False, sci: bool = False) -> str:
    """A number in a tile or a score: 0.4213, 92.0%, 1.00e-03, 23,000; "–" for none."""
    if value is None:
        return "–"
    if pct:
        return f"{100 * value:.1f}%"
    if sci:
        return f"{value:.2e}"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


# -- which run to show -----------------------------------------------------------------------------
def active_run(infos: list[RunInfo], remembered: str | None = None) -> RunInfo | None:
    """The newest live run; else the remembered one; else the newest run (None if there are none)."""
    live = [r for r in infos if r.state in LIVE_STATES]
    if live:
        return max(live, key=lambda r: r.id)
    if remembered:
        for r in infos:
            if r.id == remembered:
                return r
    return max(infos, key=lambda r: r.id) if infos else None


def run_mode(run_dir: Path, job: dict) -> str | None:
    """The run's mode: its status's, else preprocess.json's, else the one its job asked for."""
    status = runs.read_status(run_dir) or {}
    if status.get("mode"):
        return status["mode"]
    pre = runfiles.read_json(Path(run_dir) / runfiles.PREPROCESS) or {}
    return pre.get("mode") or (job.get("config") or {}).get("mode")


# -- layers to watch ---------------------------------------------------------------------------------
# a layer that can be watched has a colour; grey is kept for the nodes with no output of their own to show
# (the page's hint says so): activations are layers like any other
CATEGORY_COLORS = {
    "io": "#16a34a", "conv": "#2563eb", "pool": "#0891b2", "dense": "#7c3aed", "activation": "#0d9488",
    "norm": "#ca8a04", "recurrent": "#db2777", "other": "#a16207",
}
SELECTED_COLOR = "#f97316"
UNWATCHABLE_COLOR = "#e5e7eb"


def category(layer_type: str) -> str:
    t = layer_type.lower()
    if t in ("input", "output"):
        return "io"
    if "conv" in t:
        return "conv"
    if "pool" in t:
        return "pool"
    if t in ("linear", "bilinear", "embedding"):
        return "dense"
    if "norm" in t or t == "dropout":
        return "norm"
    if t in ("lstm", "gru", "rnn") or "attention" in t:
        return "recurrent"
    if t in ("relu", "leakyrelu", "gelu", "sigmoid", "tanh", "softmax", "logsoftmax", "elu", "silu", "prelu",
             "softplus", "mish", "hardswish", "selu"):
        return "activation"
    return "other"


def layer_graph(doc: dict, watchable: set[str], selected: str | None,
                two_lines: bool = False) -> tuple[list[dict], list[dict]]:
    """Nodes and edges for streamlit-agraph: a node per layer, labelled ``id`` and type.

    Labels are drawn on a canvas as plain text, so node ids go in as they are; titles (which
    the component turns into HTML for tooltips and its double-click handler) are left empty.
    """
    nodes, edges = [], []
    for n in doc.get("nodes", []):
        nid = str(n.get("id"))
        ntype = str(n.get("type", "?"))
        color = SELECTED_COLOR if nid == selected else CATEGORY_COLORS[category(ntype)]
        can = nid in watchable
        nodes.append({
            "id": nid, "label": f"{nid}\n{ntype}" if two_lines else f"{nid} · {ntype}", "title": "",
            "shape": "box",
            "color": {"background": color if can else UNWATCHABLE_COLOR, "border": color,
                      "highlight": {"background": SELECTED_COLOR, "border": SELECTED_COLOR}},
            "font": {"color": "#ffffff" if can else "#374151", "size": 14, "face": "sans-serif", "multi": False},
            "borderWidth": 3 if nid == selected else 1, "size": 20, "margin": 8,
        })
    ids = {n["id"] for n in nodes}
    for e in doc.get("edges", []):
        src, dst = str(e.get("source")), str(e.get("target"))
        if src in ids and dst in ids:
            edges.append({"from": src, "to": dst, "id": f"{src}->{dst}", "color": "#9ca3af", "arrows": "to"})
    return nodes, edges


MAX_LEVELS_ACROSS = 14     # up to this many levels the graph is drawn left to right across the page


def graph_extent(doc: dict) -> tuple[int, int]:
    """(levels, most nodes on one level) of ``doc`` drawn by longest path from the inputs."""
    depth = _depths(doc)
    if not depth:
        return 1, 1
    counts: dict = {}
    for d in depth.values():
        counts[d] = counts.get(d, 0) + 1
    return max(depth.values()), max(counts.values())


def agraph_width_height(doc: dict) -> int:
    """Pixels for a left-to-right drawing: a row per node of the widest level."""
    _, breadth = graph_extent(doc)
    return int(min(420, 80 + 62 * breadth))


def _depths(doc: dict) -> dict:
    nodes = [n.get("id") for n in doc.get("nodes", [])]
    preds: dict = {n: [] for n in nodes}
    for e in doc.get("edges", []):
        if e.get("target") in preds and e.get("source") in preds:
            preds[e["target"]].append(e["source"])
    depth: dict = {}

    def level(n, seen=()):
        if n in depth:
            return depth[n]
        if n in seen:      # a cycle (the checker reports it); do not recurse forever
            return 0
        depth[n] = 1 + max((level(p, seen + (n,)) for p in preds[n]), default=0)
        return depth[n]

    for n in nodes:
        level(n)
    return depth


def agraph_height(doc: dict, per_level: int = 46, lo: int = 240, hi: int = 640) -> int:
    """Pixels for a top-down drawing of ``doc``: one level per step of the longest path."""
    levels, _ = graph_extent(doc)
    return int(min(hi, max(lo, 40 + per_level * levels)))


def agraph_config(height: int = 420, direction: str = "UD") -> dict:
    """vis-network options: a fixed top-down layout (no physics), so nodes stay where they are."""
    return {
        "height": f"{height}px", "width": "100%", "physics": {"enabled": False},
        "layout": {"hierarchical": {"enabled": True, "direction": direction, "sortMethod": "directed",
                                    "levelSeparation": 46 if direction in ("UD", "DU") else 96,
                                    "nodeSpacing": 130 if direction in ("UD", "DU") else 62}},
        "interaction": {"hover": True, "dragNodes": False, "zoomView": True, "dragView": True},
        "edges": {"smooth": False},
    }


def watchable_layers(doc: dict, activation_keys) -> list[str]:
    """Graph nodes with activations in the snapshot, in graph order (Inputs show the samples); after a
    block instance, the nodes inside it by their paths (``layer1/0/conv1``), in the snapshot's order."""
    keys = [k[len("act__"):] for k in activation_keys if k.startswith("act__")]
    have = set(keys)
    out = []
    for n in doc.get("nodes", []):
        nid = n.get("id")
        if nid in have or (n.get("type") == "Input" and any(k.startswith("input__") for k in activation_keys)):
            out.append(nid)
            out += [k for k in keys if isinstance(nid, str) and k.startswith(nid + "/")]
    return out


CONV_TYPES = ("Conv1d", "Conv2d", "ConvTranspose2d")


def layer_types(doc: dict, layers) -> dict[str, str]:
    """The layer type of each watched layer: a node of the graph, or a path into block instances,
    looked up through the block definitions (an instance's type is its block's name)."""
    blocks = {b.get("name"): b for b in doc.get("blocks", []) if isinstance(b, dict)}

    def type_of(body: dict, path: list[str]) -> str:
        node = next((n for n in body.get("nodes", []) if isinstance(n, dict) and n.get("id") == path[0]), None)
        if node is None:
            return ""
        params = node.get("params") if isinstance(node.get("params"), dict) else {}
        inner = blocks.get(params.get("block")) if node.get("type") == "Block" else None
        if len(path) == 1:
            return str(params.get("block")) if inner is not None else str(node.get("type", ""))
        return type_of(inner, path[1:]) if inner is not None else ""

    return {layer: type_of(doc, layer.split("/")) for layer in layers}


def default_layer(doc: dict, layers: list[str]) -> str | None:
    """The first conv layer (feature maps are the most telling), else the first layer."""
    types = layer_types(doc, layers)
    for nid in layers:
        if types.get(nid, "") in CONV_TYPES:
            return nid
    for nid in layers:
        if types.get(nid) != "Input":
            return nid
    return layers[0] if layers else None


def sample_labels(n: int, target, class_names, lang_label) -> list[str]:
    """Row labels for the watched samples: "sample 1 · 3" (its class where there are labels)."""
    out = []
    for i in range(n):
        label = lang_label(i + 1)
        if target is not None and i < len(target):
            try:
                value = target[i]
                if getattr(value, "ndim", 0) == 0 and float(value).is_integer():
                    c = int(value)
                    label += " · " + (str(class_names[c]) if class_names and 0 <= c < len(class_names) else str(c))
            except (TypeError, ValueError):
                pass
        out.append(label)
    return out


def gan_metric_names() -> tuple[str, ...]:
    return ("d_loss", "g_loss", "d_real", "d_fake")
