"""A tiny SD 1.5 pipeline written as an A1111 / original-LDM single-file checkpoint (for the loader tests).

The inverse of diffusers' own single-file converters, for the layouts the tiny models use: UNet keys under
``model.diffusion_model.``, VAE under ``first_stage_model.`` (attention as 1x1 convs), CLIP under
``cond_stage_model.transformer.text_model.``. The tests check that diffusers' converters map it back.
"""

from __future__ import annotations

import re
from typing import Any


def unet_to_ldm(state: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    L = config["layers_per_block"]  # noqa: N806 - the LDM papers' name
    inner = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
             ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection")]
    out = {}
    for key, value in state.items():
        k = key
        k = k.replace("conv_in.", "input_blocks.0.0.").replace("time_embedding.linear_1.", "time_embed.0.")
        k = k.replace("time_embedding.linear_2.", "time_embed.2.").replace("conv_norm_out.", "out.0.").replace("conv_out.", "out.2.")
        m = re.match(r"down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", k)
        if m:
            i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
            k = f"input_blocks.{1 + i * (L + 1) + j}.{0 if kind == 'resnets' else 1}.{rest}"
        m = re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", k)
        if m:
            k = f"input_blocks.{(int(m[1]) + 1) * (L + 1)}.0.op.{m[2]}"
        m = re.match(r"mid_block\.(resnets|attentions)\.(\d+)\.(.*)", k)
        if m:
            k = f"middle_block.{1 if m[1] == 'attentions' else 2 * int(m[2])}.{m[3]}"
        m = re.match(r"up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", k)
        if m:
            i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
            k = f"output_blocks.{i * (L + 1) + j}.{0 if kind == 'resnets' else 1}.{rest}"
        m = re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", k)
        if m:
            i = int(m[1])
            has_attn = any(x.startswith(f"up_blocks.{i}.attentions.") for x in state)
            k = f"output_blocks.{i * (L + 1) + L}.{2 if has_attn else 1}.conv.{m[2]}"
        if k.startswith(("input_blocks", "middle_block", "output_blocks")):
            parts = k.split(".")
            head = 3 if parts[0] != "middle_block" else 2
            tail = ".".join(parts[head:])
            for a, b in inner:
                if tail.startswith(a + "."):
                    tail = b + tail[len(a):]
            k = ".".join(parts[:head] + [tail])
        out["model.diffusion_model." + k] = value
    return out

def vae_to_ldm(state: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    n = len(config["block_out_channels"])
    out = {}
    for key, value in state.items():
        k = key
        k = re.sub(r"^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.", r"encoder.down.\1.block.\2.", k)
        k = re.sub(r"^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.", r"encoder.down.\1.downsample.", k)
        m = re.match(r"^decoder\.up_blocks\.(\d+)\.(resnets\.(\d+)|upsamplers\.0)\.(.*)", k)
        if m:
            level = n - 1 - int(m[1])
            k = f"decoder.up.{level}.block.{m[3]}.{m[4]}" if m[3] is not None else f"decoder.up.{level}.upsample.{m[4]}"
        k = re.sub(r"^(encoder|decoder)\.mid_block\.resnets\.(\d+)\.", lambda mm: f"{mm[1]}.mid.block_{int(mm[2]) + 1}.", k)
        k = re.sub(r"^(encoder|decoder)\.mid_block\.attentions\.0\.", r"\1.mid.attn_1.", k)
        k = k.replace("conv_norm_out", "norm_out").replace("conv_shortcut", "nin_shortcut")
        if ".mid.attn_1." in k:
            k = k.replace("group_norm", "norm").replace("to_q", "q").replace("to_k", "k").replace("to_v", "v").replace("to_out.0", "proj_out")
            if k.endswith("weight") and value.ndim == 2:
                value = value[:, :, None, None]
        out["first_stage_model." + k] = value
    return out


def sd15_checkpoint(pipeline: Any) -> dict[str, Any]:
    """Every component of a tiny SD 1.5 pipeline in one original-layout state dict."""
    state = {}
    state.update(unet_to_ldm(pipeline.unet.state_dict(), dict(pipeline.unet.config)))
    state.update(vae_to_ldm(pipeline.vae.state_dict(), dict(pipeline.vae.config)))
    # CLIP as transformers 4.x-5.5 names it (`text_model.embeddings...`); transformers 5.6 flattened CLIPTextModel
    # (`embeddings...`), so the prefix is normalised: both give the one original layout diffusers looks for
    text_encoder = {k.removeprefix("text_model."): v for k, v in pipeline.text_encoder.state_dict().items()}
    state.update({"cond_stage_model.transformer.text_model." + k: v for k, v in text_encoder.items()})
    return {k: v.contiguous() for k, v in state.items()}
