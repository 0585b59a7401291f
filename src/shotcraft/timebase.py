"""Exact time: integer frames at a rational rate. Seconds and timecode only at the edges.

OpenTimelineIO regrets its float frame rate; we keep rates as ``Fraction``
(24, 25, 30000/1001, 24000/1001) and count frames as ``int``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

# Rates written as decimals by habit, mapped to their exact NTSC fractions.
_DECIMAL_ALIASES = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "59.94": Fraction(60000, 1001),
    "47.952": Fraction(48000, 1001),
}


#: Frame rates a film can play at: below 1 fps a "frame" is a slideshow and timecode breaks;
#: above 240 no encoder profile or display in use plays it.
MIN_RATE, MAX_RATE = 1, 240
_RATE_TEXT = re.compile(r"^\d{1,9}(/\d{1,9})?$")


def parse_rate(value: object) -> Fraction:
    """Parse 24, "24", "24000/1001", "23.976" into an exact Fraction between 1 and 240 fps."""
    if isinstance(value, bool):
        raise ValueError(f"expected a frame rate like 24 or '24000/1001', found {value!r}")
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        text = f"{value:g}"
        if text in _DECIMAL_ALIASES:
            rate = _DECIMAL_ALIASES[text]
        elif value.is_integer():
            rate = Fraction(int(value))
        else:
            raise ValueError(f"expected an exact frame rate (24, '24000/1001'), found {value!r}")
    elif isinstance(value, str):
        text = value.strip()
        if text in _DECIMAL_ALIASES:
            rate = _DECIMAL_ALIASES[text]
        elif not _RATE_TEXT.match(text.replace(" ", "")):
            # no exponents ("1e-400"), signs or decimals: Fraction() would take them (and
            # "1e999999999" would build a huge integer)
            raise ValueError(f"expected a frame rate like 24 or '24000/1001', found {value!r}")
        else:
            try:
                rate = Fraction(text)
            except (ValueError, ZeroDivisionError):
                raise ValueError(
                    f"expected a frame rate like 24 or '24000/1001', found {value!r}"
                ) from None
            if "." in text:
                raise ValueError(f"expected an exact frame rate (24, '24000/1001'), found {value!r}")
    else:
        raise ValueError(f"expected a frame rate like 24 or '24000/1001', found {value!r}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"expected a frame rate between {MIN_RATE} and {MAX_RATE} fps, found {value!r}")
    return rate


def format_rate(rate: Fraction) -> str:
    """24 -> "24", 24000/1001 -> "24000/1001"."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def seconds_to_frames(seconds: float | Fraction, rate: Fraction) -> int:
    """Nearest whole frame count for a duration in seconds (half rounds up)."""
    exact = Fraction(seconds) * rate
    return int(math.floor(exact + Fraction(1, 2)))


def frames_to_seconds(frames: int, rate: Fraction) -> Fraction:
    return Fraction(frames) / rate


def frames_to_timecode(frames: int, rate: Fraction) -> str:
    """Non-drop-frame SMPTE timecode HH:MM:SS:FF at the rate's nominal frame base."""
    base = math.ceil(rate)
    ff = frames % base
    total_seconds = frames // base
    return f"{total_seconds // 3600:02d}:{total_seconds // 60 % 60:02d}:{total_seconds % 60:02d}:{ff:02d}"


@dataclass(frozen=True, slots=True)
class FrameRange:
    """A half-open range of frames [start, start + duration) at ``rate``."""

    start: int
    duration: int
    rate: Fraction

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def seconds(self) -> Fraction:
        return frames_to_seconds(self.duration, self.rate)
