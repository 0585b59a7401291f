"""3xx: prompt and texture: specificity, sharpness, style associations, the 12-line brief, keyframe settings."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from shotcraft.lint.context import LintContext, Text, first_match, shot_mentions
from shotcraft.lint.registry import Hit, Severity, rule
from shotcraft.lint.vocab import compile_terms, style_associations, vocabulary
from shotcraft.plan import presets
from shotcraft.plan.schema import BRIEF_FIELDS, Grain

#: words that may stand before a noun without qualifying it ("at the door", "into a car")
_NOT_QUALIFIERS = frozenset(
    "a an the his her their its one some that this these those my your our "
    "at on in into to from by of through towards toward near behind beside under over past outside inside "
    "with without and or but then front back for as is are was were".split()
)
#: brief lines a location supplies when the shot leaves them out
_FROM_LOCATION = {"place": "description", "time": "time_of_day", "weather": "weather"}


@functools.cache
def _bare_noun_pattern() -> re.Pattern[str]:
    """A determiner directly followed by one of the vague nouns: 'the door', 'a car'."""
    vocab = vocabulary("vague_objects")
    determiners = "|".join(re.escape(d) for d in vocab.option("determiners", ["a", "an", "the"]))
    nouns = "|".join(re.escape(n) for n in sorted(vocab.terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{determiners})\s+({nouns})s?\b(?![\w-])", re.I)


@functools.cache
def _any_use_pattern(noun: str) -> re.Pattern[str]:
    """Any word followed by the noun, to see whether some mention qualifies it."""
    return re.compile(rf"([\w'-]+)\s+{re.escape(noun)}s?\b(?![\w-])", re.I)


def _vague_nouns(texts: list[Text], context: list[str]) -> tuple[Text, str] | None:
    bare = _bare_noun_pattern()
    for text in texts:
        for match in bare.finditer(text.value):
            noun = match.group(1).lower()
            uses = _any_use_pattern(noun)
            if not any(m.group(1).lower() not in _NOT_QUALIFIERS for line in context for m in uses.finditer(line)):
                return text, match.group(1)
    return None


@rule(
    "SC301",
    "vague-object",
    Severity.WARNING,
    lesson="Tame the Hallucinations: be aggressively specific",
    summary="a door, car or building with no qualifier",
    vocabularies=("vague_objects",),
)
def vague_object(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        texts = ctx.prompt_texts(index)
        context = [t.value for t in texts] + [t.value for t in ctx.location_texts(shot.location)]
        found = _vague_nouns(texts, context)
        if found:
            text, noun = found
            yield Hit(
                text.path,
                f"shot {shot.id}: {noun!r} with no qualifier; the model will pick any {noun}",
                f"say which {noun}: material, size, colour, count ('the single green wooden apartment door')",
                shot.id,
            )


@rule(
    "SC302",
    "over-sharp-texture-request",
    Severity.WARNING,
    lesson="Too much sharpness",
    summary="'4k ultra detailed', 'hyper sharp' and the like",
    vocabularies=("oversharp",),
)
def over_sharp_texture_request(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("oversharp")
    texture = ctx.film.charters.texture
    if texture.sharpness == "crisp":
        yield Hit(
            ("charters", "texture", "sharpness"),
            "texture charter asks for crisp sharpness: the video-game render",
            "sharpness: natural, with light grain",
        )
    for field in ("notes", "skin"):
        term = words.find(getattr(texture, field) or "")
        if term:
            yield Hit(("charters", "texture", field), f"texture charter asks for {term!r}", "drop it; ask for natural texture and light grain")
    for shot, text, term in shot_mentions(ctx, words.find):
        yield Hit(
            text.path,
            f"shot {shot.id}: {term!r} pushes the model to a plastic, over-sharpened render",
            "drop it; ask for 'natural skin texture, light film grain'",
            shot.id,
        )


@rule(
    "SC303",
    "plastic-texture-charter",
    Severity.WARNING,
    lesson="Too much sharpness; the plastic look",
    summary="a texture charter with no grain and no skin texture",
)
def plastic_texture_charter(ctx: LintContext) -> Iterator[Hit]:
    texture = ctx.film.charters.texture
    if texture.grain == Grain.NONE and not texture.skin:
        yield Hit(
            ("charters", "texture"),
            "texture charter has no grain and no skin texture: expect plastic skin",
            "grain: light and skin: 'natural skin texture, visible pores'",
        )


def _style_texts(ctx: LintContext) -> list[tuple[Text, int | None]]:
    texts: list[tuple[Text, int | None]] = []
    for index in range(len(ctx.shots)):
        texts.extend((text, index) for text in ctx.prompt_texts(index))
    for location in ctx.film.locations:
        texts.extend((text, None) for text in ctx.location_texts(location.id))
    charters = ctx.film.charters
    texts.extend((Text(("charters", "palette", i), value), None) for i, value in enumerate(charters.palette))
    for field in ("source", "quality"):
        value = getattr(charters.lighting, field)
        if value:
            texts.append((Text(("charters", "lighting", field), value), None))
    return texts


@rule(
    "SC304",
    "style-word-without-prohibition",
    Severity.WARNING,
    lesson="Tame the Hallucinations with Negative Directing",
    summary="a style word that drags an unwanted element in, with no prohibition against it",
)
def style_word_without_prohibition(ctx: LintContext) -> Iterator[Hit]:
    if ctx.film.charters.negative_directing:
        return  # the prompt compiler adds every association's negative term itself
    texts = _style_texts(ctx)
    for association in style_associations():
        for text, index in texts:
            if not association.matches(text.value):
                continue
            if association.covered(ctx.prohibition_text(index)):
                continue
            shot = ctx.shots[index].id if index is not None else None
            where = f"shot {shot}: " if shot else ""
            yield Hit(
                text.path,
                f"{where}{association.trigger!r} tends to bring {association.unwanted}, and no prohibition excludes it",
                f"add '{association.negative}' to charters.prohibitions (or set charters.negative_directing: true)",
                shot,
            )
            break


@rule(
    "SC305",
    "incomplete-brief",
    Severity.WARNING,
    lesson="Step 1, mini brief in 12 lines",
    summary="a shot brief missing some of its 12 lines",
)
def incomplete_brief(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        location = ctx.location(shot.location)
        missing = []
        for name in BRIEF_FIELDS:
            if getattr(shot.brief, name):
                continue
            if location is not None and name in _FROM_LOCATION and getattr(location, _FROM_LOCATION[name]):
                continue
            if name == "palette" and ctx.film.charters.palette:
                continue
            missing.append(name)
        if missing:
            yield Hit(
                ctx.shot_path(index, "brief"),
                f"shot {shot.id}: brief is missing {len(missing)} of 12 lines: {', '.join(missing)}",
                "fill every line; vague answers give vague renders",
                shot.id,
            )


def _prohibited_terms(ctx: LintContext, index: int) -> tuple[str, ...]:
    terms = [p.strip() for p in ctx.film.charters.prohibitions if p.strip()]
    for part in re.split(r"[,;]", ctx.shots[index].brief.prohibition or ""):
        part = re.sub(r"^\s*(?:no|not|without|never|avoid)\s+", "", part.strip(), flags=re.I)
        if part:
            terms.append(part)
    return tuple(terms)


@rule(
    "SC306",
    "prohibited-term-in-prompt",
    Severity.INFO,
    lesson="Tame the Hallucinations: naming a thing invites it",
    summary="a prohibited term written in the shot's own description",
)
def prohibited_term_in_prompt(ctx: LintContext) -> Iterator[Hit]:
    film_terms = compile_terms(tuple(p for p in ctx.film.charters.prohibitions if p.strip()))
    for index, shot in enumerate(ctx.shots):
        pattern = compile_terms(_prohibited_terms(ctx, index))
        found = first_match(ctx.prompt_texts(index), lambda value: (m := pattern.search(value)) and m.group(0))
        if found:
            text, term = found
            yield Hit(
                text.path,
                f"shot {shot.id}: {term!r} is prohibited, yet the description names it",
                f"describe what is there instead of {term!r} (the word alone invites it)",
                shot.id,
            )
    for location in ctx.film.locations:
        for text in ctx.location_texts(location.id):
            match = film_terms.search(text.value)
            if match:
                yield Hit(
                    text.path,
                    f"location {location.id}: {match.group(0)!r} is prohibited, yet the location names it",
                    f"describe what is there instead of {match.group(0)!r}",
                )
                break


@rule(
    "SC307",
    "lut-before-light",
    Severity.WARNING,
    lesson="LUT before light",
    summary="a look LUT configured with no lighting charter",
)
def lut_before_light(ctx: LintContext) -> Iterator[Hit]:
    lighting = ctx.film.charters.lighting
    if ctx.film.grade.look is not None and not lighting.source and lighting.direction is None:
        yield Hit(
            ("grade", "look"),
            "a look LUT is set but the lighting charter names no source or direction",
            "write charters.lighting (source, direction, temperature) first; the look comes last",
        )


def _keyframe_problems(settings, where: str) -> Iterator[tuple[str, str]]:  # noqa: ANN001 - KeyframeSettings
    if settings.steps is not None and settings.steps not in presets.KEYFRAME_STEPS:
        yield "steps", f"{where}steps {settings.steps} outside {presets.KEYFRAME_STEPS.low:g}-{presets.KEYFRAME_STEPS.high:g}"
    if settings.cfg is not None and settings.cfg not in presets.KEYFRAME_CFG:
        yield "cfg", f"{where}CFG {settings.cfg:g} outside {presets.KEYFRAME_CFG.low:g}-{presets.KEYFRAME_CFG.high:g}"
    if settings.denoise is not None and settings.denoise not in presets.KEYFRAME_DENOISE:
        yield "denoise", f"{where}denoise {settings.denoise:g} outside {presets.KEYFRAME_DENOISE.low:g}-{presets.KEYFRAME_DENOISE.high:g}"
    if settings.resolution is not None and tuple(settings.resolution) not in presets.KEYFRAME_RESOLUTIONS:
        width, height = settings.resolution
        yield "resolution", f"{where}keyframe resolution {width}x{height} is not 1536x864 or 1920x1080"


@rule(
    "SC308",
    "keyframe-settings-outside-range",
    Severity.WARNING,
    lesson="Step 2, fixed keyframes: starting settings",
    summary="keyframe steps, CFG, denoise or resolution outside the starting ranges",
)
def keyframe_settings_outside_range(ctx: LintContext) -> Iterator[Hit]:
    fix = "start from steps 30-45, CFG 4.5-6.5, denoise 0.25-0.40, 1536x864 or 1920x1080"
    for field, message in _keyframe_problems(ctx.film.defaults.keyframe, "defaults: "):
        yield Hit(("defaults", "keyframe", field), message, fix)
    for index, shot in enumerate(ctx.shots):
        for field, message in _keyframe_problems(shot.keyframe, f"shot {shot.id}: "):
            yield Hit(ctx.shot_path(index, "keyframe", field), message, fix, shot.id)
