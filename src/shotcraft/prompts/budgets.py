"""Prompt budgets per model family, and fitting a prompt into one by importance.

Every text encoder reads a bounded prompt. What happens past the bound
differs: CLIP (SD 1.5, SDXL) sees 77 positions per window; shotcraft's
diffusers backend encodes every 75-token chunk and concatenates them
(:mod:`shotcraft.backends.diffusers_long_prompts`, as A1111 and ComfyUI do),
so nothing is cut, but each chunk is encoded without the others and what
comes late weighs little; T5 encoders cut at their pipeline's
``max_sequence_length``; cloud providers refuse or cut past their documented
limit. So each family has a budget (:data:`BUDGETS`), and
:func:`fit` drops whole ingredients, least important first (texture,
palette, place, light; never the subject, action, beats, framing or the
locked character and prop sheets), until the prompt fits, and reports
every drop. A prompt that still does not fit is reported too, never cut
silently.

Token counts use :func:`shotcraft.prompts.tokens.estimate_tokens` (a CLIP
estimate that errs high; for T5 SentencePiece on English it is a fair
proxy); provider limits are counted in characters or words as documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from shotcraft.prompts.ingredients import Ingredients
from shotcraft.prompts.tokens import CHUNK_TOKENS, estimate_tokens


@dataclass(frozen=True)
class Budget:
    target: str  # "sdxl", "wan", "runway" ...
    limit: int
    unit: str  # "CLIP tokens", "T5 tokens", "characters", "words"
    source: str  # where the number comes from

    def measure(self, text: str) -> int:
        if self.unit == "characters":
            return len(text)
        if self.unit == "words":
            return len(text.split())
        return estimate_tokens(text)

    def describe(self) -> str:
        return f"{self.target}: {self.limit} {self.unit}"


#: the budget table; see docs/prompts.md for each source
BUDGETS: dict[str, Budget] = {
    budget.target: budget
    for budget in (
        Budget("sd15", 2 * CHUNK_TOKENS, "CLIP tokens", "CLIP ViT-L/14: 77 positions (75 content) per window; shotcraft encodes every chunk, budget two windows so the second still carries weight"),
        Budget("sdxl", 2 * CHUNK_TOKENS, "CLIP tokens", "CLIP ViT-L/14 + OpenCLIP bigG: 77 positions per window, both encoders; budget two windows as for sd15"),
        Budget("flux", 512, "T5 tokens", "FluxPipeline max_sequence_length 512 (FLUX.1-dev; T5-XXL)"),
        Budget("flux-schnell", 256, "T5 tokens", "FLUX.1-schnell max_sequence_length 256"),
        Budget("wan", 512, "T5 tokens", "WanPipeline max_sequence_length 512 (umT5-XXL)"),
        Budget("ltx", 128, "T5 tokens", "LTXPipeline max_sequence_length default 128 (T5-XXL)"),
        Budget("cogvideox", 226, "T5 tokens", "CogVideoXPipeline max_sequence_length 226 (T5-XXL)"),
        Budget("veo", 1024, "T5 tokens", "Veo on the Gemini API / Vertex AI: prompts up to 1024 tokens"),
        Budget("runway", 1000, "characters", "Runway API image_to_video: promptText at most 1000 characters"),
        Budget("luma", 1000, "characters", "Luma Dream Machine API: no published limit; budgeted like Runway"),
        Budget("kling", 2500, "characters", "Kling API: prompt and negative_prompt at most 2500 characters each"),
        Budget("midjourney", 60, "words", "Midjourney: no hard limit, but its prompt guide advises short prompts; words past ~60 barely count"),
    )
}

#: the budget a prompt family uses when the model is not known
FAMILY_TARGETS: dict[str, str] = {
    "sd": "sdxl",
    "prose": "cogvideox",  # the shortest of the common open video models but LTX's default
    "midjourney": "midjourney",
    "veo": "veo",
    "runway": "runway",
    "luma": "luma",
    "kling": "kling",
}

#: words in a model's family, repo id or path that name its budget, most specific first
_MODEL_HINTS: tuple[tuple[str, str], ...] = (
    ("schnell", "flux-schnell"), ("flux", "flux"), ("cogvideo", "cogvideox"), ("ltx", "ltx"), ("wan", "wan"),
    ("xl", "sdxl"), ("sd15", "sd15"), ("stable-diffusion-v1", "sd15"), ("sd1", "sd15"),
)


def target_for(family: str, model: object | None = None) -> str:
    """The budget target for a prompt family and (when known) a model source."""
    if model is not None:
        declared = getattr(model, "family", None)
        if declared in BUDGETS:
            return str(declared)
        words = " ".join(str(getattr(model, name, "") or "") for name in ("family", "repo", "path")).lower()
        for hint, target in _MODEL_HINTS:
            if hint in words:
                return target
    return FAMILY_TARGETS.get(family, "sdxl")


def budget(target: str) -> Budget:
    return BUDGETS[target]


def _light(parts: Ingredients, **changes: object) -> Ingredients:
    return replace(parts, lighting=replace(parts.lighting, **changes))


#: what can go, least important first: (name, is it there?, without it)
DROP_ORDER: tuple[tuple[str, Callable[[Ingredients], object], Callable[[Ingredients], Ingredients]], ...] = (
    ("texture", lambda p: p.texture, lambda p: replace(p, texture=())),
    ("palette", lambda p: p.palette, lambda p: replace(p, palette=())),
    ("location description", lambda p: p.location, lambda p: replace(p, location=None)),
    ("weather", lambda p: p.weather, lambda p: replace(p, weather=None)),
    ("time", lambda p: p.time, lambda p: replace(p, time=None)),
    ("place", lambda p: p.place, lambda p: replace(p, place=None)),
    ("geography", lambda p: p.geography, lambda p: replace(p, geography=None)),
    ("light quality", lambda p: p.lighting.quality, lambda p: _light(p, quality=None)),
    ("light temperature", lambda p: p.lighting.kelvin, lambda p: _light(p, kelvin=None)),
    ("light direction", lambda p: p.lighting.direction, lambda p: _light(p, direction=None)),
    ("light source", lambda p: p.lighting.source, lambda p: _light(p, source=None)),
    ("gaze", lambda p: p.gaze, lambda p: replace(p, gaze=None)),
    ("emotion", lambda p: p.emotion, lambda p: replace(p, emotion=None)),
    ("focal length", lambda p: p.focal_length, lambda p: replace(p, focal_length=None)),
)


@dataclass(frozen=True)
class Fitted:
    text: str
    size: int  # in the budget's unit
    dropped: tuple[tuple[str, str], ...]  # (ingredient, its text) in drop order
    over: bool  # still over budget after every allowed drop


def _said(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def fit(parts: Ingredients, render: Callable[[Ingredients], str], limit: Budget) -> Fitted:
    """Render ``parts``; while over ``limit``, drop the least important ingredient still present."""
    text = render(parts)
    dropped: list[tuple[str, str]] = []
    for name, present, without in DROP_ORDER:
        if limit.measure(text) <= limit.limit:
            break
        value = present(parts)
        if not value:
            continue
        parts = without(parts)
        dropped.append((name, _said(value)))
        text = render(parts)
    size = limit.measure(text)
    return Fitted(text, size, tuple(dropped), size > limit.limit)
