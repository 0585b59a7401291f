"""Where the faces are in a picture, and a smooth path that follows them through a clip.

The detector is dlib's HOG frontal-face model, the one QA chose after measuring
it against dlib's CNN and OpenCV's Haar cascades (see
:mod:`shotcraft.qa.face_models`); this module holds only the pure detection a
lower stage needs, so render (an import cropped to follow a face) and deliver
(the platform reframes) share it without importing QA, which sits above them.

:func:`face_path` samples a clip four times a second on a 320-pixel proxy,
centres on the faces (area-weighted: the largest counts most), holds the point
between detections and smooths it over about a second, so a crop window that
follows it glides instead of twitching.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from fractions import Fraction

import numpy as np

#: identity of the path method, part of the keys of what depends on it: bump when detection or smoothing changes
FACE_PATH_METHOD = "dlib-hog-path-v1"
PROXY_WIDTH = 320
SAMPLES_PER_SECOND = 4
SMOOTH_SECONDS = 0.5  # Gaussian sigma of the path

Box = tuple[float, float, float, float]

_detector = None
_detector_lock = threading.Lock()


def detect_faces(rgb: np.ndarray) -> list[Box]:
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


def subject_point(boxes: list[Box]) -> tuple[float, float] | None:
    """Where to centre: the faces' centres weighted by area (the largest face counts most)."""
    if not boxes:
        return None
    weights = np.array([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])
    xs = np.array([(b[0] + b[2]) / 2 for b in boxes])
    ys = np.array([(b[1] + b[3]) / 2 for b in boxes])
    return float((xs * weights).sum() / weights.sum()), float((ys * weights).sum() / weights.sum())


def sampled_frames(count: int, rate: Fraction | float, *, start: int = 0) -> set[int]:
    """The frames of ``start .. start + count`` that :func:`face_path` looks at (``rate / 4`` apart): the only ones
    it reads, so a caller decoding a clip converts just these."""
    step = max(1, int(round(float(rate) / SAMPLES_PER_SECOND)))
    return set(range(start, start + count, step))


def face_path(frames: Iterable[np.ndarray | None], count: int, rate: Fraction | float, *, start: int = 0) -> np.ndarray | None:
    """(count, 2) centres (fractions of the frame) following the faces in ``frames[start:start + count]``; None: no face.

    Faces are looked for in the :func:`sampled_frames` on a proxy (the other frames are not read: they may be None);
    the point is held flat before the first and after the last detection, interpolated between, and smoothed.
    """
    import cv2

    wanted = sampled_frames(count, rate, start=start)
    points: dict[int, tuple[float, float]] = {}
    proxy = None
    for index, frame in enumerate(frames):
        if index >= start + count:
            break
        if index in wanted:
            if proxy is None:
                proxy = (PROXY_WIDTH, max(2, int(round(frame.shape[0] * PROXY_WIDTH / frame.shape[1]))))
            point = subject_point(detect_faces(cv2.resize(frame, proxy, interpolation=cv2.INTER_AREA)))
            if point is not None:
                points[index - start] = point
    if not points:
        return None
    positions = np.arange(count)
    known = np.array(sorted(points))
    xs = np.interp(positions, known, [points[i][0] for i in known])  # held flat before the first / after the last
    ys = np.interp(positions, known, [points[i][1] for i in known])
    sigma = SMOOTH_SECONDS * float(rate)
    return np.stack([smooth(xs, sigma), smooth(ys, sigma)], axis=1)


def smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian-smoothed copy of a 1-D path (edges held), same length."""
    if values.size < 3 or sigma <= 0:
        return values
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid")
