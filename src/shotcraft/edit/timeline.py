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

    ``source_in``/``duration`` select frames of the take, counted in film
    frames (a take at another rate is mapped frame by frame, see
    ``source_rate``); ``record_in`` is where the shot starts on the timeline.
    ``handle_head`` / ``handle_tail`` are the unused frames of the take before
    and after. ``record_in`` is the edit point: a dissolve or dip into this
    shot is centred on it (:meth:`Timeline.transition_window`) and a dissolve
    plays the outgoing shot's tail handle and this shot's head handle.
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
    #: the take's own frame rate when it differs from the film's (frames are then mapped, not resampled);
    #: ``source_in``, ``duration`` and ``take_frames`` are always in film frames
    source_rate: Fraction | None = None
    #: film frame of the take where the plan puts the shot's first frame (its planned start plus trim.in);
    #: ``source_in - planned_in`` is how far the cut slips the take, and sound placed in the shot follows
    #: it (None: the cut shows the take as planned)
    planned_in: int | None = None

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
    production_id: str = ""
    #: the .otio a conformed edit came from (None: the cut follows the plan)
    conformed_from: str | None = None

    @property
    def duration(self) -> int:
        """Total frames (the last event's record_out)."""
        return max((event.record_out for event in self.events), default=0)

    @property
    def seconds(self) -> float:
        return float(self.duration / self.rate)

    def transition_window(self, index: int) -> tuple[int, int]:
        """Timeline frames [start, end) of the transition into ``events[index]`` (empty for a cut).

        A dissolve or dip of D frames runs from ``record_in - D // 2`` to
        ``record_in + D - D // 2``; into the first shot it is a fade from black over its first D frames.
        """
        event = self.events[index]
        if event.transition == "cut" or event.transition_frames <= 0:
            return (event.record_in, event.record_in)
        if index == 0:
            return (0, event.transition_frames)
        before = event.transition_frames // 2
        return (event.record_in - before, event.record_in + event.transition_frames - before)

    def event(self, shot_id: str) -> CutEvent:
        for event in self.events:
            if event.shot_id == shot_id:
                return event
        raise KeyError(shot_id)
