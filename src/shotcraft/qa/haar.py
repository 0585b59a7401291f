"""A Viola-Jones Haar cascade evaluated with NumPy (integral images, stage-by-stage rejection).

OpenCV 5 wheels no longer ship ``cv2.CascadeClassifier`` nor its cascade
files, so shotcraft carries OpenCV's own frontal-face cascade
(``data/haarcascade_frontalface_default.json``, converted from
``haarcascade_frontalface_default.xml``, Intel License Agreement, text in the
file) and evaluates it the way OpenCV's ``HaarEvaluator`` does: a 24x24
window, features as weighted rectangle sums, each compared against its
threshold times the window's standard-deviation normaliser, additive stages
with early rejection, an image pyramid, and OpenCV's ``groupRectangles``
merge. Nothing is downloaded; on the test faces it agrees with OpenCV 4's
``detectMultiScale`` to within a few pixels.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

BUNDLED = "haarcascade_frontalface_default.json"
DENSE_FRACTION = 0.25  # above this share of windows alive, evaluate the whole grid by slicing


@dataclass(frozen=True)
class _Stage:
    threshold: float
    rects: np.ndarray  # (n_weak, 3, 4) x, y, w, h per rectangle (unused rectangles have weight 0)
    weights: np.ndarray  # (n_weak, 3)
    node_thresholds: np.ndarray  # (n_weak,)
    left: np.ndarray
    right: np.ndarray


class HaarCascade:
    def __init__(self, data: dict) -> None:
        self.window = tuple(data["window"])
        features = data["features"]
        stages = []
        for stage in data["stages"]:
            weak = stage["weak"]
            rects = np.zeros((len(weak), 3, 4), np.int64)
            weights = np.zeros((len(weak), 3), np.float64)
            for i, (feature, _, _, _) in enumerate(weak):
                for j, (x, y, w, h, weight) in enumerate(features[feature][:3]):
                    rects[i, j] = (x, y, w, h)
                    weights[i, j] = weight
            stages.append(_Stage(float(stage["threshold"]), rects, weights,
                                 np.array([w[1] for w in weak]), np.array([w[2] for w in weak]), np.array([w[3] for w in weak])))
        self.stages = stages

    @classmethod
    @functools.lru_cache(maxsize=1)
    def bundled(cls) -> HaarCascade:
        text = resources.files("shotcraft.qa").joinpath("data", BUNDLED).read_text(encoding="utf-8")
        return cls(json.loads(text))

    def detect(self, gray: np.ndarray, *, scale_factor: float = 1.2, min_neighbors: int = 3,
               min_size: int = 24, max_size: int | None = None) -> list[tuple[int, int, int, int]]:
        """Faces in a grey uint8 image as (x, y, w, h), like OpenCV's detectMultiScale."""
        height, width = gray.shape
        win_w, win_h = self.window
        max_size = max_size or min(width, height)
        candidates: list[tuple[int, int, int, int]] = []
        factor = 1.0
        while True:
            size_w, size_h = int(round(win_w * factor)), int(round(win_h * factor))
            scaled_w, scaled_h = int(round(width / factor)), int(round(height / factor))
            if scaled_w < win_w or scaled_h < win_h or max(size_w, size_h) > max_size:
                break
            if size_w >= min_size:
                scaled = gray if factor == 1.0 else cv2.resize(gray, (scaled_w, scaled_h), interpolation=cv2.INTER_LINEAR)
                step = 2 if factor <= 2.0 else 1  # as OpenCV: small scaled images need every position
                for x, y in self._scan(scaled, step):
                    candidates.append((int(round(x * factor)), int(round(y * factor)), size_w, size_h))
            factor *= scale_factor
        return group_rectangles(candidates, min_neighbors)

    def _scan(self, image: np.ndarray, step: int) -> list[tuple[int, int]]:
        win_w, win_h = self.window
        total, squares = cv2.integral2(image, sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)
        stride = total.shape[1]
        flat_sum, flat_sq = total.ravel(), squares.ravel()
        ys, xs = np.mgrid[0 : image.shape[0] - win_h + 1 : step, 0 : image.shape[1] - win_w + 1 : step]
        base = (ys * stride + xs).ravel()
        # the window's normaliser over its inner (w-2)x(h-2) rectangle, as OpenCV computes it
        inner = self._corners(np.array([[1, 1, win_w - 2, win_h - 2]]), stride)[0]
        area = (win_w - 2) * (win_h - 2)
        s = _rect_sum(flat_sum, base, inner)
        q = _rect_sum(flat_sq, base, inner)
        norm = area * q - s * s
        norm = np.where(norm > 0, np.sqrt(np.maximum(norm, 0)), 1.0)
        alive = np.arange(base.size)
        rows, cols = ys.shape
        for stage in self.stages:
            if alive.size == 0:
                break
            if alive.size > DENSE_FRACTION * base.size:
                # most windows still alive: rectangle sums for the whole grid by strided slicing (no gather)
                values = np.stack([self._dense_feature(total, stage.rects[i], stage.weights[i], step, rows, cols) for i in range(len(stage.rects))], axis=1)[alive]
            else:
                corners = self._corners(stage.rects.reshape(-1, 4), stride).reshape(stage.rects.shape[0], 3, 4)
                b = base[alive][:, None, None]
                sums = (flat_sum[b + corners[None, :, :, 3]] - flat_sum[b + corners[None, :, :, 1]]
                        - flat_sum[b + corners[None, :, :, 2]] + flat_sum[b + corners[None, :, :, 0]])
                values = (sums * stage.weights[None]).sum(axis=2)
            votes = np.where(values < stage.node_thresholds[None] * norm[alive][:, None], stage.left[None], stage.right[None])
            alive = alive[votes.sum(axis=1) >= stage.threshold]
        return [(int(xs.ravel()[i]), int(ys.ravel()[i])) for i in alive]

    @staticmethod
    def _dense_feature(total: np.ndarray, rects: np.ndarray, weights: np.ndarray, step: int, rows: int, cols: int) -> np.ndarray:
        """One feature's value at every window of the grid, flattened like the grid."""
        out = np.zeros((rows, cols))
        for (x, y, w, h), weight in zip(rects, weights):
            if weight == 0:
                continue

            def at(dy: int, dx: int) -> np.ndarray:
                return total[dy : dy + (rows - 1) * step + 1 : step, dx : dx + (cols - 1) * step + 1 : step]

            out += weight * (at(y + h, x + w) - at(y, x + w) - at(y + h, x) + at(y, x))
        return out.ravel()

    @staticmethod
    def _corners(rects: np.ndarray, stride: int) -> np.ndarray:
        """Flat integral-image offsets (top-left, top-right, bottom-left, bottom-right) of each rectangle."""
        x, y, w, h = rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3]
        return np.stack([y * stride + x, y * stride + x + w, (y + h) * stride + x, (y + h) * stride + x + w], axis=1)


