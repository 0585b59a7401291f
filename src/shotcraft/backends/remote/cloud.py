"""What the four cloud providers (Veo, Runway, Luma, Kling) share: inputs by content hash, the shape checks made
before any create call, the mapping of an SDK's errors onto the remote protocol's, and downloads.

The rule every provider follows for its one create call: a timeout, a reset after sending or a 5xx answer may
mean the service queued (and will bill) the task, so it is ``SubmitUncertain`` and never retried; a 4xx answer
means the task was not created. A read (poll, download) that fails in a retryable way is
``ProviderUnavailable``, with the service's Retry-After when it sent one.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from shotcraft import files
from shotcraft.backends.remote.protocol import (
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
    RemoteRequest,
    SubmitUncertain,
)
from shotcraft.backends.remote.durations import requested_duration
from shotcraft.backends.remote.secrets import credential, scrub
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path

#: seconds a create call may take before it is declared uncertain (uploads of a keyframe included)
CREATE_TIMEOUT_S = 120.0
#: seconds one read (poll) may take
READ_TIMEOUT_S = 60.0
#: a download's per-chunk read timeout (a clip is a few MB; the whole file has no overall limit)
DOWNLOAD_TIMEOUT_S = 120.0
#: words a provider uses for a content-policy refusal, in failure texts that carry no code for it
REFUSAL_WORDS = ("moderation", "content policy", "safety", "responsible ai", "usage guidelines", "sensitive", "risk control")

MIME_BY_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"RIFF", "image/webp"))


@dataclass(frozen=True)
class InputImage:
    """A keyframe, last frame or reference as sent: bytes, content hash and type; the settings log names it by hash."""

    data: bytes
    sha256: str
    mime_type: str

    @property
    def ref(self) -> dict[str, str]:
        return {"sha256": self.sha256, "mime_type": self.mime_type}

    @property
    def extension(self) -> str:
        return {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[self.mime_type]

    def data_uri(self) -> str:
        return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def as_jpeg(image: InputImage, *, quality: int = 95) -> InputImage:
    """The same picture as a JPEG, for a service whose inline-image limit a large PNG keyframe exceeds (same bytes
    for the same picture: OpenCV's encoder is deterministic)."""
    import cv2
    import numpy as np

    decoded = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ProviderError(f"cannot decode image {image.sha256[:12]} to re-encode it")
    ok, encoded = cv2.imencode(".jpg", decoded, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ProviderError(f"cannot encode image {image.sha256[:12]} as JPEG")
    data = encoded.tobytes()
    return InputImage(data, hashlib.sha256(data).hexdigest(), "image/jpeg")


def where(request: RemoteRequest, provider: str) -> str:
    return f"shot {request.shot_id} take {request.take} ({provider})"


def load_image(path: Path, *, where: str, what: str) -> InputImage:
    data = files.read_input(path, "image", where=where, what=what)
    mime = next((kind for magic, kind in MIME_BY_MAGIC if data.startswith(magic)), None)
    if mime is None or (mime == "image/webp" and data[8:12] != b"WEBP"):
        raise ProviderError(f"{where}: {what} {path} must be PNG, JPEG or WebP to be sent")
    return InputImage(data, hashlib.sha256(data).hexdigest(), mime)


#: where the keyframe goes in a payload built before it exists (render --dry-run prices a clip before its keyframe)
PENDING_KEYFRAME = {"sha256": None, "note": "the take's keyframe, rendered before this clip"}


def request_images(request: RemoteRequest, provider: str) -> tuple[InputImage | None, InputImage | None, tuple[InputImage, ...]]:
    """(first frame, last frame, references) of a request, read and hashed once."""
    at = where(request, provider)
    first = load_image(request.first_frame, where=at, what="keyframe") if request.first_frame else None
    last = load_image(request.last_frame, where=at, what="last frame") if request.last_frame else None
    references = tuple(load_image(path, where=at, what="reference image") for path in request.references)
    return first, last, references


# --- shape checks (before any create call) ----------------------------------------------


def require_credentials(variables: Iterable[str], provider: str, at: str | None = None) -> None:
    """Every credential variable is set: InputError before a render (preflight), ProviderError inside a submit.

    Checked before the create call's receipt matters: a missing key sends nothing, so the take is failed (and
    sent by the next render), never left submit-uncertain."""
    try:
        for variable in variables:
            credential(variable, provider=provider)
    except InputError as exc:
        if at is None:
            raise
        raise ProviderError(f"{at}: {exc}; nothing was sent") from None


def check_options(request: RemoteRequest, provider: str, allowed: Iterable[str]) -> dict[str, Any]:
    allowed = tuple(allowed)
    unknown = sorted(set(request.options) - set(allowed))
    if unknown:
        raise ProviderError(f"{where(request, provider)}: service option {unknown[0]!r} is not one {provider} takes "
                            f"(options: {', '.join(allowed) or 'none'})")  # fmt: skip
    return dict(request.options)


def choose(request: RemoteRequest, provider: str, field: str, value: Any, offered: Iterable[Any]) -> Any:
    offered = tuple(offered)
    if value not in offered:
        shown = ", ".join(str(item) for item in offered)
        raise ProviderError(f"{where(request, provider)}: {field} {value!r} is not offered by {provider} (choose one of: {shown})")
    return value


def clip_call(request: RemoteRequest, provider: str, options: Iterable[str], model: Any, models: Iterable[Any]) -> tuple[dict[str, Any], Any]:
    """A clip-only provider's first checks: a clip request, options the provider knows, a model it drives."""
    if request.kind != "clip":
        raise ProviderError(f"{where(request, provider)}: the {provider.capitalize()} provider makes clips; use another service for keyframes")
    return check_options(request, provider, options), choose(request, provider, "model", model, models)


def service_seconds(request: RemoteRequest, durations: Iterable[float]) -> int:
    """The whole seconds to ask this model for: the shortest it offers that covers the shot's frames, else its longest.

    The engine's ``request.duration`` follows the provider's declared durations (its default model); a model with
    other durations (Veo 2: 5-8 s, gen4.5: 2-10 s) is asked for its own, and priced by the same number. The choice
    itself is :func:`~shotcraft.backends.remote.durations.requested_duration`, shared with the linter (SC610/SC611)."""
    needed = float(Fraction(request.frames) / request.fps) if request.frames > 0 and request.fps > 0 else float(request.duration)
    choice = requested_duration(needed, 0.0, tuple(float(d) for d in durations))
    if choice is None:
        raise ProviderError(f"{request.shot_id}: the service lists no clip durations")
    return int(round(choice.requested))


def nearest_ratio(width: int, height: int, ratios: Iterable[str], *, separator: str = ":") -> str:
    """The offered aspect ratio closest to width:height (by log ratio); the clip is conformed to the plan's frame after."""
    target = math.log(width / height)

    def distance(ratio: str) -> float:
        w, h = (float(part) for part in ratio.split(separator))
        return abs(math.log(w / h) - target)

    return min(ratios, key=distance)


def check_seed(request: RemoteRequest, provider: str, *, maximum: int = 2**32 - 1) -> int:
    if not 0 <= request.seed <= maximum:
        raise ProviderError(f"{where(request, provider)}: seed {request.seed} is outside {provider}'s range 0..{maximum}")
    return request.seed


def is_refusal(text: str | None, code: str | None = None) -> bool:
    if code and ("SAFETY" in code.upper() or "MODERATION" in code.upper()):
        return True
    lowered = (text or "").lower()
    return any(word in lowered for word in REFUSAL_WORDS)


# --- errors -------------------------------------------------------------------------------


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), else None."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def transport_errors() -> tuple[type[BaseException], type[BaseException], type[BaseException]]:
    """(errors raised before anything was sent, timeouts, transport errors) of httpx and of httpx2 (google-genai
    uses either)."""
    connect: list[type[BaseException]] = [httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol]
    timeouts: list[type[BaseException]] = [httpx.TimeoutException]
    transport: list[type[BaseException]] = [httpx.TransportError]
    try:
        import httpx2  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        connect += [httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.UnsupportedProtocol]
        timeouts.append(httpx2.TimeoutException)
        transport.append(httpx2.TransportError)
    return tuple(connect), tuple(timeouts), tuple(transport)  # type: ignore[return-value]


def create_failed(at: str, provider: str, exc: BaseException) -> Exception:
    """A transport failure of the create call: 'nothing was sent' when it never connected, else uncertain."""
    connect, timeouts, _ = transport_errors()
    cause = exc.__cause__ or exc.__context__ or exc
    if isinstance(exc, connect) or isinstance(cause, connect):
        return ProviderError(scrub(f"{at}: cannot reach {provider} ({type(cause).__name__}): nothing was sent; render again"))
    kind = "timed out" if isinstance(exc, timeouts) or isinstance(cause, timeouts) else f"failed after sending ({type(cause).__name__})"
    return SubmitUncertain(scrub(f"{at}: the create call to {provider} {kind}: the task may or may not exist and may be "
                                 f"billed; it is not sent again (check the {provider} dashboard, then resolve the take)"))  # fmt: skip


def create_answered(at: str, provider: str, status: int, message: str, *, headers: Any = None, refused: bool = False) -> Exception:
    """The service answered the create call with an error status."""
    message = scrub(message.strip() or f"HTTP {status}")
    if refused:
        return ProviderRefused(f"{at}: {provider} refused the request: {message}")
    if status == 429:
        wait = retry_after(headers)
        later = f" (it asks to wait {wait:.0f} s)" if wait is not None else ""
        return ProviderError(f"{at}: {provider} is rate-limiting requests{later}: the task was not created and nothing was "
                             f"charged; render again later ({message})")  # fmt: skip
    if status >= 500:
        return SubmitUncertain(f"{at}: {provider} answered the create call with HTTP {status} ({message}): the task may or "
                               f"may not exist; it is not sent again (check the {provider} dashboard, then resolve the take)")  # fmt: skip
    if status in (401, 403):
        return ProviderError(f"{at}: {provider} refused the credentials (HTTP {status}: {message}); nothing was created")
    return ProviderError(f"{at}: {provider} rejected the request (HTTP {status}: {message}); nothing was created")


def read_answered(what: str, provider: str, status: int, message: str, *, headers: Any = None) -> Exception:
    """A read (poll, download) answered with an error status: retryable or final."""
    message = scrub(message.strip() or f"HTTP {status}")
    if status == 429 or status >= 500 or status == 408:
        return ProviderUnavailable(f"{what}: {provider} answered HTTP {status} ({message})", retry_after=retry_after(headers))
    return ProviderError(f"{what}: {provider} answered HTTP {status} ({message})")


def read_failed(what: str, provider: str, exc: BaseException) -> ProviderUnavailable:
    cause = exc.__cause__ or exc
    return ProviderUnavailable(scrub(f"{what}: {provider} could not be read ({type(cause).__name__})"))


def sdk_message(exc: Any) -> str:
    """The service's own words from a Stainless SDK error (runwayml, lumaai): the body's error/detail text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        for key in ("error", "detail", "message", "failure_reason"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if value:
                return json.dumps(value)[:400]
    return str(getattr(exc, "message", "") or exc)


def sdk_create_error(at: str, provider: str, exc: Exception, sdk: Any) -> Exception:
    """A Stainless SDK's create-call failure as the remote protocol's error (``sdk`` is the SDK module)."""
    if isinstance(exc, sdk.APIStatusError):
        message = sdk_message(exc)
        refused = exc.status_code in (400, 422) and is_refusal(message)
        return create_answered(at, provider, exc.status_code, message, headers=exc.response.headers, refused=refused)
    return create_failed(at, provider, exc)


def sdk_read_error(what: str, provider: str, exc: Exception, sdk: Any) -> Exception:
    if isinstance(exc, sdk.APIStatusError):
        return read_answered(what, provider, exc.status_code, sdk_message(exc), headers=exc.response.headers)
    return read_failed(what, provider, exc)


# --- downloads ----------------------------------------------------------------------------


class UrlExpired(Exception):
    """The output URL answered 401/403/404/410: signed URLs expire; a fresh read of the task gives a new one."""


def download_url(url: str, destination: Path, *, what: str, provider: str, headers: dict[str, str] | None = None) -> None:
    """Stream ``url`` into ``destination`` atomically. UrlExpired for a gone URL, ProviderUnavailable to retry."""
    if not url.startswith(("https://", "http://")):
        raise ProviderError(f"{what}: {provider} gave an output location shotcraft cannot download ({url.split(':', 1)[0]}:)")
    _, _, transport = transport_errors()
    try:
        with httpx.Client(timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True) as client:
            with client.stream("GET", url, headers=headers or {}) as response:
                if response.status_code in (401, 403, 404, 410):
                    raise UrlExpired(f"HTTP {response.status_code}")
                if response.status_code != 200:
                    response.read()
                    raise read_answered(f"{what}: download", provider, response.status_code, response.text[:200], headers=response.headers)
                with atomic_path(destination) as tmp, open(tmp, "wb") as handle:
                    for chunk in response.iter_bytes(1 << 20):
                        handle.write(chunk)
    except transport as exc:
        raise read_failed(f"{what}: download", provider, exc) from None
    if destination.stat().st_size == 0:
        destination.unlink()
        raise ProviderUnavailable(f"{what}: {provider} sent an empty output file")


def url_without_query(url: str) -> str:
    """A signed URL as the settings log may keep it (its query holds the signature)."""
    return url.split("?", 1)[0]


class CloudProvider:
    """What the four cloud providers share: the two timeouts, the credential preflight, the payload as it is built.

    Each subclass sets ``name`` and ``key_variables`` and builds its request in ``_call(request) -> (call, images)``.
    """

    name: str
    key_variables: tuple[str, ...]

    def __init__(self, *, create_timeout: float = CREATE_TIMEOUT_S, read_timeout: float = READ_TIMEOUT_S) -> None:
        self.create_timeout = create_timeout
        self.read_timeout = read_timeout
        self._client_instance: Any = None

    def preflight(self, request: RemoteRequest) -> None:
        """Before any create call of a render: the credentials are in the environment (nothing is sent)."""
        require_credentials(self.key_variables, self.name)

    def payload(self, request: RemoteRequest) -> dict[str, Any]:
        return self._call(request)[0]  # before the keyframe exists (dry-run) it is named as pending

    def _call(self, request: RemoteRequest) -> tuple[dict[str, Any], Any]:
        raise NotImplementedError
