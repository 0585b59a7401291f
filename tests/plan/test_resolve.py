"""Defaults, seeds and takes resolved in one place."""

from __future__ import annotations

from shotcraft.plan import load_plan, load_plan_text, resolve_shot, resolve_shots
from shotcraft.plan.presets import SHOT_TYPE_PRESETS
from shotcraft.plan.resolve import derive_seed
from tests.conftest import EXAMPLE


def test_derived_seeds_are_stable_and_distinct() -> None:
    film = load_plan(EXAMPLE).film
    first = [r.seed for r in resolve_shots(film)]
    second = [r.seed for r in resolve_shots(load_plan(EXAMPLE).film)]
    assert first == second
    assert len(set(first)) == len(first)
    assert derive_seed("neo-noir", "s01") == first[0]
    assert all(r.seed_derived for r in resolve_shots(film))


def test_take_b_differs_only_in_seed_by_default() -> None:
    film = load_plan(EXAMPLE).film
    a, b = resolve_shots(film)[0].takes
    assert (a.label, b.label) == ("A", "B")
    assert a.seed != b.seed
    assert (a.motion, a.cfg, a.prompt_variant) == (b.motion, b.cfg, b.prompt_variant)
    assert a.varies == b.varies == "seed"


def test_takes_varying_motion_share_the_seed() -> None:
    text = EXAMPLE.read_text().replace("    motion: 0.3\n    camera: push-in\n", "    motion: 0.3\n    camera: push-in\n    takes: {count: 2, vary: motion, values: [0.3, 0.38]}\n", 1)
    resolved = resolve_shot(load_plan_text(text).film, load_plan_text(text).film.shots[0])
    a, b = resolved.takes
    assert a.seed == b.seed and (a.motion, b.motion) == (0.3, 0.38)


def test_explicit_seed_wins_and_derivation_can_be_disabled() -> None:
    text = EXAMPLE.read_text().replace("defaults:\n  takes: 2\n", "defaults:\n  takes: 2\n  derive_seeds: false\n")
    text = text.replace("    camera: push-in\n", "    camera: push-in\n    keyframe: {seed: 1234}\n", 1)
    resolved = resolve_shots(load_plan_text(text).film)
    assert resolved[0].seed == 1234 and not resolved[0].seed_derived
    assert resolved[1].seed is None


def test_motion_defaults_to_the_shot_type_preset() -> None:
    text = EXAMPLE.read_text().replace("    duration: 2.5\n    motion: 0.25\n", "    duration: 2.5\n", 1)
    film = load_plan_text(text).film
    shot = next(s for s in film.shots if s.id == "s03")
    low, high = SHOT_TYPE_PRESETS[shot.type].motion
    assert resolve_shot(film, shot).motion == round((low + high) / 2, 3)


def test_frames_are_integers_at_the_exact_rate() -> None:
    resolved = resolve_shots(load_plan(EXAMPLE).film)
    assert [r.frames for r in resolved][:3] == [120, 108, 60]
