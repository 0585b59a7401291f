"""The Ray executor on a real local Ray (one per test session): same bytes as the local executor,
a killed worker retried and committed once, a killed driver resumed, a model loaded once per actor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from shotcraft.backends import registry
from shotcraft.render.engine import render_plan
from shotcraft.render.executor import LocalExecutor
from shotcraft.render.store import open_project
from tests.render.helpers import done_jobs, plan_text, write_plan
from tests.render.ray_test_backend import token_folder

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

REPO = Path(__file__).resolve().parents[2]
RAY_BACKENDS = {
    "test-killable": "tests.render.ray_test_backend:KillableBackend",
    "test-counting-device": "tests.render.ray_test_backend:CountingDeviceBackend",
    "test-counting-device-2": "tests.render.ray_test_backend:OtherCountingDeviceBackend",
}


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray for the whole run; its workers import the tests package like this process."""
    if not ray.is_initialized():
        paths = [str(REPO), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
        ray.init(
            num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(paths), "HF_HUB_OFFLINE": "1"}},
        )  # fmt: skip
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture
def ray_backends():
    for name, spec in RAY_BACKENDS.items():
        registry.register_backend(name, spec)
    yield
    for name in RAY_BACKENDS:
        registry.unregister_backend(name)


@pytest.fixture
def token() -> str:
    value = uuid.uuid4().hex[:12]
    folder = token_folder(f"token-{value}")
    folder.mkdir(parents=True)
    yield value
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _plan(folder: Path, backend: str, token: str | None = None, **options):
    text = plan_text(backend, **options)
    if token:
        text = text.replace("Ana in shot", f"Ana token-{token} in shot")
    return write_plan(folder, text)


def _store(plan) -> list[tuple]:
    project = open_project(plan)
    return [(t.shot_id, t.label, t.key, t.keyframe_path.read_bytes(), t.clip_path.read_bytes()) for t in project.takes()]


def _settings(plan) -> list[dict]:
    project = open_project(plan)
    fields = ("key", "backend", "backend_version", "object", "frames", "rate", "size", "settings")
    logs = []
    for t in project.takes():
        log = project.settings_log(t.shot_id, t.label)
        entry = {job: {f: log[job][f] for f in fields} for job in ("keyframe", "clip")}
        for job in entry.values():
            job["settings"].get("plan", {}).pop("file", None)  # where each test plan lives, not what ran
        logs.append(entry)
    return logs


def test_ray_render_gives_the_local_executors_bytes_keys_and_settings(tmp_path, ray_cluster):
    from shotcraft.render.executor_ray import RayExecutor

    local = _plan(tmp_path / "local", "animatic", shots=3, takes=2, resolution="320x180")
    remote = _plan(tmp_path / "ray", "animatic", shots=3, takes=2, resolution="320x180")
    assert render_plan(local, progress=False, executor=LocalExecutor(1)).ok
    executor = RayExecutor()
    report = render_plan(remote, progress=False, executor=executor)
    assert report.ok and len(report.rendered) == 12
    assert _store(remote) == _store(local)  # same keys, same bytes
    assert _settings(remote) == _settings(local)
    assert all(executor.placements[o.key] for o in report.rendered)  # every job says where it ran
    again = render_plan(remote, progress=False, executor=RayExecutor())
    assert len(again.rendered) == 0 and len(again.cached) == 12


def test_a_worker_killed_mid_job_is_retried_and_committed_once(tmp_path, ray_cluster, ray_backends, token):
    from shotcraft.render.executor_ray import RayExecutor

    plan = _plan(tmp_path / "film", "test-killable", token, shots=2, takes=1)
    folder = token_folder(f"token-{token}")
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            pid_file = folder / "pid"
            if pid_file.exists() and pid_file.read_text():
                pid = int(pid_file.read_text())
                (folder / "killed").touch()
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    report = render_plan(plan, progress=False, executor=RayExecutor())
    thread.join(timeout=5)
    assert killed, "the worker was never killed"
    assert report.ok, report.failed
    project = open_project(plan)
    victim = [j for j in project.ledger.jobs() if j.shot_id == "s02" and j.kind == "clip"]
    assert len(victim) == 1 and victim[0].state == "done" and victim[0].attempts == 2
    assert [t.state for t in project.takes()] == ["done", "done"]
    assert project.objects.fsck() == []
    assert len(project.objects.all_objects()) == 4  # two keyframes, two clips: nothing committed twice


def test_a_killed_driver_resumes_and_runs_only_the_missing_jobs(tmp_path, ray_cluster):
    from shotcraft.render.executor_ray import RayExecutor

    plan = _plan(tmp_path / "film", "animatic", shots=4, takes=2, resolution="320x180")
    shotcraft = str(Path(sys.executable).parent / "shotcraft")
    process = subprocess.Popen(
        [shotcraft, "render", str(plan.path), "--no-progress", "--executor", "ray", "--address", ray_cluster],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    done_at_kill = 0
    try:
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            done_at_kill = done_jobs(plan.root)
            if done_at_kill >= 3:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    done_before = done_jobs(plan.root)
    assert 3 <= done_before < 16
    report = render_plan(plan, progress=False, executor=RayExecutor())
    assert report.ok, report.failed
    assert len(report.cached) == done_before and len(report.rendered) == 16 - done_before
    reference = _plan(tmp_path / "reference", "animatic", shots=4, takes=2, resolution="320x180")
    render_plan(reference, progress=False, executor=LocalExecutor(1))
    assert _store(plan) == _store(reference)


def test_a_device_backend_loads_its_model_once_per_actor(tmp_path, ray_cluster, ray_backends, token):
    from shotcraft.render.executor_ray import RayExecutor

    plan = _plan(tmp_path / "film", "test-counting-device", token, shots=3, takes=2)
    executor = RayExecutor()
    report = render_plan(plan, progress=False, executor=executor)
    assert report.ok and len(report.rendered) == 12
    loads = (token_folder(f"token-{token}") / "loads").read_text().split()
    assert len(loads) == sum(executor.actors_started.values()) == 1  # 12 jobs, one actor, one load
    pids = {tuple(p["pid"] for p in executor.placements[o.key]) for o in report.rendered}
    assert pids == {(int(loads[0]),)}


def test_two_device_models_on_one_device_swap_once(tmp_path, ray_cluster, ray_backends, token):
    """Keyframes on one model, clips on another, one device: every keyframe first, then one swap."""
    from shotcraft.render.executor_ray import RayExecutor

    text = plan_text("test-counting-device", shots=3, takes=2).replace("Ana in shot", f"Ana token-{token} in shot")
    text = text.replace("clip: {backend: test-counting-device}", "clip: {backend: test-counting-device-2}")
    plan = write_plan(tmp_path / "film", text)
    executor = RayExecutor()
    report = render_plan(plan, progress=False, executor=executor)
    assert report.ok and len(report.rendered) == 12
    assert executor.actors_started == {"test-counting-device": 1, "test-counting-device-2": 1}
    assert len((token_folder(f"token-{token}") / "loads").read_text().split()) == 2


def test_unreachable_cluster_is_a_one_line_error(tmp_path):
    plan = _plan(tmp_path / "film", "animatic", shots=1, takes=1)
    shotcraft = str(Path(sys.executable).parent / "shotcraft")
    result = subprocess.run(
        [shotcraft, "render", str(plan.path), "--no-progress", "--executor", "ray", "--address", "127.0.0.1:1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "--address 127.0.0.1:1" in result.stderr and "Ray" in result.stderr

