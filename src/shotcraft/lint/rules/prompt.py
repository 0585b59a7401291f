"""3xx: prompt and texture: specificity, sharpness, style associations, the 12-line brief, keyframe settings."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from shotcraft.lint.context import LintContext, Text, first_match, shot_mentions
from shotcraft.lint.registry import Edit, Hit, Severity, rule
from shotcraft.lint.vocab import compile_terms, related_pattern, style_associations, vocabulary
from shotcraft.plan import presets
from shotcraft.plan.presets import ShotType
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
        # a listed prop's locked sheet says which bottle it is
        context += [value for prop in ctx.film.props if prop.id in shot.props for value in prop.descriptors.values()]
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
            edits=(
                Edit(("charters", "texture", "grain"), "set", "light"),
                Edit(("charters", "texture", "skin"), "set", "natural skin texture, visible pores"),
            ),
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


def _reaches(ctx: LintContext, index: int, association) -> Text | None:  # noqa: ANN001 - an Association
    """The first text compiled into shot ``index``'s prompt that says the association's style word."""
    shot = ctx.shots[index]
    charter = ctx.memo(("charter-style-texts",), lambda: [t for t, where in _style_texts(ctx) if where is None and t.path[0] == "charters"])
    for text in [*ctx.shot_texts(index), *ctx.location_texts(shot.location), *charter]:
        if association.matches(text.value):
            return text
    return None


def safe_negatives(ctx: LintContext, index: int, terms: list[str]) -> list[str]:
    """The terms that may be prohibited on shot ``index``: none names anything its text says (SC306, SC310)."""
    from shotcraft.prompts.negatives import fights, own_content

    shot = ctx.shots[index]
    content = own_content(ctx.film, shot)
    texts = [text.value for text in ctx.shot_texts(index)]
    return [
        term for term in terms
        if fights(term, content) is None and not any(related_pattern(term).search(value) for value in texts)
    ]


@rule(
    "SC304",
    "style-word-without-prohibition",
    Severity.WARNING,
    lesson="Tame the Hallucinations with Negative Directing",
    summary="a style word that drags an unwanted element in, with no prohibition against it",
)
def style_word_without_prohibition(ctx: LintContext) -> Iterator[Hit]:
    from shotcraft.prompts.negatives import split_terms

    if ctx.film.charters.negative_directing:
        return  # the prompt compiler adds every association's negative term itself
    for association in style_associations():
        concerned = [(index, text) for index in range(len(ctx.shots)) if (text := _reaches(ctx, index, association))]
        others = [ctx.shots[index].id for index, _text in concerned]
        for index, text in concerned:
            shot = ctx.shots[index]
            if association.covered(ctx.prohibition_text(index)):
                continue
            # Checked against this shot before it is suggested: never prohibit what the shot shows.
            terms = safe_negatives(ctx, index, split_terms(association.negative))
            if not terms:
                continue  # the shot is about the very element: nothing to keep out
            also = [other for other in others if other != shot.id]
            where = f" (the style word also reaches {', '.join(also)})" if also else ""
            phrase = ", ".join(terms)
            yield Hit(
                text.path,
                f"shot {shot.id}: {association.trigger!r} tends to bring {association.unwanted}, "
                f"and no prohibition excludes it{where}",
                f"add '{phrase}' to shot {shot.id}'s brief.prohibition (or set charters.negative_directing: true)",
                shot.id,
                text.span_of(_found(association, text.value)),
                (Edit(ctx.shot_path(index, "brief", "prohibition"), "add-phrase", f"no {phrase}"),),
            )


def _found(association, value: str) -> str:  # noqa: ANN001 - an Association
    match = compile_terms(association.words).search(value)
    return match.group(0) if match else ""


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
    summary="a prohibited term (or its plural, inflection or synonym) written in the shot's own description",
)
def prohibited_term_in_prompt(ctx: LintContext) -> Iterator[Hit]:
    from shotcraft.prompts.negatives import fights, own_content

    film_terms = tuple(p for p in ctx.film.charters.prohibitions if p.strip())
    for index, shot in enumerate(ctx.shots):
        content = own_content(ctx.film, shot)
        # A term that names what the shot is about is dropped from its negatives (SC310), not an invitation.
        terms = [term for term in _prohibited_terms(ctx, index) if fights(term, content) is None]
        found = _first_related(ctx.shot_texts(index), terms)
        if found:
            text, term, word = found
            named = f"{word!r} ({term!r})" if word.casefold() != term.casefold() else f"{term!r}"
            yield Hit(
                text.path,
                f"shot {shot.id}: {named} is prohibited, yet the description names it",
                f"describe what is there instead of {word!r} (the word alone invites it)",
                shot.id,
                text.span_of(word),
            )
    for location in ctx.film.locations:
        found = _first_related(ctx.location_texts(location.id), list(film_terms))
        if found:
            text, term, word = found
            yield Hit(
                text.path,
                f"location {location.id}: {word!r} is prohibited ({term!r}), yet the location names it",
                f"describe what is there instead of {word!r}",
                span=text.span_of(word),
            )


def _first_related(texts: list[Text], terms: list[str]) -> tuple[Text, str, str] | None:
    """The first text naming one of ``terms`` (or a form or synonym): (text, term, words as written)."""
    for text in texts:
        for term in terms:
            match = related_pattern(term).search(text.value)
            if match:
                return text, term, match.group(0)
    return None


@rule(
    "SC310",
    "negative-names-shot-subject",
    Severity.INFO,
    lesson="Tame the Hallucinations with Negative Directing (a negative must not fight the shot)",
    summary="a prohibition that names what the shot itself shows, dropped from that shot's negatives",
)
def negative_names_shot_subject(ctx: LintContext) -> Iterator[Hit]:
    from shotcraft.prompts.negatives import negative_plan

    for index, shot in enumerate(ctx.shots):
        positive = " ".join(text.value for text in ctx.shot_texts(index))
        for dropped in negative_plan(ctx.film, shot, positive).dropped:
            edits: tuple[Edit, ...] = ()
            if dropped.source == "brief.prohibition":
                path = ctx.shot_path(index, "brief", "prohibition")
                rest = _without_term(shot.brief.prohibition or "", dropped.term)
                if rest is not None:
                    fix = f"remove {dropped.term!r} from this shot's prohibition"
                    edits = (Edit(path, "set", rest),)
                else:  # removing the only term would leave the brief without its prohibition line (SC305)
                    fix = f"replace the prohibition with one against what must not appear in this shot (not {dropped.term!r})"
            elif dropped.source == "charters.prohibitions":
                path = ctx.shot_path(index, *dropped.field.split(".")) if "[" not in dropped.field else ctx.shot_path(index)
                fix = "nothing to do: the term stays prohibited everywhere else (lint_ignore SC310 to silence)"
            else:
                path = ctx.shot_path(index)
                fix = "nothing to do: the compiler leaves it out of this shot only"
            yield Hit(
                path if ctx.plan.positions.locate(path) else ctx.shot_path(index),
                f"shot {shot.id}: negative {dropped.term!r} ({dropped.source}) names what the shot shows "
                f"({dropped.word!r} in {dropped.field}); it is dropped from this shot's negative prompt",
                fix,
                shot.id,
                edits=edits,
            )


def _without_term(prohibition: str, term: str) -> str | None:
    from shotcraft.prompts.negatives import split_terms

    kept = [part for part in split_terms(prohibition) if part.casefold() != term.casefold()]
    return ", ".join(f"no {part}" for part in kept) or None


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


#: the seed's keyframe sizes, as a pixel range: 1536x864 (1.33 MP) to 1920x1080 (2.07 MP), a little slack either side
KEYFRAME_PIXELS = (int(1536 * 864 * 0.9), int(1920 * 1080 * 1.1))
ASPECT_TOLERANCE = 0.02


def film_aspect(ctx: LintContext) -> float:
    width, _, height = ctx.film.production.format.aspect.partition(":")
    return float(width) / float(height)


def keyframe_size_for(aspect: float) -> tuple[int, int] | None:
    """The keyframe size nearest 1536x864 in pixels with exactly the film's aspect (sides multiples of 16)."""
    best = None
    for height in range(16, 2161, 16):
        width = round(height * aspect / 16) * 16
        if width < 16 or abs(width / height - aspect) > aspect * 0.005:
            continue
        pixels = width * height
        if KEYFRAME_PIXELS[0] <= pixels <= KEYFRAME_PIXELS[1]:
            score = abs(pixels - 1536 * 864)
            if best is None or score < best[0]:
                best = (score, (width, height))
    return best[1] if best else None


