"""Luma Dream Machine (Ray 2) through the lumaai SDK (key in LUMAAI_API_KEY).

Luma takes keyframes by URL only: its API has no upload endpoint. The user publishes a folder at a public
URL (a bucket synced or mounted locally, a static site) and tells shotcraft both:

    SHOTCRAFT_LUMA_IMAGE_URL  the public base URL, e.g. https://media.example.com/shotcraft
    SHOTCRAFT_LUMA_IMAGE_DIR  the local folder published there (optional: without it the files must already be
                              published, by name)

Each image is named by its content hash (``<sha256>.png``), copied into the folder, and fetched back from the
URL and compared by hash before the create call, so a wrong setting fails before anything is paid. The
client is built with ``max_retries=0`` (the SDK retries POSTs by default); the engine retries reads.

Plan fields -> request (docs/providers.md): keyframe -> ``keyframes.frame0``, last frame ->
``keyframes.frame1``, prompt, the duration the engine chose ("5s"/"9s"), the aspect ratio nearest the plan's
frame, and the options ``resolution`` (540p/720p/1080p/4k) and ``loop``. Luma takes no seed and no negative
prompt: the plan's seed does not reach the service, so a take cannot be regenerated identically.
"""

from __future__ import annotations

import hashlib
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from shotcraft.backends.remote import cloud, prices
from shotcraft.backends.remote.backend import RemoteBackend
from shotcraft.backends.remote.protocol import (
    Cost,
    ProviderCapabilities,
    ProviderError,
    RemoteRequest,
    TaskStatus,
)
from shotcraft.backends.remote.secrets import credential, scrub
from shotcraft.errors import OutputError
from shotcraft.fsutil import write_bytes

NAME = "luma"
KEY_VARIABLE = "LUMAAI_API_KEY"
IMAGE_URL_VARIABLE = "SHOTCRAFT_LUMA_IMAGE_URL"
IMAGE_DIR_VARIABLE = "SHOTCRAFT_LUMA_IMAGE_DIR"
OPTIONS = ("resolution", "loop")
MODELS = ("ray-2", "ray-flash-2")
RESOLUTIONS = ("540p", "720p", "1080p", "4k")
RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")
STATES = {"queued": "queued", "dreaming": "running", "completed": "succeeded", "failed": "failed"}


