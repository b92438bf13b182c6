"""Runs as separate processes: start, pause, resume, stop, list, delete.

A run is a folder ``<root>/<id>/`` (docs/run-format.md). ``start`` writes the job
into the folder and hands it to a pre-started worker process (torch already
imported), so the first metrics record comes quickly; a new spare worker is
started for the next run. Runs live in their own process sessions: the app
restarting or a browser reload neither stops nor loses them.
"""
from __future__ import annotations

import contextlib
import math
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

import torch

from builder.errors import CodedError

from . import runfiles
from .config import TrainConfig, migrate
from .callbacks import Control
from .train import TrainError

ROOT = Path(__file__).resolve().parents[1]
JOB = "job.json"
LIVE_STATES = ("queued", "starting", "running", "paused")
END_STATES = ("finished", "stopped", "failed", "died")      # died: a reader's verdict (docs/run-format.md)


def default_root() -> Path:
    return Path(os.environ.get("NETCANVAS_RUNS", Path.cwd() / "runs"))


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


# -- control, as seen from inside the run process ----------------------------------------
class FileControl(Control):
    """Reads ``control.json`` (written by ``pause``/``resume``/``stop``) and SIGTERM/SIGINT."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / runfiles.CONTROL
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
            data = runfiles.read_json(self.path, {}) or {}
            self.command = {"pause": "pause", "stop": "stop"}.get(data.get("command"), "run")
        return self.command

    def wait_while_paused(self, trainer) -> str:
        from .monitor import StatusWriter
        heartbeat = next((cb for cb in trainer.callbacks if isinstance(cb, StatusWriter)), None)
        if heartbeat:
            heartbeat.status(trainer, "paused")
        paused_at = time.time()
        while (state := self.poll()) == "pause":
            time.sleep(0.1)
        trainer.started += time.time() - paused_at    # elapsed time excludes the pause
        if heartbeat and state == "run":
            heartbeat.status(trainer, "running")
        return state


def run_folder(run_dir: Path) -> int:
    """Train the job in ``run_dir`` in this process; write failures to status.json. Exit code."""
    from .train import train

    run_dir = Path(run_dir)
    control = FileControl(run_dir)
    control.install_signal_handlers()
    try:
        with trainer_of(run_dir):
            job = runfiles.read_json(run_dir / JOB)
            cfg = TrainConfig.from_saved(job["config"])
            train(cfg, job["graph"], job.get("discriminator"), run_dir=run_dir, control=control)
        return 0
    except CodedError as exc:     # in status.json already (unless another trainer holds the folder)
        print(exc.message("en"), file=sys.stderr)
        return 1


@contextlib.contextmanager
def trainer_of(run_dir: Path, job: dict | None = None):
    """This process as the one trainer of ``run_dir`` while the block runs.

    The folder is made and locked first (a second trainer is refused with ``run.busy`` and
    writes nothing); stale temporary files of dead writers are removed; ``job`` (when given)
    becomes job.json. A failure in the block leaves the run ``failed`` with its coded error
    and leaves the block as a CodedError (out of memory included); an unexpected error is
    recorded as ``train.crashed`` and raised as it is. With torchrun, rank 0 alone does this."""
    from .distributed import from_env
    if not from_env().main:
        yield
        return
    run_dir = Path(run_dir)
    lock = claim(run_dir)
    try:
        if job is not None:
            runfiles.write_json(run_dir / JOB, job)
        runfiles.write_json(run_dir / runfiles.STATUS, {"state": "starting", "pid": os.getpid(), "updated": time.time(),
                                            "format_version": runfiles.RUN_FORMAT_VERSION})
        yield
    except Exception as exc:
        error = coded(exc)
        fail_run(run_dir, error or CodedError("train.crashed", detail=f"{type(exc).__name__}: {exc}"[:500]))
        if error is None or error is exc:
            raise
        raise error from exc
    finally:
        lock.close()


def claim(run_dir: Path):
    """Make the folder and take its lock (see ``runfiles.take_lock``); remove stale temporaries."""
    runfiles.make_dir(run_dir)
    lock = runfiles.take_lock(run_dir)
    if lock is None:
        raise runfiles.RunFolderError("run.busy", path=str(run_dir))
    remove_stale_temporaries(run_dir)
    return lock


def coded(exc: BaseException) -> CodedError | None:
    """The coded error for a failure a user can act on; running out of memory (host or device,
    while preparing the data or training) included. None for anything else."""
    if isinstance(exc, CodedError):
        return exc
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)) or \
            (isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()):
        return TrainError("run.out_of_memory", detail=(str(exc) or type(exc).__name__).splitlines()[0][:200])
    return None


def fail_run(run_dir: Path, error: CodedError) -> None:
    """The run ends ``failed`` with ``error``. If status.json cannot be written (a full disk), the
    error goes to log.txt, where ``read_status`` finds it once this process has gone."""
    payload = error.to_json("en")
    try:
        status = runfiles.read_json(run_dir / runfiles.STATUS, {}) or {}
        status.update(state="failed", updated=time.time(), error=payload)
        status.setdefault("pid", os.getpid())
        status.setdefault("format_version", runfiles.RUN_FORMAT_VERSION)
        runfiles.write_json(run_dir / runfiles.STATUS, status)
    except runfiles.RunFolderError:
        try:
            runfiles.append_failure(run_dir, payload)
        except runfiles.RunFolderError:
            print(error.message("en"), file=sys.stderr)    # nowhere left to write; the process's output


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
    """CPU threads for a run started from the app (one core is left to the app and its browser)."""
    from .device import cpu_threads
    return cpu_threads()


def _spawn(args: list[str], log=None, stdin=subprocess.DEVNULL, threads: int | None = None) -> subprocess.Popen:
    """``python <args>`` in the project, in its own session (an app restart does not stop it);
    ``threads``: its CPU threads (default: a run's from the app)."""
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
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
    try:
        runfiles.make_dir(run_dir)
        runfiles.write_json(run_dir / JOB, job_record(cfg, graph, discriminator, label))
        runfiles.write_json(run_dir / runfiles.STATUS, {"state": "queued", "updated": time.time(),
                                            "format_version": runfiles.RUN_FORMAT_VERSION})
    except runfiles.RunFolderError as exc:      # a read-only or full runs folder, or a file in its place
        raise runfiles.RunFolderError("run.root_unusable", path=str(root), detail=exc.info["detail"]) from None
    _launch(run_dir)
    return run_dir


def job_record(cfg: TrainConfig, graph: dict, discriminator: dict | None = None, label: str | None = None) -> dict:
    """job.json: what to train, as the app and the command line both write it. The config is what was
    given; the run resolves the rest for its mode and data (its config.json holds the result)."""
    return {"config": cfg.to_dict(given_only=True), "graph": graph, "discriminator": discriminator,
            "label": label or graph.get("name", "model"), "created": time.time()}


def _launch(run_dir: Path) -> None:
    _reap()
    devices = int((runfiles.read_json(run_dir / JOB, {}) or {}).get("config", {}).get("devices", 1))
    worker = _spare.take() if devices == 1 else None
    if worker is not None:     # the pre-started worker: torch is imported already
        worker.stdin.write(str(run_dir) + "\n")
        worker.stdin.flush()
        worker.stdin.close()
        pid = worker.pid
    else:
        with open(run_dir / runfiles.LOG, "ab") as log:
            if devices > 1:    # DDP: torchrun starts one process per device (gloo on CPU, nccl on GPUs)
                args = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={devices}",
                        "-m", "runtime", "run", str(run_dir)]
            else:
                args = ["-m", "runtime", "run", str(run_dir)]
            pid = _spawn(args, log=log).pid
    status = runfiles.read_json(run_dir / runfiles.STATUS, {}) or {}
    if status.get("state") == "queued":
        status["pid"] = pid
        runfiles.write_json(run_dir / runfiles.STATUS, status)


