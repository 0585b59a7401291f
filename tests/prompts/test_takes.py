"""Takes differ in exactly one variable, and the compiled take says which."""

from __future__ import annotations

import pytest

from shotcraft.errors import InputError
from shotcraft.plan.resolve import resolve_shot
from shotcraft.plan.schema import Film, TakesSpec
from shotcraft.prompts import compile_plan, compile_take


def test_seed_takes_share_every_prompt_and_record_their_seed(film: Film) -> None:
    a, b = compile_take(film, "s01", "A"), compile_take(film, "s01", "B")
    specs = resolve_shot(film, film.shot("s01")).takes
    assert (a.varies, a.variable_value) == ("seed", str(specs[0].seed))
    assert (b.varies, b.variable_value) == ("seed", str(specs[1].seed))
    assert a.variable_value != b.variable_value
    assert (a.keyframe_prompt, a.clip_prompt, a.keyframe_negative) == (b.keyframe_prompt, b.clip_prompt, b.keyframe_negative)


def test_prompt_variant_takes_differ_only_by_the_variant(film: Film) -> None:
    film.shot("s06").takes = TakesSpec(count=2, vary="prompt", values=["eyes glistening", "laughing softly"])
    a, b = compile_take(film, "s06", "A"), compile_take(film, "s06", "B")
    assert (a.varies, a.variable_value, b.variable_value) == ("prompt", "eyes glistening", "laughing softly")
    assert a.keyframe_prompt.replace("eyes glistening", "laughing softly") == b.keyframe_prompt
    assert a.clip_prompt.replace("Eyes glistening.", "Laughing softly.") == b.clip_prompt


def test_motion_takes_keep_the_text_and_record_the_value(film: Film) -> None:
    film.shot("s02").takes = TakesSpec(count=2, vary="motion", values=[0.4, 0.5])
    a, b = compile_take(film, "s02", "A"), compile_take(film, "s02", "B")
    assert (a.variable_value, b.variable_value) == ("0.4", "0.5")
    assert a.clip_prompt == b.clip_prompt


def test_compile_plan_is_every_shot_and_take_in_plan_order(film: Film) -> None:
    film.shot("s03").takes = TakesSpec(count=3)
    order = [(t.shot_id, t.take) for t in compile_plan(film)]
    expected = [(shot.id, label) for shot in film.shots for label in ("ABC" if shot.id == "s03" else "AB")]
    assert order == expected


def test_unknown_shot_or_take_is_a_clean_error(film: Film) -> None:
    with pytest.raises(InputError, match="no shot 's99' in the plan"):
        compile_take(film, "s99", "A")
    with pytest.raises(InputError, match="shot s01: no take 'C' \\(takes: A, B\\)"):
        compile_take(film, "s01", "C")


def test_missing_seed_is_warned_not_hidden(film: Film) -> None:
    film.defaults.derive_seeds = False
    take = compile_take(film, "s01", "A")
    assert take.variable_value is None
    assert any("no seed" in warning for warning in take.warnings)


def test_to_dict_is_json_ready_with_the_contract_keys_first(film: Film) -> None:
    data = compile_take(film, "s02", "A").to_dict()
    assert list(data)[:12] == [
        "shot_id", "take", "keyframe_family", "clip_family", "keyframe_prompt", "keyframe_negative",
        "clip_prompt", "clip_negative", "varies", "variable_value", "token_estimate", "warnings",
    ]
    assert data["negative_sources"][0] == {"term": "rain", "source": "charters.prohibitions"}
