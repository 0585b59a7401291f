"""The cut as data: events in plan order, in integer frames at the film's exact rate.

Every stage after the edit (QA continuity, grade, sound, delivery) reads the
cut through these types, never through an .otio file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

TransitionType = Literal["cut", "dissolve", "dip-to-black"]


@dataclass(frozen=True)
class CutEvent:
    """One shot on the timeline.

    ``source_in``/``duration`` select frames of the take (at the take's own
    rate, already conformed to the film rate by the render stage);
    ``record_in`` is where the shot starts on the timeline. ``handle_head`` /
    ``handle_tail`` are the unused frames of the take before and after.
    """

    shot_id: str
    take: str
    clip_path: Path
    source_in: int
    duration: int
    record_in: int
    take_frames: int
    seed: int | None = None
    location: str | None = None
    transition: TransitionType = "cut"  # transition INTO this shot
    transition_frames: int = 0
    audio_offset_frames: int = 0  # J-cut (<0: sound leads) / L-cut (>0: sound trails)
    reframe: tuple[float, float] = (0.5, 0.5)

    @property
    def record_out(self) -> int:
        return self.record_in + self.duration

    @property
    def handle_head(self) -> int:
        return self.source_in

    @property
    def handle_tail(self) -> int:
        return self.take_frames - (self.source_in + self.duration)


@dataclass(frozen=True)
class Timeline:
    title: str
    rate: Fraction
    width: int
    height: int
    events: tuple[CutEvent, ...] = field(default_factory=tuple)

    @property
    def duration(self) -> int:
        """Total frames (the last event's record_out)."""
        return max((event.record_out for event in self.events), default=0)

    @property
    def seconds(self) -> float:
        return float(self.duration / self.rate)

    def event(self, shot_id: str) -> CutEvent:
        for event in self.events:
            if event.shot_id == shot_id:
                return event
        raise KeyError(shot_id)
