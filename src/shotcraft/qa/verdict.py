"""Verdicts, scores, ranking, the proposal of a take per shot, and the rejection rule.

Verdict: any *major* flag rejects the take, any *minor* flag warns, else it
passes. Score (0..100, higher is better): 100 minus, for each flag, its
severity's weight scaled by how much of the clip it covers (half the weight
for a one-frame glitch, the full weight when it spans the clip). It orders
takes of equal verdict; it never overrides a verdict.

Rejection rule (the seeds: "if a major defect remains after 2 passes,
reject"). A *pass* is one round of takes for the shot: the plan's take count
(A/B by default) rendered or imported together. The passes a shot has had
are counted from the ledger as ``ceil(done takes / takes per pass)``, so the
first A/B is pass 1 and a re-render after a targeted correction (new keys,
new takes in the ledger) is pass 2. When every done take of a shot carries a
major defect: after one pass the shot is marked ``retry`` (do the targeted
correction pass), after two or more it is marked ``regenerate`` with the
reasons; the user's pick still wins the proposal either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from shotcraft.qa.model import CHECK_NAMES, ClipReport, Flag, Verdict

SEVERITY_WEIGHT = {"major": 40.0, "minor": 12.0, "info": 2.0}
VERDICT_ORDER = {"pass": 0, "warn": 1, "reject": 2}
PASSES_BEFORE_REGENERATION = 2


def verdict_of(flags: Sequence[Flag]) -> Verdict:
    severities = {flag.severity for flag in flags}
    if "major" in severities:
        return "reject"
    if "minor" in severities:
        return "warn"
    return "pass"


def score_of(flags: Sequence[Flag], frames: int) -> float:
    score = 100.0
    for flag in flags:
        span = (flag.end_frame - flag.start_frame + 1) / max(1, frames)
        score -= SEVERITY_WEIGHT.get(flag.severity, 0.0) * (0.5 + 0.5 * min(1.0, max(0.0, span)))
    return max(0.0, round(score, 1))


def rank_key(verdict: str, score: float, label: str = "") -> tuple[int, float, str]:
    return (VERDICT_ORDER[verdict], -score, label)


def rank(reports: Sequence[ClipReport]) -> list[ClipReport]:
    """Best first: pass before warn before reject, then by score, then by take label for ties."""
    return sorted(reports, key=lambda r: rank_key(r.verdict, r.score, (r.expected.take or "") if r.expected else str(r.path)))


@dataclass(frozen=True)
class TakeScore:
    label: str
    verdict: Verdict
    score: float
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Proposal:
    shot_id: str
    take: str | None  # the take proposed for the cut (None: no usable take)
    reason: str
    action: str = "keep"  # keep | retry (targeted correction pass) | regenerate | render (nothing rendered yet)
    passes: int = 0
    ranking: tuple[str, ...] = field(default_factory=tuple)


def passes_for(done_takes: int, takes_per_pass: int) -> int:
    return math.ceil(done_takes / max(1, takes_per_pass)) if done_takes else 0


def propose(shot_id: str, takes: Sequence[TakeScore], *, picked: str | None, passes: int) -> Proposal:
    """Choose the take to propose for a shot and apply the rejection rule (``passes``: see :func:`passes_for`)."""
    ordered = sorted(takes, key=lambda t: rank_key(t.verdict, t.score, t.label))
    ranking = tuple(t.label for t in ordered)
    all_rejected = bool(takes) and all(t.verdict == "reject" for t in takes)
    action = "keep"
    if not takes:
        return Proposal(shot_id, None, "no rendered take yet: run `shotcraft render` or `shotcraft take add`", "render", 0, ranking)
    if all_rejected:
        action = "regenerate" if passes >= PASSES_BEFORE_REGENERATION else "retry"
    defects = _defect_summary(takes) if all_rejected else ""
    if picked is not None:
        mine = next((t for t in takes if t.label == picked), None)
        note = f" (QA: {mine.verdict}, {mine.score:.0f})" if mine else " (take not rendered)"
        reason = f"take {picked} picked by the user{note}"
        if all_rejected:
            reason += f"; every take has a major defect after {passes} pass(es): {defects}"
        return Proposal(shot_id, picked, reason, action, passes, ranking)
    best = ordered[0]
    if all_rejected:
        verb = "regenerate the shot" if action == "regenerate" else "do a targeted correction pass"
        return Proposal(shot_id, None, f"every take has a major defect after {passes} pass(es): {defects}; {verb}", action, passes, ranking)
    runner_up = f" over {ordered[1].label} ({ordered[1].verdict}, {ordered[1].score:.0f})" if len(ordered) > 1 else ""
    return Proposal(shot_id, best.label, f"best QA: take {best.label} ({best.verdict}, {best.score:.0f}){runner_up}", action, passes, ranking)


def _defect_summary(takes: Sequence[TakeScore]) -> str:
    parts = []
    for take in sorted(takes, key=lambda t: t.label):
        codes = sorted({f"{f.code} {CHECK_NAMES.get(f.code, '')}".strip() for f in take.flags if f.severity == "major"})
        parts.append(f"{take.label}: {', '.join(codes) or 'rejected'}")
    return "; ".join(parts)
