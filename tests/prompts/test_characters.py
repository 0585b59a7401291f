"""Character sheets: verbatim, locked order, overrides per shot, and the wardrobe-change acceptance test."""

from __future__ import annotations

from shotcraft.plan.schema import CharacterOverride, Film
from shotcraft.prompts import compile_plan
from shotcraft.prompts.framing import visible_sheet

PROMPT_FIELDS = ("keyframe_prompt", "keyframe_negative", "clip_prompt", "clip_negative")


def _prompts(film: Film) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(t.shot_id, t.take): tuple(getattr(t, name) for name in PROMPT_FIELDS) for t in compile_plan(film)}


def test_changing_one_wardrobe_changes_exactly_the_shots_that_show_it(film: Film) -> None:
    before = _prompts(film)
    lucas = film.character("lucas")
    lucas.wardrobe[0] = "camel duffle coat"
    after = _prompts(film)
    # the coat is seen where Lucas is cast and the framing shows his wardrobe (not in the s06 extreme close-up)
    lucas_shots = {
        shot.id for shot in film.shots
        if "lucas" in shot.characters and "camel duffle coat" in visible_sheet(lucas.descriptors, lucas.wardrobe, shot)[1]
    }
    assert lucas_shots == {"s05", "s09", "s10"}
    changed = {shot_id for (shot_id, _take), prompts in after.items() if prompts != before[(shot_id, _take)]}
    assert changed == lucas_shots
    for (shot_id, take), prompts in after.items():
        if shot_id in lucas_shots:
            # Both the keyframe and the clip prompt carry the new coat; the negatives do not change.
            assert "camel duffle coat" in prompts[0] and "camel duffle coat" in prompts[2]
            assert "navy pea coat" not in prompts[0] + prompts[2]
            assert prompts[1::2] == before[(shot_id, take)][1::2]


def test_descriptors_and_wardrobe_appear_verbatim_in_plan_order_in_every_family(film: Film) -> None:
    jack = film.character("jack")
    for family in ("sd", "prose"):
        for take in compile_plan(film, keyframe_family=family, clip_family=family):
            shot = film.shot(take.shot_id)
            if "jack" not in shot.characters:
                continue
            shown, wardrobe = visible_sheet(jack.descriptors, jack.wardrobe, shot)
            for prompt in (take.keyframe_prompt, take.clip_prompt):
                start = prompt.index(", ".join(shown)) if shown else 0  # the shown descriptors, verbatim, as one run
                positions = [prompt.index(item, start) for item in wardrobe]
                assert positions == sorted(positions), (family, take.shot_id)


def test_descriptor_order_follows_the_plan_not_the_alphabet(film: Film) -> None:
    film.character("jack").descriptors = {"hair": "silver crew cut", "age": "late fifties", "build": "broad"}
    take = compile_plan(film)[0]
    assert "silver crew cut, late fifties, broad" in take.keyframe_prompt


def test_override_applies_to_its_shot_only_and_keeps_the_sheet_order(film: Film) -> None:
    film.shot("s04").overrides["jack"] = CharacterOverride(
        descriptors={"hair": "wet dark brown hair"}, wardrobe=["white shirt, sleeves rolled"], reason="coat off"
    )
    compiled = {(t.shot_id, t.take): t for t in compile_plan(film)}
    s04 = compiled[("s04", "A")].keyframe_prompt
    assert "sharp jaw, two-day stubble, grey eyes, wet dark brown hair, late thirties" in s04  # a portrait: no build
    assert "white shirt, sleeves rolled" in s04 and "charcoal wool overcoat" not in s04
    s02 = compiled[("s02", "A")].keyframe_prompt
    assert "short dark brown hair combed back" in s02 and "charcoal wool overcoat" in s02


def test_two_character_shot_lists_both_sheets_in_the_shot_order(film: Film) -> None:
    take = next(t for t in compile_plan(film, clip_family="prose") if t.shot_id == "s10")
    assert take.clip_prompt.index("Jack: sharp jaw") < take.clip_prompt.index("Lucas: soft features")
    assert "Jack is on the left of frame. Lucas is on the right of frame." in take.clip_prompt
    film.shot("s10").characters = ["lucas", "jack"]
    take = next(t for t in compile_plan(film, clip_family="prose") if t.shot_id == "s10")
    assert take.clip_prompt.index("Lucas: soft features") < take.clip_prompt.index("Jack: sharp jaw")
