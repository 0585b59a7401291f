"""The cross-shot grade: one baked LUT and one grain setting per shot of the cut.

``plan_grade(plan, timeline)`` measures the picked takes, matches each shot to
its reference, composes every colour operation (and the plan's look .cube,
last) into one 3D LUT per shot, and returns a :class:`GradePlan` whose
``transform`` is what the edit's ``render_frames(timeline, transform=...)``
and the delivery call on every frame.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.grade import grain as grain_mod
from shotcraft.grade import match as match_mod
from shotcraft.grade.lut import Lut3D, bake, expand_to_table, read_cube, write_cube
from shotcraft.grade.ops import ShotOps
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import derive_seed
from shotcraft.plan.schema import Film, GradeSettings

CACHED_SHOTS = 2  # a dissolve needs two shots' tables at once; more would only hold memory


@dataclass(frozen=True)
class ShotGrade:
    """One shot's grade as parameters; the LUT is baked on demand (memory stays flat in film length)."""

    shot_id: str
    ops: ShotOps
    grain: grain_mod.GrainSettings
    reference: str | None  # the shot this one is matched to (None: not matched)
    match: match_mod.Match | None = None
    lut_size: int = 33
    look: Lut3D | None = field(default=None, repr=False)  # the plan's look, applied last

    def colour(self, rgb: np.ndarray) -> np.ndarray:
        """Every colour operation of the shot, in order, the look last: (M, 3) -> (M, 3)."""
        graded = self.ops(rgb)
        return graded if self.look is None else self.look(graded)

    @property
    def lut(self) -> Lut3D:
        return bake(self.colour, self.lut_size, title=self.shot_id)

    @property
    def table_key(self) -> tuple[ShotOps, int, int]:
        """Shots whose grades are equal share one expanded table."""
        return (self.ops, self.lut_size, id(self.look))

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "exposure": self.ops.exposure,
            "contrast": self.ops.contrast,
            "saturation": self.ops.saturation,
            "temperature": self.ops.temperature,
            "tint": self.ops.tint,
            "skin_protect": self.ops.skin_protect,
            "reference": self.reference,
            "grain": {"strength": self.grain.strength, "size": self.grain.size, "seed": self.grain.seed},
        }
        if self.match is not None:
            data["match"] = {
                "neutralize_gains": [round(v, 4) for v in self.match.neutralize_gains],
                "reference_gains": [round(v, 4) for v in self.match.reference_gains],
                "delta_e_before": round(self.match.delta_e_before, 2),
                "delta_e_after": round(self.match.delta_e_after, 2),
            }
        return data


