"""GPU generation benchmark: full-size diffusion denoisers with random weights, no download.

What it measures, per model (SDXL UNet at 1024x1024, Wan 2.1 1.3B transformer at
480p / 81 frames, LTX-Video 2B transformer at 768x512 / 97 frames):

* seconds per denoising step and per keyframe / clip (steps x step time: the denoiser
  only, which dominates; text encoders and the VAE decode are not counted);
* achieved TFLOP/s (FLOPs of one forward counted by torch's FlopCounterMode) against
  the device's dense bf16 peak;
* the gain of shotcraft's runtime (bf16 + SDPA + torch.compile) over a plain call
  (fp32, the classic attention processor where diffusers still has one: the SDXL UNet);
* the gain from generating takes A and B as one batch over two calls.

Every ratio compares numbers measured in the same run. Weights are random: speed
does not depend on their values. Unattended: ``python bench/gpu_generation.py``
writes bench/results/gpu_generation.json; with no CUDA device it says so and exits 0.
``--tiny`` runs tiny configs on the CPU (a smoke test of this script, numbers meaningless).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

from shotcraft.fsutil import write_json

HERE = Path(__file__).resolve().parent

#: dense bf16 tensor-core peaks (TFLOP/s) from the vendors' data sheets, by device-name fragment
#: (first match wins: the SXM H100 reports itself as "NVIDIA H100 80GB HBM3")
BF16_PEAK_TFLOPS = {"H200": 989.0, "H100 NVL": 835.0, "H100 PCIe": 756.0, "H100": 989.0, "A100": 312.0,
                    "L40S": 362.0, "L4": 121.0, "A10G": 70.0, "RTX 4090": 165.0, "RTX 3090": 71.0}


def sdxl_unet(tiny: bool):
    from diffusers import UNet2DConditionModel

    if tiny:
        return UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=8, norm_num_groups=4,
                                    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
                                    use_linear_projection=True, addition_embed_type="text_time",
                                    addition_time_embed_dim=8, projection_class_embeddings_input_dim=80,
                                    cross_attention_dim=64), 8, 64, 32
    # stabilityai/stable-diffusion-xl-base-1.0 unet/config.json
    return UNet2DConditionModel(
        sample_size=128, block_out_channels=(320, 640, 1280), layers_per_block=2,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), use_linear_projection=True,
        cross_attention_dim=2048, addition_embed_type="text_time", addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816), 128, 2048, 1280


def sdxl_inputs(torch, size: int, context: int, pooled: int, batch: int, device: str, dtype):
    sample = torch.randn(batch, 4, size, size, device=device, dtype=dtype)
    hidden = torch.randn(batch, 77, context, device=device, dtype=dtype)
    added = {"text_embeds": torch.randn(batch, pooled, device=device, dtype=dtype),
             "time_ids": torch.tensor([[size * 8, size * 8, 0, 0, size * 8, size * 8]] * batch, device=device, dtype=dtype)}
    timestep = torch.tensor([500] * batch, device=device)
    return (sample, timestep), {"encoder_hidden_states": hidden, "added_cond_kwargs": added}


def wan_transformer(tiny: bool):
    from diffusers import WanTransformer3DModel

    if tiny:
        return WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8, in_channels=36,
                                     out_channels=16, text_dim=32, ffn_dim=32, num_layers=1, image_dim=None), (2, 8, 8), 32
    # Wan-AI/Wan2.1-T2V-1.3B-Diffusers transformer/config.json, with the 36 input channels of image-to-video
    return WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=36,
                                 out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30,
                                 cross_attn_norm=True, qk_norm="rms_norm_across_heads"), (21, 60, 104), 4096


def wan_inputs(torch, shape, text_dim: int, batch: int, device: str, dtype):
    frames, height, width = shape
    sample = torch.randn(batch, 36, frames, height, width, device=device, dtype=dtype)
    return (), {"hidden_states": sample, "timestep": torch.tensor([500] * batch, device=device),
                "encoder_hidden_states": torch.randn(batch, 512 if text_dim > 32 else 8, text_dim, device=device, dtype=dtype)}


def ltx_transformer(tiny: bool):
    from diffusers import LTXVideoTransformer3DModel

    if tiny:
        return LTXVideoTransformer3DModel(in_channels=8, out_channels=8, num_attention_heads=2, attention_head_dim=8,
                                          cross_attention_dim=16, num_layers=1, caption_channels=32), (2, 4, 4), 32, 8
    # Lightricks/LTX-Video transformer/config.json (2B)
    return LTXVideoTransformer3DModel(in_channels=128, out_channels=128, num_attention_heads=32, attention_head_dim=64,
                                      cross_attention_dim=2048, num_layers=28, caption_channels=4096), (13, 16, 24), 4096, 128


def ltx_inputs(torch, shape, caption: int, channels: int, batch: int, device: str, dtype):
    frames, height, width = shape
    tokens = frames * height * width
    text = 128 if caption > 32 else 8
    return (), {"hidden_states": torch.randn(batch, tokens, channels, device=device, dtype=dtype),
                "encoder_hidden_states": torch.randn(batch, text, caption, device=device, dtype=dtype),
                "timestep": torch.tensor([500] * batch, device=device),
                "encoder_attention_mask": torch.ones(batch, text, device=device, dtype=torch.long),
                "num_frames": frames, "height": height, "width": width}


def build_case(name: str, tiny: bool, torch, device: str):
    """(model, inputs(batch, dtype), steps per take, CFG batch) for one model."""
    if name == "sdxl":
        model, size, context, pooled = sdxl_unet(tiny)
        return model, lambda b, dt: sdxl_inputs(torch, size, context, pooled, b, device, dt), 35
    if name == "wan":
        model, shape, text_dim = wan_transformer(tiny)
        return model, lambda b, dt: wan_inputs(torch, shape, text_dim, b, device, dt), 40
    model, shape, caption, channels = ltx_transformer(tiny)
    return model, lambda b, dt: ltx_inputs(torch, shape, caption, channels, b, device, dt), 40


def time_forward(torch, model, args, kwargs, device: str, repeats: int) -> float:
    """Median seconds of one forward (after a warm-up call)."""
    with torch.inference_mode():
        model(*args, **kwargs)
        times = []
        for _ in range(repeats):
            if device == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            model(*args, **kwargs)
            if device == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def count_flops(torch, model, args, kwargs) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(*args, **kwargs)
    return int(counter.get_total_flops())


def measure(name: str, tiny: bool, device: str, repeats: int, use_compile: bool) -> dict[str, Any]:
    import torch

    fast_dtype = torch.bfloat16 if device == "cuda" else torch.float32
    torch.manual_seed(0)
    model, make_inputs, steps = build_case(name, tiny, torch, device)
    model = model.to(device).eval()
    result: dict[str, Any] = {"steps": steps, "parameters": sum(p.numel() for p in model.parameters())}

    # plain diffusers: fp32 (and the classic attention processor where the model has one)
    if name == "sdxl":
        from diffusers.models.attention_processor import AttnProcessor

        model.set_attn_processor(AttnProcessor())
    args, kwargs = make_inputs(2, torch.float32)  # CFG: conditional + unconditional in one batch
    result["plain_step_s"] = time_forward(torch, model, args, kwargs, device, repeats)
    flops = count_flops(torch, model, args, kwargs)

    # shotcraft's runtime: bf16 + SDPA (+ torch.compile)
    if name == "sdxl":
        from diffusers.models.attention_processor import AttnProcessor2_0

        model.set_attn_processor(AttnProcessor2_0())
    model = model.to(fast_dtype)
    runner = torch.compile(model, dynamic=False) if use_compile else model
    args, kwargs = make_inputs(2, fast_dtype)
    result["fast_step_s"] = time_forward(torch, runner, args, kwargs, device, repeats)
    batch_args, batch_kwargs = make_inputs(4, fast_dtype)  # takes A and B together
    result["batched_ab_step_s"] = time_forward(torch, runner, batch_args, batch_kwargs, device, repeats)

    result["flops_per_step"] = flops
    result["tflops_plain"] = flops / result["plain_step_s"] / 1e12
    result["tflops_fast"] = flops / result["fast_step_s"] / 1e12
    result["gain_fast_over_plain"] = result["plain_step_s"] / result["fast_step_s"]
    result["gain_batched_ab"] = 2 * result["fast_step_s"] / result["batched_ab_step_s"]
    unit = "keyframe" if name == "sdxl" else "clip"
    result[f"seconds_per_{unit}_fast"] = steps * result["fast_step_s"]
    result[f"seconds_per_{unit}_plain"] = steps * result["plain_step_s"]
    del model, runner
    if device == "cuda":
        torch.cuda.empty_cache()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny configs on the CPU: a smoke test of the script")
    parser.add_argument("--models", default="sdxl,wan,ltx")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "gpu_generation.json")
    options = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("gpu_generation: torch is not installed (pip install 'shotcraft[diffusers]'); nothing measured")
        return 0
    if options.tiny:
        device, repeats, use_compile = "cpu", 1, False
    elif not torch.cuda.is_available():
        print("gpu_generation: no CUDA device on this machine; nothing measured (use --tiny for a CPU smoke run)")
        return 0
    else:
        device, repeats, use_compile = "cuda", options.repeats, not options.no_compile
    name = torch.cuda.get_device_name(0) if device == "cuda" else platform.processor() or "cpu"
    peak = next((value for key, value in BF16_PEAK_TFLOPS.items() if key in name), None)
    report: dict[str, Any] = {
        "device": name, "tiny": options.tiny, "compile": use_compile, "bf16_peak_tflops": peak,
        "torch": torch.__version__, "models": {},
    }
    for model_name in options.models.split(","):
        started = time.perf_counter()
        figures = measure(model_name, options.tiny, device, repeats, use_compile)
        if peak:
            figures["fraction_of_peak_fast"] = figures["tflops_fast"] / peak
        figures["wall_s"] = time.perf_counter() - started
        report["models"][model_name] = figures
        print(f"{model_name:>5}: step {figures['fast_step_s']:.4f} s (plain {figures['plain_step_s']:.4f} s, "
              f"x{figures['gain_fast_over_plain']:.2f}), {figures['tflops_fast']:.1f} TFLOP/s, "
              f"A+B batch x{figures['gain_batched_ab']:.2f}")
    write_json(options.out, report)  # atomic: a killed run never leaves a half-written result
    print(f"gpu_generation: wrote {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
