"""Camera motion as a similarity transform (translation, rotation, scale) fitted to tracked points.

Dense optical flow reads a pan exactly but under-reads a zoom (a push-in or
dolly): its flow is radial, small at the centre, and DIS on a small proxy
underestimates the sub-pixel motion of a slow push by about 20 % (measured
on a push over a real photograph, tests/qa/test_motion.py). Here corners are
tracked with pyramidal Lucas-Kanade on the 320 px proxy and a 4-parameter
similarity is fitted with RANSAC (OpenCV's ``estimateAffinePartial2D``, the
field's standard for global motion); the picture speed it implies is the
exact mean displacement of a grid of points under that transform, the same
measure :func:`shotcraft.backends.camera.path_speed` gives a planned move, so
a planned push reads what the plan asked for. A frame with too few tracked
corners (a flat sky, a cut) gives NaN.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MAX_CORNERS = 100
MIN_TRACKED = 24  # fewer inliers than this: no estimate
# a small window, two pyramid levels and ten iterations: camera moves between frames are a few proxy pixels, and
# LK dominates the cost (measured: 1.3 ms a frame against 4.5 ms with a 15 px window, 3 levels, 20 iterations)
_LK = {"winSize": (11, 11), "maxLevel": 2, "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03)}


def similarity_motion(previous: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """(picture speed in frame widths per frame, scale change per frame) between two grey frames; NaN when unknown."""
    corners = cv2.goodFeaturesToTrack(previous, MAX_CORNERS, 0.01, 6, blockSize=5)
    if corners is None or len(corners) < MIN_TRACKED:
        return math.nan, math.nan
    moved, status, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, **_LK)
    ok = status.ravel() == 1
    if np.count_nonzero(ok) < MIN_TRACKED:
        return math.nan, math.nan
    matrix, inliers = cv2.estimateAffinePartial2D(corners[ok], moved[ok], method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if matrix is None or inliers is None or int(inliers.sum()) < MIN_TRACKED:
        return math.nan, math.nan
    height, width = previous.shape[:2]
    xs, ys = np.meshgrid(np.linspace(0, width, 16), np.linspace(0, height, 9))
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    displaced = matrix @ points
    speed = float(np.hypot(displaced[0] - points[0], displaced[1] - points[1]).mean()) / width
    scale = math.hypot(float(matrix[0, 0]), float(matrix[1, 0]))
    return speed, scale - 1.0
