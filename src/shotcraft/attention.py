"""What needs the filmmaker's eyes after a `make`: QA rejects, risky picks, sound and grade warnings, stale files.

Each item says what is wrong and the command that shows it; `make` prints them
at the end and keeps them in manifest.json (``checks.attention``).
"""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: a per-shot correction past these is worth a look (exposure in stops; colour gains as ratios)
LARGE_EXPOSURE_STOPS = 1.0
LARGE_GAIN_RATIO = 1.25


@dataclass(frozen=True)
class Attention:
    kind: str  # "qa-reject" | "risky-pick" | "sound" | "stale" | "grade"
    message: str
    command: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def attention_items(plan_file: str | Path, out_dir: Path, checks: dict[str, Any], qa_result: Any = None,
                    picks: dict[str, tuple[str, str | None]] | None = None) -> list[Attention]:  # fmt: skip
    """Items from what make measured. ``picks``: shot -> (picked label, pick reason)."""
    plan = shlex.quote(str(plan_file))
    items: list[Attention] = []
    verdicts: dict[tuple[str, str], Any] = {}
    if qa_result is not None:
        report = shlex.quote(str(out_dir / "qa" / "report.html"))
        for shot in qa_result.shots:
            for take in shot.takes:
                verdicts[(shot.shot_id, take.label)] = take.report
                if take.report.verdict == "reject":
                    codes = ", ".join(sorted({f.code for f in take.report.flags})) or "reject"
                    items.append(Attention("qa-reject", f"shot {shot.shot_id} take {take.label} rejected by QA ({codes})",
                                           f"open {report}"))  # fmt: skip
    for shot_id, (label, reason) in sorted((picks or {}).items()):
        report_ = verdicts.get((shot_id, label))
        if report_ is not None and report_.verdict == "reject":
            who = "you picked" if reason == "user" else "the cut uses"
            items.append(Attention("risky-pick", f"shot {shot_id}: {who} take {label}, which QA rejected",
                                   f"shotcraft takes {plan} --shot {shot_id}"))  # fmt: skip
    for check in (checks.get("sound") or {}).get("checks") or []:
        if check.get("ok") is False:  # a check's severity says how bad a failure would be; ok says if it failed
            items.append(Attention("sound", f"{check.get('code', 'sound')}: {check.get('message', '')}",
                                   f"shotcraft loudness {shlex.quote(str(out_dir / 'sound' / 'mix.wav'))}"))  # fmt: skip
    stale = checks.get("stale") or []
    if stale:
        named = ", ".join(stale[:3]) + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
        items.append(Attention("stale", f"{len(stale)} file(s) in the output folder are from an earlier cut, not this one "
                                        f"(a deliverable this make skipped, or a shot no longer in the film): {named}",
                               f"shotcraft make {plan}"))  # fmt: skip
    for shot_id, grade in sorted(((checks.get("grade") or {}).get("shots") or {}).items()):
        reason = _large_correction(grade)
        if reason:
            items.append(Attention("grade", f"shot {shot_id}: large grade correction ({reason})", f"shotcraft grade {plan}"))
    return items


def _large_correction(grade: dict[str, Any]) -> str | None:
    exposure = float(grade.get("exposure") or 0.0)
    if abs(exposure) >= LARGE_EXPOSURE_STOPS:
        return f"exposure {exposure:+.2f} stops"
    match = grade.get("match") or {}
    for name in ("neutralize_gains", "reference_gains"):
        gains = [float(g) for g in match.get(name) or [] if g]
        if gains and max(max(gains), 1 / min(gains)) >= LARGE_GAIN_RATIO:
            return f"{name.replace('_', ' ')} {', '.join(f'{g:.2f}' for g in gains)}"
    return None
