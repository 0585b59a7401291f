"""The animatic backend: storyboard panels from the plan, animated by camera moves, byte-deterministic."""

from __future__ import annotations

import copy
import hashlib
from fractions import Fraction
from typing import Any

import cv2
import numpy as np
import pytest

from shotcraft.backends import camera, panel
from shotcraft.backends.animatic import AnimaticBackend
from shotcraft.backends.protocol import Backend, ClipRequest, KeyframeRequest
from shotcraft.errors import InputError
from shotcraft.plan import load_plan
from shotcraft.render.jobs import drawing_context
from tests.conftest import EXAMPLE

W, H = 384, 216  # small panels keep the suite quick; drawing scales with the height


@pytest.fixture(scope="module")
def plan():
    return load_plan(EXAMPLE)


def context_for(plan, shot_id: str) -> dict[str, Any]:
    """The request context exactly as the render engine builds it (the contract under test)."""
    return drawing_context(plan, plan.film.shot(shot_id))


def keyframe_request(context: dict[str, Any], *, shot_id: str = "s01", seed: int = 7, size=(W, H), take: str = "A") -> KeyframeRequest:
    return KeyframeRequest(shot_id, take, "prompt", "", size[0], size[1], seed, 30, 5.5, "euler", 0.3, context=context)


def clip_request(keyframe: np.ndarray, context: dict[str, Any], *, move: str = "push-in", frames: int = 24, motion: float = 0.4, seed: int = 7, shot_id: str = "s01", size=(W, H)) -> ClipRequest:
    return ClipRequest(shot_id, "A", "prompt", "", keyframe, size[0], size[1], Fraction(24), frames, motion, seed, move, context=context)


def frames_digest(frames) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.tobytes())
    return digest.hexdigest()


def without_characters(context: dict[str, Any]) -> dict[str, Any]:
    empty = copy.deepcopy(context)
    empty["plan"]["shot"]["characters"] = []
    empty["plan"]["characters"] = []
    return empty


def figure_mask(plan, shot_id: str, seed: int = 7) -> np.ndarray:
    """Pixels the characters occupy: the picture with them minus the picture without them."""
    context = context_for(plan, shot_id)
    spec = panel.panel_spec(context, shot_id=shot_id, take="A")
    empty = panel.panel_spec(without_characters(context), shot_id=shot_id, take="A")
    with_people = panel.draw_picture(spec, (W, H), seed).astype(np.int16)
    without = panel.draw_picture(empty, (W, H), seed).astype(np.int16)
    return np.abs(with_people - without).max(axis=2) > 12


# --- protocol and determinism -------------------------------------------------------------------


def test_implements_the_backend_protocol():
    backend = AnimaticBackend()
    assert isinstance(backend, Backend)
    caps = backend.capabilities
    assert caps.text_to_image and caps.image_to_video and caps.deterministic
    assert caps.prompt_family == "sd" and caps.frame_counts == "any"
    assert backend.identity(None) == {"backend": "animatic", "version": backend.version, "model": None}


def test_every_example_shot_draws_a_panel_deterministically(plan):
    for shot in plan.film.shots:
        context = context_for(plan, shot.id)
        first = AnimaticBackend().keyframe(keyframe_request(context, shot_id=shot.id))
        again = AnimaticBackend().keyframe(keyframe_request(context, shot_id=shot.id))
        assert first.shape == (H, W, 3) and first.dtype == np.uint8
        assert first.tobytes() == again.tobytes(), shot.id
        assert first[: int(H * 0.85)].std() > 8, f"{shot.id}: panel is nearly blank"


def test_takes_differ_by_seed_but_only_slightly(plan):
    context = context_for(plan, "s10")
    backend = AnimaticBackend()
    take_a = backend.keyframe(keyframe_request(context, shot_id="s10", seed=1)).astype(np.int16)
    take_b = backend.keyframe(keyframe_request(context, shot_id="s10", seed=2)).astype(np.int16)
    difference = np.abs(take_a - take_b).mean()
    assert 0.05 < difference < 20


def test_caption_names_the_shot(plan):
    context = context_for(plan, "s01")
    renamed = copy.deepcopy(context)
    renamed["plan"]["shot"]["id"] = "s99"
    backend = AnimaticBackend()
    original = backend.keyframe(keyframe_request(context))
    other = backend.keyframe(keyframe_request(renamed, shot_id="s99"))
    band = int(H * 0.9)
    assert not np.array_equal(original[band:], other[band:])  # the caption changed
    assert np.array_equal(original[: int(H * 0.85)], other[: int(H * 0.85)])  # the picture did not


def test_missing_context_still_draws_a_readable_panel():
    frame = AnimaticBackend().keyframe(keyframe_request({}, shot_id="lonely"))
    assert frame.shape == (H, W, 3)


# --- framing, blocking, light ----------------------------------------------------------------------


