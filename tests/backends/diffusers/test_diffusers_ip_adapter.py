"""IP-Adapter character references on SD 1.5, with a tiny adapter (image encoder + projection + attention
weights) written in the layout of h94/IP-Adapter, offline."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch
from diffusers_tiny_models import keyframe_image, make_keyframe_request
from safetensors.torch import save_file

from shotcraft.backends.diffusers_image import DiffusersImageBackend

EMBED_DIM = 16


def _write_tiny_ip_adapter(folder, unet) -> None:
    """models/image_encoder/ (CLIP vision) and models/ip-adapter_tiny.safetensors, as h94/IP-Adapter lays them out."""
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=32, projection_dim=EMBED_DIM, num_hidden_layers=1,
                                                             num_attention_heads=4, image_size=224, intermediate_size=37,
                                                             patch_size=28)).eval()
    encoder.save_pretrained(folder / "models" / "image_encoder")
    cross = unet.config.cross_attention_dim
    weights = {"image_proj.proj.weight": torch.randn(cross * 4, EMBED_DIM) * 0.2,
               "image_proj.proj.bias": torch.zeros(cross * 4),
               "image_proj.norm.weight": torch.ones(cross), "image_proj.norm.bias": torch.zeros(cross)}
    key_id = 1
    for name, module in unet.named_modules():
        if name.endswith("attn2"):  # cross-attention layers, in the order diffusers numbers them
            inner = module.to_k.out_features
            weights[f"ip_adapter.{key_id}.to_k_ip.weight"] = torch.randn(inner, cross) * 0.5
            weights[f"ip_adapter.{key_id}.to_v_ip.weight"] = torch.randn(inner, cross) * 0.5
            key_id += 2
    save_file(weights, str(folder / "models" / "ip-adapter_tiny.safetensors"))


@pytest.fixture(scope="module")
def adapter_setup(tiny_model, tmp_path_factory):
    model = tiny_model("sd15")
    folder = tmp_path_factory.mktemp("ip-adapter")
    _write_tiny_ip_adapter(folder, model.pipeline.unet)
    reference = folder / "jack.png"
    cv2.imwrite(str(reference), cv2.cvtColor(keyframe_image(48, 48)[:, ::-1].copy(), cv2.COLOR_RGB2BGR))
    source = model.source(ip_adapter=str(folder), ip_adapter_weight="models/ip-adapter_tiny.safetensors",
                          ip_adapter_scale=1.0)
    return model, source, reference


def test_references_steer_the_keyframe_through_ip_adapter(adapter_setup):
    model, source, reference = adapter_setup
    backend = DiffusersImageBackend()
    plain = backend.keyframe(make_keyframe_request(model.source()))
    request = replace(make_keyframe_request(source), references=(reference,))
    steered = backend.keyframe(request)
    assert steered.shape == (32, 32, 3)
    assert not np.array_equal(steered, plain)
    assert np.array_equal(steered, backend.keyframe(request))  # deterministic with the adapter too
    assert backend.settings(request)["references"] == "1 through IP-Adapter at scale 1.0"
    assert "ip_adapter" in backend.identity(source)
    # img2img (a variation of a locked still) takes the references too
    varied = backend.keyframe(replace(make_keyframe_request(source, init_image=keyframe_image()), references=(reference,)))
    assert varied.shape == (32, 32, 3) and not np.array_equal(varied, steered)
    # a shot without references unloads the adapter: back to the plain image, bit for bit
    assert np.array_equal(backend.keyframe(make_keyframe_request(source)), plain)
    assert np.array_equal(backend.keyframe(make_keyframe_request(source, init_image=keyframe_image())),
                          backend.keyframe(make_keyframe_request(model.source(), init_image=keyframe_image())))


def test_references_without_an_adapter_are_reported_not_used(adapter_setup):
    model, _, reference = adapter_setup
    request = replace(make_keyframe_request(model.source()), references=(reference,))
    assert DiffusersImageBackend().settings(request)["references"].endswith("not used: the model names no ip_adapter")


def test_ip_adapter_pickle_weights_are_refused(adapter_setup):
    model, source, reference = adapter_setup
    pickled = source.model_copy(update={"ip_adapter_weight": "models/ip-adapter_tiny.bin"})
    request = replace(make_keyframe_request(pickled), references=(reference,))
    with pytest.raises(Exception, match="IP-Adapter weights models/ip-adapter_tiny.bin are a pickle"):
        DiffusersImageBackend().keyframe(request)
