"""Midjourney prompts: one text the user pastes as is, with aspect, negatives and weights in its syntax.

Midjourney reads a prompt as text, then parameters: ``--ar W:H`` (integer
ratio, from the film's format: 7:3 for the seed's cliff film), ``--no a, b``
(the negatives, which Midjourney applies as a -0.5 weight), ``--seed N`` (the
take's seed; 0-4294967295). ``::`` splits the text into parts weighed
separately (``part::2``), so the compiler weighs the seed's importance order:
subject and action ``::2``, the locked sheets ``::1.5``, light ``::1``, place
and texture ``::0.5``. A clip prompt (Midjourney's image-to-video) adds the
action and ``--motion low`` or ``high`` from the take's motion strength.

Plan text cannot break the syntax: ``::`` in it becomes ``:`` and a leading
``--`` becomes ``-`` (Midjourney would read them as weights and parameters).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from shotcraft.prompts.base import Family, PromptOptions, unique_phrases
from shotcraft.prompts.ingredients import Ingredients

#: motion strength at or above this is "--motion high"
HIGH_MOTION = 0.5


def clean(text: str) -> str:
    """Plan text made inert for Midjourney's parser."""
    text = text.replace("::", ":")
    return re.sub(r"(^|\s)--+(?=\S)", r"\1-", text)


def aspect(text: str) -> str:
    """'7:3' -> '7:3'; '2.39:1' -> '239:100' (Midjourney takes integer ratios only)."""
    width, _, height = text.partition(":")
    ratio = Fraction(width) / Fraction(height)
    return f"{ratio.numerator}:{ratio.denominator}"


def _part(texts: Sequence[str | None], weight: str) -> str | None:
    phrases = [phrase.rstrip(".;:") for phrase in unique_phrases([clean(t) for t in texts if t])]
    phrases = [phrase for phrase in phrases if phrase]
    return f"{', '.join(phrases)}::{weight}" if phrases else None


def _parts(parts: Ingredients, clip: bool) -> list[str]:
    head = [parts.framing, parts.subject, parts.variant]
    if clip:
        head += [parts.action, *(beat.text for beat in parts.beats)]
    head.append(parts.emotion)
    sheets = [text for sheet in parts.characters for text in (*sheet.descriptors, *sheet.wardrobe)]
    sheets += [text for prop in parts.props for text in prop.descriptors]
    light = parts.lighting
    light_texts = [light.source, light.direction and f"key light {light.direction}", light.kelvin and f"{light.kelvin}K light", light.quality]
    place = [parts.place, parts.geography, parts.time, parts.weather, parts.location]
    look = [*parts.palette, *parts.texture]
    weighted = [_part(head, "2"), _part(sheets, "1.5"), _part([t for t in light_texts if t], "1"), _part(place, "0.5"), _part(look, "0.5")]
    return [part for part in weighted if part]


def _parameters(parts: Ingredients, clip: bool) -> str:
    params = [f"--ar {aspect(parts.aspect)}"]
    if parts.seed is not None:
        params.append(f"--seed {parts.seed % 2**32}")
    if clip:
        params.append("--motion " + ("high" if parts.motion >= HIGH_MOTION else "low"))
    return " ".join(params)


def keyframe(parts: Ingredients, options: PromptOptions) -> str:
    return " ".join(_parts(parts, clip=False))


def clip(parts: Ingredients, options: PromptOptions) -> str:
    return " ".join(_parts(parts, clip=True))


def negative(terms: Sequence[str]) -> str:
    return ", ".join(clean(term) for term in terms)


def finish(parts: Ingredients, label: str, prompt: str, negative_text: str) -> tuple[str, str, list[str]]:
    """Parameters (and the negatives as --no) go into the one text the user pastes."""
    text = f"{prompt} {_parameters(parts, clip=label == 'clip')}"
    if negative_text:
        text += f" --no {negative_text}"
    return text, "", []


def check(parts: Ingredients, label: str, text: str) -> list[str]:
    return []


FAMILY = Family(
    name="midjourney",
    summary="Midjourney: one pasted text with ::weights, --ar, --seed and --no",
    keyframe=keyframe,
    clip=clip,
    negative=negative,
    check=check,
    finish=finish,
)
