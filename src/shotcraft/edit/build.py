"""Build the cut from the picks: plan order, trims, transitions, handles, J/L offsets.

Times are integer frames at the film's exact rate. A take is used over
``[source_in, source_in + duration)``; the unused frames on either side are
its handles. Transitions are centred on the edit point and draw on handles:
a dissolve of D frames into shot k runs from ``record_in - D//2`` to
``record_in + D - D//2`` (the outgoing shot plays on into its tail handle, the
incoming one starts early from its head handle). Where a take has no handle
to give, its used range is slipped or shortened to make one — the editor's
"trim to create handles" — so the edit points stay where the plan put them
whenever the media allows.

An edit conformed from an NLE (:mod:`shotcraft.edit.otio_io`) is stored as a
cut override in the project folder and replaces plan order, trims and
transitions here; film.yaml is never rewritten.

Before anything is rendered, :func:`planned_timeline` makes the same cut from
takes as the render will draw them (the plan's length and handles), so sound
laid on it lines up with the picture cut of the rendered takes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Protocol

from shotcraft.backends.capabilities import capabilities_of, clip_handle_frames
from shotcraft.backends.registry import get_backend
from shotcraft.edit.timeline import CutEvent, Timeline, TransitionType
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan, format_path
from shotcraft.plan.model_paths import anchored_model
from shotcraft.plan.resolve import resolve_shot
from shotcraft.timebase import format_rate, parse_rate, seconds_to_frames

PROJECT_FOLDER = ".shotcraft"
CUT_OVERRIDE_FILE = "cut.json"
CUT_OVERRIDE_VERSION = 1


class TakeLike(Protocol):
    """What the edit reads of a take record (shotcraft.render.store.TakeRecord)."""

    label: str
    clip_path: Path | None
    seed: int | None
    frames: int | None
    rate: Fraction | None


class ProjectLike(Protocol):
    def picked_take(self, shot_id: str) -> TakeLike | None: ...


@dataclass(frozen=True)
class OverrideEvent:
    """One shot of a conformed edit: which take, which frames, which transition into it."""

    shot_id: str
    take: str
    source_in: int
    duration: int
    transition: TransitionType = "cut"
    transition_frames: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shot": self.shot_id,
            "take": self.take,
            "source_in": self.source_in,
            "duration": self.duration,
            "transition": {"type": self.transition, "frames": self.transition_frames},
        }


@dataclass(frozen=True)
class CutOverride:
    """The cut override file (``.shotcraft/cut.json``): an edit made elsewhere, in film frames."""

    rate: Fraction
    events: tuple[OverrideEvent, ...]
    dropped: tuple[str, ...] = ()  # plan shots the editor took out of the cut
    source: str = ""  # the .otio it came from

    def to_dict(self) -> dict[str, Any]:
        return {
            "cut_override_version": CUT_OVERRIDE_VERSION,
            "rate": format_rate(self.rate),
            "source": self.source,
            "events": [event.to_dict() for event in self.events],
            "dropped": list(self.dropped),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str) -> CutOverride:
        try:
            if data.get("cut_override_version") != CUT_OVERRIDE_VERSION:
                raise ValueError(f"unsupported cut_override_version {data.get('cut_override_version')!r}")
            events = tuple(
                OverrideEvent(
                    shot_id=str(item["shot"]),
                    take=str(item["take"]),
                    source_in=int(item["source_in"]),
                    duration=int(item["duration"]),
                    transition=item.get("transition", {}).get("type", "cut"),
                    transition_frames=int(item.get("transition", {}).get("frames", 0)),
                )
                for item in data["events"]
            )
            return cls(rate=parse_rate(data["rate"]), events=events, dropped=tuple(data.get("dropped", ())), source=str(data.get("source", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where}: not a valid cut override ({exc}); remove it with 'shotcraft conform PLAN --reset'") from None


def override_path(plan: LoadedPlan, project: object | None = None) -> Path:
    folder = getattr(project, "folder", None)
    return Path(folder) / CUT_OVERRIDE_FILE if folder else plan.root / PROJECT_FOLDER / CUT_OVERRIDE_FILE


def load_override(plan: LoadedPlan, project: object | None = None) -> CutOverride | None:
    path = override_path(plan, project)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable cut override ({exc}); remove it with 'shotcraft conform PLAN --reset'") from None
    return CutOverride.from_dict(data, where=str(path))


# --- building -------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A mutable event while transitions negotiate their handles."""

    shot_id: str
    take: TakeLike
    clip_path: Path
    take_frames: int  # in film frames
    source_rate: Fraction
    source_in: int
    duration: int
    transition: TransitionType
    transition_frames: int
    audio_offset_frames: int
    location: str | None
    reframe: tuple[float, float]
    where: str  # "film.yaml:40:5: shots[3]" for messages
    transition_where: str  # the same for the transition's duration
    planned_in: int  # where the plan puts the shot's first frame in the take (CutEvent.planned_in)


