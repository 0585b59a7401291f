"""`shotcraft prompts` through the real CLI app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shotcraft.cli import app
from tests.prompts.conftest import EXAMPLE

runner = CliRunner()


def test_one_take_as_text() -> None:
    result = runner.invoke(app, ["prompts", str(EXAMPLE), "--shot", "s04", "--take", "A", "--clip-family", "prose"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("== s04 take A  (varies: seed = ")
    assert lines[1].startswith("keyframe:          tight portrait, 85mm lens,")
    assert any(line.startswith("clip:              Tight portrait") for line in lines)
    assert any(line.startswith("negative sources:  rain, falling rain") for line in lines)


def test_one_shot_as_json_in_one_family() -> None:
    result = runner.invoke(app, ["prompts", str(EXAMPLE), "--shot", "s10", "--family", "prose", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(item["shot_id"], item["take"]) for item in data] == [("s10", "A"), ("s10", "B")]
    assert {(item["keyframe_family"], item["clip_family"]) for item in data} == {("prose", "prose")}


def test_weights_option_reaches_the_sd_prompt() -> None:
    result = runner.invoke(app, ["prompts", str(EXAMPLE), "--shot", "s01", "--take", "A", "--weights", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert ":1.2)" in json.loads(result.stdout)[0]["keyframe_prompt"]


def test_bad_arguments_are_one_line_errors() -> None:
    cases = {
        ("--family", "dalle"): "--family: expected one of sd, prose, midjourney, veo, runway, luma, kling, found 'dalle'",
        ("--shot", "s99"): "--shot: no shot 's99'",
        ("--take", "A"): "--take needs --shot",
        ("--format", "yaml"): "--format: expected text or json",
        ("--shot", "s01", "--take", "Z"): "shot s01: no take 'Z'",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["prompts", str(EXAMPLE), *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_invalid_plan_exits_2_with_located_issue(tmp_path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text("schema_version: 2\nproduction: {id: x, title: X}\nshots: []\n", encoding="utf-8")
    result = runner.invoke(app, ["prompts", str(plan)])
    assert result.exit_code == 2
    assert "shots" in result.stderr


def test_without_family_each_shot_uses_its_backends_families(tmp_path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "defaults:\n  takes: 2\n", "defaults:\n  takes: 2\n  clip: {backend: diffusers-video}\n"
    )
    assert "diffusers-video" in text
    plan = tmp_path / "film.yaml"
    plan.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["prompts", str(plan), "--shot", "s02", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # animatic keyframes read tags; the diffusers video backend reads prose
    assert {(item["keyframe_family"], item["clip_family"]) for item in data} == {("sd", "prose")}
    assert "At 1.5 s Jack almost immediately senses a presence" in data[0]["clip_prompt"]
