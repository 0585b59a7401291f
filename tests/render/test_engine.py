"""render_plan: incremental, deterministic, failure-tolerant, with input checks before any work."""

from __future__ import annotations

import errno
import hashlib

import pytest

from tests.render.helpers import plan_text, store_snapshot, write_plan
from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from shotcraft.render import store as store_module
from shotcraft.render.engine import render_plan
from shotcraft.render.store import DiskFullError, open_project


def _edit(plan, old: str, new: str):
    path = plan.root / "film.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return load_plan(path)


def _ran(plan, report) -> list[tuple[str, str, str]]:
    """Jobs the ledger says this run executed."""
    return sorted((j["shot_id"], j["take"], j["kind"]) for j in open_project(plan).ledger.jobs_run_in(report.run_id))


def test_second_render_runs_nothing(solid_plan):
    first = render_plan(solid_plan, progress=False)
    assert len(first.rendered) == 12 and first.ok
    second = render_plan(solid_plan, progress=False)
    assert second.rendered == [] and len(second.cached) == 12
    assert _ran(solid_plan, second) == []
    runs = open_project(solid_plan).ledger.runs()
    assert [(r["status"], r["jobs_rendered"]) for r in runs] == [("done", 12), ("done", 0)]


def test_editing_one_shot_subject_reruns_exactly_that_shot(solid_plan):
    render_plan(solid_plan, progress=False)
    edited = _edit(solid_plan, "Ana in shot 2", "Ana running in shot 2")
    report = render_plan(edited, progress=False)
    assert _ran(edited, report) == [("s02", t, k) for t in "AB" for k in ("clip", "keyframe")]


@pytest.mark.parametrize(
    "extra",
    [
        ", grade: {exposure: 0.5}",
        ", trim: {in: 0.1}",
        ", transition: {type: dissolve, duration: 0.25}",
        ", reframe: {x: 0.3}",
        ", notes: 'try a warmer look'",
        ", lint_ignore: [SC101]",
    ],
)
def test_post_generation_edits_rerender_nothing(tmp_path, test_backends, extra):
    plan = write_plan(tmp_path / "film", plan_text())
    render_plan(plan, progress=False)
    edited = write_plan(tmp_path / "film", plan_text(extra_shot=extra))
    report = render_plan(edited, progress=False)
    assert _ran(edited, report) == []


def test_film_grade_and_sound_edits_rerender_nothing(solid_plan):
    render_plan(solid_plan, progress=False)
    path = solid_plan.root / "film.yaml"
    path.write_text(path.read_text() + "grade: {exposure: 0.3, contrast: 0.2}\nsound: {ambience: {hall: {description: room tone}}}\n")
    edited = load_plan(path)
    assert _ran(edited, render_plan(edited, progress=False)) == []


def test_changing_the_motion_reruns_only_that_shot(solid_plan):
    render_plan(solid_plan, progress=False)
    edited = _edit(solid_plan, "duration: 1.0,", "duration: 1.0, motion: 0.9,")
    report = render_plan(edited, progress=False)
    # the drawing context carries the whole shot, so its keyframes count as changed too
    assert {shot for shot, _, _ in _ran(edited, report)} == {"s03"}


def test_selection_and_force(solid_plan):
    report = render_plan(solid_plan, shots=["s02"], takes=["B"], progress=False)
    assert _ran(solid_plan, report) == [("s02", "B", "clip"), ("s02", "B", "keyframe")]
    assert [t.label for t in open_project(solid_plan).takes("s01")] == []
    render_plan(solid_plan, progress=False)
    forced = render_plan(solid_plan, shots=["s01"], force=True, progress=False)
    assert _ran(solid_plan, forced) == [("s01", t, k) for t in "AB" for k in ("clip", "keyframe")]
    with pytest.raises(InputError, match="no shot 's09'"):
        render_plan(solid_plan, shots=["s09"], progress=False)
    with pytest.raises(InputError, match="no shot has a take Q"):
        render_plan(solid_plan, takes=["Q"], progress=False)


