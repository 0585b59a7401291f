"""Small helpers over per-frame measurement series (NaN = not measured on that frame)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def as_array(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def runs(mask: np.ndarray, *, min_length: int = 1, max_gap: int = 0) -> list[tuple[int, int]]:
    """Inclusive (start, end) ranges where ``mask`` is true; gaps up to ``max_gap`` frames are bridged."""
    indices = np.flatnonzero(mask)
    if indices.size == 0:
        return []
    out: list[list[int]] = [[int(indices[0]), int(indices[0])]]
    for index in indices[1:]:
        if index - out[-1][1] - 1 <= max_gap:
            out[-1][1] = int(index)
        else:
            out.append([int(index), int(index)])
    return [(start, end) for start, end in out if end - start + 1 >= min_length]


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Centred running median ignoring NaN (edges use the part of the window inside the series)."""
    return _running(values, window, np.median)


def running_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Centred running mean ignoring NaN, as :func:`running_median`."""
    return _running(values, window, np.mean)


def _running(values: np.ndarray, window: int, reduce) -> np.ndarray:  # noqa: ANN001 - a NumPy reducer
    half = window // 2
    out = np.full(values.shape, math.nan)
    for index in range(values.size):
        chunk = values[max(0, index - half) : index + half + 1]
        chunk = chunk[np.isfinite(chunk)]
        if chunk.size:
            out[index] = float(reduce(chunk))
    return out


def segments(frames: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """Inclusive frame ranges between cuts (a cut frame starts a new segment)."""
    bounds = [0, *sorted(c for c in cuts if 0 < c < frames), frames]
    return [(start, end - 1) for start, end in zip(bounds, bounds[1:]) if end > start]


def finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def nanmax(values: np.ndarray, default: float = 0.0) -> float:
    values = finite(values)
    return float(values.max()) if values.size else default