def test_framing_follows_the_shot_type(plan):
    wide = figure_mask(plan, "s01").mean()  # establishing: Jack small in frame
    portrait = figure_mask(plan, "s04").mean()  # tight portrait
    close_up = figure_mask(plan, "s07").mean()  # extreme close-up: the face fills the frame
    assert wide < 0.03
    assert portrait > 3 * wide
    assert close_up > 0.35 and close_up > portrait


def test_blocking_places_characters(plan):
    context = context_for(plan, "s05")
    for place, expect_left in (("left", True), ("right", False)):
        moved = copy.deepcopy(context)
        moved["plan"]["shot"]["blocking"] = {"lucas": place}
        moved["plan"]["shot"]["brief"]["subject"] = "Lucas standing in the street"
        spec = panel.panel_spec(moved, shot_id="s05", take="A")
        empty = panel.panel_spec(without_characters(moved), shot_id="s05", take="A")
        diff = np.abs(panel.draw_picture(spec, (W, H), 3).astype(int) - panel.draw_picture(empty, (W, H), 3).astype(int)).max(axis=2) > 12
        centre_x = np.nonzero(diff)[1].mean() / W
        assert (centre_x < 0.4) if expect_left else (centre_x > 0.6), (place, centre_x)


def test_profile_two_shot_faces_each_other(plan):
    mask = figure_mask(plan, "s10")
    columns = mask.any(axis=0)
    assert columns[: W // 2].any() and columns[W // 2 :].any()


def test_light_direction_from_the_charters(plan):
    context = without_characters(context_for(plan, "s11"))
    brightness = {}
    for direction in ("left", "right"):
        lit = copy.deepcopy(context)
        lit["plan"]["charters"]["lighting"]["direction"] = direction
        spec = panel.panel_spec(lit, shot_id="s11", take="A")
        grey = panel.draw_picture(spec, (W, H), 1).astype(np.float32).mean(axis=2)
        brightness[direction] = (grey[:, : W // 3].mean(), grey[:, -W // 3 :].mean())
    assert brightness["right"][1] > brightness["right"][0] * 1.2
    assert brightness["left"][0] > brightness["left"][1] * 1.2


def test_palette_tints_the_key_light(plan):
    context = without_characters(context_for(plan, "s02"))
    amber = panel.draw_picture(panel.panel_spec(context, shot_id="s02", take="A"), (W, H), 1).astype(np.float32)
    cold = copy.deepcopy(context)
    cold["plan"]["charters"]["palette"] = ["icy blue", "deep navy shadows"]
    blue = panel.draw_picture(panel.panel_spec(cold, shot_id="s02", take="A"), (W, H), 1).astype(np.float32)
    assert amber[..., 0].mean() > amber[..., 2].mean()
    assert blue[..., 2].mean() > blue[..., 0].mean()


def test_characters_are_told_apart_by_wardrobe(plan):
    context = context_for(plan, "s10")
    looks = panel.panel_spec(context, shot_id="s10", take="A").looks
    jack, lucas = looks
    assert jack.coat != lucas.coat and jack.hair != lucas.hair
    assert jack.gloves is not None and lucas.gloves is None  # "black leather gloves"
    assert lucas.freckles and jack.stubble


# --- clips --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s01(plan):
    context = context_for(plan, "s01")
    return context, AnimaticBackend().keyframe(keyframe_request(context))


def test_clip_is_byte_deterministic_with_exact_frame_count(s01):
    context, key = s01
    frames = list(AnimaticBackend().clip(clip_request(key, context, frames=30)))
    assert len(frames) == 30
    assert all(f.shape == (H, W, 3) and f.dtype == np.uint8 for f in frames)
    assert frames_digest(frames) == frames_digest(AnimaticBackend().clip(clip_request(key, context, frames=30)))
    assert frames_digest(frames) != frames_digest(AnimaticBackend().clip(clip_request(key, context, frames=30, seed=8)))


def test_push_in_is_eased_and_the_caption_holds_still(s01):
    context, key = s01
    frames = [f.astype(np.int16) for f in AnimaticBackend().clip(clip_request(key, context, frames=48, motion=0.5))]
    steps = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:])]
    middle = steps[len(steps) // 2]
    assert steps[0] < middle / 3 and steps[-1] < middle / 3  # slow in, slow out
    _, alpha = panel.draw_caption(panel.panel_spec(context, shot_id="s01", take="A"), (W, H))
    glyphs = alpha >= 250
    assert glyphs.sum() > 30
    assert np.abs(frames[0][glyphs] - frames[-1][glyphs]).max() <= 2  # the caption text does not move
    band = int(H * 0.88)
    assert np.abs(frames[-1][:band] - frames[0][:band]).mean() > 2
    # the first frame is the keyframe itself (zoom 1, no offset beyond the take's hair of jitter)
    assert np.abs(frames[0] - key.astype(np.int16)).mean() < 6


def test_motion_strength_scales_the_move(s01):
    context, key = s01
    def travel(motion):
        frames = list(AnimaticBackend().clip(clip_request(key, context, frames=24, motion=motion, move="pan-right")))
        return np.abs(frames[-1].astype(np.int16) - frames[0].astype(np.int16)).mean()
    assert travel(0.6) > travel(0.15) * 1.5


@pytest.mark.parametrize("move", camera.MOVES)
def test_every_camera_move_renders(s01, move):
    context, key = s01
    frames = list(AnimaticBackend().clip(clip_request(key, context, frames=24, move=move)))
    assert len(frames) == 24
    change = np.abs(frames[-1].astype(np.int16) - frames[0].astype(np.int16)).mean()
    if move == "static":
        # a static shot breathes (a fraction of a percent of push, light grain): never a repeated frame
        assert not any(np.array_equal(a, b) for a, b in zip(frames, frames[1:]))
        assert change < 6
    else:
        assert change > 0.5, move


def test_timing_trigger_adds_a_beat(plan):
    context = context_for(plan, "s02")  # static, trigger at 1.5 s
    key = AnimaticBackend().keyframe(keyframe_request(context, shot_id="s02"))
    frames = list(AnimaticBackend().clip(clip_request(key, context, shot_id="s02", move="static", frames=60)))
    trigger = 36  # 1.5 s at 24 fps
    def diff(a, b):
        return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())

    # before the beat the static shot only breathes; the beat's punch moves it more
    assert diff(frames[0], frames[trigger - 1]) < 4
    assert diff(frames[0], frames[-1]) > 1.5 * diff(frames[0], frames[trigger - 1])
    # on the beat the caption's second line turns into the beat's words; the picture has not moved yet
    band = int(H * 0.9)
    assert diff(frames[trigger - 1][band:], frames[trigger][band:]) > 2 * diff(frames[trigger - 1][:band], frames[trigger][:band])


