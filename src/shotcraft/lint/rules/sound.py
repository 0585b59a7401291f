"""4xx: sound: ambience per location from the rough cut, loudness targets."""

from __future__ import annotations

from collections.abc import Iterator

from shotcraft.lint.context import LintContext
from shotcraft.lint.registry import Edit, Hit, Severity, rule
from shotcraft.plan import presets

#: how far an ambience may sit from the seed's -24 LUFS before it is worth a note
AMBIENCE_TOLERANCE_DB = 3.0


@rule(
    "SC401",
    "location-without-ambience",
    Severity.WARNING,
    lesson="Sound added at the last moment",
    summary="a location shown in a shot with no ambience in the sound plan",
)
def location_without_ambience(ctx: LintContext) -> Iterator[Hit]:
    used = {shot.location for shot in ctx.shots if shot.location}
    for index, location in enumerate(ctx.film.locations):
        if location.id in used and location.id not in ctx.film.sound.ambience:
            first = next(shot.id for shot in ctx.shots if shot.location == location.id)
            yield Hit(
                ("locations", index),
                f"location {location.id} (first seen in shot {first}) has no ambience in the sound plan",
                f"add sound.ambience.{location.id}: {{description: 'room tone of the place'}} and lay it from the rough cut",
                edits=(Edit(("sound", "ambience", location.id), "set", {"description": "room tone of the place"}),),
            )


@rule(
    "SC402",
    "loudness-off-target",
    Severity.INFO,
    lesson="Step 7, sound from the rough cut: ambience -24 LUFS, effects -18/-14",
    summary="an ambience or effect cue set away from the seed's loudness targets",
)
def loudness_off_target(ctx: LintContext) -> Iterator[Hit]:
    sound = ctx.film.sound
    for location_id, ambience in sound.ambience.items():
        if abs(ambience.lufs - presets.AMBIENCE_LUFS) > AMBIENCE_TOLERANCE_DB:
            yield Hit(
                ("sound", "ambience", location_id, "lufs"),
                f"ambience {location_id} at {ambience.lufs:g} LUFS; the bed sits near {presets.AMBIENCE_LUFS:g}",
                f"lufs: {presets.AMBIENCE_LUFS:g}",
                edits=(Edit(("sound", "ambience", location_id, "lufs"), "set", presets.AMBIENCE_LUFS),),
            )
    low, high = presets.EFFECTS_LUFS.low, presets.EFFECTS_LUFS.high
    for index, cue in enumerate(sound.cues):
        if cue.lufs not in presets.EFFECTS_LUFS:
            yield Hit(
                ("sound", "cues", index, "lufs"),
                f"cue on shot {cue.shot} at {cue.lufs:g} LUFS; punctual effects sit at {low:g} to {high:g}",
                f"lufs between {low:g} and {high:g}",
                cue.shot,
                edits=(Edit(("sound", "cues", index, "lufs"), "set", low if cue.lufs < low else high),),
            )
