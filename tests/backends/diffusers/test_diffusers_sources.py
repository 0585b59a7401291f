"""Model sources, identity, runtime selection, out-of-memory messages, and torch staying out of the core."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shotcraft.backends import diffusers_common as common
from shotcraft.backends.diffusers_image import DiffusersImageBackend
from shotcraft.backends.diffusers_sources import (
    GenerationError,
    ModelSourceError,
    resolve_source,
    safetensors_keys,
    single_file_layout,
)
from shotcraft.backends.diffusers_video import DiffusersVideoBackend
from shotcraft.plan.schema import ModelSource


@pytest.fixture(scope="module")
def reference_outputs_sd15(tiny_model):
    from diffusers_tiny_models import make_keyframe_request

    return DiffusersImageBackend().keyframe(make_keyframe_request(tiny_model("sd15").source()))


def test_importing_shotcraft_does_not_import_torch():
    code = (
        "import sys\n"
        "import shotcraft, shotcraft.cli, shotcraft.plan.schema\n"
        "import shotcraft.backends.diffusers_image, shotcraft.backends.diffusers_video\n"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_hub_source_must_pin_a_revision():
    with pytest.raises(ModelSourceError, match="model repo 'stabilityai/sdxl' has no pinned revision"):
        resolve_source(ModelSource(repo="stabilityai/sdxl", family="sdxl"), expect="image")


def test_hub_source_identity_is_repo_and_revision_offline():
    source = ModelSource(repo="stabilityai/stable-diffusion-xl-base-1.0", revision="462165984030d82259a11f4367a4eed129e94a7b",
                         family="sdxl")
    identity = DiffusersImageBackend().identity(source)
    assert identity["model"] == {"family": "sdxl", "kind": "hub", "repo": source.repo, "revision": source.revision}
    assert identity["libraries"]["diffusers"] != "absent"
    assert identity["runtime"] == {"device_type": "cpu", "dtype": "float32", "compile": False}
    json.dumps(identity)  # job keys need plain JSON


def test_unknown_family_without_model_index_is_a_clear_error(tmp_path):
    with pytest.raises(ModelSourceError, match="has no model_index.json"):
        resolve_source(ModelSource(path=tmp_path), expect="image")
    with pytest.raises(ModelSourceError, match="cannot tell which model family"):
        resolve_source(ModelSource(repo="someone/model", revision="abc"), expect="video")
    with pytest.raises(ModelSourceError, match="model family 'sd3' is unknown"):
        resolve_source(ModelSource(repo="someone/model", revision="abc", family="sd3"), expect="image")


def test_missing_model_and_missing_path_are_clear(tmp_path):
    with pytest.raises(ModelSourceError, match="needs a model: set keyframe.model"):
        resolve_source(None, expect="image")
    with pytest.raises(ModelSourceError, match="does not exist"):
        resolve_source(ModelSource(path=tmp_path / "nope.safetensors"), expect="image")


def test_folder_identity_follows_the_weights_not_the_path(tiny_model, tmp_path):
    model = tiny_model("sd15")
    backend = DiffusersImageBackend()
    original = backend.identity(model.source())
    assert original["model"]["kind"] == "folder" and len(original["model"]["sha256"]) == 64
    assert "scheduler" not in original  # a folder's scheduler config is part of its content hash, not fetched
    moved = tmp_path / "elsewhere"
    shutil.copytree(model.folder, moved)
    assert backend.identity(ModelSource(path=moved, options=model.source().options)) == original
    scheduler = moved / "scheduler" / "scheduler_config.json"
    scheduler.write_text(scheduler.read_text().replace('"num_train_timesteps": 1000', '"num_train_timesteps": 999'))
    assert backend.identity(ModelSource(path=moved))["model"] != original["model"]
    scheduler.write_text(scheduler.read_text().replace('"num_train_timesteps": 999', '"num_train_timesteps": 1000'))
    config = moved / "unet" / "config.json"
    config.write_text(config.read_text().replace('"sample_size": 16', '"sample_size": 17'))
    assert backend.identity(ModelSource(path=moved))["model"] != original["model"]


def test_single_file_identity_and_layout(tiny_model, tmp_path):
    from safetensors.torch import save_file

    model = tiny_model("sd15")
    denoiser = tmp_path / "unet.safetensors"
    save_file({k: v.contiguous() for k, v in model.pipeline.unet.state_dict().items()}, str(denoiser))
    assert single_file_layout(denoiser) == "denoiser"
    checkpoint = tmp_path / "a1111.safetensors"
    save_file({"model.diffusion_model.input_blocks.0.0.weight": model.pipeline.unet.conv_in.weight.contiguous()},
              str(checkpoint))
    assert single_file_layout(checkpoint) == "checkpoint"
    assert safetensors_keys(checkpoint) == ["model.diffusion_model.input_blocks.0.0.weight"]
    with pytest.raises(ModelSourceError, match="holds only a denoiser: set 'base'"):
        resolve_source(ModelSource(path=denoiser), expect="image")
    identity = DiffusersImageBackend().identity(ModelSource(path=denoiser, base=str(model.folder)))
    assert identity["model"]["layout"] == "denoiser"
    assert identity["model"]["base"]["kind"] == "folder"


def test_not_a_safetensors_file_is_a_clear_error(tmp_path):
    bogus = tmp_path / "model.safetensors"
    bogus.write_bytes(b"not a header")
    with pytest.raises(ModelSourceError, match="named .safetensors but its bytes are not a safetensors file"):
        resolve_source(ModelSource(path=bogus, family="sd15", base=str(tmp_path)), expect="image")


def test_runtime_selection_on_cpu():
    runtime = common.runtime_for(ModelSource(repo="a/b", revision="c"))
    assert (runtime.device, runtime.dtype) == ("cpu", "float32")
    assert common.select_dtype("bfloat16", "cpu") == "bfloat16"
    with pytest.raises(ModelSourceError, match="no CUDA device"):
        common.runtime_for(ModelSource(repo="a/b", revision="c", device="cuda"))


def test_out_of_memory_becomes_a_message_with_the_options_that_help():
    import torch

    with pytest.raises(GenerationError) as caught:
        with common.generation_errors("shot s01 clip"):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
    message = str(caught.value)
    assert message.startswith("shot s01 clip: out of GPU memory")
    for option in ("offload: model", "vae_tiling: true", "vae_slicing: true", "smaller resolution"):
        assert option in message
    assert "\n" not in message
    with pytest.raises(GenerationError, match="out of memory"):
        with common.generation_errors("shot s01 keyframe"):
            raise RuntimeError("MPS backend out of memory")
    with pytest.raises(RuntimeError, match="unrelated"):
        with common.generation_errors("shot s01 keyframe"):
            raise RuntimeError("unrelated")


def test_pipeline_is_loaded_once_per_worker(tiny_model):
    from diffusers_tiny_models import make_keyframe_request

    common.clear_pipeline_cache()
    source = tiny_model("sd15").source()
    backend = DiffusersImageBackend()
    backend.keyframe(make_keyframe_request(source))
    first = dict(common._PIPELINES)
    backend.keyframe(make_keyframe_request(source, seed=9))
    assert len(first) == 1 and dict(common._PIPELINES) == first


def test_settings_record_scheduler_and_reference_handling(tiny_model, tmp_path):
    from diffusers_tiny_models import make_keyframe_request

    request = make_keyframe_request(tiny_model("sd15").source())
    settings = DiffusersImageBackend().settings(request)
    assert settings["scheduler"]["class"] == "DPMSolverMultistepScheduler"
    assert settings["scheduler"]["config"]["use_karras_sigmas"] is True
    assert settings["references"] == "none given"


def test_capabilities_follow_the_model(tiny_model):
    assert DiffusersImageBackend().capabilities_for(tiny_model("sd15").source()).prompt_family == "sd"
    assert DiffusersImageBackend().capabilities_for(tiny_model("flux").source()).prompt_family == "prose"
    svd = DiffusersVideoBackend().capabilities_for(tiny_model("svd").source())
    assert svd.first_last_frame is False and svd.prompt_family == "prose"
    assert DiffusersVideoBackend().capabilities_for(tiny_model("ltx").source()).first_last_frame is True


def test_hub_repo_at_a_pinned_revision_loads_from_the_cache_offline(tiny_model, reference_outputs_sd15):
    """A repo id + commit resolves through the Hugging Face cache layout (snapshots/<commit>), offline."""
    from huggingface_hub import constants

    from diffusers_tiny_models import make_keyframe_request

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo_folder = Path(constants.HF_HUB_CACHE) / "models--shotcraft-test--tiny-sd15"
    try:
        shutil.copytree(tiny_model("sd15").folder, repo_folder / "snapshots" / commit)
        (repo_folder / "refs").mkdir()
        (repo_folder / "refs" / "main").write_text(commit)
        source = ModelSource(repo="shotcraft-test/tiny-sd15", revision=commit)
        identity = DiffusersImageBackend().identity(source)  # family read from the cached model_index.json
        assert identity["model"] == {"family": "sd15", "kind": "hub", "repo": source.repo, "revision": commit}
        assert "scheduler" not in identity  # pinned by the revision: nothing fetched, stable offline
        image = DiffusersImageBackend().keyframe(make_keyframe_request(source))
        assert np.array_equal(image, reference_outputs_sd15)
        with pytest.raises(ModelSourceError, match="could not be loaded"):
            DiffusersImageBackend().keyframe(make_keyframe_request(
                ModelSource(repo="shotcraft-test/tiny-sd15", revision="f" * 40, family="sd15")))
    finally:
        shutil.rmtree(repo_folder, ignore_errors=True)
