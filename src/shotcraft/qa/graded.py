"""Continuity on the picture the viewer sees: both sides of every cut re-measured after the grade.

QA runs before the grade (it chooses the takes the grade then matches), so
its first continuity pass (:mod:`shotcraft.qa.continuity`) measures the takes
as rendered. The grade exists to remove exactly those jumps; judging the cut
on ungraded takes reports jumps the master does not have. After the finish
step, :func:`grade_continuity` reads the frames each side of every cut,
passes them through the grade's own per-shot transform (the one call into
the grade package: ``GradePlan.transform(shot_id, frame_index, frame)``, the
LUT then the grain, exactly what the deliverables encode), measures them with
the same :class:`~shotcraft.qa.features.FrameMeasurer` as any take, and
replaces the result's cut checks with the graded ones. The ungraded checks
stay beside them for the report's before/after, and the publication
checklist is recomputed from the graded cuts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft.media.video import read_frames
from shotcraft.files import json_digest
from shotcraft.fsutil import write_json
from shotcraft.qa.continuity import GRAIN_WINDOW_SECONDS, WINDOW_SECONDS, CutCheck, ShotSide, compare, side
from shotcraft.qa.decode import DETAIL_WIDTH, PROXY_WIDTH, DecodedFrame, proxy_size
from shotcraft.qa.features import FrameMeasurer
from shotcraft.qa.model import ClipReport, Flag, file_digest
from shotcraft.qa.thresholds import resolve_thresholds
from shotcraft.render.keys import code_identity

Transform = Callable[[str, int, np.ndarray], np.ndarray]
DETAIL_EVERY = 3  # grain is measured on every third frame of the window (sharpness statistics cost 640 px)


def _key(plan: Any, timeline: Any, thresholds: dict[str, float]) -> str:
    film = plan.film
    data = {
        "shotcraft": code_identity(),  # the code that grades and measures, and the tools under it
        "events": [[e.shot_id, e.take, file_digest(e.clip_path), e.source_in, e.duration, e.record_in, e.transition, list(e.reframe)]
                   for e in timeline.events],
        "size": [timeline.width, timeline.height, str(timeline.rate)],
        "grade": film.grade.model_dump(mode="json"), "shots": {s.id: s.grade.model_dump(mode="json") for s in film.shots},
        "texture": film.charters.texture.model_dump(mode="json"),
        "look": file_digest(plan.resolve_path(film.grade.look)) if film.grade.look else None,
        "thresholds": thresholds,
    }
    return json_digest(data)[:24]


class SideCache:
    """One graded side of a cut per file, named by the key of what it depends on; unused entries are dropped."""

    def __init__(self, folder: Path, grade_plan: Any) -> None:
        self.folder, self.grade_plan = folder, grade_plan
        self.used: set[str] = set()
        self.measured = 0  # sides measured (not found in the cache), for tests and benchmarks

    def get(self, what: tuple, measure: Callable[[], ShotSide]) -> ShotSide:
        which, event, start, count, size, rate, window = what
        key = json_digest({
            "shotcraft": code_identity(), "which": which, "clip": file_digest(event.clip_path), "frames": [start, count, window],
            "size": list(size), "rate": rate, "reframe": list(event.reframe), "grade": self.grade_plan.shot_identity(event.shot_id),
        })[:32]
        path = self.folder / f"{key}.json"
        self.used.add(path.name)
        if path.is_file():
            try:
                return ShotSide(**json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, TypeError):
                pass  # re-measured below
        measured = measure()
        self.measured += 1
        write_json(path, {k: (None if v is None else float(v)) for k, v in measured.__dict__.items()})
        return measured

    def forget_unused(self) -> None:
        for stale in self.folder.glob("*.json") if self.folder.is_dir() else ():
            if stale.name not in self.used:
                stale.unlink(missing_ok=True)


def _load(cache: Path | None) -> list[CutCheck] | None:
    if cache is None or not cache.is_file():
        return None
    try:
        out = []
        for item in json.loads(cache.read_text(encoding="utf-8")):
            check = CutCheck(item["index"], item["outgoing"], item["incoming"], item["record_frame"], item["transition"],
                             ShotSide(**item["before"]), ShotSide(**item["after"]), dict(item["raw_deltas"]))
            check.flags = [Flag(f["code"], f["severity"], f["start_frame"], f["end_frame"], f["value"], f["threshold"], f["message"])
                           for f in item["flags"]]
            out.append(check)
        return out
    except (ValueError, KeyError, TypeError):
        return None  # re-measured


def graded_window(event: Any, start: int, count: int, size: tuple[int, int], transform: Transform, rate) -> ClipReport:
    """Frames [start, start + count) of an event's take, graded as the master grades them, measured."""
    from shotcraft.backends.camera import cover_resize

    start = max(0, start)
    measurer: FrameMeasurer | None = None
    frames = 0
    pw, ph = proxy_size(size[0], size[1], PROXY_WIDTH)
    dw, dh = proxy_size(size[0], size[1], DETAIL_WIDTH)
    for offset, frame in enumerate(read_frames(event.clip_path, start=start, count=count)):
        if (frame.shape[1], frame.shape[0]) != size:
            frame = cover_resize(frame, size)
        graded = transform(event.shot_id, start + offset, frame)
        proxy = cv2.resize(graded, (pw, ph), interpolation=cv2.INTER_AREA)
        detail = None
        if offset % DETAIL_EVERY == 0:
            grey = cv2.cvtColor(graded, cv2.COLOR_RGB2GRAY)
            detail = grey if dw >= grey.shape[1] else cv2.resize(grey, (dw, dh), interpolation=cv2.INTER_AREA)
        if measurer is None:
            measurer = FrameMeasurer(pw, ph)
        measurer.update(DecodedFrame(offset, proxy, detail, False))
        frames += 1
    series = {k: list(v) for k, v in (measurer.series if measurer else {}).items()}
    return ClipReport(path=event.clip_path, verdict="pass", score=100.0, flags=[], metrics={}, series=series, frames=frames, rate=rate)


