"""The grade handed to a colourist: ASC CDL per shot and for the film, a graded EDL/OTIO, the grade report.

Beside the baked ``luts/<shot>.cube`` (written by the delivery), this writes

- ``luts/<shot>.cdl`` and ``luts/<film>.ccc``: each shot's primary correction;
- ``grade/<film>-graded.edl``: the cut with ``*ASC_SOP`` / ``*ASC_SAT`` on
  every event (OpenTimelineIO's CMX 3600 adapter writes them from
  ``clip.metadata["cdl"]``), what Resolve reads as the primary on import;
- ``grade/<film>-graded.otio``: the same timeline with the CDL metadata;
- ``grade/report.html``: each shot ungraded and graded, with its numbers.

The timeline comes from the edit's own :func:`shotcraft.edit.otio_io.to_otio`;
the CDL is put on its clips here, so the edit stage needs no hook for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotcraft.edit.otio_io import NAMESPACE, to_otio
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path
from shotcraft.grade.cdl import write_ccc, write_cdl
from shotcraft.grade.plan import GradePlan
from shotcraft.manifest import ManifestEntry


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


def graded_timeline(grade_plan: GradePlan, timeline: Timeline, *, dips_as_dissolves: bool = False) -> otio.schema.Timeline:
    """The cut as OTIO with each clip's CDL in ``metadata["cdl"]`` (the CMX 3600 adapter's form)."""
    document = to_otio(timeline, dips_as_dissolves=dips_as_dissolves)
    for clip in document.find_clips():
        shot_id = (clip.metadata.get(NAMESPACE) or {}).get("shot")
        if shot_id in grade_plan.shots:
            clip.metadata["cdl"] = grade_plan.shots[shot_id].cdl.to_metadata()
    return document


def write_graded_interchange(grade_plan: GradePlan, timeline: Timeline, folder: str | Path, stem: str) -> dict[str, Path]:
    """``<stem>-graded.edl`` (ASC_SOP/ASC_SAT comments) and ``<stem>-graded.otio``, atomically."""
    folder = Path(folder)
    written: dict[str, Path] = {}
    for kind, suffix, adapter in (("graded-edl", ".edl", "cmx_3600"), ("graded-otio", ".otio", "otio_json")):
        path = folder / f"{stem}-graded{suffix}"
        document = graded_timeline(grade_plan, timeline, dips_as_dissolves=kind == "graded-edl")
        options: dict[str, Any] = {"rate": float(timeline.rate)} if adapter == "cmx_3600" else {}
        with atomic_path(path) as temp:
            try:
                otio.adapters.write_to_file(document, str(temp), adapter_name=adapter, **options)
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
    for kind, path in write_graded_interchange(grade_plan, timeline, out_dir / "grade", stem).items():
        entries.append(ManifestEntry(kind, path.relative_to(out_dir).as_posix(), duration=timeline.seconds, frames=timeline.duration))
    report = write_grade_report(grade_plan, timeline, out_dir / "grade" / "report.html", title=title or stem)
    flags = grade_plan.flags
    entries.append(ManifestEntry("grade-report", report.relative_to(out_dir).as_posix(),
                                 extra={"flags": len(flags), "warnings": sum(f.severity == "warning" for f in flags)}))  # fmt: skip
    return entries
