"""Runway through the runwayml SDK against a local fake of /v1/image_to_video and /v1/tasks/{id}."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from tests.backends.remote.cloud_fakes import runway as runway_fake
from tests.backends.remote.cloud_fakes.helpers import SENTINEL_KEY, ffmpeg_frames, keyframe, poll_until_final, request
from tests.backends.remote.cloud_fakes.server import FakeState, RunningServer

from shotcraft.backends.remote.protocol import ProviderError, ProviderRefused, ProviderUnavailable, SubmitUncertain
from shotcraft.backends.remote.runway import RunwayProvider


@pytest.fixture(scope="module")
def fake():
    state = FakeState()
    with RunningServer(runway_fake.make_app(state, SENTINEL_KEY)) as server:
        yield state, server.url
    state.release.set()


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    return keyframe(tmp_path_factory.mktemp("runway-frames"), source="chelsea")


@pytest.fixture
def runway(fake, monkeypatch):
    state, url = fake
    state.reset()
    monkeypatch.setenv("RUNWAYML_API_SECRET", SENTINEL_KEY)
    monkeypatch.setenv("RUNWAYML_BASE_URL", url)
    return RunwayProvider(create_timeout=1.5, read_timeout=30), state


def test_success_sends_the_payload_and_downloads_a_real_clip(runway, first, tmp_path):
    provider, state = runway
    req = request(first, model="gen4_turbo", duration=5.0, options={"public_figure_threshold": "low"})
    payload = provider.payload(req)
    assert SENTINEL_KEY not in json.dumps(payload)
    task_id = provider.submit(req)
    assert state.creates == 1

    sent = state.requests[0]
    data_uri = sent.pop("promptImage")[0]["uri"]
    assert data_uri.startswith("data:image/png;base64,")
    assert hashlib.sha256(base64.b64decode(data_uri.split(",", 1)[1])).hexdigest() == payload["prompt_image"][0]["uri"]["sha256"]
    assert sent == {"model": "gen4_turbo", "promptText": req.prompt, "ratio": "1280:720", "duration": 5, "seed": 1234,
                    "contentModeration": {"publicFigureThreshold": "low"}}  # fmt: skip

    running = provider.poll(task_id)
    assert running.state == "running" and running.progress == 0.5
    status = poll_until_final(provider, task_id)
    assert status.state == "succeeded" and status.details["credits"] == 25
    assert "_jwt" not in json.dumps(status.output)  # the signed part of the URL is never kept
    state.behaviour.expired_downloads = 1
    destination = tmp_path / "output"
    with pytest.raises(ProviderUnavailable, match="expired"):
        provider.download(status, destination)
    provider.download(status, destination)  # the engine's retry: a fresh URL from a fresh read
    assert ffmpeg_frames(destination) == (120, 320, 180)
    assert provider.estimate(req).amount == pytest.approx(5 * 0.05)


def test_a_safety_failure_is_a_refusal(runway, first):
    provider, state = runway
    state.behaviour.refuse = True
    status = poll_until_final(provider, provider.submit(request(first, model="gen4_turbo", duration=5.0)))
    assert status.state == "refused" and "content moderation" in status.reason
    assert status.details["failure_code"] == "SAFETY.INPUT.IMAGE"


def test_rate_limited_poll_is_retryable_then_succeeds(runway, first):
    provider, state = runway
    task_id = provider.submit(request(first, model="gen4.5", duration=3.0))
    state.behaviour.poll_429 = 1
    with pytest.raises(ProviderUnavailable) as caught:
        provider.poll(task_id)
    assert caught.value.retry_after == 0
    assert poll_until_final(provider, task_id).state == "succeeded"


def test_create_timeout_is_uncertain_and_sent_once(runway, first):
    provider, state = runway
    state.behaviour.stall_create = True
    with pytest.raises(SubmitUncertain, match="not sent again"):
        provider.submit(request(first, model="gen4_turbo", duration=5.0))
    assert state.created.wait(10)
    state.release.set()
    assert state.creates == 1  # max_retries=0: the SDK's own retries would have sent it three times


@pytest.mark.parametrize(("status", "error", "words"), [(429, ProviderError, "nothing was charged"), (502, SubmitUncertain, "may or may not")])
def test_create_answered_with_an_error(runway, first, status, error, words):
    provider, state = runway
    state.behaviour.create_status = status
    with pytest.raises(error, match=words):
        provider.submit(request(first, model="gen4_turbo", duration=5.0))
    assert state.creates == 1


def test_shape_errors_come_before_any_create(runway, first):
    provider, state = runway
    with pytest.raises(ProviderError, match="first frame only"):
        provider.submit(request(first, model="gen4_turbo", duration=5.0, last_frame=first))
    with pytest.raises(ProviderError, match="model .gen3a_turbo. is not offered by runway"):
        provider.submit(request(first, model="gen3a_turbo", duration=5.0))
    assert state.creates == 0
    assert not issubclass(ProviderError, ProviderRefused)
    assert [provider.payload(request(first, model=model, duration=5.0, frames=frames))["duration"]
            for model, frames in (("gen4.5", 72), ("gen4_turbo", 72), ("gen4_turbo", 168), ("gen4_turbo", 288))] == [3, 5, 10, 10]  # fmt: skip
    assert provider.estimate(request(first, model="gen4.5", duration=5.0)).amount == pytest.approx(3 * 0.12)


def test_a_keyframe_over_the_inline_limit_is_sent_as_jpeg(runway, tmp_path):
    provider, state = runway
    import numpy as np
    from PIL import Image

    import skimage.data

    photo = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((2560, 1600))).astype(int)
    grain = np.random.default_rng(7).integers(-6, 7, photo.shape)  # film grain: a 7 MB PNG, a 1.2 MB JPEG
    big = tmp_path / "big.png"
    Image.fromarray(np.clip(photo + grain, 0, 255).astype(np.uint8)).save(big)
    payload = provider.payload(request(big, model="gen4_turbo", duration=5.0))
    assert payload["prompt_image"][0]["uri"]["mime_type"] == "image/jpeg"
    provider.submit(request(big, model="gen4_turbo", duration=5.0))
    sent = state.requests[0]["promptImage"][0]["uri"]
    assert sent.startswith("data:image/jpeg;base64,") and len(sent) <= 5 * 1024 * 1024
    assert hashlib.sha256(base64.b64decode(sent.split(",", 1)[1])).hexdigest() == payload["prompt_image"][0]["uri"]["sha256"]