def _keyframe_problems(ctx: LintContext, settings, where: str, base: tuple) -> Iterator[tuple[str, str]]:  # noqa: ANN001 - KeyframeSettings
    if settings.steps is not None and settings.steps not in presets.KEYFRAME_STEPS:
        yield "steps", f"{where}steps {settings.steps} outside {presets.KEYFRAME_STEPS.low:g}-{presets.KEYFRAME_STEPS.high:g}"
    if settings.cfg is not None and settings.cfg not in presets.KEYFRAME_CFG:
        yield "cfg", f"{where}CFG {settings.cfg:g} outside {presets.KEYFRAME_CFG.low:g}-{presets.KEYFRAME_CFG.high:g}"
    if settings.denoise is not None and settings.denoise not in presets.KEYFRAME_DENOISE:
        yield "denoise", f"{where}denoise {settings.denoise:g} outside {presets.KEYFRAME_DENOISE.low:g}-{presets.KEYFRAME_DENOISE.high:g}"
    # Judged only where the plan sets it: a default size is derived from the film's format.
    if settings.resolution is not None and ctx.explicit(base + ("resolution",)):
        width, height = settings.resolution
        pixels, aspect = width * height, film_aspect(ctx)
        if not KEYFRAME_PIXELS[0] <= pixels <= KEYFRAME_PIXELS[1]:
            yield "resolution", f"{where}keyframe {width}x{height} is {pixels / 1e6:.2f} MP; the seed's keyframes are 1.33-2.07 MP (1536x864 to 1920x1080)"
        elif abs(width / height - aspect) > aspect * ASPECT_TOLERANCE:
            yield "resolution", f"{where}keyframe {width}x{height} is not the film's {ctx.film.production.format.aspect} aspect"


