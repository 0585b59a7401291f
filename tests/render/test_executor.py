"""The local executor's worker pools: a worker dying breaks its pool, and the jobs go on in a fresh one."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from shotcraft.render.executor import _WorkerPools


def _die() -> None:
    os._exit(9)


def _double(value: int) -> int:
    return value * 2


def _wait_until_broken(pools: _WorkerPools, device: bool) -> None:
    pool = pools._pools[device]
    deadline = time.monotonic() + 60
    while not pool._broken and time.monotonic() < deadline:  # the pool's manager thread marks it
        time.sleep(0.01)
    assert pool._broken


@pytest.fixture
def pools():
    progress = multiprocessing.get_context("spawn").Queue()
    made = _WorkerPools({False: 2, True: 1}, progress)
    yield made
    made.shutdown()
    progress.close()


def test_a_job_submitted_after_a_worker_died_runs_in_a_fresh_pool(pools):
    # the race a loaded machine hits: a worker dies, and before its future is seen a new job is submitted
    dying = pools.submit(False, _die)
    _wait_until_broken(pools, False)
    fresh = pools.submit(False, _double, 21)
    assert fresh.result(timeout=60) == 42
    with pytest.raises(BrokenProcessPool):
        dying.result(timeout=60)
    fresh_pool = pools._owners[fresh]
    pools.ended(dying, broke=True)  # the broken pool was retired already: the fresh one is kept
    assert pools.submit(False, _double, 4).result(timeout=60) == 8
    assert pools._pools[False] is fresh_pool
    pools.ended(fresh)
    assert dying not in pools._owners and fresh not in pools._owners  # a run of thousands of jobs keeps no futures


def test_a_broken_pool_leaves_the_other_kinds_pool_alone(pools):
    device_job = pools.submit(True, _double, 1)
    assert device_job.result(timeout=60) == 2
    device_pool = pools._pools[True]
    dying = pools.submit(False, _die)
    with pytest.raises(BrokenProcessPool):
        dying.result(timeout=60)
    pools.ended(dying, broke=True)
    assert pools._pools.get(True) is device_pool
    assert False not in pools._pools
    assert pools.submit(False, _double, 5).result(timeout=60) == 10
