"""Reframing for the platform formats: a crop window that follows the subject along a smooth path.

Each shot's take is sampled four times a second on a 320-pixel proxy and
faces are found with dlib's HOG detector (the well-kept face detector of the
field, installed as dlib-bin); the window is centred on the faces (the largest
counts most), held between detections, and smoothed over about a second so it
glides instead of twitching. A shot with no face falls back to the plan's own
framing point (``shots[].reframe``: where the plan says the action is). Across a
transition the window eases from the outgoing shot's point to the incoming one.

The path of a shot depends only on that shot's take, its used range and its
plan point, so a finishing segment stays independent of its neighbours.
(QA has its own face checks; deliver sits below QA in the data flow and does
not import it. This is the one small detector function deliver needs.)
"""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np

from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.media.video import read_frames

PROXY_WIDTH = 320
SAMPLES_PER_SECOND = 4
SMOOTH_SECONDS = 0.5  # Gaussian sigma of the path
#: identity of the method, part of the finishing segments' keys: bump when the path changes
METHOD = "faces-dlib-hog-v1"
#: the safe area of a platform frame, as margins (left, top, right, bottom) in fractions of the frame:
#: action-safe 5 % at the sides and top, 10 % at the bottom where players draw captions and controls
SAFE_MARGINS = (0.05, 0.05, 0.05, 0.10)

_detector = None
_detector_lock = threading.Lock()


def detect_faces(rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Faces in an RGB frame as (x0, y0, x1, y1) fractions of the frame, largest first (dlib HOG, upsampled once)."""
    import dlib

    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = dlib.get_frontal_face_detector()
        found = _detector(np.ascontiguousarray(rgb), 1)
    height, width = rgb.shape[:2]
    boxes = [(max(r.left(), 0) / width, max(r.top(), 0) / height, min(r.right(), width) / width, min(r.bottom(), height) / height) for r in found]
    return sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)


def subject_point(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float] | None:
    """Where to centre: the faces' centres weighted by area (the largest face counts most)."""
    if not boxes:
        return None
    weights = np.array([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])
    xs = np.array([(b[0] + b[2]) / 2 for b in boxes])
    ys = np.array([(b[1] + b[3]) / 2 for b in boxes])
    return float((xs * weights).sum() / weights.sum()), float((ys * weights).sum() / weights.sum())


class SubjectPath:
    """Per-timeline-frame crop centres (0..1) following each shot's subject; thread-safe, computed per shot on demand."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._paths: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def centre(self, t: int) -> tuple[float, float]:
        events = self.timeline.events
        k = next((i for i, e in enumerate(events) if e.record_in <= t < e.record_out), None)
        if k is None:
            return (0.5, 0.5)
        event = events[k]
        here = self._path(k)[t - event.record_in]
        if k > 0 and event.transition_frames and t < event.record_in + event.transition_frames:
            before = self._path(k - 1)[-1]
            blend = (t - event.record_in + 0.5) / event.transition_frames
            here = before + (here - before) * blend
        return float(here[0]), float(here[1])

    def _path(self, k: int) -> np.ndarray:
        with self._lock:
            if k not in self._paths:
                self._paths[k] = shot_path(self.timeline.events[k], self.timeline.rate)
            return self._paths[k]


def shot_path(event: CutEvent, rate: Fraction) -> np.ndarray:
    """(duration, 2) crop centres for one shot: faces sampled, held, interpolated and smoothed; else the plan's point."""
    step = max(1, int(round(float(rate) / SAMPLES_PER_SECOND)))
    wanted = set(range(event.source_in, event.source_in + event.duration, step))
    points: dict[int, tuple[float, float]] = {}
    proxy = None
    for index, frame in enumerate(read_frames(event.clip_path)):
        if index >= event.source_in + event.duration:
            break
        if index in wanted:
            if proxy is None:
                proxy = (PROXY_WIDTH, max(2, int(round(frame.shape[0] * PROXY_WIDTH / frame.shape[1]))))
            import cv2

            point = subject_point(detect_faces(cv2.resize(frame, proxy, interpolation=cv2.INTER_AREA)))
            if point is not None:
                points[index - event.source_in] = point
    frames = np.arange(event.duration)
    if not points:
        return np.tile(np.array(event.reframe, dtype=np.float64), (event.duration, 1))
    known = np.array(sorted(points))
    xs = np.interp(frames, known, [points[i][0] for i in known])  # held flat before the first / after the last
    ys = np.interp(frames, known, [points[i][1] for i in known])
    return np.stack([_smooth(xs, SMOOTH_SECONDS * float(rate)), _smooth(ys, SMOOTH_SECONDS * float(rate))], axis=1)


def _smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    if values.size < 3 or sigma <= 0:
        return values
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def inside_safe_area(box: tuple[float, float, float, float], crop: tuple[int, int, int, int], frame: tuple[int, int]) -> bool:
    """Is a face box (fractions of the full frame) inside the crop's safe area?"""
    width, height = frame
    x, y, w, h = crop
    left, top, right, bottom = SAFE_MARGINS
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    return x0 >= x + left * w and x1 <= x + (1 - right) * w and y0 >= y + top * h and y1 <= y + (1 - bottom) * h
