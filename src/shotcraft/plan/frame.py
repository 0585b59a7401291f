"""The film's frame shape: every generated size follows ``production.format``, at the seed's pixel budget.

The seed's keyframe sizes (1536x864, 1920x1080) are 16:9. A 7:3 or a vertical
film drawn at 16:9 is cropped twice (keyframe to 16:9, clip back to the film's
aspect); instead a keyframe keeps the seed's pixel count (what a model is
trained and priced for) and takes the film's aspect, rounded to the backend's
multiple. One function decides that rounding: :func:`size_for_aspect`.
"""

from __future__ import annotations

import math
from fractions import Fraction

from shotcraft.plan import presets

#: the seed's keyframe budget in pixels (1536x864)
KEYFRAME_AREA = presets.DEFAULT_KEYFRAME_RESOLUTION[0] * presets.DEFAULT_KEYFRAME_RESOLUTION[1]


def film_aspect(resolution: tuple[int, int]) -> Fraction:
    """The picture's aspect (width / height) from the film's delivered resolution."""
    width, height = resolution
    return Fraction(int(width), int(height))


def size_for_aspect(aspect: Fraction | float, area: int, multiple: int = 2) -> tuple[int, int]:
    """(width, height) of about ``area`` pixels at ``aspect``, both on ``multiple``.

    16:9 at the seed's area gives 1536x864 exactly; 9:16 gives 864x1536; 7:3 gives 1760x754 (multiple 2).
    """
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, found {multiple}")
    ratio = float(aspect)
    if not ratio > 0:
        raise ValueError(f"aspect must be positive, found {aspect}")
    width = max(multiple, round(math.sqrt(area * ratio) / multiple) * multiple)
    height = max(multiple, round(width / ratio / multiple) * multiple)
    return int(width), int(height)


def round_size(size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """A requested size on a backend's multiple, keeping its aspect as closely as the multiple allows."""
    width, height = size
    if multiple <= 1 or (width % multiple == 0 and height % multiple == 0):
        return int(width), int(height)
    return size_for_aspect(Fraction(int(width), int(height)), int(width) * int(height), multiple)


def default_keyframe_size(resolution: tuple[int, int]) -> tuple[int, int]:
    """The keyframe size a plan gets when it sets none: the seed's budget at the film's aspect."""
    return size_for_aspect(film_aspect(resolution), KEYFRAME_AREA, 2)
