"""Negative directing: prohibitions always, style associations only when the plan asks, never silently."""

from __future__ import annotations

from shotcraft.plan.schema import Film
from shotcraft.prompts import compile_take
from shotcraft.prompts.negatives import split_terms


def test_prohibitions_global_and_per_shot_are_in_both_negatives(film: Film) -> None:
    take = compile_take(film, "s02", "A")
    for negative in (take.keyframe_negative, take.clip_negative):
        terms = negative.split(", ")
        assert terms[:8] == ["rain", "falling rain", "raindrops", "double doors", "neon signs", "crowd", "text", "watermark"]
        assert "second door" in terms and "doorman" in terms
        assert "no second door" not in negative
    assert ("doorman", "brief.prohibition") in take.negative_sources
    assert ("rain", "charters.prohibitions") in take.negative_sources


def test_a_repeated_term_is_said_once_with_its_first_source(film: Film) -> None:
    take = compile_take(film, "s08", "A")  # brief: "no rain, no raindrops", both already global
    assert take.keyframe_negative.split(", ").count("rain") == 1
    assert dict(take.negative_sources)["rain"] == "charters.prohibitions"


def test_split_terms_drops_the_negation_word() -> None:
    assert split_terms("no falling rain, no neon signs; without crowd") == ["falling rain", "neon signs", "crowd"]
    assert split_terms("Never text") == ["text"]
    assert split_terms(" , ;") == []


def _with_style_word(film: Film, negative_directing: bool) -> Film:
    film.charters.negative_directing = negative_directing
    film.charters.prohibitions = ["watermark"]
    film.shot("s05").brief.subject = "Lucas alone in a neo-noir street"
    return film


def test_style_associations_are_added_only_when_negative_directing_is_on(film: Film) -> None:
    on = compile_take(_with_style_word(film, True), "s05", "A")
    assert "puddles" in on.keyframe_negative.split(", ")
    assert ("puddles", "negative-directing: neo-noir -> rain") in on.negative_sources
    off = compile_take(_with_style_word(film, False), "s05", "A")
    assert "puddles" not in off.keyframe_negative
    assert all(not source.startswith("negative-directing") for _term, source in off.negative_sources)


def test_associations_follow_the_words_the_prompt_actually_contains(film: Film) -> None:
    film.charters.prohibitions = []
    take = compile_take(film, "s05", "A")  # no style word in this shot's text
    assert all(not source.startswith("negative-directing") for _term, source in take.negative_sources)


def test_positive_prompt_saying_a_prohibited_word_is_warned(film: Film) -> None:
    film.shot("s01").brief.weather = "dry after the rain"
    take = compile_take(film, "s01", "A")
    assert any("says 'rain'" in warning for warning in take.warnings)
    assert not any("says 'rain'" in warning for warning in compile_take(film, "s05", "A").warnings)


def test_texture_charter_rules_out_the_video_game_render(film: Film) -> None:
    take = compile_take(film, "s06", "A")
    assert ("video-game render", "texture.sharpness") in take.negative_sources
    assert ("plastic skin", "texture.skin") in take.negative_sources
    film.charters.texture.sharpness = "crisp"
    assert "video-game render" not in compile_take(film, "s06", "A").keyframe_negative
    # No people, no skin terms.
    assert "plastic skin" not in compile_take(film, "s08", "A").keyframe_negative
