"""Keyframes with diffusers: SD 1.5, SDXL and FLUX.1, text-to-image and img2img, IP-Adapter references.

Per request: text-to-image when there is no init image, else img2img with
``strength = request.denoise`` (the seed's 0.25-0.40 for variations of a locked
keyframe). The sampler name maps through :data:`diffusers_common.SAMPLERS`
(SD/SDXL); FLUX keeps its flow-matching scheduler. The seed drives a CPU
``torch.Generator``, so the same request gives the same pixels.

Character references (``characters[].references``) go through IP-Adapter when
the model source names one (``ip_adapter``, ``ip_adapter_weight``); without
one they are not used, and :meth:`DiffusersImageBackend.settings` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft.backends import diffusers_common as common
from shotcraft.backends.diffusers_long_prompts import long_prompt_arguments
from shotcraft.backends.diffusers_sources import ModelSourceError, ResolvedSource, resolve_source
from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest

#: family -> (text-to-image pipeline, img2img pipeline), diffusers class names
IMAGE_PIPELINES: dict[str, tuple[str, str]] = {
    "sd15": ("StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline"),
    "sdxl": ("StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline"),
    "flux": ("FluxPipeline", "FluxImg2ImgPipeline"),
}
#: width and height multiple per family (VAE factor 8; FLUX packs 2x2 latent patches)
SIZE_MULTIPLE = {"sd15": 8, "sdxl": 8, "flux": 16}


class DiffusersImageBackend:
    """Backend ``diffusers-image``: keyframes from local SD 1.5 / SDXL / FLUX.1 weights."""

    name = "diffusers-image"
    version = "1"
    capabilities = Capabilities(
        text_to_image=True,
        image_to_image=True,
        image_to_video=False,
        resolution_multiple=16,
        deterministic=True,
        one_process_per_device=True,
        # batched takes are not bit-identical to single ones on every device; see keyframes()
        batch_takes=False,
        prompt_family="sd",
    )

    def capabilities_for(self, model: Any) -> Capabilities:
        """Capabilities once the model is known: FLUX reads prose (T5), SD/SDXL read tags (CLIP)."""
        family = resolve_source(model, expect="image").family
        return replace(self.capabilities, prompt_family="prose" if family == "flux" else "sd")

    def identity(self, model: Any) -> dict[str, Any]:
        resolved = resolve_source(model, expect="image")
        identity = common.model_identity(resolved, common.runtime_for(model))
        options = dict(getattr(model, "options", {}) or {})
        identity["keyframe"] = {"options": {key: options[key] for key in sorted(options)}}
        if getattr(model, "ip_adapter", None):
            identity["ip_adapter"] = {"source": model.ip_adapter, "weight": model.ip_adapter_weight,
                                      "revision": model.ip_adapter_revision, "scale": model.ip_adapter_scale,
                                      "image_encoder": getattr(model, "ip_adapter_image_encoder", None)}
        return identity

    def settings(self, request: KeyframeRequest) -> dict[str, Any]:
        """What the generation call will use beyond the request: scheduler, runtime, reference handling."""
        resolved = resolve_source(request.model, expect="image")
        pipeline = self._pipeline(resolved, request)
        scheduler = self._scheduler(pipeline, resolved.family, request.sampler)
        return {
            "family": resolved.family,
            "pipeline": type(pipeline).__name__,
            "scheduler": common.scheduler_record(scheduler),
            "runtime": common.runtime_for(request.model).record(),
            "references": _reference_mode(request),
        }

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        return self.keyframes([request])[0]

    def keyframes(self, requests: Sequence[KeyframeRequest]) -> list[np.ndarray]:
        """Several takes of one shot in one batch when they differ only in seed (else one by one).

        A batch runs the kernels on a larger tensor. On the development CPU (MKL in strict mode) a batched take is
        bit-identical to the same take rendered alone; on GPUs the kernel choice depends on the batch size, so it
        is not guaranteed there. That is why ``capabilities.batch_takes`` stays False: an engine calls this only
        where it accepts that (the GPU benchmark measures what batching gains).
        """
        if not requests:
            return []
        if len(requests) > 1 and not _batchable(requests):
            return [image for request in requests for image in self.keyframes([request])]
        # 1. check inputs
        first = requests[0]
        resolved = resolve_source(first.model, expect="image")
        check_keyframe_request(first, resolved.family)
        # 2. pipeline (cached per worker), IP-Adapter on the shared modules, img2img view of the same modules
        base = self._base_pipeline(resolved, first)
        ip_images = _prepare_ip_adapter(base, first)
        pipeline = base if first.init_image is None else _img2img_view(base, resolved.family)
        # 3. generate
        return generate_keyframes(pipeline, resolved.family, requests, ip_images)

    def clip(self, request: ClipRequest):
        raise ModelSourceError(f"shot {request.shot_id}: diffusers-image makes keyframes; use diffusers-video for clips")

    # --- helpers ------------------------------------------------------------------------------------

    def _pipeline(self, resolved: ResolvedSource, request: KeyframeRequest) -> Any:
        base = self._base_pipeline(resolved, request)
        return base if request.init_image is None else _img2img_view(base, resolved.family)

    @staticmethod
    def _base_pipeline(resolved: ResolvedSource, request: KeyframeRequest) -> Any:
        runtime = common.runtime_for(request.model)
        identity = common.model_identity(resolved, runtime)
        return common.cached_pipeline(resolved, IMAGE_PIPELINES[resolved.family][0], runtime, identity)

    @staticmethod
    def _scheduler(pipeline: Any, family: str, sampler: str) -> Any:
        return scheduler_for(pipeline, family, sampler)


def scheduler_for(pipeline: Any, family: str, sampler: str) -> Any:
    """The scheduler for a sampler name, always derived from the model's own one (never the last override)."""
    original = getattr(pipeline, "_shotcraft_scheduler", None)
    if original is None:
        original = pipeline.scheduler
        pipeline._shotcraft_scheduler = original
    if family in common.FLOW_FAMILIES:
        return original
    return common.make_scheduler(sampler, original)


