"""`shotcraft check` and `shotcraft rules` through Typer's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from shotcraft.cli import app
from shotcraft.lint import RULES
from shotcraft.lint.report import FINDING_JSON_SCHEMA
from tests.lint.casebook import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "neo-noir" / "film.yaml")
BAD_FILM = str(FIXTURES / "bad-film.yaml")
FINDING_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>SC[1-6]\d\d) (?P<name>[a-z0-9-]+): (?P<message>.+)$")

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_check_example_exits_zero_with_a_summary() -> None:
    result = invoke("check", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "valid, 12 shots" in result.stdout
    assert "0 errors, 0 warnings" in result.stdout or "no lint findings" in result.stdout


def test_check_bad_plan_prints_located_findings_and_exits_one() -> None:
    result = invoke("check", BAD_FILM)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    findings = [FINDING_LINE.match(line) for line in lines if not line.startswith(" ") and "valid," not in line]
    assert findings and all(findings), lines
    assert {m["file"] for m in findings} == {BAD_FILM}
    assert any(m["code"] == "SC107" and m["name"] == "interaction-before-establishing-shot" for m in findings)
    assert all(RULES[m["code"]].name == m["name"] for m in findings)
    assert any(line.startswith("    error, fix: ") for line in lines)
    assert any(line.startswith("    warning, fix: ") for line in lines)
    assert "errors" in lines[-1] and "distinct rules" in lines[-1]
    assert "Traceback" not in result.output


def test_check_no_fixes_prints_one_line_per_finding() -> None:
    result = invoke("check", BAD_FILM, "--no-fixes")
    assert not any(line.startswith("    ") for line in result.stdout.splitlines())


def test_check_json_matches_the_documented_shape() -> None:
    result = invoke("check", BAD_FILM, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(FINDING_JSON_SCHEMA)
    jsonschema.validate(data, FINDING_JSON_SCHEMA)
    assert len({item["code"] for item in data}) >= 10
    clean = json.loads(invoke("check", EXAMPLE, "--format", "json", "--ignore", "SC306").stdout)
    assert clean == []


def test_check_select_and_ignore() -> None:
    result = invoke("check", BAD_FILM, "--format", "json", "--select", "SC1,SC203", "--ignore", "SC101")
    codes = {item["code"] for item in json.loads(result.stdout)}
    assert codes and all(c.startswith("SC1") or c == "SC203" for c in codes) and "SC101" not in codes
    warnings_only = invoke("check", BAD_FILM, "--select", "SC3")
    assert warnings_only.exit_code == 0  # every SC3xx finding there is a warning


def test_check_unknown_selector_exits_two_in_one_line() -> None:
    result = invoke("check", EXAMPLE, "--select", "SC999")
    assert result.exit_code == 2
    assert "no rule matches 'SC999'" in result.stderr
    assert "Traceback" not in result.output


def test_check_invalid_plan_exits_two_with_located_errors(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    plan.write_text("schema_version: 2\nproduction: {id: x, title: X}\nshots:\n  - {id: s1, type: wyde ambiance, durration: 3}\n")
    result = invoke("check", str(plan))
    assert result.exit_code == 2
    assert re.search(r"film\.yaml:4:\d+: shots\[0\]\.type: unknown shot type 'wyde ambiance' \(did you mean 'wide-ambience'\?\)", result.stderr)
    assert "did you mean 'duration'" in result.stderr


def test_rules_lists_every_code() -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    for code, rule in RULES.items():
        assert re.search(rf"^{code}\s+{rule.name}\s", result.stdout, re.M)


def test_rules_code_prints_the_four_part_page() -> None:
    result = invoke("rules", "SC107")
    assert result.exit_code == 0
    assert result.stdout.startswith("# SC107 interaction-before-establishing-shot")
    for title in ("## What it does", "## Why", "## Example", "## Use instead"):
        assert title in result.stdout
    by_name = invoke("rules", "interaction-before-establishing-shot")
    assert by_name.stdout == result.stdout


def test_rules_prefix_and_json_and_unknown() -> None:
    family = invoke("rules", "sc2")
    assert family.exit_code == 0 and all(line.startswith("SC2") for line in family.stdout.splitlines())
    data = json.loads(invoke("rules", "SC101", "--format", "json").stdout)
    assert data[0]["code"] == "SC101" and set(data[0]["doc"]) == {"What it does", "Why", "Example", "Use instead"}
    unknown = invoke("rules", "SC999")
    assert unknown.exit_code == 2 and "no rule matches" in unknown.stderr


def test_commands_document_an_example() -> None:
    for command in ("check", "rules"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout


def test_check_statistics_counts_per_rule() -> None:
    result = invoke("check", BAD_FILM, "--statistics")
    assert result.exit_code == 1
    rows = [line.split() for line in result.stdout.splitlines()[:-1]]
    assert rows and all(row[1] in RULES and int(row[0]) >= 1 for row in rows)
    counts = [int(row[0]) for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_check_github_format_annotates_the_plan() -> None:
    result = invoke("check", BAD_FILM, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=SC\d{3} [a-z0-9-]+::.+", line) for line in lines)
    assert any(line.startswith("::error ") for line in lines)
