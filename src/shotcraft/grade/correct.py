"""The grade's decisions, one function each, every one bounded and reported.

In the seed's order: exposure toward the shot's intent (measured on its
subject, with highlight headroom), then harmonization to the shot's light
group reference (balance: the unintended cast removed; saturation and
contrast pulled towards the reference), secondary skin, fine grain. A value
already within its tolerance is left alone. Every decision returns a
:class:`Correction` that says what was wanted, what was applied and the
documented bound; a correction that reaches its bound is never clamped
silently: it becomes a :class:`GradeFlag` in the grade result, the manifest
and the report (QA reads them: the shot needs relighting or regenerating).

Bounds (documented here, shown in the report):

- exposure: +-2 stops on the subject (``EXPOSURE_BOUND_STOPS``); raising is
  also limited so the brightest 0.5 % of the frame stays under
  ``HEADROOM_CEILING`` (headroom for compression);
- balance: each channel's CDL slope within 2^+-0.5 (``BALANCE_BOUND_LOG2``),
  about one stop of linear light per channel;
- saturation: CDL saturation in [0.9, 1.25]; contrast: S-curve amount in
  [-0.15, +0.3]; both pull half-way towards the first shot of the same kind (its hero)
  in the light group (``MATCH_STRENGTH``); they flatten less readily than
  they lift, and a face is never flattened or desaturated to match (a
  flattened, desaturated close-up looks muddy);
- secondary skin: at most 8 degrees of hue;
- grain: only added, never removed (grain above the charter is reported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from shotcraft.grade import ops
from shotcraft.grade.intent import ExposureIntent
from shotcraft.grade.measure import (
    CAST_AGREEMENT,
    CAST_AGREEMENT_ACROSS,
    Subject,
    cast_de2000,
    consensus_cast,
    contrast_of,
    delta_e2000,
    key_level,
    neutral_lab,
    saturation_of,
    stops_between,
)

EXPOSURE_BOUND_STOPS = 2.0
EXPOSURE_MARGIN_L = 2.0  # a corrected subject lands this far inside its range, not on its edge
LARGE_EXPOSURE_STOPS = 1.0  # larger moves are reported even within the bound
HEADROOM_CEILING = 0.97
HEADROOM_PERCENTILE = 99.5
BALANCE_TOLERANCE_DE = 1.5  # ΔE2000 between neutrals left alone
BALANCE_BOUND_LOG2 = 0.5
LARGE_CAST_DE = 10.0
SATURATION_BOUNDS = (0.9, 1.25)
SATURATION_TOLERANCE = 0.10
CONTRAST_BOUNDS = (-0.15, 0.3)
CONTRAST_TOLERANCE = 0.15
MATCH_STRENGTH = 0.5  # saturation and contrast: half-way to the reference (content differs between shots)
SKIN_TOLERANCE_DEG = 10.0
SKIN_BOUND_DEG = 8.0
SKIN_MIN_SHARE = 0.01


@dataclass(frozen=True)
class Correction:
    """One decision on one shot: wanted and applied value, its bound, and why."""

    name: str  # exposure, balance, saturation, contrast, skin, grain
    wanted: float
    applied: float
    bound: float | None
    unit: str
    note: str = ""
    limited_by: str | None = None  # "bound", "headroom" when the applied value is less than wanted

    @property
    def at_bound(self) -> bool:
        return self.limited_by is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"wanted": round(self.wanted, 4), "applied": round(self.applied, 4), "unit": self.unit}
        if self.bound is not None:
            data["bound"] = self.bound
        if self.limited_by:
            data["limited_by"] = self.limited_by
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class GradeFlag:
    """A correction QA and the report must show: at its bound, or large."""

    shot: str
    code: str  # exposure-at-bound, balance-at-bound, headroom, large-exposure, large-cast, ...
    severity: str  # "warning": the shot needs relighting or regenerating; "info": worth a look
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"shot": self.shot, "code": self.code, "severity": self.severity, "message": self.message}


def _bounded(wanted: float, bound: float) -> tuple[float, str | None]:
    applied = float(np.clip(wanted, -bound, bound))
    return applied, ("bound" if abs(applied - wanted) > 1e-9 else None)


# --- 1. exposure ----------------------------------------------------------------------------------


def decide_exposure(pixels: np.ndarray, subject: Subject, intent: ExposureIntent) -> tuple[float, Correction]:
    """The CDL slope that brings the subject's key level into its intended range (1.0 when already inside)."""
    level = key_level(pixels, subject)
    target = intent.target(level)
    if target == level:
        return 1.0, Correction("exposure", 0.0, 0.0, EXPOSURE_BOUND_STOPS, "stops", f"L* {level:.1f} within {intent.low:.0f}-{intent.high:.0f}")
    inside = min(max(target + (EXPOSURE_MARGIN_L if target > level else -EXPOSURE_MARGIN_L), intent.low), intent.high)
    wanted = stops_between(level, inside)
    applied, limited = _bounded(wanted, EXPOSURE_BOUND_STOPS)
    if applied > 0:
        peaks = pixels.max(axis=1)
        peaks = peaks[peaks < 0.985]  # already clipped: no headroom left to keep there
        brightest = float(np.percentile(peaks, HEADROOM_PERCENTILE)) if len(peaks) else 1.0
        room = _stops_for_slope(pixels, subject, HEADROOM_CEILING / brightest) if brightest < HEADROOM_CEILING else 0.0
        if room < applied:
            applied, limited = max(room, 0.0), "headroom"
    slope = _slope_for_stops(pixels, subject, level, applied)
    note = f"L* {level:.1f} {'under' if wanted > 0 else 'over'} {intent.low:.0f}-{intent.high:.0f} ({intent.why})"
    return slope, Correction("exposure", wanted, applied, EXPOSURE_BOUND_STOPS, "stops", note, limited)