def _img2img_view(base: Any, family: str) -> Any:
    """The img2img pipeline over the text-to-image pipeline's modules: no second copy in memory."""
    derived = getattr(base, "_shotcraft_img2img", None)
    if derived is None:
        import diffusers

        derived = getattr(diffusers, IMAGE_PIPELINES[family][1]).from_pipe(base)
        derived.set_progress_bar_config(disable=True)
        # samplers derive from the model's own scheduler, not from whatever override base holds now
        derived._shotcraft_scheduler = getattr(base, "_shotcraft_scheduler", base.scheduler)
        base._shotcraft_img2img = derived
    return derived


def generate_keyframes(pipeline: Any, family: str, requests: Sequence[KeyframeRequest],
                       ip_images: list[Any] | None = None) -> list[np.ndarray]:
    """Run a loaded pipeline for requests that differ only in seed: one HxWx3 uint8 image each."""
    first = requests[0]
    pipeline.scheduler = scheduler_for(pipeline, family, first.sampler)
    kwargs = keyframe_call_arguments(family, first, [r.seed for r in requests], ip_images)
    with common.generation_errors(f"shot {first.shot_id} keyframe"):
        import torch

        embeddings = long_prompt_arguments(pipeline, family, first.prompt, first.negative_prompt)
        if embeddings is not None:  # past 77 tokens diffusers would truncate: encode in chunks instead
            kwargs.pop("prompt")
            kwargs.pop("negative_prompt", None)
            kwargs.update(embeddings)
        with torch.inference_mode():
            images = pipeline(**common.report_denoising(pipeline, kwargs)).images
    return [common.float_to_uint8(image) for image in images]


def check_keyframe_request(request: KeyframeRequest, family: str) -> None:
    multiple = SIZE_MULTIPLE[family]
    where = f"shot {request.shot_id} keyframe"
    if request.width % multiple or request.height % multiple:
        raise ModelSourceError(
            f"{where}: {family} needs width and height divisible by {multiple}, found {request.width}x{request.height}"
        )
    if request.init_image is not None:
        if request.init_image.dtype != np.uint8 or request.init_image.ndim != 3 or request.init_image.shape[2] != 3:
            raise ModelSourceError(f"{where}: init image must be HxWx3 uint8, found {request.init_image.shape}")
        if not 0.0 < request.denoise <= 1.0:
            raise ModelSourceError(f"{where}: denoise must be in (0, 1] for img2img, found {request.denoise}")
        # diffusers' img2img runs int(steps * strength) steps (get_timesteps): the same arithmetic, not round()
        if int(request.steps * request.denoise) < 1:
            raise ModelSourceError(f"{where}: {request.steps} steps at denoise {request.denoise} leave no step to run")
    if family != "flux":
        common.find_sampler(request.sampler)


def keyframe_call_arguments(family: str, request: KeyframeRequest, seeds: list[int],
                            ip_images: list[Any] | None = None) -> dict[str, Any]:
    """The exact keyword arguments of the pipeline call (tests call a pipeline built in memory with them)."""
    kwargs: dict[str, Any] = {
        "prompt": request.prompt,
        "num_inference_steps": request.steps,
        "guidance_scale": request.cfg,
        "num_images_per_prompt": len(seeds),
        "generator": common.cpu_generators(seeds),
        "output_type": "np",
    }
    options = _options(request)
    if family == "flux":
        # FLUX-dev is guidance-distilled: cfg is its guidance input; a negative prompt needs true CFG (> 1)
        true_cfg = float(options.get("true_cfg", 1.0))
        kwargs["true_cfg_scale"] = true_cfg
        if true_cfg > 1.0 and request.negative_prompt:
            kwargs["negative_prompt"] = request.negative_prompt
        kwargs["max_sequence_length"] = int(options.get("max_sequence_length", 512))
    else:
        kwargs["negative_prompt"] = request.negative_prompt or None
    if request.init_image is not None:
        init = common.resize_frame(request.init_image, request.width, request.height)
        kwargs["image"] = common.to_pil(init)
        kwargs["strength"] = request.denoise
        if family == "flux":
            kwargs.update(height=request.height, width=request.width)
    else:
        kwargs.update(height=request.height, width=request.width)
    if ip_images:
        kwargs["ip_adapter_image"] = [ip_images]
    return kwargs


