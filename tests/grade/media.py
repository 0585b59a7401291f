"""Synthetic takes and cuts for the grade and delivery tests (real encodes through PyAV)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.media.video import VideoWriter
from shotcraft.plan.loader import LoadedPlan, load_plan_text

SKIN = (0.80, 0.58, 0.46)  # a light skin tone in display RGB
NO_GRAIN = "charters:\n  texture:\n    grain: none\n"
CYAN_CAST = (0.65, 1.0, 1.12)  # linear-light gains: red pulled down, blue up
COOL = (0.85, 1.0, 1.2)  # daylight as the plan wants it (cool)
WARM = (1.5, 1.0, 0.55)  # firelight
GREEN_MAGENTA = (1.12, 0.82, 1.1)  # an unintended magenta cast on top of the daylight


def scene_frame(width: int, height: int, index: int = 0, cast: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """A frame with a grey ramp, coloured patches, a skin patch and slow motion; ``cast`` = linear-light gains."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    shift = index * 2
    base = np.stack(
        [0.15 + 0.6 * ((x + shift) / width), 0.2 + 0.5 * (y / height), 0.25 + 0.4 * (1 - (x + shift) / width)], axis=-1
    )
    base[: height // 4, :, :] = (x[: height // 4, :, None] / width) * 0.9 + 0.05  # grey ramp across the top
    patches = [(0.7, 0.2, 0.2), (0.2, 0.6, 0.25), (0.2, 0.3, 0.7), SKIN, (0.85, 0.8, 0.3), (0.45, 0.45, 0.45)]
    size = width // (len(patches) + 1)
    for number, colour in enumerate(patches):
        left = number * size + size // 2
        base[height // 2 : height // 2 + height // 4, left : left + size - 4] = colour
    linear = np.where(base <= 0.04045, base / 12.92, ((base + 0.055) / 1.055) ** 2.4) * np.asarray(cast)
    encoded = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * np.clip(linear, 0, None) ** (1 / 2.4) - 0.055)
    return np.clip(np.rint(encoded * 255), 0, 255).astype(np.uint8)


def write_take(path: Path, frames: int, width: int = 320, height: int = 180, rate: int = 24, cast=(1.0, 1.0, 1.0)) -> Path:
    with VideoWriter(path, width, height, Fraction(rate), encoder="take", options={"crf": "4"}) as writer:
        for index in range(frames):
            writer.write(scene_frame(width, height, index, cast))
    return path


def write_still_take(path: Path, image: np.ndarray, frames: int, rate: int = 24) -> Path:
    """A take that holds one (H, W, 3) uint8 image (a photograph) for ``frames`` frames, near-lossless."""
    height, width = image.shape[:2]
    with VideoWriter(path, width, height, Fraction(rate), encoder="take", options={"crf": "4"}) as writer:
        for _ in range(frames):
            writer.write(image)
    return path


def with_cast(image: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """Plant a cast (or an exposure change): linear-light gains on an 8-bit sRGB image."""
    from shotcraft.grade import ops

    return np.clip(np.rint(ops.to_encoded(ops.to_linear(image / 255.0) * np.asarray(gains)) * 255), 0, 255).astype(np.uint8)


def write_wav(path: Path, seconds: float, rate: int = 48000) -> Path:
    t = np.arange(int(round(seconds * rate))) / rate
    tone = 0.2 * np.sin(2 * np.pi * 440 * t)
    soundfile.write(str(path), np.stack([tone, tone], axis=1), rate, subtype="PCM_24")
    return path


def plan_text(shot_ids: list[str], *, grade: str = "", shot_grade: dict[str, str] | None = None, extra: str = "",
              shot_extra: dict[str, str] | None = None) -> str:
    """A plan of medium-action shots in one street; ``shot_extra`` adds YAML lines to a shot (``type: ...`` replaces its type)."""
    shots = []
    for shot_id in shot_ids:
        more = (shot_extra or {}).get(shot_id, "")
        kind = "" if "type:" in more else "    type: medium-action\n"
        block = f"  - id: {shot_id}\n{kind}    location: street\n    duration: 1\n" + "".join(f"    {line}\n" for line in more.splitlines())
        if shot_grade and shot_id in shot_grade:
            block += f"    grade: {shot_grade[shot_id]}\n"
        shots.append(block)
    return (
        "schema_version: 2\nproduction:\n  id: testfilm\n  title: Test Film\n  format:\n    resolution: 320x180\n    fps: 24\n"
        "locations:\n  - id: street\n    description: a street\n"
        + (f"grade: {grade}\n" if grade else "")
        + extra
        + "shots:\n"
        + "".join(shots)
    )


def make_plan(folder: Path, text: str) -> LoadedPlan:
    path = folder / "film.yaml"
    path.write_text(text)
    return load_plan_text(text, file=str(path), path=path)


def make_cut(takes: dict[str, Path], frames: int, width: int = 320, height: int = 180, rate: int = 24) -> Timeline:
    events = []
    record = 0
    for shot_id, clip in takes.items():
        events.append(
            CutEvent(shot_id=shot_id, take="a", clip_path=clip, source_in=0, duration=frames, record_in=record, take_frames=frames, location="street")
        )
        record += frames
    return Timeline(title="Test Film", rate=Fraction(rate), width=width, height=height, events=tuple(events))