class LumaProvider(cloud.CloudProvider):
    name = NAME
    version = "1"
    default_model = "ray-2"
    key_variables = (KEY_VARIABLE,)
    concurrency = 2
    poll_interval = 5.0
    capabilities = ProviderCapabilities(
        durations=(5.0, 9.0),
        aspect_ratios=RATIOS,
        native_rates=(Fraction(24),),
        resolutions=RESOLUTIONS,
        seed=False,
        negative_prompt=False,
        first_frame=True,
        last_frame=True,
        references=0,
        audio=False,
        image_to_video=True,
    )

    def _image_url(self, request: RemoteRequest, image: cloud.InputImage | None) -> str:
        base = os.environ.get(IMAGE_URL_VARIABLE, "").strip().rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise ProviderError(f"{cloud.where(request, NAME)}: Luma fetches keyframes by URL: set {IMAGE_URL_VARIABLE} to the public "
                                f"URL of a folder you publish (and {IMAGE_DIR_VARIABLE} to that folder); see docs/providers.md")  # fmt: skip
        return f"{base}/{image.sha256}{image.extension}" if image is not None else base

    def _call(self, request: RemoteRequest, *, sending: bool = False) -> tuple[dict[str, Any], dict[str, cloud.InputImage]]:
        at = cloud.where(request, NAME)
        options, model = cloud.clip_call(request, NAME, OPTIONS, request.model or self.default_model, MODELS)
        first, last, references = cloud.request_images(request, NAME)
        self._image_url(request, None)  # the publishing settings are checked even before the keyframe exists (dry-run)
        if first is None and sending:
            raise ProviderError(f"{at}: Luma image-to-video needs the shot's locked keyframe")
        if references:
            raise ProviderError(f"{at}: Luma {model} takes no reference images (first and last frame only)")
        loop = options.get("loop", False)
        if not isinstance(loop, bool):
            raise ProviderError(f"{at}: option loop must be true or false, found {loop!r}")
        keyframes: dict[str, Any] = {"frame0": {"type": "image", "url": self._image_url(request, first)} if first is not None else cloud.PENDING_KEYFRAME}
        images = {"frame0": first} if first is not None else {}
        if last is not None:
            keyframes["frame1"] = {"type": "image", "url": self._image_url(request, last)}
            images["frame1"] = last
        call = {"call": "generations.create", "model": model, "prompt": request.prompt, "keyframes": keyframes,
                "aspect_ratio": cloud.nearest_ratio(request.width, request.height, RATIOS),
                "resolution": cloud.choose(request, NAME, "option resolution", options.get("resolution", "720p"), RESOLUTIONS),
                "duration": f"{cloud.service_seconds(request, self.capabilities.durations)}s", "loop": loop}  # fmt: skip
        return call, images

    def estimate(self, request: RemoteRequest) -> Cost:
        resolution = request.options.get("resolution", "720p")
        return prices.cost(NAME, request.model or self.default_model, seconds=cloud.service_seconds(request, self.capabilities.durations), variant=None if resolution == "720p" else resolution)

    def _client(self) -> Any:
        if self._client_instance is None:
            from lumaai import LumaAI

            # the base URL comes from LUMAAI_BASE_URL when set (the SDK reads it); max_retries=0: see above
            self._client_instance = LumaAI(auth_token=credential(KEY_VARIABLE, provider=NAME), max_retries=0, timeout=self.read_timeout)
        return self._client_instance

    def _publish(self, request: RemoteRequest, image: cloud.InputImage, url: str) -> None:
        """Copy the image into the published folder (when given), then fetch it back from its URL and compare."""
        at = cloud.where(request, NAME)
        folder = os.environ.get(IMAGE_DIR_VARIABLE, "").strip()
        if folder:
            target = Path(folder) / f"{image.sha256}{image.extension}"
            if not target.is_file() or target.stat().st_size != len(image.data):
                write_bytes(target, image.data)
        try:
            fetched = httpx.get(url, timeout=30.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{at}: cannot fetch the keyframe back from {url} ({type(exc).__name__}); Luma could not "
                                f"either: check {IMAGE_URL_VARIABLE} and {IMAGE_DIR_VARIABLE}; nothing was sent to Luma") from None  # fmt: skip
        if fetched.status_code != 200 or hashlib.sha256(fetched.content).hexdigest() != image.sha256:
            found = f"HTTP {fetched.status_code}" if fetched.status_code != 200 else "different bytes"
            raise ProviderError(f"{at}: {url} answers {found}, not the keyframe: publish {IMAGE_DIR_VARIABLE} at "
                                f"{IMAGE_URL_VARIABLE}; nothing was sent to Luma")  # fmt: skip

    def submit(self, request: RemoteRequest) -> str:
        import lumaai

        call, images = self._call(request, sending=True)
        cloud.require_credentials(self.key_variables, NAME, cloud.where(request, NAME))
        for name, image in images.items():
            try:
                self._publish(request, image, call["keyframes"][name]["url"])
            except (OutputError, OSError) as exc:  # the published folder cannot be written (disk full, permissions)
                raise ProviderError(f"{cloud.where(request, NAME)}: {exc}; nothing was sent to Luma") from None
        arguments = {key: value for key, value in call.items() if key != "call"}
        try:
            generation = self._client().generations.create(**arguments, timeout=self.create_timeout)
        except (lumaai.APIStatusError, lumaai.APIConnectionError) as exc:
            raise cloud.sdk_create_error(cloud.where(request, NAME), NAME, exc, lumaai) from None
        if not generation.id:
            raise cloud.create_answered(cloud.where(request, NAME), NAME, 502, "the create call returned no generation id")
        return str(generation.id)

    def _generation(self, task_id: str) -> Any:
        import lumaai

        try:
            return self._client().generations.get(task_id)
        except (lumaai.APIStatusError, lumaai.APIConnectionError) as exc:
            raise cloud.sdk_read_error(f"Luma generation {task_id}", NAME, exc, lumaai) from None

    def poll(self, task_id: str) -> TaskStatus:
        generation = self._generation(task_id)
        state = STATES.get(generation.state or "")
        if state is None:
            raise ProviderError(f"Luma generation {task_id}: unknown state {generation.state!r}")
        details = {"generation": task_id, "state": generation.state}
        if state == "failed":
            reason = scrub(generation.failure_reason or "no reason given")
            return TaskStatus("refused" if cloud.is_refusal(reason) else "failed", model_version=generation.model, reason=reason, details=details)
        if state == "succeeded":
            video = generation.assets.video if generation.assets else None
            if not video:
                return TaskStatus("failed", model_version=generation.model, reason="completed without a video", details=details)
            return TaskStatus("succeeded", progress=1.0, output={"generation": task_id, "url": cloud.url_without_query(video)},
                              model_version=generation.model, details=details)  # fmt: skip
        return TaskStatus(state, model_version=generation.model, details=details)

    def download(self, status: TaskStatus, destination: Path) -> None:
        output = status.output or {}
        generation = self._generation(output["generation"])
        what = f"Luma generation {output['generation']}"
        video = generation.assets.video if generation.assets else None
        if generation.state != "completed" or not video:
            raise ProviderError(f"{what}: the generation no longer has a video (state {generation.state})")
        try:
            cloud.download_url(video, destination, what=what, provider=NAME)
        except cloud.UrlExpired as exc:
            raise ProviderError(f"{what}: the video URL is gone ({exc})") from None


backend = RemoteBackend(LumaProvider())