def build_timeline(plan: LoadedPlan, project: ProjectLike, *, override: CutOverride | None = None, use_override: bool = True) -> Timeline:
    """The cut of the picked takes, or of a conformed edit: ``override`` if given, else the stored one.

    ``use_override=False`` ignores a stored edit (the cut exactly as the plan says).
    """
    if override is None and use_override:
        override = load_override(plan, project)
    drafts = _drafts_from_override(plan, project, override) if override is not None else _drafts_from_plan(plan, project)
    if not drafts:
        raise InputError(f"{plan.file}: the cut is empty (every shot was dropped by the conformed edit)")
    return _assemble(plan, drafts, conformed_from=override.source if override is not None else None)


def planned_timeline(plan: LoadedPlan) -> Timeline:
    """The cut the plan will make once its takes are rendered as planned: sound can be laid before any render.

    Each shot stands in with a take of the plan's length plus the handles its clip backend draws
    (as :mod:`shotcraft.render.jobs` asks for them), cut by :func:`build_timeline`'s own rules, so
    trims, handle negotiation and transitions put every edit point where the rendered cut will.
    A conformed edit is not read: this is the cut as the plan says.
    """
    return _assemble(plan, _drafts_from_plan(plan, None, take_for=_planned_take), conformed_from=None)


def _assemble(plan: LoadedPlan, drafts: list[_Draft], *, conformed_from: str | None) -> Timeline:
    """Transitions given their handles, then the events laid end to end."""
    film = plan.film
    rate = film.production.format.fps
    width, height = film.production.format.resolution
    _negotiate_handles(drafts)
    _check_overlaps(drafts)
    drafts[0].audio_offset_frames = 0  # a J/L offset needs an outgoing shot
    events: list[CutEvent] = []
    record = 0
    for draft in drafts:
        events.append(
            CutEvent(
                shot_id=draft.shot_id,
                take=draft.take.label,
                clip_path=draft.clip_path,
                source_in=draft.source_in,
                duration=draft.duration,
                record_in=record,
                take_frames=draft.take_frames,
                seed=draft.take.seed,
                location=draft.location,
                transition=draft.transition,
                transition_frames=draft.transition_frames,
                audio_offset_frames=draft.audio_offset_frames,
                reframe=draft.reframe,
                source_rate=draft.source_rate,
                planned_in=draft.planned_in,
            )
        )
        record += draft.duration
    return Timeline(
        title=film.production.title,
        rate=rate,
        width=width,
        height=height,
        events=tuple(events),
        production_id=film.production.id,
        conformed_from=conformed_from,
    )


def _at(plan: LoadedPlan, index: int, *fields: str) -> str:
    """'film.yaml:LINE:COL: shots[3].trim.out' for messages, like the plan loader's."""
    path = ("shots", index, *fields)
    line, column = plan.locate(path)
    return f"{plan.file}:{line}:{column}: {format_path(path)}"


