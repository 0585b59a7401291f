"""Cloud shots through the remote-job engine: a Veo shot rendered end to end, a Runway render SIGKILLed after its
create call and resumed (one create, the same bytes as an uninterrupted run), and no credential anywhere."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.backends.remote import runway as runway_module
from shotcraft.backends.remote import veo as veo_module
from shotcraft.cli import app
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.store import open_project
from tests.backends.remote.cloud_fakes import runway as runway_fake
from tests.backends.remote.cloud_fakes import veo as veo_fake
from tests.backends.remote.cloud_fakes.helpers import SENTINEL_KEY, ffmpeg_frames
from tests.backends.remote.cloud_fakes.server import FakeState, RunningServer

runner = CliRunner()
VEO_MODEL = "veo-3.1-generate-001"


def write_plan(folder: Path, clip: str, keyframe: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "film.yaml"
    path.write_text(
        "schema_version: 2\n"
        "production:\n  id: cloud-test\n  title: Cloud Test\n  format: {resolution: 256x144, fps: 24}\n"
        f"defaults:\n  takes: 1\n  clip: {clip}\n" + (f"  keyframe: {keyframe}\n" if keyframe else "") +
        "shots:\n  - {id: s01, type: establishing, duration: 1, action: 'the harbour at dawn, gulls over the water'}\n"
    )
    return path


def remote_rows(folder: Path) -> list[dict]:
    """The ledger's remote_tasks receipts, read with sqlite3 itself."""
    (ledger,) = folder.rglob("ledger.sqlite")
    with sqlite3.connect(ledger) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM remote_tasks ORDER BY id")]


def assert_no_key(folder: Path, *outputs: str) -> None:
    """The sentinel key is in no file under ``folder`` (any bytes) and in no captured output."""
    needle = SENTINEL_KEY.encode()
    leaked = [str(path) for path in folder.rglob("*") if path.is_file() and needle in path.read_bytes()]
    assert leaked == []
    assert all(SENTINEL_KEY not in text for text in outputs)


@pytest.fixture
def veo_fake_server(monkeypatch):
    state = FakeState()
    with RunningServer(veo_fake.make_app(state, SENTINEL_KEY)) as server:
        monkeypatch.setenv("GOOGLE_API_KEY", SENTINEL_KEY)
        monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", server.url)
        for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GEMINI_API_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setattr(veo_module.backend.provider, "poll_interval", 0.0)
        yield state
        state.release.set()


def test_a_veo_shot_renders_end_to_end(veo_fake_server, tmp_path):
    """Text to an Imagen keyframe to a Veo clip, entirely through the service."""
    state = veo_fake_server
    path = write_plan(tmp_path / "film", f"{{backend: veo, service: {{model: {VEO_MODEL}, options: {{resolution: 720p}}}}}}",
                      keyframe="{backend: veo, service: {model: imagen-4.0-generate-001}}")
    dry = runner.invoke(app, ["render", str(path), "--dry-run"], terminal_width=200)
    assert dry.exit_code == 0, dry.output
    assert "clip on veo: $0.80" in dry.output and "keyframe on veo: $0.04" in dry.output and state.creates == 0
    assert "estimated total: $0.84" in dry.output  # 4 s (Veo's shortest cover of 1 s) x $0.20/s + one still

    plan = load_plan(path)
    report = render_plan(plan, jobs=1, progress=False)
    assert report.ok, [o.error for o in report.failed]
    take = open_project(plan).take("s01", "A")
    assert take.done and ffmpeg_frames(take.clip_path) == (24, 256, 144)  # conformed to the plan's size, rate and length
    still, row = remote_rows(path.parent)
    assert still["state"] == "downloaded" and still["model_version"] == "imagen-4.0-generate-001"
    assert row["state"] == "downloaded" and row["provider"] == "veo" and row["model_version"] == VEO_MODEL
    assert row["task_id"].endswith("/operations/000001")
    payload = json.loads(row["payload"])
    assert payload["model"] == VEO_MODEL and payload["config"]["duration_seconds"] == 4 and len(payload["source"]["image"]["sha256"]) == 64
    assert json.loads(row["estimate"])["amount"] == pytest.approx(0.8)

    again = render_plan(load_plan(path), jobs=1, progress=False)  # nothing new to do: nothing sent again
    assert again.ok and state.creates == 2  # one still, one clip
    listing = runner.invoke(app, ["takes", str(path)], terminal_width=200)
    tasks = runner.invoke(app, ["remote", "tasks", str(path)], terminal_width=200)
    assert_no_key(path.parent, dry.output, listing.output, tasks.output, json.dumps(take.settings))


