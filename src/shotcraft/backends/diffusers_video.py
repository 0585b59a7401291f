"""Clips with diffusers: image-to-video from the chosen keyframe.

Models: Stable Video Diffusion (SVD, SVD-XT), Wan 2.1 / 2.2 image-to-video
(first-last-frame through ``last_image``), LTX-Video (keyframe conditioning at
frame 0 and, for a last frame, at the final frame, through
LTXConditionPipeline) and CogVideoX image-to-video.

Per clip: the model generates its own valid frame count at its native rate,
at a size within its budget and the request's aspect
(:mod:`diffusers_motion`); frames are resized to the request and conformed to
the plan's fps, so exactly ``request.frames`` frames come out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from shotcraft.backends import diffusers_common as common
from shotcraft.backends import diffusers_motion as motion_table
from shotcraft.backends.diffusers_sources import ModelSourceError, resolve_source
from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest

#: width/height multiple each diffusers pipeline checks on its own, whatever the model
PIPELINE_SIZE_CHECK = {"svd": 8, "wan": 16, "ltx": 32, "cogvideox": 8}
#: inference steps when the model source's options give none
DEFAULT_STEPS = {"svd": 25, "wan": 40, "ltx": 40, "cogvideox": 50}


class DiffusersVideoBackend:
    """Backend ``diffusers-video``: image-to-video clips from local SVD / Wan / LTX-Video / CogVideoX weights."""

    name = "diffusers-video"
    version = "1"
    capabilities = Capabilities(
        image_to_video=True,
        first_last_frame=True,  # Wan and LTX-Video; SVD and CogVideoX refuse a last frame (capabilities_for)
        frame_counts="any",  # generated at the model's own count, then conformed to the requested count
        native_rates=(Fraction(16), Fraction(8)),
        resolution_multiple=2,
        deterministic=True,
        one_process_per_device=True,
        batch_takes=False,
        prompt_family="prose",
    )

    def capabilities_for(self, model: Any) -> Capabilities:
        family = resolve_source(model, expect="video").family
        spec = motion_table.VIDEO_MODELS[family]
        rates = (spec.native_fps,) if spec.native_fps is not None else ()
        return replace(self.capabilities, first_last_frame=spec.first_last_frame, native_rates=rates)

    def identity(self, model: Any) -> dict[str, Any]:
        resolved = resolve_source(model, expect="video")
        identity = common.model_identity(resolved, common.runtime_for(model))
        identity["clip"] = {"options": _options_record(model)}
        return identity

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        raise ModelSourceError(f"shot {request.shot_id}: diffusers-video makes clips; use diffusers-image for keyframes")

    def plan_clip(self, request: ClipRequest) -> dict[str, Any]:
        """The generation plan for a clip: family, size, native count and rate, motion knobs, conform method."""
        resolved = resolve_source(request.model, expect="video")
        spec = motion_table.VIDEO_MODELS[resolved.family]
        pipeline = self._pipeline(resolved, request)
        return clip_plan(spec, request, _fixed_count(pipeline, spec), _size_multiple(pipeline, spec),
                         _locked_size(pipeline, spec))

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        # 1. check inputs (before anything heavy)
        resolved = resolve_source(request.model, expect="video")
        spec = motion_table.VIDEO_MODELS[resolved.family]
        check_clip_request(request, spec)
        # 2. pipeline, cached per worker
        pipeline = self._pipeline(resolved, request)
        # 3-5. plan the frames, generate at the native rate, conform to the plan's fps
        yield from generate_clip(pipeline, spec, request)

    def _pipeline(self, resolved: Any, request: ClipRequest) -> Any:
        runtime = common.runtime_for(request.model)
        identity = common.model_identity(resolved, runtime)
        spec = motion_table.VIDEO_MODELS[resolved.family]
        return common.cached_pipeline(resolved, spec.pipeline, runtime, identity)


def generate_clip(pipeline: Any, spec: motion_table.VideoModelSpec, request: ClipRequest) -> Iterator[np.ndarray]:
    """Run a loaded pipeline for a request: exactly ``request.frames`` frames at the request's size and fps."""
    check_loaded_model(pipeline, spec, request)
    plan = clip_plan(spec, request, _fixed_count(pipeline, spec), _size_multiple(pipeline, spec), _locked_size(pipeline, spec))
    kwargs = clip_call_arguments(spec, request, plan)
    with common.generation_errors(f"shot {request.shot_id} clip"):
        import torch

        with torch.inference_mode():
            video = pipeline(**common.report_denoising(pipeline, kwargs)).frames[0]
    native = [common.resize_frame(common.float_to_uint8(frame), request.width, request.height) for frame in video]
    if len(native) != plan["native_frames"]:
        raise ModelSourceError(f"shot {request.shot_id}: {spec.family} returned {len(native)} frames, "
                               f"expected {plan['native_frames']}")
    yield from motion_table.conform(native, plan["native_fps"], request.fps, request.frames, plan["conform"])


