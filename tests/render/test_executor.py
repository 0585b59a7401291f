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


NO_GUARD_PLAN = """schema_version: 2
production: {id: ng, title: No Guard, format: {resolution: 160x96, fps: 24}}
locations: [{id: hall, description: a long empty hallway}]
defaults: {takes: 1, keyframe: {backend: animatic, resolution: 192x108}, clip: {backend: animatic}}
shots:
  - {id: s01, type: establishing, duration: 0.5, location: hall, brief: {subject: the hall}}
"""


def test_a_script_calling_make_at_its_top_level_is_told_the_fix_in_one_line_per_worker(tmp_path):
    """Spawned workers run the main script again as they start: without `if __name__ == "__main__":` each would start
    a make of its own. Each worker prints the fix and ends (no traceback, no "another command is writing")."""
    import subprocess
    import sys

    (tmp_path / "film").mkdir()
    (tmp_path / "film" / "film.yaml").write_text(NO_GUARD_PLAN)
    script = tmp_path / "make_it.py"
    script.write_text("from pathlib import Path\nfrom shotcraft.pipeline import make\nfrom shotcraft.plan import load_plan\n"
                      f"make(load_plan(Path({str(tmp_path / 'film' / 'film.yaml')!r})), Path({str(tmp_path / 'out')!r}), jobs=2, progress=False)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    told = [line for line in lines if line.startswith("shotcraft: ")]
    assert told and all(line == f"shotcraft: {script} calls make() at its top level, so each render worker runs it again as it "
                                'starts; put the call under `if __name__ == "__main__":`' for line in told), done.stderr
    assert done.stderr.count("Traceback") == 1 and "another shotcraft command" not in done.stderr  # the parent's own error alone
    assert "a worker process died" in lines[-1]
    guarded = script.read_text().replace("make(load_plan", 'if __name__ == "__main__":\n    make(load_plan')
    script.write_text(guarded + '    print("made")\n')
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "made", done.stderr
