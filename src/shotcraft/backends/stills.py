"""The ``stills`` backend: a still made elsewhere (Midjourney, a photo, a painting) as keyframe and clip.

The keyframe is the plan's still, cover-scaled and centre-cropped to the
requested size; the clip is that image moved by the shot's camera move, with
the same motion engine as the animatic (:mod:`shotcraft.backends.camera`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft.backends import camera
from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest
from shotcraft.errors import InputError
from shotcraft.files import read_input

#: still formats OpenCV decodes without extra codecs
STILL_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")


class StillsBackend:
    """Keyframe = the plan's still; clip = the still animated by the camera move."""

    name = "stills"
    version = "1.0"
    capabilities = Capabilities(
        text_to_image=True,  # "generates" a keyframe: the still named by the plan
        image_to_video=True,
        frame_counts="any",
        native_rates=(),
        resolution_multiple=2,
        deterministic=True,
        prompt_family="sd",
        keyframe_is_still=True,
        handles=True,
        clip_is_camera_move=True,
    )

    def identity(self, model: Any) -> dict[str, Any]:
        # the still's content hash travels in the request context (context["still_sha256"])
        return {"backend": self.name, "version": self.version, "model": None}

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        camera.check_size(request.shot_id, request.width, request.height)
        image = load_still(request.shot_id, request.context)
        return camera.cover_resize(image, (request.width, request.height))

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        camera.check_clip(request)
        shot = (request.context.get("plan") or {}).get("shot") or {}
        triggers = tuple(float(t.get("at", 0)) for t in shot.get("triggers") or [] if isinstance(t, dict))
        return camera.animate(
            request.keyframe,
            move=request.camera_move,
            frames=request.frames,
            fps=request.fps,
            motion=request.motion,
            seed=request.seed,
            output_size=(request.width, request.height),
            triggers=tuple(at + request.handles / float(request.fps) for at in triggers),  # plan time -> take time
        )


def load_still(shot_id: str, context: dict[str, Any]) -> np.ndarray:
    """Read ``context["still_path"]`` as RGB uint8; a missing, changed or undecodable file is an InputError."""
    raw = context.get("still_path")
    if not raw:
        raise InputError(f"shot {shot_id}: the stills backend needs a still image (set 'still:' on the shot)")
    path = Path(raw)
    if not path.exists():
        raise InputError(f"shot {shot_id}: still image not found: {path}")
    try:
        data = read_input(path, "image", where=f"shot {shot_id}", what="still image")
    except OSError as exc:
        raise InputError(f"shot {shot_id}: cannot read still image {path} ({exc.strerror or exc})") from None
    expected = context.get("still_sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise InputError(f"shot {shot_id}: still image {path} changed while rendering (its hash no longer matches)")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InputError(f"shot {shot_id}: {path} is not a readable image (expected one of {', '.join(STILL_SUFFIXES)})")
    return _to_rgb8(image)


def _to_rgb8(image: np.ndarray) -> np.ndarray:
    """Any decoded still (grey, BGR, BGRA, 16-bit) -> RGB uint8; transparency is laid over black."""
    if image.dtype == np.uint16:
        image = (image.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image.astype(np.float32) * (255.0 if image.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        alpha = image[..., 3:4].astype(np.float32) / 255.0
        image = (image[..., :3].astype(np.float32) * alpha + 0.5).astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