def check_clip_request(request: ClipRequest, spec: motion_table.VideoModelSpec) -> None:
    where = f"shot {request.shot_id} clip"
    if request.frames < 1:
        raise ModelSourceError(f"{where}: needs at least one frame, found {request.frames}")
    for name, frame in (("keyframe", request.keyframe), ("last frame", request.last_frame)):
        if frame is not None and (frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3):
            raise ModelSourceError(f"{where}: {name} must be HxWx3 uint8, found {frame.dtype} {frame.shape}")
    if request.last_frame is not None and not spec.first_last_frame:
        raise ModelSourceError(
            f"{where}: {spec.family} cannot end on a given last frame (end_frame.still); use a Wan or LTX-Video model"
        )
    if not 0.0 <= request.motion <= 1.0:
        raise ModelSourceError(f"{where}: motion strength {request.motion} is outside 0..1")


def wan_last_frame_mode(pipeline: Any) -> str:
    """'optional' (Wan 2.2: latent conditioning), 'required' (Wan 2.1 FLF2V), 'none' (Wan 2.1 I2V)."""
    config = pipeline.transformer.config
    if config.image_dim is None:
        return "optional"
    return "required" if getattr(config, "pos_embed_seq_len", None) else "none"


def check_loaded_model(pipeline: Any, spec: motion_table.VideoModelSpec, request: ClipRequest) -> None:
    """Checks that need the model's config: which Wan variant takes a last frame."""
    where = f"shot {request.shot_id} clip"
    if spec.family == "cogvideox" and getattr(pipeline.transformer.config, "patch_size_t", None):
        raise ModelSourceError(f"{where}: CogVideoX 1.5 models are not supported yet (CogVideoX 1.0 I2V is)")
    if spec.family != "wan":
        return
    mode = wan_last_frame_mode(pipeline)
    if mode == "none" and request.last_frame is not None:
        raise ModelSourceError(f"{where}: this Wan 2.1 I2V model cannot end on a given last frame; use Wan 2.1 "
                               "FLF2V or Wan 2.2 image-to-video for end_frame.still")
    if mode == "required" and request.last_frame is None:
        raise ModelSourceError(f"{where}: this Wan FLF2V model needs a last frame: give the shot an end_frame.still")


def clip_plan(spec: motion_table.VideoModelSpec, request: ClipRequest, fixed_count: int | None,
              multiple: int | None = None, locked_size: tuple[int, int] | None = None) -> dict[str, Any]:
    """Size, frame count, rate, steps, motion knobs and conform method for one clip (all documented)."""
    options = _options(request)
    if multiple is not None:
        spec = replace(spec, multiple=multiple)
    override = Fraction(str(options["native_fps"])) if options.get("native_fps") else None
    first_rate = override or spec.native_fps or Fraction(request.fps)
    count = motion_table.native_frame_count(spec, request.frames, Fraction(request.fps), first_rate, fixed_count)
    rate = motion_table.native_rate(spec, request.frames, Fraction(request.fps), count, override)
    width, height = locked_size or motion_table.generation_size(spec, request.width, request.height, options)
    return {
        "family": spec.family,
        "pipeline": spec.pipeline,
        "width": width,
        "height": height,
        "native_frames": count,
        "native_fps": rate,
        "steps": int(options.get("steps", DEFAULT_STEPS[spec.family])),
        "motion": motion_table.motion_settings(spec.family, request.motion, request.cfg),
        "conform": str(options.get("conform", "blend")),
    }


