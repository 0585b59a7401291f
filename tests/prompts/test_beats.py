"""A timing beat already written in the action is said once, in every family."""

from __future__ import annotations

import pytest

from shotcraft.plan.schema import Trigger
from shotcraft.prompts import compile_take, family_names
from tests.prompts.examples import example


@pytest.mark.parametrize("family", family_names())
def test_a_beat_in_the_action_is_not_repeated(family: str) -> None:
    film = example("cliff").film  # c6: action and trigger both say "suddenly an evil smile spreads across her face"
    take = compile_take(film, "c6", "A", keyframe_family=family, clip_family=family, clip_target="flux")
    assert take.clip_prompt.lower().count("suddenly an evil smile spreads across her face") == 1
    assert any("already in the action; said once" in warning for warning in take.warnings)


def test_a_new_beat_is_still_said_with_its_time() -> None:
    film = example("cliff").film.model_copy(deep=True)
    film.shot("c6").triggers.append(Trigger(at=2.5, beat="her eyes close slowly"))
    take = compile_take(film, "c6", "A", clip_family="prose", clip_target="flux")
    assert "At 2.5 s her eyes close slowly." in take.clip_prompt
    assert take.clip_prompt.lower().count("evil smile spreads") == 1
