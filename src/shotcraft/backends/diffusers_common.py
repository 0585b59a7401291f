"""Shared machinery of the diffusers backends: samplers, device and precision, loading, caching, OOM.

Torch and diffusers are imported inside functions only, so importing this
module (and shotcraft) stays cheap; the backends' generation calls pay the
import once per worker. A loaded pipeline is kept in a small module-level
cache keyed by the model's identity and the runtime settings, so a worker
process loads each model once and reuses it for every job.

Determinism: every random draw comes from a CPU ``torch.Generator`` seeded
from the plan, so the initial noise is the same on any device; the same
settings on the same machine give bit-identical output (tested on CPU).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
from collections import OrderedDict
from importlib import metadata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shotcraft.backends.protocol import OOM_ADVICE
from shotcraft.backends.diffusers_sources import (
    GenerationError,
    ModelSourceError,
    ResolvedSource,
    library_versions,
    refuse_pickle_file,
    source_identity,
)
from shotcraft.files import is_safetensors, json_digest
from shotcraft.fsutil import user_cache_dir

# MKL picks kernels by buffer alignment unless told not to, so two copies of the same weights can differ in the
# last bit on CPU; strict conditional numerical reproducibility makes a folder, a single file and an in-memory
# pipeline give the same pixels. Read by MKL at its first call: set before this module imports torch.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")

# --- samplers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampler:
    """A sampler name as users know it (A1111 / ComfyUI), and the diffusers scheduler that implements it."""

    name: str
    scheduler: str
    settings: tuple[tuple[str, Any], ...] = ()
    aliases: tuple[str, ...] = ()


#: The one sampler table (docs/models.md prints it). Applies to SD 1.5 / SDXL; flow-matching models
#: (FLUX, Wan, LTX-Video, CogVideoX) keep the scheduler their authors ship, see ``FLOW_FAMILIES``.
SAMPLERS: tuple[Sampler, ...] = (
    Sampler("dpm++-2m-karras", "DPMSolverMultistepScheduler",
            (("algorithm_type", "dpmsolver++"), ("solver_order", 2), ("use_karras_sigmas", True)), ("dpmpp-2m-karras",)),
    Sampler("dpm++-2m", "DPMSolverMultistepScheduler",
            (("algorithm_type", "dpmsolver++"), ("solver_order", 2), ("use_karras_sigmas", False)), ("dpmpp-2m",)),
    Sampler("dpm++-2m-sde-karras", "DPMSolverMultistepScheduler",
            (("algorithm_type", "sde-dpmsolver++"), ("solver_order", 2), ("use_karras_sigmas", True)),
            ("dpmpp-2m-sde-karras",)),
    Sampler("dpm++-2m-sde", "DPMSolverMultistepScheduler",
            (("algorithm_type", "sde-dpmsolver++"), ("solver_order", 2), ("use_karras_sigmas", False)), ("dpmpp-2m-sde",)),
    Sampler("dpm++-sde-karras", "DPMSolverSinglestepScheduler", (("use_karras_sigmas", True),), ("dpmpp-sde-karras",)),
    Sampler("dpm2", "KDPM2DiscreteScheduler"),
    Sampler("dpm2-karras", "KDPM2DiscreteScheduler", (("use_karras_sigmas", True),)),
    Sampler("dpm2-a", "KDPM2AncestralDiscreteScheduler", (), ("dpm2-ancestral",)),
    Sampler("euler", "EulerDiscreteScheduler"),
    Sampler("euler-karras", "EulerDiscreteScheduler", (("use_karras_sigmas", True),)),
    Sampler("euler-a", "EulerAncestralDiscreteScheduler", (), ("euler-ancestral", "euler-anc")),
    Sampler("heun", "HeunDiscreteScheduler"),
    Sampler("lms", "LMSDiscreteScheduler"),
    Sampler("lms-karras", "LMSDiscreteScheduler", (("use_karras_sigmas", True),)),
    Sampler("ddim", "DDIMScheduler"),
    Sampler("pndm", "PNDMScheduler", (), ("plms",)),
    Sampler("unipc", "UniPCMultistepScheduler", (), ("uni-pc",)),
    Sampler("deis", "DEISMultistepScheduler"),
)

#: Families whose scheduler is part of the model (flow matching); the plan's sampler name does not apply.
FLOW_FAMILIES = frozenset({"flux", "wan", "ltx", "cogvideox", "svd"})


def normalise_sampler_name(name: str) -> str:
    """'DPM++ 2M Karras', 'dpmpp_2m_karras', 'dpm++-2m-karras' -> 'dpm++-2m-karras'."""
    return "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def find_sampler(name: str) -> Sampler:
    wanted = normalise_sampler_name(name)
    for sampler in SAMPLERS:
        if wanted == sampler.name or wanted in sampler.aliases:
            return sampler
    known = ", ".join(s.name for s in SAMPLERS)
    raise ModelSourceError(f"sampler '{name}' is unknown; use one of {known} (docs/models.md)")


def make_scheduler(sampler_name: str, current: Any) -> Any:
    """The diffusers scheduler for a sampler name, built from the model's own scheduler config."""
    import diffusers

    sampler = find_sampler(sampler_name)
    scheduler_class = getattr(diffusers, sampler.scheduler)
    return scheduler_class.from_config(current.config, **dict(sampler.settings))


