"""Effective settings per shot and take: plan values over defaults over the seed's presets.

Every later stage (lint, prompts, render, edit) reads shots through here, so a
default is decided in exactly one place. Seeds are never random: a shot with
no seed gets one derived from the production and shot ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

from shotcraft.plan import presets
from shotcraft.plan.frame import default_keyframe_size
from shotcraft.plan.schema import Film, ModelSource, ServiceSettings, Shot
from shotcraft.timebase import seconds_to_frames


def derive_seed(*parts: str) -> int:
    """A stable 32-bit seed from text parts (same on every machine and Python)."""
    digest = hashlib.sha256("\x1f".join(("shotcraft-seed",) + parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def take_count(film: Film, shot: Shot) -> int:
    return shot.takes.count if shot.takes is not None else film.defaults.takes


def shot_seed(film: Film, shot: Shot) -> tuple[int | None, bool]:
    """(seed, derived?) for a shot; (None, False) when missing and derivation is off."""
    if shot.keyframe.seed is not None:
        return shot.keyframe.seed, False
    if film.defaults.keyframe.seed is not None:
        return film.defaults.keyframe.seed, False
    if not film.defaults.derive_seeds:
        return None, False
    return derive_seed(film.production.id, shot.id), True


@dataclass(frozen=True)
class TakeSpec:
    """One take of a shot: its label and the single variable that sets it apart."""

    label: str
    seed: int
    motion: float
    cfg: float
    prompt_variant: str | None
    varies: str  # "seed", "motion", "cfg" or "prompt": the one variable changed across takes


@dataclass(frozen=True)
class ResolvedShot:
    shot: Shot
    index: int
    fps: Fraction
    frames: int
    motion: float
    seed: int | None
    seed_derived: bool
    width: int
    height: int
    keyframe_width: int
    keyframe_height: int
    steps: int
    cfg: float
    sampler: str
    denoise: float
    keyframe_backend: str
    clip_backend: str
    keyframe_model: ModelSource | None
    clip_model: ModelSource | None
    takes: tuple[TakeSpec, ...]
    #: edit handles in the take's frames (defaults.handles film frames at this shot's rate), generated
    #: before and after ``frames`` where the clip backend can draw them (render.jobs decides)
    handle_frames: int = 0
    #: remote services (backends/remote): the shot's service block over the defaults', field by field
    keyframe_service: ServiceSettings | None = None
    clip_service: ServiceSettings | None = None

    @property
    def id(self) -> str:
        return self.shot.id

    @property
    def seconds(self) -> float:
        return self.frames / float(self.fps)


def default_motion(shot: Shot) -> float:
    """Midpoint of the shot type's motion range (the seed's table)."""
    low, high = presets.SHOT_TYPE_PRESETS[shot.type].motion
    return round((low + high) / 2, 3)


def resolve_shot(film: Film, shot: Shot, index: int | None = None) -> ResolvedShot:
    defaults = film.defaults
    if index is None:
        index = next(i for i, s in enumerate(film.shots) if s.id == shot.id)
    fps = shot.clip.fps or defaults.clip.fps or film.production.format.fps
    motion = shot.motion if shot.motion is not None else default_motion(shot)
    seed, derived = shot_seed(film, shot)
    cfg = _first(shot.keyframe.cfg, defaults.keyframe.cfg, presets.DEFAULT_CFG)
    width, height = film.production.format.resolution
    kf_w, kf_h = _first(shot.keyframe.resolution, defaults.keyframe.resolution, default_keyframe_size((width, height)))
    keyframe_backend = _first(shot.keyframe.backend, defaults.keyframe.backend, "animatic")
    if shot.still is not None and shot.keyframe.backend is None:
        keyframe_backend = "stills"
    clip_backend = _first(shot.clip.backend, defaults.clip.backend, "animatic")
    if shot.still is not None and shot.clip.backend is None and defaults.clip.backend in (None, "animatic"):
        clip_backend = "stills"
    takes = _takes(film, shot, seed, motion, cfg)
    return ResolvedShot(
        shot=shot,
        index=index,
        fps=fps,
        frames=max(1, seconds_to_frames(shot.duration, fps)),
        motion=motion,
        seed=seed,
        seed_derived=derived,
        width=width,
        height=height,
        keyframe_width=kf_w,
        keyframe_height=kf_h,
        steps=_first(shot.keyframe.steps, defaults.keyframe.steps, presets.DEFAULT_STEPS),
        cfg=cfg,
        sampler=_first(shot.keyframe.sampler, defaults.keyframe.sampler, presets.DEFAULT_SAMPLER),
        denoise=_first(shot.keyframe.denoise, defaults.keyframe.denoise, presets.DEFAULT_DENOISE),
        keyframe_backend=keyframe_backend,
        clip_backend=clip_backend,
        keyframe_model=shot.keyframe.model or defaults.keyframe.model,
        clip_model=shot.clip.model or defaults.clip.model,
        takes=takes,
        handle_frames=seconds_to_frames(Fraction(defaults.handles) / film.production.format.fps, fps),
        keyframe_service=merge_service(defaults.keyframe.service, shot.keyframe.service),
        clip_service=merge_service(defaults.clip.service, shot.clip.service),
    )


def merge_service(default: ServiceSettings | None, shot: ServiceSettings | None) -> ServiceSettings | None:
    """The shot's service fields over the defaults' (options and mapping merged key by key)."""
    if default is None or shot is None:
        return shot or default
    merged = default.model_dump()
    for name in shot.model_fields_set:
        value = getattr(shot, name)
        merged[name] = {**merged[name], **value} if name in ("options", "mapping") else value
    return ServiceSettings.model_validate(merged)


def resolve_shots(film: Film) -> list[ResolvedShot]:
    return [resolve_shot(film, shot, index) for index, shot in enumerate(film.shots)]


def _first(*values):
    for value in values:
        if value is not None:
            return value
    raise ValueError("no value")


def _takes(film: Film, shot: Shot, seed: int | None, motion: float, cfg: float) -> tuple[TakeSpec, ...]:
    count = take_count(film, shot)
    vary = shot.takes.vary if shot.takes is not None else "seed"
    values = list(shot.takes.values) if shot.takes is not None else []
    base_seed = seed if seed is not None else 0
    takes = []
    for number in range(count):
        label = presets.TAKE_LABELS[number]
        take_seed, take_motion, take_cfg, variant = base_seed, motion, cfg, None
        if vary == "seed" and number > 0:
            take_seed = derive_seed(film.production.id, shot.id, str(base_seed), label)
        elif vary != "seed" and number < len(values):
            value = values[number]
            if vary == "motion" and isinstance(value, (int, float)):
                take_motion = float(value)
            elif vary == "cfg" and isinstance(value, (int, float)):
                take_cfg = float(value)
            elif vary == "prompt":
                variant = str(value)
        takes.append(TakeSpec(label, take_seed, take_motion, take_cfg, variant, vary))
    return tuple(takes)
