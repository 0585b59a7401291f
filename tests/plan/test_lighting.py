"""A shot's effective lighting: shot > location > charter, field by field."""

from __future__ import annotations

from shotcraft.plan import load_plan
from shotcraft.plan.lighting import effective_lighting
from shotcraft.prompts import compile_take
from tests.prompts.examples import EXAMPLES


def test_shot_over_location_over_charter() -> None:
    film = load_plan(EXAMPLES["serum"]).film
    bathroom = effective_lighting(film, film.shot("s3"))
    assert bathroom.lighting.source == "soft morning window light" and bathroom.sources["source"] == "location"
    street = effective_lighting(film, film.shot("s6"))
    assert street.lighting.source == "low morning sun" and street.lighting.direction.value == "back-left"
    cliff = load_plan(EXAMPLES["cliff"]).film
    relit = effective_lighting(cliff, cliff.shot("c6"))
    assert relit.lighting.color_temperature == 1900 and relit.sources["color_temperature"] == "shot"
    fire = effective_lighting(cliff, cliff.shot("c8"))
    # the shot sets source, temperature and quality; the direction still comes from the charter
    assert fire.sources == {"source": "shot", "direction": "charter", "color_temperature": "shot", "quality": "shot"}


def test_the_prompt_says_the_light_of_its_place_not_another() -> None:
    film = load_plan(EXAMPLES["serum"]).film
    street = compile_take(film, "s6", "A", keyframe_target="flux").keyframe_prompt
    bathroom = compile_take(film, "s3", "A", keyframe_target="flux").keyframe_prompt
    assert "low morning sun" in street and "window light" not in street.replace("window light from the left", "")
    assert "soft morning window light" in bathroom and "low morning sun" not in bathroom