def scheduler_record(scheduler: Any) -> dict[str, Any]:
    """The full scheduler config, JSON-safe, for the settings log."""
    config = {key: value for key, value in dict(scheduler.config).items()}
    return json.loads(json.dumps({"class": type(scheduler).__name__, "config": config}, default=str))


# --- device and precision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Runtime:
    """How a pipeline runs: device, dtype and the memory/speed switches from the ModelSource."""

    device: str
    dtype: str
    offload: str = "none"
    vae_tiling: bool = False
    vae_slicing: bool = False
    compile: bool = False

    def record(self) -> dict[str, Any]:
        return {"device": self.device, "dtype": self.dtype, "offload": self.offload, "vae_tiling": self.vae_tiling,
                "vae_slicing": self.vae_slicing, "compile": self.compile, "attention": "sdpa"}


def select_device(requested: str | None) -> str:
    """'auto' (or absent): the first of cuda, mps, cpu that this machine has. Never imports torch here."""
    if requested == "cpu":
        return "cpu"
    machine = machine_devices()
    if requested not in (None, "auto"):
        if requested.startswith("cuda") and not machine["cuda"]:
            raise ModelSourceError(f"model device '{requested}' asked for, but this machine has no CUDA device")
        if requested == "mps" and not machine["mps"]:
            raise ModelSourceError("model device 'mps' asked for, but this machine has no Apple GPU")
        return requested
    if machine["cuda"]:
        return "cuda"
    if machine["mps"]:
        return "mps"
    return "cpu"


def select_dtype(requested: str, device: str) -> str:
    """'auto': bf16 on CUDA cards that have it (fp16 otherwise), fp16 on Apple GPUs, fp32 on CPU."""
    if requested != "auto":
        return requested
    if device.startswith("cuda"):
        return "bfloat16" if machine_devices()["bf16"] else "float16"
    if device == "mps":
        return "float16"
    return "float32"


_PROBE = ("import json, torch; c = torch.cuda.is_available(); "
          "print(json.dumps({'cuda': c, 'bf16': bool(c and torch.cuda.is_bf16_supported()), "
          "'mps': bool(getattr(torch.backends, 'mps', None) and torch.backends.mps.is_available())}))")
_MACHINE: dict[str, bool] | None = None


