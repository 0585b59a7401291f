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

Keyframes (``keyframe: {backend: veo, service: {model: imagen-4.0-generate-001}}``) go to Imagen through the same
client: ``generate_images`` (``{model}:predict``) answers at once with the picture, so ``submit`` keeps it in
memory under a task id made of its hash, ``poll`` reports it done and ``download`` writes it; nothing is stored
at Google. A render killed in the instant between that answer and the download loses the still (it says so; the
next render asks again). Imagen takes the prompt, the seed (sent with ``add_watermark: false``, which seeding
requires), the aspect ratio nearest the keyframe's size, and the options ``person_generation`` and
``image_size`` ("1K"/"2K"); no negative prompt.
"""

from __future__ import annotations

import hashlib
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import pydantic

from shotcraft.backends.remote import cloud, prices
from shotcraft.backends.remote.backend import RemoteBackend
from shotcraft.backends.remote.protocol import (
    Cost,
    ProviderCapabilities,
    ProviderError,
    ProviderRefused,
    RemoteRequest,
    TaskStatus,
)
from shotcraft.backends.remote.secrets import credential, scrub
from shotcraft.fsutil import atomic_path

NAME = "veo"
KEY_VARIABLE = "GOOGLE_API_KEY"
OPTIONS = ("resolution", "generate_audio", "enhance_prompt", "person_generation")
IMAGE_OPTIONS = ("person_generation", "image_size")
PERSON_GENERATION = ("dont_allow", "allow_adult", "allow_all")
IMAGE_RATIOS = ("1:1", "3:4", "4:3", "9:16", "16:9")
#: task ids of stills, which Imagen answers at once: "imagen/<model>/<sha256 of the picture>"
IMAGE_TASK_PREFIX = "imagen/"


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


class VeoProvider(cloud.CloudProvider):
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
        text_to_image=True,  # keyframes through Imagen (an imagen-* model)
        image_to_video=True,
    )

    def __init__(self, *, create_timeout: float = cloud.CREATE_TIMEOUT_S, read_timeout: float = cloud.READ_TIMEOUT_S) -> None:
        super().__init__(create_timeout=create_timeout, read_timeout=read_timeout)
        self._clients: dict[float, Any] = {}
        self._stills: dict[str, tuple[bytes, str]] = {}  # Imagen answers, held from submit to download

    # --- the request ----------------------------------------------------------------

    def _model(self, request: RemoteRequest) -> tuple[str, VeoModel]:
        model = request.model or self.default_model
        return model, MODELS.get(model, VEO_3_1)

    def _seconds(self, request: RemoteRequest, spec: VeoModel) -> int:
        """Veo's duration for the shot (reference images: 8 s only)."""
        return 8 if request.references else cloud.service_seconds(request, spec.durations)

    def _call(self, request: RemoteRequest, *, sending: bool = False) -> tuple[dict[str, Any], dict[str, cloud.InputImage]]:
        """The generate_videos call as data (files by sha256) and the images it names."""
        at = cloud.where(request, NAME)
        if request.kind != "clip":
            return self._image_call(request)
        if request.model.startswith("imagen-"):
            raise ProviderError(f"{at}: {request.model} makes stills; a clip needs a Veo model (clip.service.model: {self.default_model})")
        options = cloud.check_options(request, NAME, OPTIONS)
        model, spec = self._model(request)
        first, last, references = cloud.request_images(request, NAME)
        if first is None and sending:
            raise ProviderError(f"{at}: Veo image-to-video needs the shot's locked keyframe")
        if last is not None and not spec.last_frame:
            raise ProviderError(f"{at}: {model} takes no last frame (use veo-3.1-generate-001)")
        if len(references) > spec.references:
            raise ProviderError(f"{at}: {model} takes at most {spec.references} reference images, the shot has {len(references)}")
        duration = self._seconds(request, spec)
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
        if "enhance_prompt" in options:
            if not isinstance(options["enhance_prompt"], bool):
                raise ProviderError(f"{at}: option enhance_prompt must be true or false, found {options['enhance_prompt']!r}")
            config["enhance_prompt"] = options["enhance_prompt"]
        if "person_generation" in options:
            config["person_generation"] = cloud.choose(request, NAME, "option person_generation", options["person_generation"], PERSON_GENERATION)
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

    def _image_call(self, request: RemoteRequest) -> tuple[dict[str, Any], dict[str, cloud.InputImage]]:
        """A keyframe: Imagen's generate_images, text to one still."""
        at = cloud.where(request, NAME)
        if not request.model.startswith("imagen-"):
            raise ProviderError(f"{at}: keyframes through Google need an Imagen model: keyframe.service.model: imagen-4.0-generate-001")
        options = cloud.check_options(request, NAME, IMAGE_OPTIONS)
        config: dict[str, Any] = {"number_of_images": 1, "aspect_ratio": cloud.nearest_ratio(request.width, request.height, IMAGE_RATIOS),
                                  "seed": cloud.check_seed(request, NAME, maximum=2**31 - 1), "add_watermark": False,
                                  "output_mime_type": "image/png", "include_rai_reason": True}  # fmt: skip
        if "image_size" in options:
            config["image_size"] = cloud.choose(request, NAME, "option image_size", options["image_size"], ("1K", "2K"))
        if "person_generation" in options:
            config["person_generation"] = cloud.choose(request, NAME, "option person_generation", options["person_generation"], PERSON_GENERATION)
        return {"call": "models.generate_images", "api": "vertex-ai", "model": request.model, "prompt": request.prompt, "config": config}, {}

    def estimate(self, request: RemoteRequest) -> Cost:
        if request.kind != "clip":
            return prices.cost(NAME, request.model, images=1)
        model, spec = self._model(request)
        audio = spec.audio and request.options.get("generate_audio", False) is True
        return prices.cost(NAME, model, seconds=self._seconds(request, spec), variant="audio" if audio else None)

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
        cloud.require_credentials(self.key_variables, NAME, cloud.where(request, NAME))
        at = cloud.where(request, NAME)
        if request.kind != "clip":
            return self._submit_image(call, at)

        def image(ref: dict[str, str]) -> types.Image:
            return types.Image(image_bytes=images[ref["sha256"]].data, mime_type=ref["mime_type"])

        config = dict(call["config"])
        if "last_frame" in config:
            config["last_frame"] = image(config["last_frame"])
        if "reference_images" in config:
            config["reference_images"] = [types.VideoGenerationReferenceImage(image=image(item["image"]), reference_type=item["reference_type"])
                                          for item in config["reference_images"]]  # fmt: skip
        try:  # the SDK validates its types before sending: a refusal here sends nothing
            source = types.GenerateVideosSource(prompt=call["source"]["prompt"], image=image(call["source"]["image"]))
            video_config = types.GenerateVideosConfig(**config)
        except pydantic.ValidationError as exc:
            raise ProviderError(f"{at}: google-genai refused the request before sending it ({exc.errors()[0].get('msg')}); nothing was sent") from None
        client = self._client(self.create_timeout)
        _, _, transport = cloud.transport_errors()
        try:
            operation = client.models.generate_videos(model=call["model"], source=source, config=video_config)
        except errors.APIError as exc:
            refused = exc.code == 400 and cloud.is_refusal(exc.message)
            raise cloud.create_answered(at, NAME, exc.code, exc.message or str(exc.status), headers=_headers(exc), refused=refused) from None
        except transport as exc:
            raise cloud.create_failed(at, NAME, exc) from None
        if not operation.name:
            raise cloud.create_answered(at, NAME, 502, "the create call returned no operation name")
        return operation.name

    def _submit_image(self, call: dict[str, Any], at: str) -> str:
        from google.genai import errors, types

        try:  # the SDK validates its types before sending: a refusal here sends nothing
            image_config = types.GenerateImagesConfig(**call["config"])
        except pydantic.ValidationError as exc:
            raise ProviderError(f"{at}: google-genai refused the request before sending it ({exc.errors()[0].get('msg')}); nothing was sent") from None
        _, _, transport = cloud.transport_errors()
        try:
            with warnings.catch_warnings():  # google-genai flags generate_images as going away after 2026 (still served)
                warnings.filterwarnings("ignore", message="The generate_images method is deprecated")
                answer = self._client(self.create_timeout).models.generate_images(
                    model=call["model"], prompt=call["prompt"], config=image_config)
        except errors.APIError as exc:
            refused = exc.code == 400 and cloud.is_refusal(exc.message)
            raise cloud.create_answered(at, NAME, exc.code, exc.message or str(exc.status), headers=_headers(exc), refused=refused) from None
        except transport as exc:
            raise cloud.create_failed(at, NAME, exc) from None
        images = list(answer.generated_images or [])
        picture = images[0].image if images else None
        if picture is None or not picture.image_bytes:
            reason = "; ".join(filter(None, (getattr(item, "rai_filtered_reason", None) for item in images)))
            raise ProviderRefused(scrub(f"{at}: Imagen returned no image: {reason or 'filtered by Responsible AI policies'}"))
        task_id = f"{IMAGE_TASK_PREFIX}{call['model']}/{hashlib.sha256(picture.image_bytes).hexdigest()}"
        self._stills[task_id] = (picture.image_bytes, picture.mime_type or "image/png")
        return task_id

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
        if task_id.startswith(IMAGE_TASK_PREFIX):
            model = task_id.split("/")[1]
            if task_id not in self._stills:
                return TaskStatus("failed", model_version=model, reason="Imagen answers at once and keeps nothing: this still was lost "
                                  "with the render that asked for it; render again to ask for a new one (paid)")  # fmt: skip
            return TaskStatus("succeeded", progress=1.0, output={"still": task_id}, model_version=model, details={"task": task_id})
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
        if "still" in output:
            if output["still"] not in self._stills:
                raise ProviderError(f"Imagen still {output['still']}: no longer held by this process")
            with atomic_path(destination) as tmp:
                tmp.write_bytes(self._stills[output["still"]][0])
            del self._stills[output["still"]]  # held only until it is written
            return
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
