"""Plan commands: schema, init, show."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from shotcraft.cli import app
from shotcraft.cli.common import command, console, echo_json
from shotcraft.cli.console import styled
from shotcraft.plan import load_plan
from shotcraft.plan.scaffold import scaffold
from shotcraft.plan.schema import json_schema
from shotcraft.plan.summary import summarize


@command(app, "schema", summary="Print the JSON Schema of film.yaml.", example="shotcraft schema > film.schema.json")
def schema_command() -> None:
    """Print the JSON Schema of the film plan, for editors (yaml-language-server) and tools."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


@command(app, "init", summary="Start a new film from a commented template.", example="shotcraft init my-film")
def init_command(
    folder: Path = typer.Argument(..., help="Folder to create the film in."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing film.yaml."),
) -> None:
    """Scaffold DIR/film.yaml: the five intention answers, the arc and a four-shot list to fill in."""
    target = scaffold(folder, force=force)
    console.print(styled("Created ", (str(target), "bold"), ". Next: edit it, then ", (f"shotcraft check {target}", "bold"), "."))


@command(app, "show", summary="Summarize a plan: arc, shot table, running time.", example="shotcraft show examples/neo-noir/film.yaml")
def show_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to summarize."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Print the arc, the shot table (id, role, type, duration, motion, characters, seed) and total running time."""
    summary = summarize(load_plan(plan_path))
    if output_format == "json":
        echo_json(summary.to_dict())
        return
    console.print(styled((summary.title, "bold"), f"  {summary.resolution} @ {summary.fps} fps"))
    if summary.logline:
        console.print(summary.logline, style="italic")
    for block, line in summary.arc.items():
        console.print(styled("  ", (f"{block:<12}", "cyan"), " ", (line, "") if line else ("(missing)", "red")))
    table = Table(show_edge=False, pad_edge=False)
    for column in ("shot", "role", "type", "dur s", "frames", "motion", "characters", "seed", "takes"):
        table.add_column(column, justify="right" if column in ("dur s", "frames", "motion", "seed", "takes") else "left")
    for row in summary.shots:
        seed = "-" if row.seed is None else (f"{row.seed}*" if row.seed_derived else str(row.seed))
        table.add_row(row.id, row.role, row.type, f"{row.duration:.2f}", str(row.frames), f"{row.motion:.2f}", ", ".join(row.characters) or "-", seed, str(row.takes))
    console.print(table)
    console.print(f"{len(summary.shots)} shots, {summary.total_seconds:.2f} s ({summary.timecode}, {summary.total_frames} frames)")
    if any(row.seed_derived for row in summary.shots):
        console.print("* seed derived from the production and shot ids (set keyframe.seed to pin it)")