def _command(run_dir: Path, command: str) -> None:
    runfiles.write_json(Path(run_dir) / runfiles.CONTROL, {"command": command, "at": time.time()})


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
    if is_busy(run_dir):      # one trainer per folder: never a second one beside a live run
        raise runfiles.RunFolderError("run.busy", path=str(run_dir))
    job = runfiles.read_json(run_dir / JOB)
    cfg = migrate(job["config"])
    cfg.update(init_from=str(run_dir / runfiles.CKPT_LAST), resume=True)
    if epochs:
        cfg["epochs"] = epochs
    job["config"] = TrainConfig.from_saved(cfg).to_dict(given_only=True)
    runfiles.write_json(run_dir / JOB, job)
    (run_dir / runfiles.CONTROL).unlink(missing_ok=True)
    runfiles.write_json(run_dir / runfiles.STATUS, {"state": "queued", "updated": time.time(),
                                        "format_version": runfiles.RUN_FORMAT_VERSION})
    _launch(run_dir)
    return run_dir


def fine_tune(run_dir: Path, freeze: list[str], overrides: dict | None = None, root: Path | None = None) -> Path:
    """A new run starting from another run's best (else last) weights, with chosen nodes frozen."""
    run_dir = Path(run_dir)
    job = runfiles.read_json(run_dir / JOB)
    ckpt = run_dir / (runfiles.CKPT_BEST if (run_dir / runfiles.CKPT_BEST).exists() else runfiles.CKPT_LAST)
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
    """status.json as the run wrote it, unless its process has gone while the status says live: then
    ``failed`` with the error the process left in log.txt (its status could not be written), else ``died``."""
    status = runfiles.read_json(Path(run_dir) / runfiles.STATUS)
    if status and status.get("state") in LIVE_STATES and status.get("pid") and not _alive(status["pid"]):
        error = runfiles.last_failure(Path(run_dir), status["pid"])
        status = dict(status, state="failed", error=error) if error else dict(status, state="died")
    return status