#: (plan, project, shot id, take label or None for the pick, shot index) -> take, clip path, film-frame length, rate
TakeFor = Callable[[LoadedPlan, Any, str, "str | None", int], "tuple[TakeLike, Path, int, Fraction]"]


def _take_for(plan: LoadedPlan, project: ProjectLike, shot_id: str, label: str | None, index: int) -> tuple[TakeLike, Path, int, Fraction]:
    """The take to cut (a given label, else the pick), with its path, film-frame length and rate."""
    take = None
    if label is not None and hasattr(project, "take"):
        take = project.take(shot_id, label)  # type: ignore[attr-defined]
    if take is None or take.clip_path is None:  # the edit's take is gone or not finished: the pick stands in
        take = project.picked_take(shot_id)
    if take is None or take.clip_path is None:
        raise InputError(f"{_at(plan, index)}: shot {shot_id} has no finished take to cut (run 'shotcraft render' or 'shotcraft take add')")
    path = Path(take.clip_path)
    if not path.is_file():
        raise InputError(f"{_at(plan, index)}: take {take.label} of shot {shot_id} is missing its clip {path}")
    return (take, path, *_film_length(plan, take, index))


@dataclass(frozen=True)
class PlannedTake:
    """A take as the render will draw it, before it exists (the fields of TakeLike the cut reads)."""

    label: str
    clip_path: Path | None
    seed: int | None
    frames: int
    rate: Fraction
    settings: dict[str, Any]


def _planned_take(plan: LoadedPlan, project: object, shot_id: str, label: str | None, index: int) -> tuple[TakeLike, Path, int, Fraction]:
    """A stand-in for the take the render will draw for a shot: the planned frames plus its handles."""
    resolved = resolve_shot(plan.film, plan.film.shots[index], index)
    model = anchored_model(plan, resolved.clip_model)
    handles = clip_handle_frames(resolved, capabilities_of(get_backend(resolved.clip_backend, shot_id=shot_id), model))
    take = PlannedTake("plan", Path(), resolved.seed, resolved.frames + 2 * handles, resolved.fps, {"inputs": {"request": {"handles": handles}}})
    return (take, Path(), *_film_length(plan, take, index))


def _film_length(plan: LoadedPlan, take: TakeLike, index: int) -> tuple[int, Fraction]:
    """A take's length in film frames, and its own rate."""
    shot_id = plan.film.shots[index].id
    film_rate = plan.film.production.format.fps
    source_rate = Fraction(take.rate) if take.rate else film_rate
    frames = int(take.frames or 0)
    if frames < 1:
        raise InputError(f"{_at(plan, index)}: take {take.label} of shot {shot_id} has no frames")
    # a take at another rate is conformed by frame mapping: its length in film frames
    film_frames = frames if source_rate == film_rate else int(Fraction(frames) * film_rate / source_rate)
    return max(film_frames, 1), source_rate


def planned_start(take: TakeLike, take_frames: int, planned: int, rate: Fraction, *, trimmed: bool) -> int:
    """Film frame of the take where the planned moment starts: the frames before it are the head handle.

    A rendered take says how many handle frames it was drawn with (its clip request's ``handles``);
    an imported clip longer than planned is centred, its extra length split into head and tail
    handles, unless the shot trims it (trims of an imported clip count from the file's first frame).
    Trims of a rendered take count from the planned moment, so adding handles moves no edit.
    """
    settings = getattr(take, "settings", None) or {}
    request = (settings.get("inputs") or {}).get("request") or {}
    handles = int(request.get("handles") or 0)
    if handles:
        source_rate = Fraction(take.rate) if take.rate else rate
        return handles if source_rate == rate else int(Fraction(handles) * rate / source_rate)
    if getattr(take, "source", None) == "import" and not trimmed:
        return max(0, take_frames - planned) // 2
    return 0


