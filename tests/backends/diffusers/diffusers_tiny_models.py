"""Tiny diffusers pipelines built in code: random weights from small configs, tokenizers built in memory.

Each builder seeds torch before every component (as diffusers' own tests do),
so a builder called twice gives identical weights; ``seed`` changes them all
(used to prove that a single-file denoiser really replaces the base one).
Nothing here touches the network: CLIP tokenizers come from a small vocabulary
and merges, T5 tokenizers from a Unigram vocabulary through the tokenizers
library.
"""

from __future__ import annotations

import string
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from shotcraft.plan.schema import ModelSource
from shotcraft.backends.protocol import ClipRequest, KeyframeRequest

TEXT_DIM = 32


def _seeded(seed: int):
    torch.manual_seed(seed)


def clip_tokenizer(max_length: int = 77) -> Any:
    from transformers import CLIPTokenizer

    tokens = ["<|startoftext|>", "<|endoftext|>"]
    symbols = list(string.ascii_lowercase + string.digits + ".,;:!?'-()+")
    tokens += symbols + [s + "</w>" for s in symbols]
    merges = [("t", "h</w>"), ("e", "r</w>"), ("i", "n"), ("a", "n"), ("o", "n</w>")]
    tokens += ["th</w>", "er</w>", "in", "an", "on</w>"]
    vocab = {token: index for index, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=max_length)


def t5_tokenizer(max_length: int = 64) -> Any:
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [(c, -3.0) for c in string.ascii_lowercase + string.digits + ".,;:!?'-()"]
    pieces += [("\u2581" + c, -2.5) for c in string.ascii_lowercase]
    return T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=max_length)


def _clip_text(vocab_size: int, seed: int, projection: bool = False, hidden: int = TEXT_DIM) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=37, num_hidden_layers=2,
                            num_attention_heads=4, max_position_embeddings=77, projection_dim=hidden,
                            bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_act="gelu")
    _seeded(seed)
    model = (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)
    return model.eval()


def _t5_encoder(vocab_size: int, seed: int, umt5: bool = False) -> Any:
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    kwargs = dict(vocab_size=vocab_size, d_model=TEXT_DIM, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                  relative_attention_num_buckets=8, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    _seeded(seed)
    model = UMT5EncoderModel(UMT5Config(**kwargs)) if umt5 else T5EncoderModel(T5Config(**kwargs))
    return model.eval()


def _vae(seed: int) -> Any:
    from diffusers import AutoencoderKL

    _seeded(seed)
    return AutoencoderKL(block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                         norm_num_groups=4, layers_per_block=1, sample_size=32).eval()


def sd15(seed: int = 0) -> Any:
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel

    _seeded(seed)
    unet = UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=TEXT_DIM,
                                norm_num_groups=4, attention_head_dim=4).eval()
    tokenizer = clip_tokenizer()
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, steps_offset=1,
                              set_alpha_to_one=False)
    return StableDiffusionPipeline(vae=_vae(seed), text_encoder=_clip_text(len(tokenizer), seed), tokenizer=tokenizer,
                                   unet=unet, scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def sdxl(seed: int = 0) -> Any:
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel

    _seeded(seed)
    unet = UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
                                use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
                                transformer_layers_per_block=(1, 1), projection_class_embeddings_input_dim=80,
                                cross_attention_dim=2 * TEXT_DIM, norm_num_groups=4).eval()
    tokenizer = clip_tokenizer()
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       steps_offset=1, timestep_spacing="leading")
    return StableDiffusionXLPipeline(vae=_vae(seed), text_encoder=_clip_text(len(tokenizer), seed),
                                     text_encoder_2=_clip_text(len(tokenizer), seed + 1, projection=True),
                                     tokenizer=tokenizer, tokenizer_2=clip_tokenizer(), unet=unet, scheduler=scheduler,
                                     force_zeros_for_empty_prompt=True)