def test_a_backend_bug_fails_that_take_and_the_rest_continue(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text("test-broken"))
    report = render_plan(plan, progress=False)
    assert not report.ok
    assert sorted((o.shot_id, o.take, o.kind) for o in report.failed) == [("s02", "A", "clip"), ("s02", "B", "clip")]
    assert "kernel exploded" in report.failed[0].error and "s02" in report.failed[0].error
    project = open_project(plan)
    states = {(t.shot_id, t.label): t.state for t in project.takes()}
    assert states[("s02", "A")] == "failed" and states[("s01", "A")] == "done" and states[("s03", "B")] == "done"
    assert project.picked_take("s02") is None
    assert project.ledger.runs()[-1]["status"] == "failed"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_keyframe_fails_its_clip_without_running_it(tmp_path, test_backends, jobs):
    plan = write_plan(tmp_path / "film", plan_text("test-broken-keyframe"))
    report = render_plan(plan, jobs=jobs, progress=False)
    failed = {(o.shot_id, o.take, o.kind): o for o in report.failed}
    assert sorted(failed) == [("s02", t, k) for t in "AB" for k in ("clip", "keyframe")]
    assert "lens cracked" in failed[("s02", "A", "keyframe")].error
    assert failed[("s02", "A", "clip")].error.startswith("its keyframe failed") and failed[("s02", "A", "clip")].attempts == 0
    assert {(o.shot_id, o.kind) for o in report.rendered} == {(s, k) for s in ("s01", "s03") for k in ("clip", "keyframe")}


def test_transient_failures_are_retried(tmp_path, test_backends, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "2")
    from tests.render.render_test_backend import FlakyBackend

    FlakyBackend.calls = 0
    plan = write_plan(tmp_path / "film", plan_text("test-flaky", shots=1, takes=1))
    report = render_plan(plan, progress=False)
    assert report.ok
    clip = open_project(plan).ledger.job(open_project(plan).take("s01", "A").key)
    assert clip.attempts == 3


def test_unknown_backend_is_one_line_naming_the_shot_and_store_untouched(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text(extra_shot=", clip: {backend: sora-9}"))
    with pytest.raises(InputError) as info:
        render_plan(plan, progress=False)
    message = str(info.value)
    assert message.startswith("shot s01: unknown backend 'sora-9'") and "animatic" in message and "\n" not in message
    assert not (plan.root / ".shotcraft").exists()


def test_missing_still_is_one_line_naming_shot_and_file(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text(extra_shot=", still: stills/door.png"))
    with pytest.raises(InputError, match=r"^shot s01: still image .*stills/door.png not found$"):
        render_plan(plan, progress=False)
    assert store_snapshot(plan) == {"objects": [], "done": []}


