"""Kling through its REST API (JWT-signed, httpx) against a local fake of /v1/videos/image2video."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from tests.backends.remote.cloud_fakes import kling as kling_fake
from tests.backends.remote.cloud_fakes.helpers import SENTINEL_KEY, ffmpeg_frames, keyframe, poll_until_final, request
from tests.backends.remote.cloud_fakes.server import FakeState, RunningServer

from shotcraft.backends.remote.kling import KlingProvider
from shotcraft.backends.remote.protocol import ProviderError, ProviderRefused, ProviderUnavailable, SubmitUncertain

ACCESS = "ak-kling-access-1234"


@pytest.fixture(scope="module")
def fake():
    state = FakeState()
    with RunningServer(kling_fake.make_app(state, ACCESS, SENTINEL_KEY)) as server:
        yield state, server.url
    state.release.set()


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kling-frames")
    return keyframe(folder, source="astronaut", size=(640, 360)), keyframe(folder, name="last.png", source="coffee", size=(640, 360))


@pytest.fixture
def kling(fake, monkeypatch):
    state, url = fake
    state.reset()
    monkeypatch.setenv("KLING_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("KLING_SECRET_KEY", SENTINEL_KEY)
    monkeypatch.setenv("KLING_API_BASE_URL", url)
    return KlingProvider(create_timeout=1.5, read_timeout=30), state


def test_success_sends_the_payload_and_downloads_a_real_clip(kling, frames, tmp_path):
    provider, state = kling
    first, last = frames
    req = request(first, model="kling-v2-1", duration=5.0, last_frame=last, options={"mode": "pro", "cfg_scale": 0.5})
    payload = provider.payload(req)
    assert SENTINEL_KEY not in json.dumps(payload)
    task_id = provider.submit(req)
    assert state.creates == 1
    sent = dict(state.requests[0])
    for field in ("image", "image_tail"):
        assert hashlib.sha256(base64.b64decode(sent.pop(field))).hexdigest() == payload[field]["sha256"]
    expected = {key: value for key, value in payload.items() if key not in ("call", "image", "image_tail")}
    assert sent == expected and sent["duration"] == "5" and sent["external_task_id"].startswith("shotcraft-")

    assert provider.poll(task_id).state == "running"
    status = poll_until_final(provider, task_id)
    assert status.state == "succeeded" and status.details["external_task_id"] == sent["external_task_id"]
    destination = tmp_path / "output"
    provider.download(status, destination)
    assert ffmpeg_frames(destination) == (120, 320, 180)
    assert provider.estimate(req).amount == pytest.approx(5 * 0.098)


def test_a_lost_create_answer_is_taken_over_never_paid_twice(kling, frames):
    provider, state = kling
    req = request(frames[0], model="kling-v2-5-turbo", duration=10.0)
    state.behaviour.stall_create = True
    with pytest.raises(SubmitUncertain, match="external_task_id shotcraft-") as caught:
        provider.submit(req)
    assert state.created.wait(10)
    state.release.set()
    state.behaviour.stall_create = False
    state.wait_for_task()  # the held create finishes on the server once released
    external = provider.payload(req)["external_task_id"]
    assert external in str(caught.value)
    assert provider.poll(external).details["external_task_id"] == external  # `remote resolve --task-id <it>` can follow it
    task_id = provider.submit(req)  # Kling refuses the same external_task_id: the existing task is taken over
    assert len(state.tasks) == 1 and task_id == next(iter(state.tasks))
    assert poll_until_final(provider, task_id).state == "succeeded"


def test_refusals_at_create_and_in_the_task(kling, frames):
    provider, state = kling
    state.behaviour.refuse = True
    with pytest.raises(ProviderRefused, match="content security policy"):
        provider.submit(request(frames[0], model="kling-v2-1", duration=5.0))
    state.behaviour.refuse = False
    state.behaviour.fail = kling_fake.RISK_CONTROL
    status = poll_until_final(provider, provider.submit(request(frames[0], model="kling-v2-1", duration=5.0, seed=7)))
    assert status.state == "refused" and "risk control" in status.reason


def test_rate_limited_poll_is_retryable_then_succeeds(kling, frames):
    provider, state = kling
    task_id = provider.submit(request(frames[0], model="kling-v2-1", duration=5.0))
    state.behaviour.poll_429 = 1
    with pytest.raises(ProviderUnavailable) as caught:
        provider.poll(task_id)
    assert caught.value.retry_after == 0
    assert poll_until_final(provider, task_id).state == "succeeded"


def test_create_rate_limited_says_nothing_was_charged(kling, frames):
    provider, state = kling
    state.behaviour.create_status = 429
    with pytest.raises(ProviderError, match="nothing was charged"):
        provider.submit(request(frames[0], model="kling-v2-1", duration=5.0))
    assert state.creates == 1


def test_shape_errors_come_before_any_create(kling, frames, tmp_path):
    provider, state = kling
    first, last = frames
    with pytest.raises(ProviderError, match="mode pro only"):
        provider.submit(request(first, model="kling-v2-1", duration=5.0, last_frame=last))
    with pytest.raises(ProviderError, match="at least 300 px"):
        provider.submit(request(keyframe(tmp_path), model="kling-v2-1", duration=5.0))
    with pytest.raises(ProviderError, match="cfg_scale"):
        provider.submit(request(first, model="kling-v2-1", duration=5.0, options={"cfg_scale": 3}))
    assert state.creates == 0
    assert provider.capabilities.seed is False
