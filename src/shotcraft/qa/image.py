"""Image checks: over-sharpened (QA106), soft (QA107), border artifacts (QA108),
clipped highlights (QA109), crushed blacks (QA110), colour cast drift (QA111)."""

from __future__ import annotations

import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.model import Flag
from shotcraft.qa.series import finite, runs, segments
from shotcraft.qa.thresholds import severity_of

BORDER_MIN_FRAMES = 6  # boiling edges persist; a one-off change at the edge (something entering) does not
SIDE_NAMES = ("left", "right", "top", "bottom")
# where each side's band sits in the frame, for the report's 200% crops (x, y, w, h as fractions)
SIDE_REGIONS = ((0.0, 0.0, 0.25, 1.0), (0.75, 0.0, 0.25, 1.0), (0.0, 0.0, 1.0, 0.25), (0.0, 0.75, 1.0, 0.25))


def _sampled_range(ci: CheckInput, name: str, above: bool, limit: float) -> tuple[int, int]:
    values = ci.s(name)
    hit = np.flatnonzero(np.isfinite(values) & ((values > limit) if above else (values < limit)))
    if hit.size == 0:
        return 0, ci.frames - 1
    return int(hit[0]), min(ci.frames - 1, int(hit[-1]))


def check_sharpness(ci: CheckInput) -> list[Flag]:
    flags = []
    # fine natural detail (gantries, fur, text) overshoots its envelope as much as a halo does; a mild blur removes
    # it but keeps the wide rims an unsharp mask draws. Judged: the rims left after the blur, in absolute terms and
    # as a share of the clip's own overshoot (corpus: clean photographs 0-0.08 of it, sharpened 0.19-0.42)
    halo, soft = ci.s("halo"), ci.s("halo_soft") if "halo_soft" in ci.series else np.full(ci.frames, np.nan)
    both = np.isfinite(halo) & np.isfinite(soft)
    if both.any():
        rims = float(np.median(soft[both]))
        share = rims / max(float(np.median(halo[both])), 1e-3)
        if rims > ci.t("QA106") and share > ci.t("QA106.share"):
            start, end = _sampled_range(ci, "halo_soft", True, ci.t("QA106"))
            flags.append(Flag("QA106", severity_of("QA106"), start, end, rims, ci.t("QA106"),
                              f"over-sharpened: halo rims of {rims:.2f} of the edge contrast survive a mild blur "
                              f"({share:.0%} of the overshoot; natural detail keeps under 10 %): the 'video-game render'",
                              region=(0.375, 0.375, 0.25, 0.25)))
    acuity = finite(ci.s("acuity"))
    if acuity.size and float(np.median(acuity)) < ci.t("QA107"):
        value = float(np.median(acuity))
        start, end = _sampled_range(ci, "acuity", False, ci.t("QA107"))
        flags.append(Flag("QA107", severity_of("QA107"), start, end, value, ci.t("QA107"),
                          f"soft image: edge acuity {value:.2f} (sharp footage measures about 0.3)",
                          region=(0.375, 0.375, 0.25, 0.25)))
    return flags


def check_border(ci: CheckInput) -> list[Flag]:
    ratio, level, side = ci.s("border_ratio"), ci.s("border_level"), ci.s("border_side")
    bad = np.nan_to_num(ratio) > ci.t("QA108")
    bad &= np.nan_to_num(level) > ci.t("QA108.floor")
    for cut in ci.cuts:
        bad[cut] = False
    flags = []
    for start, end in runs(bad, min_length=BORDER_MIN_FRAMES, max_gap=2):
        chunk = slice(start, end + 1)
        worst = start + int(np.nanargmax(ratio[chunk]))
        sides = finite(side[chunk][bad[chunk]]).astype(int)
        where = int(np.bincount(sides, minlength=4).argmax()) if sides.size else int(side[worst])
        value = float(np.nanmax(ratio[chunk]))
        flags.append(Flag("QA108", severity_of("QA108"), start, end, value, ci.t("QA108"),
                          f"border artifacts: the {SIDE_NAMES[where]} edge is {value:.1f}x less stable than the interior "
                          f"(frames {start}-{end})", region=SIDE_REGIONS[where]))
    return flags


def _fraction_check(ci: CheckInput, code: str, name: str, what: str) -> list[Flag]:
    values = ci.s(name)
    limit = ci.t(code)
    flags = []
    for start, end in runs((np.nan_to_num(values) > limit) & ~ci.blank(), max_gap=2):
        peak = float(np.nanmax(values[start : end + 1]))
        flags.append(Flag(code, severity_of(code), start, end, peak, limit,
                          f"{what}: up to {peak * 100:.1f} % of the frame (frames {start}-{end})"))
    return flags


def check_clipping(ci: CheckInput) -> list[Flag]:
    return _fraction_check(ci, "QA109", "clip_high", "clipped highlights, no headroom for compression") + _fraction_check(
        ci, "QA110", "clip_low", "crushed blacks"
    )


def check_colour_drift(ci: CheckInput) -> list[Flag]:
    """The colour of the light sliding within a shot: motion-compensated a*/b* changes, accumulated.

    Content entering the frame changes the mean colour but not the colour of
    tracked pixels, so a pan over a red wall is not a drift; a white balance
    that slides moves every pixel and accumulates here.
    """
    shift_a, shift_b = np.nan_to_num(ci.s("shift_a")), np.nan_to_num(ci.s("shift_b"))
    ignore = ci.transitions()
    shift_a[ignore] = 0.0
    shift_b[ignore] = 0.0
    limit = ci.t("QA111")
    flags = []
    for start, end in segments(ci.frames, ci.cuts):
        da = np.cumsum(shift_a[start : end + 1]) - shift_a[start]
        db = np.cumsum(shift_b[start : end + 1]) - shift_b[start]
        drift = np.hypot(da, db)
        over = np.flatnonzero(drift > limit)
        if over.size == 0:
            continue
        peak_at = int(np.argmax(drift))
        value = float(drift[peak_at])
        flags.append(Flag("QA111", severity_of("QA111"), start + int(over[0]), start + int(over[-1]), value, limit,
                          f"colour cast drifts {value:.1f} Lab units towards {_hue_name(da[peak_at], db[peak_at])} within the shot"))
    return flags


def _hue_name(da: float, db: float) -> str:
    angle = np.degrees(np.arctan2(db, da)) % 360
    names = ((30, "magenta-red"), (75, "orange"), (120, "yellow"), (180, "yellow-green"), (230, "green-cyan"), (285, "blue"), (330, "violet"), (360, "magenta-red"))
    return next(name for limit, name in names if angle < limit)


CHECKS = (check_sharpness, check_border, check_clipping, check_colour_drift)
