"""Verdicts, scores, ranking and the rejection rule."""

from __future__ import annotations

from shotcraft.qa.model import Flag
from shotcraft.qa.verdict import TakeScore, passes_for, propose, score_of, verdict_of


def _flag(code: str, severity: str, start: int = 0, end: int = 0) -> Flag:
    return Flag(code, severity, start, end, 1.0, 0.5, "x")


def test_verdict_from_severities() -> None:
    assert verdict_of([]) == "pass"
    assert verdict_of([_flag("QA109", "minor")]) == "warn"
    assert verdict_of([_flag("QA109", "minor"), _flag("QA102", "major")]) == "reject"


def test_score_weighs_severity_and_extent() -> None:
    assert score_of([], 48) == 100.0
    glitch, spanning = score_of([_flag("QA101", "major", 3, 3)], 48), score_of([_flag("QA101", "major", 0, 47)], 48)
    assert 40 < spanning < glitch < 100
    assert score_of([_flag("QA109", "minor", 0, 47)], 48) > spanning


def test_best_take_is_proposed_and_the_user_pick_wins() -> None:
    takes = [TakeScore("A", "warn", 88.0), TakeScore("B", "pass", 100.0)]
    assert propose("s01", takes, picked=None, passes=1).take == "B"
    mine = propose("s01", takes, picked="A", passes=1)
    assert mine.take == "A" and "picked by the user" in mine.reason


def test_rejection_rule_counts_passes() -> None:
    bad = [TakeScore("A", "reject", 50.0, (_flag("QA112", "major"),)), TakeScore("B", "reject", 40.0, (_flag("QA108", "major"),))]
    first = propose("s04", bad, picked=None, passes=passes_for(2, 2))
    assert first.take is None and first.action == "retry" and first.passes == 1
    second = propose("s04", bad, picked=None, passes=passes_for(4, 2))
    assert second.action == "regenerate" and "QA112" in second.reason and "QA108" in second.reason
    assert propose("s04", bad, picked="B", passes=2).take == "B"  # the user's pick still wins


def test_a_shot_with_nothing_rendered_asks_for_a_render() -> None:
    proposal = propose("s05", [], picked=None, passes=0)
    assert proposal.take is None and proposal.action == "render"
