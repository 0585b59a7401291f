"""Luma through the lumaai SDK against a local fake of /generations, keyframes published at a URL as Luma needs."""

from __future__ import annotations

import json

import pytest
from tests.backends.remote.cloud_fakes import luma as luma_fake
from tests.backends.remote.cloud_fakes.helpers import SENTINEL_KEY, ffmpeg_frames, keyframe, poll_until_final, request
from tests.backends.remote.cloud_fakes.server import FakeState, RunningServer

from shotcraft.backends.remote.luma import LumaProvider
from shotcraft.backends.remote.protocol import ProviderError, ProviderUnavailable, SubmitUncertain


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    state = FakeState()
    published = tmp_path_factory.mktemp("published")
    with RunningServer(luma_fake.make_app(state, SENTINEL_KEY)) as server, RunningServer(luma_fake.image_host(published)) as host:
        yield state, server.url, host.url, published
    state.release.set()


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("luma-frames")
    return keyframe(folder, source="rocket"), keyframe(folder, name="last.png", source="coffee")


@pytest.fixture
def luma(fake, monkeypatch):
    state, url, host, published = fake
    state.reset()
    monkeypatch.setenv("LUMAAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("LUMAAI_BASE_URL", f"{url}/dream-machine/v1")
    monkeypatch.setenv("SHOTCRAFT_LUMA_IMAGE_URL", f"{host}/keyframes")
    monkeypatch.setenv("SHOTCRAFT_LUMA_IMAGE_DIR", str(published))
    return LumaProvider(create_timeout=1.5, read_timeout=30), state


def test_success_publishes_keyframes_by_hash_and_downloads_a_real_clip(luma, frames, tmp_path):
    provider, state = luma
    first, last = frames
    req = request(first, model="ray-2", duration=5.0, last_frame=last, options={"resolution": "1080p"})
    payload = provider.payload(req)
    assert SENTINEL_KEY not in json.dumps(payload)
    task_id = provider.submit(req)
    assert state.creates == 1
    sent = state.requests[0]
    assert sent == {key: value for key, value in payload.items() if key != "call"}
    assert sent["keyframes"]["frame0"]["url"].endswith(".png") and sent["duration"] == "5s" and "seed" not in sent

    assert provider.poll(task_id).state == "running"
    status = poll_until_final(provider, task_id)
    assert status.state == "succeeded" and status.model_version == "ray-2"
    destination = tmp_path / "output"
    provider.download(status, destination)
    assert ffmpeg_frames(destination) == (120, 320, 180)
    assert provider.estimate(req).amount == pytest.approx(5 * 0.318)


def test_an_unpublished_keyframe_fails_before_any_create(luma, frames, monkeypatch, tmp_path):
    provider, state = luma
    monkeypatch.setenv("SHOTCRAFT_LUMA_IMAGE_DIR", str(tmp_path / "elsewhere"))  # not the folder the URL serves
    with pytest.raises(ProviderError, match="nothing was sent to Luma"):
        provider.submit(request(keyframe(tmp_path, source="camera"), model="ray-2", duration=5.0))
    monkeypatch.delenv("SHOTCRAFT_LUMA_IMAGE_URL")
    with pytest.raises(ProviderError, match="SHOTCRAFT_LUMA_IMAGE_URL"):
        provider.payload(request(frames[0], model="ray-2", duration=5.0))
    assert state.creates == 0


def test_a_moderation_failure_is_a_refusal(luma, frames):
    provider, state = luma
    state.behaviour.refuse = True
    status = poll_until_final(provider, provider.submit(request(frames[0], model="ray-flash-2", duration=9.0)))
    assert status.state == "refused" and "moderation" in status.reason


def test_rate_limited_poll_is_retryable_then_succeeds(luma, frames):
    provider, state = luma
    task_id = provider.submit(request(frames[0], model="ray-2", duration=5.0))
    state.behaviour.poll_429 = 1
    with pytest.raises(ProviderUnavailable) as caught:
        provider.poll(task_id)
    assert caught.value.retry_after == 0
    assert poll_until_final(provider, task_id).state == "succeeded"


def test_create_timeout_is_uncertain_and_sent_once(luma, frames):
    provider, state = luma
    state.behaviour.stall_create = True
    with pytest.raises(SubmitUncertain, match="not sent again"):
        provider.submit(request(frames[0], model="ray-2", duration=5.0))
    assert state.created.wait(10)
    state.release.set()
    assert state.creates == 1


def test_create_rate_limited_says_nothing_was_charged(luma, frames):
    provider, state = luma
    state.behaviour.create_status = 429
    with pytest.raises(ProviderError, match="nothing was charged"):
        provider.submit(request(frames[0], model="ray-2", duration=5.0))
    assert state.creates == 1


def test_luma_takes_no_seed_and_says_so(luma, frames):
    provider, _ = luma
    assert provider.capabilities.seed is False
    assert "seed" not in provider.payload(request(frames[0], model="ray-2", duration=5.0))
    assert provider.payload(request(frames[0], model="ray-2", duration=5.0, frames=168))["duration"] == "9s"
