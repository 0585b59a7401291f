"""Reframing for the platform formats: a crop window that follows the subject along a smooth path.

Each shot's take is sampled four times a second on a 320-pixel proxy and
faces are found with dlib's HOG detector (the well-kept face detector of the
field, installed as dlib-bin); the window is centred on the faces (the largest
counts most), held between detections, and smoothed over about a second so it
glides instead of twitching. A shot with no face falls back to the plan's own
framing point (``shots[].reframe``: where the plan says the action is). Inside a
transition's window the crop eases from the outgoing shot's point to the incoming one.

The path of a shot depends only on that shot's take, its used range and its
plan point, so a finishing segment stays independent of its neighbours. Given a
folder, each path is kept there under the key of exactly that (the take's
content, never its name): a transition segment re-encoded after a one-shot edit
reads the unchanged neighbour's path instead of finding its faces again.
(The detector and the path live in :mod:`shotcraft.media.faces`, below render and
deliver, shared with imports that crop to follow a face; QA sits above and is not imported.)
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.fsutil import write_bytes
from shotcraft.media.faces import detect_faces, face_path, sampled_frames, subject_point
from shotcraft.media.video import read_frames
from shotcraft.render.keys import code_identity, job_key

__all__ = ["METHOD", "SAFE_MARGINS", "SubjectPath", "detect_faces", "inside_safe_area", "shot_path", "subject_point"]

#: identity of the method, part of the finishing segments' keys: bump when the path changes
METHOD = "faces-dlib-hog-v2"
#: the safe area of a platform frame, as margins (left, top, right, bottom) in fractions of the frame:
#: action-safe 5 % at the sides and top, 10 % at the bottom where players draw captions and controls
SAFE_MARGINS = (0.05, 0.05, 0.05, 0.10)


class SubjectPath:
    """Per-timeline-frame crop centres (0..1) following each shot's subject; thread-safe, computed per shot on demand.

    With ``folder`` and ``content`` (a take's path -> its content sha256), each shot's path is kept in ``folder``
    under :meth:`file`'s name and read back from there."""

    def __init__(self, timeline: Timeline, folder: Path | None = None, content: Callable[[Path], str] | None = None) -> None:
        self.timeline = timeline
        self.folder, self.content = folder, content
        self._paths: dict[int, np.ndarray] = {}
        self._files: dict[int, Path | None] = {}
        self._lock = threading.Lock()
        self.computed = 0  # paths found by looking at the take (not read back), for tests and benchmarks

    def centre(self, t: int) -> tuple[float, float]:
        events = self.timeline.events
        k = next((i for i, e in enumerate(events) if e.record_in <= t < e.record_out), None)
        if k is None:
            return (0.5, 0.5)
        # inside a transition's window (which straddles the edit point) the window glides from the outgoing
        # shot's point to the incoming one's; the blend stays inside the window so the shot segments on
        # either side depend on their own shot only (the transition segment's key holds both takes)
        for j in (k, k + 1):
            if 0 < j < len(events):
                start, end = self.timeline.transition_window(j)
                if start <= t < end:
                    outgoing = self._at(j - 1, t)
                    incoming = self._at(j, t)
                    blend = (t - start + 0.5) / (end - start)
                    here = outgoing + (incoming - outgoing) * blend
                    return float(here[0]), float(here[1])
        here = self._at(k, t)
        return float(here[0]), float(here[1])

    def _at(self, k: int, t: int) -> np.ndarray:
        """Shot ``k``'s centre at timeline frame ``t``, held at its first / last point outside its record range."""
        path = self._path(k)
        return path[min(max(t - self.timeline.events[k].record_in, 0), len(path) - 1)]

    def file(self, k: int) -> Path | None:
        """Where shot ``k``'s path is kept: named by what it depends on (None without a folder); the name is worked out
        once (the first call may hash the take: `deliver` asks for every shot's before its lanes start)."""
        if self.folder is None or self.content is None:
            return None
        if k in self._files:
            return self._files[k]
        event = self.timeline.events[k]
        key = job_key({"step": "subject-path", "method": METHOD, "take": self.content(Path(event.clip_path)), "source_in": event.source_in,
                       "duration": event.duration, "rate": str(self.timeline.rate), "reframe": list(event.reframe),
                       "shotcraft": code_identity()})  # fmt: skip
        self._files[k] = self.folder / f"{key}.npy"
        return self._files[k]

    def _path(self, k: int) -> np.ndarray:
        with self._lock:  # one shot at a time: two lanes asking for the same shot find its faces once
            if k not in self._paths:
                self._paths[k] = self._kept_or_found(k)
            return self._paths[k]

    def _kept_or_found(self, k: int) -> np.ndarray:
        event, kept = self.timeline.events[k], self.file(k)
        if kept is not None and kept.is_file():
            try:
                path = np.load(kept, allow_pickle=False)
                if path.shape == (event.duration, 2):
                    return path  # as saved, dtype included: the same crops as the path found
            except (OSError, ValueError, EOFError):  # EOFError: an empty file
                pass  # not what this code writes: found again below and rewritten
        path = shot_path(event, self.timeline.rate)
        self.computed += 1
        if kept is not None:
            data = io.BytesIO()
            np.save(data, path, allow_pickle=False)
            write_bytes(kept, data.getvalue())
        return path


def shot_path(event: CutEvent, rate: Fraction) -> np.ndarray:
    """(duration, 2) crop centres for one shot: its faces followed (:func:`shotcraft.media.faces.face_path`); else the plan's point.

    Only the frames the path looks at (four a second) are converted to RGB; the others are decoded and passed over
    (a 1080p frame's conversion is most of its cost), so the path is the same as from every frame converted.
    """
    wanted = sampled_frames(event.duration, rate, start=event.source_in)
    converted = read_frames(event.clip_path, count=event.source_in + event.duration, only=wanted)

    def frames() -> Iterator[np.ndarray | None]:
        for index in range(event.source_in + event.duration):
            if index not in wanted:
                yield None
                continue
            frame = next(converted, None)
            if frame is None:  # the take is shorter than its use: the path holds its last point
                return
            yield frame

    path = face_path(frames(), event.duration, rate, start=event.source_in)
    if path is None:
        return np.tile(np.array(event.reframe, dtype=np.float64), (event.duration, 1))
    return path


def inside_safe_area(box: tuple[float, float, float, float], crop: tuple[int, int, int, int], frame: tuple[int, int]) -> bool:
    """Is a face box (fractions of the full frame) inside the crop's safe area?"""
    width, height = frame
    x, y, w, h = crop
    left, top, right, bottom = SAFE_MARGINS
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    return x0 >= x + left * w and x1 <= x + (1 - right) * w and y0 >= y + top * h and y1 <= y + (1 - bottom) * h