def _planned_in(shot: Any, take: TakeLike, take_frames: int, rate: Fraction) -> tuple[int, int, int]:
    """Film frames: (where the plan puts the shot's first frame in the take, the planned moment's start, its length)."""
    planned = max(1, seconds_to_frames(shot.duration, rate))  # in film frames, whatever the take's rate
    trimmed = shot.trim.in_ > 0 or shot.trim.out is not None
    start = planned_start(take, take_frames, planned, rate, trimmed=trimmed)
    return start + seconds_to_frames(shot.trim.in_, rate), start, planned


def _drafts_from_plan(plan: LoadedPlan, project: ProjectLike | None, only: set[str] | None = None, *, take_for: TakeFor = _take_for) -> list[_Draft]:
    film = plan.film
    rate = film.production.format.fps
    drafts: list[_Draft] = []
    for index, shot in enumerate(film.shots):
        if only is not None and shot.id not in only:
            continue
        take, path, take_frames, source_rate = take_for(plan, project, shot.id, None, index)
        source_in, start, planned = _planned_in(shot, take, take_frames, rate)
        source_out = start + seconds_to_frames(shot.trim.out, rate) if shot.trim.out is not None else source_in + planned
        if shot.trim.out is not None and shot.trim.out <= shot.trim.in_:
            raise InputError(f"{_at(plan, index, 'trim', 'out')}: {shot.trim.out:g} s must come after trim.in ({shot.trim.in_:g} s)")
        if source_in >= take_frames:
            raise InputError(f"{_at(plan, index, 'trim', 'in')}: {shot.trim.in_:g} s is past the end of take {take.label} ({float(take_frames / rate):.2f} s)")
        if shot.trim.out is not None and source_out > take_frames:
            raise InputError(f"{_at(plan, index, 'trim', 'out')}: {shot.trim.out:g} s is past the end of take {take.label} ({float(take_frames / rate):.2f} s)")
        source_out = min(source_out, take_frames)
        transition = shot.transition
        drafts.append(
            _Draft(
                shot_id=shot.id,
                take=take,
                clip_path=path,
                take_frames=take_frames,
                source_rate=source_rate,
                source_in=source_in,
                duration=source_out - source_in,
                transition=transition.type,
                transition_frames=seconds_to_frames(transition.duration, rate) if transition.type != "cut" else 0,
                audio_offset_frames=seconds_to_frames(transition.audio_offset, rate),
                location=shot.location,
                reframe=(shot.reframe.x, shot.reframe.y),
                where=_at(plan, index),
                transition_where=_at(plan, index, "transition", "duration"),
                planned_in=source_in,
            )
        )
    return drafts


def _drafts_from_override(plan: LoadedPlan, project: ProjectLike, override: CutOverride) -> list[_Draft]:
    film = plan.film
    rate = film.production.format.fps
    if override.rate != rate:
        raise InputError(f"{override_path(plan, project)}: the conformed edit is at {format_rate(override.rate)} fps but the film is at {format_rate(rate)}; conform again")
    plan_ids = [shot.id for shot in film.shots]
    placed = {event.shot_id for event in override.events}
    drafts: list[_Draft] = []
    new_shots = {shot_id for shot_id in plan_ids if shot_id not in placed and shot_id not in override.dropped}
    plan_drafts = {d.shot_id: d for d in _drafts_from_plan(plan, project, only=new_shots)} if new_shots else {}
    for event in override.events:
        if event.shot_id not in plan_ids:
            continue  # the shot left the plan since the edit was conformed
        index = plan_ids.index(event.shot_id)
        shot = film.shots[index]
        take, path, take_frames, source_rate = _take_for(plan, project, shot.id, event.take, index)
        source_in, duration = event.source_in, event.duration
        if source_in < 0 or duration < 1 or source_in + duration > take_frames:
            # re-rendered to a different length since the edit: fall back to the whole take
            source_in, duration = 0, take_frames
        drafts.append(
            _Draft(shot.id, take, path, take_frames, source_rate, source_in, duration, event.transition, event.transition_frames,
                   seconds_to_frames(shot.transition.audio_offset, rate), shot.location, (shot.reframe.x, shot.reframe.y),
                   _at(plan, index), f"{override_path(plan, project)}: shot {shot.id} transition",
                   _planned_in(shot, take, take_frames, rate)[0])  # fmt: skip
        )
    # shots added to the plan after the edit was conformed go in after the last-cut of their plan predecessors
    for shot_id in plan_ids:
        if shot_id in plan_drafts:
            before = plan_ids[: plan_ids.index(shot_id)]
            position = max((i + 1 for i, d in enumerate(drafts) if d.shot_id in before), default=0)
            drafts.insert(position, plan_drafts[shot_id])
    return drafts


