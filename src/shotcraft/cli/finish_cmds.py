"""CLI commands for this stage (registered on the shared app)."""

from __future__ import annotations

from shotcraft.cli import app  # noqa: F401
from shotcraft.cli.common import Format, command, format_option  # noqa: F401


# --- edit: cut and conform (edit owner; finishing commands go after this block) --------------

from pathlib import Path as _EditPath  # noqa: E402

import typer as _edit_typer  # noqa: E402

from shotcraft.cli.common import console as _edit_console  # noqa: E402
from shotcraft.cli.common import echo_json as _edit_echo_json  # noqa: E402
from shotcraft.errors import InputError as _EditInputError  # noqa: E402


@command(app, "cut", summary="Assemble the picked takes into a rough-cut MP4 plus .otio, .edl and FCP XML.",
         example="shotcraft cut examples/neo-noir/film.yaml --out cut/")
def cut_command(
    plan_path: _EditPath = _edit_typer.Argument(..., metavar="PLAN", help="The film.yaml to cut."),
    out: _EditPath = _edit_typer.Option(None, "--out", help="Output folder (default: PLAN's folder/cut)."),
    output_format: Format = format_option(),
) -> None:
    """Cut the picked takes in plan order (or in the order of a conformed edit) with trims, transitions and
    handles; write the rough cut (H.264, yuv420p, faststart) and the interchange files for Resolve/Premiere/FCP."""
    from shotcraft.edit.export import export_cut
    from shotcraft.plan import load_plan
    from shotcraft.render.store import open_project
    from shotcraft.timebase import frames_to_timecode

    from shotcraft.outputs import check_output_folder

    if out is not None:
        check_output_folder(out)
    plan = load_plan(plan_path)
    result = export_cut(plan, open_project(plan), out if out is not None else plan.root / "cut")
    timeline = result.timeline
    if output_format == "json":
        _edit_echo_json({
            "rough_cut": str(result.rough_cut),
            **{kind: str(path) for kind, path in result.interchange.items()},
            "shots": [e.shot_id for e in timeline.events],
            "frames": timeline.duration,
            "seconds": timeline.seconds,
            "conformed_from": timeline.conformed_from,
        })
        return
    source = f"conformed edit {timeline.conformed_from}" if timeline.conformed_from else "plan order"
    _edit_console.print(f"{len(timeline.events)} shots, {timeline.seconds:.2f} s ({frames_to_timecode(timeline.duration, timeline.rate)}), {source}", markup=False)
    for path in result.paths:
        _edit_console.print(f"wrote {path}", markup=False)


@command(app, "conform", summary="Adopt an edit made in an NLE (.otio): new order, trims and transitions.",
         example="shotcraft conform examples/neo-noir/film.yaml edited.otio")
def conform_command(
    plan_path: _EditPath = _edit_typer.Argument(..., metavar="PLAN", help="The film.yaml the edit belongs to."),
    edited: _EditPath = _edit_typer.Argument(None, metavar="EDITED", help="The .otio exported by the NLE."),
    reset: bool = _edit_typer.Option(False, "--reset", help="Forget the conformed edit: the cut follows the plan again."),
    output_format: Format = format_option(),
) -> None:
    """Read EDITED, match its clips to the plan's takes and store the new cut in .shotcraft/cut.json (film.yaml
    is not rewritten). Clips that are not takes of this film are listed, never dropped silently."""
    from shotcraft.edit.otio_io import conform, reset_conform
    from shotcraft.plan import load_plan
    from shotcraft.render.store import open_project

    plan = load_plan(plan_path)
    project = open_project(plan)
    if reset:
        removed = reset_conform(plan, project)
        _edit_console.print("conformed edit removed: the cut follows the plan" if removed else "no conformed edit to remove", markup=False)
        return
    if edited is None:
        raise _EditInputError("conform: give the edited .otio (or --reset)")
    result = conform(plan, project, edited)
    if output_format == "json":
        _edit_echo_json({
            "override": str(result.override_path),
            "order": list(result.order),
            "changed": list(result.changed),
            "dropped": list(result.dropped),
            "foreign": [clip.describe() for clip in result.foreign],
            "notes": list(result.notes),
        })
        return
    _edit_console.print(f"cut now: {' '.join(result.order)} ({result.timeline.seconds:.2f} s)", markup=False)
    _edit_console.print(f"changed: {', '.join(result.changed) or 'nothing'}", markup=False)
    if result.dropped:
        _edit_console.print(f"dropped from the cut: {', '.join(result.dropped)}", markup=False)
    for clip in result.foreign:
        _edit_console.print(f"not a take of this film (left out): {clip.describe()}", markup=False)
    for note in result.notes:
        _edit_console.print(f"note: {note}", markup=False)
    _edit_console.print(f"stored in {result.override_path}; run 'shotcraft cut {plan_path}' to render it", markup=False)