def machine_devices() -> dict[str, bool]:
    """What torch would find on this machine (cuda, bf16, mps), without importing torch in this process.

    Job planning needs it (device type and dtype are part of a model's identity) but must not pay
    torch's import (seconds) in the main process: a worker that already imported torch asks it
    directly; otherwise one child process asks, and the answer is kept per machine state
    (torch version, visible devices, boot) in the user cache, so it is paid once per boot.
    """
    global _MACHINE
    if _MACHINE is not None:
        return _MACHINE
    if "torch" in sys.modules:
        import torch

        cuda = torch.cuda.is_available()
        _MACHINE = {"cuda": cuda, "bf16": bool(cuda and torch.cuda.is_bf16_supported()),
                    "mps": bool(torch.backends.mps.is_available())}  # fmt: skip
        return _MACHINE
    cache = _machine_cache_path()
    state = _machine_state()
    with contextlib.suppress(OSError, ValueError, KeyError):
        recorded = json.loads(cache.read_text(encoding="utf-8"))
        if recorded["state"] == state:
            _MACHINE = {k: bool(recorded["devices"][k]) for k in ("cuda", "bf16", "mps")}
            return _MACHINE
    import subprocess

    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300, check=True)
        devices = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as error:
        raise ModelSourceError(f"cannot tell which devices torch sees on this machine ({_one_line(error)})") from None
    _MACHINE = {k: bool(devices[k]) for k in ("cuda", "bf16", "mps")}
    with contextlib.suppress(OSError):
        from shotcraft.fsutil import write_json

        write_json(cache, {"state": state, "devices": _MACHINE})
    return _MACHINE


def _machine_state() -> dict[str, str]:
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "absent"
    return {"torch": torch_version, "python": sys.executable, "boot": boot,
            "visible": os.environ.get("CUDA_VISIBLE_DEVICES", "*"), "platform": platform.platform()}  # fmt: skip


def _machine_cache_path() -> Path:
    return user_cache_dir() / "devices.json"


def runtime_for(source: Any) -> Runtime:
    device = select_device(getattr(source, "device", None))
    return Runtime(
        device=device,
        dtype=select_dtype(getattr(source, "dtype", "auto") or "auto", device),
        offload=getattr(source, "offload", "none") or "none",
        vae_tiling=bool(getattr(source, "vae_tiling", False)),
        vae_slicing=bool(getattr(source, "vae_slicing", False)),
        compile=bool(getattr(source, "compile", False)),
    )


def model_identity(resolved: ResolvedSource, runtime: Runtime) -> dict[str, Any]:
    """Identity for job keys and the settings log: weights, libraries, model scheduler, and the precision.

    Device type and dtype are part of it because they change the pixels (bf16 on CUDA is not fp32 on CPU).
    """
    # from what is pinned only: repo + revision or content hashes (the scheduler config is part of those;
    # reading it from the hub cache made keys change when offline and uncached)
    return {
        "model": source_identity(resolved),
        "libraries": library_versions(),
        "runtime": {"device_type": runtime.device.split(":")[0], "dtype": runtime.dtype, "compile": runtime.compile},
    }