def _negotiate_handles(drafts: list[_Draft]) -> None:
    """Give every transition the frames it needs: handles first, then slip, then shorten."""
    for k, incoming in enumerate(drafts):
        frames = incoming.transition_frames
        if incoming.transition == "cut" or frames <= 0:
            incoming.transition, incoming.transition_frames = "cut", 0
            continue
        if k == 0:
            # a fade in from black uses the shot's own frames
            if frames > incoming.duration:
                raise InputError(f"{incoming.transition_where}: {frames} frames is longer than shot {incoming.shot_id}")
            continue
        if incoming.transition == "dip-to-black":
            # out to black on the outgoing shot's last frames, in from black on the incoming's first: no handles
            if frames // 2 > drafts[k - 1].duration or frames - frames // 2 > incoming.duration:
                raise InputError(f"{incoming.transition_where}: a {frames}-frame dip is longer than the shots it joins")
            continue
        outgoing = drafts[k - 1]
        before, after = frames // 2, frames - frames // 2
        if frames > min(incoming.duration, outgoing.duration):
            raise InputError(f"{incoming.transition_where}: a {frames}-frame dissolve is longer than shot {outgoing.shot_id} or {incoming.shot_id}")
        # incoming head handle: `before` frames ahead of its first used frame
        short = before - incoming.source_in
        if short > 0:
            incoming.source_in += short
            incoming.duration -= short
        # outgoing tail handle: `after` frames past its last used frame
        tail = outgoing.take_frames - (outgoing.source_in + outgoing.duration)
        short = after - tail
        if short > 0:
            # slip the outgoing shot earlier, keeping the head handle its own incoming dissolve needs
            reserved = outgoing.transition_frames // 2 if outgoing.transition == "dissolve" and k > 1 else 0
            slip = max(0, min(short, outgoing.source_in - reserved))
            outgoing.source_in -= slip
            outgoing.duration -= short - slip
        for draft in (incoming, outgoing):
            if draft.duration < max(before, after) + 1:
                raise InputError(f"{draft.where}: shot {draft.shot_id} is too short for its {frames}-frame dissolve once handles are made")


def _check_overlaps(drafts: list[_Draft]) -> None:
    """A shot must be long enough to end its incoming transition before its outgoing one starts."""
    for k, draft in enumerate(drafts):
        into = _span(drafts, k)[1]
        out_of = _span(drafts, k + 1)[0] if k + 1 < len(drafts) else 0
        if into + out_of > draft.duration:
            raise InputError(f"{draft.where}: shot {draft.shot_id} ({draft.duration} frames) is shorter than its two transitions ({into} + {out_of} frames)")


def _span(drafts: list[_Draft], k: int) -> tuple[int, int]:
    """Frames of the transition into drafts[k] before and after its edit point."""
    draft = drafts[k]
    if draft.transition == "cut" or draft.transition_frames <= 0:
        return (0, 0)
    if k == 0:
        return (0, draft.transition_frames)
    return (draft.transition_frames // 2, draft.transition_frames - draft.transition_frames // 2)


def transition_window(timeline: Timeline, index: int) -> tuple[int, int]:
    """Timeline frames [start, end) covered by the transition into event ``index`` (empty for a cut)."""
    return timeline.transition_window(index)
