"""analyze_clip: one decode pass over a reduced-resolution proxy feeding every per-take check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft.qa import faces, identity, image, motion, props, temporal
from shotcraft.qa.context import CheckInput
from shotcraft.media.prefetch import prefetch
from shotcraft.qa.decode import DETAIL_STRIDE, PROXY_WIDTH, decode_proxy
from shotcraft.qa.features import FrameMeasurer
from shotcraft.qa.model import ClipReport, Expected, Flag
from shotcraft.qa.series import finite, segments
from shotcraft.qa.thresholds import resolve_thresholds
from shotcraft.qa.verdict import score_of, verdict_of

CUT_WINDOW = 6  # frames each side a cut's change is compared with

CHECKS = (*temporal.CHECKS, *motion.CHECKS, *image.CHECKS, *faces.CHECKS, *identity.CHECKS, *props.CHECKS)

#: For previz takes (the animatic: drawn storyboard panels, captions burned in, stillness by design) these
#: picture-quality findings are noted (severity info), not judged; flicker, blank, corrupt frames, shake, too much
#: motion and the duration/rate against the plan still count.
PREVIZ_NOTED = frozenset({"QA102", "QA104", "QA106", "QA107", "QA108", "QA109", "QA110", "QA112"})


def analyze_clip(
    path: str | Path,
    *,
    expected: Expected | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> ClipReport:
    """Run every per-take check on one clip.

    ``thresholds`` may be a partial mapping of overrides (see
    :mod:`shotcraft.qa.thresholds`). Raises :class:`InputError` when the file
    is not a readable video at all; damaged frames inside a readable file are
    a QA113 flag instead.
    """
    # 1. check inputs
    values = resolve_thresholds(thresholds)
    path = Path(path)
    # 2. open (unreadable input raises here, naming the file)
    log, frames = decode_proxy(path)
    # 3. one streaming pass: every frame measured once, faces tracked on a stride
    measurer: FrameMeasurer | None = None
    tracker = faces.FaceTracker()
    # the shot's props against their sheets (QA116); an animatic draws them as cartoons: nothing to compare with a photograph
    watcher = props.PropWatcher(expected.props, values) if expected is not None and expected.props and not expected.previz else None
    for frame in prefetch(frames, depth=8, name="shotcraft-qa-decode"):
        if measurer is None:
            measurer = FrameMeasurer(frame.proxy.shape[1], frame.proxy.shape[0])
        measurer.update(frame)
        tracker.update(frame)
        if watcher is not None:
            watcher.update(frame)
    series = {name: np.asarray(v, dtype=np.float64) for name, v in (measurer.series if measurer else {}).items()}
    count = log.decoded
    if count == 0:
        series = {}
    # 4. checks
    cuts = find_cuts(series, values) if count else []
    ci = CheckInput(series=series, frames=count, rate=log.rate, width=log.width, height=log.height, cuts=cuts,
                    thresholds=values, log=log, expected=expected, face_tracker=tracker, prop_watcher=watcher)
    flags: list[Flag] = []
    if count == 0:
        flags.append(Flag("QA113", "major", 0, max(0, log.declared_frames - 1), float(log.declared_frames), values["QA113"],
                          "no frame could be decoded" + (f" ({log.errors[0][1]})" if log.errors else "")))
        flags.extend(temporal.check_duration(ci))
    else:
        for check in CHECKS:
            flags.extend(check(ci))
    if len(cuts) and count:
        flags.extend(f for check in continuity_in_file(ci) for f in check.flags)
    if expected is not None and expected.previz:
        flags = [_noted(f) if f.code in PREVIZ_NOTED and not (f.code == "QA104" and f.value > 1) else f for f in flags]
    flags.sort(key=lambda f: (f.start_frame, f.code))
    # 5. verdict
    verdict = verdict_of(flags)
    score = score_of([f for f in flags if not f.code.startswith("QA2")], max(1, count))  # continuity notes do not cost the shots
    report = ClipReport(path=path, verdict=verdict, score=score, flags=flags, metrics=_metrics(ci, tracker),
                        series={k: v.tolist() for k, v in series.items()}, frames=count, rate=log.rate,
                        width=log.width, height=log.height, cuts=cuts, expected=expected)
    return report


def continuity_in_file(ci: CheckInput) -> list:
    """A multi-shot file (a finished film, a rough cut): continuity across each cut found in it."""
    from shotcraft.qa.continuity import check_cut

    @dataclass(frozen=True)
    class _Shot:  # the fields check_cut reads from a timeline event
        shot_id: str
        source_in: int
        duration: int
        record_in: int
        transition: str = "cut"

    shots = segments(ci.frames, ci.cuts)
    events = [_Shot(f"shot {n + 1} (frames {a}-{b})", a, b - a + 1, a) for n, (a, b) in enumerate(shots)]
    report = ClipReport(path=ci.log.path, verdict="pass", score=100.0, flags=[], metrics={},
                        series={k: v.tolist() for k, v in ci.series.items()}, frames=ci.frames, rate=ci.rate)
    return check_cut(events, [report] * len(events), ci.thresholds, ci.rate)


def _noted(flag: Flag) -> Flag:
    return replace(flag, severity="info", message=flag.message + " (previz: noted, not judged)")


def find_cuts(series: Mapping[str, np.ndarray], thresholds: Mapping[str, float]) -> list[int]:
    """Hard cuts: frames with no structural relation to the previous one, or an isolated jump in the picture.

    Two tests, either suffices. (1) Even after motion compensation the frame does not match the previous one
    (``cut``). (2) Between similar framings (the same face, a reverse angle) optical flow can warp one shot into
    the next, so the uncompensated change is compared with the change around it: a cut is a single frame whose
    change is ``cut.spike`` times the larger of the medians of the ``CUT_WINDOW`` frames on each side (a pan or
    shake changes every frame, a flash keeps the picture's structure; a jump after held frames is the picture
    catching up after a stall). Measured on the corpus (tests/qa): every
    cut of a film joining similar framings found on its frame, no cut found inside any clean or defective clip.
    """
    structure = series.get("structure")
    if structure is None:
        return []
    low = np.nan_to_num(structure, nan=1.0) < thresholds["cut"]
    cuts = {int(i) for i in np.flatnonzero(low) if i > 0}
    change = series.get("raw_change")
    held = np.nan_to_num(series.get("changed", np.zeros(0)), nan=1.0) < thresholds["QA102.epsilon"]
    if change is not None:
        values = np.nan_to_num(change, nan=0.0)
        for index in np.flatnonzero(values > thresholds["cut.min"]):
            if held.size >= index and index >= 3 and held[index - 3 : index].all():
                continue  # the picture catching up after a stall (QA102's), not a cut
            left = values[max(1, index - CUT_WINDOW) : index]
            right = values[index + 1 : index + 1 + CUT_WINDOW]
            around = max(float(np.median(left)) if left.size else 0.0, float(np.median(right)) if right.size else 0.0)
            if values[index] > thresholds["cut.spike"] * max(around, 0.002):
                cuts.add(int(index))
    return sorted(cuts)


def _metrics(ci: CheckInput, tracker: faces.FaceTracker) -> dict[str, Any]:
    def median(name: str) -> float | None:
        values = finite(ci.series.get(name, np.array([])))
        return float(np.median(values)) if values.size else None

    speed = motion.measured_speed(ci) if ci.frames > 1 else 0.0
    jitter = finite(motion.jitter_series(ci)) if ci.frames > 1 else np.array([])
    out: dict[str, Any] = {
        "frames": ci.frames,
        "declared_frames": ci.log.declared_frames,
        "rate": _rate(ci.rate),
        "duration_s": round(ci.seconds(ci.frames), 4),
        "width": ci.width,
        "height": ci.height,
        "codec": ci.log.codec,
        "proxy_width": min(PROXY_WIDTH, ci.width),
        "detail_stride": DETAIL_STRIDE,
        "cuts": ci.cuts,
        "shots": [[a, b] for a, b in segments(ci.frames, ci.cuts)],
        "motion_speed": speed,  # frame widths per second
        "jitter_max": float(jitter.max()) if jitter.size else 0.0,
        "lightness": median("L"),
        "contrast": median("L_std"),
        "cast_a": median("a"),
        "cast_b": median("b"),
        "acuity": median("acuity"),
        "halo": median("halo"),
        "grain": median("grain"),
        "clipped_highlights": _max(ci, "clip_high"),
        "crushed_blacks": _max(ci, "clip_low"),
        "decode_errors": len(ci.log.errors),
        "corrupt_frames": len(ci.log.corrupt_frames),
        "faces": {**tracker.summary(), "identities": ci.identities},
    }
    if ci.expected is not None and (ci.expected.motion is not None or ci.expected.planned_speed is not None):
        out["motion_expected"], out["motion_planned_by"] = motion.planned_or_expected_speed(ci)
        out["motion_ratio"] = speed / out["motion_expected"]
    if ci.prop_watcher is not None:
        out["props"] = ci.prop_watcher.results()
    zoom = finite(ci.series.get("zoom", np.array([])))
    if zoom.size:
        out["zoom_per_s"] = float(zoom.mean()) * float(ci.rate)  # scale change per second (> 0: pushing in)
    return out


def _max(ci: CheckInput, name: str) -> float | None:
    values = finite(ci.series.get(name, np.array([])))
    return float(values.max()) if values.size else None


def _rate(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"
