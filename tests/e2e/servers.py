"""Headless Chromium settings and ``streamlit run`` servers, without pytest.

One place for what the browser tests (through ``conftest.py``), the screenshot scripts
and the browser benchmarks all need: the Chromium to launch and its flags, a free port,
and a Streamlit server started on it and answering ``/_stcore/health``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}


def find_chromium(playwright=None) -> str | None:
    """The system Chromium, else the one Playwright installed, else None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if playwright is not None:
        try:
            exe = playwright.chromium.executable_path
        except Exception:  # noqa: BLE001 - not installed
            exe = None
        if exe and os.path.exists(exe):
            return exe
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitApp:
    script: Path
    port: int
    proc: subprocess.Popen
    cwd: Path
    log_path: Path | None
    _log: object = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def stop(self) -> None:
        stop_all([self])

    def _finish(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()


def stop_all(apps) -> None:
    """Stop servers together, at once: a test server keeps nothing worth a graceful end, and one (torch loaded,
    sessions open) spent seconds of CPU on it while the next tests ran; the session's end waited ~57 s for
    them one by one. Their spare trainer processes end when their stdin closes with the server."""
    apps = list(apps)
    for app in apps:
        if app.proc.poll() is None:
            app.proc.kill()
    for app in apps:
        app._finish()


def launch(script: Path, *, cwd: Path, env: dict | None = None, args=(), log_path: Path | None = None,
           timeout: float = 60) -> StreamlitApp:
    """``streamlit run script`` on a free local port, the project importable, once it answers.

    ``env`` is added to this process's environment; the server's output goes to ``log_path``
    (or nowhere). A server that exits or does not answer in ``timeout`` s is stopped and the
    error says why, with the end of its log.
    """
    port = free_port()
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    full_env.update(env or {})
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        *args,
    ]
    log = open(log_path, "w") if log_path else None  # noqa: SIM115 - closed in stop()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    app = StreamlitApp(script=Path(script), port=port, proc=proc, cwd=Path(cwd), log_path=log_path, _log=log)
    try:
        _wait_healthy(app, timeout)
    except Exception:
        app.stop()
        raise
    return app


def _wait_healthy(app: StreamlitApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"{app.url}/_stcore/health"
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {app.proc.returncode}:\n{app.log()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer {url} within {timeout:.0f}s:\n{app.log()[-4000:]}")
