"""Test material shared by the cloud provider tests: a real photograph as keyframe, an independent clip check."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image

from shotcraft.backends.remote.protocol import RemoteRequest

#: a sentinel credential: the scan tests prove it is written nowhere and printed nowhere
SENTINEL_KEY = "sk-SENTINEL-7f3a9c21-do-not-leak"


def keyframe(folder: Path, *, name: str = "keyframe.png", source: str = "astronaut", size: tuple[int, int] = (320, 180)) -> Path:
    """A real photograph from scikit-image, cropped to 16:9 and scaled to ``size``, as PNG."""
    import skimage.data

    picture = getattr(skimage.data, source)()
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=-1)
    height = picture.shape[1] * 9 // 16
    top = (picture.shape[0] - height) // 2
    cropped = Image.fromarray(np.ascontiguousarray(picture[top : top + height, :, :3]))
    path = folder / name
    cropped.resize(size, Image.Resampling.BILINEAR).save(path, format="PNG")
    return path


def request(first_frame: Path | None, *, model: str, duration: float, options: dict | None = None, **fields: object) -> RemoteRequest:
    values: dict = {"kind": "clip", "shot_id": "s1", "take": "A", "prompt": "a slow push-in on the astronaut, soft window light",
                    "negative_prompt": "text, watermark", "width": 256, "height": 144, "seed": 1234, "duration": duration,
                    "fps": Fraction(24), "frames": 72, "motion": 0.4, "model": model, "options": options or {},
                    "first_frame": first_frame}  # fmt: skip
    values.update(fields)
    return RemoteRequest(**values)


def ffmpeg_frames(path: Path) -> tuple[int, int, int]:
    """(frames, width, height) of a video as ffmpeg itself (imageio-ffmpeg's build) decodes it: an independent check."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    frames = int(re.findall(r"frame=\s*(\d+)", result.stderr)[-1])
    width, height = (int(v) for v in re.search(r"Video: .*?, (\d{2,5})x(\d{2,5})", result.stderr).groups())
    return frames, width, height


def poll_until_final(provider: object, task_id: str, *, limit: int = 20):  # noqa: ANN201
    """Poll directly (no sleeps: the fakes advance per read, not per second)."""
    for _ in range(limit):
        status = provider.poll(task_id)  # type: ignore[attr-defined]
        if status.state in ("succeeded", "failed", "refused"):
            return status
    raise AssertionError(f"task {task_id} did not end in {limit} polls")
