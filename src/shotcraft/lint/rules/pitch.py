"""5xx (structure), the one-page document and the ad format: a pitch said in 90 seconds; an ad's
message understood without a voice, a quiet ending and a product whose reflections hold from shot to
shot (its call to action is SC505)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shotcraft.lint.context import LintContext
from shotcraft.lint.registry import Hit, Severity, rule
from shotcraft.plan.document import PITCH_LIMIT_S, SPEAKING_WPM, pitch_text
from shotcraft.plan.schema import CameraMove

#: the seed's ad checks: "the CTA does not land: reduce the visual noise in the last 3 seconds",
#: "message understandable with no voice"
AD_END_S = 3.0
VOICE_WORDS = re.compile(r"\b(voice[- ]?over|narrat\w*|says|said|tells|explains|speaks|announces|dialogue|line of dialogue)\b", re.I)
QUIET_MOTION = 0.35
ENDING_MIN_S = 1.0  # a shot that only leaves the screen in the ending does not count


def _ending(ctx: LintContext) -> list[tuple[int, float, float]]:
    """(index, start, end) of the shots that hold the screen at least ENDING_MIN_S of the film's last AD_END_S seconds."""
    spans, t = [], 0.0
    for index, shot in enumerate(ctx.shots):
        spans.append((index, t, t + float(shot.duration)))
        t += float(shot.duration)
    return [span for span in spans if span[2] - max(span[1], t - AD_END_S) >= ENDING_MIN_S]


def _is_ad(ctx: LintContext) -> bool:
    return ctx.film.production.kind == "ad"


@rule(
    "SC520",
    "pitch-over-90-seconds",
    Severity.WARNING,
    lesson="Compact pre-production: explain it to someone in 90 seconds",
    summary="a plan whose pitch (logline, arc, intention) takes more than 90 s to say",
)
def pitch_over_90_seconds(ctx: LintContext) -> Iterator[Hit]:
    text, seconds = pitch_text(ctx.plan)
    if seconds > PITCH_LIMIT_S:
        words = len(text.split())
        yield Hit(
            ("production", "logline"),
            f"the pitch runs {seconds:.0f} s ({words} words at {SPEAKING_WPM} words a minute); the seed's limit is {PITCH_LIMIT_S:.0f} s",
            "cut the logline to one sentence and each arc block to one short line; `shotcraft doc` prints the pitch",
        )


@rule(
    "SC521",
    "ad-message-needs-a-voice",
    Severity.WARNING,
    lesson="Specific quality control: message understandable with no voice",
    summary="an ad shot whose message is carried by a voice or a line of dialogue",
)
def ad_message_needs_a_voice(ctx: LintContext) -> Iterator[Hit]:
    if not _is_ad(ctx):
        return
    voiced = {d.shot for d in ctx.film.sound.dialogue}
    for index, shot in enumerate(ctx.shots):
        match = next((t for t in ctx.prompt_texts(index) if VOICE_WORDS.search(t.value)), None)
        if shot.id in voiced or match is not None:
            path = match.path if match is not None else ctx.shot_path(index, "brief", "subject")
            yield Hit(
                path,
                f"shot {shot.id} carries its message by voice; watched with the sound off, the ad must still be understood",
                "show it instead: the gesture, the product, the result on screen; keep the voice as support",
                shot.id,
            )


@rule(
    "SC522",
    "ad-busy-ending",
    Severity.WARNING,
    lesson='Troubleshooting 24, "the CTA does not land": reduce the visual noise in the last 3 seconds',
    summary="an ad whose last 3 seconds move a lot, or crowd the frame",
)
def ad_busy_ending(ctx: LintContext) -> Iterator[Hit]:
    if not _is_ad(ctx):
        return
    for index, _, _ in _ending(ctx):
        shot = ctx.shots[index]
        resolved = ctx.resolved[index]
        busy = []
        if resolved.motion > QUIET_MOTION:
            busy.append(f"motion {resolved.motion:.2f}")
        if shot.camera.move not in (CameraMove.STATIC, CameraMove.PUSH_IN):
            busy.append(f"camera {shot.camera.move.value}")
        if len(shot.characters) > 1:
            busy.append(f"{len(shot.characters)} characters")
        if busy:
            yield Hit(
                ctx.shot_path(index, "motion" if resolved.motion > QUIET_MOTION else "camera"),
                f"shot {shot.id} plays in the ad's last {AD_END_S:g} s with {', '.join(busy)}",
                f"keep the ending still: camera: static, motion: {QUIET_MOTION:g} or less, one subject",
                shot.id,
            )


#: camera moves that swing the angle on an object, so its highlights slide across it
ANGLE_MOVES = frozenset({CameraMove.ORBIT, CameraMove.FAST_ORBIT, CameraMove.DOLLY_LEFT, CameraMove.DOLLY_RIGHT,
                         CameraMove.CRANE_UP, CameraMove.CRANE_DOWN, CameraMove.WHIP_PAN})  # fmt: skip


@rule(
    "SC523",
    "product-reflections-unlocked",
    Severity.WARNING,
    lesson='Mistake 17, "Inconsistent reflections": simplified angle + controlled highlights',
    summary="a product shown in several shots of an ad under different key directions, or with a move around it",
)
def product_reflections_unlocked(ctx: LintContext) -> Iterator[Hit]:
    from shotcraft.plan.lighting import effective_lighting

    if not _is_ad(ctx):
        return
    for prop in getattr(ctx.film, "props", []):
        if prop.kind != "product":
            continue
        shown = [(i, s) for i, s in enumerate(ctx.shots) if prop.id in getattr(s, "props", [])]
        if len(shown) < 2:
            continue
        directions = {i: effective_lighting(ctx.film, s).lighting.direction for i, s in shown}
        first_index, first_shot = shown[0]
        for index, shot in shown:
            if shot.camera.move in ANGLE_MOVES:
                yield Hit(
                    ctx.shot_path(index, "camera"),
                    f"shot {shot.id} moves around the product {prop.id} ({shot.camera.move.value}): its reflections will slide and change from shot to shot",
                    "camera: static or push-in on the product (a simplified angle); let the light, not the camera, reveal it",
                    shot.id,
                )
            elif directions[index] != directions[first_index]:
                yield Hit(
                    ctx.shot_path(index, "lighting"),
                    f"shot {shot.id} lights the product {prop.id} from {directions[index] or 'an unset direction'}, shot {first_shot.id} from "
                    f"{directions[first_index] or 'an unset direction'}: its highlights will not match",
                    "keep one key direction on the product across its shots (controlled highlights); change the background, not the key",
                    shot.id,
                )
