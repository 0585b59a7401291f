"""Clip settings per video model: motion strength, frame counts, generation size and the fps conform.

Torch-free tables and arithmetic, so they are documented (docs/models.md) and
tested exactly. Times are exact fractions; frame ``j`` of the plan's clip is at
``j / fps`` seconds from the keyframe.

Frame counts: each model generates a count it was trained on (Wan ``4k+1`` at
16 fps, LTX-Video ``8k+1`` at the plan's rate, CogVideoX ``8k+1`` at 8 fps,
SVD its fixed 14 or 25). We take the smallest valid count whose span reaches
the clip's last frame time, so no frame is ever extrapolated.

Conform to the plan's fps, method ``blend`` (default): frame ``j`` sits at source
position ``p = j * native_fps / fps``; it is the time-weighted mix of source
frames ``floor(p)`` and ``floor(p) + 1`` (an exact copy when ``p`` is whole).
Why: 16 -> 24 fps is a 2:3 ratio, and nearest-frame retiming shows each source
frame once or twice in a 1-2 cadence, a visible judder on slow camera moves, the
seed's typical shot; a mix keeps the motion even, at the cost of a faint ghost
on fast motion, which the seed's low motion strengths (0.2-0.55) rarely have.
``nearest`` (options: ``conform: nearest``) keeps every frame a real generated
frame, for users who prefer judder to ghosting.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from shotcraft.backends.diffusers_sources import ModelSourceError


@dataclass(frozen=True)
class VideoModelSpec:
    family: str
    pipeline: str
    #: "4k+1", "8k+1" or "fixed" (the UNet's trained frame count: SVD 14, SVD-XT 25)
    frame_rule: str
    #: rate the model was trained at; None means it generates at the plan's rate (LTX-Video's frame_rate input)
    native_fps: Fraction | None
    #: generation size budget: a request larger than this area is generated at this area, same aspect
    default_size: tuple[int, int]
    #: width and height of the generated video must be multiples of this
    multiple: int
    default_guidance: float
    first_last_frame: bool
    motion_knob: str  # what motion strength drives, for the docs table


VIDEO_MODELS: dict[str, VideoModelSpec] = {
    "svd": VideoModelSpec("svd", "StableVideoDiffusionPipeline", "fixed", None, (1024, 576), 64, 3.0, False,
                          "motion_bucket_id = 1 + round(254 * m) (127 = m 0.5); fps conditioning = native rate"),
    "wan": VideoModelSpec("wan", "WanImageToVideoPipeline", "4k+1", Fraction(16), (832, 480), 16, 5.0, True,
                          "prompt wording (below); guidance from the plan's cfg, else 5.0"),
    "ltx": VideoModelSpec("ltx", "LTXConditionPipeline", "8k+1", None, (768, 512), 32, 3.0, True,
                          "image_cond_noise_scale = 0.05 + 0.25 * m, and prompt wording"),
    "cogvideox": VideoModelSpec("cogvideox", "CogVideoXImageToVideoPipeline", "8k+1", Fraction(8), (720, 480), 16, 6.0,
                                False, "prompt wording; guidance from the plan's cfg, else 6.0"),
}

#: motion strength -> a sentence appended to prose prompts (upper bound exclusive, last row catches the rest)
MOTION_WORDING: tuple[tuple[float, str], ...] = (
    (0.15, "The scene is almost still, with only minimal movement."),
    (0.35, "Subtle, slow movement."),
    (0.55, "Moderate, natural movement."),
    (0.75, "Lively movement."),
    (1.01, "Fast, energetic movement."),
)
#: added to the negative prompt under this motion strength, so calm shots stay calm
CALM_BELOW = 0.35
CALM_NEGATIVE = "fast motion, shaky camera, sudden movement, morphing"


def motion_wording(motion: float) -> str:
    for upper, text in MOTION_WORDING:
        if motion < upper:
            return text
    return MOTION_WORDING[-1][1]


def motion_settings(family: str, motion: float, cfg: float | None) -> dict[str, Any]:
    """The model's own knobs for a motion strength 0..1 (the documented table)."""
    if not 0.0 <= motion <= 1.0:
        raise ModelSourceError(f"motion strength {motion} is outside 0..1")
    spec = VIDEO_MODELS[family]
    guidance = float(cfg) if cfg is not None else spec.default_guidance
    if family == "svd":
        # SVD's guidance ramps from min to max over the frames; the plan's cfg sets the top of the ramp
        return {"motion_bucket_id": 1 + round(254 * motion), "noise_aug_strength": 0.02,
                "min_guidance_scale": 1.0, "max_guidance_scale": guidance}
    settings: dict[str, Any] = {"guidance_scale": guidance, "prompt_suffix": motion_wording(motion),
                                "negative_suffix": CALM_NEGATIVE if motion < CALM_BELOW else ""}
    if family == "ltx":
        settings["image_cond_noise_scale"] = round(0.05 + 0.25 * motion, 4)
    return settings


