"""A tiny deterministic backend for engine tests (registered through the registry hook).

Frames are flat colours derived from the seed and frame index, drawn fast, so
engine tests exercise real encodes and the real store without the animatic's
drawing cost. ``FlakyBackend`` fails transiently a set number of times per
process; ``BrokenBackend`` fails for good on a chosen shot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest


class SolidBackend:
    name = "test-solid"
    version = "1"
    capabilities = Capabilities(text_to_image=True, image_to_video=True, prompt_family="sd")

    def identity(self, model: Any) -> dict[str, Any]:
        return {"model": "none"}

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        image = np.zeros((request.height, request.width, 3), np.uint8)
        image[..., 0] = request.seed % 251
        image[..., 1] = len(request.prompt) % 251
        image[: request.height // 2, :, 2] = 200
        return image

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        base = np.ascontiguousarray(request.keyframe[: request.height, : request.width])
        if base.shape[:2] != (request.height, request.width):
            base = np.resize(base, (request.height, request.width, 3)).astype(np.uint8)
        for index in range(request.frames):
            frame = base.copy()
            x = (index * 3) % request.width
            frame[:, x : x + 4] = 255
            yield frame


class FlakyBackend(SolidBackend):
    """Fails transiently the first FLAKY_FAILS clip calls of each process."""

    name = "test-flaky"
    calls = 0

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        from shotcraft.render.work import TransientJobError

        type(self).calls += 1
        if type(self).calls <= int(os.environ.get("FLAKY_FAILS", "1")):
            raise TransientJobError("device busy")
        yield from super().clip(request)


class BrokenBackend(SolidBackend):
    """Raises a plain exception (a backend bug) on every clip of shot s02."""

    name = "test-broken"

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        if request.shot_id == "s02":
            raise RuntimeError("kernel exploded")
        yield from super().clip(request)


class BrokenKeyframeBackend(SolidBackend):
    """Raises a plain exception on every keyframe of shot s02: its clips can never run."""

    name = "test-broken-keyframe"

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        if request.shot_id == "s02":
            raise RuntimeError("lens cracked")
        return super().keyframe(request)


class DeviceBackend(SolidBackend):
    """Declares one process per device; paints the pid of the process that drew it into its keyframes."""

    name = "test-device"
    capabilities = Capabilities(text_to_image=True, image_to_video=True, one_process_per_device=True)

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        pid = os.getpid()
        image = np.zeros((request.height, request.width, 3), np.uint8)
        image[...] = (pid & 0xFF, (pid >> 8) & 0xFF, (pid >> 16) & 0xFF)
        return image


class CrashingBackend(SolidBackend):
    """Kills its own worker process on the first clip ever (a segfault stand-in), then behaves."""

    name = "test-crashing"

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        marker = os.environ["CRASH_MARKER"]
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(139)
        yield from super().clip(request)
