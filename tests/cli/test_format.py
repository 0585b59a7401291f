"""One --format choice type; with --format json every error is a JSON object {code, message} on stdout."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shotcraft.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["show", "{missing}"], "plan-invalid"),
        (["takes", "{missing}"], "plan-invalid"),
        (["render", "{plan}", "--shots", "s99", "--dry-run"], "bad-input"),
        (["show", "{broken}"], "plan-invalid"),
    ],
)
def test_errors_under_format_json_are_json_objects_on_stdout(tmp_path, argv, code):
    plan = tmp_path / "film.yaml"
    plan.write_text("schema_version: 2\nproduction: {id: f, title: F}\nshots:\n  - {id: s01, type: insert}\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 2\nproduction: {id: f}\nshots: nope\n")
    paths = {"{plan}": str(plan), "{missing}": str(tmp_path / "absent.yaml"), "{broken}": str(broken)}
    result = runner.invoke(app, [paths.get(a, a) for a in argv] + ["--format", "json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    assert error["code"] == code and error["message"] and "\n" not in error["message"]


def test_format_is_one_choice_type_listed_in_help():
    for command in ("show", "takes", "render", "qa", "mix", "loudness", "prompts", "cut", "grade", "deliver-check"):
        result = runner.invoke(app, [command, "--help"])
        assert "<text|json>" in result.stdout, command
    bad = runner.invoke(app, ["show", "x.yaml", "--format", "yaml"])
    assert bad.exit_code == 2 and "'yaml' is not one of" in " ".join(bad.stderr.replace("│", " ").split())