@rule(
    "SC308",
    "keyframe-settings-outside-range",
    Severity.WARNING,
    lesson="Step 2, fixed keyframes: starting settings",
    summary="keyframe steps, CFG or denoise outside the starting ranges, or a keyframe size off the seed's pixel range or the film's aspect",
)
def keyframe_settings_outside_range(ctx: LintContext) -> Iterator[Hit]:
    size = keyframe_size_for(film_aspect(ctx))
    size_text = f"{size[0]}x{size[1]}" if size else "1536x864"
    fixes = {
        "steps": ("start from steps 30-45", presets.DEFAULT_STEPS),
        "cfg": ("start from CFG 4.5-6.5", presets.DEFAULT_CFG),
        "denoise": ("start from denoise 0.25-0.40", presets.DEFAULT_DENOISE),
        "resolution": (f"use {size_text} (the seed's pixel count at the film's aspect)", size_text if size else None),
    }
    places = [(("defaults", "keyframe"), ctx.film.defaults.keyframe, "defaults: ", None)]
    places += [(ctx.shot_path(index, "keyframe"), shot.keyframe, f"shot {shot.id}: ", shot.id) for index, shot in enumerate(ctx.shots)]
    for base, settings, where, shot_id in places:
        for field, message in _keyframe_problems(ctx, settings, where, base):
            fix, value = fixes[field]
            edits = (Edit(base + (field,), "set", value),) if value is not None else ()
            yield Hit(base + (field,), message, fix, shot_id, edits=edits)


@rule(
    "SC309",
    "text-contradicts-framing",
    Severity.WARNING,
    lesson="Badly locked character / the framing table: the prompt carries what the framing shows",
    summary="a face described in an insert or detail shot, or a full body in a close shot",
    vocabularies=("framing_face", "framing_full_body"),
)
def text_contradicts_framing(ctx: LintContext) -> Iterator[Hit]:
    from shotcraft.prompts.framing import shown_parts

    face, body = vocabulary("framing_face"), vocabulary("framing_full_body")
    for index, shot in enumerate(ctx.shots):
        parts = shown_parts(shot)
        checks = []
        if shot.type in (ShotType.OBJECT_DETAIL, ShotType.INSERT) and "face" not in parts:
            checks.append((face, "a face", "an object"))
        if shot.type in (ShotType.TIGHT_PORTRAIT, ShotType.EXTREME_CLOSE_UP) and not parts & {"feet", "legs", "build"}:
            checks.append((body, "the body", "a face"))
        for words, what, shows in checks:
            found = first_match(ctx.shot_texts(index), words.find)
            if found:
                text, term = found
                yield Hit(
                    text.path,
                    f"shot {shot.id}: {term!r} describes {what} in a {shot.type.value} shot, which shows {shows}: "
                    "the prompt will not carry it, and the model may reframe to show it",
                    "change the shot type to one that shows it, cut the words, or say so: framing: {show: [...]}",
                    shot.id,
                    text.span_of(term),
                )
                break
