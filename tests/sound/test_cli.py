"""`shotcraft loudness` and `shotcraft mix` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shotcraft.cli import app

from .conftest import write_tone

runner = CliRunner()


def test_loudness_measures_good_files_and_exits_2_on_a_bad_one(tmp_path: Path) -> None:
    good = write_tone(tmp_path / "good.wav", 3.0, dbfs=-12.0)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    result = runner.invoke(app, ["loudness", str(good), str(bad), str(tmp_path / "absent.wav"), "--format", "json"])
    assert result.exit_code == 2
    rows = json.loads(result.stdout)
    assert [row["file"] for row in rows] == [str(good), str(bad), str(tmp_path / "absent.wav")]
    assert rows[0]["integrated_lufs"] < -12 and rows[0]["true_peak_dbtp"] <= -11.9
    assert set(rows[0]) >= {"integrated_lufs", "short_term_max_lufs", "lra", "true_peak_dbtp"}
    assert "cannot read audio file" in rows[1]["error"] and "no such audio file" in rows[2]["error"]
    assert result.stderr.count("shotcraft: ") == 2 and "Traceback" not in result.stderr


def test_loudness_text_output_is_one_line_per_file(tmp_path: Path) -> None:
    good = write_tone(tmp_path / "good.wav", 2.0)
    result = runner.invoke(app, ["loudness", str(good)])
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1 and "integrated" in result.stdout and "dBTP" in result.stdout


def test_mix_command_on_the_plan_cut_writes_mix_stems_and_report(make_plan, tmp_path: Path) -> None:
    plan = make_plan("cues:\n  - shot: b\n    at: 0.3\n    description: keys jingle\n")
    out = tmp_path / "sound"
    result = runner.invoke(app, ["mix", str(plan.path), "--cut", "plan", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cut"].startswith("plan") and report["ok"]
    assert abs(report["integrated_lufs"] + 14.0) <= 0.5 and report["true_peak_dbtp"] <= -1.0
    assert (out / "mix.wav").exists() and (out / "stems" / "effects.wav").exists()
    assert json.loads((out / "sound.json").read_text())["checks"] == report["checks"]


def test_mix_command_rejects_an_unknown_cut(make_plan) -> None:
    plan = make_plan()
    result = runner.invoke(app, ["mix", str(plan.path), "--cut", "final"])
    assert result.exit_code == 2 and "--cut: expected" in result.stderr


def test_mix_command_with_rough_cut_and_nothing_rendered_says_so(make_plan) -> None:
    plan = make_plan()
    result = runner.invoke(app, ["mix", str(plan.path), "--cut", "rough"])
    assert result.exit_code == 2
    assert "no finished take" in result.stderr and "Traceback" not in result.stderr


def test_mix_on_the_rough_cut_of_rendered_takes(make_plan, tmp_path: Path) -> None:
    """End to end with the real render and edit stages (animatic backend, CPU, a few seconds)."""
    plan = make_plan("cues:\n  - shot: c\n    at: 0.5\n    description: door creak\n", offset=-0.5)
    with plan.path.open("a", encoding="utf-8") as handle:
        handle.write("defaults:\n  takes: 1\n")
    rendered = runner.invoke(app, ["render", str(plan.path), "--no-progress"])
    assert rendered.exit_code == 0, rendered.output
    result = runner.invoke(app, ["mix", str(plan.path), "--cut", "rough", "--out", str(tmp_path / "sound"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cut"].startswith("rough cut")
    assert abs(report["integrated_lufs"] + 14.0) <= 0.5 and report["true_peak_dbtp"] <= -1.0
    assert {stem["name"] for stem in report["stems"]} == {"ambience", "effects"}


def test_loudness_checks_a_target_and_a_ceiling(tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", 3.0, dbfs=-12.0)
    measured = json.loads(runner.invoke(app, ["loudness", str(tone), "--format", "json"]).stdout)[0]
    near = round(measured["integrated_lufs"])
    passing = runner.invoke(app, ["loudness", str(tone), "--target", str(near), "--ceiling", "-1"])
    assert passing.exit_code == 0, passing.output
    failing = runner.invoke(app, ["loudness", str(tone), "--target", "-30", "--ceiling", "-20", "--format", "json"])
    assert failing.exit_code == 1
    problems = json.loads(failing.stdout)[0]["problems"]
    assert any("not within 0.5 LU of -30" in p for p in problems) and any("over the -20 dBTP ceiling" in p for p in problems)
