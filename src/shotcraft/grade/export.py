"""The grade handed to a colourist: ASC CDL per shot and for the film, a graded EDL/OTIO, the grade report.

The baked ``luts/<shot>.cube`` (:func:`export_cubes`, written by the delivery), and

- ``luts/<shot>.cdl`` and ``luts/<film>.ccc``: each shot's primary correction;
- ``<film>-graded.edl``: the cut's own hand-off timeline (``<film>.otio``,
  written by the edit) with ``*ASC_SOP`` / ``*ASC_SAT`` on every event
  (OpenTimelineIO's CMX 3600 adapter writes them from
  ``clip.metadata["cdl"]``), what Resolve reads as the primary on import;
- ``<film>-graded.otio``: the same timeline with the CDL metadata (beside
  the cut's, so its relative media paths hold);
- ``grade/report.html``: each shot ungraded and graded, with its numbers.

The CDL is put on the clips here, so the edit stage needs no change; when the
grade runs before the hand-off, :func:`cdl_metadata` is what the edit's
``export_cut(clip_metadata=...)`` takes to put the same CDL in its own files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotcraft.edit.otio_io import NAMESPACE, to_otio
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.files import json_digest
from shotcraft.fsutil import atomic_path, write_json
from shotcraft.grade.cdl import write_ccc, write_cdl
from shotcraft.grade.lut import write_cube
from shotcraft.grade.plan import GradePlan
from shotcraft.manifest import ManifestEntry
from shotcraft.render.keys import code_identity

CUBES_RECORD = "luts.json"  # what export_cubes wrote, kept by the delivery beside its segments


def export_cubes(grade_plan: GradePlan, folder: str | Path, *, record: Path | None = None) -> list[Path]:
    """One ``<shot>.cube`` per shot (what Resolve loads on each clip); returns the paths.

    ``record`` (a JSON file the caller keeps outside ``folder``): what was written, by content key and file, so a shot
    whose grade did not change is not baked and formatted again while its file is still the one written then (the same
    size, modification time and inode; anything else, or no record, writes it). A one-shot edit of a 45-shot film
    formatted 45 tables of 35,937 lines again, 4 s at the end of its finish, to change one.
    """
    folder = Path(folder)
    known = _read_record(record)
    written: dict[str, list[Any]] = {}
    for shot_id, grade in grade_plan.shots.items():
        path = folder / f"{shot_id}.cube"
        # the table's inputs (colour operations, table size, the look's content) and the code that bakes and writes it
        key = json_digest({"cube": shot_id, "grade": grade_plan.shot_identity(shot_id), "shotcraft": code_identity()})
        if known.get(path.name) != [key, *_file_state(path)]:
            write_cube(grade.lut, path)
        written[path.name] = [key, *_file_state(path)]
    if record is not None and written != known:
        write_json(record, written)
    return [folder / name for name in written]


def _read_record(record: Path | None) -> dict[str, Any]:
    try:
        known = json.loads(record.read_text(encoding="utf-8")) if record is not None else {}
    except (OSError, ValueError):
        return {}  # absent or damaged: every cube is written
    return known if isinstance(known, dict) else {}


def _file_state(path: Path) -> list[int | None]:
    """Size, modification time and inode: a file replaced or edited since it was written has another."""
    try:
        info = path.stat()
    except OSError:
        return [None, None, None]
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def export_cdls(grade_plan: GradePlan, folder: str | Path, stem: str) -> list[Path]:
    """``<shot>.cdl`` per shot and ``<stem>.ccc`` for the film; returns the paths (the .ccc last)."""
    folder = Path(folder)
    descriptions = {shot_id: _description(grade) for shot_id, grade in grade_plan.shots.items()}
    paths = [write_cdl(grade.cdl, folder / f"{shot_id}.cdl", shot_id, description=descriptions[shot_id]) for shot_id, grade in grade_plan.shots.items()]
    paths.append(write_ccc({shot_id: grade.cdl for shot_id, grade in grade_plan.shots.items()}, folder / f"{stem}.ccc", descriptions=descriptions))
    return paths


def _description(grade: Any) -> str:
    data = grade.report()
    return f"shotcraft primary: exposure {data.get('exposure_stops', 0.0):+.2f} stops on {grade.subject}, reference {grade.reference or 'none'}"


def cdl_metadata(grade_plan: GradePlan) -> dict[str, dict[str, Any]]:
    """shot id -> ``{"cdl": ...}``: the form the edit's hand-off (``export_cut(clip_metadata=...)``) merges into clips."""
    return {shot_id: {"cdl": grade.cdl.to_metadata()} for shot_id, grade in grade_plan.shots.items()}


