"""A service's output file read back as pictures: verified (it decodes, it holds frames) and conformed in time.

A downloaded file is trusted for nothing: an image must decode, a video must
probe and decode with at least one frame. Clips come back at the service's own
rate and length (Veo 24 fps for 8 s, a ComfyUI graph at 16 fps); they are
resampled to the plan's rate by nearest frame (the same rule as
``shotcraft.render.imports``' conform of imported clips, which sits above this
package), then cut to the frames the shot needs or, when the service returned
fewer, held on the last frame (said in the settings log).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft.backends.remote.protocol import ProviderError
from shotcraft.errors import InputError
from shotcraft.media.video import VideoInfo, probe, read_frames

IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"GIF8")


def is_image(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(16)
    return head.startswith(IMAGE_MAGICS) and not (head.startswith(b"RIFF") and head[8:12] == b"AVI ")


def original_ext(path: Path, *, what: str) -> str:
    """The extension a downloaded original is stored under, from its bytes (never from a URL or a header)."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"GIF8"):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if not head:
        raise ProviderError(f"{what}: the service's output is empty")
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return "bin"  # verified as video or image next, by decoding it


def read_still(path: Path, *, what: str) -> np.ndarray:
    """The image at ``path`` as HxWx3 RGB uint8 (a video's first frame when the service returned a clip)."""
    if not is_image(path):
        video = verify_video(path, what=what)
        return next(read_frames(video.path))
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ProviderError(f"{what}: the service's output does not decode as an image ({path.stat().st_size} bytes)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def verify_video(path: Path, *, what: str) -> VideoInfo:
    try:
        info = probe(path)
    except InputError as exc:
        raise ProviderError(f"{what}: the service's output is not a readable video ({exc})") from None
    if info.frames <= 0 or info.width <= 0 or info.height <= 0:
        raise ProviderError(f"{what}: the service's output holds no frames")
    return info


def conform_plan(info: VideoInfo, rate: Fraction, frames: int) -> dict[str, Any]:
    """What conforming does to a clip of ``info`` for ``frames`` at ``rate`` (recorded in the settings log)."""
    resampled = max(1, round(Fraction(info.frames) / info.rate * rate))
    steps = []
    if info.rate != rate:
        steps.append(f"time: {info.rate} fps to {rate} fps, nearest frame ({info.frames} to {resampled} frames)")
    if resampled > frames:
        steps.append(f"length: first {frames} of {resampled} frames")
    elif resampled < frames:
        steps.append(f"length: {resampled} frames, last frame held to {frames}")
    return {"source": {"width": info.width, "height": info.height, "rate": str(info.rate), "frames": info.frames, "codec": info.codec},
            "resampled": resampled, "frames": frames, "steps": steps}  # fmt: skip


def clip_frames(info: VideoInfo, rate: Fraction, frames: int) -> Iterator[np.ndarray]:
    """Exactly ``frames`` frames at ``rate``: nearest source frame at i / rate, the last one held if the clip is short."""
    wanted = [min(info.frames - 1, int(Fraction(i) * info.rate / rate + Fraction(1, 2))) for i in range(frames)]
    position, last = -1, None
    source = read_frames(info.path)
    for index in wanted:
        while position < index:
            following = next(source, None)
            if following is None:
                break
            last, position = following, position + 1
        if last is None:
            raise ProviderError(f"{info.path.name}: the service's output decodes to no frames")
        yield last
    for _ in source:  # decode to the end: a file broken after the last used frame is still refused
        pass
