"""Plan checking: validation (and, with the linter, craft rules)."""

from __future__ import annotations

from pathlib import Path

import typer

from shotcraft.cli import app
from shotcraft.cli.common import command, console
from shotcraft.plan import load_plan


@command(app, "check", summary="Validate a plan and lint it for craft mistakes.", example="shotcraft check examples/neo-noir/film.yaml")
def check_command(
    plan_path: Path = typer.Argument(..., metavar="PLAN", help="The film.yaml to check."),
) -> None:
    """Validate PLAN; every problem prints as FILE:LINE:COL: field: message. Exit 2 when invalid."""
    plan = load_plan(plan_path)
    console.print(f"{plan.file}: valid ({len(plan.film.shots)} shots)")