def graded_timeline(grade_plan: GradePlan, timeline: Timeline, cut_otio: Path | None = None) -> otio.schema.Timeline:
    """The cut with each clip's CDL in ``metadata["cdl"]`` (the CMX 3600 adapter's form).

    ``cut_otio``: the edit's own hand-off timeline (media folder, reels, sound tracks, review markers), read back so
    the graded files match it event for event; without it, the edit's :func:`to_otio` of the takes.
    """
    document = None
    if cut_otio is not None and cut_otio.is_file():
        try:
            document = otio.adapters.read_from_file(str(cut_otio))
        except Exception:  # noqa: BLE001 - any unreadable hand-off timeline: rebuild it from the cut
            document = None
    if not isinstance(document, otio.schema.Timeline):
        document = to_otio(timeline)
    metadata = cdl_metadata(grade_plan)
    for clip in document.find_clips():
        shot_id = (clip.metadata.get(NAMESPACE) or {}).get("shot")
        if shot_id in metadata:
            clip.metadata.update(metadata[shot_id])
    return document


def _dips_as_dissolves(document: otio.schema.Timeline) -> otio.schema.Timeline:
    """The picture for the EDL: no audio tracks (the mix and stems), and a dip to black as a dissolve of the same length."""
    copy = document.deepcopy()
    for track in [t for t in copy.tracks if t.kind == otio.schema.TrackKind.Audio]:
        copy.tracks.remove(track)  # a CMX 3600 EDL takes at most 2 audio tracks; the grade's EDL is about picture
    for transition in copy.find_children(descended_from_type=otio.schema.Transition):
        if transition.transition_type != otio.schema.TransitionTypes.SMPTE_Dissolve:
            transition.transition_type = otio.schema.TransitionTypes.SMPTE_Dissolve
    return copy


def write_graded_interchange(grade_plan: GradePlan, timeline: Timeline, folder: str | Path, stem: str) -> dict[str, Path]:
    """``<stem>-graded.edl`` (ASC_SOP/ASC_SAT comments) and ``<stem>-graded.otio`` beside the cut's ``<stem>.otio``."""
    folder = Path(folder)
    document = graded_timeline(grade_plan, timeline, folder / f"{stem}.otio")
    written: dict[str, Path] = {}
    for kind, suffix, adapter in (("graded-edl", ".edl", "cmx_3600"), ("graded-otio", ".otio", "otio_json")):
        path = folder / f"{stem}-graded{suffix}"
        options: dict[str, Any] = {"rate": float(timeline.rate)} if adapter == "cmx_3600" else {}
        with atomic_path(path) as temp:
            try:
                otio.adapters.write_to_file(_dips_as_dissolves(document) if adapter == "cmx_3600" else document, str(temp), adapter_name=adapter, **options)
            except (otio.exceptions.OTIOError, ValueError) as exc:
                raise InputError(f"{path}: the {adapter} adapter could not write the graded cut ({exc})") from None
        written[kind] = path
    return written


def export_grade(grade_plan: GradePlan, timeline: Timeline, out_dir: str | Path, stem: str, *, title: str = "") -> list[ManifestEntry]:
    """Write every grade file a colourist expects and return their manifest entries."""
    from shotcraft.grade.report import write_grade_report

    out_dir = Path(out_dir)
    entries: list[ManifestEntry] = []
    for path in export_cdls(grade_plan, out_dir / "luts", stem):
        kind = "ccc" if path.suffix == ".ccc" else "cdl"
        extra = {"shot": path.stem} if kind == "cdl" else {"shots": len(grade_plan.shots)}
        entries.append(ManifestEntry(kind, path.relative_to(out_dir).as_posix(), extra=extra))
    for kind, path in write_graded_interchange(grade_plan, timeline, out_dir, stem).items():
        entries.append(ManifestEntry(kind, path.relative_to(out_dir).as_posix(), duration=timeline.seconds, frames=timeline.duration))
    report = write_grade_report(grade_plan, timeline, out_dir / "grade" / "report.html", title=title or stem)
    flags = grade_plan.flags
    entries.append(ManifestEntry("grade-report", report.relative_to(out_dir).as_posix(),
                                 extra={"flags": len(flags), "warnings": sum(f.severity == "warning" for f in flags)}))  # fmt: skip
    return entries
