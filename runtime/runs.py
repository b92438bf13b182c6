"""Runs as separate processes: start, pause, resume, stop, list, delete.

A run is a folder ``<root>/<id>/`` (docs/run-format.md). ``start`` writes the job
into the folder and hands it to a pre-started worker process (torch already
imported), so the first metrics record comes quickly; a new spare worker is
started for the next run. Runs live in their own process sessions: the app
restarting or a browser reload neither stops nor loses them.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import runfiles as rf
from .config import TrainConfig, migrate
from .train import Control

ROOT = Path(__file__).resolve().parents[1]
JOB = "job.json"
LIVE_STATES = ("queued", "starting", "running", "paused")


def default_root() -> Path:
    return Path(os.environ.get("NETCANVAS_RUNS", Path.cwd() / "runs"))


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


# -- control, as seen from inside the run process ----------------------------------------
class FileControl(Control):
    """Reads ``control.json`` (written by ``pause``/``resume``/``stop``) and SIGTERM/SIGINT."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / rf.CONTROL
        self.mtime = None
        self.command = "run"
        self.signalled = False

    def install_signal_handlers(self) -> None:
        def stop(_sig, _frame):
            self.signalled = True
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def poll(self) -> str:
        if self.signalled:
            return "stop"
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return self.command
        if mtime != self.mtime:
            self.mtime = mtime
            data = rf.read_json(self.path, {}) or {}
            self.command = {"pause": "pause", "stop": "stop"}.get(data.get("command"), "run")
        return self.command

    def wait_while_paused(self, trainer) -> str:
        monitor = next((cb for cb in trainer.callbacks if hasattr(cb, "status")), None)
        if monitor:
            monitor.status(trainer, "paused")
        paused_at = time.time()
        while (state := self.poll()) == "pause":
            time.sleep(0.1)
        trainer.started += time.time() - paused_at    # elapsed time excludes the pause
        if monitor and state == "run":
            monitor.status(trainer, "running")
        return state


def run_folder(run_dir: Path) -> int:
    """Train the job in ``run_dir`` in this process; write failures to status.json. Exit code."""
    from builder.errors import CodedError
    from builder.i18n import t
    from .train import train

    from .distributed import from_env

    run_dir = Path(run_dir)
    job = rf.read_json(run_dir / JOB)
    main = from_env().main            # with torchrun, rank 0 alone writes the folder
    control = FileControl(run_dir)
    control.install_signal_handlers()
    if main:
        rf.write_json(run_dir / rf.STATUS, {"state": "starting", "pid": os.getpid(), "updated": time.time(),
                                            "format_version": rf.RUN_FORMAT_VERSION})
    try:
        cfg = TrainConfig.from_saved(job["config"])
        train(cfg, job["graph"], job.get("discriminator"), run_dir=run_dir, control=control)
        return 0
    except CodedError as exc:
        if main:
            _fail(run_dir, exc.code, exc.info, exc.message("en"))
        return 1
    except Exception as exc:   # a bug or an unexpected torch error: still a message, and the app lives on
        if main:
            _fail(run_dir, "train.crashed", {"detail": f"{type(exc).__name__}: {exc}"[:500]},
                  t("train.crashed", "en", detail=f"{type(exc).__name__}: {exc}"[:500]))
        raise



def _fail(run_dir: Path, code: str, args: dict, message: str) -> None:
    status = rf.read_json(run_dir / rf.STATUS, {}) or {}
    status.update(state="failed", updated=time.time(), error={"code": code, "args": args, "message": message})
    rf.write_json(run_dir / rf.STATUS, status)


# -- the pre-started worker ----------------------------------------------------------------
class _Spare:
    """One idle ``python -m runtime worker`` with torch imported, waiting for a run folder on stdin."""

    def __init__(self):
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None

    def warm(self) -> None:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = _spawn(["-m", "runtime", "worker"], stdin=subprocess.PIPE)

    def take(self) -> subprocess.Popen | None:
        with self.lock:
            proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            return proc
        return None


_spare = _Spare()


_children: list[subprocess.Popen] = []


def app_run_threads() -> int:
    """CPU threads for a run started from the app: all cores but one, which is left to the app
    and the browser showing it. Torch's threads wait for each other at every operation, so one
    core taken by the page slows a run that uses all of them far more than its share (measured
    on 2 cores: 36% with 2 threads, 7% with 1; the small CNN on digits runs as fast on 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def _spawn(args: list[str], log=None, stdin=subprocess.DEVNULL) -> subprocess.Popen:
    """``python <args>`` in the project, in its own session (an app restart does not stop it)."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(app_run_threads()))    # torch reads it when imported
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, *args], cwd=str(ROOT), env=env, stdin=stdin,
                            stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
                            start_new_session=True, text=stdin == subprocess.PIPE)
    _children.append(proc)
    return proc


def _reap() -> None:
    """Collect children that have finished (no zombies left behind in a long-lived app)."""
    _children[:] = [p for p in _children if p.poll() is None]


def prewarm() -> None:
    """Start a spare worker now so the next ``start`` skips Python and torch start-up."""
    _spare.warm()


# -- the app's side ---------------------------------------------------------------------------
def start(graph: dict, config: TrainConfig | dict, discriminator: dict | None = None,
          root: Path | None = None, run_id: str | None = None, label: str | None = None) -> Path:
    """Start a run in its own process; returns its folder at once."""
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    root = Path(root or default_root())
    run_dir = root / (run_id or new_run_id())
    run_dir.mkdir(parents=True, exist_ok=True)
    rf.write_json(run_dir / JOB, {"config": cfg.to_dict(), "graph": graph, "discriminator": discriminator,
                                  "label": label or graph.get("name", "model"), "created": time.time()})
    rf.write_json(run_dir / rf.STATUS, {"state": "queued", "updated": time.time(),
                                        "format_version": rf.RUN_FORMAT_VERSION})
    _launch(run_dir)
    return run_dir


