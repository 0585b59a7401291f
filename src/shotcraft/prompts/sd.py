"""Tag-style prompts for CLIP-conditioned image models (SD 1.5, SDXL, AnimateDiff).

CLIP reads a bag of short phrases and weighs the first ones most, and it
sees 75 content tokens per window. So: comma-separated tags, most important
first (framing, subject, the character sheet, then light, place, palette,
texture), a repeated tag said once; the budget (:mod:`shotcraft.prompts.budgets`)
drops from the end and says what it dropped.

Order of a keyframe prompt (importance first: subject and action, character,
light, place, texture): framing, lens, subject, take variant, emotion, each
character's descriptors then wardrobe as far as the framing shows them (plan
order, verbatim), each prop's sheet (verbatim), blocking, gaze, the shot's
effective light, the brief's place, geography (when the framing shows it),
time, weather, the location's description, palette, texture. A clip prompt adds the action, the timing beats (CLIP cannot place
them in time; they still name the reaction) and the camera after the subject.

Character names are left out: CLIP knows "Jack" as a tool and a card, not as
this man; the descriptors carry the identity. Blocking keeps the name
because it only matters in shots with two people.

Weighting (``PromptOptions.weights``) writes the subject as
``(subject:1.2)`` in the syntax A1111, ComfyUI and compel read, and escapes
literal parentheses in plan text so they are not read as emphasis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shotcraft.prompts.base import Family, PromptOptions
from shotcraft.prompts.ingredients import Ingredients, format_number


class _Tags:
    """Ordered tags; a repeat of an earlier tag is dropped, except character-sheet tags, which always stay."""

    def __init__(self, escape: bool) -> None:
        self._tags: list[tuple[str, bool]] = []
        self._escape = escape

    def add(self, *texts: str | None, split: bool = True, locked: bool = False) -> None:
        for text in texts:
            if not text:
                continue
            parts = text.split(",") if split else [text]
            for part in parts:
                part = part.strip().rstrip(".;:")  # a sentence's full stop is noise inside a tag list
                if part:
                    self._tags.append((self.escape(part), locked))

    def add_raw(self, text: str) -> None:
        """A tag already in final syntax (a weighted group): never split or escaped."""
        self._tags.append((text, True))

    def escape(self, text: str) -> str:
        """Literal brackets in plan text, escaped so weighting parsers do not read them as emphasis."""
        if not self._escape:
            return text
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("[", "\\[").replace("]", "\\]")

    def text(self) -> str:
        locked = {tag.casefold() for tag, is_locked in self._tags if is_locked}
        seen: set[str] = set()
        kept = []
        for tag, is_locked in self._tags:
            key = tag.casefold()
            if not is_locked and (key in seen or key in locked):
                continue  # said already, or said verbatim by a locked tag
            seen.add(key)
            kept.append(tag)
        return ", ".join(kept)


def _subject(tags: _Tags, parts: Ingredients, options: PromptOptions) -> None:
    if parts.subject is None:
        return
    if options.weights:
        inner = tags.escape(parts.subject)
        tags.add_raw(f"({inner}:{format_number(options.subject_weight)})")
    else:
        tags.add(parts.subject)


def _people(tags: _Tags, parts: Ingredients) -> None:
    for sheet in parts.characters:
        tags.add(*sheet.descriptors, locked=True)
        tags.add(*sheet.wardrobe, locked=True)
    for prop in parts.props:
        tags.add(*prop.descriptors, locked=True)
    if len(parts.characters) > 1:
        for sheet in parts.characters:
            if sheet.placement:
                tags.add(f"{sheet.name} {sheet.placement}", split=False)
    tags.add(parts.gaze)


def _world(tags: _Tags, parts: Ingredients) -> None:
    # Light (one of the five intention answers) before place, place before texture: the
    # importance order the budget drops from the end of (shotcraft.prompts.budgets).
    light = parts.lighting
    tags.add(light.source)
    if light.direction:
        tags.add(f"key light {light.direction}")
    if light.kelvin:
        tags.add(f"{light.kelvin}K light")
    tags.add(light.quality)
    tags.add(parts.place, parts.geography)
    tags.add(parts.time, parts.weather, parts.location)
    tags.add(*parts.palette)
    tags.add(*parts.texture)


def keyframe(parts: Ingredients, options: PromptOptions) -> str:
    tags = _Tags(escape=options.weights)
    tags.add(parts.framing, parts.focal_length)
    _subject(tags, parts, options)
    tags.add(parts.variant, parts.emotion)
    _people(tags, parts)
    _world(tags, parts)
    return tags.text()


def clip(parts: Ingredients, options: PromptOptions) -> str:
    tags = _Tags(escape=options.weights)
    tags.add(parts.framing, parts.focal_length)
    _subject(tags, parts, options)
    tags.add(parts.variant)
    tags.add(parts.action, split=False)
    for beat in parts.beats:
        tags.add(beat.text, split=False)
    tags.add(*parts.camera)
    tags.add(parts.emotion)
    _people(tags, parts)
    _world(tags, parts)
    return tags.text()


def negative(terms: Sequence[str]) -> str:
    return ", ".join(terms)


def check(parts: Ingredients, label: str, text: str) -> list[str]:
    # Length is the budget's business (shotcraft.prompts.budgets): it drops and reports.
    warnings = []
    if "negative" not in label:
        for match in _NEGATED_TAG.finditer(text):
            tag, rest = match.group(1), match.group(2)
            # Same text for the keyframe and the clip prompt, so the take lists it once.
            warnings.append(
                f"shot {parts.shot_id} take {parts.take}: the tag {tag!r} is read by CLIP as {rest!r}, "
                f"not as its negation; list {rest!r} in the prohibitions instead"
            )
    return warnings


#: a tag that starts with a negation: "no retouching"
_NEGATED_TAG = re.compile(r"(?:^|,\s*)((?:no|not|without|never)\s+([^,]+))", re.IGNORECASE)


FAMILY = Family(
    name="sd",
    summary="tag-style, for CLIP-conditioned image models (SD 1.5, SDXL, AnimateDiff)",
    keyframe=keyframe,
    clip=clip,
    negative=negative,
    check=check,
)
