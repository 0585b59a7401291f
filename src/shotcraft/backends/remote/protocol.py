"""The remote-provider protocol: what the render engine asks of a paid or self-hosted generation service.

A provider (Veo, Runway, Luma, Kling, fal, ComfyUI) turns one job into one
remote task and back into a file. The engine (``shotcraft.render.remote``) owns
everything that must hold for every provider: the create call is made once and
never retried, the provider's task id is committed before polling starts, a
restarted render re-polls instead of re-submitting, outputs are downloaded at
once, verified and committed like any take, the budget is checked before any
create call, and API keys never reach a file or a printed line.

A provider owns only what differs between services: how a request is sent, how
a task is read back, where the output is, what it costs. Each call talks to the
service through its official SDK (google-genai, runwayml, lumaai, fal-client)
or, for ComfyUI, its documented HTTP API. No provider method writes files
other than the one ``download`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from shotcraft.errors import ShotcraftError

#: what a remote task is doing; "refused" is a content-policy refusal (a per-take verdict, never retried)
TaskState = Literal["queued", "running", "succeeded", "failed", "refused"]


class ProviderError(ShotcraftError):
    """The service answered with an error for this task (bad request, failed generation): the take fails."""

    code = "provider-error"
    exit_code = 1


class ProviderRefused(ProviderError):
    """A content-policy / moderation refusal: the take fails with the provider's reason, nothing is retried."""

    code = "provider-refused"


class ProviderUnavailable(ShotcraftError):
    """A read (poll, download) failed in a way worth retrying with backoff: timeout, 429, 5xx, connection reset."""

    code = "provider-unavailable"
    exit_code = 1

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SubmitUncertain(ShotcraftError):
    """The create call may or may not have reached the service (timeout, reset after sending).

    Never retried: the job is left 'submit-uncertain' for the user to resolve (``shotcraft takes`` shows it),
    because a second create could be paid twice.
    """

    code = "submit-uncertain"
    exit_code = 1


@dataclass(frozen=True)
class ProviderCapabilities:
    """What a service can do; the linter (SC6xx) and the job planner read this, never the provider's code."""

    #: clip durations the service accepts, in seconds (Veo 4/6/8, Runway 5/10, Luma 5s/9s, Kling 5/10)
    durations: tuple[float, ...] = ()
    #: aspect ratios the service accepts, as "W:H" strings
    aspect_ratios: tuple[str, ...] = ()
    #: frame rates the service generates at (the clip is conformed to the plan's rate afterwards)
    native_rates: tuple[Fraction, ...] = ()
    #: output resolutions by name ("720p", "1080p") or "any"
    resolutions: tuple[str, ...] = ()
    seed: bool = False
    negative_prompt: bool = False
    first_frame: bool = True
    last_frame: bool = False
    references: int = 0  # how many reference images a request may carry
    audio: bool = False
    text_to_image: bool = False
    image_to_video: bool = True
    #: the same request gives the same bytes (no cloud service promises this; a self-hosted ComfyUI can)
    deterministic: bool = False


@dataclass(frozen=True)
class RemoteRequest:
    """One generation as sent: everything here is part of the job's key (files by content hash)."""

    kind: Literal["keyframe", "clip"]
    shot_id: str
    take: str
    prompt: str
    negative_prompt: str
    width: int
    height: int
    seed: int
    duration: float  # seconds the service is asked for (one of its durations), clip only
    fps: Fraction
    frames: int  # frames the plan needs after conforming
    motion: float
    model: str  # the service's model name ("veo-3.1-generate-preview", "gen4_turbo", "ray-2", "kling-v2-1")
    options: dict[str, Any] = field(default_factory=dict)  # provider settings from the plan (resolution, audio, ...)
    first_frame: Path | None = None  # the locked keyframe (PNG), clip only
    last_frame: Path | None = None
    references: tuple[Path, ...] = ()
    # additive (remote engine, #15): a self-hosted service's server and graph (ComfyUI); cloud providers ignore them
    url: str | None = None
    workflow: Path | None = None  # API-format workflow JSON (its content hash is in the job key, never this path)
    mapping: dict[str, str] = field(default_factory=dict)  # role -> "node_id.input_name"


@dataclass(frozen=True)
class TaskStatus:
    state: TaskState
    #: 0..1 when the service reports progress
    progress: float | None = None
    #: where the output is (URL, file name, ComfyUI view parameters); opaque to the engine
    output: Any = None
    #: the model version the service says it used
    model_version: str | None = None
    #: the provider's words for a failure or refusal
    reason: str | None = None
    #: what the service reported and is worth keeping in the settings log (never a key or a signed URL's token)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cost:
    amount: float
    currency: str = "USD"
    basis: str = ""  # "8 s x $0.40/s (veo-3.1, prices.toml 2026-11)"


@runtime_checkable
class RemoteProvider(Protocol):
    """One service. Instances are cheap; clients are built from the environment on first use."""

    name: str  # "veo", "runway", "luma", "kling", "comfyui"
    capabilities: ProviderCapabilities
    #: environment variables holding the credentials (read, never written or logged)
    key_variables: tuple[str, ...]
    #: tasks allowed in flight at once for this service
    concurrency: int

    def payload(self, request: RemoteRequest) -> dict[str, Any]:
        """Exactly what will be sent, with files named by content hash and no credentials: the settings log."""
        ...

    def estimate(self, request: RemoteRequest) -> Cost:
        """The price of this request from the price table (docs/providers.md); no network."""
        ...

    def submit(self, request: RemoteRequest) -> str:
        """Make the one create call and return the service's task id. Raise SubmitUncertain when it may have
        been received (timeout, reset), ProviderRefused / ProviderError when it was answered with a refusal or
        an error. Must disable the SDK's own retries for this call."""
        ...

    def poll(self, task_id: str) -> TaskStatus:
        """Read the task once (the engine loops with backoff). Raise ProviderUnavailable for a retryable read."""
        ...

    def download(self, status: TaskStatus, destination: Path) -> None:
        """Write the finished output (mp4 or image) to ``destination``; the engine verifies and commits it."""
        ...
