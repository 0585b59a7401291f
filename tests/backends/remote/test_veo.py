"""Veo through google-genai against a local fake of Vertex AI's predictLongRunning / fetchPredictOperation."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from tests.backends.remote.cloud_fakes import veo as veo_fake
from tests.backends.remote.cloud_fakes.helpers import SENTINEL_KEY, ffmpeg_frames, keyframe, poll_until_final, request
from tests.backends.remote.cloud_fakes.server import FakeState, RunningServer

from shotcraft.backends.remote.protocol import ProviderError, ProviderRefused, ProviderUnavailable, SubmitUncertain
from shotcraft.backends.remote.veo import VeoProvider

MODEL = "veo-3.1-generate-001"


@pytest.fixture(scope="module")
def fake():
    state = FakeState()
    with RunningServer(veo_fake.make_app(state, SENTINEL_KEY)) as server:
        yield state, server.url
    state.release.set()


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("veo-frames")
    return keyframe(folder), keyframe(folder, name="last.png", source="coffee")


@pytest.fixture
def veo(fake, monkeypatch):
    state, url = fake
    state.reset()
    monkeypatch.setenv("GOOGLE_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", url)
    for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GEMINI_API_KEY", "GOOGLE_GENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    provider = VeoProvider(create_timeout=1.5, read_timeout=30)
    provider.poll_interval = 0.0
    return provider, state


def test_success_sends_the_payload_and_downloads_a_real_clip(veo, frames, tmp_path):
    provider, state = veo
    first, last = frames
    req = request(first, model=MODEL, duration=4.0, last_frame=last, options={"resolution": "720p"})
    payload = provider.payload(req)
    assert SENTINEL_KEY not in json.dumps(payload)
    task_id = provider.submit(req)
    assert state.creates == 1 and task_id.endswith("/operations/000001")

    sent = state.requests[0]
    instance, parameters = sent["instances"][0], sent["parameters"]
    assert hashlib.sha256(base64.b64decode(instance["image"]["bytesBase64Encoded"])).hexdigest() == payload["source"]["image"]["sha256"]
    assert hashlib.sha256(base64.b64decode(instance["lastFrame"]["bytesBase64Encoded"])).hexdigest() == payload["config"]["last_frame"]["sha256"]
    assert instance["prompt"] == req.prompt == payload["source"]["prompt"]
    assert parameters == {"sampleCount": 1, "durationSeconds": 4, "aspectRatio": "16:9", "seed": 1234, "negativePrompt": "text, watermark",
                          "generateAudio": False, "resolution": "720p"}  # fmt: skip

    assert provider.poll(task_id).state == "running"
    status = poll_until_final(provider, task_id)
    assert status.state == "succeeded" and status.model_version == MODEL
    destination = tmp_path / "output"
    provider.download(status, destination)
    assert ffmpeg_frames(destination) == (96, 320, 180)  # 4 s at Veo's 24 fps
    assert provider.estimate(req).amount == pytest.approx(4 * 0.20)
    assert provider.estimate(request(first, model=MODEL, duration=8.0, frames=192, options={"generate_audio": True})).amount == pytest.approx(8 * 0.40)


def test_a_refusal_is_a_clear_verdict(veo, frames):
    provider, state = veo
    state.behaviour.refuse = True
    status = poll_until_final(provider, provider.submit(request(frames[0], model=MODEL, duration=8.0)))
    assert status.state == "refused" and "safety settings" in status.reason


def test_rate_limited_poll_is_retryable_then_succeeds(veo, frames):
    provider, state = veo
    task_id = provider.submit(request(frames[0], model=MODEL, duration=4.0))
    state.behaviour.poll_429 = 1
    with pytest.raises(ProviderUnavailable) as caught:
        provider.poll(task_id)
    assert caught.value.retry_after == 0
    assert poll_until_final(provider, task_id).state == "succeeded"


def test_create_timeout_is_uncertain_and_sent_once(veo, frames):
    provider, state = veo
    state.behaviour.stall_create = True
    with pytest.raises(SubmitUncertain, match="not sent again"):
        provider.submit(request(frames[0], model=MODEL, duration=4.0))
    assert state.created.wait(10)
    state.release.set()
    assert state.creates == 1


@pytest.mark.parametrize(("status", "error", "words"), [(429, ProviderError, "nothing was charged"), (500, SubmitUncertain, "may or may not")])
def test_create_answered_with_an_error(veo, frames, status, error, words):
    provider, state = veo
    state.behaviour.create_status = status
    with pytest.raises(error, match=words) as caught:
        provider.submit(request(frames[0], model=MODEL, duration=4.0))
    assert state.creates == 1 and SENTINEL_KEY not in str(caught.value)


def test_wrong_key_is_said_without_the_key(veo, frames, monkeypatch):
    provider, state = veo
    monkeypatch.setenv("GOOGLE_API_KEY", "another-key-123456")
    with pytest.raises(ProviderError, match="credentials") as caught:
        VeoProvider().submit(request(frames[0], model=MODEL, duration=4.0))
    assert "another-key-123456" not in str(caught.value)


def test_shape_errors_come_before_any_create(veo, frames):
    provider, state = veo
    first, last = frames
    with pytest.raises(ProviderError, match="takes no last frame"):
        provider.submit(request(first, model="veo-3.0-generate-001", duration=4.0, last_frame=last))
    with pytest.raises(ProviderError, match="person_generation 'adults'"):
        provider.submit(request(first, model=MODEL, duration=4.0, options={"person_generation": "adults"}))
    with pytest.raises(ProviderError, match="option 'fps'"):
        provider.submit(request(first, model=MODEL, duration=4.0, options={"fps": 30}))
    assert state.creates == 0
    five_seconds = {"duration": 4.0, "frames": 120}  # the engine asks for Veo 3.1's durations; each model gets its own
    assert provider.payload(request(first, model=MODEL, **five_seconds))["config"]["duration_seconds"] == 6
    assert provider.payload(request(first, model="veo-2.0-generate-001", **five_seconds))["config"]["duration_seconds"] == 5
    assert provider.payload(request(first, model=MODEL, references=(last,), **five_seconds))["config"]["duration_seconds"] == 8
    assert provider.estimate(request(first, model="veo-2.0-generate-001", **five_seconds)).amount == pytest.approx(5 * 0.50)


def test_an_imagen_keyframe_is_one_call_held_until_downloaded(veo, tmp_path):
    provider, state = veo
    req = request(None, model="imagen-4.0-generate-001", duration=0.0, kind="keyframe", frames=1)
    payload = provider.payload(req)
    assert payload["call"] == "models.generate_images" and payload["config"]["aspect_ratio"] == "16:9"
    task_id = provider.submit(req)
    assert state.creates == 1 and state.requests[0]["parameters"] == {
        "sampleCount": 1, "aspectRatio": "16:9", "seed": 1234, "addWatermark": False, "includeRaiReason": True,
        "outputOptions": {"mimeType": "image/png"}}  # fmt: skip
    status = provider.poll(task_id)
    assert status.state == "succeeded" and status.model_version == "imagen-4.0-generate-001"
    provider.download(status, tmp_path / "still")
    assert (tmp_path / "still").read_bytes().startswith(b"\x89PNG") and task_id.endswith(hashlib.sha256((tmp_path / "still").read_bytes()).hexdigest())
    assert provider.estimate(req).amount == pytest.approx(0.04)
    lost = VeoProvider().poll(task_id)  # another process (a restarted render) holds nothing
    assert lost.state == "failed" and "render again" in lost.reason
    state.behaviour.refuse = True
    with pytest.raises(ProviderRefused, match="safety settings"):
        provider.submit(req)
    with pytest.raises(ProviderError, match="need an Imagen model"):
        provider.payload(request(None, model=MODEL, duration=0.0, kind="keyframe"))