def _launch(run_dir: Path) -> None:
    _reap()
    devices = int((rf.read_json(run_dir / JOB, {}) or {}).get("config", {}).get("devices", 1))
    worker = _spare.take() if devices == 1 else None
    if worker is not None:     # the pre-started worker: torch is imported already
        worker.stdin.write(str(run_dir) + "\n")
        worker.stdin.flush()
        worker.stdin.close()
        pid = worker.pid
    else:
        with open(run_dir / rf.LOG, "ab") as log:
            if devices > 1:    # DDP: torchrun starts one process per device (gloo on CPU, nccl on GPUs)
                args = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={devices}",
                        "-m", "runtime", "run", str(run_dir)]
            else:
                args = ["-m", "runtime", "run", str(run_dir)]
            pid = _spawn(args, log=log).pid
    status = rf.read_json(run_dir / rf.STATUS, {}) or {}
    if status.get("state") == "queued":
        status["pid"] = pid
        rf.write_json(run_dir / rf.STATUS, status)


def _command(run_dir: Path, command: str) -> None:
    rf.write_json(Path(run_dir) / rf.CONTROL, {"command": command, "at": time.time()})


def pause(run_dir: Path) -> None:
    _command(run_dir, "pause")


def resume(run_dir: Path) -> None:
    _command(run_dir, "run")


def stop(run_dir: Path) -> None:
    """Ask the run to stop at its next log point (it saves a checkpoint first)."""
    _command(run_dir, "stop")


def kill(run_dir: Path) -> None:
    pid = (read_status(run_dir) or {}).get("pid")
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)


def continue_run(run_dir: Path, epochs: int | None = None) -> Path:
    """Resume a stopped run in its own folder from its last checkpoint (optimizer and schedule too)."""
    run_dir = Path(run_dir)
    job = rf.read_json(run_dir / JOB)
    cfg = migrate(job["config"])
    cfg.update(init_from=str(run_dir / rf.CKPT_LAST), resume=True)
    if epochs:
        cfg["epochs"] = epochs
    job["config"] = TrainConfig.from_saved(cfg).to_dict()
    rf.write_json(run_dir / JOB, job)
    (run_dir / rf.CONTROL).unlink(missing_ok=True)
    rf.write_json(run_dir / rf.STATUS, {"state": "queued", "updated": time.time(),
                                        "format_version": rf.RUN_FORMAT_VERSION})
    _launch(run_dir)
    return run_dir


def fine_tune(run_dir: Path, freeze: list[str], overrides: dict | None = None, root: Path | None = None) -> Path:
    """A new run starting from another run's best (else last) weights, with chosen nodes frozen."""
    run_dir = Path(run_dir)
    job = rf.read_json(run_dir / JOB)
    ckpt = run_dir / (rf.CKPT_BEST if (run_dir / rf.CKPT_BEST).exists() else rf.CKPT_LAST)
    cfg = dict(migrate(job["config"]), init_from=str(ckpt), resume=False, freeze=list(freeze), **(overrides or {}))
    return start(job["graph"], cfg, job.get("discriminator"), root=root or run_dir.parent,
                 label=f"{job.get('label', 'model')} (fine-tune)")


def delete(run_dir: Path) -> None:
    run_dir = Path(run_dir)
    status = read_status(run_dir) or {}
    if status.get("state") in LIVE_STATES and _alive(status.get("pid")):
        stop(run_dir)
        kill(run_dir)
    shutil.rmtree(run_dir, ignore_errors=True)


# -- reading runs ------------------------------------------------------------------------------
def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie child of ours has exited; reap it
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def read_status(run_dir: Path) -> dict | None:
    status = rf.read_json(Path(run_dir) / rf.STATUS)
    if status and status.get("state") in LIVE_STATES and status.get("pid") and not _alive(status["pid"]):
        status = dict(status, state="died")
    return status


@dataclass
class RunInfo:
    id: str
    dir: Path
    status: dict
    job: dict
    summary: dict | None

    @property
    def state(self) -> str:
        return self.status.get("state", "unknown")

    @property
    def label(self) -> str:
        return self.job.get("label", self.id)

    @property
    def config(self) -> dict:
        return self.job.get("config", {})


def list_runs(root: Path | None = None) -> list[RunInfo]:
    _reap()
    root = Path(root or default_root())
    if not root.is_dir():
        return []
    runs = []
    for d in sorted(root.iterdir(), reverse=True):
        if not (d / JOB).is_file():
            continue
        runs.append(RunInfo(id=d.name, dir=d, status=read_status(d) or {}, job=rf.read_json(d / JOB, {}) or {},
                            summary=rf.read_json(d / rf.SUMMARY)))
    return runs


def wait(run_dir: Path, timeout: float = 600.0, states=("finished", "stopped", "failed", "died")) -> dict:
    """Block until the run reaches one of ``states`` (for tests and scripts)."""
    end = time.time() + timeout
    while time.time() < end:
        status = read_status(run_dir) or {}
        if status.get("state") in states:
            return status
        time.sleep(0.1)
    raise TimeoutError(f"run {run_dir} did not finish in {timeout} s")
