"""Where diffusers weights come from, whether they are safe to open, and what they are.

Torch-free on purpose: the render engine asks for a model's identity (for job
keys) and the linter checks sources without paying torch's import. Three kinds
of source, as users have them:

* ``repo`` + ``revision``: a Hugging Face repository pinned to a commit or tag;
* ``path`` to a local diffusers folder (``model_index.json`` inside);
* ``path`` to a single ``.safetensors`` file: a full A1111/ComfyUI checkpoint,
  or only the denoiser (UNet / transformer) with ``base`` naming the folder or
  repository that provides the configs and the other components.

Pickle weights (``.ckpt``, ``.bin``, ``.pt``, ``.pth``, ``.pkl``) run code when
opened; they are refused before any byte of them is read, unless the plan sets
``allow_pickle: true``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from shotcraft import files
from shotcraft.errors import InputError, ShotcraftError

PICKLE_SUFFIXES = frozenset({".ckpt", ".bin", ".pt", ".pth", ".pkl", ".pickle"})
SAFE_SUFFIXES = frozenset({".safetensors"})

#: diffusers pipeline class (model_index.json `_class_name`) -> shotcraft family
PIPELINE_FAMILIES: dict[str, str] = {
    "StableDiffusionPipeline": "sd15",
    "StableDiffusionImg2ImgPipeline": "sd15",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusionXLImg2ImgPipeline": "sdxl",
    "FluxPipeline": "flux",
    "FluxImg2ImgPipeline": "flux",
    "StableVideoDiffusionPipeline": "svd",
    "WanImageToVideoPipeline": "wan",
    "LTXPipeline": "ltx",
    "LTXImageToVideoPipeline": "ltx",
    "LTXConditionPipeline": "ltx",
    "CogVideoXImageToVideoPipeline": "cogvideox",
}
IMAGE_FAMILIES = ("sd15", "sdxl", "flux")
VIDEO_FAMILIES = ("svd", "wan", "ltx", "cogvideox")
FAMILIES = IMAGE_FAMILIES + VIDEO_FAMILIES

#: key prefixes of full original-format checkpoints (A1111 / ComfyUI "checkpoints" folder)
_ORIGINAL_CHECKPOINT_PREFIXES = ("model.diffusion_model.", "first_stage_model.", "cond_stage_model.", "conditioner.")


class ModelSourceError(InputError):
    """A model source cannot be used: missing, unpinned, of an unknown family, or not loadable."""

    code = "model-source"


class UnsafeCheckpointError(ModelSourceError):
    """A pickle checkpoint was refused (it could run arbitrary code when loaded)."""

    code = "unsafe-checkpoint"


class GenerationError(ShotcraftError):
    """Generation failed for a reason the user can act on (out of memory, bad settings for the model)."""

    code = "generation-failed"
    exit_code = 1


SourceKind = Literal["hub", "folder", "single-file"]


@dataclass(frozen=True)
class ResolvedSource:
    """A checked model source: what to load, from where, and which family it is."""

    kind: SourceKind
    location: str  # repo id, folder path or file path
    revision: str | None
    family: str
    #: for a single file: the folder or repo giving configs and the other components (None: diffusers' defaults)
    base: ResolvedSource | None = None
    #: for a single file: "checkpoint" (all components, original layout) or "denoiser" (UNet / transformer only)
    file_layout: str | None = None
    allow_pickle: bool = False

    def describe(self) -> str:
        if self.kind == "hub":
            return f"{self.location}@{self.revision}"
        return self.location


def resolve_source(source: Any, *, expect: Literal["image", "video"], base_dir: Path | None = None) -> ResolvedSource:
    """Check a ModelSource (exists, pinned, safe, known family) before anything heavy is loaded."""
    if source is None:
        raise ModelSourceError(
            f"the diffusers-{expect} backend needs a model: set keyframe.model / clip.model "
            "(repo + revision, or path) in the plan (see docs/models.md)"
        )
    family = _checked_family(source.family)
    allow_pickle = bool(source.allow_pickle)
    if source.repo is not None:
        revision = _pinned(source.repo, source.revision, "revision")
        resolved = ResolvedSource("hub", source.repo, revision, family or "", allow_pickle=allow_pickle)
    else:
        path = _absolute(Path(source.path), base_dir)
        if not path.exists():
            raise ModelSourceError(f"model path {path} does not exist")
        if path.is_dir():
            refuse_pickles_in_folder(path, allow_pickle)
            resolved = ResolvedSource("folder", str(path), None, family or "", allow_pickle=allow_pickle)
        else:
            refuse_pickle_file(path, allow_pickle)
            base = _resolve_base(source, base_dir, allow_pickle)
            layout = single_file_layout(path) if files.is_safetensors(path) else "denoiser"
            if layout == "denoiser" and base is None:
                raise ModelSourceError(
                    f"model file {path} holds only a denoiser: set 'base' to the diffusers folder or repo "
                    "that provides its configs, VAE and text encoders"
                )
            resolved = ResolvedSource(
                "single-file", str(path), None, family or "", base=base, file_layout=layout, allow_pickle=allow_pickle
            )
    if not resolved.family:
        resolved = _with_family(resolved, guess_family(resolved))
    wanted = IMAGE_FAMILIES if expect == "image" else VIDEO_FAMILIES
    if resolved.family not in wanted:
        raise ModelSourceError(
            f"model {resolved.describe()} is a '{resolved.family}' model; the diffusers-{expect} backend "
            f"takes {', '.join(wanted)}"
        )
    return resolved


def refuse_pickle_file(path: Path, allow_pickle: bool) -> None:
    """Refuse a pickle checkpoint by its name, and a file named safetensors whose bytes are not, before any loader.

    The routing decision is :func:`shotcraft.files.is_safetensors` (suffix in any case AND a real header).
    """
    files.check_input(path, "model", where="model")  # regular file: no device, FIFO or folder
    if files.claims_safetensors(path):
        if not files.is_safetensors(path):
            raise UnsafeCheckpointError(
                f"model file {path} is named .safetensors but its bytes are not a safetensors file "
                "(a renamed pickle can run code when loaded); refused before any loader opened it"
            )
        return
    if path.suffix.lower() in PICKLE_SUFFIXES and not allow_pickle:
        raise UnsafeCheckpointError(
            f"model file {path} is a pickle checkpoint ({path.suffix}), which can run code when loaded; "
            "convert it to .safetensors, or set 'allow_pickle: true' on this model if you trust its origin"
        )
    if path.suffix.lower() not in PICKLE_SUFFIXES | SAFE_SUFFIXES:
        raise ModelSourceError(f"model file {path} is neither .safetensors nor a known checkpoint type")


def refuse_pickles_in_folder(folder: Path, allow_pickle: bool) -> None:
    """A diffusers folder whose weights exist only as pickles is refused (safetensors siblings are fine)."""
    if allow_pickle:
        return
    for file in sorted(folder.rglob("*")):
        if file.suffix.lower() in PICKLE_SUFFIXES and file.is_file():
            siblings = list(file.parent.glob("*.safetensors"))
            if not siblings:
                raise UnsafeCheckpointError(
                    f"model folder {folder} has pickle weights ({file.relative_to(folder)}) and no .safetensors "
                    "beside them; convert them, or set 'allow_pickle: true' if you trust their origin"
                )


def safetensors_keys(path: Path) -> list[str]:
    """Tensor names from a .safetensors header (8-byte length + JSON), without loading any tensor."""
    header = files.safetensors_header(path)
    if header is None:
        raise ModelSourceError(f"model file {path} is not a readable .safetensors file")
    return [key for key in header if key != "__metadata__"]


def single_file_layout(path: Path) -> str:
    keys = safetensors_keys(path)
    if any(key.startswith(_ORIGINAL_CHECKPOINT_PREFIXES) for key in keys):
        return "checkpoint"
    return "denoiser"


def guess_family(resolved: ResolvedSource) -> str:
    """The family from model_index.json (folder, base or cached hub file), else from checkpoint keys."""
    index = _model_index(resolved.base or resolved) if resolved.kind == "single-file" else _model_index(resolved)
    class_name = (index or {}).get("_class_name")
    if class_name in PIPELINE_FAMILIES:
        return PIPELINE_FAMILIES[class_name]
    if resolved.kind == "single-file" and resolved.file_layout == "checkpoint":
        keys = safetensors_keys(Path(resolved.location))
        if any(key.startswith("conditioner.embedders.1.") for key in keys):
            return "sdxl"
        if any(key.startswith("cond_stage_model.") for key in keys):
            return "sd15"
    raise ModelSourceError(
        f"cannot tell which model family {resolved.describe()} is"
        + (f" (pipeline class {class_name})" if class_name else "")
        + f"; set 'family' to one of {', '.join(FAMILIES)}"
    )


def _model_index(resolved: ResolvedSource) -> dict[str, Any] | None:
    if resolved.kind == "folder":
        index = Path(resolved.location) / "model_index.json"
        if not index.is_file():
            raise ModelSourceError(f"model folder {resolved.location} has no model_index.json (not a diffusers folder)")
        return json.loads(index.read_text(encoding="utf-8"))
    if resolved.kind == "hub":
        local = _hub_file(resolved, "model_index.json")
        return json.loads(local.read_text(encoding="utf-8")) if local else None
    return None


def _hub_file(resolved: ResolvedSource, filename: str) -> Path | None:
    """A file of a pinned repo from the local cache or the hub (None where neither has it)."""
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(resolved.location, filename, revision=resolved.revision))
    except Exception:  # offline, missing file, unknown repo: the caller decides what that means
        return None


# --- identity --------------------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    """sha256 of a weights file through the persistent hash cache: multi-GB weights are hashed once, not per process."""
    return files.content_sha256(path, "model", where="model")


def folder_sha256(folder: Path) -> str:
    """One hash over every file of a diffusers folder (relative names and contents), hidden files excepted."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and not _hidden(p.relative_to(folder))):
        digest.update(file.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(file_sha256(file).encode("ascii") + b"\n")
    return digest.hexdigest()


def source_identity(resolved: ResolvedSource) -> dict[str, Any]:
    """What the weights are: repo + revision, or content hashes; never a path alone (paths move)."""
    identity: dict[str, Any] = {"family": resolved.family, "kind": resolved.kind}
    if resolved.kind == "hub":
        identity.update(repo=resolved.location, revision=resolved.revision)
    elif resolved.kind == "folder":
        identity["sha256"] = folder_sha256(Path(resolved.location))
    else:
        identity["sha256"] = file_sha256(Path(resolved.location))
        identity["layout"] = resolved.file_layout
        identity["base"] = source_identity(resolved.base) if resolved.base is not None else "diffusers-default-config"
    return identity


def library_versions() -> dict[str, str]:
    versions = {}
    for name in ("torch", "diffusers", "transformers", "safetensors", "accelerate", "tokenizers"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


# --- helpers --------------------------------------------------------------------------------------------


def _checked_family(family: str | None) -> str | None:
    if family is None:
        return None
    normalised = family.strip().lower().replace("-", "").replace("_", "").replace(".", "")
    aliases = {"sd15": "sd15", "sd1": "sd15", "sd": "sd15", "stablediffusion": "sd15", "sdxl": "sdxl", "flux": "flux",
               "flux1": "flux", "svd": "svd", "svdxt": "svd", "wan": "wan", "wan21": "wan", "wan22": "wan",
               "ltx": "ltx", "ltxvideo": "ltx", "cogvideox": "cogvideox", "cogvideo": "cogvideox"}
    if normalised not in aliases:
        raise ModelSourceError(f"model family '{family}' is unknown; use one of {', '.join(FAMILIES)}")
    return aliases[normalised]


def _pinned(repo: str, revision: str | None, field: str) -> str:
    if not revision:
        raise ModelSourceError(
            f"model repo '{repo}' has no pinned {field}: set '{field}' to a commit sha or tag so that takes "
            "can be reproduced (the commit is shown on the repository's 'Files' page)"
        )
    return revision


def _resolve_base(source: Any, base_dir: Path | None, allow_pickle: bool) -> ResolvedSource | None:
    if source.base is None:
        return None
    candidate = _absolute(Path(source.base), base_dir)
    if candidate.is_dir():
        refuse_pickles_in_folder(candidate, allow_pickle)
        return ResolvedSource("folder", str(candidate), None, "", allow_pickle=allow_pickle)
    if candidate.exists() or source.base.startswith((".", "/", "~")):
        raise ModelSourceError(f"model base {source.base} is not a diffusers folder")
    revision = _pinned(source.base, source.base_revision, "base_revision")
    return ResolvedSource("hub", source.base, revision, "", allow_pickle=allow_pickle)


def _with_family(resolved: ResolvedSource, family: str) -> ResolvedSource:
    from dataclasses import replace

    return replace(resolved, family=family)


def _absolute(path: Path, base_dir: Path | None) -> Path:
    path = path.expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return Path(os.path.abspath(path))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
