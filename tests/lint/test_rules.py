"""One fixture pair per rule code: the bad plan triggers it, the near-identical good plan does not."""

from __future__ import annotations

import pytest

from shotcraft.lint import RULES, lint_plan
from shotcraft.plan import load_plan
from tests.lint.casebook import BASE, load_cases

CASES = {case.code: case for case in load_cases()}


def test_base_plan_lints_clean() -> None:
    assert lint_plan(load_plan(BASE)) == []


def test_every_registered_code_has_a_fixture_pair() -> None:
    assert sorted(CASES) == sorted(RULES)
    for case in CASES.values():
        assert case.bad_path.is_file() and case.good_path.is_file(), case.code


def test_fixture_files_match_the_casebook() -> None:
    """The checked-in plans are what casebook.py builds (regenerate it after editing cases.yaml)."""
    for case in CASES.values():
        assert case.bad_path.read_text(encoding="utf-8") == case.bad, f"{case.bad_path} is stale"
        assert case.good_path.read_text(encoding="utf-8") == case.good, f"{case.good_path} is stale"


@pytest.mark.parametrize("code", sorted(CASES))
def test_bad_plan_triggers_the_rule(code: str) -> None:
    case = CASES[code]
    plan = load_plan(case.bad_path)
    findings = [f for f in lint_plan(plan) if f.code == code]
    assert findings, f"{case.bad_path} does not trigger {code}"
    finding = findings[0]
    assert finding.name == RULES[code].name
    assert finding.severity == RULES[code].severity
    assert finding.shot == case.shot
    assert finding.message and finding.fix
    # the finding points at a real line of the plan, inside the named shot when there is one
    lines = case.bad.splitlines()
    assert 1 <= finding.line <= len(lines) and finding.column >= 1
    if case.shot is not None:
        assert finding.path[:2] == ("shots", [s.id for s in plan.film.shots].index(case.shot)) or finding.path[0] == "sound"


@pytest.mark.parametrize("code", sorted(CASES))
def test_good_plan_does_not_trigger_the_rule(code: str) -> None:
    case = CASES[code]
    codes = {f.code for f in lint_plan(load_plan(case.good_path))}
    assert code not in codes
    assert codes <= set(case.good_also), f"{case.good_path} also triggers {sorted(codes - set(case.good_also))}"


@pytest.mark.parametrize("code", sorted(CASES))
def test_select_runs_only_that_rule(code: str) -> None:
    # unused-lint-ignore judges an entry only when the ignored rule ran too
    select = [code, "SC101"] if code == "SC509" else [code]
    findings = lint_plan(load_plan(CASES[code].bad_path), select=select)
    assert findings and {f.code for f in findings} == {code}