def report_denoising(pipeline: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Add diffusers' ``callback_on_step_end`` so each denoising step reaches the job's progress (events.report_steps).

    The total is the pipeline's own count of timesteps once set (img2img runs int(steps * strength)).
    """
    import inspect

    from shotcraft import events

    if "callback_on_step_end" not in inspect.signature(pipeline.__call__).parameters:
        return kwargs
    requested = int(kwargs.get("num_inference_steps") or 0)

    def on_step_end(pipe: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        total = int(getattr(pipe, "num_timesteps", 0) or requested or step + 1)
        events.report_steps(step + 1, total)
        return callback_kwargs

    return {**kwargs, "callback_on_step_end": on_step_end}


def identity_digest(identity: dict[str, Any]) -> str:
    return json_digest(identity)


# --- loading and the per-worker cache --------------------------------------------------------------------

#: pipelines kept per worker process: (identity digest, pipeline class, runtime) -> pipeline
_PIPELINES: OrderedDict[tuple[str, str, Runtime], Any] = OrderedDict()
#: how many loaded pipelines a worker keeps (one keyframe model + one clip model fits most GPUs)
PIPELINE_CACHE_SIZE = 2


def cached_pipeline(resolved: ResolvedSource, pipeline_class: str, runtime: Runtime, identity: dict[str, Any]) -> Any:
    """Load a pipeline once per worker and keep it; the least recently used one is dropped past the cache size."""
    key = (identity_digest(identity["model"]), pipeline_class, runtime)
    if key in _PIPELINES:
        _PIPELINES.move_to_end(key)
        return _PIPELINES[key]
    while len(_PIPELINES) >= PIPELINE_CACHE_SIZE:
        _PIPELINES.popitem(last=False)
        _release_device_memory(runtime.device)
    pipeline = load_pipeline(resolved, pipeline_class, runtime)
    _PIPELINES[key] = pipeline
    return pipeline


def clear_pipeline_cache() -> None:
    _PIPELINES.clear()


def load_pipeline(resolved: ResolvedSource, pipeline_class: str, runtime: Runtime) -> Any:
    """Load a diffusers pipeline from a ResolvedSource and place it on the runtime's device and dtype."""
    import diffusers
    import torch

    cls = getattr(diffusers, pipeline_class)
    dtype = getattr(torch, runtime.dtype)
    safe = {} if resolved.allow_pickle else {"use_safetensors": True}
    extra = {"safety_checker": None, "requires_safety_checker": False} if resolved.family == "sd15" else {}
    try:
        with _quiet_diffusers():
            if resolved.kind == "hub":
                pipeline = cls.from_pretrained(resolved.location, revision=resolved.revision, torch_dtype=dtype,
                                               **safe, **extra)
            elif resolved.kind == "folder":
                pipeline = cls.from_pretrained(resolved.location, torch_dtype=dtype, **safe, **extra)
            elif resolved.file_layout == "checkpoint":
                pipeline = cls.from_single_file(resolved.location, torch_dtype=dtype, **_base_kwargs(resolved), **extra)
            else:
                pipeline = _load_with_denoiser_file(cls, resolved, dtype, safe, extra)
    except ModelSourceError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, EnvironmentError) as error:
        raise ModelSourceError(f"model {resolved.describe()} could not be loaded as {pipeline_class}: "
                               f"{_one_line(error)}") from None
    for module in pipeline.components.values():
        if isinstance(module, torch.nn.Module):
            module.eval()
    with generation_errors(f"loading model {resolved.describe()} on {runtime.device}"):
        return apply_runtime(pipeline, runtime)


def _base_kwargs(resolved: ResolvedSource) -> dict[str, Any]:
    if resolved.base is None:
        return {}
    kwargs: dict[str, Any] = {"config": resolved.base.location}
    if resolved.base.kind == "hub":
        kwargs["revision"] = resolved.base.revision
    return kwargs


def _load_with_denoiser_file(cls: Any, resolved: ResolvedSource, dtype: Any, safe: dict, extra: dict) -> Any:
    """Base pipeline from its folder/repo, denoiser (UNet or transformer) from the single file."""
    base = resolved.base
    assert base is not None
    revision = {"revision": base.revision} if base.kind == "hub" else {}
    pipeline = cls.from_pretrained(base.location, torch_dtype=dtype, **revision, **safe, **extra)
    name = "unet" if "unet" in pipeline.components else "transformer"
    denoiser = _load_with_denoiser_file_into(pipeline.components[name], resolved, name, dtype)
    pipeline.register_modules(**{name: denoiser})
    return pipeline


def _load_with_denoiser_file_into(denoiser: Any, resolved: ResolvedSource, subfolder: str, dtype: Any) -> Any:
    """A denoiser file in diffusers' own layout loads straight into the base's module; others convert.

    Original layouts (ComfyUI / A1111 / the model authors' files) go through diffusers' from_single_file,
    which converts their keys, where the model class has one (SVD's UNet has none).
    """
    import torch

    path = Path(resolved.location)
    if is_safetensors(path):  # the one decision (name and bytes), shared with resolve_source
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        refuse_pickle_file(path, resolved.allow_pickle)  # a renamed pickle never gets here unless allowed
        # an explicitly allowed pickle: weights only, never arbitrary objects
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    if set(state) == set(denoiser.state_dict()):
        denoiser.load_state_dict(state, strict=True)
        return denoiser.to(dtype)
    if not hasattr(type(denoiser), "from_single_file"):
        raise ModelSourceError(f"model file {path}: its keys do not match {type(denoiser).__name__}, and diffusers "
                               "cannot convert this model's original layout; save the denoiser with save_pretrained")
    return type(denoiser).from_single_file(str(path), subfolder=subfolder, torch_dtype=dtype, **_base_kwargs(resolved))


