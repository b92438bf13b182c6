"""Runs trained for real in a runs folder, as the app starts them (job.json first, then training), for
the pages and views that read run folders (docs/run-format.md)."""
from __future__ import annotations

import time
from pathlib import Path

from runtime import runfiles
from runtime import runs
from runtime.config import TrainConfig
from runtime.train import train


def trained_run(root: Path, config: dict, graph: dict, discriminator: dict | None = None, label: str = "run",
                run_id: str | None = None) -> Path:
    """A run of ``graph`` (and a GAN's ``discriminator``) trained with ``config`` under ``root``; its folder."""
    run_dir = root / (run_id or runs.new_run_id())
    run_dir.mkdir(parents=True)
    cfg = TrainConfig.from_dict(config)
    runfiles.write_json(run_dir / runs.JOB, {"config": cfg.to_dict(), "graph": graph, "discriminator": discriminator,
                                             "label": label, "created": time.time()})
    train(cfg, graph, discriminator, run_dir=run_dir)
    return run_dir


def started_run(root: Path, graph: dict, config: dict, label: str | None = None, run_id: str | None = None) -> Path:
    """A run of ``graph`` folder for folder as ``runs.start`` makes it and its process trains it (job.json with
    the config as given, the run's lock, status.json), trained in this process: no worker to start (each costs
    seconds of CPU). Asserts it finished; its folder."""
    cfg = TrainConfig.from_dict(config)
    run_dir = Path(root) / (run_id or runs.new_run_id())
    job = runs.job_record(cfg, graph, None, label)
    with runs.trainer_of(run_dir, job):
        train(TrainConfig.from_saved(job["config"]), graph, None, run_dir=run_dir)
    state = runfiles.read_json(run_dir / runfiles.STATUS)["state"]
    assert state == "finished", (state, run_dir)
    return run_dir