def _level_at(pixels: np.ndarray, subject: Subject, slope: float) -> float:
    return key_level(np.clip(pixels * slope, 0.0, 1.0), subject)


def _stops_for_slope(pixels: np.ndarray, subject: Subject, slope: float) -> float:
    return stops_between(key_level(pixels, subject), _level_at(pixels, subject, slope))


def _slope_for_stops(pixels: np.ndarray, subject: Subject, level: float, stops: float) -> float:
    """Solve the display slope that moves the subject's key level by ``stops`` (bisection; the level is monotonic)."""
    if abs(stops) < 1e-6:
        return 1.0
    low, high = (0.0, 2.5) if stops > 0 else (-2.5, 0.0)  # log2 of the slope
    for _ in range(30):
        middle = (low + high) / 2
        if stops_between(level, _level_at(pixels, subject, 2.0**middle)) < stops:
            low = middle
        else:
            high = middle
    return float(2.0 ** ((low + high) / 2))


# --- 2. harmonization: balance, saturation, contrast -------------------------------------------------


def _neutral_linear(lab: np.ndarray) -> np.ndarray:
    return ops.to_linear(ops.lab_to_rgb(np.asarray(lab, dtype=np.float64)[None]))[0]


def decide_balance(pixels: np.ndarray, own_estimates: np.ndarray, reference_estimates: np.ndarray, *, same_kind: bool = True) -> tuple[np.ndarray, Correction]:
    """Per-channel CDL slopes removing the cast every estimator agrees on, at constant luminance.

    ``*_estimates`` are :func:`shotcraft.grade.measure.neutral_estimates` of the shot and of its reference;
    against a reference of another kind (``same_kind`` False) the estimators must agree more closely.
    """
    cast = consensus_cast(own_estimates, reference_estimates, CAST_AGREEMENT if same_kind else CAST_AGREEMENT_ACROSS)
    distance = cast_de2000(cast)
    if distance <= BALANCE_TOLERANCE_DE:
        return np.ones(3), Correction("balance", distance, 0.0, None, "ΔE2000", "no cast against its reference")
    own = neutral_lab(pixels)
    target = np.array([own[0], own[1] - cast[0], own[2] - cast[1]])
    want = _neutral_linear(target)
    slope = np.ones(3)
    for _ in range(6):  # fixed point: the sRGB curve makes a slope's effect on linear light level dependent
        have = _neutral_linear(neutral_lab(np.clip(pixels * slope, 0, 1)))
        slope = slope * (want / np.maximum(have, 1e-6)) ** (1 / 2.2)
        slope = slope / (slope @ ops.LUMA_709)  # luminance is exposure's business, not balance's
    log_slope = np.log2(slope)
    limited = "bound" if np.abs(log_slope).max() > BALANCE_BOUND_LOG2 else None
    slope = 2.0 ** np.clip(log_slope, -BALANCE_BOUND_LOG2, BALANCE_BOUND_LOG2)
    removed = distance - float(delta_e2000(neutral_lab(np.clip(pixels * slope, 0, 1)), target))
    note = f"cast Δa* {cast[0]:+.1f} Δb* {cast[1]:+.1f} against its reference; slopes {', '.join(f'{v:.3f}' for v in slope)}"
    return slope, Correction("balance", distance, removed, BALANCE_BOUND_LOG2, "ΔE2000", note, limited)