def native_frame_count(spec: VideoModelSpec, frames: int, fps: Fraction, native_fps: Fraction,
                       fixed_count: int | None = None) -> int:
    """Smallest valid count for the model whose span covers the clip (last frame at (frames-1)/fps)."""
    if frames < 1:
        raise ModelSourceError(f"a clip needs at least one frame, found {frames}")
    if spec.frame_rule == "fixed":
        if not fixed_count:
            raise ModelSourceError(f"{spec.family} model has no trained frame count in its config")
        return fixed_count
    step = int(spec.frame_rule.split("k")[0])
    needed = math.ceil(Fraction(frames - 1) * native_fps / fps) + 1
    return step * math.ceil((needed - 1) / step) + 1


def native_rate(spec: VideoModelSpec, frames: int, fps: Fraction, native_count: int,
                override: Fraction | None = None) -> Fraction:
    """The rate the generated frames stand for. SVD's fixed count is spread over the clip's duration."""
    if override is not None:
        return override
    if spec.frame_rule == "fixed":
        if frames <= 1:
            return Fraction(fps)
        return Fraction(native_count - 1) * fps / (frames - 1)
    return spec.native_fps if spec.native_fps is not None else Fraction(fps)


def source_positions(frames: int, fps: Fraction, native_fps: Fraction) -> list[Fraction]:
    """Exact source position (in native frames) of each output frame."""
    return [Fraction(j) * native_fps / fps for j in range(frames)]


def conform(native: Sequence[np.ndarray], native_fps: Fraction, fps: Fraction, frames: int,
            method: str = "blend") -> Iterator[np.ndarray]:
    """Yield exactly ``frames`` uint8 frames at ``fps`` from frames generated at ``native_fps``."""
    if method not in ("blend", "nearest"):
        raise ModelSourceError(f"conform method '{method}' is unknown; use 'blend' or 'nearest'")
    last = len(native) - 1
    for position in source_positions(frames, fps, native_fps):
        if method == "nearest":
            index = min(last, math.floor(position + Fraction(1, 2)))
            yield native[index]
            continue
        index = min(last, math.floor(position))
        weight = position - index
        if weight == 0 or index >= last:
            yield native[index]
            continue
        mixed = native[index].astype(np.float32) * float(1 - weight) + native[index + 1].astype(np.float32) * float(weight)
        yield np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def generation_size(spec: VideoModelSpec, width: int, height: int, options: dict[str, Any]) -> tuple[int, int]:
    """Size the model generates at: the request's aspect within the model's area budget, on its multiple.

    ``options: {resolution: 1280x720}`` forces a size (still rounded to the multiple).
    """
    forced = options.get("resolution")
    if forced:
        try:
            width, height = (int(v) for v in str(forced).lower().split("x"))
        except ValueError:
            raise ModelSourceError(f"model option resolution '{forced}' is not WIDTHxHEIGHT") from None
        scale = 1.0
    else:
        budget = spec.default_size[0] * spec.default_size[1]
        scale = min(1.0, math.sqrt(budget / (width * height)))
    multiple = spec.multiple
    out_w = max(multiple, round(width * scale / multiple) * multiple)
    out_h = max(multiple, round(height * scale / multiple) * multiple)
    return out_w, out_h
