"""2xx: continuity and blocking: staging, contact, character sheets, seeds, transitions, reflections."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from shotcraft.lint.context import LintContext, first_match, shot_mentions
from shotcraft.lint.registry import Edit, Hit, Severity, rule
from shotcraft.lint.vocab import compile_terms, vocabulary
from shotcraft.plan.presets import ShotType
from shotcraft.plan.schema import DEMONSTRATIVE_MOVES, CameraMove, Shot

#: shot types where two moving characters drift together "like magnets"
GROUP_SHOT_TYPES = frozenset({ShotType.ESTABLISHING, ShotType.WIDE_AMBIENCE, ShotType.MEDIUM_ACTION})
#: the visual transition rule: "If three elements change at the same time, the perception of fake increases"
MAX_TRANSITION_CHANGES = 2
CONTRAST_STEP = 0.25
SPEED_STEP = 0.25
_GRAIN_LEVELS = {"none": 0, "subtle": 1, "light": 2, "medium": 3, "heavy": 4}
_GRAIN_WORDS = re.compile(r"\b(no|without|subtle|fine|light|medium|moderate|heavy|coarse|thick)\b[\w ]{0,12}?\bgrain", re.I)
_GRAIN_WORD_LEVEL = {"no": 0, "without": 0, "subtle": 1, "fine": 1, "light": 2, "medium": 3, "moderate": 3, "heavy": 4, "coarse": 4, "thick": 4}
_LIGHT_FROM = re.compile(
    r"\b(?:light|lit|key|lamp|sun)\w*\s+(?:[\w-]+\s+){0,2}?from\s+(?:the\s+)?(left|right|behind|above|front)\b"
    r"|\b(left|right|back|top)[- ]lit\b|\b(backlit)\b",
    re.I,
)
_LIGHT_WORD = {
    "left": "left", "right": "right", "front": "front",
    "behind": "back", "back": "back", "backlit": "back", "above": "top", "top": "top",
}


@rule(
    "SC201",
    "interaction-in-wide-shot",
    Severity.WARNING,
    lesson="The Shot-Reverse-Shot is Your Best Friend",
    summary="two characters approaching or interacting inside one wide or medium shot",
    vocabularies=("approach",),
)
def interaction_in_wide_shot(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("approach")
    for index, shot in enumerate(ctx.shots):
        cast = ctx.cast(index)
        if len(cast) < 2 or shot.type not in GROUP_SHOT_TYPES:
            continue
        found = first_match(ctx.shot_texts(index), words.find)
        if found:
            text, term = found
            yield Hit(
                text.path,
                f"shot {shot.id}: {term!r} with {len(cast)} characters ({', '.join(cast)}) in a {shot.type.value} shot; "
                "the model pulls them together like magnets",
                "split it into shot-reverse-shot extreme close-ups, one character each",
                shot.id,
                text.span_of(term),
            )


@rule(
    "SC202",
    "contact-without-profile-anchor",
    Severity.ERROR,
    lesson="Directing Intimacy: How to Prompt a Kiss Without Glitches",
    summary="physical contact not staged as a profile shot from an anchor keyframe",
    vocabularies=("contact",),
)
def contact_without_profile_anchor(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("contact")
    for index, shot in enumerate(ctx.shots):
        if len(ctx.cast(index)) < 2:
            continue
        if shot.type == ShotType.PROFILE_TWO_SHOT and shot.anchor:
            continue
        found = first_match(ctx.shot_texts(index), words.find)
        if found:
            text, term = found
            missing = []
            if shot.type != ShotType.PROFILE_TWO_SHOT:
                missing.append(f"type is {shot.type.value}, not profile-two-shot")
            if not shot.anchor:
                missing.append("no anchor keyframe")
            yield Hit(
                text.path,
                f"shot {shot.id}: physical contact ({term!r}) with {'; '.join(missing)}: hands merge and faces melt",
                "type: profile-two-shot, anchor: true, characters already inches apart in the keyframe",
                shot.id,
                text.span_of(term),
            )


@functools.cache
def _feature_pattern(colours: tuple[str, ...], tail: str) -> re.Pattern[str]:
    """'<colour> hair' / '<colour>-eyed' for any colour of the vocabulary."""
    alternatives = "|".join(re.escape(c) for c in sorted(colours, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(" + alternatives + ")" + tail, re.I)


def _contradictions(ctx: LintContext, index: int, shot: Shot, character_id: str) -> Iterator[Hit]:
    try:
        sheet = ctx.film.character(character_id)
    except KeyError:
        return
    override = shot.overrides.get(character_id)
    descriptors = " ".join(sheet.descriptors.values()).lower()
    wardrobe = [item.lower() for item in sheet.wardrobe]
    texts = ctx.prompt_texts(index)
    features = (("hair", "hair_colours", r"(?:[- ]haired|\s+(?:[\w-]+\s+)?hair)"), ("eyes", "eye_colours", r"(?:[- ]eyed|\s+eyes)"))
    for feature, vocab_name, tail in features:
        if override is not None and any(feature.rstrip("s") in key for key in override.descriptors):
            continue
        colours = vocabulary(vocab_name).terms
        sheet_colours = [c for c in colours if compile_terms((c,)).search(descriptors)]
        if not sheet_colours:
            continue  # the sheet does not lock this feature
        pattern = _feature_pattern(colours, tail)
        for text in texts:
            for match in pattern.finditer(text.value):
                if match.group(1).lower() not in sheet_colours:
                    yield Hit(
                        text.path,
                        f"shot {shot.id}: {match.group(0)!r} contradicts {character_id}'s locked {feature} ({', '.join(sheet_colours)})",
                        f"describe {character_id} only through the character sheet, or add an override with a reason",
                        shot.id,
                    )
                    break
    if not wardrobe or (override is not None and override.wardrobe is not None):
        return
    garments = compile_terms(vocabulary("garments").terms)
    colours = compile_terms(vocabulary("colours").terms)
    for text in texts:
        for match in garments.finditer(text.value):
            garment = match.group(0).lower()
            items = [item for item in wardrobe if garment.rstrip("s") in item]
            before = text.value[max(0, match.start() - 24): match.start()]
            colour = colours.findall(before)
            if not items:
                problem = f"{garment!r} is not in {character_id}'s wardrobe ({'; '.join(sheet.wardrobe)})"
            elif colour and not any(colour[-1].lower() in item for item in items):
                problem = f"'{colour[-1]} {garment}' contradicts {character_id}'s wardrobe ({'; '.join(items)})"
            else:
                continue
            yield Hit(text.path, f"shot {shot.id}: {problem}", "keep the wardrobe constant, or add an override with a reason", shot.id)
            return


@rule(
    "SC203",
    "character-sheet-contradicted",
    Severity.WARNING,
    lesson="Badly locked character; Character variations between shots",
    summary="a shot that contradicts or overrides a character's locked descriptors or wardrobe",
    vocabularies=("hair_colours", "eye_colours", "garments", "colours"),
)
def character_sheet_contradicted(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        for character_id, override in shot.overrides.items():
            if not override.reason:
                yield Hit(
                    ctx.shot_path(index, "overrides", character_id),
                    f"shot {shot.id}: overrides {character_id}'s locked sheet with no reason",
                    "say why in overrides.<id>.reason (a costume change in the story), or remove the override",
                    shot.id,
                )
        cast = ctx.cast(index)
        if len(cast) == 1:  # words can be attributed to one character only
            yield from _contradictions(ctx, index, shot, cast[0])


@rule(
    "SC204",
    "missing-seed",
    Severity.ERROR,
    lesson="No stable seed",
    summary="a shot with no seed while seed derivation is off",
)
def missing_seed(ctx: LintContext) -> Iterator[Hit]:
    for resolved in ctx.resolved:
        if resolved.seed is None:
            yield Hit(
                ctx.shot_path(resolved.index),
                f"shot {resolved.id}: no seed and defaults.derive_seeds is off; every render will differ",
                "set keyframe.seed on the shot, or defaults.derive_seeds: true",
                resolved.id,
                edits=(Edit(("defaults", "derive_seeds"), "set", True),),
            )


@rule(
    "SC205",
    "shared-seed",
    Severity.WARNING,
    lesson="No stable seed: fixed seed per shot",
    summary="two different shots (or characters) sharing one seed by accident",
)
def shared_seed(ctx: LintContext) -> Iterator[Hit]:
    film = ctx.film
    default_seed = film.defaults.keyframe.seed
    inheriting = [shot.id for shot in ctx.shots if shot.keyframe.seed is None]
    if default_seed is not None and len(inheriting) >= 2:
        yield Hit(
            ("defaults", "keyframe", "seed"),
            f"defaults.keyframe.seed {default_seed} gives {len(inheriting)} shots the same seed "
            f"({', '.join(inheriting[:4])}{'...' if len(inheriting) > 4 else ''})",
            "remove it and let seeds derive per shot, or set keyframe.seed on each shot",
        )
    first_by_seed: dict[int, str] = {}
    for index, shot in enumerate(ctx.shots):
        seed = shot.keyframe.seed
        if seed is None:
            continue
        if seed in first_by_seed:
            yield Hit(
                ctx.shot_path(index, "keyframe", "seed"),
                f"shot {shot.id}: seed {seed} is also shot {first_by_seed[seed]}'s seed",
                "give each shot its own seed (lint_ignore SC205 if the repeat is deliberate)",
                shot.id,
            )
        else:
            first_by_seed[seed] = shot.id
    first_character: dict[int, str] = {}
    for index, character in enumerate(film.characters):
        if character.seed is None:
            continue
        if character.seed in first_character:
            yield Hit(
                ("characters", index, "seed"),
                f"character {character.id}: seed {character.seed} is also {first_character[character.seed]}'s seed",
                "give each character its own seed",
            )
        else:
            first_character[character.seed] = character.id


def _light_direction(ctx: LintContext, index: int) -> str | None:
    return ctx.memo(("light", index), lambda: _find_light_direction(ctx, index))


def _find_light_direction(ctx: LintContext, index: int) -> str | None:
    for text in ctx.prompt_texts(index):
        match = _LIGHT_FROM.search(text.value)
        if match:
            word = next(group for group in match.groups() if group)
            return _LIGHT_WORD[word.lower()]
    return None


def _grain(ctx: LintContext, shot: Shot) -> int:
    match = _GRAIN_WORDS.search(shot.brief.texture or "")
    if match:
        return _GRAIN_WORD_LEVEL[match.group(1).lower()]
    return _GRAIN_LEVELS[ctx.film.charters.texture.grain.value]


def _speed(ctx: LintContext, index: int) -> float:
    shot = ctx.shots[index]
    camera = 0.0 if shot.camera.move == CameraMove.STATIC else 0.1
    if shot.camera.move in DEMONSTRATIVE_MOVES:
        camera = 0.4
    return ctx.resolved[index].motion + camera


def _contrast(ctx: LintContext, shot: Shot) -> float:
    if shot.grade.contrast is not None:
        return shot.grade.contrast
    return ctx.film.grade.contrast or 0.0


def _gaze_changed(before: Shot, after: Shot) -> bool:
    if before.gaze is None or after.gaze is None or before.gaze == after.gaze:
        return False
    axis = {"left": "horizontal", "right": "horizontal", "up": "vertical", "down": "vertical", "camera": "camera"}
    if axis[before.gaze] != axis[after.gaze]:
        return True
    # left <-> right is the eyeline match of a shot-reverse-shot between different characters
    return set(before.characters) == set(after.characters)


@rule(
    "SC206",
    "visual-transition-jump",
    Severity.WARNING,
    lesson="Visual transition rule",
    summary="more than two of gaze, light direction, grain, contrast and speed change at one cut",
)
def visual_transition_jump(ctx: LintContext) -> Iterator[Hit]:
    for index in range(1, len(ctx.shots)):
        before, after = ctx.shots[index - 1], ctx.shots[index]
        changed = []
        if _gaze_changed(before, after):
            changed.append(f"gaze {before.gaze} -> {after.gaze}")
        light_before, light_after = _light_direction(ctx, index - 1), _light_direction(ctx, index)
        if light_before and light_after and light_before != light_after:
            changed.append(f"light from {light_before} -> {light_after}")
        grain_before, grain_after = _grain(ctx, before), _grain(ctx, after)
        if grain_before != grain_after:
            changed.append("grain density")
        if abs(_contrast(ctx, before) - _contrast(ctx, after)) >= CONTRAST_STEP:
            changed.append("contrast level")
        if abs(_speed(ctx, index - 1) - _speed(ctx, index)) >= SPEED_STEP:
            changed.append("apparent speed")
        if len(changed) > MAX_TRANSITION_CHANGES:
            yield Hit(
                ctx.shot_path(index),
                f"cut {before.id} -> {after.id} changes {len(changed)} things at once: {', '.join(changed)}",
                "keep at least three of gaze axis, light direction, grain, contrast and speed constant across the cut",
                after.id,
            )


@rule(
    "SC207",
    "reflective-surface",
    Severity.WARNING,
    lesson="Inconsistent reflections",
    summary="glasses, windows or mirrors in a shot's brief",
    vocabularies=("reflective", "light_phrases"),
)
def reflective_surface(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("reflective")
    light_phrases = vocabulary("light_phrases")

    def reflective(value: str) -> str | None:
        # "window light from the left" names a light source, not a window in frame
        return words.find(light_phrases.pattern.sub(" ", value))

    for shot, text, term in shot_mentions(ctx, reflective):
        yield Hit(
            text.path,
            f"shot {shot.id}: {term!r} in frame; reflections betray the AI from one frame to the next",
            "simplify the angle so the surface does not face the camera, and keep highlights controlled",
            shot.id,
            text.span_of(term),
        )


@rule(
    "SC208",
    "screen-direction-flip",
    Severity.WARNING,
    lesson="Visual transition rule: gaze axis (the 180-degree line)",
    summary="two characters swap sides of the frame between consecutive shots",
)
def screen_direction_flip(ctx: LintContext) -> Iterator[Hit]:
    order = ("left", "center-left", "center", "center-right", "right")
    for index in range(1, len(ctx.shots)):
        before, after = ctx.shots[index - 1], ctx.shots[index]
        if before.location != after.location:
            continue
        common = [c for c in before.blocking if c in after.blocking]
        swapped = [
            (first, second)
            for i, first in enumerate(common)
            for second in common[i + 1:]
            if (order.index(before.blocking[first]) - order.index(before.blocking[second]))
            * (order.index(after.blocking[first]) - order.index(after.blocking[second]))
            < 0
        ]
        if swapped:
            first, second = swapped[0]
            yield Hit(
                ctx.shot_path(index, "blocking"),
                f"cut {before.id} -> {after.id}: {first} and {second} swap sides of the frame (crossing the line)",
                "keep each character on the same side as in the previous shot, or show the move in a wide shot",
                after.id,
            )


#: shot types that show faces closely enough that who is who must be written
FACE_SHOT_TYPES = frozenset({ShotType.TIGHT_PORTRAIT, ShotType.EXTREME_CLOSE_UP, ShotType.PROFILE_TWO_SHOT})


@rule(
    "SC209",
    "named-but-not-cast",
    Severity.WARNING,
    lesson="Badly locked character: a constant character sheet (only a cast character gets the sheet)",
    summary="a character or prop named in a shot's text but missing from its characters or props",
)
def named_but_not_cast(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        for mention in ctx.mentions(index):
            if mention.off_screen:
                continue
            field = "characters" if mention.kind == "character" else "props"
            if mention.id in getattr(shot, field):
                continue
            what = "character" if mention.kind == "character" else "prop"
            yield Hit(
                mention.text.path,
                f"shot {shot.id}: {mention.found!r} names {what} {mention.id}, who is not in the shot's {field}: "
                f"the prompt will carry no {what} sheet, so the model invents one",
                f"add {mention.id} to {field} (or write that they are off-screen)",
                shot.id,
                mention.text.span_of(mention.found),
                (Edit(ctx.shot_path(index, field), "append", mention.id),),
            )


@rule(
    "SC210",
    "cast-but-never-described",
    Severity.WARNING,
    lesson="The Shot-Reverse-Shot: isolate the emotions (say whose face carries the shot)",
    summary="a close shot casting several characters whose text never names one of them",
)
def cast_but_never_described(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        if shot.type not in FACE_SHOT_TYPES or len(shot.characters) < 2:
            continue
        named = {m.id for m in ctx.mentions(index) if m.kind == "character"}
        for c_index, character in enumerate(shot.characters):
            if character not in named:
                yield Hit(
                    ctx.shot_path(index, "characters", c_index),
                    f"shot {shot.id}: {character} is cast in a {shot.type.value} shot but the text never says "
                    "what they do; the model gets a second face and no direction for it",
                    f"say what {character} does in the subject or action, or remove {character} from characters",
                    shot.id,
                )
