"""The cross-shot grade: one baked LUT, one ASC CDL and one grain setting per shot of the cut.

``plan_grade(plan, timeline)`` measures the picked takes, decides each
shot's corrections in the seed's order (:mod:`shotcraft.grade.correct`:
exposure toward the shot's intent measured on its subject, harmonization to
its light group's reference, secondary skin, grain), composes them (and the
plan's look .cube, last, through OpenColorIO) into one 3D LUT per shot, and
returns a :class:`GradePlan` whose ``transform`` is what the edit's
``render_frames(timeline, transform=...)`` and the delivery call on every
frame. Every correction's bound, and every bound reached, is in
:meth:`GradePlan.report` (``flags``), which the manifest and QA read.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft import files
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.grade import correct
from shotcraft.grade import grain as grain_mod
from shotcraft.grade import measure
from shotcraft.grade.cdl import CDL
from shotcraft.grade.intent import FACE_TYPES, MATERIAL_TYPES, WIDE_TYPES, ExposureIntent, LightIntent, exposure_intent, shot_light_intent
from shotcraft.grade.lut import Lut3D, LookTransform, bake, expand_to_table
from shotcraft.grade.ops import LUMA_709, ShotOps, soft_contrast
from shotcraft.grade.take_cache import TakeCache, TakeMeasure, decision_key, measure_key, stats_key
from shotcraft.media.video import read_frames
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.presets import ShotType
from shotcraft.plan.resolve import derive_seed
from shotcraft.plan.schema import Film, GradeSettings, Shot

CACHED_SHOTS = 2  # a dissolve needs two shots' tables at once; more would only hold memory
GRAIN_CROP = 512  # grain is measured on a full-resolution centre crop (downscaling would average it away)


@dataclass(frozen=True)
class ShotGrade:
    """One shot's grade as parameters; the LUT is baked on demand (memory stays flat in film length)."""

    shot_id: str
    ops: ShotOps
    grain: grain_mod.GrainSettings
    reference: str | None  # the shot this one is harmonized to (None: not harmonized; itself: the reference)
    lut_size: int = 33
    look: LookTransform | None = field(default=None, repr=False)  # the plan's look, applied last
    light: LightIntent | None = None
    intent: ExposureIntent | None = None
    subject: str = ""  # how the subject was found: faces, skin, key region
    corrections: tuple[correct.Correction, ...] = ()
    flags: tuple[correct.GradeFlag, ...] = ()
    before: measure.ShotStats | None = None
    after: measure.ShotStats | None = None
    anchor: _Anchor | None = field(default=None, repr=False)  # graded (before the look): neutral estimates, saturation, contrast
    take_sha: str = field(default="", repr=False)  # the graded take's content ("" without the cache)

    def colour(self, rgb: np.ndarray) -> np.ndarray:
        """Every colour operation of the shot, in order, the look last: (M, 3) -> (M, 3)."""
        return self.ops(rgb, self.look)

    @property
    def cdl(self) -> CDL:
        """The primary correction as an ASC CDL (what the .cdl, the .ccc and the EDL carry)."""
        return self.ops.cdl

    @property
    def lut(self) -> Lut3D:
        return bake(self.colour, self.lut_size, title=self.shot_id)

    @property
    def table_key(self) -> tuple[ShotOps, int, int]:
        """Shots whose grades are equal share one expanded table."""
        return (self.ops, self.lut_size, id(self.look))

    def correction(self, name: str) -> correct.Correction | None:
        return next((c for c in self.corrections if c.name == name), None)

    def report(self) -> dict[str, Any]:
        cdl = self.cdl
        data: dict[str, Any] = {
            "reference": self.reference,
            "light": {"group": self.light.group, "reason": self.light.reason, "own": self.light.own} if self.light else None,
            "intent": {"subject": self.intent.subject, "kind": self.intent.kind, "range": [self.intent.low, self.intent.high], "why": self.intent.why}
            if self.intent else None,
            "subject": self.subject,
            "cdl": {"slope": list(cdl.slope), "offset": list(cdl.offset), "power": list(cdl.power), "saturation": cdl.saturation},
            "contrast": round(self.ops.contrast, 4),
            "contrast_pivot": round(self.ops.contrast_pivot, 4),
            "skin_hue_shift": round(self.ops.skin_hue_shift, 3),
            "skin_protect": self.ops.skin_protect,
            "corrections": {c.name: c.to_dict() for c in self.corrections},
            "grain": {"strength": round(self.grain.strength, 3), "size": self.grain.size, "seed": self.grain.seed},
            "flags": [flag.to_dict() for flag in self.flags],
        }
        if self.before is not None and self.after is not None:
            data["before"], data["after"] = self.before.to_dict(), self.after.to_dict()
            data["exposure_stops"] = round(measure.stops_between(self.before.level, self.after.level), 3)
            data["cast_removed_de2000"] = round(self.before.cast_against(self.after), 2)
        return data


