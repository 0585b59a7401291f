"""QA on realistic footage (tests/qa/corpus.py): clean camera moves over real photographs pass, planted defects
are flagged with their code on their frames, faces keep or lose their identity as planted."""

from __future__ import annotations

import pytest

from shotcraft.qa import analyze_clip
from tests.qa import corpus
from tests.qa.conftest import Corpus, expected_for as _expected


def test_clean_clips_are_never_rejected_and_rarely_warned(footage: Corpus) -> None:
    verdicts = {name: footage.report(name) for name in corpus.CLEAN}
    rejected = {n: [(f.code, f.message) for f in r.flags] for n, r in verdicts.items() if r.verdict == "reject"}
    assert not rejected
    minor = [(n, f.code) for n, r in verdicts.items() for f in r.flags if f.severity == "minor"]
    assert len(minor) <= len(verdicts) // 10, minor
    faces = [n for n, (_, face) in corpus.CLEAN.items() if face]
    people = {"two_shot_profile": 2}
    assert all(verdicts[n].metrics["faces"]["tracks"] == people.get(n, 1) for n in faces), {n: verdicts[n].metrics["faces"] for n in faces}
    # the cameraman is seen in profile: tracked by the profile detector, not by the frontal model
    profiles = {"push_camera": 1, "pan_camera_mirrored": 1, "two_shot_profile": 1}
    assert all(verdicts[n].metrics["faces"]["profile_tracks"] == profiles.get(n, 0) for n in faces), {n: verdicts[n].metrics["faces"] for n in faces}
    assert all(verdicts[n].metrics["faces"]["tracks"] == 0 for n, (_, face) in corpus.CLEAN.items() if not face)


@pytest.mark.parametrize("name", sorted(corpus.DEFECTS))
def test_planted_defect_is_flagged_with_its_code_on_its_frames(footage: Corpus, name: str) -> None:
    clip, report = footage.clip(name), footage.report(name)
    hits = report.flags_with(clip.code)
    assert hits, f"{name}: expected {clip.code}, got {[(f.code, f.start_frame, f.end_frame) for f in report.flags]}"
    slack = 7 if clip.code in ("QA105", "QA106", "QA107") else 3  # shake: half-second window; sharpness: sampled twice a second
    assert any(f.start_frame <= clip.end + slack and f.end_frame >= clip.start - slack and abs(f.start_frame - clip.start) <= max(slack, 12)
               for f in hits), [(f.start_frame, f.end_frame) for f in hits]


def test_identity_swap_is_flagged_within_three_frames(footage: Corpus) -> None:
    clip = footage.clip("identity_swap")
    [flag] = footage.report("identity_swap").flags_with("QA112")
    assert abs(flag.start_frame - clip.start) <= 3 and flag.severity == "major"


def test_locked_off_portrait_breathes_and_its_freezes_are_caught(footage: Corpus) -> None:
    assert "QA102" not in footage.report("portrait_micro").codes
    for name in ("frozen_portrait", "frozen_fresh_grain"):
        clip = footage.clip(name)
        [flag] = footage.report(name).flags_with("QA102")
        assert flag.severity == "major" and abs(flag.start_frame - clip.start) <= 1 and abs(flag.end_frame - clip.end) <= 1


@pytest.mark.parametrize("name", ["push_astronaut", "head_turn_astronaut", "expression_astronaut", "crop_astronaut", "pan_astronaut_light"])
def test_the_character_is_recognised_through_pose_expression_crop_and_light(footage: Corpus, sheets, name: str) -> None:
    report = analyze_clip(footage.clip(name).path, expected=_expected(name, characters=(sheets["mara"],)))
    assert not {"QA112", "QA115"} & report.codes
    [identity] = report.metrics["faces"]["identities"]
    assert identity["character"] == "mara" and identity["distance"] < 0.4


def test_a_face_that_is_not_the_character_and_a_swap_mid_shot_are_qa115(footage: Corpus, sheets) -> None:
    wrong = analyze_clip(footage.clip("push_astronaut").path, expected=_expected("push_astronaut", characters=(sheets["other"],)))
    [flag] = wrong.flags_with("QA115")
    assert flag.start_frame == 0 and flag.value > 0.6
    clip = footage.clip("identity_swap")
    swapped = analyze_clip(clip.path, expected=_expected("identity_swap", characters=(sheets["mara"],)))
    [flag] = swapped.flags_with("QA115")
    assert abs(flag.start_frame - clip.start) <= 3


def test_a_finished_film_has_its_cuts_found_and_is_not_rejected(footage: Corpus) -> None:
    path, cuts = corpus.film(footage.folder, ("push_astronaut", "pan_astronaut_light", "expression_astronaut", "portrait_micro", "pan_coffee"))
    report = analyze_clip(path)
    assert len(report.cuts) == len(cuts) and all(abs(a - b) <= 1 for a, b in zip(report.cuts, cuts))
    assert report.verdict != "reject", [(f.code, f.message) for f in report.flags if f.severity == "major"]
    assert report.metrics["shots"][0] == [0, cuts[0] - 1]


def test_no_face_no_face_flag_on_the_synthetic_street_clips(clips) -> None:
    for name in ("clean", "clean_with_cut", "handheld"):
        report = analyze_clip(clips.get(name))
        assert report.metrics["faces"]["tracks"] == 0 and not {"QA112", "QA115"} & report.codes
