"""The contract every diffusers backend passes, on tiny models built in code (offline, CPU).

Per family: same seed -> bit-identical output (and another seed -> different);
output shape, frame count and fps as requested; a folder saved from the
in-memory pipeline and loaded through shotcraft's loader gives the same pixels
as the in-memory pipeline; a single-file .safetensors denoiser written by the
test replaces the base's one and matches; pickle checkpoints are refused before
they are opened.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers_tiny_models import (
    IMAGE_FAMILIES,
    VIDEO_FAMILIES,
    build,
    denoiser_name,
    keyframe_image,
    make_clip_request,
    make_keyframe_request,
)
from safetensors.torch import save_file

from shotcraft.backends.diffusers_image import DiffusersImageBackend, generate_keyframes
from shotcraft.backends.diffusers_motion import VIDEO_MODELS
from shotcraft.backends.diffusers_sources import UnsafeCheckpointError
from shotcraft.backends.diffusers_video import DiffusersVideoBackend, generate_clip
from shotcraft.backends.protocol import Backend
from shotcraft.errors import ShotcraftError
from shotcraft.plan.schema import ModelSource

FAMILIES = IMAGE_FAMILIES + VIDEO_FAMILIES


def _backend(family: str):
    return DiffusersImageBackend() if family in IMAGE_FAMILIES else DiffusersVideoBackend()


def _generate(family: str, source: ModelSource, seed: int = 7) -> np.ndarray:
    """One keyframe (HxWx3) or one clip (FxHxWx3) through the backend protocol."""
    backend = _backend(family)
    if family in IMAGE_FAMILIES:
        return backend.keyframe(make_keyframe_request(source, seed=seed))
    return np.stack(list(backend.clip(make_clip_request(source, seed=seed))))


def _generate_in_memory(family: str, pipeline, source: ModelSource, seed: int = 7) -> np.ndarray:
    if family in IMAGE_FAMILIES:
        return generate_keyframes(pipeline, family, [make_keyframe_request(source, seed=seed)])[0]
    return np.stack(list(generate_clip(pipeline, VIDEO_MODELS[family], make_clip_request(source, seed=seed))))


@pytest.fixture(scope="module")
def reference_outputs(tiny_model):
    """family -> (output of seed 7 through the backend from the saved folder), computed once."""
    outputs: dict[str, np.ndarray] = {}

    def get(family: str) -> np.ndarray:
        if family not in outputs:
            outputs[family] = _generate(family, tiny_model(family).source())
        return outputs[family]

    return get


@pytest.mark.parametrize("family", FAMILIES)
def test_backends_satisfy_the_protocol(family):
    backend = _backend(family)
    assert isinstance(backend, Backend)
    assert backend.capabilities.deterministic


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_gives_bit_identical_output(family, tiny_model, reference_outputs):
    source = tiny_model(family).source()
    first = reference_outputs(family)
    again = _generate(family, source)
    assert again.dtype == np.uint8
    assert np.array_equal(first, again)
    other = _generate(family, source, seed=8)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("family", FAMILIES)
def test_output_shape_frames_and_fps_match_the_request(family, tiny_model, reference_outputs):
    output = reference_outputs(family)
    if family in IMAGE_FAMILIES:
        assert output.shape == (32, 32, 3)
    else:
        request = make_clip_request(tiny_model(family).source())
        assert output.shape == (request.frames, request.height, request.width, 3)
        plan = DiffusersVideoBackend().plan_clip(request)
        # the last output frame is never extrapolated beyond the generated span
        assert (request.frames - 1) * plan["native_fps"] / request.fps <= plan["native_frames"] - 1
        assert output.std() > 0  # real pixels, not a flat fill


@pytest.mark.parametrize("family", VIDEO_FAMILIES)
def test_clip_at_another_size_and_length_is_conformed_exactly(family, tiny_model):
    source = tiny_model(family).source()
    request = make_clip_request(source, frames=9, width=48, height=32)
    frames = list(DiffusersVideoBackend().clip(request))
    assert len(frames) == 9
    assert all(frame.shape == (32, 48, 3) and frame.dtype == np.uint8 for frame in frames)


@pytest.mark.parametrize("family", FAMILIES)
def test_folder_loaded_through_shotcraft_matches_the_in_memory_pipeline(family, tiny_model, reference_outputs):
    model = tiny_model(family)
    in_memory = _generate_in_memory(family, model.pipeline, model.source())
    assert np.array_equal(in_memory, reference_outputs(family))


@pytest.mark.parametrize("family", FAMILIES)
def test_single_file_denoiser_loads_and_matches(family, tiny_model, reference_outputs, tmp_path):
    model = tiny_model(family)
    # the base folder holds another (re-seeded) denoiser: only the single file can restore the output
    name = denoiser_name(model.pipeline)
    base = tmp_path / "base"
    shutil.copytree(model.folder, base)
    shutil.rmtree(base / name)
    build(family, seed=1).components[name].save_pretrained(base / name)
    single = tmp_path / f"{family}-denoiser.safetensors"
    state = {k: v.contiguous() for k, v in model.pipeline.components[denoiser_name(model.pipeline)].state_dict().items()}
    save_file(state, str(single))
    loaded = _generate(family, ModelSource(path=single, base=str(base), options=model.source().options))
    assert np.array_equal(loaded, reference_outputs(family))
    base_only = _generate(family, ModelSource(path=base, options=model.source().options))
    assert not np.array_equal(base_only, loaded)


class _Payload:
    """Unpickling this creates the marker file: proof that a refused checkpoint was never unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _malicious_checkpoint(path: Path, marker: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({"state_dict": _Payload(marker)}))
    return path