def test_a_foreign_keyframe_is_animated_as_given():
    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur((rng.random((300, 500, 3)) * 255).astype(np.uint8), (0, 0), 3)
    frames = list(AnimaticBackend().clip(clip_request(photo, {}, frames=5, move="push-in", seed=0)))
    expected = camera.cover_resize(photo, (W, H)).astype(np.int16)
    assert np.abs(frames[0].astype(np.int16) - expected).mean() < 4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"move": "zoom-dance"}, "unknown camera move"),
        ({"size": (W + 1, H)}, "must be even"),
        ({"frames": 0}, "frames must be at least 1"),
        ({"motion": 1.5}, "motion must be between 0 and 1"),
    ],
)
def test_bad_clip_requests_name_the_shot(s01, change, message):
    context, key = s01
    with pytest.raises(InputError, match=message) as info:
        AnimaticBackend().clip(clip_request(key, context, **change))
    assert "s01" in str(info.value)


def test_bad_keyframe_is_an_input_error(s01):
    context, _ = s01
    with pytest.raises(InputError, match="HxWx3 uint8"):
        AnimaticBackend().clip(clip_request(np.zeros((10, 10), np.float32), context))


def test_camera_windows_stay_inside_the_image():
    for move in camera.MOVES:
        if move == "whip-pan":
            continue  # its blur hides the reflected edge by design
        for motion in (0.0, 0.3, 0.7, 1.0):
            for view in camera.plan_views(move, 49, Fraction(24), motion, seed=5, triggers=(1.0,)):
                margin = (1 - 1 / view.zoom) / 2
                assert abs(view.ox) <= margin + 1e-9 and abs(view.oy) <= margin + 1e-9, (move, motion, view)


@pytest.mark.parametrize(
    "description, kind",
    [
        ("a narrow cobbled residential street", "street"),
        ("a cramped kitchen interior with yellow walls", "room"),
        ("a small city park with oak trees", "landscape"),
        ("a windy beach by the sea", "landscape"),
        ("a road through the forest", "street"),
    ],
)
def test_location_words_choose_the_backdrop(plan, description, kind):
    context = context_for(plan, "s01")
    context["plan"]["location"]["description"] = description
    spec = panel.panel_spec(context, shot_id="s01", take="A")
    assert panel.backdrop_kind(spec) == kind
    picture = panel.draw_picture(spec, (W, H), 1)
    assert picture[: int(H * 0.85)].std() > 8


def test_geography_places_an_unblocked_character(plan):
    context = context_for(plan, "s01")
    context["plan"]["shot"]["blocking"] = {}
    for subject, expect_right in (("Jack at the green apartment door", True), ("Jack beside his black sedan", False)):
        context["plan"]["shot"]["brief"]["subject"] = subject
        spec = panel.panel_spec(context, shot_id="s01", take="A")
        empty = panel.panel_spec(without_characters(context), shot_id="s01", take="A")
        diff = np.abs(panel.draw_picture(spec, (W, H), 3).astype(int) - panel.draw_picture(empty, (W, H), 3).astype(int)).max(axis=2) > 12
        centre_x = np.nonzero(diff)[1].mean() / W
        assert (centre_x > 0.6) if expect_right else (centre_x < 0.4), (subject, centre_x)
