"""Each planted defect is flagged with its code on the right frames; clean clips are not rejected."""

from __future__ import annotations

from fractions import Fraction

import pytest

from shotcraft.qa import Expected, analyze_clip

PLAN = Expected(frames=48, rate=Fraction(24), motion=0.3)


def _overlaps(flag, start: int, end: int, slack: int) -> bool:
    return flag.start_frame <= end and flag.end_frame >= start and flag.start_frame >= start - slack and flag.end_frame <= end + slack


@pytest.mark.parametrize(
    ("generator", "code", "slack"),
    [
        ("flicker", "QA101", 1),
        ("frozen", "QA102", 0),
        ("blank", "QA103", 0),
        ("shake", "QA105", 7),  # measured over a half-second window
        ("border_artifacts", "QA108", 2),
        ("colour_drift", "QA111", 0),
    ],
)
def test_planted_defect_is_flagged_on_its_frames(clips, generator: str, code: str, slack: int) -> None:
    path, start, end = clips.get(generator)
    report = analyze_clip(path)
    hits = report.flags_with(code)
    assert hits, f"{generator}: expected {code}, got {[(f.code, f.start_frame, f.end_frame) for f in report.flags]}"
    assert all(_overlaps(f, start, end, slack) for f in hits), [(f.start_frame, f.end_frame) for f in hits]
    assert report.verdict != "pass"


@pytest.mark.parametrize(
    ("generator", "code", "verdict"),
    [
        ("over_sharpened", "QA106", "warn"),
        ("soft", "QA107", "warn"),
        ("clipped", "QA109", "warn"),
        ("crushed", "QA110", "warn"),
    ],
)
def test_whole_clip_defects(clips, generator: str, code: str, verdict: str) -> None:
    report = analyze_clip(clips.get(generator))
    assert code in report.codes, report.flags
    assert report.verdict == verdict, report.flags


def test_too_much_and_too_little_motion_against_the_plan(clips) -> None:
    fast = analyze_clip(clips.get("too_much_motion"), expected=PLAN)
    [flag] = fast.flags_with("QA104")
    assert flag.severity == "major" and flag.value > 3
    still = analyze_clip(clips.get("no_motion"), expected=PLAN)
    [flag] = still.flags_with("QA104")
    assert flag.severity == "minor" and flag.value < 0.15
    assert still.verdict == "warn"
    # without a plan there is nothing to compare motion with
    assert "QA104" not in analyze_clip(clips.get("too_much_motion")).codes


def test_corrupt_mp4_is_flagged_and_the_rest_analysed(clips) -> None:
    report = analyze_clip(clips.get("corrupt"))
    flags = report.flags_with("QA113")
    assert flags and all(f.severity == "major" for f in flags)
    assert report.verdict == "reject"
    assert report.frames > 48  # the frames around the damage are still analysed


def test_wrong_rate_and_short_clip_against_the_plan(clips) -> None:
    report = analyze_clip(clips.get("wrong_rate"), expected=Expected(frames=96, rate=Fraction(24)))
    messages = [f.message for f in report.flags_with("QA114")]
    assert any("25 fps" in m and "24 fps" in m for m in messages)
    assert any("the plan needs 100" in m for m in messages)  # 4 s at the clip's own 25 fps
    assert report.verdict == "reject"


def test_longer_take_is_fine_within_handles(clips) -> None:
    report = analyze_clip(clips.get("clean"), expected=Expected(frames=40, rate=Fraction(24), motion=0.3))
    assert "QA114" not in report.codes


@pytest.mark.parametrize("generator", ["clean", "clean_with_cut", "handheld"])
def test_clean_clips_pass(clips, generator: str) -> None:
    report = analyze_clip(clips.get(generator), expected=PLAN)
    assert report.verdict == "pass", [(f.code, f.start_frame, f.message) for f in report.flags]
    assert report.score == 100.0


def test_cut_inside_a_clip_is_found_and_not_a_defect(clips) -> None:
    report = analyze_clip(clips.get("clean_with_cut"))
    assert report.cuts == [24]
    assert report.metrics["cuts"] == [24]


def test_series_are_per_frame_and_json_ready(clips) -> None:
    report = analyze_clip(clips.get("clean"))
    assert report.frames == 48
    assert all(len(values) == 48 for values in report.series.values())
    data = report.to_dict()
    assert data["verdict"] == "pass" and data["flags"] == []
    assert data["metrics"]["rate"] == "24"


def test_threshold_override_changes_the_verdict(clips) -> None:
    path = clips.get("over_sharpened")
    assert "QA106" not in analyze_clip(path, thresholds={"QA106": 0.9}).codes