@pytest.fixture
def runway_fake_server(monkeypatch):
    state = FakeState()
    with RunningServer(runway_fake.make_app(state, SENTINEL_KEY)) as server:
        monkeypatch.setenv("RUNWAYML_API_SECRET", SENTINEL_KEY)
        monkeypatch.setenv("RUNWAYML_BASE_URL", server.url)
        monkeypatch.setattr(runway_module.backend.provider, "poll_interval", 0.0)
        monkeypatch.setattr(runway_module.backend.provider, "_client_instance", None)
        yield state, server.url
        state.release.set()


def test_sigkill_after_submit_resumes_without_a_second_create(runway_fake_server, tmp_path):
    state, url = runway_fake_server
    clip = "{backend: runway, service: {model: gen4_turbo}}"

    reference = write_plan(tmp_path / "uninterrupted", clip)  # the same plan rendered without a crash
    assert render_plan(load_plan(reference), jobs=1, progress=False).ok
    assert state.creates == 1
    expected = open_project(load_plan(reference)).take("s01", "A").clip_path.read_bytes()
    state.reset()

    path = write_plan(tmp_path / "killed", clip)
    state.behaviour.polls_until_done = 10**6  # the task runs until the test says otherwise
    environment = {**os.environ, "RUNWAYML_API_SECRET": SENTINEL_KEY, "RUNWAYML_BASE_URL": url}
    shotcraft = Path(sys.executable).with_name("shotcraft")
    process = subprocess.Popen([str(shotcraft), "render", str(path), "--no-progress"], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(2400):  # the receipt holds the task id once the create call returned (sqlite3 reads it)
            if process.poll() is not None:
                break
            if state.polls and list(path.parent.rglob("ledger.sqlite")) and any(r["task_id"] for r in remote_rows(path.parent)):
                break
            state.release.wait(0.05)
        assert process.poll() is None, process.stdout.read().decode()
        process.send_signal(signal.SIGKILL)
        output = process.communicate(timeout=30)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()
    assert state.creates == 1
    (row,) = remote_rows(path.parent)
    assert row["state"] == "submitted"

    state.behaviour.polls_until_done = 0
    resumed = render_plan(load_plan(path), jobs=1, progress=False)
    assert resumed.ok, [o.error for o in resumed.failed]
    assert state.creates == 1  # re-polled, never re-submitted
    take = open_project(load_plan(path)).take("s01", "A")
    assert take.clip_path.read_bytes() == expected
    assert_no_key(path.parent, output)
    assert_no_key(reference.parent)


def test_a_veo_create_timeout_is_shown_and_resolved_without_a_second_create(veo_fake_server, tmp_path, monkeypatch):
    state = veo_fake_server
    monkeypatch.setattr(veo_module.backend.provider, "create_timeout", 0.5)
    monkeypatch.setattr(veo_module.backend.provider, "_clients", {})
    path = write_plan(tmp_path / "film", f"{{backend: veo, service: {{model: {VEO_MODEL}}}}}")
    state.behaviour.stall_create = True  # Google queues the operation; its answer comes after the client gave up
    first = render_plan(load_plan(path), jobs=1, progress=False)
    assert [o.kind for o in first.failed] == ["clip"] and "submit-uncertain" in first.failed[0].error
    assert state.created.wait(10)
    state.release.set()
    listing = runner.invoke(app, ["takes", str(path)], terminal_width=200)
    assert "submit-uncertain" in listing.output and "shotcraft remote resolve" in listing.output
    assert not render_plan(load_plan(path), jobs=1, progress=False).ok and state.creates == 1  # nothing sent again

    (operation,) = state.wait_for_task()  # the held create, finished once released: what the user finds in the Cloud console
    resolved = runner.invoke(app, ["remote", "resolve", str(path), "s01", "A", "--task-id", operation])
    assert resolved.exit_code == 0, resolved.output
    assert render_plan(load_plan(path), jobs=1, progress=False).ok and state.creates == 1
    assert_no_key(path.parent, listing.output, resolved.output)


def test_a_missing_key_stops_the_render_before_anything_is_sent(veo_fake_server, tmp_path, monkeypatch):
    state = veo_fake_server
    monkeypatch.delenv("GOOGLE_API_KEY")
    path = write_plan(tmp_path / "film", f"{{backend: veo, service: {{model: {VEO_MODEL}}}}}")
    result = runner.invoke(app, ["render", str(path), "--no-progress"], terminal_width=200)
    assert result.exit_code != 0 and "set the GOOGLE_API_KEY environment variable" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert state.creates == 0


def test_luma_and_kling_shots_render_through_the_engine_without_leaking_keys(tmp_path, monkeypatch):
    """The two seedless services end to end: Luma fetching the keyframe from the published folder, Kling signed."""
    from shotcraft.backends.remote import kling as kling_module
    from shotcraft.backends.remote import luma as luma_module
    from tests.backends.remote.cloud_fakes import kling as kling_fake
    from tests.backends.remote.cloud_fakes import luma as luma_fake

    published = tmp_path / "published"
    luma_state, kling_state = FakeState(), FakeState()
    with (RunningServer(luma_fake.make_app(luma_state, SENTINEL_KEY)) as luma_server,
          RunningServer(luma_fake.image_host(published)) as host,
          RunningServer(kling_fake.make_app(kling_state, "ak-kling-access-1234", SENTINEL_KEY)) as kling_server):  # fmt: skip
        for name, value in {"LUMAAI_API_KEY": SENTINEL_KEY, "LUMAAI_BASE_URL": f"{luma_server.url}/dream-machine/v1",
                            "SHOTCRAFT_LUMA_IMAGE_URL": f"{host.url}/keyframes", "SHOTCRAFT_LUMA_IMAGE_DIR": str(published),
                            "KLING_ACCESS_KEY": "ak-kling-access-1234", "KLING_SECRET_KEY": SENTINEL_KEY,
                            "KLING_API_BASE_URL": kling_server.url}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        for module in (luma_module, kling_module):
            monkeypatch.setattr(module.backend.provider, "poll_interval", 0.0)
        monkeypatch.setattr(luma_module.backend.provider, "_client_instance", None)
        outputs = []
        for name, clip, state in (("luma", "{backend: luma, service: {model: ray-flash-2}}", luma_state),
                                  ("kling", "{backend: kling, service: {model: kling-v2-1}}", kling_state)):  # fmt: skip
            path = write_plan(tmp_path / name, clip)
            report = render_plan(load_plan(path), jobs=1, progress=False)
            assert report.ok, [o.error for o in report.failed]
            take = open_project(load_plan(path)).take("s01", "A")
            assert ffmpeg_frames(take.clip_path) == (24, 256, 144) and state.creates == 1
            (row,) = remote_rows(path.parent)
            assert "seed" not in json.loads(row["payload"])  # neither service takes one
            outputs.append(runner.invoke(app, ["remote", "tasks", str(path)], terminal_width=200).output)
            assert_no_key(path.parent, *outputs)
        assert list(published.iterdir())  # the keyframe Luma fetched, named by its hash
