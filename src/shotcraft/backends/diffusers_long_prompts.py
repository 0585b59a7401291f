"""Prompts longer than one CLIP window, encoded the way AUTOMATIC1111 and ComfyUI do.

diffusers' SD 1.5 / SDXL pipelines truncate a prompt after 77 tokens. shotcraft's
compiled keyframe prompts repeat each character sheet verbatim, so they often
run to 150-250 tokens: truncating would silently drop the lighting and texture
charters. Here the token ids are cut into 75-token chunks (at a comma when one
is near the end, :func:`shotcraft.prompts.split_chunks`), each chunk is encoded
with its own start/end tokens, and the chunk embeddings are concatenated along
the sequence. Positive and negative prompts are padded to the same number of
chunks with empty ones. SDXL: the penultimate hidden states of both encoders,
side by side, and the pooled embedding of the first chunk of the second
encoder, as the pipeline's own ``encode_prompt`` takes them.

diffusers has no built-in for this (``compel`` does it, but also changes the
weighting syntax); a prompt that fits one window keeps the pipeline's own path.
"""

from __future__ import annotations

from typing import Any

from shotcraft.prompts import split_chunks

LONG_PROMPT_FAMILIES = ("sd15", "sdxl")


def long_prompt_arguments(pipeline: Any, family: str, prompt: str, negative: str | None) -> dict[str, Any] | None:
    """Pipeline keyword arguments carrying chunked embeddings, or None when both prompts fit one window."""
    if family not in LONG_PROMPT_FAMILIES:
        return None
    pairs = [(pipeline.tokenizer, pipeline.text_encoder)]
    if family == "sdxl":
        pairs.append((pipeline.tokenizer_2, pipeline.text_encoder_2))
    window = pairs[0][0].model_max_length - 2
    texts = (prompt or "", negative or "")
    ids = [[tokenizer(text, add_special_tokens=False).input_ids for text in texts] for tokenizer, _ in pairs]
    if max(len(token_ids) for per_encoder in ids for token_ids in per_encoder) <= window:
        return None
    chunked = [[_chunks(tokenizer, token_ids, window) for token_ids in per_encoder] for (tokenizer, _), per_encoder in zip(pairs, ids, strict=True)]
    count = max(len(chunks) for per_encoder in chunked for chunks in per_encoder)
    for per_encoder in chunked:
        for chunks in per_encoder:
            chunks.extend([] for _ in range(count - len(chunks)))  # pad with empty chunks

    import torch

    with torch.inference_mode():
        if family == "sd15":
            tokenizer, encoder = pairs[0]
            positive, negative_embeds = (_encode_sd15(tokenizer, encoder, chunks, window) for chunks in chunked[0])
            return {"prompt_embeds": positive, "negative_prompt_embeds": negative_embeds}
        encoded = [[_encode_sdxl(tokenizer, encoder, chunks, window) for chunks in per_encoder]
                   for (tokenizer, encoder), per_encoder in zip(pairs, chunked, strict=True)]  # fmt: skip
        (hidden_1, _), (negative_hidden_1, _) = encoded[0]
        (hidden_2, pooled), (negative_hidden_2, negative_pooled) = encoded[1]
        negative_hidden = torch.cat([negative_hidden_1, negative_hidden_2], dim=-1)
        if not (negative or "").strip() and getattr(pipeline.config, "force_zeros_for_empty_prompt", False):
            negative_hidden, negative_pooled = torch.zeros_like(negative_hidden), torch.zeros_like(negative_pooled)
        return {
            "prompt_embeds": torch.cat([hidden_1, hidden_2], dim=-1),
            "negative_prompt_embeds": negative_hidden,
            "pooled_prompt_embeds": pooled,
            "negative_pooled_prompt_embeds": negative_pooled,
        }


def _chunks(tokenizer: Any, token_ids: list[int], window: int) -> list[list[int]]:
    comma = tokenizer.convert_tokens_to_ids(",</w>")
    chunks = split_chunks(token_ids, lambda token: token == comma, size=window)
    return [chunk for chunk in chunks if chunk] or [[]]


def _window_ids(tokenizer: Any, chunk: list[int], window: int, device: Any) -> Any:
    import torch

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ids = [tokenizer.bos_token_id, *chunk, tokenizer.eos_token_id] + [pad] * (window - len(chunk))
    return torch.tensor([ids], device=device)


def _encode_sd15(tokenizer: Any, encoder: Any, chunks: list[list[int]], window: int) -> Any:
    import torch

    return torch.cat([encoder(_window_ids(tokenizer, chunk, window, encoder.device))[0] for chunk in chunks], dim=1)


def _encode_sdxl(tokenizer: Any, encoder: Any, chunks: list[list[int]], window: int) -> tuple[Any, Any]:
    import torch

    hidden, pooled = [], None
    for chunk in chunks:
        output = encoder(_window_ids(tokenizer, chunk, window, encoder.device), output_hidden_states=True)
        hidden.append(output.hidden_states[-2])
        if pooled is None:
            pooled = output[0]  # text_embeds of the projection encoder: the first chunk's, as A1111
    return torch.cat(hidden, dim=1), pooled
