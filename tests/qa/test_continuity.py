"""Continuity across cuts: planted jumps between two shots are flagged at the cut; matched shots are not."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from shotcraft.edit.timeline import CutEvent
from shotcraft.qa import analyze_clip
from shotcraft.qa.continuity import check_cut
from shotcraft.qa.thresholds import DEFAULTS
from tests.qa import generators as gen


def _event(shot: str, path: Path, record_in: int, transition: str = "cut") -> CutEvent:
    return CutEvent(shot_id=shot, take="A", clip_path=path, source_in=0, duration=48, record_in=record_in, take_frames=48, transition=transition)


def _cut(tmp_path: Path, second: gen.ClipSpec, transition: str = "cut"):
    first = gen.clean(tmp_path / "a.mp4", gen.ClipSpec())
    other = gen.clean(tmp_path / "b.mp4", second)
    events = [_event("s01", first, 0), _event("s02", other, 48, transition)]
    reports = [analyze_clip(first), analyze_clip(other)]
    return check_cut(events, reports, DEFAULTS, Fraction(24))


def test_matched_shots_cut_cleanly(tmp_path) -> None:
    [cut] = _cut(tmp_path, replace(gen.ClipSpec(), direction=(-1.0, 0.2), subject_speed=0.05))  # same set, another angle
    assert cut.flags == [] and cut.verdict == "pass"
    assert abs(cut.deltas["QA201"]) < 4


def test_stacked_jumps_make_the_cut_a_warning(tmp_path) -> None:
    darker_warmer_grainier_faster = replace(gen.ClipSpec(), seed=11, exposure=0.6, cast=(1.25, 1.0, 0.7), grain=7.0, speed=0.3)
    [cut] = _cut(tmp_path, darker_warmer_grainier_faster)
    codes = {f.code for f in cut.flags}
    assert {"QA201", "QA202", "QA204", "QA205"} <= codes
    assert "QA206" in codes and cut.verdict == "warn"
    assert all(f.start_frame == 48 for f in cut.flags)  # marked at the cut on the timeline


def test_one_jump_is_noted_not_warned(tmp_path) -> None:
    [cut] = _cut(tmp_path, replace(gen.ClipSpec(), seed=11, exposure=0.6))
    assert "QA201" in {f.code for f in cut.flags}
    assert all(f.severity == "info" for f in cut.flags) and cut.verdict == "pass"


def test_dip_to_black_forgives_exposure(tmp_path) -> None:
    [cut] = _cut(tmp_path, replace(gen.ClipSpec(), seed=11, exposure=0.6), transition="dip-to-black")
    assert "QA201" not in {f.code for f in cut.flags}
