"""A provisional cut from the plan alone, so sound can be laid before anything is rendered.

"Lay the room tone from the rough cut": the rough cut's edit points are the
plan's shot durations and trims in plan order, which is all sound needs. Once
takes exist, :func:`shotcraft.edit.build.build_timeline` gives the real cut
(with handles and an NLE conform) and replaces this one.
"""

from __future__ import annotations

from pathlib import Path

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import resolve_shots
from shotcraft.timebase import seconds_to_frames


def plan_timeline(plan: LoadedPlan) -> Timeline:
    """Shots in plan order, each for its trimmed duration, with its transition and J/L offset."""
    film = plan.film
    rate = film.production.format.fps
    events: list[CutEvent] = []
    record_in = 0
    for resolved in resolve_shots(film):
        shot = resolved.shot
        take_frames = resolved.frames
        source_in = min(take_frames - 1, seconds_to_frames(shot.trim.in_, rate))
        out = take_frames if shot.trim.out is None else min(take_frames, seconds_to_frames(shot.trim.out, rate))
        duration = max(1, out - source_in)
        events.append(
            CutEvent(
                shot_id=shot.id,
                take="plan",
                clip_path=Path(),
                source_in=source_in,
                duration=duration,
                record_in=record_in,
                take_frames=take_frames,
                seed=resolved.seed,
                location=shot.location,
                transition=shot.transition.type,
                transition_frames=seconds_to_frames(shot.transition.duration, rate),
                audio_offset_frames=seconds_to_frames(shot.transition.audio_offset, rate) if events else 0,
                reframe=(shot.reframe.x, shot.reframe.y),
            )
        )
        record_in += duration
    width, height = film.production.format.resolution
    return Timeline(title=film.production.title, rate=rate, width=width, height=height, events=tuple(events))