def relock_exposure(pixels: np.ndarray, subject: Subject, goal_level: float, graded: Callable[[float], np.ndarray]) -> float:
    """The extra slope that puts the subject back at ``goal_level`` after harmonization (which never moves exposure).

    ``graded(k)`` grades ``pixels`` with the primary slope multiplied by ``k``.
    """
    if abs(stops_between(key_level(graded(1.0), subject), goal_level)) < 0.03:
        return 1.0
    low, high = -1.0, 1.0  # log2 of k
    for _ in range(16):
        middle = (low + high) / 2
        if key_level(graded(2.0**middle), subject) < goal_level:
            low = middle
        else:
            high = middle
    return float(2.0 ** ((low + high) / 2))


def decide_saturation(pixels: np.ndarray, reference_saturation: float, *, lift_only: bool = False) -> tuple[float, Correction]:
    """CDL saturation pulling the shot's mean chroma half-way towards the reference's (``lift_only``: never down)."""
    own = saturation_of(pixels)
    ratio = reference_saturation / max(own, 1e-3)
    if abs(np.log(ratio)) <= np.log(1 + SATURATION_TOLERANCE):
        return 1.0, Correction("saturation", 1.0, 1.0, None, "x", f"chroma {own:.1f} near its reference {reference_saturation:.1f}")
    wanted = float(ratio**MATCH_STRENGTH)
    if lift_only and wanted < 1:
        return 1.0, Correction("saturation", wanted, 1.0, None, "x", f"chroma {own:.1f} kept: a face is not desaturated to match")
    applied = float(np.clip(wanted, *SATURATION_BOUNDS))
    limited = "bound" if abs(applied - wanted) > 1e-9 else None
    note = f"chroma {own:.1f} against its reference {reference_saturation:.1f}"
    return applied, Correction("saturation", wanted, applied, SATURATION_BOUNDS[1 if wanted > 1 else 0], "x", note, limited)


def decide_contrast(pixels: np.ndarray, pivot: float, reference_contrast: float, plan_amount: float, *, lift_only: bool = False) -> tuple[float, Correction]:
    """S-curve amount (around the subject's level) pulling the shot's L* spread half-way to the reference's."""
    own = contrast_of(pixels)
    ratio = reference_contrast / max(own, 1e-3)
    if abs(np.log(ratio)) <= np.log(1 + CONTRAST_TOLERANCE):
        return plan_amount, Correction("contrast", 0.0, 0.0, CONTRAST_BOUNDS[1], "amount", f"spread {own:.1f} near its reference {reference_contrast:.1f}")
    if lift_only and ratio < 1:
        return plan_amount, Correction("contrast", 0.0, 0.0, None, "amount", f"spread {own:.1f} kept: a face is not flattened to match")
    goal = own * ratio**MATCH_STRENGTH
    low, high = -1.0, 1.0  # bisection on the amount: the spread grows with it
    for _ in range(20):
        middle = (low + high) / 2
        if contrast_of(ops.soft_contrast(pixels, middle, pivot)) < goal:
            low = middle
        else:
            high = middle
    wanted = (low + high) / 2
    applied = float(np.clip(wanted, *CONTRAST_BOUNDS))
    limited = "bound" if abs(applied - wanted) > 1e-9 else None
    note = f"L* spread {own:.1f} against its reference {reference_contrast:.1f}"
    return plan_amount + applied, Correction("contrast", wanted, applied, CONTRAST_BOUNDS[1 if wanted > 0 else 0], "amount", note, limited)