def test_disk_full_aborts_cleanly_and_leaves_the_store_unchanged(solid_plan, monkeypatch):
    render_plan(solid_plan, shots=["s01"], progress=False)
    before = store_snapshot(solid_plan)

    def full(handle, data):
        handle.write(data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_copy_into", full)
    with pytest.raises(DiskFullError, match="disk full"):
        render_plan(solid_plan, progress=False)
    assert store_snapshot(solid_plan) == before
    project = open_project(solid_plan)
    assert not list(project.objects.temp_folder.iterdir())
    assert {j.state for j in project.ledger.jobs()} <= {"done", "pending"}
    assert project.ledger.runs()[-1]["status"] == "aborted"
    monkeypatch.undo()
    assert render_plan(solid_plan, progress=False).ok


def test_worker_processes_give_the_same_bytes(tmp_path, test_backends):
    here = write_plan(tmp_path / "a", plan_text(takes=1))
    pooled = write_plan(tmp_path / "b", plan_text(takes=1))
    render_plan(here, jobs=1, progress=False)
    report = render_plan(pooled, jobs=2, progress=False)
    assert report.ok and len(report.rendered) == 6
    clips_here = [t.clip_path.read_bytes() for t in open_project(here).takes()]
    clips_pooled = [t.clip_path.read_bytes() for t in open_project(pooled).takes()]
    assert clips_here == clips_pooled


def test_one_process_per_device_backends_keep_one_long_lived_worker(tmp_path, test_backends):
    import os

    import cv2

    plan = write_plan(tmp_path / "film", plan_text(takes=2).replace("keyframe: {backend: test-solid", "keyframe: {backend: test-device"))
    report = render_plan(plan, jobs=2, progress=False)
    assert report.ok
    pids = set()
    for take in open_project(plan).takes():
        pixel = cv2.imread(str(take.keyframe_path))[0, 0][::-1].astype(int)  # BGR -> RGB
        pids.add(int(pixel[0]) | int(pixel[1]) << 8 | int(pixel[2]) << 16)
    assert len(pids) == 1 and os.getpid() & 0xFFFFFF not in pids  # one worker, not this process


def _digests(plan) -> list[tuple[str, str, str, str]]:
    out = []
    for take in open_project(plan).takes():
        out.append((take.shot_id, take.label, hashlib.sha256(take.clip_path.read_bytes()).hexdigest(),
                    hashlib.sha256(take.keyframe_path.read_bytes()).hexdigest()))  # fmt: skip
    return out


@pytest.mark.slow
def test_animatic_renders_are_deterministic(tmp_path):
    first = write_plan(tmp_path / "one", plan_text("animatic", shots=2, resolution="320x180"))
    second = write_plan(tmp_path / "two" / "deeper", plan_text("animatic", shots=2, resolution="320x180"))
    render_plan(first, progress=False)
    render_plan(second, jobs=2, progress=False)
    a, b = _digests(first), _digests(second)
    assert a == b
    assert a[0][2] != a[1][2]  # takes A and B differ


def test_still_edits_rerender_the_shot(tmp_path):
    import cv2
    import numpy as np

    folder = tmp_path / "film"
    folder.mkdir()
    image = np.full((90, 160, 3), 40, np.uint8)
    cv2.imwrite(str(folder / "door.png"), image)
    text = plan_text("animatic", shots=1, takes=1, resolution="160x96").replace("backend: animatic}", "backend: animatic}", 2)
    text = text.replace("camera: push-in,", "camera: push-in, still: door.png,")
    plan = write_plan(folder, text)
    render_plan(plan, progress=False)
    assert open_project(plan).take("s01", "A").settings["inputs"]["backend"]["name"] == "stills"
    image[:45] = 200
    cv2.imwrite(str(folder / "door.png"), image)
    report = render_plan(load_plan(folder / "film.yaml"), progress=False)
    assert sorted(o.kind for o in report.rendered) == ["clip", "keyframe"]


def test_transient_failures_in_worker_processes_are_retried(tmp_path, test_backends, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "1")  # each worker process fails its first clip once
    plan = write_plan(tmp_path / "film", plan_text("test-flaky", shots=2, takes=1))
    report = render_plan(plan, jobs=2, progress=False)
    assert report.ok
    attempts = [open_project(plan).ledger.job(t.key).attempts for t in open_project(plan).takes()]
    assert max(attempts) >= 2 and all(a <= 3 for a in attempts)


def test_a_worker_process_dying_is_retried_on_a_fresh_worker(tmp_path, test_backends, monkeypatch):
    monkeypatch.setenv("CRASH_MARKER", str(tmp_path / "crashed-once"))
    plan = write_plan(tmp_path / "film", plan_text("test-crashing", shots=2, takes=1))
    report = render_plan(plan, jobs=2, progress=False)
    assert (tmp_path / "crashed-once").exists()
    assert report.ok, report.failed
    assert all(t.state == "done" for t in open_project(plan).takes())


def test_a_job_submitted_as_its_pool_broke_is_retried_not_waited_for(tmp_path, test_backends, monkeypatch):
    """CPython 3.11 marks a pool broken without the lock ``submit`` holds: a job submitted in that instant is never
    run nor failed. Stood in for by the first pool's second job getting a future nothing will ever complete; the
    first clip then kills its worker, the pool breaks, and that job is retried on a fresh pool (a hang before)."""
    import threading
    from concurrent.futures import Future, ProcessPoolExecutor

    monkeypatch.setenv("CRASH_MARKER", str(tmp_path / "crashed-once"))
    plan = write_plan(tmp_path / "film", plan_text("test-crashing", shots=2, takes=1))
    pools, orphaned = [], []
    real_submit = ProcessPoolExecutor.submit

    def submit(pool, fn, /, *args, **kwargs):
        if not pools:
            pools.append(pool)
        if pool is pools[0] and not orphaned and getattr(pool, "submitted", 0) == 1:
            orphaned.append(Future())  # lost in the race: never run, never failed
            return orphaned[0]
        pool.submitted = getattr(pool, "submitted", 0) + 1
        return real_submit(pool, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    reports = []
    rendering = threading.Thread(target=lambda: reports.append(render_plan(plan, jobs=2, progress=False)), daemon=True)
    rendering.start()
    rendering.join(timeout=300)
    assert not rendering.is_alive(), "the render waited for a job its broken pool will never run"
    assert orphaned and not orphaned[0].done() and (tmp_path / "crashed-once").exists()
    assert reports[0].ok, reports[0].failed
    assert all(t.state == "done" for t in open_project(plan).takes())


def test_disk_full_while_encoding_a_clip_aborts_too(solid_plan, monkeypatch):
    from shotcraft.render import work
    from shotcraft.render.encode import EncodeError, TakeEncoder

    class FullDiskEncoder(TakeEncoder):
        def close(self) -> None:
            self.abort()
            raise EncodeError(f"{self.path.name}: ffmpeg failed (Error writing trailer: No space left on device)")

    monkeypatch.setattr(work, "TakeEncoder", FullDiskEncoder)
    with pytest.raises(DiskFullError, match="disk full while encoding s01 A clip"):
        render_plan(solid_plan, progress=False)
    project = open_project(solid_plan)
    assert [t.state for t in project.takes()] == ["pending"] * 6
    assert not list(project.objects.temp_folder.iterdir())
    assert not any(p.suffix == ".mp4" for p in project.objects.all_objects())


def test_a_custom_executor_plugs_in_behind_the_interface(solid_plan):
    from shotcraft.render.executor import Executor
    from shotcraft.render.work import run_job

    class RecordingExecutor(Executor):
        """What a cluster executor does, minimally: run each job once its input is done, report back."""

        def __init__(self) -> None:
            self.order: list[str] = []

        def run(self, jobs, handler, objects_folder):
            for spec in sorted(jobs, key=lambda j: j.kind != "keyframe"):
                handler.started(spec, 1)
                handler.finished(spec, run_job(spec, objects_folder, handler.input_path(spec)))
                self.order.append(spec.title)

    executor = RecordingExecutor()
    report = render_plan(solid_plan, executor=executor, progress=False)
    assert report.ok and len(report.rendered) == 12 and len(executor.order) == 12
    assert all(t.state == "done" for t in open_project(solid_plan).takes())


def test_clip_only_edits_rerun_clips_and_keep_keyframes(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text())
    render_plan(plan, progress=False)
    edited = write_plan(tmp_path / "film", plan_text(extra_shot=", motion: 0.5"))
    report = render_plan(edited, progress=False)
    assert _ran(edited, report) == [(f"s0{n}", t, "clip") for n in (1, 2, 3) for t in "AB"]


def test_adding_a_take_renders_only_the_new_take(tmp_path, test_backends):
    plan = write_plan(tmp_path / "film", plan_text())
    render_plan(plan, progress=False)
    edited = write_plan(tmp_path / "film", plan_text(extra_shot=", takes: 3"))
    report = render_plan(edited, progress=False)
    assert _ran(edited, report) == [(f"s0{n}", "C", k) for n in (1, 2, 3) for k in ("clip", "keyframe")]