@pytest.mark.parametrize("suffix", [".ckpt", ".bin", ".pt"])
@pytest.mark.parametrize("family", ["sd15", "svd"])
def test_pickle_checkpoint_is_refused_and_never_unpickled(family, suffix, tmp_path):
    marker = tmp_path / "payload-ran"
    # the payload is live: loading it would create the marker
    pickle.loads(_malicious_checkpoint(tmp_path / "probe.pkl", marker).read_bytes())
    assert marker.exists()
    marker.unlink()

    checkpoint = _malicious_checkpoint(tmp_path / f"model{suffix}", marker)
    backend = _backend(family)
    source = ModelSource(path=checkpoint, family=family)
    with pytest.raises(UnsafeCheckpointError, match=r"pickle checkpoint .*allow_pickle"):
        backend.identity(source)
    with pytest.raises(UnsafeCheckpointError):
        if family in IMAGE_FAMILIES:
            backend.keyframe(make_keyframe_request(source))
        else:
            list(backend.clip(make_clip_request(source)))
    assert not marker.exists()


def test_folder_with_only_pickle_weights_is_refused(tiny_model, tmp_path):
    marker = tmp_path / "payload-ran"
    folder = tmp_path / "model"
    shutil.copytree(tiny_model("sd15").folder, folder)
    for weights in (folder / "unet").glob("*.safetensors"):
        weights.unlink()
    _malicious_checkpoint(folder / "unet" / "diffusion_pytorch_model.bin", marker)
    with pytest.raises(UnsafeCheckpointError, match="unet/diffusion_pytorch_model.bin"):
        DiffusersImageBackend().keyframe(make_keyframe_request(ModelSource(path=folder)))
    assert not marker.exists()


def test_explicitly_allowed_pickle_denoiser_loads(tiny_model, reference_outputs, tmp_path):
    """allow_pickle is the user's explicit opt-in for a file they trust (a plain torch state dict here)."""
    model = tiny_model("sd15")
    checkpoint = tmp_path / "unet.ckpt"
    torch.save(model.pipeline.unet.state_dict(), checkpoint)
    source = ModelSource(path=checkpoint, base=str(model.folder), allow_pickle=True)
    assert np.array_equal(DiffusersImageBackend().keyframe(make_keyframe_request(source)), reference_outputs("sd15"))


@pytest.mark.parametrize("family", IMAGE_FAMILIES)
def test_img2img_uses_denoise_as_strength(family, tiny_model, reference_outputs):
    source = tiny_model(family).source()
    backend = DiffusersImageBackend()
    init = keyframe_image()
    varied = backend.keyframe(make_keyframe_request(source, init_image=init))
    assert varied.shape == (32, 32, 3)
    assert np.array_equal(varied, backend.keyframe(make_keyframe_request(source, init_image=init)))
    assert not np.array_equal(varied, reference_outputs(family))


