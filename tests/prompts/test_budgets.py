"""Prompt budgets per model family: nothing exceeds its budget without a reported drop, importance order kept."""

from __future__ import annotations

import re

import pytest

from shotcraft.plan.schema import ModelSource
from shotcraft.prompts import compile_plan, compile_take, family_names
from shotcraft.prompts.budgets import BUDGETS, DROP_ORDER, FAMILY_TARGETS, budget, target_for
from tests.prompts.examples import EXAMPLES, example


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("family", family_names())
def test_no_prompt_exceeds_its_budget_without_a_reported_drop(name: str, family: str) -> None:
    film = example(name).film
    for take in compile_plan(film, keyframe_family=family, clip_family=family):
        for label, prompt, described in (("keyframe", take.keyframe_prompt, take.keyframe_budget),
                                         ("clip", take.clip_prompt, take.clip_budget)):  # fmt: skip
            target = described.split(":")[0]
            limit = budget(target)
            text = prompt.split(" --ar ")[0] if family == "midjourney" else prompt  # parameters are not prompt words
            size = limit.measure(text)
            if size > limit.limit:
                assert any(f"{label} prompt is ~" in w and "over" in w for w in take.warnings), (take.shot_id, label, size)
            dropped = [entry for entry in take.dropped if entry.startswith(f"{label}: ")]
            if dropped:
                assert any(f"{label} prompt fits {limit.describe()} only without" in w for w in take.warnings)
        assert not any("truncates after chunk 1" in warning for warning in take.warnings)


def test_drops_follow_the_importance_order_and_never_touch_subject_action_or_sheets() -> None:
    film = example("neo-noir").film
    take = compile_take(film, "s01", "A", keyframe_target="ltx", clip_target="ltx")  # 128 tokens: a lot must go
    order = [name for name, _present, _without in DROP_ORDER]
    names = [entry.split(": ", 1)[1].split(" (")[0] for entry in take.dropped if entry.startswith("keyframe: ")]
    assert names == sorted(names, key=order.index)
    assert names[:2] == ["texture", "palette"]
    shot = film.shot("s01")
    assert shot.brief.subject in take.keyframe_prompt and shot.action in take.clip_prompt
    assert "short dark brown hair combed back" in take.keyframe_prompt  # the locked sheet stays


def test_a_prompt_that_fits_drops_nothing() -> None:
    take = compile_take(example("neo-noir").film, "s03", "A", keyframe_target="flux", clip_target="flux")
    assert take.dropped == () and not any("only without" in w for w in take.warnings)


@pytest.mark.parametrize(
    ("family", "model", "target"),
    [
        ("prose", ModelSource(repo="Wan-AI/Wan2.1-T2V-1.3B-Diffusers"), "wan"),
        ("prose", ModelSource(repo="Lightricks/LTX-Video"), "ltx"),
        ("prose", ModelSource(repo="THUDM/CogVideoX-2b"), "cogvideox"),
        ("prose", ModelSource(repo="black-forest-labs/FLUX.1-schnell"), "flux-schnell"),
        ("sd", ModelSource(repo="stabilityai/stable-diffusion-xl-base-1.0"), "sdxl"),
        ("sd", ModelSource(path="models/tiny", family="sd15"), "sd15"),
        ("sd", None, "sdxl"),
        ("midjourney", None, "midjourney"),
        ("runway", None, "runway"),
    ],
)
def test_the_budget_follows_the_model(family: str, model: ModelSource | None, target: str) -> None:
    assert target_for(family, model) == target


def test_every_family_has_a_documented_budget() -> None:
    assert set(family_names()) <= set(FAMILY_TARGETS)
    for limit in BUDGETS.values():
        assert limit.limit > 0 and limit.source and limit.unit in ("CLIP tokens", "T5 tokens", "characters", "words")


def test_midjourney_prompt_is_one_pasted_text_in_its_syntax() -> None:
    film = example("cliff").film
    take = compile_take(film, "c8", "A", keyframe_family="midjourney", clip_family="midjourney")
    prompt = take.keyframe_prompt
    assert re.search(r"::2 .*::1 ", prompt)  # the importance order as weights
    params = prompt[prompt.index(" --ar "):]
    assert params.startswith(" --ar 7:3 --seed ") and " --no " in params
    assert take.keyframe_negative == ""  # negatives travel as --no in the same text
    negatives = params.split(" --no ", 1)[1].split(", ")
    assert "flying cars" in negatives and "fire" not in negatives
    assert " --motion low" in take.clip_prompt


def test_midjourney_plan_text_cannot_break_the_syntax() -> None:
    film = example("cliff").film.model_copy(deep=True)
    film.shot("c1").brief.subject = "Aya::5 on the cliff --ar 1:1"
    prompt = compile_take(film, "c1", "A", keyframe_family="midjourney").keyframe_prompt
    assert "Aya:5" in prompt and "::5" not in prompt and prompt.count("--ar") == 1


def test_providers_without_negative_prompts_say_what_was_not_sent() -> None:
    for family in ("runway", "luma"):
        take = compile_take(example("serum").film, "s3", "A", keyframe_family=family, clip_family=family)
        assert take.keyframe_negative == "" and take.clip_negative == ""
        assert any("takes no negative prompt; not sent" in w for w in take.warnings)
    runway = compile_take(example("serum").film, "s3", "A", clip_family="runway")
    assert runway.clip_prompt.startswith("Lea presses the serum") and "oatmeal linen shirt" not in runway.clip_prompt
