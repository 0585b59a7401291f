"""Runway image-to-video through the runwayml SDK (API version 2024-11-06; key in RUNWAYML_API_SECRET).

The client is built with ``max_retries=0``: the SDK retries a POST twice by default with no idempotency key,
so a timed-out create could be paid three times. Reads are retried by the engine with backoff instead.
The keyframe travels inside the request as a base64 data URI (up to 5 MB, Runway's limit; a larger PNG is sent
as a JPEG at quality 95), so nothing has to be uploaded or hosted. Output URLs are signed and expire within 24-48 hours: ``download`` reads the task again
for a fresh URL each time and never keeps the signature.

Plan fields -> request (docs/providers.md): keyframe -> ``promptImage`` (position "first"), prompt ->
``promptText`` (at most 1000 UTF-16 units), seed, the duration the engine chose, the output ratio nearest the
plan's frame (``ratio``), and the option ``public_figure_threshold`` ("auto"/"low", content moderation).
gen4_turbo and gen4.5 take no last frame, no negative prompt and no references, and generate no audio.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from shotcraft.backends.remote import cloud, prices
from shotcraft.backends.remote.backend import RemoteBackend
from shotcraft.backends.remote.protocol import (
    Cost,
    ProviderCapabilities,
    ProviderError,
    ProviderUnavailable,
    RemoteRequest,
    TaskStatus,
)
from shotcraft.backends.remote.secrets import credential, scrub

NAME = "runway"
KEY_VARIABLE = "RUNWAYML_API_SECRET"
OPTIONS = ("public_figure_threshold",)
DATA_URI_LIMIT = 5 * 1024 * 1024
PROMPT_LIMIT = 1000  # UTF-16 code units
RATIOS = ("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672")
#: durations by model (gen4.5: any whole second from 2 to 10)
DURATIONS = {"gen4_turbo": (5.0, 10.0), "gen4.5": tuple(float(s) for s in range(2, 11))}
STATES = {"PENDING": "queued", "THROTTLED": "queued", "RUNNING": "running", "SUCCEEDED": "succeeded", "FAILED": "failed",
          "CANCELLED": "failed"}  # fmt: skip


class RunwayProvider(cloud.CloudProvider):
    name = NAME
    version = "1"
    default_model = "gen4_turbo"
    key_variables = (KEY_VARIABLE,)
    concurrency = 2  # Runway's lowest usage tier runs 1-2 tasks at once; more wait THROTTLED (and count as queued)
    poll_interval = 6.0  # Runway: do not expect updates more often than every five seconds
    capabilities = ProviderCapabilities(
        durations=DURATIONS["gen4_turbo"],
        aspect_ratios=RATIOS,
        native_rates=(Fraction(24),),
        resolutions=("720p",),
        seed=True,  # accepted; the same seed gives similar, not identical, clips
        negative_prompt=False,
        first_frame=True,
        last_frame=False,
        references=0,
        audio=False,
        image_to_video=True,
    )

    def _call(self, request: RemoteRequest, *, sending: bool = False) -> tuple[dict[str, Any], cloud.InputImage | None]:
        at = cloud.where(request, NAME)
        options, model = cloud.clip_call(request, NAME, OPTIONS, request.model or self.default_model, DURATIONS)
        first, last, references = cloud.request_images(request, NAME)
        if first is None and sending:
            raise ProviderError(f"{at}: Runway image-to-video needs the shot's locked keyframe")
        if last is not None or references:
            raise ProviderError(f"{at}: Runway {model} takes the first frame only (no last frame, no reference images)")
        if first is not None and len(first.data_uri()) > DATA_URI_LIMIT:
            first = cloud.as_jpeg(first)  # a large PNG keyframe is sent as a JPEG (q95) within Runway's inline limit
            if len(first.data_uri()) > DATA_URI_LIMIT:
                raise ProviderError(f"{at}: the keyframe is over Runway's 5 MB limit for an inline image even as a JPEG")
        if len(request.prompt.encode("utf-16-le")) // 2 > PROMPT_LIMIT:
            raise ProviderError(f"{at}: the prompt is over Runway's {PROMPT_LIMIT} characters; shorten the shot's prompt")
        call: dict[str, Any] = {
            "call": "image_to_video.create",
            "model": model,
            "prompt_image": [{"uri": {**(first.ref if first is not None else cloud.PENDING_KEYFRAME), "sent_as": "data URI"}, "position": "first"}],
            "prompt_text": request.prompt,
            "ratio": cloud.nearest_ratio(request.width, request.height, RATIOS),
            "duration": cloud.service_seconds(request, DURATIONS[model]),
            "seed": cloud.check_seed(request, NAME),
        }
        if "public_figure_threshold" in options:
            call["content_moderation"] = {"public_figure_threshold": cloud.choose(
                request, NAME, "option public_figure_threshold", options["public_figure_threshold"], ("auto", "low"))}  # fmt: skip
        return call, first

    def estimate(self, request: RemoteRequest) -> Cost:
        model = request.model or self.default_model
        return prices.cost(NAME, model, seconds=cloud.service_seconds(request, DURATIONS.get(model, self.capabilities.durations)))

    def _client(self) -> Any:
        if self._client_instance is None:
            from runwayml import RunwayML

            # the base URL comes from RUNWAYML_BASE_URL when set (the SDK reads it); max_retries=0: see above
            self._client_instance = RunwayML(api_key=credential(KEY_VARIABLE, provider=NAME), max_retries=0, timeout=self.read_timeout)
        return self._client_instance

    def submit(self, request: RemoteRequest) -> str:
        import runwayml

        call, first = self._call(request, sending=True)
        cloud.require_credentials(self.key_variables, NAME, cloud.where(request, NAME))
        assert first is not None
        arguments = {key: value for key, value in call.items() if key != "call"}
        arguments["prompt_image"] = [{"uri": first.data_uri(), "position": "first"}]
        try:
            created = self._client().image_to_video.create(**arguments, timeout=self.create_timeout)
        except (runwayml.APIStatusError, runwayml.APIConnectionError) as exc:
            raise cloud.sdk_create_error(cloud.where(request, NAME), NAME, exc, runwayml) from None
        return str(created.id)

    def _task(self, task_id: str) -> Any:
        import runwayml

        try:
            return self._client().tasks.retrieve(task_id)
        except (runwayml.APIStatusError, runwayml.APIConnectionError) as exc:
            raise cloud.sdk_read_error(f"Runway task {task_id}", NAME, exc, runwayml) from None

    def poll(self, task_id: str) -> TaskStatus:
        task = self._task(task_id)
        state = STATES.get(task.status)
        if state is None:
            raise ProviderError(f"Runway task {task_id}: unknown status {task.status!r}")
        details: dict[str, Any] = {"task": task_id, "status": task.status}
        cost = getattr(task, "cost", None) or getattr(task, "estimated_cost", None)
        if cost is not None:
            details["credits" if getattr(task, "cost", None) else "estimated_credits"] = cost.credits
        if task.status == "FAILED":
            code = getattr(task, "failure_code", None)
            details["failure_code"] = code
            refused = cloud.is_refusal(task.failure, code)
            return TaskStatus("refused" if refused else "failed", reason=scrub(task.failure), details=details)
        if task.status == "CANCELLED":
            return TaskStatus("failed", reason="the task was cancelled or deleted in Runway", details=details)
        if state == "succeeded":
            if not task.output:
                return TaskStatus("failed", reason="the task succeeded without an output", details=details)
            return TaskStatus("succeeded", progress=1.0, output={"task": task_id, "index": 0, "url": cloud.url_without_query(task.output[0])},
                              details=details)  # fmt: skip
        return TaskStatus(state, progress=getattr(task, "progress", None), details=details)

    def download(self, status: TaskStatus, destination: Path) -> None:
        """Read the task again for a fresh signed URL, then stream it (Runway's URLs expire)."""
        output = status.output or {}
        task = self._task(output["task"])
        what = f"Runway task {output['task']}"
        if task.status != "SUCCEEDED" or not task.output:
            raise ProviderError(f"{what}: the task no longer has an output (status {task.status})")
        try:
            cloud.download_url(task.output[output.get("index", 0)], destination, what=what, provider=NAME)
        except cloud.UrlExpired as exc:
            raise ProviderUnavailable(f"{what}: the output URL had expired ({exc}); a fresh one is read next time") from None


backend = RemoteBackend(RunwayProvider())
