"""A command line run inside the test's own process, read back as ``subprocess.run`` would give it.

For tests whose point is a command's message, JSON, exit code or files (a new Python process costs 3-5 s
of CPU: torch, torch._dynamo); the process itself (signals, locks, torchrun, exits) keeps its real-process tests.
"""
from __future__ import annotations

import signal
import subprocess


def run_main(main, argv, capsys) -> subprocess.CompletedProcess:
    """``main(argv)`` with stdout and stderr captured by ``capsys``; the signal handlers it installs
    (a trainer's stop on SIGINT/SIGTERM) are put back afterwards."""
    argv = [str(a) for a in argv]
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:        # argparse refusing a flag: exit 2, as the process would
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    printed = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, printed.out, printed.err)
