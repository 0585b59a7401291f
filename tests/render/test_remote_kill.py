"""SIGKILL a real `shotcraft render` while its clip is at ComfyUI: the resumed render polls the same prompt, the
server sees exactly one create per job, and the take is byte-identical to an uninterrupted render's."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from tests.backends.remote.fake_comfyui import serve
from tests.backends.remote.helpers import write_plan

SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


def _receipt_state(folder: Path) -> str | None:
    ledger = folder / ".shotcraft" / "ledger.sqlite"
    if not ledger.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5) as db:
            row = db.execute("SELECT state FROM remote_tasks ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # the table is created by the render's first remote job
        return None
    return row[0] if row else None


def _takes(folder: Path) -> list[tuple[str, str, bytes, bytes]]:
    plan = load_plan(folder / "film.yaml")
    return [(t.shot_id, t.label, t.clip_path.read_bytes(), t.keyframe_path.read_bytes()) for t in open_project(plan).takes()]


def test_a_killed_render_resumes_the_remote_task_without_resubmitting(tmp_path):
    with serve() as (fake, url):
        killed = write_plan(tmp_path / "killed", url).parent
        fake.hold.clear()  # the server keeps the prompt running until the render is dead
        process = subprocess.Popen([SHOTCRAFT, "render", str(killed / "film.yaml"), "--no-progress", "-j", "1"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while _receipt_state(killed) != "submitted" or not fake.running_now.is_set():
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the render never reached the server"
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)  # submitted, task id committed, result not yet there
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert fake.creates == 1 and _receipt_state(killed) == "submitted"
        fake.hold.set()

        resumed = render_plan(load_plan(killed / "film.yaml"), jobs=1, progress=False)
        assert resumed.ok and fake.creates == 1  # re-polled, never re-submitted

        clean = write_plan(tmp_path / "clean", url).parent
        assert render_plan(load_plan(clean / "film.yaml"), jobs=1, progress=False).ok
        assert fake.creates == 2  # one create per job in each project
    assert _takes(killed) == _takes(clean)  # keyframe and clip bytes equal to the uninterrupted run's


def test_a_render_killed_inside_the_create_call_leaves_the_take_submit_uncertain(tmp_path):
    from typer.testing import CliRunner

    from shotcraft.cli import app

    with serve() as (fake, url):
        folder = write_plan(tmp_path / "film", url).parent
        fake.stall_create_s = 4.0  # the prompt is queued; the answer has not come back when the render dies
        process = subprocess.Popen([SHOTCRAFT, "render", str(folder / "film.yaml"), "--no-progress", "-j", "1"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while fake.creates == 0:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the render never reached the server"
                time.sleep(0.02)
            assert _receipt_state(folder) == "submitting"  # committed before the call
            process.send_signal(signal.SIGKILL)
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        fake.stall_create_s = 0.0
        listing = CliRunner().invoke(app, ["takes", str(folder / "film.yaml")], terminal_width=300)
        assert "submit-uncertain" in listing.output
        again = render_plan(load_plan(folder / "film.yaml"), jobs=1, progress=False)
        assert not again.ok and "submit-uncertain" in again.failed[0].error and "--task-id" in again.failed[0].error
        assert fake.creates == 1  # the server has it once; shotcraft sent nothing more