def _rect_sum(flat: np.ndarray, base: np.ndarray, corners: np.ndarray) -> np.ndarray:
    return flat[base + corners[3]] - flat[base + corners[1]] - flat[base + corners[2]] + flat[base + corners[0]]


def group_rectangles(rects: list[tuple[int, int, int, int]], threshold: int, eps: float = 0.2) -> list[tuple[int, int, int, int]]:
    """OpenCV's groupRectangles: cluster similar boxes, keep clusters of more than ``threshold``, drop nested ones."""
    if not rects:
        return []
    parent = list(range(len(rects)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def similar(a, b) -> bool:
        delta = eps * (min(a[2], b[2]) + min(a[3], b[3])) * 0.5
        return (abs(a[0] - b[0]) <= delta and abs(a[1] - b[1]) <= delta
                and abs(a[0] + a[2] - b[0] - b[2]) <= delta and abs(a[1] + a[3] - b[1] - b[3]) <= delta)

    for i in range(len(rects)):
        for j in range(i):
            if similar(rects[i], rects[j]):
                parent[find(i)] = find(j)
    clusters: dict[int, list[tuple[int, int, int, int]]] = {}
    for i, rect in enumerate(rects):
        clusters.setdefault(find(i), []).append(rect)
    averaged = []
    for members in clusters.values():
        n = len(members)
        box = tuple(int(math.floor(sum(m[k] for m in members) / n + 0.5)) for k in range(4))
        averaged.append((box, n))
    out = []
    for i, (r1, n1) in enumerate(averaged):
        if n1 <= threshold:
            continue
        nested = False
        for j, (r2, n2) in enumerate(averaged):
            if j == i or n2 <= threshold:
                continue
            dx, dy = int(r2[2] * eps), int(r2[3] * eps)
            if (r1[0] >= r2[0] - dx and r1[1] >= r2[1] - dy and r1[0] + r1[2] <= r2[0] + r2[2] + dx
                    and r1[1] + r1[3] <= r2[1] + r2[3] + dy and (n2 > max(3, n1) or n1 < 3)):
                nested = True
                break
        if not nested:
            out.append(r1)
    return sorted(out)