# --- 3. secondary skin -----------------------------------------------------------------------------


def decide_skin(pixels: np.ndarray, *, coloured_light: bool) -> tuple[float, Correction]:
    """Hue shift (degrees) bringing skin towards the skin-tone line; none under an intended coloured light."""
    key = ops.skin_key(pixels)
    if key.mean() < SKIN_MIN_SHARE:
        return 0.0, Correction("skin", 0.0, 0.0, SKIN_BOUND_DEG, "degrees", "no skin in frame")
    lab = ops.rgb_to_lab(pixels)
    a, b = float((lab[:, 1] * key).sum()), float((lab[:, 2] * key).sum())
    hue = float(np.degrees(np.arctan2(b, a)))
    offset = float((ops.SKIN_HUE_DEG - hue + 180) % 360 - 180)
    if coloured_light:
        return 0.0, Correction("skin", offset, 0.0, SKIN_BOUND_DEG, "degrees", f"skin hue {hue:.0f}° kept: the light is coloured by intent")
    if abs(offset) <= SKIN_TOLERANCE_DEG:
        return 0.0, Correction("skin", 0.0, 0.0, SKIN_BOUND_DEG, "degrees", f"skin hue {hue:.0f}° near the skin-tone line")
    wanted = offset - np.sign(offset) * SKIN_TOLERANCE_DEG
    applied, limited = _bounded(wanted, SKIN_BOUND_DEG)
    return applied, Correction("skin", wanted, applied, SKIN_BOUND_DEG, "degrees", f"skin hue {hue:.0f}°", limited)


# --- 4. grain --------------------------------------------------------------------------------------


def decide_grain(existing: float, target: float) -> tuple[float, Correction]:
    """Grain to add (sigma, 8-bit codes) so every shot ends at the charter's grain: sqrt(target^2 - existing^2)."""
    added = float(np.sqrt(max(target**2 - existing**2, 0.0)))
    if target > 0 and existing > target * 1.25:
        note = f"the take already has grain {existing:.1f} above the charter's {target:.1f}: none added, none removed"
        return 0.0, Correction("grain", target, 0.0, None, "codes", note, "bound")
    return added, Correction("grain", target, added, None, "codes", f"take grain {existing:.1f}, added {added:.1f}, charter {target:.1f}")


# --- flags -----------------------------------------------------------------------------------------


def flags_for(shot_id: str, corrections: list[Correction]) -> list[GradeFlag]:
    """What QA and the report must show about a shot's corrections (never a silent clamp)."""
    flags: list[GradeFlag] = []
    for c in corrections:
        if c.limited_by == "headroom":
            flags.append(GradeFlag(shot_id, "exposure-headroom", "warning",
                                   f"exposure wanted {c.wanted:+.2f} stops, stopped at {c.applied:+.2f} to keep highlight headroom: "
                                   "the shot needs relighting or regenerating"))  # fmt: skip
        elif c.limited_by == "bound" and c.name in ("exposure", "balance"):
            wanted = f"{c.wanted:+.2f} stops" if c.name == "exposure" else f"a cast of ΔE2000 {c.wanted:.1f}"
            flags.append(GradeFlag(shot_id, f"{c.name}-at-bound", "warning",
                                   f"{c.name} at its bound ({wanted} wanted): the shot needs relighting or regenerating"))  # fmt: skip
        elif c.limited_by is not None:
            flags.append(GradeFlag(shot_id, f"{c.name}-at-bound", "info", f"{c.name} at its bound: {c.note}"))
        if c.name == "exposure" and abs(c.applied) > LARGE_EXPOSURE_STOPS and c.limited_by is None:
            flags.append(GradeFlag(shot_id, "large-exposure", "info", f"exposure moved {c.applied:+.2f} stops ({c.note})"))
        if c.name == "balance" and c.wanted > LARGE_CAST_DE and c.limited_by is None:
            flags.append(GradeFlag(shot_id, "large-cast", "info", f"a cast of ΔE2000 {c.wanted:.1f} removed ({c.note})"))
    return flags
