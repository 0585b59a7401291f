"""Model families: tag-style for CLIP, prose for T5/LLM, and the table that adding one takes."""

from __future__ import annotations

import pytest

from shotcraft.errors import InputError
from shotcraft.plan.schema import EndFrame, Film, Trigger
from shotcraft.prompts import PromptOptions, compile_take, families
from shotcraft.prompts.base import Family


def test_default_families_are_sd_for_keyframes_and_prose_for_clips(film: Film) -> None:
    take = compile_take(film, "s04", "A")
    assert (take.keyframe_family, take.clip_family) == ("sd", "prose")
    assert take.keyframe_prompt.startswith("tight portrait, 85mm lens, Jack's face in three-quarter profile")
    assert take.clip_prompt.startswith("Tight portrait, 85mm lens. Jack's face in three-quarter profile")


def test_sd_keyframe_puts_framing_and_subject_first_and_leaves_names_out_of_the_sheet(film: Film) -> None:
    prompt = compile_take(film, "s07", "A").keyframe_prompt
    tags = prompt.split(", ")
    assert tags[:3] == ["extreme close-up", "reverse angle", "100mm lens"]
    assert tags[3] == "Jack's face looking back with intense affection"
    assert prompt.index("sharp jaw") < prompt.index("single sodium streetlamp") < prompt.index("light film grain")
    assert "Jack:" not in prompt


def test_sd_says_a_repeated_tag_once(film: Film) -> None:
    prompt = compile_take(film, "s04", "A", keyframe_target="flux").keyframe_prompt  # a budget that keeps the texture
    assert prompt.split(", ").count("light film grain") == 1
    assert prompt.split(", ").count("natural skin texture") == 1


def test_sd_weighting_is_behind_an_option_and_escapes_literal_brackets(film: Film) -> None:
    film.shot("s03").brief.subject = "a brass key ring (with a red tag)"
    plain = compile_take(film, "s03", "A", clip_family="sd")
    assert "(" in plain.keyframe_prompt and ":1.2)" not in plain.keyframe_prompt
    weighted = compile_take(film, "s03", "A", clip_family="sd", options=PromptOptions(weights=True, subject_weight=1.35))
    assert "(a brass key ring \\(with a red tag\\):1.35)" in weighted.keyframe_prompt
    assert "(a brass key ring \\(with a red tag\\):1.35)" in weighted.clip_prompt


def test_prose_places_triggers_as_time_ordered_sentences(film: Film) -> None:
    shot = film.shot("s02")
    shot.triggers = [Trigger(at=3.25, beat="turns around"), Trigger(at=1.5, beat="suddenly freezes")]
    prompt = compile_take(film, "s02", "A").clip_prompt
    first, second = "At 1.5 s Jack suddenly freezes.", "At 3.25 s Jack turns around."
    assert first in prompt and second in prompt
    assert prompt.index(first) < prompt.index(second)
    assert prompt.index("Jack pats his overcoat pockets") < prompt.index(first)


def test_prose_keeps_a_beat_that_names_its_own_subject(film: Film) -> None:
    film.shot("s10").triggers = [Trigger(at=2.0, beat="Lucas closes his eyes"), Trigger(at=3.0, beat="The lamp flickers once")]
    take = compile_take(film, "s10", "A")
    assert "At 2 s Lucas closes his eyes." in take.clip_prompt
    assert "At 3 s the lamp flickers once." in take.clip_prompt
    assert not any("has no subject" in warning for warning in take.warnings)


def test_prose_warns_when_a_two_character_beat_has_no_subject(film: Film) -> None:
    film.shot("s10").triggers = [Trigger(at=1.0, beat="suddenly laugh")]
    take = compile_take(film, "s10", "A")
    assert "At 1 s Jack and Lucas suddenly laugh." in take.clip_prompt
    assert any("trigger at 1 s has no subject" in warning for warning in take.warnings)


def test_keyframes_describe_the_first_frame_only(film: Film) -> None:
    for family in ("sd", "prose"):
        take = compile_take(film, "s04", "A", keyframe_family=family)
        assert "suddenly freezes" not in take.keyframe_prompt
        assert "Camera:" not in take.keyframe_prompt and "almost fixed camera" not in take.keyframe_prompt
        assert "suddenly freezes" in compile_take(film, "s04", "A", clip_family=family).clip_prompt


def test_geography_only_for_establishing_and_wide_shots(film: Film) -> None:
    geography = "Jack's black 1970s sedan parked on the left kerb"
    assert geography in compile_take(film, "s01", "A").keyframe_prompt  # establishing
    assert geography in compile_take(film, "s05", "A").clip_prompt  # wide-ambience
    assert geography not in compile_take(film, "s02", "A").keyframe_prompt  # medium action
    assert geography not in compile_take(film, "s02", "A").clip_prompt


def test_end_frame_subject_closes_the_clip_prompt(film: Film) -> None:
    film.shot("s05").end_frame = EndFrame(subject="Lucas two steps closer, smiling")
    assert "The shot ends on Lucas two steps closer, smiling." in compile_take(film, "s05", "A").clip_prompt


def test_unknown_family_is_a_clean_error(film: Film) -> None:
    with pytest.raises(InputError, match="unknown prompt family 'dalle' \\(known: sd, prose, midjourney, veo, runway, luma, kling\\)"):
        compile_take(film, "s01", "A", keyframe_family="dalle")


def test_adding_a_family_is_one_table_entry(film: Film, monkeypatch: pytest.MonkeyPatch) -> None:
    shout = Family(
        name="shout",
        summary="test family",
        keyframe=lambda parts, options: (parts.subject or "").upper(),
        clip=lambda parts, options: (parts.action or "").upper(),
        negative=lambda terms: " | ".join(terms),
        check=lambda parts, label, text: [],
    )
    monkeypatch.setitem(families.FAMILIES, "shout", shout)
    take = compile_take(film, "s04", "A", keyframe_family="shout", clip_family="shout")
    assert take.keyframe_prompt == "JACK'S FACE IN THREE-QUARTER PROFILE, EYES LIFTING FROM HIS HANDS"
    assert take.clip_negative.startswith("rain | falling rain")


def test_negations_in_tag_prompts_are_warned(film: Film) -> None:
    film.charters.texture.skin = "natural skin texture, visible pores, no retouching"
    warnings = compile_take(film, "s04", "A", clip_family="sd", keyframe_target="flux", clip_target="flux").warnings
    negations = [warning for warning in warnings if "'no retouching'" in warning]
    assert len(negations) == 1  # said once for the take, though both prompts carry the tag
    assert "list 'retouching' in the prohibitions" in negations[0]


def test_end_frame_blocking_is_said_for_the_last_frame(film: Film) -> None:
    film.shot("s10").end_frame = EndFrame(blocking={"lucas": "center-right", "jack": "center-left"})
    prompt = compile_take(film, "s10", "A").clip_prompt
    assert "In the last frame: Jack left of centre and Lucas right of centre." in prompt


def test_time_and_weather_fall_back_to_the_location(film: Film) -> None:
    film.shot("s06").brief.time = None
    film.shot("s06").brief.weather = None
    prompt = compile_take(film, "s06", "A").clip_prompt
    assert "Time and weather: night, 2 a.m.; dry cold night, damp cobblestones, still air." in prompt


def test_plan_text_is_one_line_whatever_the_yaml_folding(film: Film) -> None:
    film.shot("s06").action = "Lucas turns his head,\n   his face\tlighting up."
    take = compile_take(film, "s06", "A")
    assert "Lucas turns his head, his face lighting up." in take.clip_prompt
