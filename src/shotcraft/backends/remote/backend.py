"""``RemoteBackend``: any :class:`RemoteProvider` as a shotcraft Backend (render engine, linter, job keys).

The render engine sees a remote backend by its ``provider`` attribute and runs
its jobs through ``shotcraft.render.remote`` (submitted once, task id
committed before polling, resumed after a crash). ``keyframe()`` and
``clip()`` here serve a caller outside the engine (a script): they submit once
and wait, with no ledger, so a crash there loses the task id.

Plan fields (``keyframe.service`` / ``clip.service``) reach a job as the
backend's "model": :meth:`identity` keys the provider, the service model name,
options, the ComfyUI mapping and the workflow's content hash (never its path
or the server's url: moving a server re-renders nothing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft import files
from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest
from shotcraft.backends.remote import driver, output
from shotcraft.backends.remote.durations import requested_duration
from shotcraft.backends.remote.protocol import ProviderCapabilities, ProviderError, RemoteProvider, RemoteRequest
from shotcraft.backends.remote.secrets import scrub
from shotcraft.errors import InputError

#: the remote-job mechanism's version; part of every remote job key with the provider's own
ENGINE_VERSION = "1"


def capabilities_from(provider: ProviderCapabilities) -> Capabilities:
    """What the engine and linter read, derived from what the service declares."""
    return Capabilities(
        text_to_image=provider.text_to_image,
        image_to_image=False,
        image_to_video=provider.image_to_video,
        first_last_frame=provider.last_frame,
        frame_counts="any",  # conformed to the plan's frames after download
        native_rates=provider.native_rates,
        resolution_multiple=2,
        deterministic=provider.deterministic,
        prompt_family="prose",
    )


def service_duration(capabilities: ProviderCapabilities, seconds: float) -> float:
    """The duration to ask for (``seconds`` already holds the handles): the one choice the linter makes too."""
    choice = requested_duration(seconds, 0.0, capabilities.durations)
    return float(seconds) if choice is None else choice.requested


class RemoteBackend:
    """A Backend over one provider; ``provider`` and ``provider_capabilities`` are what the linter reads."""

    def __init__(self, provider: RemoteProvider, *, version: str | None = None) -> None:
        self.provider = provider
        self.provider_capabilities: ProviderCapabilities = provider.capabilities
        self.name = provider.name
        self.version = version or f"{ENGINE_VERSION}+{getattr(provider, 'version', '1')}"
        self.capabilities = capabilities_from(provider.capabilities)

    # --- keys -------------------------------------------------------------------------

    def model_name(self, service: Any) -> str:
        model = getattr(service, "model", None) or getattr(self.provider, "default_model", None)
        if not model:
            raise InputError(f"backend {self.name!r} needs a model: set service.model (docs/providers.md)")
        return str(model)

    def identity(self, model: Any) -> dict[str, Any]:
        """Provider + service model + options (+ ComfyUI mapping and workflow content hash): what the key holds."""
        identity: dict[str, Any] = {"provider": self.name, "model": self.model_name(model)}
        if model is None:
            return identity
        identity["options"] = dict(model.options)
        if model.mapping:
            identity["mapping"] = dict(sorted(model.mapping.items()))
        if model.workflow is not None:
            identity["workflow_sha256"] = files.content_sha256(model.workflow, "workflow", where=f"{self.name} service", what="workflow")
        return identity

    # --- requests ---------------------------------------------------------------------

    def remote_request(
        self,
        kind: str,
        fields: dict[str, Any],
        *,
        first_frame: Path | None = None,
        last_frame: Path | None = None,
        references: tuple[Path, ...] = (),
    ) -> RemoteRequest:
        """A job's request fields (render.jobs) as the provider receives them."""
        service = fields.get("model")
        if kind == "clip":
            fps = Fraction(fields["fps"])
            frames = int(fields["frames"])
            duration = service_duration(self.provider_capabilities, float(frames / fps))
            motion = float(fields["motion"])
        else:
            fps, frames, duration, motion = Fraction(24), 1, 0.0, 0.0
        return RemoteRequest(
            kind="clip" if kind == "clip" else "keyframe",
            shot_id=fields["shot_id"],
            take=fields["take"],
            prompt=fields["prompt"],
            negative_prompt=fields.get("negative_prompt") or "",
            width=int(fields["width"]),
            height=int(fields["height"]),
            seed=int(fields["seed"]),
            duration=duration,
            fps=fps,
            frames=frames,
            motion=motion,
            model=self.model_name(service),
            options=dict(getattr(service, "options", None) or {}),
            first_frame=first_frame,
            last_frame=last_frame,
            references=references,
            url=getattr(service, "url", None),
            workflow=getattr(service, "workflow", None),
            mapping=dict(getattr(service, "mapping", None) or {}),
        )

    # --- direct use (outside the render engine: no ledger) ------------------------------

    def _run_once(self, request: RemoteRequest, folder: Path) -> Path:
        task_id = self.provider.submit(request)
        status = driver.wait_for(self.provider, task_id)
        if status.state != "succeeded":
            raise ProviderError(scrub(f"shot {request.shot_id} take {request.take}: {self.name} {status.state}: {status.reason or 'no reason given'}"))
        destination = folder / "output"
        driver.download(self.provider, status, destination)
        return destination

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        fields = {name: getattr(request, name) for name in ("shot_id", "take", "prompt", "negative_prompt", "width", "height", "seed", "model")}
        remote = self.remote_request("keyframe", fields, references=request.references)
        with tempfile.TemporaryDirectory(prefix="shotcraft-remote-") as folder:
            path = self._run_once(remote, Path(folder))
            return output.read_still(path, what=f"shot {request.shot_id} take {request.take}")

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        fields = {name: getattr(request, name) for name in ("shot_id", "take", "prompt", "negative_prompt", "width", "height", "seed",
                                                              "model", "fps", "frames", "motion")}  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="shotcraft-remote-") as folder:
            first = Path(folder) / "first.png"
            cv2.imwrite(str(first), cv2.cvtColor(request.keyframe, cv2.COLOR_RGB2BGR))
            last = None
            if request.last_frame is not None:
                last = Path(folder) / "last.png"
                cv2.imwrite(str(last), cv2.cvtColor(request.last_frame, cv2.COLOR_RGB2BGR))
            remote = self.remote_request("clip", fields, first_frame=first, last_frame=last)
            path = self._run_once(remote, Path(folder))
            info = output.verify_video(path, what=f"shot {request.shot_id} take {request.take}")
            yield from output.clip_frames(info, request.fps, request.frames)