@pytest.mark.parametrize("family", ["wan22", "ltx"])
def test_first_last_frame_conditioning(family, tiny_model):
    source = tiny_model(family).source()
    last = keyframe_image()[::-1].copy()
    backend = DiffusersVideoBackend()
    with_last = np.stack(list(backend.clip(make_clip_request(source, last_frame=last))))
    without = np.stack(list(backend.clip(make_clip_request(source))))
    assert with_last.shape == without.shape == (6, 32, 32, 3)
    assert not np.array_equal(with_last, without)  # the last frame reaches the model (random weights: no more)


def test_wan21_i2v_refuses_a_last_frame_clearly(tiny_model):
    source = tiny_model("wan").source()
    with pytest.raises(ShotcraftError, match="Wan 2.1 I2V model cannot end on a given last frame"):
        list(DiffusersVideoBackend().clip(make_clip_request(source, last_frame=keyframe_image())))


def test_last_frame_is_refused_by_models_that_cannot_use_it(tiny_model):
    source = tiny_model("svd").source()
    with pytest.raises(ShotcraftError, match="svd cannot end on a given last frame"):
        list(DiffusersVideoBackend().clip(make_clip_request(source, last_frame=keyframe_image())))


def test_wrong_backend_kind_is_a_clear_error(tiny_model):
    with pytest.raises(ShotcraftError, match="'svd' model; the diffusers-image backend takes"):
        DiffusersImageBackend().identity(tiny_model("svd").source())


def test_takes_a_and_b_as_one_batch(tiny_model, reference_outputs):
    """Takes differing only in seed run as one batch: one image per take, take A's seed gives take A's image."""
    source = tiny_model("sd15").source()
    backend = DiffusersImageBackend()
    requests = [make_keyframe_request(source, seed=7, take="A"), make_keyframe_request(source, seed=8, take="B")]
    batched = backend.keyframes(requests)
    assert len(batched) == 2 and not np.array_equal(batched[0], batched[1])
    assert [np.array_equal(a, b) for a, b in zip(batched, backend.keyframes(requests))] == [True, True]
    # a batch matches single calls to within rounding (exactly on the development CPU; GPUs give no such promise,
    # which is why batch_takes stays off by default)
    single = reference_outputs("sd15")
    assert np.abs(batched[0].astype(int) - single).max() <= 2
    # requests that differ in more than the seed are not batched: each equals its single call exactly
    other = make_keyframe_request(source, seed=7, init_image=keyframe_image())
    mixed = backend.keyframes([requests[0], other])
    assert np.array_equal(mixed[0], single)
    assert np.array_equal(mixed[1], backend.keyframe(other))


def test_a1111_full_checkpoint_loads_through_from_single_file(tiny_model, reference_outputs, tmp_path):
    """An original-layout checkpoint (UNet + VAE + CLIP in one .safetensors, as A1111 / ComfyUI keep them)."""
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
    from diffusers_ldm_layout import sd15_checkpoint, unet_to_ldm, vae_to_ldm

    model = tiny_model("sd15")
    unet, vae = model.pipeline.unet, model.pipeline.vae
    # the test's layout is exactly what diffusers' converters read back
    assert set(convert_ldm_unet_checkpoint(unet_to_ldm(unet.state_dict(), dict(unet.config)), dict(unet.config))) \
        == set(unet.state_dict())
    assert set(convert_ldm_vae_checkpoint(vae_to_ldm(vae.state_dict(), dict(vae.config)), dict(vae.config))) \
        == set(vae.state_dict())
    checkpoint = tmp_path / "tiny-a1111.safetensors"
    save_file(sd15_checkpoint(model.pipeline), str(checkpoint))
    source = ModelSource(path=checkpoint, base=str(model.folder))
    identity = DiffusersImageBackend().identity(source)
    assert identity["model"]["layout"] == "checkpoint" and identity["model"]["family"] == "sd15"
    assert np.array_equal(DiffusersImageBackend().keyframe(make_keyframe_request(source)), reference_outputs("sd15"))
    # without a base, diffusers would fetch its default configs from the hub: offline that is one clear line
    with pytest.raises(ShotcraftError, match="could not be loaded as StableDiffusionPipeline"):
        DiffusersImageBackend().keyframe(make_keyframe_request(ModelSource(path=checkpoint)))