def clip_call_arguments(spec: motion_table.VideoModelSpec, request: ClipRequest, plan: dict[str, Any]) -> dict[str, Any]:
    """The exact keyword arguments of the pipeline call (tests call a pipeline built in memory with them)."""
    width, height, count = plan["width"], plan["height"], plan["native_frames"]
    first = common.to_pil(common.resize_frame(request.keyframe, width, height))
    last = common.to_pil(common.resize_frame(request.last_frame, width, height)) if request.last_frame is not None else None
    knobs = dict(plan["motion"])
    kwargs: dict[str, Any] = {
        "height": height,
        "width": width,
        "num_frames": count,
        "num_inference_steps": plan["steps"],
        "generator": common.cpu_generators([request.seed])[0],
        "output_type": "np",
    }
    if spec.family == "svd":
        # SVD is micro-conditioned on the playback rate of its frames: the clip's duration spread over them
        kwargs.update(image=first, fps=max(1, round(float(plan["native_fps"]))), **knobs,
                      decode_chunk_size=int(_options(request).get("decode_chunk_size", 8)))
        return kwargs
    prompt = " ".join(part for part in (request.prompt.strip(), knobs.pop("prompt_suffix")) if part)
    negative = ", ".join(part for part in (request.negative_prompt.strip(), knobs.pop("negative_suffix")) if part)
    kwargs.update(prompt=prompt, negative_prompt=negative or None, guidance_scale=knobs.pop("guidance_scale"))
    if _options(request).get("max_sequence_length"):
        kwargs["max_sequence_length"] = int(_options(request)["max_sequence_length"])
    if spec.family == "wan":
        kwargs.update(image=first, last_image=last)
    elif spec.family == "ltx":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions = [LTXVideoCondition(image=first, frame_index=0, strength=1.0)]
        if last is not None:
            conditions.append(LTXVideoCondition(image=last, frame_index=count - 1, strength=1.0))
        kwargs.update(conditions=conditions, frame_rate=max(1, round(float(plan["native_fps"]))), **knobs)
    else:  # cogvideox
        kwargs.update(image=first)
    return kwargs


def _fixed_count(pipeline: Any, spec: motion_table.VideoModelSpec) -> int | None:
    if spec.frame_rule != "fixed":
        return None
    return int(getattr(pipeline.unet.config, "num_frames", 0) or 0) or None


def _size_multiple(pipeline: Any, spec: motion_table.VideoModelSpec) -> int:
    """Width/height multiple of the loaded model: VAE factor times the denoiser's own downsampling."""
    try:
        if spec.family == "svd":
            model = int(pipeline.vae_scale_factor * 2 ** (len(pipeline.unet.config.block_out_channels) - 1))
        elif spec.family == "wan":
            model = int(pipeline.vae_scale_factor_spatial * pipeline.transformer.config.patch_size[1])
        elif spec.family == "ltx":
            model = int(pipeline.vae_spatial_compression_ratio * pipeline.transformer.config.patch_size)
        else:
            model = int(pipeline.vae_scale_factor_spatial * pipeline.transformer.config.patch_size)
    except (AttributeError, TypeError, IndexError):
        return spec.multiple
    # the pipelines' own input checks: SVD 8, Wan 16, LTX-Video 32, CogVideoX 8
    return math.lcm(model, PIPELINE_SIZE_CHECK[spec.family])


def _locked_size(pipeline: Any, spec: motion_table.VideoModelSpec) -> tuple[int, int] | None:
    """Models with learned position embeddings generate at one size only (CogVideoX 1.0 5B I2V: 720x480)."""
    if spec.family != "cogvideox" or not getattr(pipeline.transformer.config, "use_learned_positional_embeddings", False):
        return None
    config, factor = pipeline.transformer.config, pipeline.vae_scale_factor_spatial
    return int(config.sample_width * factor), int(config.sample_height * factor)


def _options(request: ClipRequest) -> dict[str, Any]:
    return dict(getattr(request.model, "options", {}) or {})


def _options_record(model: Any) -> dict[str, Any]:
    options = dict(getattr(model, "options", {}) or {})
    return {key: options[key] for key in sorted(options)}
