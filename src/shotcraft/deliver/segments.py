"""Finishing that costs what changed: each deliverable is encoded per segment of the cut and assembled by stream copy.

A segment is a run of timeline frames that depends on a known, small set of
shots: the body of one shot (after its incoming transition, before its
outgoing one), or one transition (the two shots it mixes; the fade-in of the
first shot). Its key holds everything its pixels depend on, relative to the
segment's own start (take content, source offset, the shot's grade and grain,
the transition, the reframe, the encoder settings), never the timeline
position: a one-shot edit changes only that shot's segments and the
transitions touching it, and moving a shot later re-encodes nothing.

Every segment is a separate encode, so its first frame is an IDR and no frame
references another segment (closed GOPs on segment boundaries); grain is
seeded by the take's frame index, so a segment is the same whichever
neighbours it has. The full encode and the incremental one run this same
path, so their outputs are byte-identical by construction (tests check it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shotcraft.edit.timeline import Timeline
from shotcraft.fsutil import file_sha256
from shotcraft.render.keys import job_key

#: cache of encoded segments and stills, inside the output folder (hidden; pruned to the current cut)
CACHE_DIR = ".shotcraft-segments"


@dataclass(frozen=True)
class Segment:
    """Timeline frames [start, stop) that depend only on ``events`` (indices into the timeline)."""

    start: int
    stop: int
    kind: str  # "shot" | "transition"
    events: tuple[int, ...]

    @property
    def frames(self) -> int:
        return self.stop - self.start


def plan_segments(timeline: Timeline) -> list[Segment]:
    """The cut split at every shot boundary and around every transition (a transition is its own segment)."""
    events = timeline.events
    windows = [timeline.transition_window(k) for k in range(len(events))]
    cuts = {0, timeline.duration}
    mixed: dict[int, int] = {}  # transition start -> the event it leads into
    for k, event in enumerate(events):
        start, end = windows[k]
        if end > start:
            cuts.update((start, end))
            mixed[start] = k
        else:
            cuts.add(event.record_in)
    bounds = sorted(c for c in cuts if 0 <= c <= timeline.duration)
    segments = []
    for start, stop in zip(bounds, bounds[1:]):
        if start in mixed:
            k = mixed[start]
            segments.append(Segment(start, stop, "transition", (k - 1, k) if k > 0 else (k,)))
        else:
            k = next(i for i, e in enumerate(events) if e.record_in <= start < e.record_out)
            segments.append(Segment(start, stop, "shot", (k,)))
    return segments


class ContentNames:
    """Content hashes of takes, memoised by (path, size, mtime): keys never hold a path."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        stat = os.stat(path)
        token = (str(path), stat.st_size, stat.st_mtime_ns)
        if token not in self._known:
            self._known[token] = file_sha256(path)
        return self._known[token]


def segment_key(timeline: Timeline, segment: Segment, *, output: dict[str, Any], shot_keys: dict[str, Any], names: ContentNames) -> str:
    """What a segment's encoded bytes depend on, relative to its first frame."""
    described = []
    for k in segment.events:
        event = timeline.events[k]
        window = timeline.transition_window(k)
        described.append({
            "take": names(event.clip_path),
            "source_at_start": event.source_in + (segment.start - event.record_in),
            "source_rate": str(event.source_rate) if event.source_rate is not None else None,
            "record": [event.record_in - segment.start, event.record_out - segment.start],
            "transition": [event.transition, event.transition_frames, window[0] - segment.start, window[1] - segment.start, k == 0],
            "shot": shot_keys.get(event.shot_id),
            "reframe": list(event.reframe),
            # the reframe eases in from the previous shot's point across a transition into this one
            "previous_reframe": list(timeline.events[k - 1].reframe) if k > 0 and event.transition_frames else None,
        })  # fmt: skip
    return job_key({"step": "finish-segment", "frames": segment.frames, "kind": segment.kind, "events": described,
                    "size": [timeline.width, timeline.height], "rate": str(timeline.rate), "output": output})  # fmt: skip


@dataclass
class SegmentStore:
    """Encoded segments and stills on disk: ``<out>/.shotcraft-segments/<name>/<key><suffix>``."""

    root: Path

    def path(self, name: str, key: str, suffix: str) -> Path:
        return self.root / name / f"{key}{suffix}"

    def prune(self, keep: Iterable[Path]) -> int:
        """Delete every cached file not in ``keep`` (the current cut's); returns how many."""
        wanted = {Path(p).resolve() for p in keep}
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in self.root.rglob("*"):
            if path.is_file() and path.resolve() not in wanted:
                path.unlink()
                removed += 1
        return removed