@dataclass
class GradePlan:
    """Per-shot baked LUTs and grain; ``transform`` grades one 8-bit RGB frame."""

    shots: dict[str, ShotGrade]
    lut_size: int
    look: Path | None = None
    _tables: OrderedDict[tuple, np.ndarray] = field(default_factory=OrderedDict, repr=False)
    _banks: OrderedDict[tuple[str, int, int], grain_mod.GrainBank] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def transform(self, shot_id: str, frame_index: int, frame: np.ndarray) -> np.ndarray:
        """Grade (H, W, 3) uint8 RGB: the shot's LUT, then its grain. Thread-safe, cheap after the first frame."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) uint8 frame, found {frame.dtype} {frame.shape}")
        table, bank = self._prepared(shot_id, frame.shape[1], frame.shape[0])
        from shotcraft.grade.lut import apply_table

        return bank.apply(apply_table(table, frame), frame_index)

    def _prepared(self, shot_id: str, width: int, height: int) -> tuple[np.ndarray, grain_mod.GrainBank]:
        with self._lock:
            try:
                grade = self.shots[shot_id]
            except KeyError:
                raise InputError(f"grade: shot {shot_id!r} is not in the grade plan") from None
            lut_key = grade.table_key
            table = self._tables.get(lut_key)
            if table is None:
                table = expand_to_table(grade.lut, grain_mod.luminance_weight)
                self._tables[lut_key] = table
                while len(self._tables) > CACHED_SHOTS:
                    self._tables.popitem(last=False)
            self._tables.move_to_end(lut_key)
            key = (shot_id, width, height)
            bank = self._banks.get(key)
            if bank is None:
                bank = grain_mod.GrainBank(grade.grain, width, height)
                self._banks[key] = bank
                while len(self._banks) > CACHED_SHOTS:
                    self._banks.popitem(last=False)
            self._banks.move_to_end(key)
            return table, bank

    def report(self) -> dict[str, Any]:
        return {
            "lut_size": self.lut_size,
            "look": str(self.look) if self.look else None,
            "shots": {shot_id: grade.report() for shot_id, grade in self.shots.items()},
        }


def plan_grade(plan: LoadedPlan | Film, timeline: Timeline, *, sample_frames: int = match_mod.SAMPLE_FRAMES) -> GradePlan:
    """Measure, match and bake the grade of every shot in the cut."""
    # 1. Check inputs
    film, root, file = _film_of(plan)
    if not timeline.events:
        raise InputError(f"{file}: the cut has no shots to grade")
    shots = {shot.id: shot for shot in film.shots}
    for event in timeline.events:
        if event.shot_id not in shots:
            raise InputError(f"{file}: shot {event.shot_id!r} of the cut is not in the plan")
    look = None
    look_path = None
    if film.grade.look is not None:
        look_path = film.grade.look if film.grade.look.is_absolute() else root / film.grade.look
        look = read_cube(look_path)  # CubeError names the file and line

    # 2. Resolve settings and references
    settings = {event.shot_id: _merged(film.grade, shots[event.shot_id].grade) for event in timeline.events}
    references = {event.shot_id: _reference_of(film, timeline, event, settings[event.shot_id], file) for event in timeline.events}

    # 3. Measure the references (after their own primaries); kept, as several shots match to each
    samples: dict[str, np.ndarray] = {}
    for shot_id in dict.fromkeys(ref for sid, ref in references.items() if ref is not None and ref != sid):
        samples[shot_id] = _measure(timeline, shot_id, settings[shot_id], sample_frames)

    # 4. Match each shot (its samples are dropped right after) and keep its grade as parameters
    seed_root = film.production.id
    graded: dict[str, ShotGrade] = {}
    for event in timeline.events:
        shot_id = event.shot_id
        ops = _base_ops(settings[shot_id])
        reference = references[shot_id]
        matched = None
        if reference is not None and reference != shot_id:
            own = samples.get(shot_id)
            if own is None:
                own = _measure(timeline, shot_id, settings[shot_id], sample_frames)
            matched = match_mod.match_to_reference(own, samples[reference])
            ops = replace(ops, neutralize_gains=matched.neutralize_gains, reference_gains=matched.reference_gains, transfer=matched.transfer)
        seed = derive_seed(seed_root, shot_id, "grain" if event.seed is None else f"grain:{event.seed}")
        graded[shot_id] = ShotGrade(
            shot_id=shot_id,
            ops=ops,
            grain=grain_mod.GrainSettings.from_texture(film.charters.texture, seed),
            reference=reference,
            match=matched,
            lut_size=film.grade.lut_size,
            look=look,
        )
    return GradePlan(shots=graded, lut_size=film.grade.lut_size, look=look_path)


def _measure(timeline: Timeline, shot_id: str, settings: GradeSettings, sample_frames: int) -> np.ndarray:
    event = timeline.event(shot_id)
    try:
        pixels = match_mod.sample_take(event.clip_path, event.source_in, event.duration, count=sample_frames)
    except ValueError as exc:
        raise InputError(f"grade: shot {shot_id!r}: {exc}") from None
    return _base_ops(settings).primaries(pixels)


def export_cubes(grade_plan: GradePlan, folder: str | Path) -> list[Path]:
    """One ``<shot>.cube`` per shot (what Resolve loads on each clip); returns the paths written."""
    folder = Path(folder)
    return [write_cube(grade.lut, folder / f"{shot_id}.cube") for shot_id, grade in grade_plan.shots.items()]


def format_grade_report(grade_plan: GradePlan) -> str:
    """One line per shot: reference, cast removed, distance to the reference before/after, grain."""
    lines = [f"grade: {len(grade_plan.shots)} shots, {grade_plan.lut_size}-point LUTs" + (f", look {grade_plan.look}" if grade_plan.look else "")]
    for shot_id, grade in grade_plan.shots.items():
        if grade.match is not None:
            matched = f"matched to {grade.reference}: dE {grade.match.delta_e_before:.1f} -> {grade.match.delta_e_after:.1f}"
        elif grade.reference == shot_id:
            matched = "reference"
        else:
            matched = "not matched"
        trims = ", ".join(
            f"{name} {value:+.2f}"
            for name, value in (("exposure", grade.ops.exposure), ("contrast", grade.ops.contrast), ("temperature", grade.ops.temperature), ("tint", grade.ops.tint))
            if value
        )
        grain = f"grain {grade.grain.strength:.1f}" if grade.grain.enabled else "no grain"
        lines.append(f"  {shot_id:<12} {matched}" + (f"; {trims}" if trims else "") + f"; {grain}")
    return "\n".join(lines)


# --- helpers ------------------------------------------------------------------------


def _film_of(plan: LoadedPlan | Film) -> tuple[Film, Path, str]:
    if isinstance(plan, LoadedPlan):
        return plan.film, plan.root, plan.file
    return plan, Path.cwd(), "film.yaml"


def _merged(film_grade: GradeSettings, shot_grade: GradeSettings) -> GradeSettings:
    """Shot values over film values, field by field."""
    data = film_grade.model_dump(include=set(GradeSettings.model_fields))
    data.update(shot_grade.model_dump(exclude_none=True))
    return GradeSettings.model_validate(data)


def _base_ops(settings: GradeSettings) -> ShotOps:
    return ShotOps(
        exposure=settings.exposure or 0.0,
        contrast=settings.contrast or 0.0,
        skin_protect=settings.skin_protect if settings.skin_protect is not None else 0.5,
        saturation=settings.saturation if settings.saturation is not None else 1.0,
        temperature=settings.temperature or 0.0,
        tint=settings.tint or 0.0,
    )


def _reference_of(film: Film, timeline: Timeline, event: CutEvent, settings: GradeSettings, file: str) -> str | None:
    """The shot this one is harmonized to, or None when matching is off."""
    if settings.match is False:
        return None
    if settings.reference is not None:
        in_cut = {e.shot_id for e in timeline.events}
        if settings.reference not in in_cut:
            raise InputError(f"{file}: grade reference {settings.reference!r} (for shot {event.shot_id!r}) is not in the cut")
        return settings.reference
    location = event.location or _plan_location(film, event.shot_id)
    for candidate in timeline.events:  # the first shot of the scene (same location)
        if (candidate.location or _plan_location(film, candidate.shot_id)) == location:
            return candidate.shot_id
    return timeline.events[0].shot_id


def _plan_location(film: Film, shot_id: str) -> str | None:
    try:
        return film.shot(shot_id).location
    except KeyError:
        return None
