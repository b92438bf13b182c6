"""The workers of a study share one pool of trials: each takes a ticket before a trial, so together they run
exactly the trials asked for, and a worker that is faster, or started sooner, runs more of them."""
from __future__ import annotations

import threading

import pytest

from builder import templates
from runtime import tune
from runtime.tune import study as studies

QUICK = {"data": "digits", "epochs": 1}
LR = [{"target": "config", "name": "lr", "kind": "float", "low": 1e-3, "high": 3e-2, "log": True}]


def test_concurrent_takers_get_exactly_the_pools_tickets(tmp_path):
    pool = studies.open_pool(tmp_path, 60)
    taken = []

    def take_all():
        while studies.take_ticket(pool):
            taken.append(1)
    takers = [threading.Thread(target=take_all) for _ in range(4)]
    for t in takers:
        t.start()
    for t in takers:
        t.join()
    assert len(taken) == 60 and not pool.exists()
    assert studies.take_ticket(pool) is False       # an emptied (removed) pool has none


@pytest.mark.slow
def test_a_worker_that_comes_late_to_an_empty_pool_runs_no_trial(tmp_path):
    folder = studies.create(templates.load("mlp"), QUICK, LR, n_trials=3, pruner="none", root=tmp_path, seed=0)
    pool = studies.open_pool(folder, 3)
    studies.run_worker(folder, 3, pool=pool)              # the first worker gets through every ticket
    studies.run_worker(folder, 3, index=1, pool=pool)     # the second finds none left
    view = tune.read(folder)
    assert len(view.trials) == 3 and view.count("COMPLETE") == 3


@pytest.mark.slow
def test_a_stop_request_ends_a_workers_pool_before_its_next_trial(tmp_path):
    folder = studies.create(templates.load("mlp"), QUICK, LR, n_trials=4, pruner="none", root=tmp_path, seed=0)
    pool = studies.open_pool(folder, 4)
    studies.run_worker(folder, 4, pool=pool, on_trial=lambda study, trial: studies.request_stop(folder))
    assert len(tune.read(folder).trials) == 1
