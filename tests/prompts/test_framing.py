"""Property: for every shot type and every character, the compiled prompt carries exactly the sheet parts
the framing table shows, verbatim, and none it hides.

Every shot of the three examples is recompiled as every shot type, with every
character of its film cast, in both the tag and the sentence family; the
expected parts come from framing.yaml through descriptor_part and
wardrobe_part, independently of the compiler's own selection code.
"""

from __future__ import annotations

import pytest

from shotcraft.plan.presets import ShotType
from shotcraft.plan.schema import Framing
from shotcraft.prompts import compile_take
from shotcraft.prompts.framing import descriptor_part, mentioned_items, shot_text, table, wardrobe_part
from tests.prompts.examples import EXAMPLES, example

WIDE = "flux"  # a budget large enough that nothing is dropped: the test is about framing, not length


def _expected(film, shot, character) -> tuple[list[str], list[str]]:
    """(shown strings, hidden strings), from the table directly."""
    shown_parts, mentioned = table().rows[shot.type]
    parts = set(shown_parts)
    if mentioned:
        words = " ".join(shot_text(shot)).lower()
        parts |= {part for part, part_words in table().part_words.items() if part not in ("face", "hair") and any(f" {w} " in f" {words} " for w in part_words)}
        parts |= {part for word, part in table().wardrobe_parts.items() if f" {word} " in f" {words} "}
    if shot.framing is not None:
        parts = (parts | set(shot.framing.show)) - set(shot.framing.hide)
    named = mentioned_items(tuple(character.wardrobe), shot_text(shot)) if mentioned else frozenset()
    if shot.framing is not None:
        named = frozenset(item for item in named if wardrobe_part(item) not in shot.framing.hide)
    shown = [v for k, v in character.descriptors.items() if descriptor_part(k) in parts]
    shown += [item for item in character.wardrobe if wardrobe_part(item) in parts or item in named]
    hidden = [v for v in [*character.descriptors.values(), *character.wardrobe] if v not in shown]
    return shown, hidden


def _contains(prompt: str, text: str) -> bool:
    return text in prompt


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("shot_type", list(ShotType))
def test_prompt_carries_the_parts_the_framing_shows_and_none_it_hides(name: str, shot_type: ShotType) -> None:
    film = example(name).film.model_copy(deep=True)
    for character in film.characters:
        for shot in film.shots[:3]:
            shot.type = shot_type
            shot.characters = [character.id]
            shot.blocking, shot.overrides = {}, {}
            shown, hidden = _expected(film, shot, character)
            for family in ("sd", "prose"):
                take = compile_take(film, shot.id, "A", keyframe_family=family, clip_family=family,
                                    keyframe_target=WIDE, clip_target=WIDE)  # fmt: skip
                for prompt in (take.keyframe_prompt, take.clip_prompt):
                    for text in shown:
                        assert _contains(prompt, text), (name, shot_type, shot.id, family, text)
                    for text in hidden:
                        # a hidden string may still be said by the shot's own words; never by the sheet
                        own = " ".join(shot_text(shot) + [shot.brief.place or "", shot.brief.texture or "", shot.brief.palette or ""])
                        assert not _contains(prompt, text) or text in own, (name, shot_type, shot.id, family, text)


def test_a_shot_overrides_its_row() -> None:
    film = example("neo-noir").film.model_copy(deep=True)
    s03 = film.shot("s03")  # a macro insert of the gloved hand: no face
    assert "sharp jaw" not in compile_take(film, "s03", "A", keyframe_target=WIDE).keyframe_prompt
    s03.framing = Framing(show=["face"], hide=["hands"])
    prompt = compile_take(film, "s03", "A", keyframe_target=WIDE).keyframe_prompt
    assert "sharp jaw, two-day stubble, grey eyes" in prompt and "black leather gloves" not in prompt


def test_the_object_detail_of_a_gloved_hand_carries_the_glove_not_the_face() -> None:
    take = compile_take(example("neo-noir").film, "s03", "A")
    assert "black leather gloves" in take.keyframe_prompt
    for face_or_build in ("sharp jaw", "grey eyes", "short dark brown hair", "lean and tall", "late thirties", "visible pores"):
        assert face_or_build not in take.keyframe_prompt
    assert "natural sharpness" not in take.dropped  # nothing of the shot's own subject is dropped
