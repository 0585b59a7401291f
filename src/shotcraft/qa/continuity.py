"""Continuity across cuts (the seeds' visual transition rule).

Between two consecutive shots of the cut the eye compares the end of the
outgoing shot with the start of the incoming one. We measure both sides over
``WINDOW_SECONDS`` of the frames actually used (the event's source range):
QA201 exposure (L*), QA202 white balance / colour cast (Lab a*/b*), QA203
contrast (L* spread), QA204 grain density (noise level), QA205 apparent speed
(optical-flow speed). Each jump is noted on the cut (severity info); more than
``QA206`` of them at one cut ("if three elements change at the same time, the
perception of fake increases") makes the cut a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from shotcraft.qa.model import ClipReport, Flag
from shotcraft.qa.thresholds import severity_of

WINDOW_SECONDS = 0.5
GRAIN_WINDOW_SECONDS = 1.5  # grain is sampled sparsely (detail frames): look further
GRAIN_FLOOR = 0.3  # luma levels: below this both sides are "clean" and not compared


@dataclass(frozen=True)
class ShotSide:
    """What one side of a cut looks like."""

    lightness: float
    a: float
    b: float
    contrast: float
    grain: float | None
    speed: float  # frame widths per second

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if v is None else round(float(v), 4)) for k, v in self.__dict__.items()}


@dataclass
class CutCheck:
    index: int  # the incoming event's position in the cut
    outgoing: str
    incoming: str
    record_frame: int  # where the cut sits on the timeline
    transition: str
    before: ShotSide
    after: ShotSide
    deltas: dict[str, float] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "warn" if any(f.severity in ("minor", "major") for f in self.flags) else "pass"

    @property
    def jumps(self) -> list[str]:
        return [f.code for f in self.flags if f.code != "QA206"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outgoing": self.outgoing,
            "incoming": self.incoming,
            "record_frame": self.record_frame,
            "transition": self.transition,
            "verdict": self.verdict,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "deltas": {k: round(v, 4) for k, v in self.deltas.items()},
            "flags": [f.to_dict() for f in self.flags],
        }


def side(report: ClipReport, start: int, end: int, *, grain_start: int, grain_end: int) -> ShotSide:
    """Summarise frames [start, end] of a clip (clamped to what was decoded)."""
    series = report.series
    last = max(0, report.frames - 1)
    start, end = max(0, min(start, last)), max(0, min(end, last))
    if end < start:
        start, end = end, start

    def med(name: str, lo: int = start, hi: int = end) -> float | None:
        values = np.asarray(series.get(name, [])[lo : hi + 1], dtype=np.float64)
        values = values[np.isfinite(values)]
        return float(np.median(values)) if values.size else None

    speeds = np.asarray(series.get("speed", [])[start : end + 1], dtype=np.float64)
    speeds = speeds[np.isfinite(speeds)]
    grain = med("grain", max(0, min(grain_start, last)), max(0, min(grain_end, last)))
    if grain is None:
        grain = med("grain", 0, last)
    return ShotSide(
        lightness=med("L") or 0.0,
        a=med("a") or 0.0,
        b=med("b") or 0.0,
        contrast=med("L_std") or 0.0,
        grain=grain,
        speed=float(speeds.mean()) * float(report.rate) if speeds.size else 0.0,
    )


def compare(index: int, outgoing: str, incoming: str, record_frame: int, transition: str,
            before: ShotSide, after: ShotSide, thresholds: Mapping[str, float]) -> CutCheck:
    check = CutCheck(index, outgoing, incoming, record_frame, transition, before, after)
    frame = record_frame

    def jump(code: str, value: float, message: str) -> None:
        limit = thresholds[code]
        check.deltas[code] = value
        if abs(value) > limit:
            check.flags.append(Flag(code, severity_of(code), frame, frame, value, limit, message))

    if transition != "dip-to-black":  # black in between resets the eye's exposure and contrast
        d_l = after.lightness - before.lightness
        jump("QA201", d_l, f"exposure jumps {d_l:+.1f} L* from {outgoing} to {incoming}")
        ratio = math.log2(max(after.contrast, 0.5) / max(before.contrast, 0.5))
        jump("QA203", ratio, f"contrast {'rises' if ratio > 0 else 'falls'} {2 ** abs(ratio):.2f}x from {outgoing} to {incoming}")
    d_ab = math.hypot(after.a - before.a, after.b - before.b)
    jump("QA202", d_ab, f"colour cast jumps {d_ab:.1f} Lab a/b units from {outgoing} to {incoming} "
                        f"(a {before.a:+.1f} -> {after.a:+.1f}, b {before.b:+.1f} -> {after.b:+.1f})")
    if before.grain is not None and after.grain is not None and max(before.grain, after.grain) >= GRAIN_FLOOR:
        ratio = math.log2(max(after.grain, GRAIN_FLOOR) / max(before.grain, GRAIN_FLOOR))
        jump("QA204", ratio, f"grain {'thickens' if ratio > 0 else 'thins'} {2 ** abs(ratio):.1f}x from {outgoing} to {incoming}")
    floor = thresholds["QA205.floor"]
    if max(before.speed, after.speed) >= floor:
        ratio = math.log2(max(after.speed, floor) / max(before.speed, floor))
        jump("QA205", ratio, f"apparent speed {'jumps up' if ratio > 0 else 'drops'} {2 ** abs(ratio):.1f}x from {outgoing} to {incoming}")
    jumps = len(check.flags)
    if jumps > thresholds["QA206"]:
        codes = ", ".join(f.code for f in check.flags)
        check.flags.append(Flag("QA206", severity_of("QA206"), frame, frame, float(jumps), thresholds["QA206"],
                                f"{jumps} things change at once at the cut {outgoing} -> {incoming} ({codes}): it will read as fake"))
    return check


def check_cut(events: Sequence[Any], reports: Sequence[ClipReport], thresholds: Mapping[str, float], rate: Fraction) -> list[CutCheck]:
    """Continuity between consecutive events of a timeline; ``reports[i]`` is the analysed clip of ``events[i]``."""
    window = max(2, int(round(WINDOW_SECONDS * float(rate))))
    grain_window = max(window, int(round(GRAIN_WINDOW_SECONDS * float(rate))))
    checks = []
    for index in range(1, len(events)):
        out_event, in_event = events[index - 1], events[index]
        out_end = out_event.source_in + out_event.duration - 1
        before = side(reports[index - 1], out_end - window + 1, out_end, grain_start=out_end - grain_window + 1, grain_end=out_end)
        in_start = in_event.source_in
        after = side(reports[index], in_start, in_start + window - 1, grain_start=in_start, grain_end=in_start + grain_window - 1)
        checks.append(compare(index, out_event.shot_id, in_event.shot_id, in_event.record_in, in_event.transition, before, after, thresholds))
    return checks
