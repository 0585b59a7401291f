"""Prompts past one CLIP window are encoded in chunks (as A1111 / ComfyUI), never silently truncated."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from diffusers_tiny_models import make_keyframe_request

from shotcraft.backends.diffusers_image import generate_keyframes
from shotcraft.backends.diffusers_long_prompts import _encode_sd15, long_prompt_arguments

# the tiny CLIP tokenizer is character-level: this runs to about three 75-token windows
HEAD = "a lone detective under a sodium streetlamp, charcoal overcoat, grey eyes"
LONG = HEAD + ", amber key light from the right, teal fill, cobbled street, light film grain, natural skin, dry night air"


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_short_prompts_keep_the_pipelines_own_path(family, tiny_model) -> None:
    assert long_prompt_arguments(tiny_model(family).pipeline, family, HEAD[:60], "rain") is None


def test_one_chunk_encodes_exactly_as_the_pipeline_does(tiny_model) -> None:
    pipeline = tiny_model("sd15").pipeline
    ids = pipeline.tokenizer(HEAD[:60], add_special_tokens=False).input_ids
    ours = _encode_sd15(pipeline.tokenizer, pipeline.text_encoder, [ids], pipeline.tokenizer.model_max_length - 2)
    theirs, _ = pipeline.encode_prompt(HEAD[:60], torch.device("cpu"), 1, False)
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_the_tail_of_a_long_prompt_changes_the_image_and_stays_deterministic(family, tiny_model) -> None:
    model = tiny_model(family)
    arguments = long_prompt_arguments(model.pipeline, family, LONG, "rain, neon signs")
    assert arguments is not None
    assert arguments["prompt_embeds"].shape[1] == 3 * 77  # three windows, start/end tokens included
    assert arguments["negative_prompt_embeds"].shape == arguments["prompt_embeds"].shape  # padded to match

    request = make_keyframe_request(model.source(), seed=11)
    long_request = dataclasses.replace(request, prompt=LONG)
    other_tail = dataclasses.replace(request, prompt=HEAD + ", cold blue moonlight from the left, crowded avenue, heavy grain, wet asphalt")
    first = generate_keyframes(model.pipeline, family, [long_request])[0]
    again = generate_keyframes(model.pipeline, family, [long_request])[0]
    changed = generate_keyframes(model.pipeline, family, [other_tail])[0]
    assert np.array_equal(first, again)
    assert not np.array_equal(first, changed)  # truncation at 77 tokens would make these equal
