"""1xx: timing and motion: clip length, motion strength, camera, frame rate, staging order, pacing."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from fractions import Fraction

from shotcraft.lint.context import LintContext, first_match, shot_mentions
from shotcraft.lint.registry import Edit, Hit, Severity, rule
from shotcraft.lint.vocab import vocabulary
from shotcraft.plan import presets
from shotcraft.plan.presets import GEOGRAPHY_SHOT_TYPES, SHORT_SHOT_TYPES, SHOT_TYPE_PRESETS
from shotcraft.plan.schema import DEMONSTRATIVE_MOVES, Placement
from shotcraft.timebase import format_rate

PLACEMENTS: tuple[Placement, ...] = ("left", "center-left", "center", "center-right", "right")
#: a blocking move across this many of the five placements asks the model to invent the path
LARGE_BLOCKING_STEPS = 3
#: a framing jump of this many steps (wide=0 ... detail=4) between first and last frame
LARGE_FRAMING_STEPS = 2
#: all shots within this many seconds of each other, or this coefficient of variation, is monotonous
MONOTONOUS_SPREAD_S = 1.0
MONOTONOUS_VARIATION = 0.10
MONOTONOUS_MIN_SHOTS = 4


@rule(
    "SC101",
    "clip-too-long",
    Severity.ERROR,
    lesson="Generating too long",
    summary="a generated clip longer than 5 s",
)
def clip_too_long(ctx: LintContext) -> Iterator[Hit]:
    limit = presets.CLIP_DURATION_S.high
    for index, shot in enumerate(ctx.shots):
        if shot.clips:  # made elsewhere: nothing is generated
            continue
        if shot.duration > limit:
            yield Hit(
                ctx.shot_path(index, "duration"),
                f"shot {shot.id}: {shot.duration:g} s clip; models degrade past {limit:g} s",
                f"split it into shots of {presets.CLIP_DURATION_S.low:g}-{limit:g} s and cut between them",
                shot.id,
            )


@rule(
    "SC102",
    "clip-too-short",
    Severity.WARNING,
    lesson="Generating too long (3-5 s per shot)",
    summary="a clip under 2 s that is not a detail or insert",
)
def clip_too_short(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        if shot.type not in SHORT_SHOT_TYPES and shot.duration < presets.CLIP_MIN_DURATION_S:
            yield Hit(
                ctx.shot_path(index, "duration"),
                f"shot {shot.id}: {shot.duration:g} s is too short to read a {shot.type.value} shot",
                f"give it at least {presets.CLIP_MIN_DURATION_S:g} s, or make it an object-detail or insert",
                shot.id,
                edits=(Edit(ctx.shot_path(index, "duration"), "set", presets.CLIP_MIN_DURATION_S),),
            )


@rule(
    "SC103",
    "sequence-shot-request",
    Severity.WARNING,
    lesson="Can you do a sequence shot in AI? (rarely recommended)",
    summary="a brief asking for a sequence shot or long take",
    vocabularies=("sequence_shot",),
)
def sequence_shot_request(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("sequence_shot")
    for shot, text, term in shot_mentions(ctx, words.find):
        yield Hit(
            text.path,
            f"shot {shot.id}: asks for a {term!r}; clips hold together for 3-5 s",
            "break the move into short shots and let the edit make the continuity",
            shot.id,
        )


@rule(
    "SC104",
    "motion-outside-shot-type-range",
    Severity.WARNING,
    lesson="Recommended settings by shot type",
    summary="motion strength outside its shot type's range",
)
def motion_outside_range(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        low, high = SHOT_TYPE_PRESETS[shot.type].motion
        values: list[tuple[tuple, float]] = []
        if shot.motion is not None:
            values.append((ctx.shot_path(index, "motion"), shot.motion))
        if shot.takes is not None and shot.takes.vary == "motion":
            for v_index, value in enumerate(shot.takes.values):
                if isinstance(value, (int, float)):
                    values.append((ctx.shot_path(index, "takes", "values", v_index), float(value)))
        for path, value in values:
            if not low <= value <= high:
                yield Hit(
                    path,
                    f"shot {shot.id}: motion {value:g} is outside {low:g}-{high:g} for a {shot.type.value} shot",
                    f"use {low:g}-{high:g} ({SHOT_TYPE_PRESETS[shot.type].action})",
                    shot.id,
                    edits=(Edit(path, "set", low if value < low else high),),  # the nearest value in range
                )


@rule(
    "SC105",
    "demonstrative-camera-move",
    Severity.WARNING,
    lesson="Too much movement",
    summary="a whip pan, fast orbit or crash zoom with no justification",
    vocabularies=("demonstrative_camera",),
)
def demonstrative_camera_move(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("demonstrative_camera")
    for index, shot in enumerate(ctx.shots):
        if shot.camera.justification:
            continue
        if shot.camera.move in DEMONSTRATIVE_MOVES:
            yield Hit(
                ctx.shot_path(index, "camera"),
                f"shot {shot.id}: {shot.camera.move.value} with no justification",
                "use a slow push-in or a static camera, or say why in camera.justification",
                shot.id,
            )
            continue
        found = first_match(ctx.shot_texts(index), words.find)
        if found:
            text, term = found
            yield Hit(
                text.path,
                f"shot {shot.id}: {text.path[-1]} asks for a {term!r} with no justification",
                "keep a sober, readable move, or set camera.move and camera.justification",
                shot.id,
                text.span_of(term),
            )


@rule(
    "SC106",
    "frame-rate-without-override",
    Severity.WARNING,
    lesson="Starting settings table: FPS 24, cinema rhythm",
    summary="a frame rate other than 24 with no stated reason",
)
def frame_rate_without_override(ctx: LintContext) -> Iterator[Hit]:
    film = ctx.film
    cinema = Fraction(presets.CLIP_FPS)
    film_format = film.production.format
    if film_format.fps != cinema and not film_format.fps_override:
        yield Hit(
            ("production", "format", "fps"),
            f"the film runs at {format_rate(film_format.fps)} fps with no fps_override",
            "use 24, or say why in production.format.fps_override",
            edits=(Edit(("production", "format", "fps"), "set", presets.CLIP_FPS),),
        )
    defaults_clip = film.defaults.clip
    if defaults_clip.fps is not None and defaults_clip.fps != cinema and not (defaults_clip.fps_override or film_format.fps_override):
        yield Hit(
            ("defaults", "clip", "fps"),
            f"clips default to {format_rate(defaults_clip.fps)} fps with no fps_override",
            "use 24, or say why in defaults.clip.fps_override",
            edits=(Edit(("defaults", "clip", "fps"), "set", presets.CLIP_FPS),),
        )
    for index, shot in enumerate(ctx.shots):
        fps = shot.clip.fps
        if fps is None or fps == cinema or shot.clip.fps_override:
            continue
        if fps == film_format.fps and film_format.fps_override:
            continue
        yield Hit(
            ctx.shot_path(index, "clip", "fps"),
            f"shot {shot.id}: clip at {format_rate(fps)} fps with no fps_override",
            "use 24, or say why in clip.fps_override",
            shot.id,
            edits=(Edit(ctx.shot_path(index, "clip", "fps"), "set", presets.CLIP_FPS),),
        )


@rule(
    "SC107",
    "interaction-before-establishing-shot",
    Severity.ERROR,
    lesson="The Geometry Trap",
    summary="characters interacting in a location before a wide shot showed its geography",
    vocabularies=("interaction",),
)
def interaction_before_establishing(ctx: LintContext) -> Iterator[Hit]:
    words = vocabulary("interaction")
    shown: set[str] = set()
    for index, shot in enumerate(ctx.shots):
        cast = ctx.cast(index)
        if shot.location and len(cast) >= 2 and shot.location not in shown:
            found = first_match(ctx.shot_texts(index), words.find)
            if found:
                text, term = found
                yield Hit(
                    text.path,
                    f"shot {shot.id}: {' and '.join(cast)} interact ({term!r}) in {shot.location!r} "
                    "before any establishing or wide shot has shown its geography",
                    f"put an establishing shot of {shot.location!r} first that shows what is where",
                    shot.id,
                    text.span_of(term),
                )
        if shot.type in GEOGRAPHY_SHOT_TYPES and shot.location:
            shown.add(shot.location)


@rule(
    "SC108",
    "complex-interpolation",
    Severity.WARNING,
    lesson="The Geometry Trap: Stop Forcing Complex Interpolations",
    summary="a first/last frame pair asking for a large change of position or framing",
)
def complex_interpolation(ctx: LintContext) -> Iterator[Hit]:
    for index, shot in enumerate(ctx.shots):
        end = shot.end_frame
        if end is None:
            continue
        problems = []
        if end.type is not None:
            start_framing = SHOT_TYPE_PRESETS[shot.type].framing
            end_framing = SHOT_TYPE_PRESETS[end.type].framing
            if abs(start_framing - end_framing) >= LARGE_FRAMING_STEPS:
                problems.append(f"framing jumps from {shot.type.value} to {end.type.value}")
        for character, place in end.blocking.items():
            start = shot.blocking.get(character)
            if start is None and shot.blocking:
                problems.append(f"{character} appears at {place} from nowhere")
            elif start is not None:
                steps = abs(PLACEMENTS.index(start) - PLACEMENTS.index(place))
                if steps >= LARGE_BLOCKING_STEPS:
                    problems.append(f"{character} crosses the frame from {start} to {place}")
        if problems:
            yield Hit(
                ctx.shot_path(index, "end_frame"),
                f"shot {shot.id}: the last frame asks the model to invent the path: {'; '.join(problems)}",
                "keep first and last frames close; cut to a new shot for the move (or drop end_frame)",
                shot.id,
            )


@rule(
    "SC109",
    "mechanical-action-without-trigger",
    Severity.WARNING,
    lesson="Pacing is Everything: Force the Reaction",
    summary="a mechanical, repetitive action with no timing trigger",
    vocabularies=("mechanical", "timing_trigger", "trigger_suggestions"),
)
def mechanical_action_without_trigger(ctx: LintContext) -> Iterator[Hit]:
    mechanical = vocabulary("mechanical")
    trigger_words = vocabulary("timing_trigger")
    for index, shot in enumerate(ctx.shots):
        texts = ctx.shot_texts(index)
        if shot.triggers or first_match(texts, trigger_words.find):
            continue
        found = first_match(texts, mechanical.find)
        if found:
            text, term = found
            trigger = {"at": suggested_trigger_time(shot.duration), "beat": suggested_beat(ctx, index)}
            yield Hit(
                text.path,
                f"shot {shot.id}: {term!r} with no timing trigger; the model will keep doing it for the whole clip",
                f"add triggers: [{{at: {trigger['at']:g}, beat: '{trigger['beat']}'}}]",
                shot.id,
                text.span_of(term),
                (Edit(ctx.shot_path(index, "triggers"), "append", trigger),),
            )


def suggested_trigger_time(duration: float) -> float:
    """About 40% into the shot: the routine reads, then the reaction takes over."""
    return round(max(0.1, min(duration * 0.4, duration - 0.5)), 1)


def suggested_beat(ctx: LintContext, index: int) -> str:
    """A beat for this kind of film (an ad does not 'sense a presence') that the shot does not already say."""
    vocab = vocabulary("trigger_suggestions")
    beats = vocab.option(ctx.film.production.kind, None) or list(vocab.terms)
    said = " ".join(text.value.casefold() for text in ctx.shot_texts(index))
    return next((beat for beat in beats if beat.casefold() not in said), beats[0])


@rule(
    "SC110",
    "monotonous-rhythm",
    Severity.WARNING,
    lesson="The rhythm is monotonous: alternate short shots and breathing shots",
    summary="every shot within a narrow band of durations",
)
def monotonous_rhythm(ctx: LintContext) -> Iterator[Hit]:
    durations = [shot.duration for shot in ctx.shots]
    if len(durations) < MONOTONOUS_MIN_SHOTS:
        return
    spread = max(durations) - min(durations)
    variation = statistics.pstdev(durations) / statistics.mean(durations)
    if spread < MONOTONOUS_SPREAD_S or variation < MONOTONOUS_VARIATION:
        yield Hit(
            ("shots",),
            f"all {len(durations)} shots last {min(durations):g}-{max(durations):g} s; the rhythm is monotonous",
            "alternate short shots (2-3 s details) and breathing shots (4-5 s wides)",
        )
