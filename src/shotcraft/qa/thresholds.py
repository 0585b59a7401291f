"""Every QA threshold in one documented table, overridable from the plan.

Keys are a check code (``QA101``) for the check's main threshold, or
``CODE.parameter`` (``QA104.low``) for its secondary ones. The plan overrides
any of them with ``qa.thresholds`` (whole film) and a shot's ``qa.thresholds``
(that shot only, applied last)::

    qa:
      thresholds: {QA101: 5.0, QA104.high: 3.0}

Units are those of the measurement, on the analysis proxy (the clip scaled to
``PROXY_WIDTH`` pixels wide; luma in 8-bit levels 0..255; Lab in CIE units).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from shotcraft.errors import InputError

Severity = Literal["major", "minor", "info"]


@dataclass(frozen=True)
class Threshold:
    key: str
    value: float
    unit: str
    meaning: str
    severity: Severity | None = None  # severity of the flag raised when this threshold is crossed


# One row per threshold. The severity column says what a crossing costs:
# major -> the take is rejected, minor -> a warning, info -> noted only.
TABLE: tuple[Threshold, ...] = (
    # --- temporal -----------------------------------------------------------------------
    Threshold("QA101", 4.0, "luma levels", "frame-to-frame brightness change left after motion compensation, above the shot's local trend (flicker)", "major"),
    Threshold("QA101.chroma", 3.0, "Lab a/b units", "frame-to-frame change of the mean colour above its local trend (colour flicker)"),
    Threshold("QA102", 6, "frames", "shortest run of repeated (frozen) frames that is flagged; mid-shot stalls and still clips are major, holds at the head or tail minor", "major"),
    Threshold("QA102.epsilon", 0.0002, "fraction of frame", "share of pixels in connected regions (3x3) whose grain-filtered change stands out of the grain (5 sigma, 1.5 levels at least) under which a frame holds the previous one; grain, even fresh on every frame, is not motion"),
    Threshold("QA103", 2.5, "luma levels", "luma standard deviation under which a frame is blank / near-uniform (black when also dark)", "major"),
    Threshold("QA103.black", 12.0, "luma levels", "mean luma under which a uniform frame is called black"),
    Threshold("QA113", 0, "frames", "undecodable, corrupt or missing frames tolerated", "major"),
    # --- motion ---------------------------------------------------------------------------
    Threshold("QA104.speed_per_motion", 0.10, "frame widths / s", "calibration: mean optical-flow speed expected at motion strength 1.0 (linear in motion)"),
    Threshold("QA104.floor", 0.004, "frame widths / s", "expected speed never goes below this (a 'static' shot still breathes)"),
    Threshold("QA104.high", 3.0, "ratio", "measured / expected speed above which the shot moves too much", "major"),
    Threshold("QA104.low", 0.15, "ratio", "measured / expected speed under which the shot barely moves", "minor"),
    Threshold("QA105", 0.004, "frame widths / frame", "RMS of high-frequency global motion (shake / jitter) over a 1/2 s window", "major"),
    # --- image ------------------------------------------------------------------------------
    Threshold("QA106", 0.015, "ratio", "halo rims left after a mild blur (sigma 1 px on the detail image) / edge contrast (over-sharpening)", "minor"),
    Threshold("QA106.share", 0.12, "ratio", "those rims as a share of the unblurred overshoot, above which the overshoot is sharpening, not fine natural detail"),
    Threshold("QA107", 0.16, "ratio", "edge acuity: fine detail / coarse detail at strong edges, under which the shot is soft", "minor"),
    Threshold("QA108", 2.5, "ratio", "temporal instability in a border band / in the interior, divided by the band's relative texture (capped at 3); the side where a camera move brings new content in is not judged (edge artifacts)", "major"),
    Threshold("QA108.floor", 1.5, "luma levels", "border instability under this is never flagged"),
    Threshold("QA109", 0.02, "fraction of frame", "pixels at or above luma 250 (clipped highlights)", "minor"),
    Threshold("QA110", 0.12, "fraction of frame", "pixels at or below luma 3 (crushed blacks)", "minor"),
    Threshold("QA111", 6.0, "Lab a/b units", "drift of the mean colour from the shot's first half second (colour cast drift)", "minor"),
    Threshold("QA112", 1.0, "face widths", "jump of a face between detections (4 per second) beyond which it is a new place, not motion; vanishing for 2+ detections mid-shot is also flagged", "major"),
    Threshold("QA112.identity", 0.5, "descriptor distance", "change of a face track's 128-D identity descriptor (dlib ResNet) from what the same track showed before: another face, or a face melting (the same person under pose, expression and light stays under 0.35)", "major"),
    Threshold("QA114", 1, "frames", "frames missing against the planned duration; any frame rate mismatch is flagged", "major"),
    Threshold("QA114.long", 2.0, "seconds", "extra length beyond the plan (handles) before a warning", "minor"),
    Threshold("QA115", 0.6, "descriptor distance", "distance of a face track's identity descriptor to the nearest character of the shot (reference images, else the take's keyframe); dlib's same-person limit", "major"),
    # QA116 calibrated on real photographs (skimage's espresso cup cut out of coffee(), composited into astronaut(),
    # chelsea() and rocket() and encoded as H.264; tests/qa/test_props.py): the same cup under scale (60-150 px tall),
    # rotation (-25..30 deg), perspective, light (x0.45 with a warm tint, x1.3 cool), a 40 % occlusion and motion kept
    # 8-30 inliers on 320 px frames and 26-89 on 640 px ones (QA samples at 640); another photograph in its place, or
    # no cup at all, 2-6 (chance fits). Colour: the same cup 2.3-6.1 CIEDE2000 (320 px; 0.4-3.9 at 640), its hue
    # turned 15 deg 7.8-10.7, 30 deg 17.3-19.7, 120 deg 40-46.
    Threshold("QA116", 10, "RANSAC inliers", "SIFT matches (ratio test) that fit one homography of the prop's sheet onto a sampled frame, under which the prop is not there (sheet: reference images, else the keyframe of a one-prop detail/insert shot)", "major"),
    Threshold("QA116.colour", 12.0, "CIEDE2000", "median colour difference between the sheet and the matched region (warped back, one exposure gain), above which the prop is the wrong colour"),
    Threshold("QA116.keypoints", 40, "keypoints", "SIFT keypoints a reference image needs for the prop to be verifiable; fewer (a plain, textureless object): noted as unverifiable, never judged"),
    # --- shot boundaries inside a clip ---------------------------------------------------------
    Threshold("cut", 0.35, "correlation", "structure correlation under which two frames are a cut, not a defect"),
    Threshold("cut.min", 0.05, "1 - correlation", "uncompensated frame change under which a frame is never a cut"),
    Threshold("cut.spike", 5.0, "ratio", "uncompensated change of one frame / the change around it (median of 6 frames on each side, the larger) above which it is a cut between similar framings"),
    # --- continuity across cuts -----------------------------------------------------------------
    Threshold("QA201", 8.0, "L* units", "exposure jump: mean lightness difference across a cut", "info"),
    Threshold("QA202", 6.0, "Lab a/b units", "white balance / colour cast jump across a cut", "info"),
    Threshold("QA203", 0.5, "log2 ratio", "contrast jump: lightness standard deviation ratio across a cut", "info"),
    Threshold("QA204", 1.0, "log2 ratio", "grain density jump: noise level ratio across a cut", "info"),
    Threshold("QA205", 1.6, "log2 ratio", "apparent-speed jump: motion speed ratio across a cut", "info"),
    Threshold("QA205.floor", 0.01, "frame widths / s", "speeds under this count as still when comparing"),
    Threshold("QA206", 2, "jumps", "more jumps than this at one cut make the cut a warning (the seeds' transition rule)", "minor"),
    Threshold("QA207", 0.5, "descriptor distance", "the same character's face in two shots of the cut (fake casting)", "minor"),
    # QA208: the same cup between two shots (other scene, scale, rotation, perspective, light) 0.3-4.8 CIEDE2000;
    # one shot's cup hue-turned 15 deg 7.4-9.4, 30 deg 18.1 (tests/qa/test_props.py)
    Threshold("QA208", 8.0, "CIEDE2000", "the same prop in two shots of the cut: median colour difference over the parts of its sheet both show (one lightness offset allowed)", "minor"),
)

DEFAULTS: dict[str, float] = {row.key: float(row.value) for row in TABLE}
ROWS: dict[str, Threshold] = {row.key: row for row in TABLE}


def severity_of(code: str) -> Severity:
    row = ROWS.get(code)
    return row.severity if row is not None and row.severity is not None else "minor"


def resolve_thresholds(*overrides: Mapping[str, float] | None, where: str = "qa.thresholds") -> dict[str, float]:
    """Defaults, then each override mapping in order; unknown keys are an error naming ``where``."""
    values = dict(DEFAULTS)
    for mapping in overrides:
        for key, value in (mapping or {}).items():
            if key not in values:
                close = sorted(k for k in values if k.split(".")[0] == key.split(".")[0])
                hint = f" (known for {key.split('.')[0]}: {', '.join(close)})" if close else ""
                raise InputError(f"{where}: unknown QA threshold {key!r}{hint}")
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{where}.{key}: expected a number, found {value!r}") from None
            if not math.isfinite(number) or number < 0:
                # a NaN compares false with everything and would silently disable the check
                raise InputError(f"{where}.{key}: expected a finite number >= 0, found {value!r}")
            values[key] = number
    return values


def table_markdown() -> str:
    """The table as Markdown (for docs and the report)."""
    lines = ["| key | default | unit | severity | meaning |", "|---|---|---|---|---|"]
    for row in TABLE:
        lines.append(f"| {row.key} | {row.value:g} | {row.unit} | {row.severity or '-'} | {row.meaning} |")
    return "\n".join(lines)