def flux(seed: int = 0) -> Any:
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel

    _seeded(seed)
    transformer = FluxTransformer2DModel(patch_size=1, in_channels=16, num_layers=1, num_single_layers=1,
                                         attention_head_dim=8, num_attention_heads=2, joint_attention_dim=TEXT_DIM,
                                         pooled_projection_dim=TEXT_DIM, axes_dims_rope=(2, 2, 4)).eval()
    _seeded(seed)
    vae = AutoencoderKL(block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=4, layers_per_block=1, sample_size=32, use_quant_conv=False,
                        use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035).eval()
    tokenizer, tokenizer_2 = clip_tokenizer(), t5_tokenizer()
    return FluxPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                        text_encoder=_clip_text(len(tokenizer), seed, projection=False), tokenizer=tokenizer,
                        text_encoder_2=_t5_encoder(len(tokenizer_2), seed), tokenizer_2=tokenizer_2,
                        transformer=transformer)


def svd(seed: int = 0, num_frames: int = 3) -> Any:
    from diffusers import (AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, StableVideoDiffusionPipeline,
                           UNetSpatioTemporalConditionModel)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    _seeded(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=16, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"), cross_attention_dim=32,
        num_attention_heads=8, projection_class_embeddings_input_dim=96, addition_time_embed_dim=32,
        num_frames=num_frames).eval()
    _seeded(seed)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                                       latent_channels=4, layers_per_block=1).eval()
    _seeded(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=32, projection_dim=32, num_hidden_layers=2,
                                                             num_attention_heads=4, image_size=224,
                                                             intermediate_size=37, patch_size=28)).eval()
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       interpolation_type="linear", num_train_timesteps=1000, prediction_type="v_prediction",
                                       sigma_max=700.0, sigma_min=0.002, steps_offset=1, timestep_spacing="leading",
                                       timestep_type="continuous", trained_betas=None, use_karras_sigmas=True)
    processor = CLIPImageProcessor(crop_size=32, size=32)
    return StableVideoDiffusionPipeline(vae=vae, image_encoder=encoder, unet=unet, scheduler=scheduler,
                                        feature_extractor=processor)


def _wan_vae_and_transformer(seed: int, *, image_dim: int | None) -> tuple[Any, Any]:
    from diffusers import AutoencoderKLWan, WanTransformer3DModel

    _seeded(seed)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True]).eval()
    _seeded(seed)
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=36, out_channels=16, text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32, image_dim=image_dim).eval()
    return vae, transformer


def wan(seed: int = 0) -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    vae, transformer = _wan_vae_and_transformer(seed, image_dim=4)
    _seeded(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=4, projection_dim=4, num_hidden_layers=2,
                                                             num_attention_heads=2, image_size=32,
                                                             intermediate_size=16, patch_size=4)).eval()
    tokenizer = t5_tokenizer()
    return WanImageToVideoPipeline(tokenizer=tokenizer, text_encoder=_t5_encoder(len(tokenizer), seed, umt5=True),
                                   vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                                   image_processor=CLIPImageProcessor(crop_size=32, size=32), image_encoder=encoder,
                                   transformer=transformer)


def wan22(seed: int = 0) -> Any:
    """Wan 2.2 image-to-video layout: no CLIP image encoder, first (and last) frame through the latents."""
    from diffusers import FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline

    vae, transformer = _wan_vae_and_transformer(seed, image_dim=None)  # no CLIP image encoder
    tokenizer = t5_tokenizer()
    return WanImageToVideoPipeline(tokenizer=tokenizer, text_encoder=_t5_encoder(len(tokenizer), seed, umt5=True),
                                   vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                                   image_processor=None, image_encoder=None, transformer=transformer)


