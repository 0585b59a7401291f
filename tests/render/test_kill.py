"""SIGKILL a real `shotcraft render` at several points; the resumed store equals an uninterrupted one, byte for byte."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.render.helpers import done_jobs, plan_text, write_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project

SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


def _temp_in_flight(folder: Path) -> bool:
    """A clip is being encoded now (a killed run's leftovers are cleaned at start, so wait for the run row)."""
    temp = folder / ".shotcraft" / "objects" / ".tmp"
    if not temp.is_dir():
        return False
    try:
        return any(p.suffix == ".mp4" and p.stat().st_size > 0 and p.stat().st_mtime > _RUN_START for p in temp.iterdir())
    except FileNotFoundError:  # the render cleaned it between listing and stat
        return False


_RUN_START = 0.0


def _kill_when(folder: Path, condition, jobs: int) -> bool:
    """Start a render, SIGKILL it once ``condition(folder)`` holds; False if it finished first."""
    global _RUN_START
    _RUN_START = time.time()
    process = subprocess.Popen(
        [SHOTCRAFT, "render", str(folder / "film.yaml"), "--no-progress", "-j", str(jobs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    try:
        while process.poll() is None:
            if condition(folder):
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.01)
        assert process.returncode == 0, process.stderr.read().decode()
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _takes(plan) -> list[tuple[str, str, bytes, bytes]]:
    return [(t.shot_id, t.label, t.clip_path.read_bytes(), t.keyframe_path.read_bytes()) for t in open_project(plan).takes()]


def _cut(plan) -> bytes:
    """The rough cut's bytes (the writer is deterministic, so equal inputs give an equal file)."""
    from shotcraft.edit.build import build_timeline
    from shotcraft.edit.render import write_rough_cut

    timeline = build_timeline(plan, open_project(plan))
    target = plan.root / "rough-cut.mp4"
    write_rough_cut(timeline, target)
    return target.read_bytes()


def _assert_store_sound(plan) -> None:
    project = open_project(plan)
    assert project.objects.fsck() == []  # every object hashes to its name
    for job in project.ledger.jobs():
        if job.state == "done":  # nothing recorded done without its verified object
            assert project.objects.verified(job.object_sha256, job.object_ext) is not None


@pytest.mark.slow
def test_sigkill_at_several_points_then_resume_gives_the_uninterrupted_result(tmp_path):
    text = plan_text("animatic", shots=3, takes=2, resolution="320x180")
    reference = write_plan(tmp_path / "reference", text)
    render_plan(reference, progress=False)

    victim = write_plan(tmp_path / "victim", text)
    kills = [
        (lambda f: done_jobs(f) >= 1, 1),  # right after the first keyframe landed
        (_temp_in_flight, 1),  # in the middle of encoding a clip
        (lambda f: done_jobs(f) >= 5, 2),  # with two worker processes busy
        (_temp_in_flight, 2),
    ]
    killed = 0
    for condition, jobs in kills:
        killed += _kill_when(victim.root, condition, jobs)
        _assert_store_sound(victim)
    assert killed >= 2  # the kills really interrupted renders

    report = render_plan(victim, progress=False)
    assert report.ok, report.failed
    project = open_project(victim)
    assert {j.state for j in project.ledger.jobs()} == {"done"}, [(j.shot_id, j.take, j.kind, j.state, j.error) for j in project.ledger.jobs()]
    assert not any(project.objects.temp_folder.iterdir())
    _assert_store_sound(victim)
    mismatched = [(a[0], a[1]) for a, b in zip(_takes(victim), _takes(reference)) if a != b]
    assert mismatched == [] and len(_takes(victim)) == len(_takes(reference)) == 6
    assert _cut(victim) == _cut(reference)  # byte-identical rough cut
    statuses = [r["status"] for r in project.ledger.runs()]
    assert 2 <= statuses.count("interrupted") <= killed and statuses[-1] == "done", (statuses, killed)
    _assert_no_orphan_workers(victim.root)


def _assert_no_orphan_workers(folder: Path) -> None:
    """Workers of a killed render die with it (PR_SET_PDEATHSIG, and a parent check at start-up).

    A worker that was still importing when its render died exits at its start-up check, which on a
    loaded machine can take a few seconds: poll with a deadline rather than sleep a guess.
    """
    mine = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0].encode()
    deadline = time.monotonic() + 30
    while True:
        orphans = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes()
                environ = (proc / "environ").read_bytes()
                status = (proc / "status").read_text()
            except OSError:
                continue
            if b"spawn_main" in cmdline and mine in environ and "PPid:\t1\n" in status:
                orphans.append(proc.name)
        if not orphans or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert orphans == []
