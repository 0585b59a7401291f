"""`shotcraft qa`: QA of a film's takes and cut (plan mode) or of any clips (file mode)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from shotcraft.cli import app
from shotcraft.cli.common import Format, command, console, echo_json, err_console, format_option
from shotcraft.cli.console import styled
from shotcraft.errors import InputError, ShotcraftError

PLAN_SUFFIXES = (".yaml", ".yml")
SEVERITY_STYLE = {"major": "red", "minor": "yellow", "info": "dim"}
VERDICT_STYLE = {"pass": "green", "warn": "yellow", "reject": "red"}


@command(app, "qa", summary="Score takes and cuts against the seeds' rejection rules (or any clips).",
         example="shotcraft qa clip_a.mp4 clip_b.mp4 --format json")
def qa_command(
    inputs: list[Path] = typer.Argument(..., metavar="PLAN_OR_FILES...", help="A film.yaml (plan mode) or video files (file mode)."),
    output_format: Format = format_option(),
    report: Path | None = typer.Option(None, "--report", help="Also write report.html and report.json to this folder."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan mode: score without recording anything in the store."),
    jobs: int = typer.Option(None, "-j", "--jobs", min=1, help="Plan mode: worker processes for the takes to analyse (default: one per core, at most 4)."),
) -> None:
    """Measure flicker, frozen/blank/corrupt frames, motion vs plan, shake, sharpness, edge artifacts, clipping,
    colour drift, face instability and duration on every take; in plan mode also continuity across the cut,
    with scores written to the ledger and a proposed take per shot (your pick always wins).

    File mode exits 0 when every file passes or warns, 1 when any is rejected, 2 when any file is unreadable
    (one line per bad file on stderr; the others are still analysed)."""
    if report is not None:
        from shotcraft.outputs import check_output_folder

        check_output_folder(report, option="--report")
    plans = [p for p in inputs if p.suffix.lower() in PLAN_SUFFIXES]
    if plans:
        if len(inputs) != 1:
            raise InputError(f"{plans[0]}: give one film plan alone, or video files without a plan")
        from shotcraft.render.executor import default_jobs

        raise typer.Exit(_plan_mode(plans[0], output_format, report, dry_run, jobs or default_jobs()))
    raise typer.Exit(_file_mode(inputs, output_format, report))


def _file_mode(files: list[Path], output_format: str, report_dir: Path | None) -> int:
    from shotcraft.qa.analyze import analyze_clip

    reports, unreadable = [], 0
    for path in files:
        try:
            reports.append(analyze_clip(path))
        except ShotcraftError as error:
            unreadable += 1
            err_console.print(f"shotcraft: {error}", markup=False)
    if report_dir is not None and reports:
        from shotcraft.qa.report import write_files_report

        write_files_report(reports, report_dir)
    if output_format == "json":
        echo_json([r.to_dict() for r in reports])
    else:
        for r in reports:
            _print_clip(r)
        if report_dir is not None and reports:
            console.print(f"report: {report_dir / 'report.html'}")
    if unreadable:
        return 2
    return 1 if any(r.verdict == "reject" for r in reports) else 0


def _print_clip(r) -> None:
    style = VERDICT_STYLE[r.verdict]
    m = r.metrics
    console.print(styled((str(r.path), "bold"), "  ", (r.verdict, style), f" {r.score:.0f}  "
                         f"({m['frames']} frames @ {m['rate']} fps, {m['width']}x{m['height']})"))
    for flag in r.flags:
        console.print(styled("  ", (flag.code, SEVERITY_STYLE[flag.severity]), f" {flag.severity:<5} "
                             f"frames {flag.start_frame}-{flag.end_frame}: {flag.message}"))


def _plan_mode(plan_path: Path, output_format: str, report_dir: Path | None, dry_run: bool = False, jobs: int = 1) -> int:
    from shotcraft.plan import load_plan
    from shotcraft.qa.run import run_qa_for_plan

    plan = load_plan(plan_path)
    result = run_qa_for_plan(plan, report_dir=report_dir, dry_run=dry_run, jobs=jobs)
    if output_format == "json":
        echo_json(result.to_dict())
        return result.exit_code
    table = Table(show_edge=False, pad_edge=False)
    for column in ("shot", "take", "verdict", "score", "flags"):
        table.add_column(column)
    for shot in result.shots:
        for take in shot.takes:
            style = VERDICT_STYLE[take.report.verdict]
            mark = " *" if take.label == shot.proposal.take else ""
            codes = ", ".join(sorted({f.code for f in take.report.flags})) or "-"
            table.add_row(shot.shot_id, take.label + mark, styled((take.report.verdict, style)), f"{take.report.score:.0f}", codes)
    console.print(table)
    for shot in result.shots:
        if shot.proposal.action != "keep":
            console.print(styled((f"{shot.shot_id}: {shot.proposal.action}", "red"), f" - {shot.proposal.reason}"))
    for cut in result.cuts:
        if cut.flags:
            console.print(f"cut {cut.outgoing} -> {cut.incoming}: " + ", ".join(f.message for f in cut.flags), highlight=False)
    for flag in [*result.identity, *result.props]:  # QA207, QA208: the same face or prop differing between shots
        console.print(styled((flag.code, SEVERITY_STYLE[flag.severity]), f" {flag.message}"), highlight=False)
    console.print("* proposed take (a pick you made always wins)")
    if result.report_path is not None:
        console.print(f"report: {result.report_path}")
    return result.exit_code