def _batchable(requests: Sequence[KeyframeRequest]) -> bool:
    first = requests[0]
    for request in requests[1:]:
        same = (request.prompt, request.negative_prompt, request.width, request.height, request.steps, request.cfg,
                request.sampler, request.denoise, request.references, request.model)
        if same != (first.prompt, first.negative_prompt, first.width, first.height, first.steps, first.cfg,
                    first.sampler, first.denoise, first.references, first.model):
            return False
        if (request.init_image is None) != (first.init_image is None):
            return False
        if request.init_image is not None and not np.array_equal(request.init_image, first.init_image):
            return False
    return True


def _options(request: KeyframeRequest) -> dict[str, Any]:
    return dict(getattr(request.model, "options", {}) or {})


def _reference_mode(request: KeyframeRequest) -> str:
    if not request.references:
        return "none given"
    if not getattr(request.model, "ip_adapter", None):
        return f"{len(request.references)} given, not used: the model names no ip_adapter"
    return f"{len(request.references)} through IP-Adapter at scale {request.model.ip_adapter_scale}"


def _prepare_ip_adapter(pipeline: Any, request: KeyframeRequest) -> list[Any] | None:
    """Load (once) or unload the model's IP-Adapter so the pipeline matches this request."""
    model = request.model
    wanted = bool(request.references) and bool(getattr(model, "ip_adapter", None))
    loaded = getattr(pipeline, "_shotcraft_ip_adapter", None)
    if not wanted:
        if loaded is not None:
            pipeline.unload_ip_adapter()
            pipeline._shotcraft_ip_adapter = None
            pipeline._shotcraft_img2img = None  # re-derived from the changed modules
        return None
    if not hasattr(pipeline, "load_ip_adapter"):
        raise ModelSourceError(f"shot {request.shot_id}: {type(pipeline).__name__} does not take an IP-Adapter")
    key = (model.ip_adapter, model.ip_adapter_weight, model.ip_adapter_revision, getattr(model, "ip_adapter_image_encoder", None))
    if loaded != key:
        if loaded is not None:
            pipeline.unload_ip_adapter()
        _load_ip_adapter(pipeline, model, request.shot_id)
        pipeline._shotcraft_ip_adapter = key
        pipeline._shotcraft_img2img = None
    pipeline.set_ip_adapter_scale(model.ip_adapter_scale)
    from PIL import Image

    images = []
    for path in request.references:
        try:
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        except OSError as error:
            raise ModelSourceError(f"shot {request.shot_id}: reference image {path} is unreadable ({error})") from None
    return images


def _load_ip_adapter(pipeline: Any, model: Any, shot_id: str) -> None:
    weight = model.ip_adapter_weight
    if not weight:
        raise ModelSourceError(f"shot {shot_id}: set 'ip_adapter_weight' (the weights file inside '{model.ip_adapter}')")
    if not weight.lower().endswith(".safetensors") and not model.allow_pickle:
        raise ModelSourceError(
            f"shot {shot_id}: IP-Adapter weights {weight} are a pickle; use the .safetensors file or set allow_pickle"
        )
    subfolder, _, weight_name = weight.rpartition("/")
    source = model.ip_adapter
    local = Path(source).expanduser()
    kwargs: dict[str, Any] = {"subfolder": subfolder, "weight_name": weight_name}
    if not local.is_dir():
        if not model.ip_adapter_revision:
            raise ModelSourceError(f"shot {shot_id}: IP-Adapter repo '{source}' needs a pinned 'ip_adapter_revision'")
        kwargs["revision"] = model.ip_adapter_revision
    else:
        source = str(local.resolve())
    encoder = getattr(model, "ip_adapter_image_encoder", None)
    if encoder:
        # FLUX's adapters ship no image encoder: diffusers takes it as a separate source (docs: XLabs-AI/flux-ip-adapter
        # with openai/clip-vit-large-patch14); in the pipeline's own dtype (diffusers' float16 default fails on CPU)
        encoder_local = Path(encoder).expanduser()
        kwargs["image_encoder_pretrained_model_name_or_path"] = str(encoder_local.resolve()) if encoder_local.is_dir() else encoder
        kwargs["image_encoder_dtype"] = pipeline.dtype
    elif type(pipeline).__name__.startswith("Flux"):
        raise ModelSourceError(f"shot {shot_id}: a FLUX IP-Adapter needs 'ip_adapter_image_encoder' "
                               "(for XLabs-AI/flux-ip-adapter: openai/clip-vit-large-patch14)")
    try:
        pipeline.load_ip_adapter(source, **kwargs)
    except (OSError, ValueError, KeyError) as error:
        raise ModelSourceError(f"shot {shot_id}: IP-Adapter {model.ip_adapter}/{weight} could not be loaded "
                               f"({common._one_line(error)})") from None
