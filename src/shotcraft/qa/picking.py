"""Picks as a careful assistant editor makes them: a rejected take needs insisting, a cleared pick re-proposes.

``shotcraft pick`` goes through here. Picking a take that QA rejected, or that
a reviewer rejected in the studio, is refused unless forced (the refusal says
who rejected it and why). Clearing a pick recomputes the shot's QA proposal
from the scores already recorded for its current renderings, without the
pick: otherwise the proposal QA made while the pick stood (which simply
repeats the pick) would keep the cleared take in the cut until QA ran again.
Nothing is analysed again; takes QA has not scored are left out of the
proposal.
"""

from __future__ import annotations

from typing import Any

from shotcraft.errors import InputError
from shotcraft.plan.resolve import take_count
from shotcraft.qa.model import Flag
from shotcraft.qa.verdict import TakeScore, passes_for, propose
from shotcraft.render.reviews import Reviews, current_renderings


def rejection_of(project: Any, shot_id: str, label: str) -> str | None:
    """Why a take is rejected (by review, then by QA), or None when it is not."""
    review = {r.label: r for r in Reviews(project.ledger).rejections(shot_id, current_renderings(project, shot_id))}
    if label in review:
        found = review[label]
        who = f" by {found.reviewer}" if found.reviewer else ""
        return f"rejected in review{who} ({found.severity}: {found.reason})"
    record = project.take(shot_id, label)
    qa = record.qa if record is not None else None
    if qa and qa.get("verdict") == "reject":
        majors = sorted({str(f.get("code")) for f in qa.get("flags") or [] if f.get("severity") == "major"})
        return f"rejected by QA (score {float(qa.get('score') or 0):.0f}{': ' + ', '.join(majors) if majors else ''})"
    return None


def pick(project: Any, shot_id: str, label: str, *, force: bool = False) -> str | None:
    """Pick ``label`` for ``shot_id``; a rejected take only with ``force``. Returns the rejection it overrode."""
    rejection = rejection_of(project, shot_id, label)
    if rejection is not None and not force:
        raise InputError(f"shot {shot_id}: take {label} was {rejection}; pick it anyway with --force")
    project.set_pick(shot_id, label)
    return rejection


def clear(project: Any, shot_id: str) -> None:
    """Forget the user's pick and propose again from the recorded QA scores, as QA would without the pick."""
    project.clear_pick(shot_id)
    shot = project.plan.film.shot(shot_id)
    done = [record for record in project.takes(shot_id) if record.done]
    scores = [
        TakeScore(record.label, record.qa["verdict"], float(record.qa["score"]), tuple(_flag(f) for f in record.qa.get("flags") or []))
        for record in done
        if record.qa
    ]
    if not scores:
        project.set_qa_proposal(shot_id, None, None)  # nothing scored: the first done take stands in, as before QA
        return
    proposal = propose(shot_id, scores, picked=None, passes=passes_for(len(done), take_count(project.plan.film, shot)))
    project.set_qa_proposal(shot_id, proposal.take, proposal.reason)


def _flag(recorded: dict[str, Any]) -> Flag:
    """A flag as the ledger keeps it (Flag.to_dict) back as a Flag (its region is not kept: not needed to rank)."""
    return Flag(
        str(recorded.get("code")), recorded.get("severity", "minor"), int(recorded.get("start_frame") or 0),
        int(recorded.get("end_frame") or 0), float(recorded.get("value") or 0.0), float(recorded.get("threshold") or 0.0),
        str(recorded.get("message") or ""),
    )
