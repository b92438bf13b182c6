"""Hostile user text for the tests: graph, node, column, class and run names that are markdown,
HTML, Streamlit directives or LaTeX, each pointing at an address no test may fetch
(198.51.100.7, TEST-NET-2)."""
from __future__ import annotations

import copy
from pathlib import Path

from builder import templates

HOST = "198.51.100.7"
IMAGE = "![x](http://198.51.100.7/p.png)"
NAME = f"{IMAGE} <img src=http://198.51.100.7/q.png> :material/warning:"
DESCRIPTION = "[link](http://198.51.100.7/) $x^2$\n**second** line"
OTHER = "[other](http://198.51.100.7/o) :red[red]"
BAD_ID = "<img src=http://198.51.100.7/n.png>"
BAD_TYPE = "![t](http://198.51.100.7/t.png)"
COLUMNS = ["<img src=http://198.51.100.7/c.png>", "![d](http://198.51.100.7/d.png)", ":material/home: $y$"]
CLASSES = ["![k](http://198.51.100.7/k.png)", "<b>yes</b>"]
LABEL = "[run](http://198.51.100.7/r) ![r](http://198.51.100.7/r.png)"


def hostile_csv() -> bytes:
    rows = [",".join(COLUMNS + ["label"])]
    for i in range(60):
        rows.append(f"{i % 7},{(i * 3) % 5},{(i * 5) % 11},{CLASSES[i % 2]}")
    return "\n".join(rows).encode()


def tabular_graph(name: str, description: str) -> dict:
    doc = templates.load("perceptron")            # 4 features -> 3 classes; made 3 -> 2 below
    doc["name"] = name
    doc["meta"] = {"description": {"en": description, "zh": description}, "mode": "classification"}
    for node in doc["nodes"]:
        if node["type"] == "Input":
            node["params"]["shape"] = [len(COLUMNS)]
        if node["type"] == "Linear":
            node["params"]["out_features"] = len(CLASSES)
    return doc


def broken_graph() -> dict:
    return {"format": "netcanvas.graph", "version": 1, "name": OTHER, "edges": [],
            "nodes": [{"id": BAD_ID, "type": "Input", "params": {"shape": [3]}},
                      {"id": "n1", "type": BAD_TYPE, "params": {}}]}


def hostile_workspace(ws_home: Path):
    """A workspace with three graphs open: the default template, ``NAME`` (current, fits the
    hostile CSV) and the broken ``OTHER``; the hostile CSV is stored as an upload (not chosen)."""
    from ui.data_upload import store
    from ui.workspace import Workspace
    ws = Workspace(ws_home)
    ws.open_doc(tabular_graph(NAME, DESCRIPTION))
    ws.open_doc(broken_graph())
    ws.select(1)
    path, _ = store(ws.uploads_dir, "hostile.csv", hostile_csv())
    return ws, path


def hostile_run(runs_root: Path, upload: Path, monitor: bool = False) -> Path:
    """A run of ``NAME`` trained for a few steps on the hostile CSV, labelled ``LABEL``."""
    from runtime import runfiles
    from runtime import runs
    from runtime.config import TrainConfig
    from runtime.train import train
    cfg = TrainConfig(upload=str(upload), upload_options={"target": "label"}, epochs=1, max_steps=3,
                      monitor=monitor)
    run_dir = Path(runs_root) / runs.new_run_id()
    run_dir.mkdir(parents=True)
    graph = tabular_graph(NAME, DESCRIPTION)
    runfiles.write_json(run_dir / runs.JOB, {"config": cfg.to_dict(), "graph": graph, "label": LABEL, "created": 1.0})
    train(cfg, copy.deepcopy(graph), run_dir=run_dir)
    return run_dir
