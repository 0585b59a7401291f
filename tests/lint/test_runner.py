"""lint_plan: select / ignore, the per-shot escape hatch, ordering, the bundled examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotcraft.errors import InputError
from shotcraft.lint import Finding, RULES, Severity, lint_plan
from shotcraft.plan import load_plan, load_plan_text
from tests.lint.casebook import BASE, FIXTURES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "neo-noir" / "film.yaml"
BAD_FILM = FIXTURES / "bad-film.yaml"


def test_neo_noir_example_has_no_errors_or_warnings() -> None:
    findings = lint_plan(load_plan(EXAMPLE))
    assert [f for f in findings if f.severity != Severity.INFO] == []


def test_bad_example_triggers_at_least_ten_distinct_codes() -> None:
    findings = lint_plan(load_plan(BAD_FILM))
    codes = {f.code for f in findings}
    assert len(codes) >= 10, sorted(codes)
    assert any(f.severity == Severity.ERROR for f in findings)


def test_findings_are_sorted_by_line() -> None:
    findings = lint_plan(load_plan(BAD_FILM))
    assert findings == sorted(findings, key=lambda f: (f.line, f.column, f.code))
    assert all(isinstance(f, Finding) for f in findings)


def test_select_and_ignore_take_codes_and_prefixes() -> None:
    plan = load_plan(BAD_FILM)
    everything = {f.code for f in lint_plan(plan)}
    only_timing = {f.code for f in lint_plan(plan, select="SC1")}
    assert only_timing == {c for c in everything if c.startswith("SC1")}
    without_timing = {f.code for f in lint_plan(plan, ignore=["SC1", "SC203"])}
    assert without_timing == {c for c in everything if not c.startswith("SC1") and c != "SC203"}
    assert {f.code for f in lint_plan(plan, select="sc101,SC102")} == {"SC101", "SC102"}


@pytest.mark.parametrize("selector", ["SC999", "XY1", "SC1234", "rain"])
def test_unknown_selectors_are_input_errors(selector: str) -> None:
    with pytest.raises(InputError):
        lint_plan(load_plan(BASE), select=[selector])
    with pytest.raises(InputError):
        lint_plan(load_plan(BASE), ignore=selector)


def _with_long_s1(extra: str = "") -> str:
    text = BASE.read_text(encoding="utf-8").replace("    duration: 5\n", "    duration: 8\n" + extra)
    assert text.count("duration: 8") == 1
    return text


def test_lint_ignore_silences_one_code_on_one_shot() -> None:
    assert {f.code for f in lint_plan(load_plan_text(_with_long_s1()))} == {"SC101"}
    assert lint_plan(load_plan_text(_with_long_s1("    lint_ignore: [SC101]\n"))) == []


def test_unused_or_unknown_lint_ignore_is_reported() -> None:
    findings = lint_plan(load_plan_text(_with_long_s1("    lint_ignore: [SC101, SC102, SC499]\n")))
    messages = sorted(f.message for f in findings if f.code == "SC509")
    assert len(messages) == 2
    assert "SC102" in messages[0] and "silences nothing" in messages[0]
    assert "SC499" in messages[1] and "not a rule" in messages[1]


def test_unused_lint_ignore_is_not_reported_for_rules_that_did_not_run() -> None:
    plan = load_plan_text(_with_long_s1("    lint_ignore: [SC101, SC102]\n"))
    assert lint_plan(plan, select=["SC5"]) == []


def test_finding_points_at_the_offending_line() -> None:
    text = _with_long_s1()
    [finding] = lint_plan(load_plan_text(text, file="film.yaml"))
    line = text.splitlines()[finding.line - 1]
    assert line[finding.column - 1:].startswith("8")
    assert finding.path == ("shots", 0, "duration")


def test_every_rule_is_deterministic_and_order_independent() -> None:
    plan = load_plan(BAD_FILM)
    assert lint_plan(plan) == lint_plan(plan)
    assert list(RULES) == sorted(RULES)