@dataclass
class GradePlan:
    """Per-shot baked LUTs and grain; ``transform`` grades one 8-bit RGB frame."""

    shots: dict[str, ShotGrade]
    lut_size: int
    look: Path | None = None
    continuity: list[dict[str, Any]] = field(default_factory=list)  # consecutive shots, before/after
    takes_measured: int = 0  # takes measured in this plan (the rest came from the grade cache)
    takes_reused: int = 0
    stats_measured: int = 0  # graded statistics measured (the rest came from the grade cache: their shot's decisions did not change)
    stats_reused: int = 0
    _tables: OrderedDict[tuple, np.ndarray] = field(default_factory=OrderedDict, repr=False)
    _banks: OrderedDict[tuple[str, int, int], grain_mod.GrainBank] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    cache: TakeCache | None = field(default=None, repr=False)  # the project's grade cache (the report's thumbnails)
    _baking: dict[tuple, Future] = field(default_factory=dict, repr=False, compare=False)  # tables being baked, by table key
    _parent: GradePlan | None = field(default=None, repr=False, compare=False)  # the plan whose tables this one reads (with_own_tables)
    _look_sha256: str | None = field(default=None, repr=False, compare=False)  # the look's content (shot_identity)

    @property
    def flags(self) -> list[correct.GradeFlag]:
        """Every correction at its bound or large, shot by shot: what QA and the report show."""
        return [flag for grade in self.shots.values() for flag in grade.flags]

    def transform(self, shot_id: str, frame_index: int, frame: np.ndarray) -> np.ndarray:
        """Grade (H, W, 3) uint8 RGB: the shot's LUT, then its grain. Thread-safe, cheap after the first frame."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) uint8 frame, found {frame.dtype} {frame.shape}")
        table, bank = self._prepared(shot_id, frame.shape[1], frame.shape[0])
        from shotcraft.grade.lut import apply_table

        return bank.apply(apply_table(table, frame), frame_index)

    def with_own_tables(self) -> GradePlan:
        """The same grade with a cache of baked tables of its own, reading this plan's: a second thread grading other
        shots (the QA's graded cuts beside the encodes) would otherwise evict the tables the encoders use (two are
        kept), while a table this plan holds or is baking is taken, not baked twice."""
        return replace(self, _tables=OrderedDict(), _banks=OrderedDict(), _lock=threading.Lock(), _baking={}, _parent=self)

    def _prepared(self, shot_id: str, width: int, height: int) -> tuple[np.ndarray, grain_mod.GrainBank]:
        with self._lock:
            try:
                grade = self.shots[shot_id]
            except KeyError:
                raise InputError(f"grade: shot {shot_id!r} is not in the grade plan") from None
            key = (shot_id, width, height)
            bank = self._banks.get(key)
            if bank is None:
                bank = grain_mod.GrainBank(grade.grain, width, height)
                self._banks[key] = bank
                while len(self._banks) > CACHED_SHOTS:
                    self._banks.popitem(last=False)
            self._banks.move_to_end(key)
        return self._table(grade), bank

    def _table(self, grade: ShotGrade) -> np.ndarray:
        """The shot's 256^3 table, baked once (~0.1 s) outside the lock: another shot's frames are not held up."""
        lut_key = grade.table_key
        with self._lock:
            table = self._tables.get(lut_key)
            if table is not None:
                self._tables.move_to_end(lut_key)
                return table
            baking = self._baking.get(lut_key)
            mine = baking is None
            if mine:
                baking = self._baking[lut_key] = Future()
        if not mine:
            return baking.result()  # another thread is baking it
        try:
            table = self._parent._held_table(lut_key) if self._parent is not None else None
            if table is None:
                table = expand_to_table(grade.lut, grain_mod.luminance_weight)
        except BaseException as exc:
            with self._lock:
                del self._baking[lut_key]
            baking.set_exception(exc)
            raise
        with self._lock:
            self._tables[lut_key] = table
            while len(self._tables) > CACHED_SHOTS:
                self._tables.popitem(last=False)
            del self._baking[lut_key]
        baking.set_result(table)
        return table

    def _held_table(self, lut_key: tuple) -> np.ndarray | None:
        """The table if this plan holds it or is baking it (then once baked), else None; its cache is left as it is."""
        with self._lock:
            table, baking = self._tables.get(lut_key), self._baking.get(lut_key)
        if table is None and baking is not None:
            with contextlib.suppress(Exception):
                table = baking.result()
        return table

    def shot_identity(self, shot_id: str) -> dict[str, Any] | None:
        """What the shot's graded frames depend on besides its take and the code, as plain data (None: not in this
        plan): its colour operations, grain, table size and the look's content. The code and tools that render them
        are in the keys of whatever keeps graded frames (``render.keys.code_identity``: segments, graded cut checks)."""
        grade = self.shots.get(shot_id)
        if grade is None:
            return None
        if self.look is not None and self._look_sha256 is None:  # read once per plan, not once per shot
            hashes = self.cache.hashes if self.cache is not None else None
            self._look_sha256 = files.content_sha256(self.look, "look", where="grade.look", cache=hashes)
        return {"ops": repr(grade.ops), "grain": [grade.grain.strength, grade.grain.size, grade.grain.seed],
                "lut_size": grade.lut_size, "look": self._look_sha256}  # fmt: skip

    def report(self) -> dict[str, Any]:
        return {
            "lut_size": self.lut_size,
            "look": str(self.look) if self.look else None,
            "bounds": BOUNDS,
            "shots": {shot_id: grade.report() for shot_id, grade in self.shots.items()},
            "continuity": self.continuity,
            "flags": [flag.to_dict() for flag in self.flags],
        }


#: every correction's documented bound (shown in the report and the manifest)
BOUNDS: dict[str, Any] = {
    "exposure_stops": correct.EXPOSURE_BOUND_STOPS,
    "headroom": {"percentile": correct.HEADROOM_PERCENTILE, "ceiling": correct.HEADROOM_CEILING},
    "balance_slope_log2": correct.BALANCE_BOUND_LOG2,
    "saturation": list(correct.SATURATION_BOUNDS),
    "contrast_amount": list(correct.CONTRAST_BOUNDS),
    "skin_hue_degrees": correct.SKIN_BOUND_DEG,
}


def plan_grade(plan: LoadedPlan | Film, timeline: Timeline, *, sample_frames: int = measure.SAMPLE_FRAMES, cache: bool = True) -> GradePlan:
    """Measure, decide and bake the grade of every shot in the cut.

    With ``cache`` (and a plan loaded from a project), each take's measurements are remembered by content in
    ``.shotcraft/grade-cache/`` (:mod:`shotcraft.grade.take_cache`): the result is the same with or without it.
    """
    # 1. Check inputs
    film, root, file = _film_of(plan)
    takes = TakeCache(root / files.PROJECT_FOLDER if cache and isinstance(plan, LoadedPlan) else None)
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
        look = LookTransform(look_path)  # CubeError names the file and line

    # 2. Resolve settings, light intents and each shot's reference (its light group's)
    settings = {event.shot_id: _merged(film.grade, shots[event.shot_id].grade) for event in timeline.events}
    lights = {event.shot_id: shot_light_intent(film, shots[event.shot_id]) for event in timeline.events}
    references = {e.shot_id: _reference_of(film, timeline, e, settings[e.shot_id], lights, file) for e in timeline.events}

    # 3. Grade in cut order. Like is compared with like: the cast, saturation and contrast are measured against
    #    the first graded shot of the same kind (face, wide, material ...) in the light group, its hero, or, for
    #    the hero itself, the cast against the group's reference (the plan's reference shot when in the group).
    #    A fixed hero, as a colourist matches a scene, not the previous shot: a chain would carry one shot's
    #    change into every later shot of its kind (and re-encode them all after a one-shot edit).
    waiting: dict[str, _Measured] = {}  # references measured before their turn (measured once)
    hero_of_kind: dict[tuple[str, str], _Anchor] = {}
    graded: dict[str, ShotGrade] = {}
    target_grain = grain_mod.STRENGTH[grain_mod.Grain(film.charters.texture.grain)]
    for event in timeline.events:
        shot_id = event.shot_id
        reference = references[shot_id]
        measured = waiting.pop(shot_id, None) or _measured(event, shots[shot_id], lights[shot_id], sample_frames, takes)
        group_kind = (reference or shot_id, measured.intent.kind)
        kind = hero_of_kind.get(group_kind) if reference is not None else None
        neutral = kind
        if neutral is None and reference not in (None, shot_id):
            if reference not in graded and reference not in waiting:
                waiting[reference] = _measured(timeline.event(reference), shots[reference], lights[reference], sample_frames, takes)
            neutral = waiting[reference].anchor if reference in waiting else graded[reference].anchor
        grade = _decided(film, event, shots[shot_id], settings[shot_id], lights[shot_id], reference, measured,
                         neutral, kind, look, target_grain, takes)  # fmt: skip
        hero_of_kind.setdefault(group_kind, grade.anchor)
        graded[shot_id] = grade
    return GradePlan(shots=graded, lut_size=film.grade.lut_size, look=look_path, continuity=_continuity(timeline, graded),
                     takes_measured=takes.measured, takes_reused=takes.reused, stats_measured=takes.stats_measured,
                     stats_reused=takes.stats_reused, cache=takes if takes.folder is not None else None)


@dataclass(frozen=True)
class _Anchor:
    """What a shot measures after its exposure, for the shots harmonized to it."""

    estimates: np.ndarray  # neutral estimates (3, 3)
    saturation: float
    contrast: float


@dataclass(frozen=True)
class _Measured:
    """One shot's sample and its exposure decision (decisions run on every ``step``-th pixel).

    From the grade cache it comes without its pixels (``sample`` None): what the decisions need of it is in the
    entry, and :meth:`full` loads the rest only when a decision or a statistic must be computed again."""

    sample: measure.Sample | None
    pixels: np.ndarray | None  # decision pixels
    subject: measure.Subject | None  # on the decision pixels
    intent: ExposureIntent
    exposure_slope: float
    exposure: correct.Correction
    anchor: _Anchor
    own_grain: float  # the take's own grain
    take_sha: str  # the take's content and its measurement's key ("" without the cache)
    measure_key: str
    found_by: str = ""  # how the subject was found (faces, skin, key region)
    full: Any = field(default=None, repr=False, compare=False)  # () -> the same _Measured with its pixels

    def loaded(self) -> _Measured:
        return self if self.sample is not None else self.full()


def _looks_for_people(shot: Shot) -> bool:
    shot_type = ShotType(shot.type)
    return shot_type not in WIDE_TYPES and shot_type not in MATERIAL_TYPES and (bool(shot.characters) or shot_type in FACE_TYPES)


def _take_measure(event: CutEvent, shot: Shot, sample_frames: int, takes: TakeCache) -> tuple[TakeMeasure, str, str]:
    """What the grade measures on the take alone (sample, subject, neutral estimates, own grain): cached by content."""
    people = _looks_for_people(shot)
    take_sha = key = None
    if takes.folder is not None:
        take_sha = takes.take_sha256(event.clip_path, event.shot_id)
        key = measure_key(take_sha, event.source_in, event.duration, count=sample_frames, size=measure.SAMPLE_SIZE,
                          look_for_people=people, grain_crop=GRAIN_CROP)  # fmt: skip
        known = takes.load(take_sha, key)
        if known is not None:
            return known, take_sha, key
    try:
        sample = measure.sample_take(event.clip_path, event.source_in, event.duration, count=sample_frames)
    except ValueError as exc:
        raise InputError(f"grade: shot {event.shot_id!r}: {exc}") from None
    subject = measure.find_subject(sample, look_for_people=people)
    measured = TakeMeasure(sample.frames, subject.mask, subject.found_by, subject.faces,
                           measure.neutral_estimates(sample.frames[::2]), _existing_grain(event))  # fmt: skip
    takes.store(take_sha or "", key or "", measured)
    return measured, take_sha or "", key or ""


def _measured(event: CutEvent, shot: Shot, light: LightIntent, sample_frames: int, takes: TakeCache) -> _Measured:
    """:func:`_measure_and_expose`, from the grade cache when this take was measured and exposed for this shot and
    light before: then without loading its sample (a one-shot edit would otherwise load every shot's frames)."""
    if takes.folder is None:
        return _measure_and_expose(event, shot, light, sample_frames, takes)
    take_sha = takes.take_sha256(event.clip_path, event.shot_id)
    key = measure_key(take_sha, event.source_in, event.duration, count=sample_frames, size=measure.SAMPLE_SIZE,
                      look_for_people=_looks_for_people(shot), grain_crop=GRAIN_CROP)  # fmt: skip
    exposed_key = decision_key(key, {"step": "exposure", "shot": shot.model_dump(mode="json"), "light": asdict(light)})
    full = lambda: _measure_and_expose(event, shot, light, sample_frames, takes)  # noqa: E731
    known = takes.load_json(take_sha, exposed_key)
    if known is not None:
        try:
            anchor = _Anchor(np.asarray(known["anchor"]["estimates"], dtype=np.float64), float(known["anchor"]["saturation"]),
                             float(known["anchor"]["contrast"]))  # fmt: skip
            if anchor.estimates.shape == (3, 3):
                takes.reused += 1  # the measurement is not taken again (its sample is loaded only if a decision needs it)
                return _Measured(None, None, None, ExposureIntent(**known["intent"]), float(known["slope"]), correct.Correction(**known["exposure"]),
                                 anchor, float(known["own_grain"]), take_sha, key, str(known["found_by"]), full)  # fmt: skip
        except (KeyError, TypeError, ValueError):
            pass  # not what this code writes: measured again and rewritten
    measured = full()
    takes.store_json(take_sha, exposed_key, {
        "intent": asdict(measured.intent), "slope": measured.exposure_slope, "exposure": asdict(measured.exposure),
        "anchor": {"estimates": measured.anchor.estimates.tolist(), "saturation": measured.anchor.saturation,
                   "contrast": measured.anchor.contrast}, "own_grain": measured.own_grain, "found_by": measured.found_by})  # fmt: skip
    return measured


def _measure_and_expose(event: CutEvent, shot: Shot, light: LightIntent, sample_frames: int, takes: TakeCache) -> _Measured:
    """Sample the shot, find its subject, and decide its exposure (step 1: everything else is measured after it)."""
    taken, take_sha, key = _take_measure(event, shot, sample_frames, takes)
    sample = measure.Sample(taken.frames)
    subject = measure.Subject(taken.mask, taken.found_by, taken.faces)
    step = measure.decision_step(len(subject.mask))
    pixels, subject = sample.pixels[::step], subject.every(step)
    intent = exposure_intent(shot, light, has_face=subject.found_by in ("faces", "skin"))
    slope, exposure = correct.decide_exposure(pixels, subject, intent)
    exposed = np.clip(pixels * slope, 0.0, 1.0)
    anchor = _Anchor(taken.estimates, measure.saturation_of(exposed), measure.contrast_of(exposed))
    return _Measured(sample, pixels, subject, intent, slope, exposure, anchor, taken.grain, take_sha, key, subject.found_by)


def _decided(film: Film, event: CutEvent, shot: Shot, settings: GradeSettings, light: LightIntent, reference: str | None,
             measured: _Measured, neutral: _Anchor | None, kind: _Anchor | None, look: LookTransform | None,
             target_grain: float, takes: TakeCache) -> ShotGrade:  # fmt: skip
    """:func:`_grade_shot`, remembered in the grade cache: a shot's decisions depend on its take's measurement, the
    anchors it is matched to and its own settings, never on other pixels, so after a one-shot edit the other shots
    are not decided again (a decision is ~0.2-0.4 s of CPU a shot). Exact or absent: the entry holds every decided
    number as written (JSON floats round-trip exactly) under a key of every input."""
    key = ""
    if measured.measure_key:
        anchor = lambda a: None if a is None else {"estimates": a.estimates.tolist(), "saturation": a.saturation, "contrast": a.contrast}  # noqa: E731
        key = decision_key(measured.measure_key, {
            "intent": asdict(measured.intent), "slope": measured.exposure_slope, "exposure": asdict(measured.exposure),
            "anchor": anchor(measured.anchor), "own_grain": measured.own_grain, "neutral": anchor(neutral), "kind": anchor(kind),
            "settings": settings.model_dump(mode="json"), "light": asdict(light), "target_grain": target_grain,
            "texture": film.charters.texture.model_dump(mode="json"), "production": film.production.id, "shot": shot.id,
            "seed": event.seed, "lut_size": film.grade.lut_size})  # fmt: skip
        known = takes.load_json(measured.take_sha, key)
        if known is not None:
            try:
                return _grade_from_entry(known, film, event, shot, light, reference, measured, look, takes)
            except (KeyError, TypeError, ValueError):
                pass  # not what this code writes: decided again and rewritten
    grade = _grade_shot(film, event, shot, settings, light, reference, measured.loaded(), neutral, kind, look, target_grain, takes)
    if key:
        before = grade.before
        takes.store_json(measured.take_sha, key, {
            "ops": asdict(grade.ops), "corrections": [asdict(c) for c in grade.corrections], "grain": grade.grain.strength,
            "before": {"level": before.level, "estimates": before.estimates.tolist(), "contrast": before.contrast,
                       "saturation": before.saturation}})  # fmt: skip
    return grade


def _grade_from_entry(entry: dict[str, Any], film: Film, event: CutEvent, shot: Shot, light: LightIntent, reference: str | None,
                      measured: _Measured, look: LookTransform | None, takes: TakeCache) -> ShotGrade:  # fmt: skip
    """The ShotGrade :func:`_grade_shot` made, from its cache entry (tuples back as tuples, so equal ops hash alike)."""
    triple = lambda values: tuple(float(v) for v in values)  # noqa: E731
    primary = entry["ops"]["primary"]
    cdl = CDL(triple(primary["slope"]), triple(primary["offset"]), triple(primary["power"]), float(primary["saturation"]))
    ops = ShotOps(**{**{name: float(value) for name, value in entry["ops"].items() if name != "primary"}, "primary": cdl})
    corrections = tuple(correct.Correction(**c) for c in entry["corrections"])
    estimates = np.asarray(entry["before"]["estimates"], dtype=np.float64)
    if estimates.shape != (3, 3):
        raise ValueError("estimates")
    before = measure.ShotStats(float(entry["before"]["level"]), triple(estimates[0]), estimates, float(entry["before"]["contrast"]),
                               float(entry["before"]["saturation"]))  # fmt: skip
    grain = _grain(film, event, shot, float(entry["grain"]))
    return ShotGrade(
        shot_id=shot.id, ops=ops, grain=grain, reference=reference, lut_size=film.grade.lut_size, look=look, light=light,
        intent=measured.intent, subject=measured.found_by, corrections=corrections, flags=tuple(correct.flags_for(shot.id, corrections)),
        before=before, take_sha=measured.take_sha, **_graded_stats(measured, ops, look, takes),
    )  # fmt: skip


def _grain(film: Film, event: CutEvent, shot: Shot, strength: float) -> grain_mod.GrainSettings:
    """The shot's grain: the charter's texture, seeded by the film, the shot and its take's seed, at ``strength``."""
    seed = derive_seed(film.production.id, shot.id, "grain" if event.seed is None else f"grain:{event.seed}")
    return replace(grain_mod.GrainSettings.from_texture(film.charters.texture, seed), strength=strength)


def _grade_shot(film: Film, event: CutEvent, shot: Shot, settings: GradeSettings, light: LightIntent, reference: str | None,
                measured: _Measured, neutral: _Anchor | None, kind: _Anchor | None, look: LookTransform | None,
                target_grain: float, takes: TakeCache) -> ShotGrade:  # fmt: skip
    """One shot's decisions in the seed's order, each bounded and reported."""
    pixels, subject = measured.pixels, measured.subject
    # 1. exposure toward the shot's intent, measured on its subject (decided in _measured)
    exposed = np.clip(pixels * measured.exposure_slope, 0.0, 1.0)
    goal_level = measure.key_level(exposed, subject)
    corrections = [measured.exposure]
    # 2. harmonization: the cast against the light group's reference, saturation against a shot of the same kind
    balance, saturation = np.ones(3), 1.0
    face = measured.intent.kind == "face"
    if neutral is not None:
        balance, balanced = correct.decide_balance(exposed, measured.anchor.estimates, neutral.estimates, same_kind=kind is not None)
        corrections.append(balanced)
    if kind is not None:
        saturation, saturated = correct.decide_saturation(np.clip(exposed * balance, 0.0, 1.0), kind.saturation, lift_only=face)
        corrections.append(saturated)
    base = _base_ops(settings)
    ops = replace(base, primary=CDL(tuple(float(v) for v in measured.exposure_slope * balance), saturation=saturation))  # type: ignore[arg-type]
    primaried = ops.primaries(pixels)
    # ... and contrast, an S-curve pivoting on the subject's level, so the subject's exposure stays where intent put it
    luma = primaried @ LUMA_709
    pivot = float(np.clip(np.median(luma[subject.mask]) if subject.mask.any() else np.median(luma), 0.2, 0.6))
    contrast = base.contrast
    if kind is not None:
        contrast, contrasted = correct.decide_contrast(primaried, pivot, kind.contrast, base.contrast, lift_only=face)
        corrections.append(contrasted)
    # 3. secondary skin, towards the skin-tone line (never against an intended coloured light)
    skin_shift, skin = correct.decide_skin(soft_contrast(primaried, contrast, pivot), coloured_light=light.coloured)
    corrections.append(skin)
    ops = replace(ops, contrast=contrast, contrast_pivot=pivot, skin_hue_shift=skin_shift)
    # harmonization never moves exposure: the subject is put back where step 1 (plus the plan's trim) put it
    if not settings.exposure:
        slope = np.asarray(ops.primary.slope)
        k = correct.relock_exposure(pixels, subject, goal_level, lambda k: replace(ops, primary=replace(ops.primary, slope=tuple(slope * k)))(pixels))
        ops = replace(ops, primary=replace(ops.primary, slope=tuple(float(v) for v in slope * k)))
    # 4. grain: every shot ends at the charter's grain
    added, grained = correct.decide_grain(measured.own_grain, target_grain)
    corrections.append(grained)
    grain = _grain(film, event, shot, added)
    return ShotGrade(
        shot_id=shot.id, ops=ops, grain=grain, reference=reference, lut_size=film.grade.lut_size, look=look, light=light,
        intent=measured.intent, subject=subject.found_by, corrections=tuple(corrections), flags=tuple(correct.flags_for(shot.id, corrections)),
        before=measure.ShotStats.of(pixels, subject, measured.anchor.estimates), take_sha=measured.take_sha, **_graded_stats(measured, ops, look, takes),
    )  # fmt: skip


def _graded_stats(measured: _Measured, ops: ShotOps, look: LookTransform | None, takes: TakeCache) -> dict[str, Any]:
    """The graded take's statistics (``after`` for the report, ``anchor`` for the shots harmonized to it), cached."""
    key = ""
    if measured.measure_key:
        look_sha = files.content_sha256(look.path, "look", where="grade.look", cache=takes.hashes) if look is not None else None
        key = stats_key(measured.measure_key, ops, look_sha)
        known = takes.load_stats(measured.take_sha, key)
        if known is not None:
            after, anchor = known["after"], known["anchor"]
            estimates = np.asarray(after["estimates"], dtype=np.float64)
            neutral = tuple(float(v) for v in estimates[0])  # as ShotStats.of derives it
            return {"after": measure.ShotStats(after["level"], neutral, estimates, after["contrast"], after["saturation"]),  # type: ignore[arg-type]
                    "anchor": _Anchor(np.asarray(anchor["estimates"], dtype=np.float64), anchor["saturation"], anchor["contrast"])}  # fmt: skip
    measured = measured.loaded()
    pixels, subject = measured.pixels, measured.subject
    after = measure.ShotStats.of(ops(pixels, look), subject, measure.neutral_estimates(_graded_frames(measured.sample.frames[::2], ops, look)))
    if look is None:  # the anchor is the graded take before a look: without one, the same numbers as ``after``
        anchor = _Anchor(after.estimates, after.saturation, after.contrast)
    else:
        graded = ops(pixels)
        anchor = _Anchor(measure.neutral_estimates(_graded_frames(measured.sample.frames[::2], ops, None)),
                         measure.saturation_of(graded), measure.contrast_of(graded))  # fmt: skip
    takes.store_stats(measured.take_sha, key, {
        "after": {"level": after.level, "estimates": after.estimates.tolist(), "contrast": after.contrast, "saturation": after.saturation},
        "anchor": {"estimates": anchor.estimates.tolist(), "saturation": anchor.saturation, "contrast": anchor.contrast}})  # fmt: skip
    return {"after": after, "anchor": anchor}


def _graded_frames(frames: np.ndarray, ops: ShotOps, look: LookTransform | None) -> np.ndarray:
    return ops(frames.reshape(-1, 3).astype(np.float64) / 255.0, look).reshape(frames.shape)


def _existing_grain(event: CutEvent) -> float:
    """The take's own grain, on a full-resolution centre crop of the shot's middle frame."""
    middle = event.source_in + event.duration // 2
    frame = next(read_frames(event.clip_path, start=middle, count=1), None)
    if frame is None:
        return 0.0
    height, width = frame.shape[:2]
    top, left = max((height - GRAIN_CROP) // 2, 0), max((width - GRAIN_CROP) // 2, 0)
    return measure.grain_of(frame[None, top : top + GRAIN_CROP, left : left + GRAIN_CROP])


def _continuity(timeline: Timeline, graded: dict[str, ShotGrade]) -> list[dict[str, Any]]:
    """Each cut, before and after the grade: the jump in neutral (ΔE2000), subject exposure, contrast, saturation."""
    rows = []
    for first, second in zip(timeline.events, timeline.events[1:], strict=False):
        a, b = graded[first.shot_id], graded[second.shot_id]
        if a.before is None or b.before is None or a.after is None or b.after is None:
            continue
        row: dict[str, Any] = {"from": a.shot_id, "to": b.shot_id,
                               "intended_change": bool(a.light and b.light and a.light.group != b.light.group)}  # fmt: skip
        for when, x, y in (("before", a.before, b.before), ("after", a.after, b.after)):
            row[when] = {
                "cast_de2000": round(x.cast_against(y), 2),
                "neutral_de2000": round(float(measure.delta_e2000(np.array(x.neutral), np.array(y.neutral))), 2),
                "exposure_stops": round(measure.stops_between(x.level, y.level), 2),
                "contrast": round(y.contrast - x.contrast, 2),
                "saturation": round(y.saturation - x.saturation, 2),
            }
        rows.append(row)
    return rows


def format_grade_report(grade_plan: GradePlan) -> str:
    """One line per shot: what it was harmonized to, exposure and cast moved, grain; then every flag."""
    lines = [f"grade: {len(grade_plan.shots)} shots, {grade_plan.lut_size}-point LUTs" + (f", look {grade_plan.look}" if grade_plan.look else "")]
    for shot_id, grade in grade_plan.shots.items():
        data = grade.report()
        if grade.reference == shot_id:
            matched = "reference"
        elif grade.reference is None:
            matched = "not harmonized"
        else:
            matched = f"harmonized to {grade.reference}"
        moved = f"exposure {data.get('exposure_stops', 0.0):+.2f} stops on {grade.subject}, cast ΔE2000 {data.get('cast_removed_de2000', 0.0):.1f} removed"
        grain = f"grain +{grade.grain.strength:.1f}" if grade.grain.enabled else "no grain added"
        lines.append(f"  {shot_id:<12} {matched}; {moved}; {grain}")
    for flag in grade_plan.flags:
        lines.append(f"  {flag.severity}: {flag.shot}: {flag.message}")
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


def _reference_of(film: Film, timeline: Timeline, event: CutEvent, settings: GradeSettings, lights: dict[str, LightIntent], file: str) -> str | None:
    """The shot this one is harmonized to: the shot's own reference, else its light group's, or None when matching is off.

    A light group's reference is the plan's reference shot when it is in the group, else the group's first shot
    in the cut: a shot lit differently by intent is harmonized only within its own light.
    """
    if settings.match is False:
        return None
    in_cut = [e.shot_id for e in timeline.events]
    explicit = film.shot(event.shot_id).grade.reference
    if explicit is not None:
        if explicit not in in_cut:
            raise InputError(f"{file}: grade reference {explicit!r} (for shot {event.shot_id!r}) is not in the cut")
        return explicit
    group = lights[event.shot_id].group
    film_reference = film.grade.reference
    if film_reference is not None and film_reference not in in_cut:
        raise InputError(f"{file}: grade reference {film_reference!r} is not in the cut")
    if film_reference is not None and lights[film_reference].group == group:
        return film_reference
    return next(shot_id for shot_id in in_cut if lights[shot_id].group == group)
