"""Shared test set-up: a steady hypothesis profile, and the project root on sys.path."""
import gc
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# One torch thread in each test process and in every process it starts (they inherit it), as the app gives
# its runs on 2 cores (runtime.device.cpu_threads): tests run in parallel (pytest-xdist), and torch's
# threads spin-wait for each other, so two processes of 2 threads each on 2 cores made small trainings up
# to 15x slower (iris for 150 epochs: 3.4 s alone, 50 s beside another worker).
os.environ.setdefault("OMP_NUM_THREADS", "1")
if "torch" in sys.modules:      # already imported (a plugin): it read the variable before we set it
    sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# CI has 2 cores and other work beside us: no per-example deadline, fewer examples.
settings.register_profile("ci", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session", autouse=True)
def standard_sets_offline(tmp_path_factory):
    """NETCANVAS_DATA -> a folder holding tiny official-format files of every standard set
    (MNIST, Fashion-MNIST, KMNIST, CIFAR-10), so no test, and no app a test starts (they
    inherit the environment), ever reaches the network for them."""
    from standard_files import write_all
    folder = write_all(tmp_path_factory.mktemp("netcanvas_data"))
    before = os.environ.get("NETCANVAS_DATA")
    os.environ["NETCANVAS_DATA"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("NETCANVAS_DATA", None)
    else:
        os.environ["NETCANVAS_DATA"] = before


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pytest.ini): a worker per core, at most 4 (each browser test starts a server and a
    browser of its own), at least 2 (the 2-core CI: tests wait on servers, browsers and trainers more than
    they compute)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        cores = os.cpu_count() or 2
    return max(2, min(4, cores))


def pytest_unconfigure(config):
    """The run is over: no last garbage collections at exit (seconds with torch._dynamo loaded)."""
    gc.freeze()