# --- end of edit commands ------------------------------------------------------------------------------


# --- grade and delivery checks (finishing) -------------------------------------------

from pathlib import Path as _Path  # noqa: E402

import typer as _typer  # noqa: E402

from shotcraft.cli.common import console, echo_json  # noqa: E402


@command(app, "deliver-check", summary="Check deliverables: codec, pixel format, rate, frames, audio, A/V drift.",
         example="shotcraft deliver-check out/neo-noir_master.mov out/neo-noir_distribution.mp4")
def deliver_check_command(
    files: list[_Path] = _typer.Argument(..., metavar="FILE...", help="Video files to check."),
    profile: str | None = _typer.Option(None, "--profile", help="prores, ffv1, distribution or mobile (default: from the file name)."),
    fps: str | None = _typer.Option(None, "--fps", help="Expected frame rate, e.g. 24 or 24000/1001."),
    frames: int | None = _typer.Option(None, "--frames", help="Expected frame count."),
    output_format: Format = format_option(),
) -> None:
    """Probe each file (as ffprobe would, by demuxing every packet) and check it against its delivery profile.
    Exits 1 when any check fails."""
    from shotcraft.deliver.conformance import check_paths, format_report

    reports = check_paths(files, profile=profile, fps=fps, frames=frames)
    if output_format == "json":
        echo_json([{"path": str(r.path), **r.to_dict()} for r in reports])
    else:
        for report in reports:
            console.print(format_report(report), markup=False)
    raise _typer.Exit(0 if all(r.ok for r in reports) else 1)


@command(app, "grade", summary="Grade the cut toward each shot's intent; bake one LUT and one ASC CDL per shot.",
         example="shotcraft grade film.yaml --export-luts luts/")
def grade_command(
    plan_path: _Path = _typer.Argument(_Path("film.yaml"), metavar="PLAN", help="The film plan."),
    export_luts: _Path | None = _typer.Option(None, "--export-luts", help="Write <shot>.cube, <shot>.cdl and <film>.ccc (Resolve) to this folder."),
    output_format: Format = format_option(),
) -> None:
    """Grade the current cut in the seed's order (exposure toward each shot's intent measured on its subject, soft
    contrast, secondary skin, harmonization within each light, the plan's look last, grain) and report what each
    shot's grade does, with every correction that reached its bound. Exits 0 even with flags: they are advice."""
    from shotcraft.grade.export import export_cdls, export_cubes
    from shotcraft.grade.plan import format_grade_report, plan_grade
    from shotcraft.plan.loader import load_plan

    from shotcraft.outputs import check_output_folder

    if export_luts is not None:
        check_output_folder(export_luts, option="--export-luts")
    plan = load_plan(plan_path)
    grade_plan = plan_grade(plan, _current_cut(plan))
    written = []
    if export_luts is not None:
        written = export_cubes(grade_plan, export_luts) + export_cdls(grade_plan, export_luts, plan.film.production.id)
    if output_format == "json":
        echo_json({**grade_plan.report(), "cubes": [str(p) for p in written if p.suffix == ".cube"],
                   "cdl": [str(p) for p in written if p.suffix in (".cdl", ".ccc")]})  # fmt: skip
    else:
        console.print(format_grade_report(grade_plan), markup=False)
        for path in written:
            console.print(f"wrote {path}", markup=False)


def _current_cut(plan):  # noqa: ANN001, ANN202 - the edit's timeline of the picked takes
    from shotcraft.edit.build import build_timeline
    from shotcraft.render.store import open_project

    return build_timeline(plan, open_project(plan))
