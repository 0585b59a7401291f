"""Light intent and exposure intent read from the plan (no pixels)."""

from __future__ import annotations

from shotcraft.grade.intent import EXPOSURE_RANGES, exposure_intent, shot_light_intent
from shotcraft.plan import load_plan
from shotcraft.plan.schema import Lighting
from tests.conftest import EXAMPLE


def _film():
    return load_plan(EXAMPLE).film


def test_the_neo_noir_street_is_one_low_key_coloured_light() -> None:
    film = _film()
    intents = {shot.id: shot_light_intent(film, shot) for shot in film.shots}
    assert {intent.group for intent in intents.values()} == {"location:street|night"}
    assert all(intent.low_key and intent.coloured and not intent.own for intent in intents.values())


def test_a_relight_in_the_shot_text_is_its_own_light() -> None:
    film = _film()
    shot = film.shot("s06").model_copy(update={"action": "Lucas's face relit by the flames of a burning car"})
    intent = shot_light_intent(film, shot)
    assert intent.own and intent.group == "relight:s06" and intent.coloured and "flames" in intent.reason


def test_another_time_of_day_is_another_light() -> None:
    film = _film()
    dawn = film.shot("s12").model_copy(update={"brief": film.shot("s12").brief.model_copy(update={"time": "dawn, first light"})})
    assert shot_light_intent(film, dawn).group == "location:street|dawn"


def test_a_lighting_field_on_the_shot_or_its_location_is_read() -> None:
    film = _film()
    lamp = film.shot("s04").model_copy(update={"lighting": Lighting(source="tungsten desk lamp", color_temperature=3200)})
    intent = shot_light_intent(film, lamp)
    assert intent.own and intent.group.startswith("lighting:") and "3200" in intent.group and intent.coloured
    street = film.location("street").model_copy(update={"lighting": Lighting(color_temperature=5600)})
    daylit = film.model_copy(update={"locations": [street]})
    intent = shot_light_intent(daylit, daylit.shot("s01"))
    assert not intent.own and "5600" in intent.group and not intent.coloured  # the location's light, all its shots


def test_night_faces_sit_above_night_wides_so_a_scene_keeps_its_order() -> None:
    film = _film()
    night = shot_light_intent(film, film.shot("s01"))
    face = exposure_intent(film.shot("s06"), night, has_face=True)
    wide = exposure_intent(film.shot("s01"), night, has_face=False)
    insert = exposure_intent(film.shot("s08"), night, has_face=False)
    assert (face.kind, wide.kind, insert.kind) == ("face", "wide", "material")
    assert face.low > wide.high
    assert face.target(30.0) == face.low and face.target(50.0) == 50.0  # inside its range: left alone
    assert all(low < high for low, high in EXPOSURE_RANGES.values())
