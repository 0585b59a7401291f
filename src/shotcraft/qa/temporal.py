"""Temporal checks: flicker (QA101), frozen frames (QA102), blank frames (QA103), corrupt frames (QA113)."""

from __future__ import annotations

import numpy as np

from shotcraft.qa.context import CheckInput
from shotcraft.qa.model import Flag
from shotcraft.qa.series import runs, running_median, segments
from shotcraft.qa.thresholds import severity_of

TREND_WINDOW = 9  # frames: a fade or an exposure ramp is a trend, a pump above it is flicker


def check_flicker(ci: CheckInput) -> list[Flag]:
    """Brightness/colour changes the motion does not explain and that do not persist (pumping, flashes)."""
    unexplained = ci.s("unexplained").copy()
    chroma = np.hypot(ci.s("shift_a"), ci.s("shift_b"))
    # a cut changes everything at once, and a blank frame is QA103's: neither is flicker
    ignore = ci.transitions()
    unexplained[ignore] = np.nan
    chroma[ignore] = np.nan
    luma_dev = np.abs(unexplained - running_median(unexplained, TREND_WINDOW))
    chroma_dev = np.abs(chroma - running_median(chroma, TREND_WINDOW))
    limit, chroma_limit = ci.t("QA101"), ci.t("QA101.chroma")
    over = np.nan_to_num(luma_dev) > limit
    chroma_over = np.nan_to_num(chroma_dev) > chroma_limit
    flags = []
    for start, end in runs(over | chroma_over, max_gap=2):
        luma_peak = float(np.nanmax(luma_dev[start : end + 1]))
        if luma_peak > limit:
            value, threshold, what = luma_peak, limit, f"brightness jumps by up to {luma_peak:.1f} luma levels"
        else:
            value = float(np.nanmax(chroma_dev[start : end + 1]))
            threshold, what = chroma_limit, f"colour jumps by up to {value:.1f} Lab units"
        flags.append(Flag("QA101", severity_of("QA101"), start, end, value, threshold,
                          f"flicker: {what} between frames, not explained by motion (frames {start}-{end})"))
    return flags


def check_frozen(ci: CheckInput) -> list[Flag]:
    """Repeated frames. A stall mid-shot (motion before and after) or a clip that never moves is major;
    a hold at the head or tail (a generator that starts late or stops early: trim it) is minor."""
    changed = ci.s("changed")
    same = np.nan_to_num(changed, nan=np.inf) < ci.t("QA102.epsilon")
    same &= ~ci.blank()  # a blank stretch is QA103's business
    min_run = max(1, int(round(ci.t("QA102"))))
    flags = []
    shots = segments(ci.frames, ci.cuts)
    for start, end in runs(same, min_length=min_run):
        count = end - start + 1
        # head and tail of the shot the run sits in (a multi-shot file is judged shot by shot)
        shot_start, shot_end = next(((a, b) for a, b in shots if a <= start <= b), (0, ci.frames - 1))
        head, tail = start <= shot_start + 1, end >= shot_end
        if head and tail:
            what = "the whole clip is a still image" if len(shots) == 1 else f"shot {shot_start}-{shot_end} is a still image"
            severity = severity_of("QA102")
        elif head or tail:
            severity, what = "minor", f"the picture holds still for {count} frames at the {'head' if head else 'tail'} ({ci.seconds(count):.2f} s)"
        else:
            severity, what = severity_of("QA102"), f"the picture stalls for {count} frames mid-shot ({ci.seconds(count):.2f} s)"
        flags.append(Flag("QA102", severity, start, end, float(count), float(min_run), f"frozen frames: {what}"))
    return flags


def check_blank(ci: CheckInput) -> list[Flag]:
    std, mean = ci.s("luma_std"), ci.s("luma_mean")
    uniform = np.nan_to_num(std, nan=np.inf) < ci.t("QA103")
    flags = []
    for start, end in runs(uniform):
        dark = float(np.nanmean(mean[start : end + 1])) < ci.t("QA103.black")
        kind = "black" if dark else "blank (near-uniform)"
        value = float(np.nanmax(std[start : end + 1]))
        flags.append(Flag("QA103", severity_of("QA103"), start, end, value, ci.t("QA103"),
                          f"{kind} frames {start}-{end} (luma deviation {value:.1f})"))
    return flags


def check_corrupt(ci: CheckInput) -> list[Flag]:
    log = ci.log
    allowed = ci.t("QA113")
    problems: list[tuple[int, int, str]] = []
    for index in log.corrupt_frames:
        problems.append((index, index, "the decoder marked the frame as damaged"))
    for index, message in log.errors:
        problems.append((max(0, index), max(0, index), message))
    for after, count in log.missing:
        problems.append((after + 1, after + count, f"{count} frame(s) missing from the timestamps"))
    explained = len(log.errors) + sum(c for _, c in log.missing)
    if log.declared_frames and log.decoded + explained < log.declared_frames:
        lost = log.declared_frames - log.decoded - explained
        problems.append((log.declared_frames - lost, log.declared_frames - 1, f"{lost} of {log.declared_frames} declared frames never came out of the decoder"))
    total = len(log.corrupt_frames) + len(log.errors) + sum(c for _, c in log.missing)
    if log.declared_frames:
        total = max(total, log.declared_frames - log.decoded)
    if total <= allowed or not problems:
        return []
    problems.sort()
    flags = []
    for start, end, message in _merge(problems):
        flags.append(Flag("QA113", severity_of("QA113"), start, end, float(total), allowed, f"corrupt or undecodable frames {start}-{end}: {message}"))
    return flags


def _merge(problems: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[list] = []
    for start, end, message in problems:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
            if message not in merged[-1][2]:
                merged[-1][2].append(message)
        else:
            merged.append([start, end, [message]])
    return [(start, end, "; ".join(messages[:3])) for start, end, messages in merged]


CHECKS = (check_flicker, check_frozen, check_blank, check_corrupt)


def check_duration(ci: CheckInput) -> list[Flag]:
    """QA114: the clip's frame rate and length against the plan (longer is fine up to a handle allowance)."""
    expected = ci.expected
    if expected is None:
        return []
    flags = []
    last = max(0, ci.frames - 1)
    if expected.rate is not None and ci.rate != expected.rate:
        flags.append(Flag("QA114", severity_of("QA114"), 0, last, float(ci.rate), float(expected.rate),
                          f"frame rate {_rate(ci.rate)} fps, the plan asks for {_rate(expected.rate)} fps"))
    if expected.frames is not None:
        frames = ci.log.decoded
        # compare durations when the rate differs, frames otherwise
        planned = expected.frames if expected.rate in (None, ci.rate) else round(expected.frames / float(expected.rate) * float(ci.rate))
        short = planned - frames
        if short > ci.t("QA114"):
            flags.append(Flag("QA114", severity_of("QA114"), 0, last, float(frames), float(planned),
                              f"clip is {frames} frames ({ci.seconds(frames):.2f} s), the plan needs {planned} ({ci.seconds(planned):.2f} s)"))
        extra = ci.seconds(frames - planned)
        if extra > ci.t("QA114.long"):
            flags.append(Flag("QA114", severity_of("QA114.long"), planned, last, extra, ci.t("QA114.long"),
                              f"clip runs {extra:.2f} s past the planned {ci.seconds(planned):.2f} s (more than handles need)"))
    return flags


def _rate(rate) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


CHECKS = (check_flicker, check_frozen, check_blank, check_corrupt, check_duration)
