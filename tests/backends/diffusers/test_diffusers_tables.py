"""The documented tables: sampler names, motion strength per model, frame counts, fps conform."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotcraft.backends import diffusers_common as common
from shotcraft.backends import diffusers_motion as motion
from shotcraft.errors import ShotcraftError


def test_seed_sampler_is_dpmsolver_plus_plus_order_2_karras():
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    base = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
    for spelling in ("DPM++ 2M Karras", "dpm++-2m-karras", "dpmpp_2m_karras"):
        scheduler = common.make_scheduler(spelling, base)
        assert isinstance(scheduler, DPMSolverMultistepScheduler)
        assert scheduler.config.algorithm_type == "dpmsolver++"
        assert scheduler.config.solver_order == 2
        assert scheduler.config.use_karras_sigmas is True
        # the model's own noise schedule is kept
        assert scheduler.config.beta_schedule == "scaled_linear"


def test_every_sampler_in_the_table_builds_its_scheduler():
    import diffusers
    from diffusers import DDIMScheduler

    base = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
    for sampler in common.SAMPLERS:
        scheduler = common.make_scheduler(sampler.name, base)
        assert type(scheduler) is getattr(diffusers, sampler.scheduler)
        for key, value in sampler.settings:
            assert scheduler.config[key] == value, (sampler.name, key)
        record = common.scheduler_record(scheduler)
        assert record["class"] == sampler.scheduler and record["config"]["num_train_timesteps"] == 1000


def test_sampler_override_never_leaks_into_the_next_request():
    from diffusers import DDIMScheduler

    from shotcraft.backends.diffusers_image import scheduler_for

    class Holder:
        scheduler = DDIMScheduler()

    holder = Holder()
    holder.scheduler = scheduler_for(holder, "sd15", "dpm++-2m-karras")
    euler = scheduler_for(holder, "sd15", "euler")
    assert type(euler).__name__ == "EulerDiscreteScheduler"
    assert euler.config.use_karras_sigmas is False


def test_unknown_sampler_lists_the_known_ones():
    with pytest.raises(ShotcraftError, match=r"sampler 'dpm\+\+ 3m' is unknown; use one of dpm\+\+-2m-karras"):
        common.find_sampler("dpm++ 3m")


@pytest.mark.parametrize(
    ("family", "frames", "expected"),
    [
        ("wan", 96, 65),  # 4 s at 24 fps -> (95 * 16/24 = 63.33 -> 64) + 1 = 65 = 4*16+1
        ("wan", 120, 81),  # 5 s -> 81 frames, Wan's trained length
        ("wan", 1, 1),
        ("ltx", 96, 97),  # same rate: 96 frames -> 8k+1 = 97
        ("ltx", 121, 121),
        ("cogvideox", 96, 33),  # 8 fps: 95/3 = 31.67 -> 33 = 8*4+1
    ],
)
def test_frame_count_rule_per_model(family, frames, expected):
    spec = motion.VIDEO_MODELS[family]
    rate = spec.native_fps or Fraction(24)
    count = motion.native_frame_count(spec, frames, Fraction(24), rate)
    assert count == expected
    step = int(spec.frame_rule.split("k")[0])
    assert (count - 1) % step == 0
    # the span covers the clip, and one valid count less would not
    assert Fraction(frames - 1) * rate / 24 <= count - 1
    assert count == 1 or Fraction(frames - 1) * rate / 24 > count - 1 - step


def test_svd_spreads_its_fixed_frames_over_the_clip():
    spec = motion.VIDEO_MODELS["svd"]
    assert motion.native_frame_count(spec, 96, Fraction(24), Fraction(24), fixed_count=25) == 25
    rate = motion.native_rate(spec, 96, Fraction(24), 25)
    assert rate == Fraction(24 * 24, 95)  # 25 frames span exactly 95/24 s
    with pytest.raises(ShotcraftError):
        motion.native_frame_count(spec, 96, Fraction(24), Fraction(24), fixed_count=None)


def test_blend_conform_16_to_24_is_exact_and_time_weighted():
    native = [np.full((2, 2, 3), value, np.uint8) for value in (0, 30, 60, 90, 120)]
    out = list(motion.conform(native, Fraction(16), Fraction(24), 7))
    # positions 0, 2/3, 4/3, 2, 8/3, 10/3, 4
    assert [int(frame[0, 0, 0]) for frame in out] == [0, 20, 40, 60, 80, 100, 120]
    assert out[0] is native[0] and out[3] is native[2]  # whole positions are exact copies


def test_nearest_conform_keeps_only_generated_frames():
    native = [np.full((2, 2, 3), value, np.uint8) for value in (0, 30, 60, 90, 120)]
    out = list(motion.conform(native, Fraction(16), Fraction(24), 7, method="nearest"))
    assert [int(frame[0, 0, 0]) for frame in out] == [0, 30, 30, 60, 90, 90, 120]
    with pytest.raises(ShotcraftError, match="conform method 'optical-flow' is unknown"):
        list(motion.conform(native, Fraction(16), Fraction(24), 7, method="optical-flow"))


def test_conform_to_ntsc_rate_is_frame_accurate():
    native = [np.full((1, 1, 3), i, np.uint8) for i in range(81)]
    out = list(motion.conform(native, Fraction(16), Fraction(24000, 1001), 120))
    assert len(out) == 120
    # frame 119 at 119 * 1001/24000 s = 4.963 s -> source position 79.41: 59% of 79, 41% of 80
    assert int(out[-1][0, 0, 0]) == 79
    assert int(out[60][0, 0, 0]) == 40  # 60 * 16 * 1001 / 24000 = 40.04


def test_motion_table():
    svd = motion.motion_settings("svd", 0.5, None)
    assert svd["motion_bucket_id"] == 128 and svd["max_guidance_scale"] == 3.0
    assert motion.motion_settings("svd", 0.0, 2.5)["motion_bucket_id"] == 1
    assert motion.motion_settings("svd", 1.0, 2.5)["motion_bucket_id"] == 255
    ltx = motion.motion_settings("ltx", 0.4, None)
    assert ltx["image_cond_noise_scale"] == pytest.approx(0.15) and ltx["guidance_scale"] == 3.0
    wan = motion.motion_settings("wan", 0.3, 6.0)
    assert wan["guidance_scale"] == 6.0 and wan["prompt_suffix"] == "Subtle, slow movement."
    assert wan["negative_suffix"] == motion.CALM_NEGATIVE
    assert motion.motion_settings("wan", 0.6, None)["negative_suffix"] == ""
    with pytest.raises(ShotcraftError):
        motion.motion_settings("wan", 1.5, None)


@pytest.mark.parametrize(
    ("family", "request_size", "expected"),
    [
        ("wan", (1920, 1080), (848, 480)),  # 16:9 within 832x480's area, multiple of 16
        ("ltx", (1920, 1080), (832, 480)),
        ("svd", (1920, 1080), (1024, 576)),
        ("wan", (64, 32), (64, 32)),  # small requests are generated at their own size
    ],
)
def test_generation_size_keeps_aspect_within_the_model_budget(family, request_size, expected):
    assert motion.generation_size(motion.VIDEO_MODELS[family], *request_size, {}) == expected


def test_generation_size_option():
    assert motion.generation_size(motion.VIDEO_MODELS["wan"], 1920, 1080, {"resolution": "1280x720"}) == (1280, 720)
    with pytest.raises(ShotcraftError, match="not WIDTHxHEIGHT"):
        motion.generation_size(motion.VIDEO_MODELS["wan"], 1920, 1080, {"resolution": "big"})


def test_keyframe_request_checks_name_the_shot_and_the_field():
    from dataclasses import replace

    from diffusers_tiny_models import keyframe_image, make_keyframe_request

    from shotcraft.backends.diffusers_image import check_keyframe_request

    request = make_keyframe_request(None)
    check_keyframe_request(request, "sd15")
    with pytest.raises(ShotcraftError, match=r"shot s01 keyframe: flux needs width and height divisible by 16, found 40x32"):
        check_keyframe_request(replace(request, width=40), "flux")
    with pytest.raises(ShotcraftError, match="denoise must be in \\(0, 1\\] for img2img, found 0.0"):
        check_keyframe_request(replace(request, init_image=keyframe_image(), denoise=0.0), "sd15")
    with pytest.raises(ShotcraftError, match="2 steps at denoise 0.1 leave no step to run"):
        check_keyframe_request(replace(request, init_image=keyframe_image(), denoise=0.1), "sd15")
    with pytest.raises(ShotcraftError, match="sampler 'k_lms_fast' is unknown"):
        check_keyframe_request(replace(request, sampler="k_lms_fast"), "sdxl")
    check_keyframe_request(replace(request, sampler="anything"), "flux")  # FLUX keeps its own scheduler
