"""Motion checks: measured motion against the planned motion strength (QA104), shake/jitter (QA105).

A take that is only its keyframe moved by the planned camera path (a
backend declaring ``clip_is_camera_move``: the stills backend; not the animatic, whose timed panels change on
the beats) is judged
against that path's own speed (``Expected.planned_speed``, the exact mean
displacement of :func:`shotcraft.backends.camera.path_speed`): a static shot
over a still breathes by a fraction of a percent, which is what it should
show, not the motion strength's subject motion.

Calibration of QA104: the plan's motion strength (0..1, the seeds' "motion
strength 0.35-0.55") is mapped linearly to an expected mean optical-flow speed
on the proxy, ``expected = max(floor, QA104.speed_per_motion * motion)`` frame
widths per second. With the default 0.10, motion 0.3 expects picture content
to travel 3 % of the frame width per second, motion 0.5 expects 5 %: the
speed of a slow push-in or a gentle pan over a 4 s shot. The measurement
itself (mean DIS flow magnitude / proxy width * fps) is exact for a pure
translation; ``tests/qa/test_motion.py`` pans generated clips at known speeds
and checks it. The ratio measured/expected is flagged above ``QA104.high``
(too much movement, the seeds' "demonstrative camera") and under ``QA104.low``
(a take that barely moves). Re-fit ``speed_per_motion`` for a model family
with :func:`calibrate_speed_per_motion` from takes judged right by eye.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.model import Flag
from shotcraft.qa.series import finite, runs, running_mean
from shotcraft.qa.thresholds import severity_of

SMOOTH_WINDOW = 5  # frames: camera motion slower than this is intended movement, faster is shake
JITTER_WINDOW = 12  # frames (1/2 s at 24 fps) over which shake is measured (RMS)
MIN_SPIKES = 4  # jolts within that window for it to be shake


def expected_speed(motion: float, thresholds: dict[str, float]) -> float:
    """Expected mean flow speed (frame widths per second) for a planned motion strength."""
    return max(thresholds["QA104.floor"], thresholds["QA104.speed_per_motion"] * float(motion))


def calibrate_speed_per_motion(samples: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope through the origin of (motion strength, measured speed) pairs judged right."""
    motion = np.array([m for m, _ in samples], dtype=np.float64)
    speed = np.array([s for _, s in samples], dtype=np.float64)
    if motion.size == 0 or not np.any(motion > 0):
        raise ValueError("calibration needs at least one sample with motion > 0")
    return float((motion * speed).sum() / (motion * motion).sum())


def measured_speed(ci: CheckInput) -> float:
    """Mean picture speed over the clip, frame widths per second (cut frames excluded): per frame the larger of
    the dense flow's mean (subject motion, pans) and the tracked-corner similarity's (camera moves, zooms exact)."""
    speed = ci.s("speed").copy()
    if "camera_speed" in ci.series:
        speed = np.fmax(speed, ci.s("camera_speed"))
    for cut in ci.cuts:
        speed[cut] = np.nan
    values = finite(speed)
    return float(values.mean()) * float(ci.rate) if values.size else 0.0


def planned_or_expected_speed(ci: CheckInput) -> tuple[float, str]:
    """(expected speed, what plans it): the camera path's own speed where the take is only that path over a still
    (a static shot's breath is a fraction of a percent), else the motion strength's calibrated speed."""
    planned = ci.expected.planned_speed if ci.expected is not None else None
    if planned is not None:
        # the floor: a breath of a fraction of a percent is under what grain and encoding read as motion
        return max(float(planned), thresholds_floor(ci)), "the planned camera path gives"
    return expected_speed(ci.expected.motion, ci.thresholds), f"motion {ci.expected.motion:.2f} plans"


def thresholds_floor(ci: CheckInput) -> float:
    return ci.t("QA104.floor")


def check_motion(ci: CheckInput) -> list[Flag]:
    if ci.expected is None or (ci.expected.motion is None and ci.expected.planned_speed is None) or ci.frames < 2:
        return []
    expected, planned_by = planned_or_expected_speed(ci)
    measured = measured_speed(ci)
    ratio = measured / expected
    last = ci.frames - 1
    if ratio > ci.t("QA104.high"):
        per_frame = np.nan_to_num(ci.s("speed")) * float(ci.rate)
        spans = runs(per_frame > expected * ci.t("QA104.high"), max_gap=3) or [(1, last)]
        start, end = spans[0][0], spans[-1][1]
        return [Flag("QA104", severity_of("QA104.high"), start, end, ratio, ci.t("QA104.high"),
                     f"too much motion: {measured * 100:.1f} % of frame width per second, {ratio:.1f}x what "
                     f"{planned_by} ({expected * 100:.1f} %/s)")]
    if ratio < ci.t("QA104.low"):
        return [Flag("QA104", severity_of("QA104.low"), 0, last, ratio, ci.t("QA104.low"),
                     f"too little motion: {measured * 100:.2f} % of frame width per second, {ratio:.2f}x what "
                     f"{planned_by} ({expected * 100:.2f} %/s)")]
    return []


def jitter_series(ci: CheckInput) -> np.ndarray:
    """RMS of the high-frequency part of global (camera) motion, frame widths per frame."""
    gx, gy = ci.s("global_x").copy(), ci.s("global_y").copy()
    for cut in ci.cuts:
        gx[cut] = gy[cut] = np.nan
    hx = gx - running_mean(gx, SMOOTH_WINDOW)
    hy = gy - running_mean(gy, SMOOTH_WINDOW)
    energy = np.nan_to_num(hx * hx + hy * hy, nan=np.nan)
    return np.sqrt(running_mean(energy, JITTER_WINDOW))


def check_shake(ci: CheckInput) -> list[Flag]:
    """Sustained high-frequency camera motion; a single catch-up jump (after a freeze, a cut) is not shake."""
    jitter = jitter_series(ci)
    limit = ci.t("QA105")
    gx, gy = ci.s("global_x"), ci.s("global_y")
    spikes = np.hypot(gx - running_mean(gx, SMOOTH_WINDOW), gy - running_mean(gy, SMOOTH_WINDOW))
    spiky = running_mean((np.nan_to_num(spikes) > limit).astype(np.float64), JITTER_WINDOW) * JITTER_WINDOW
    sustained = (np.nan_to_num(jitter) > limit) & (spiky >= MIN_SPIKES)
    flags = []
    for start, end in runs(sustained, min_length=3, max_gap=2):
        peak = float(np.nanmax(jitter[start : end + 1]))
        flags.append(Flag("QA105", severity_of("QA105"), start, end, peak, limit,
                          f"camera shake: high-frequency jitter of {peak * 100:.2f} % of frame width per frame (frames {start}-{end})"))
    return flags


CHECKS = (check_motion, check_shake)
