"""The closing list of what needs the filmmaker's eyes: each item from what the make measured, with its command."""

from __future__ import annotations

import shlex
from pathlib import Path

from shotcraft.attention import attention_items
from shotcraft.qa.model import ClipReport, Flag
from shotcraft.qa.run import QAResult, ShotQA, TakeQA
from shotcraft.qa.verdict import Proposal


def _take(shot: str, label: str, verdict: str, *codes: str) -> TakeQA:
    flags = [Flag(code, "major", 0, 3, 1.0, 0.5, f"{code} found") for code in codes]
    return TakeQA(shot, label, ClipReport(path=Path(f"{shot}{label}.mp4"), verdict=verdict, score=40.0 if codes else 95.0,  # type: ignore[arg-type]
                                          flags=flags, metrics={}), picked_by_user=False)


def _result() -> QAResult:
    shots = [
        ShotQA("s01", 0, None, "establishing", [_take("s01", "A", "reject", "QA105", "QA101"), _take("s01", "B", "pass")], Proposal("s01", "B", "best")),
        ShotQA("s02", 1, None, "tight-portrait", [_take("s02", "A", "reject", "QA112")], Proposal("s02", None, "every take rejected")),
        ShotQA("s03", 2, None, "object-detail", [_take("s03", "A", "pass")], Proposal("s03", "A", "best")),
    ]
    return QAResult(title="t", plan="film.yaml", shots=shots, cuts=[])


def test_rejects_and_picks_of_rejected_takes_are_named_with_the_command_that_shows_them(tmp_path: Path) -> None:
    plan = tmp_path / "my film" / "film.yaml"  # a space: the commands are shell-quoted
    out = tmp_path / "out"
    # s01: the user picked the rejected take A; s02: the cut falls back to its only (rejected) take; s03 is clean
    picks = {"s01": ("A", "user"), "s02": ("A", "fallback"), "s03": ("A", "qa")}
    items = attention_items(plan, out, {}, _result(), picks)
    assert [(i.kind, i.message) for i in items] == [
        ("qa-reject", "shot s01 take A rejected by QA (QA101, QA105)"),
        ("qa-reject", "shot s02 take A rejected by QA (QA112)"),
        ("risky-pick", "shot s01: you picked take A, which QA rejected"),
        ("risky-pick", "shot s02: the cut uses take A, which QA rejected"),
    ]
    assert items[0].command == f"open {shlex.quote(str(out / 'qa' / 'report.html'))}"
    assert shlex.split(items[2].command) == ["shotcraft", "takes", str(plan), "--shot", "s01"]
    # picking the clean take instead leaves only the reject itself
    picks["s01"] = ("B", "user")
    assert [i.kind for i in attention_items(plan, out, {}, _result(), picks)].count("risky-pick") == 1


def test_failed_sound_checks_stale_files_and_large_grade_corrections(tmp_path: Path) -> None:
    plan = tmp_path / "film.yaml"
    checks = {
        "sound": {"checks": [{"code": "SND105", "ok": False, "message": "dialogue masked by music"},
                             {"code": "SND101", "ok": True, "message": "loudness on target"}]},
        "stale": ["old_mobile.mp4", "a.png", "b.png", "c.png"],
        "grade": {"shots": {"s01": {"exposure": -1.4}, "s02": {"exposure": 0.2, "match": {"reference_gains": [1.0, 0.7, 1.1]}},
                            "s03": {"exposure": 0.3, "match": {"neutralize_gains": [1.05, 1.0, 0.98]}}}},
    }
    items = attention_items(plan, tmp_path / "out", checks)
    assert [(i.kind, i.message) for i in items] == [
        ("sound", "SND105: dialogue masked by music"),
        ("stale", "4 file(s) in the output folder are from an earlier cut, not this one (a deliverable this make skipped, "
                  "or a shot no longer in the film): old_mobile.mp4, a.png, b.png and 1 more"),
        ("grade", "shot s01: large grade correction (exposure -1.40 stops)"),
        ("grade", "shot s02: large grade correction (reference gains 1.00, 0.70, 1.10)"),
    ]
    assert items[0].command.startswith("shotcraft loudness ") and items[-1].command == f"shotcraft grade {plan}"
    assert attention_items(plan, tmp_path / "out", {}) == []  # nothing measured, nothing to say