def apply_runtime(pipeline: Any, runtime: Runtime) -> Any:
    """Device placement, offload, VAE slicing/tiling and torch.compile, as the ModelSource asks."""
    if runtime.offload == "model":
        pipeline.enable_model_cpu_offload(device=runtime.device)
    elif runtime.offload == "sequential":
        pipeline.enable_sequential_cpu_offload(device=runtime.device)
    else:
        pipeline.to(runtime.device)
    vae = getattr(pipeline, "vae", None)
    if runtime.vae_tiling and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if runtime.vae_slicing and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
    if runtime.compile:
        denoiser = getattr(pipeline, "unet", None) or getattr(pipeline, "transformer", None)
        denoiser.compile(fullgraph=False, dynamic=False)
    # diffusers already routes attention through torch's scaled_dot_product_attention (SDPA) on torch 2
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def cpu_generators(seeds: list[int]) -> list[Any]:
    """One CPU generator per image: the initial noise is the same whatever device runs the model."""
    import torch

    return [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]


# --- errors ----------------------------------------------------------------------------------------------------



@contextlib.contextmanager
def generation_errors(what: str) -> Iterator[None]:
    """Out-of-memory becomes a one-line GenerationError that lists the settings that would help."""
    import torch

    try:
        yield
    except torch.OutOfMemoryError as error:
        _release_device_memory("cuda")
        raise GenerationError(f"{what}: out of GPU memory ({_one_line(error)[:120]}); try on this model {OOM_ADVICE}") from None
    except RuntimeError as error:
        if "out of memory" in str(error).lower():
            raise GenerationError(f"{what}: out of memory; try on this model {OOM_ADVICE}") from None
        raise


def _release_device_memory(device: str) -> None:
    import gc

    import torch

    gc.collect()
    if device.startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()


@contextlib.contextmanager
def _quiet_diffusers() -> Iterator[None]:
    """diffusers logs at warning level while loading (unexpected keys, safety checker); keep stderr clean."""
    import warnings

    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    previous = diffusers_logging.get_verbosity(), transformers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()
    transformers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            # `torch_dtype` is kept for diffusers < 0.36 (the extra's floor), which has no `dtype` argument
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
            yield
    finally:
        diffusers_logging.set_verbosity(previous[0])
        transformers_logging.set_verbosity(previous[1])
        diffusers_logging.enable_progress_bar()
        transformers_logging.enable_progress_bar()


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] if text else type(error).__name__


# --- image conversions ------------------------------------------------------------------------------------------


def to_pil(frame: np.ndarray) -> Any:
    from PIL import Image

    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 image, found {frame.dtype} {frame.shape}")
    return Image.fromarray(frame, mode="RGB")


def float_to_uint8(images: np.ndarray) -> np.ndarray:
    """Pipeline output in [0, 1] floats -> uint8, rounded (not truncated) so mid-greys stay mid-grey."""
    return np.clip(np.rint(np.asarray(images, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)


def resize_frame(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to the requested size: area averaging when shrinking, Lanczos when enlarging.

    A different aspect (a 4:3 init image for a 16:9 keyframe) is cover-fit by the one shared
    implementation (centre crop, never a stretch), as the stills backend and the render do.
    """
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    import cv2

    if abs(frame.shape[1] * height - frame.shape[0] * width) > max(frame.shape[0], height):  # not the same aspect
        from shotcraft.backends.camera import cover_resize

        return cover_resize(frame, (width, height))

    shrinking = width * height < frame.shape[0] * frame.shape[1]
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4)
