"""`shotcraft grade` end to end: errors as one line, LUTs exported for the picked takes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.grade.lut import read_cube
from tests.grade.media import plan_text

runner = CliRunner()


def test_grade_value_out_of_range_is_one_clean_line(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(plan_text(["s01", "s02"], shot_grade={"s02": "{exposure: 9}"}))
    result = runner.invoke(app, ["grade", str(plan)])
    assert result.exit_code == 2
    assert "shots[1].grade.exposure" in result.output and "less than or equal to 4" in result.output
    assert "Traceback" not in result.output


def test_grade_without_takes_says_what_to_do(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(plan_text(["s01"]))
    result = runner.invoke(app, ["grade", str(plan)])
    assert result.exit_code == 2 and "shotcraft render" in result.output


def test_grade_exports_one_cube_per_shot_of_the_cut(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(plan_text(["s01", "s02"], grade="{lut_size: 33}", extra="defaults:\n  takes: 1\n"))
    rendered = runner.invoke(app, ["render", str(plan), "--no-progress"])
    assert rendered.exit_code == 0, rendered.output
    result = runner.invoke(app, ["grade", str(plan), "--export-luts", str(tmp_path / "luts"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["shots"]) == {"s01", "s02"} and report["shots"]["s02"]["reference"] == "s01"
    assert read_cube(tmp_path / "luts" / "s02.cube").size == 33


def test_grade_exports_cdl_beside_the_cubes(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text(plan_text(["s01", "s02"], extra="defaults:\n  takes: 1\n"))
    assert runner.invoke(app, ["render", str(plan), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["grade", str(plan), "--export-luts", str(tmp_path / "luts"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sorted(Path(p).name for p in report["cdl"]) == ["s01.cdl", "s02.cdl", "testfilm.ccc"]
    assert "flags" in report and "continuity" in report
