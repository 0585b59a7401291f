"""Kling image-to-video through Kling's own REST API (access key + secret key signed into a short JWT).

Why Kling's REST API and not fal-client: fal-client retries the submit POST up to 10 times on timeouts,
connection errors and 408/409/429 answers, with no switch to turn that off short of patching module globals,
and its hosts are read from the environment as https only; Kling's API is the contract Kling documents, has no
official Python SDK to prefer, and offers ``external_task_id``: a task id chosen by the caller. shotcraft sets it
from the request's content (shot, take, seed, model, prompt, frames), so

* a create call that timed out can be looked up by that id (the message says which id to look for),
* Kling refuses a second task with the same id, so the same request is never paid twice, and a create that
  finds its id already taken takes over the existing task instead of failing.

The HTTP client is httpx (no automatic retries); reads are retried by the engine with backoff.

Plan fields -> request (docs/providers.md): keyframe -> ``image`` (base64), last frame -> ``image_tail``
(pro mode), prompt, negative prompt, the duration the engine chose ("5"/"10"), and the options ``mode``
("std"/"pro") and ``cfg_scale`` (0..1). Kling takes no seed (the output's frame follows the keyframe's aspect
ratio) and no reference images.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
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
    ProviderRefused,
    RemoteRequest,
    TaskStatus,
)
from shotcraft.backends.remote.secrets import credential, scrub

NAME = "kling"
ACCESS_VARIABLE = "KLING_ACCESS_KEY"
SECRET_VARIABLE = "KLING_SECRET_KEY"
BASE_URL_VARIABLE = "KLING_API_BASE_URL"
DEFAULT_BASE_URL = "https://api-singapore.klingai.com"
ENDPOINT = "/v1/videos/image2video"
OPTIONS = ("mode", "cfg_scale")
#: model -> the modes it runs in, and the modes that take a last frame (image_tail)
MODELS = {
    "kling-v2-1": (("std", "pro"), ("pro",)),
    "kling-v2-1-master": (("std",), ()),
    "kling-v2-5-turbo": (("std", "pro"), ()),
}
TEXT_LIMIT = 2500
IMAGE_LIMIT = 10 * 1024 * 1024
MIN_SIDE = 300
STATES = {"submitted": "queued", "processing": "running", "succeed": "succeeded", "failed": "failed"}
#: Kling's business codes (the body's ``code``) that are not what the HTTP status alone says
REFUSAL_CODES = (1300, 1301)
ACCOUNT_CODES = (1100, 1101, 1102, 1103)
TOKEN_LIFETIME_S = 1800


class KlingProvider(cloud.CloudProvider):
    name = NAME
    version = "1"
    default_model = "kling-v2-1"
    key_variables = (ACCESS_VARIABLE, SECRET_VARIABLE)
    concurrency = 2  # prepaid packs allow a few tasks at once; more answer 429 (code 1303)
    poll_interval = 10.0
    capabilities = ProviderCapabilities(
        durations=(5.0, 10.0),
        aspect_ratios=("16:9", "9:16", "1:1"),  # image-to-video follows the keyframe's own shape
        native_rates=(Fraction(24),),
        resolutions=("720p", "1080p"),  # std 720p, pro 1080p
        seed=False,
        negative_prompt=True,
        first_frame=True,
        last_frame=True,  # kling-v2-1 in pro mode
        references=0,
        audio=False,
        image_to_video=True,
    )

    # --- the request ----------------------------------------------------------------

    def _call(self, request: RemoteRequest, *, sending: bool = False) -> tuple[dict[str, Any], dict[str, cloud.InputImage]]:
        at = cloud.where(request, NAME)
        options, model = cloud.clip_call(request, NAME, OPTIONS, request.model or self.default_model, MODELS)
        modes, tail_modes = MODELS[model]
        mode = cloud.choose(request, NAME, f"option mode of {model}", options.get("mode", "std"), modes)
        first, last, references = cloud.request_images(request, NAME)
        if first is None and sending:
            raise ProviderError(f"{at}: Kling image-to-video needs the shot's locked keyframe")
        if references:
            raise ProviderError(f"{at}: Kling image-to-video takes no reference images")
        if last is not None and mode not in tail_modes:
            raise ProviderError(f"{at}: Kling takes a last frame with kling-v2-1 in mode pro only ({model}, mode {mode})")
        for image, what in ((first, "keyframe"), (last, "last frame")):
            if image is not None:
                _check_image(image, at, what)
        for text, field in ((request.prompt, "prompt"), (request.negative_prompt, "negative prompt")):
            if len(text) > TEXT_LIMIT:
                raise ProviderError(f"{at}: the {field} is over Kling's {TEXT_LIMIT} characters")
        body: dict[str, Any] = {"model_name": model, "mode": mode, "image": first.ref if first is not None else cloud.PENDING_KEYFRAME, "prompt": request.prompt,
                                "duration": str(cloud.service_seconds(request, self.capabilities.durations))}  # fmt: skip
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if "cfg_scale" in options:
            scale = options["cfg_scale"]
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale <= 1:
                raise ProviderError(f"{at}: option cfg_scale must be a number from 0 to 1, found {scale!r}")
            body["cfg_scale"] = float(scale)
        images = {"image": first} if first is not None else {}
        if last is not None:
            body["image_tail"] = last.ref
            images["image_tail"] = last
        body["external_task_id"] = external_task_id(request, body)
        return {"call": f"POST {ENDPOINT}", **body}, images

    def estimate(self, request: RemoteRequest) -> Cost:
        mode = request.options.get("mode", "std")
        return prices.cost(NAME, request.model or self.default_model, seconds=cloud.service_seconds(request, self.capabilities.durations), variant="pro" if mode == "pro" else None)

    # --- the service ----------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        import jwt  # PyJWT: Kling's documented signing (HS256 over iss/exp/nbf)

        now = int(time.time())
        claims = {"iss": credential(ACCESS_VARIABLE, provider=NAME), "exp": now + TOKEN_LIFETIME_S, "nbf": now - 5}
        token = jwt.encode(claims, credential(SECRET_VARIABLE, provider=NAME), algorithm="HS256", headers={"typ": "JWT"})
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def _url(self, path: str) -> str:
        base = os.environ.get(BASE_URL_VARIABLE, "").strip().rstrip("/") or DEFAULT_BASE_URL
        if not base.startswith(("https://", "http://")):
            raise ProviderError(f"{BASE_URL_VARIABLE} must be an http(s) URL, found {base!r}; nothing was sent")
        return base + path

    def submit(self, request: RemoteRequest) -> str:
        call, images = self._call(request, sending=True)
        cloud.require_credentials(self.key_variables, NAME, cloud.where(request, NAME))
        at = cloud.where(request, NAME)
        body = {key: value for key, value in call.items() if key != "call"}
        for field, image in images.items():
            body[field] = base64.b64encode(image.data).decode("ascii")  # Kling: raw base64, no data: prefix
        external = body["external_task_id"]
        _, _, transport = cloud.transport_errors()
        try:
            response = httpx.post(self._url(ENDPOINT), headers=self._headers(), json=body, timeout=self.create_timeout)
        except transport as exc:
            error = cloud.create_failed(at, NAME, exc)
            raise type(error)(f"{error} (Kling external_task_id {external})") from None
        answer = _json(response)
        code = answer.get("code")
        if response.status_code == 200 and code == 0 and (answer.get("data") or {}).get("task_id"):
            return str(answer["data"]["task_id"])
        message = str(answer.get("message") or response.text[:200])
        if _duplicate(code, message):
            return self._existing(at, external)
        if code in REFUSAL_CODES:
            raise ProviderRefused(scrub(f"{at}: Kling refused the request: {message} (code {code})"))
        if code in ACCOUNT_CODES:
            raise ProviderError(scrub(f"{at}: Kling refused the account: {message} (code {code}); nothing was created or charged"))
        status = response.status_code if response.status_code != 200 else 502
        error = cloud.create_answered(at, NAME, status, f"{message} (code {code})", headers=response.headers)
        raise (type(error)(f"{error} (Kling external_task_id {external})") if status >= 500 else error)

    def _existing(self, at: str, external: str) -> str:
        """The create found its external_task_id taken: the same request was sent before (a lost answer)."""
        data = self._task(external)
        if data.get("task_status") == "failed":
            raise ProviderError(scrub(f"{at}: Kling already ran this exact request (external_task_id {external}) and it failed: "
                                      f"{data.get('task_status_msg') or 'no reason given'}; change the take's seed to send it anew"))  # fmt: skip
        return str(data["task_id"])

    def _task(self, task_id: str) -> dict[str, Any]:
        what = f"Kling task {task_id}"
        _, _, transport = cloud.transport_errors()
        try:
            response = httpx.get(self._url(f"{ENDPOINT}/{task_id}"), headers=self._headers(), timeout=self.read_timeout)
        except transport as exc:
            raise cloud.read_failed(what, NAME, exc) from None
        answer = _json(response)
        if response.status_code != 200 or answer.get("code") != 0:
            status = response.status_code if response.status_code != 200 else 502
            raise cloud.read_answered(what, NAME, status, f"{answer.get('message') or response.text[:200]} (code {answer.get('code')})",
                                      headers=response.headers)  # fmt: skip
        data = answer.get("data")
        if not isinstance(data, dict):
            raise cloud.read_answered(what, NAME, 502, "the answer holds no task")
        return data

    def poll(self, task_id: str) -> TaskStatus:
        data = self._task(task_id)
        status = data.get("task_status")
        state = STATES.get(str(status))
        if state is None:
            raise ProviderError(f"Kling task {task_id}: unknown status {status!r}")
        details = {"task": task_id, "status": status, "external_task_id": (data.get("task_info") or {}).get("external_task_id")}
        if state == "failed":
            reason = scrub(data.get("task_status_msg") or "no reason given")
            return TaskStatus("refused" if cloud.is_refusal(reason) else "failed", reason=reason, details=details)
        if state == "succeeded":
            videos = (data.get("task_result") or {}).get("videos") or []
            if not videos or not videos[0].get("url"):
                return TaskStatus("failed", reason="the task succeeded without a video", details=details)
            details["duration"] = videos[0].get("duration")
            return TaskStatus("succeeded", progress=1.0, output={"task": task_id, "url": cloud.url_without_query(videos[0]["url"])}, details=details)
        return TaskStatus(state, details=details)

    def download(self, status: TaskStatus, destination: Path) -> None:
        output = status.output or {}
        data = self._task(output["task"])
        what = f"Kling task {output['task']}"
        videos = (data.get("task_result") or {}).get("videos") or []
        if data.get("task_status") != "succeed" or not videos:
            raise ProviderError(f"{what}: the task no longer has a video (Kling keeps them 30 days)")
        try:
            cloud.download_url(videos[0]["url"], destination, what=what, provider=NAME)
        except cloud.UrlExpired as exc:
            raise ProviderError(f"{what}: the video URL is gone ({exc}; Kling keeps videos 30 days)") from None


def external_task_id(request: RemoteRequest, body: dict[str, Any]) -> str:
    """The caller-chosen task id: a hash of what is sent plus the shot, take and seed (two takes differ)."""
    content = json.dumps({"shot": request.shot_id, "take": request.take, "seed": request.seed, "body": body}, sort_keys=True)
    return "shotcraft-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def _check_image(image: cloud.InputImage, at: str, what: str) -> None:
    import cv2
    import numpy as np

    if len(image.data) > IMAGE_LIMIT:
        raise ProviderError(f"{at}: the {what} is over Kling's 10 MB limit")
    decoded = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    height, width = decoded.shape[:2] if decoded is not None else (0, 0)
    if min(width, height) < MIN_SIDE or not 1 / 2.5 <= width / max(1, height) <= 2.5:
        raise ProviderError(f"{at}: Kling takes a {what} at least {MIN_SIDE} px on each side with a shape between 1:2.5 and 2.5:1 "
                            f"(this one is {width}x{height}); render the keyframe larger")  # fmt: skip


def _duplicate(code: Any, message: str) -> bool:
    # Kling documents that external_task_id must be unique per account but not the answer's wording; a parameter
    # error (1201) that names the field is taken as "already used". Anything else stays an ordinary rejection.
    return code == 1201 and "external_task_id" in message.lower()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


backend = RemoteBackend(KlingProvider())
