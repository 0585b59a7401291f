"""Deliver the finished film in one streaming pass: master, distribution, mobile, poster, contact sheet.

Frames flow from the takes through the grade to every encoder at once; the
film never sits in memory (a few frames in a bounded queue, one thumbnail
per shot), so peak memory does not grow with the film's length. Every file
is written under a temporary name and renamed only when all of them are
complete: a failure leaves no deliverable that looks finished.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shotcraft.deliver.conformance import check_deliverable
from shotcraft.deliver.encode import PROFILES, crop_box, headroom_curve, open_writer
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path, sweep_stale_temps
from shotcraft.manifest import Manifest, ManifestEntry
from shotcraft.edit.render import render_frames
from shotcraft.media.prefetch import prefetch
from shotcraft.media.video import VideoWriter
from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.schema import Film
from shotcraft.timebase import frames_to_timecode

if TYPE_CHECKING:
    from shotcraft.grade.plan import GradePlan

Transform = Callable[[str, int, np.ndarray], np.ndarray]
ALL_KINDS = ("master", "distribution", "mobile", "poster", "contact-sheet", "luts")
QUEUE_FRAMES = 4
THUMB_WIDTH = 320


@dataclass(frozen=True)
class Outputs:
    master: Path
    distribution: Path
    mobile: Path
    poster: Path
    contact_sheet: Path


def output_paths(film: Film, out_dir: Path) -> Outputs:
    stem = film.production.id
    master_suffix = PROFILES[film.delivery.master].suffix
    aspect = film.delivery.mobile_aspect.replace(":", "x")
    return Outputs(
        master=out_dir / f"{stem}_master{master_suffix}",
        distribution=out_dir / f"{stem}_distribution.mp4",
        mobile=out_dir / f"{stem}_mobile_{aspect}.mp4",
        poster=out_dir / f"{stem}_poster.png",
        contact_sheet=out_dir / f"{stem}_contact_sheet.png",
    )


def deliver(
    plan: LoadedPlan | Film,
    timeline: Timeline,
    grade_plan: GradePlan | None,
    out_dir: str | Path,
    manifest: Manifest | None,
    *,
    audio: Path | None,
    kinds: tuple[str, ...] = ALL_KINDS,
    frames: Iterator[np.ndarray] | None = None,
) -> list[ManifestEntry]:
    """Write the deliverables of the cut; returns their manifest entries (also added to ``manifest``).

    ``grade_plan`` None delivers ungraded. ``frames``
    overrides the frame source (already graded timeline frames), e.g. the edit's render.
    """
    # 1. Check inputs
    film = plan.film if isinstance(plan, LoadedPlan) else plan
    out_dir = Path(out_dir)
    unknown = set(kinds) - set(ALL_KINDS)
    if unknown:
        raise InputError(f"deliver: unknown deliverable kind(s) {sorted(unknown)}; expected {list(ALL_KINDS)}")
    if not timeline.events or timeline.duration <= 0:
        raise InputError(f"deliver: the cut of {film.production.id!r} is empty")
    if audio is not None and not Path(audio).is_file():
        raise InputError(f"deliver: audio mix {audio} does not exist")
    for event in timeline.events:
        if not Path(event.clip_path).is_file():
            raise InputError(f"deliver: shot {event.shot_id!r}: take {event.clip_path} does not exist")
    sweep_stale_temps(out_dir)  # a killed finishing leaves .tmp-* encodes of 100 MB behind
    paths = output_paths(film, out_dir)
    width, height, rate, total = timeline.width, timeline.height, timeline.rate, timeline.duration
    transform: Transform | None = grade_plan.transform if grade_plan is not None else None
    source = frames if frames is not None else render_frames(timeline, transform=transform)
    mobile_box = crop_box(width, height, film.delivery.mobile_aspect, (0.5, 0.5))
    poster_frame = _poster_index(film, timeline)
    thumb_at = {event.record_in + event.duration // 2: event for event in timeline.events}

    # 2. Open every output under a temporary name
    entries: list[ManifestEntry] = []
    with contextlib.ExitStack() as stack:
        writers: dict[str, VideoWriter] = {}
        final: dict[str, Path] = {}
        seconds = timeline.duration / rate
        for kind, profile, target, size in (
            ("master", PROFILES[film.delivery.master], paths.master, (width, height)),
            ("distribution", PROFILES["distribution"], paths.distribution, (width, height)),
            ("mobile", PROFILES["mobile"], paths.mobile, (mobile_box[2], mobile_box[3])),
        ):
            if kind in kinds:
                tmp = stack.enter_context(atomic_path(target))
                writers[kind] = stack.enter_context(open_writer(tmp, profile, size, rate, audio=audio, seconds=seconds))
                final[kind] = target
        curve = headroom_curve()
        poster: np.ndarray | None = None
        thumbs: list[tuple[str, int, np.ndarray]] = []

        # 3. Stream: one frame through every encoder (each muxes the mix itself)
        import cv2

        written = 0
        for index, frame in enumerate(prefetch(source, depth=QUEUE_FRAMES, name="shotcraft-deliver")):
            if index >= total:
                raise InputError(f"deliver: the frame source gave more than the cut's {total} frames")
            if frame.shape[:2] != (height, width):
                frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
            if "master" in writers:
                writers["master"].write(frame)
            if "distribution" in writers or "mobile" in writers:
                safe = cv2.LUT(frame, curve)
                if "distribution" in writers:
                    writers["distribution"].write(safe)
                if "mobile" in writers:
                    x, y, w, h = crop_box(width, height, film.delivery.mobile_aspect, reframe_at(timeline, index))
                    writers["mobile"].write(np.ascontiguousarray(safe[y : y + h, x : x + w]))
            if index == poster_frame:
                poster = frame.copy()
            if index in thumb_at:
                thumbs.append((thumb_at[index].shot_id, index, _thumbnail(frame)))
            written += 1
        if written != total:
            raise InputError(f"deliver: the cut has {total} frames but only {written} were rendered")

        # 4. Stills, then close every writer (flush) before the renames
        if "poster" in kinds and poster is not None:
            tmp = stack.enter_context(atomic_path(paths.poster))
            _write_png(tmp, poster)
            final["poster"] = paths.poster
        if "contact-sheet" in kinds:
            tmp = stack.enter_context(atomic_path(paths.contact_sheet))
            _write_png(tmp, contact_sheet(thumbs, rate))
            final["contact-sheet"] = paths.contact_sheet
        for writer in writers.values():
            writer.close()  # flush every encoder before any rename: all commit, or none

    # 5. Conformance and manifest entries; each shot's grade as a .cube for the colourist
    for kind, path in final.items():
        entries.append(_entry(kind, path, out_dir, film, timeline, mobile_box, audio))
    if "luts" in kinds and grade_plan is not None:
        from shotcraft.grade.plan import export_cubes

        for path in export_cubes(grade_plan, out_dir / "luts"):
            entries.append(ManifestEntry(kind="lut", path=path.relative_to(out_dir).as_posix(), extra={"shot": path.stem, "size": grade_plan.lut_size}))
    if manifest is not None:
        if grade_plan is not None:
            manifest.checks["grade"] = grade_plan.report()
        for entry in entries:
            manifest.add(entry)
        manifest.checks["conformance"] = {e.path: e.extra.get("conformance", {}).get("ok") for e in entries if "conformance" in e.extra}
    return entries


def reframe_at(timeline: Timeline, index: int) -> tuple[float, float]:
    """Mobile crop centre at a timeline frame: the shot's reframe, eased across a transition into it."""
    current = None
    previous = None
    for event in timeline.events:
        if event.record_in <= index < event.record_out:
            current = event
            break
        previous = event
    if current is None:
        return (0.5, 0.5)
    if previous is not None and current.transition_frames and index < current.record_in + current.transition_frames:
        t = (index - current.record_in + 0.5) / current.transition_frames
        return tuple(p + (c - p) * t for p, c in zip(previous.reframe, current.reframe, strict=True))  # type: ignore[return-value]
    return current.reframe


