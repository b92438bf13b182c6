"""Shared test set-up: a steady hypothesis profile, and the project root on sys.path."""
import gc
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
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


def pytest_unconfigure(config):
    """The run is over: no last garbage collections at exit (seconds with torch._dynamo loaded)."""
    gc.freeze()