class Stopped(Exception):
    """The measuring was asked to stop (its caller failed): nothing half-measured is kept as the cut's checks."""


def graded_cuts(timeline: Any, transform: Transform, thresholds: dict[str, float], *,
                sides: SideCache | None = None, stop: threading.Event | None = None) -> list[CutCheck]:
    """Continuity between consecutive events, measured on graded frames (same windows as the ungraded check).

    With ``sides``, each side of each cut is remembered by what it depends on (the take's content, the frames, the
    size, that shot's grade): after a one-shot edit only the cuts touching that shot are re-measured. ``stop``, once
    set, ends the measuring before the next cut (:class:`Stopped`)."""
    rate = timeline.rate
    window = max(2, int(round(WINDOW_SECONDS * float(rate))))
    grain_window = max(window, int(round(GRAIN_WINDOW_SECONDS * float(rate))))
    size = (timeline.width, timeline.height)
    events = list(timeline.events)
    checks = []
    for index in range(1, len(events)):
        if stop is not None and stop.is_set():
            raise Stopped
        out_event, in_event = events[index - 1], events[index]
        out_end = out_event.source_in + out_event.duration - 1
        out_start = max(0, out_end - grain_window + 1)
        def before_side(event=out_event, start=out_start, count=out_end - out_start + 1) -> ShotSide:
            report = graded_window(event, start, count, size, transform, rate)
            last = report.frames - 1
            return side(report, last - window + 1, last, grain_start=0, grain_end=last)

        def after_side(event=in_event) -> ShotSide:
            report = graded_window(event, event.source_in, grain_window, size, transform, rate)
            return side(report, 0, window - 1, grain_start=0, grain_end=report.frames - 1)

        if sides is None:
            before, after = before_side(), after_side()
        else:
            before = sides.get(("before", out_event, out_start, out_end - out_start + 1, size, str(rate), window), before_side)
            after = sides.get(("after", in_event, in_event.source_in, grain_window, size, str(rate), window), after_side)
        checks.append(compare(index, out_event.shot_id, in_event.shot_id, in_event.record_in, in_event.transition, before, after, thresholds))
    return checks


def grade_continuity(result: Any, plan: Any, timeline: Any, grade_plan: Any = None, *, cache_dir: Path | None = None) -> None:
    """Re-judge ``result``'s cuts on the graded picture; keep the ungraded ones; close the checklist from them.

    With ``cache_dir``, the graded cuts are remembered by what they depend on (the cut's frames, every grade
    setting, the look, the thresholds): a warm ``make`` re-measures nothing.
    """
    from shotcraft.qa.checklist import publication_checklist

    if timeline is None or not timeline.events:
        return
    cuts = graded_cut_checks(plan, timeline, grade_plan, cache_dir=cache_dir)
    result.cuts_ungraded = list(result.cuts)
    result.cuts = cuts
    result.graded = True
    closed = {item["item"]: item for item in result.checklist if item["status"] != "check"}
    fresh = publication_checklist(plan, result)
    # lines later stages closed (sound, mobile) keep their measured status; the picture lines are recomputed
    result.checklist = [closed.get(item["item"], item) if item["item"] in ("contextualized sound", "validated mobile version") else item
                        for item in fresh]


def graded_cut_checks(plan: Any, timeline: Any, grade_plan: Any = None, *, cache_dir: Path | None = None,
                      stop: threading.Event | None = None) -> list[CutCheck]:  # fmt: skip
    """Every cut of ``timeline`` judged on the graded picture, from ``cache_dir`` when nothing it depends on changed.

    `make` calls it once beside the encodes (the finish step, on the core a one-shot edit leaves idle) so the
    report step finds it cached; ``stop`` ends it early (:class:`Stopped`) when the encodes fail.
    """
    thresholds = resolve_thresholds(plan.film.qa.thresholds)
    cache = Path(cache_dir) / f".graded-{_key(plan, timeline, thresholds)}.json" if cache_dir is not None else None
    cuts = _load(cache)
    if cuts is not None:
        return cuts
    if grade_plan is None:
        from shotcraft.grade.plan import plan_grade

        grade_plan = plan_grade(plan, timeline)
    sides = SideCache(Path(cache_dir) / ".graded-sides", grade_plan) if cache_dir is not None else None
    cuts = graded_cuts(timeline, grade_plan.transform, thresholds, sides=sides, stop=stop)
    if cache is not None:
        for stale in cache.parent.glob(".graded-*.json"):
            stale.unlink(missing_ok=True)
        write_json(cache, [c.to_dict() | {"index": c.index, "raw_deltas": c.deltas} for c in cuts])
    if sides is not None:
        sides.forget_unused()
    return cuts