def contact_sheet(thumbs: list[tuple[str, int, np.ndarray]], rate, columns: int = 4) -> np.ndarray:
    """One labelled frame per shot (shot id and record timecode), in cut order."""
    import cv2

    if not thumbs:
        return np.zeros((90, THUMB_WIDTH, 3), dtype=np.uint8)
    th, tw = thumbs[0][2].shape[:2]
    label_h, gap = 28, 8
    rows = (len(thumbs) + columns - 1) // columns
    cols = min(columns, len(thumbs))
    sheet = np.full((rows * (th + label_h + gap) + gap, cols * (tw + gap) + gap, 3), 24, dtype=np.uint8)
    for number, (shot_id, index, thumb) in enumerate(thumbs):
        top = gap + (number // columns) * (th + label_h + gap)
        left = gap + (number % columns) * (tw + gap)
        sheet[top : top + th, left : left + tw] = cv2.resize(thumb, (tw, th))
        label = f"{shot_id}  {frames_to_timecode(index, rate)}"
        cv2.putText(sheet, label, (left + 4, top + th + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (235, 235, 235), 1, cv2.LINE_AA)
    return sheet


# --- helpers --------------------------------------------------------------------------


def _poster_index(film: Film, timeline: Timeline) -> int:
    if film.delivery.poster_shot is not None:
        try:
            event = timeline.event(film.delivery.poster_shot)
        except KeyError:
            raise InputError(f"deliver: delivery.poster_shot {film.delivery.poster_shot!r} is not in the cut") from None
        return event.record_in + event.duration // 2
    return timeline.duration // 2


def _thumbnail(frame: np.ndarray) -> np.ndarray:
    import cv2

    height = max(2, int(round(frame.shape[0] * THUMB_WIDTH / frame.shape[1])))
    return cv2.resize(frame, (THUMB_WIDTH, height), interpolation=cv2.INTER_AREA)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise InputError(f"deliver: could not write {path}")


def _entry(kind: str, path: Path, out_dir: Path, film: Film, timeline: Timeline, mobile_box, audio: Path | None) -> ManifestEntry:
    relative = path.resolve().relative_to(out_dir.resolve()).as_posix()
    if kind in ("poster", "contact-sheet"):
        return ManifestEntry(kind=kind, path=relative, codec="png")
    profile_name = film.delivery.master if kind == "master" else kind
    width, height = (mobile_box[2], mobile_box[3]) if kind == "mobile" else (timeline.width, timeline.height)
    report = check_deliverable(path, profile_name, rate=timeline.rate, frames=timeline.duration, width=width, height=height)
    return ManifestEntry(
        kind=kind,
        path=relative,
        duration=float(report.facts["duration"]),
        frames=int(report.facts["frames"]),
        codec=str(report.facts["codec"]),
        extra={
            "width": width,
            "height": height,
            "pix_fmt": report.facts["pix_fmt"],
            "audio": "mix" if audio is not None else "silence",
            "conformance": report.to_dict(),
        },
    )