def ltx(seed: int = 0) -> Any:
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXConditionPipeline, LTXVideoTransformer3DModel

    _seeded(seed)
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=TEXT_DIM).eval()
    _seeded(seed)
    vae = AutoencoderKLLTXVideo(in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
                                decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
                                decoder_layers_per_block=(1, 1, 1, 1, 1),
                                spatio_temporal_scaling=(True, True, False, False),
                                decoder_spatio_temporal_scaling=(True, True, False, False),
                                decoder_inject_noise=(False, False, False, False, False),
                                upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1),
                                timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True,
                                decoder_causal=False).eval()
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    tokenizer = t5_tokenizer()
    return LTXConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                                text_encoder=_t5_encoder(len(tokenizer), seed), tokenizer=tokenizer,
                                transformer=transformer)


def cogvideox(seed: int = 0) -> Any:
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXImageToVideoPipeline, CogVideoXTransformer3DModel

    _seeded(seed)
    transformer = CogVideoXTransformer3DModel(num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4,
                                              time_embed_dim=2, text_embed_dim=TEXT_DIM, num_layers=1, sample_width=4,
                                              sample_height=4, sample_frames=9, patch_size=2, temporal_compression_ratio=4,
                                              max_text_seq_length=16, use_rotary_positional_embeddings=True,
                                              use_learned_positional_embeddings=False).eval()
    _seeded(seed)
    vae = AutoencoderKLCogVideoX(block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1,
                                 norm_num_groups=2, temporal_compression_ratio=4).eval()
    tokenizer = t5_tokenizer()
    return CogVideoXImageToVideoPipeline(tokenizer=tokenizer, text_encoder=_t5_encoder(len(tokenizer), seed), vae=vae,
                                         transformer=transformer, scheduler=CogVideoXDDIMScheduler())


BUILDERS = {"sd15": sd15, "sdxl": sdxl, "flux": flux, "svd": svd, "wan": wan, "wan22": wan22, "ltx": ltx, "cogvideox": cogvideox}


def build(family: str, seed: int = 0) -> Any:
    pipeline = BUILDERS[family](seed)
    for module in pipeline.components.values():
        if isinstance(module, torch.nn.Module):
            module.eval()
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def denoiser_name(pipeline: Any) -> str:
    return "unet" if "unet" in pipeline.components else "transformer"


# --- requests -----------------------------------------------------------------------------------

IMAGE_FAMILIES = ("sd15", "sdxl", "flux")
VIDEO_FAMILIES = ("svd", "wan", "ltx", "cogvideox")
#: per family: options that keep the tiny runs short (and are part of the contract: options reach the model)
TEST_OPTIONS: dict[str, dict[str, Any]] = {
    "flux": {"max_sequence_length": 16},
    "svd": {"steps": 2},
    "wan": {"steps": 2, "max_sequence_length": 16},
    "wan22": {"steps": 2, "max_sequence_length": 16},
    "ltx": {"steps": 2, "max_sequence_length": 16},
    "cogvideox": {"steps": 2, "max_sequence_length": 16},
}


def keyframe_image(width: int = 32, height: int = 32) -> np.ndarray:
    """A deterministic gradient keyframe (no randomness in tests)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) * 127 // max(1, width + height - 2)],
                    axis=-1).astype(np.uint8)


def make_keyframe_request(model: ModelSource, *, seed: int = 7, init_image: np.ndarray | None = None,
                          width: int = 32, height: int = 32, take: str = "A") -> KeyframeRequest:
    return KeyframeRequest(shot_id="s01", take=take, prompt="a lone detective under a sodium streetlamp",
                           negative_prompt="rain, neon", width=width, height=height, seed=seed, steps=2, cfg=5.5,
                           sampler="dpm++-2m-karras", denoise=0.5 if init_image is not None else 0.3,
                           init_image=init_image, model=model)


def make_clip_request(model: ModelSource, *, seed: int = 7, frames: int = 6, width: int = 32, height: int = 32,
                      last_frame: np.ndarray | None = None, motion: float = 0.35) -> ClipRequest:
    return ClipRequest(shot_id="s01", take="A", prompt="He turns slowly towards the door.",
                       negative_prompt="blurry", keyframe=keyframe_image(), width=width, height=height, fps=Fraction(24),
                       frames=frames, motion=motion, seed=seed, camera_move="static", last_frame=last_frame, model=model)