def is_busy(run_dir: Path) -> bool:
    """A trainer works in the folder now (its status says live, or it holds the folder's lock)."""
    return (read_status(run_dir) or {}).get("state") in LIVE_STATES or runfiles.is_locked(run_dir)


def remove_stale_temporaries(run_dir: Path) -> list[str]:
    """Remove the temporary files (``.<name>.<pid>.tmp``) of writers that have gone (a killed run
    leaves them); a live writer's are kept. Returns the names removed."""
    removed = []
    try:
        entries = list(os.scandir(run_dir))
    except OSError:
        return removed
    for entry in entries:
        match = runfiles.TEMPORARY.match(entry.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


@dataclass
class RunInfo:
    id: str
    dir: Path
    status: dict
    job: dict
    summary: dict | None
    resolved: dict | None = None    # config.json: every setting as the run trains with it

    @property
    def state(self) -> str:
        return self.status.get("state", "unknown")

    @property
    def label(self) -> str:
        return self.job.get("label", self.id)

    @property
    def config(self) -> dict:
        """The run's settings: as it trains with them once it has started, else as given."""
        return self.resolved or self.job.get("config", {})


def list_runs(root: Path | None = None) -> list[RunInfo]:
    _reap()
    root = Path(root or default_root())
    if not root.is_dir():
        return []
    runs = []
    for d in root.iterdir():
        if not (d / JOB).is_file():
            continue
        remove_stale_temporaries(d)
        runs.append(RunInfo(id=d.name, dir=d, status=read_status(d) or {}, job=runfiles.read_json(d / JOB, {}) or {},
                            summary=runfiles.read_json(d / runfiles.SUMMARY), resolved=runfiles.read_json(d / runfiles.CONFIG)))
    return sorted(runs, key=_newest_first, reverse=True)


def _newest_first(r: RunInfo) -> tuple:
    """Ids name the second a run started (new_run_id); within one second, the job's creation time decides."""
    created = r.job.get("created")
    return r.id[:15], created if isinstance(created, (int, float)) and math.isfinite(created) else 0.0, r.id


def wait(run_dir: Path, timeout: float = 600.0, states=END_STATES) -> dict:
    """Block until the run reaches one of ``states`` (for tests and scripts)."""
    end = time.time() + timeout
    while time.time() < end:
        status = read_status(run_dir) or {}
        if status.get("state") in states:
            return status
        time.sleep(0.1)
    raise TimeoutError(f"run {run_dir} did not finish in {timeout} s")
