"""Sentence-style prompts for T5/LLM-conditioned models (Wan, LTX-Video, CogVideoX, Veo; FLUX stills).

These encoders read grammar and order of events, so a shot is written as a
short paragraph: framing and subject, the people (their sheet verbatim), the
setting, the action, the timing triggers as time-ordered sentences ("At
1.5 s Jack suddenly freezes and turns"), then camera, light and style as
labelled sentences. A keyframe prompt describes the first frame only: no
action, beats or camera movement.

Who acts in a beat: a beat that starts with its own subject (a character's
name or id, a pronoun, an article: "the keys drop") is used as written; a
beat that starts with a verb gets the name of the shot's one character
("Jack suddenly freezes"); in a shot with several or no characters it gets
the names joined ("Jack and Lucas ...") or no subject, and a warning asks
the director to write who acts. Names, not pronouns: the plan does not
record pronouns, and guessing them from text would not be deterministic in
any useful sense.

Token budget: these encoders cut long prompts (CogVideoX at 226 tokens,
LTX-Video's pipeline default at 128, Wan at 512): :mod:`shotcraft.prompts.budgets`
fits the prompt by importance and reports what it dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from shotcraft.prompts.base import Family, PromptOptions, and_join, sentence, unique_phrases
from shotcraft.prompts.ingredients import Beat, CharacterSheet, Ingredients, PropSheet, format_seconds

_OWN_SUBJECT_WORDS = frozenset(
    "he she they it his her their its the a an this that these those someone something everyone nothing both".split()
)


def _framing(parts: Ingredients) -> str:
    return sentence(", ".join(text for text in (parts.framing, parts.focal_length) if text))


def _person(sheet: CharacterSheet) -> str:
    body = ", ".join(sheet.descriptors)
    if body and sheet.wardrobe:
        return sentence(f"{sheet.name}: {body}, wearing {and_join(sheet.wardrobe)}")
    if sheet.wardrobe:
        return sentence(f"{sheet.name} wears {and_join(sheet.wardrobe)}")
    if body:
        return sentence(f"{sheet.name}: {body}")
    return ""


def _prop(prop: PropSheet) -> str:
    body = ", ".join(prop.descriptors)
    return sentence(f"{prop.name}: {body}") if body else ""


def _people(parts: Ingredients) -> list[str]:
    lines = [_person(sheet) for sheet in parts.characters]
    lines += [_prop(prop) for prop in parts.props]
    lines += [sentence(f"{sheet.name} is {sheet.placement}") for sheet in parts.characters if sheet.placement]
    if parts.gaze:
        who = parts.characters[0].name if len(parts.characters) == 1 else "The subject"
        lines.append(sentence(f"{who} is {parts.gaze}"))
    return lines


def _setting(parts: Ingredients) -> list[str]:
    lines = []
    where = "; ".join(text for text in (parts.place, parts.location) if text)
    if where:
        lines.append(sentence(f"Setting: {where}"))
    if parts.geography:
        lines.append(sentence(f"Layout: {parts.geography}"))
    when = "; ".join(text for text in (parts.time, parts.weather) if text)
    if when:
        lines.append(sentence(f"Time and weather: {when}"))
    return lines


def _style(parts: Ingredients) -> list[str]:
    light = parts.lighting
    light_parts = [light.source, light.direction and f"key light {light.direction}", light.kelvin and f"about {light.kelvin} K", light.quality]
    lines = []
    light_text = ", ".join(str(part) for part in light_parts if part)
    if light_text:
        lines.append(sentence(f"Lighting: {light_text}"))
    if parts.palette:
        lines.append(sentence(f"Palette: {', '.join(unique_phrases(parts.palette))}"))
    if parts.texture:
        lines.append(sentence(f"Texture: {', '.join(unique_phrases(parts.texture))}"))
    return lines


def _first_word(text: str) -> str:
    words = text.split()
    if not words:
        return ""
    word = words[0].strip(",.;:'\"").casefold()
    return word.removesuffix("'s").removesuffix("\u2019s")


def beat_has_subject(parts: Ingredients, beat: Beat) -> bool:
    words = beat.text.split()
    if not words:
        return True
    first = _first_word(beat.text)
    names = {sheet.name.casefold() for sheet in parts.characters} | {sheet.id.casefold() for sheet in parts.characters}
    first_name_words = {name.split()[0] for name in names if name.split()}
    return first in _OWN_SUBJECT_WORDS or first in names or first in first_name_words


def beat_sentence(parts: Ingredients, beat: Beat) -> str:
    when = f"At {format_seconds(beat.at)} s"
    text = beat.text.strip().rstrip(",;:")
    if beat_has_subject(parts, beat):
        if _first_word(text) in _OWN_SUBJECT_WORDS:
            text = text[0].lower() + text[1:]  # "The keys drop" -> "At 2 s the keys drop"
        return sentence(f"{when} {text}")
    if parts.characters:
        return sentence(f"{when} {and_join([sheet.name for sheet in parts.characters])} {text}")
    return sentence(f"{when}, {text}")


def keyframe(parts: Ingredients, options: PromptOptions) -> str:
    lines = [_framing(parts)]
    lines += [sentence(text) for text in (parts.subject, parts.variant) if text]
    if parts.emotion:
        lines.append(sentence(f"Mood: {parts.emotion}"))
    lines += _people(parts) + _setting(parts) + _style(parts)
    return " ".join(line for line in lines if line)


def clip(parts: Ingredients, options: PromptOptions) -> str:
    lines = [_framing(parts)]
    lines += [sentence(text) for text in (parts.subject, parts.variant) if text]
    if parts.emotion:
        lines.append(sentence(f"Mood: {parts.emotion}"))
    lines += _people(parts) + _setting(parts)
    if parts.action:
        lines.append(sentence(parts.action))
    lines += [beat_sentence(parts, beat) for beat in parts.beats]
    if parts.end_subject:
        lines.append(sentence(f"The shot ends on {parts.end_subject}"))
    if parts.end_blocking:
        placed = and_join([f"{name} {placement}" for name, placement in parts.end_blocking])
        lines.append(sentence(f"In the last frame: {placed}"))
    lines.append(sentence(f"Camera: {', '.join(parts.camera)}"))
    lines += _style(parts)
    return " ".join(line for line in lines if line)


def negative(terms: Sequence[str]) -> str:
    # Wan, LTX and CogVideoX read negatives as a plain list, like CLIP models.
    return ", ".join(terms)


def check(parts: Ingredients, label: str, text: str) -> list[str]:
    warnings = []
    if label.startswith("clip prompt") and len(parts.characters) != 1:
        for beat in parts.beats:
            if not beat_has_subject(parts, beat):
                who = "several characters" if parts.characters else "no character"
                warnings.append(
                    f"shot {parts.shot_id}: trigger at {format_seconds(beat.at)} s has no subject "
                    f"and the shot has {who}; write who acts ('Lucas suddenly turns')"
                )
    return warnings


FAMILY = Family(
    name="prose",
    summary="sentence-style, for T5/LLM-conditioned models (Wan, LTX-Video, CogVideoX, Veo, FLUX)",
    keyframe=keyframe,
    clip=clip,
    negative=negative,
    check=check,
)
