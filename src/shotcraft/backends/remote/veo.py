"""Google Veo through google-genai, on Vertex AI (express mode: an API key in GOOGLE_API_KEY).

google-genai 3.x sends ``generate_videos`` to Vertex AI only (Veo on the Gemini Developer API is retired), so
the client is built with ``vertexai=True``: the create call is ``{model}:predictLongRunning``, the task id is the
long-running operation's name, and a poll is ``{model}:fetchPredictOperation``. No storage URI is sent, so the
finished clip comes back inside the operation (base64) and ``download`` reads the operation once more to write
it; nothing is left in a bucket. The SDK's retries are off (``HttpRetryOptions(attempts=1)``): the create call
is made once; reads are retried by the engine with backoff.

Plan fields -> request (docs/providers.md): keyframe -> ``image``, last frame -> ``config.last_frame``,
references -> ``config.reference_images`` (type "asset", up to 3), prompt, negative prompt, seed, the
duration the engine chose (4, 6 or 8 s), the aspect ratio nearest the plan's frame, and the options
``resolution`` ("720p"/"1080p"), ``generate_audio`` (off unless asked: the film's sound is made from the cut),
``enhance_prompt`` and ``person_generation``.
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
    RemoteRequest,
    TaskStatus,
)
from shotcraft.backends.remote.secrets import credential, scrub
from shotcraft.fsutil import atomic_path

NAME = "veo"
KEY_VARIABLE = "GOOGLE_API_KEY"
OPTIONS = ("resolution", "generate_audio", "enhance_prompt", "person_generation")


class VeoModel:
    """What one Veo model accepts (Vertex AI model pages); a model not listed is treated as Veo 3.1."""

    def __init__(self, *, durations: tuple[float, ...] = (4.0, 6.0, 8.0), resolutions: tuple[str, ...] = ("720p", "1080p"),
                 audio: bool = True, last_frame: bool = True, references: int = 3) -> None:  # fmt: skip
        self.durations, self.resolutions, self.audio = durations, resolutions, audio
        self.last_frame, self.references = last_frame, references


VEO_3_1 = VeoModel()
MODELS = {
    "veo-3.1-generate-001": VEO_3_1,
    "veo-3.1-generate-preview": VEO_3_1,
    "veo-3.1-fast-generate-001": VeoModel(references=0),
    "veo-3.1-fast-generate-preview": VeoModel(references=0),
    "veo-3.0-generate-001": VeoModel(last_frame=False, references=0),
    "veo-3.0-fast-generate-001": VeoModel(last_frame=False, references=0),
    "veo-2.0-generate-001": VeoModel(durations=(5.0, 6.0, 7.0, 8.0), resolutions=("720p",), audio=False, references=0),
}


class VeoProvider:
    name = NAME
    version = "1"
    default_model = "veo-3.1-generate-001"
    key_variables = (KEY_VARIABLE,)
    concurrency = 2  # Vertex AI's default quota is 10 requests a minute per project and model
    poll_interval = 10.0
    capabilities = ProviderCapabilities(
        durations=VEO_3_1.durations,
        aspect_ratios=("16:9", "9:16"),
        native_rates=(Fraction(24),),
        resolutions=VEO_3_1.resolutions,
        seed=True,  # accepted, but the same seed does not promise the same clip
        negative_prompt=True,
        first_frame=True,
        last_frame=True,
        references=3,
        audio=True,
        image_to_video=True,
    )

    def __init__(self, *, create_timeout: float = cloud.CREATE_TIMEOUT_S, read_timeout: float = cloud.READ_TIMEOUT_S) -> None:
        self.create_timeout = create_timeout
        self.read_timeout = read_timeout
        self._clients: dict[float, Any] = {}

    # --- the request ----------------------------------------------------------------

    def _model(self, request: RemoteRequest) -> tuple[str, VeoModel]:
        model = request.model or self.default_model
        return model, MODELS.get(model, VEO_3_1)

    def _call(self, request: RemoteRequest, *, sending: bool = False) -> tuple[dict[str, Any], dict[str, cloud.InputImage]]:
        """The generate_videos call as data (files by sha256) and the images it names."""
        at = cloud.where(request, NAME)
        if request.kind != "clip":
            raise ProviderError(f"{at}: the Veo provider makes clips; use another service for keyframes")
        options = cloud.check_options(request, NAME, OPTIONS)
        model, spec = self._model(request)
        first, last, references = cloud.request_images(request, NAME)
        if first is None and sending:
            raise ProviderError(f"{at}: Veo image-to-video needs the shot's locked keyframe")
        if last is not None and not spec.last_frame:
            raise ProviderError(f"{at}: {model} takes no last frame (use veo-3.1-generate-001)")
        if len(references) > spec.references:
            raise ProviderError(f"{at}: {model} takes at most {spec.references} reference images, the shot has {len(references)}")
        duration = cloud.check_duration(request, NAME, spec.durations)
        if references and duration != 8:
            raise ProviderError(f"{at}: Veo generates from reference images at 8 s only (asked {duration} s)")
        aspect = cloud.nearest_ratio(request.width, request.height, self.capabilities.aspect_ratios)
        resolution = cloud.choose(request, NAME, "option resolution", options.get("resolution", "720p"), spec.resolutions)
        audio = options.get("generate_audio", False)
        if not isinstance(audio, bool):
            raise ProviderError(f"{at}: option generate_audio must be true or false, found {audio!r}")
        if audio and not spec.audio:
            raise ProviderError(f"{at}: {model} generates no audio (option generate_audio: false)")
        config: dict[str, Any] = {"number_of_videos": 1, "duration_seconds": duration, "aspect_ratio": aspect,
                                  "seed": cloud.check_seed(request, NAME)}  # fmt: skip
        if request.negative_prompt:
            config["negative_prompt"] = request.negative_prompt
        if spec.audio:
            config["generate_audio"] = audio
        if len(spec.resolutions) > 1:
            config["resolution"] = resolution
        for option in ("enhance_prompt", "person_generation"):
            if option in options:
                config[option] = options[option]
        images = {first.sha256: first} if first is not None else {}
        if last is not None:
            config["last_frame"] = last.ref
            images[last.sha256] = last
        if references:
            config["reference_images"] = [{"image": image.ref, "reference_type": "asset"} for image in references]
            images.update((image.sha256, image) for image in references)
        call = {"call": "models.generate_videos", "api": "vertex-ai", "model": model,
                "source": {"prompt": request.prompt, "image": first.ref if first is not None else cloud.PENDING_KEYFRAME}, "config": config}  # fmt: skip
        return call, images

    def payload(self, request: RemoteRequest) -> dict[str, Any]:
        return self._call(request)[0]  # before the keyframe exists (dry-run) it is named as pending

    def estimate(self, request: RemoteRequest) -> Cost:
        model, spec = self._model(request)
        audio = spec.audio and request.options.get("generate_audio", False) is True
        return prices.cost(NAME, model, seconds=request.duration, variant="audio" if audio else None)

    # --- the service ----------------------------------------------------------------

    def _client(self, timeout: float) -> Any:
        client = self._clients.get(timeout)
        if client is None:
            from google import genai
            from google.genai import types

            # the base URL comes from GOOGLE_VERTEX_BASE_URL when set (the SDK reads it); no retries: see above
            options = types.HttpOptions(timeout=int(timeout * 1000), retry_options=types.HttpRetryOptions(attempts=1))
            client = genai.Client(vertexai=True, api_key=credential(KEY_VARIABLE, provider=NAME), http_options=options)
            self._clients[timeout] = client
        return client

    def submit(self, request: RemoteRequest) -> str:
        from google.genai import errors, types

        call, images = self._call(request, sending=True)
        at = cloud.where(request, NAME)

        def image(ref: dict[str, str]) -> types.Image:
            return types.Image(image_bytes=images[ref["sha256"]].data, mime_type=ref["mime_type"])

        config = dict(call["config"])
        if "last_frame" in config:
            config["last_frame"] = image(config["last_frame"])
        if "reference_images" in config:
            config["reference_images"] = [types.VideoGenerationReferenceImage(image=image(item["image"]), reference_type=item["reference_type"])
                                          for item in config["reference_images"]]  # fmt: skip
        source = types.GenerateVideosSource(prompt=call["source"]["prompt"], image=image(call["source"]["image"]))
        client = self._client(self.create_timeout)
        _, _, transport = cloud.transport_errors()
        try:
            operation = client.models.generate_videos(model=call["model"], source=source, config=types.GenerateVideosConfig(**config))
        except errors.APIError as exc:
            refused = exc.code == 400 and cloud.is_refusal(exc.message)
            raise cloud.create_answered(at, NAME, exc.code, exc.message or str(exc.status), headers=_headers(exc), refused=refused) from None
        except transport as exc:
            raise cloud.create_failed(at, NAME, exc) from None
        if not operation.name:
            raise cloud.create_answered(at, NAME, 502, "the create call returned no operation name")
        return operation.name

    def _operation(self, task_id: str) -> Any:
        from google.genai import errors, types

        what = f"Veo operation {task_id.rsplit('/', 1)[-1]}"
        _, _, transport = cloud.transport_errors()
        try:
            return self._client(self.read_timeout).operations.get(types.GenerateVideosOperation(name=task_id))
        except errors.APIError as exc:
            raise cloud.read_answered(what, NAME, exc.code, exc.message or str(exc.status), headers=_headers(exc)) from None
        except transport as exc:
            raise cloud.read_failed(what, NAME, exc) from None

    def poll(self, task_id: str) -> TaskStatus:
        operation = self._operation(task_id)
        model_version = _model_of(task_id)
        details: dict[str, Any] = {"operation": task_id}
        if not operation.done:
            return TaskStatus("running", model_version=model_version, details=details)
        if operation.error:
            message = scrub(str(operation.error.get("message") or operation.error))
            details["error_code"] = operation.error.get("code")
            state = "refused" if cloud.is_refusal(message) else "failed"
            return TaskStatus(state, model_version=model_version, reason=message, details=details)
        result = operation.result or operation.response
        videos = list(result.generated_videos or []) if result else []
        if result and result.rai_media_filtered_count:
            details["rai_media_filtered_count"] = result.rai_media_filtered_count
        if not videos:
            reasons = "; ".join(result.rai_media_filtered_reasons or []) if result else ""
            if result and (result.rai_media_filtered_count or reasons):
                return TaskStatus("refused", model_version=model_version, reason=scrub(reasons or "filtered by Responsible AI policies"), details=details)
            return TaskStatus("failed", model_version=model_version, reason="the operation finished without a video", details=details)
        video = videos[0].video
        output = {"operation": task_id, "index": 0, "mime_type": getattr(video, "mime_type", None) or "video/mp4"}
        if video is not None and video.uri:
            output["uri"] = cloud.url_without_query(video.uri)
        return TaskStatus("succeeded", progress=1.0, output=output, model_version=model_version, details=details)

    def download(self, status: TaskStatus, destination: Path) -> None:
        output = status.output or {}
        operation = self._operation(output["operation"])
        result = operation.result or operation.response
        videos = list(result.generated_videos or []) if result else []
        what = f"Veo operation {output['operation'].rsplit('/', 1)[-1]}"
        if not videos or videos[output.get("index", 0)].video is None:
            raise ProviderError(f"{what}: the finished operation no longer holds its video")
        video = videos[output.get("index", 0)].video
        if video.video_bytes:
            with atomic_path(destination) as tmp:
                tmp.write_bytes(video.video_bytes)
            return
        if video.uri and video.uri.startswith("gs://"):
            raise ProviderError(f"{what}: the clip was written to Cloud Storage ({cloud.url_without_query(video.uri)}); "
                                "shotcraft asks for the clip inline and does not read gs:// (copy it and `shotcraft take add` it)")  # fmt: skip
        if video.uri:
            try:
                cloud.download_url(video.uri, destination, what=what, provider=NAME)
            except cloud.UrlExpired as exc:
                raise ProviderError(f"{what}: the output URL is gone ({exc})") from None
            return
        raise ProviderError(f"{what}: the finished operation holds neither the clip nor its location")


def _headers(exc: Any) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def _model_of(operation: str) -> str | None:
    """The model an operation ran on, from its name (.../publishers/google/models/{model}/operations/{id})."""
    parts = operation.split("/")
    if "models" in parts:
        index = parts.index("models")
        if index + 1 < len(parts):
            return parts[index + 1]
    return None


backend = RemoteBackend(VeoProvider())
