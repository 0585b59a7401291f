"""CLI commands for keeping a film: `shotcraft archive` and `shotcraft restore` (registered on the shared app)."""

from __future__ import annotations

from pathlib import Path

import typer

from shotcraft.cli import app
from shotcraft.cli.common import command, console, echo_json
from shotcraft.errors import InputError


def _check_format(output_format: str) -> None:
    if output_format not in ("text", "json"):
        raise InputError(f"--format: expected 'text' or 'json', found {output_format!r}")


@command(app, "archive", summary="Write the film (plan, settings log, takes, edit, manifest) into one .tar.",
         example="shotcraft archive examples/neo-noir/film.yaml --output out/neo-noir")
def archive_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to archive."),
    to: Path = typer.Option(None, "--to", help="The archive file (default: PLAN's folder/<id>.shotcraft.tar)."),
    output: Path = typer.Option(None, "--output", help="The make output folder whose manifest (grade, mix, conformance) to keep."),
    picked_only: bool = typer.Option(True, "--picked-only/--all-takes",
                                     help="Keep the picked takes (default; the others are archived out and make does not "
                                          "render them again) or every current take."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Archive PLAN: the plan and every file it names, the settings log (SQLite ledger), the picked takes
    (keyframe and clip; every current take with --all-takes), a conformed edit and the output manifest,
    with sha256 for each member."""
    from shotcraft.archive import archive_plan
    from shotcraft.plan import load_plan

    _check_format(output_format)
    plan = load_plan(plan_path)
    target = to if to is not None else plan.root / f"{plan.film.production.id}.shotcraft.tar"
    result = archive_plan(plan, target, output=output, all_takes=not picked_only)
    if output_format == "json":
        echo_json({"archive": str(result.path), "members": result.members, "takes": result.takes, "bytes": result.bytes})
        return
    console.print(f"wrote {result.path}: {result.takes} takes, {result.members} files, {result.bytes / 1e6:.1f} MB", markup=False)


@command(app, "restore", summary="Unpack an archive into an empty folder; make then renders nothing.",
         example="shotcraft restore neo-noir.shotcraft.tar restored/")
def restore_command(
    archive: Path = typer.Argument(..., metavar="ARCHIVE", help="A .tar written by `shotcraft archive`."),
    folder: Path = typer.Argument(..., metavar="DIR", help="An empty (or new) folder."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Check every member (regular files only, no absolute path or '..', each sha256 as listed), then
    write the plan folder and its store into DIR."""
    from shotcraft.archive import restore_archive

    _check_format(output_format)
    plan = restore_archive(archive, folder)
    if output_format == "json":
        echo_json({"plan": str(plan)})
        return
    console.print(f"restored {plan} (run 'shotcraft make {plan} --out ...')", markup=False)
