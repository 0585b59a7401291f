"""What a shot's prompts are made of, gathered once and family-neutral.

Families (``sd``, ``prose``) only decide wording and order; which plan fields
count, which take variant applies, how overrides merge and when a location's
geography is shown are decided here, in one place. Plan text is used verbatim
except that runs of whitespace (YAML folded lines) collapse to one space, so
a prompt is always one line.

Framing decides which parts of a character sheet a shot carries
(:mod:`shotcraft.prompts.framing`, the table ``framing.yaml``): the strings
stay verbatim, but a macro insert of a glove carries the glove, not the jaw.
Light is the shot's effective lighting (shot > location > charter,
:func:`shotcraft.plan.lighting.effective_lighting`). Props listed on a shot
are compiled verbatim like a character sheet. A timing beat whose words the
action already says is not said twice.

Left out on purpose: the brief's ``mission`` (the role of the shot, for the
director and the edit, not something a camera sees) and ``prohibition``
(it goes to the negative prompt), and the intention answers (they shaped the
brief; the charters carry the visual part of them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shotcraft.errors import InputError
from shotcraft.plan.lighting import effective_lighting
from shotcraft.plan.presets import ShotType
from shotcraft.plan.resolve import TakeSpec
from shotcraft.plan.schema import CameraMove, Film, Grain, Shot
from shotcraft.prompts.framing import shown_parts, visible_sheet

#: how a shot type reads when the brief gives no shot_type line
SHOT_TYPE_WORDS: dict[ShotType, str] = {
    ShotType.ESTABLISHING: "wide establishing shot",
    ShotType.WIDE_AMBIENCE: "wide shot",
    ShotType.MEDIUM_ACTION: "medium shot",
    ShotType.TIGHT_PORTRAIT: "tight portrait",
    ShotType.EXTREME_CLOSE_UP: "extreme close-up",
    ShotType.PROFILE_TWO_SHOT: "profile two-shot",
    ShotType.OBJECT_DETAIL: "detail shot",
    ShotType.INSERT: "insert shot",
}

#: camera moves as words; the seed asks for "sober inertia", so the plain moves read as slow
CAMERA_WORDS: dict[CameraMove, str] = {
    CameraMove.STATIC: "static camera",
    CameraMove.PUSH_IN: "slow push-in",
    CameraMove.PULL_OUT: "slow pull-out",
    CameraMove.PAN_LEFT: "slow pan left",
    CameraMove.PAN_RIGHT: "slow pan right",
    CameraMove.TILT_UP: "slow tilt up",
    CameraMove.TILT_DOWN: "slow tilt down",
    CameraMove.DOLLY_LEFT: "slow dolly left",
    CameraMove.DOLLY_RIGHT: "slow dolly right",
    CameraMove.CRANE_UP: "slow crane up",
    CameraMove.CRANE_DOWN: "slow crane down",
    CameraMove.ORBIT: "slow orbit",
    CameraMove.HANDHELD_DRIFT: "subtle handheld drift",
    CameraMove.WHIP_PAN: "whip pan",
    CameraMove.FAST_ORBIT: "fast orbit",
    CameraMove.CRASH_ZOOM: "crash zoom",
}

#: where a light comes from, as words
LIGHT_DIRECTION_WORDS: dict[str, str] = {
    "left": "from the left",
    "right": "from the right",
    "front": "from the front",
    "back": "from behind",
    "top": "from above",
    "front-left": "from the front left",
    "front-right": "from the front right",
    "back-left": "from behind on the left",
    "back-right": "from behind on the right",
}

GRAIN_WORDS: dict[Grain, str | None] = {
    Grain.NONE: None,
    Grain.SUBTLE: "subtle film grain",
    Grain.LIGHT: "light film grain",
    Grain.MEDIUM: "medium film grain",
    Grain.HEAVY: "heavy film grain",
}

SHARPNESS_WORDS: dict[str, str] = {
    "soft": "soft natural focus",
    "natural": "natural sharpness",
    "crisp": "crisp detail",
}

PLACEMENT_WORDS: dict[str, str] = {
    "left": "on the left of frame",
    "center-left": "left of centre",
    "center": "in the centre of frame",
    "center-right": "right of centre",
    "right": "on the right of frame",
}

GAZE_WORDS: dict[str, str] = {
    "left": "looking towards frame left",
    "right": "looking towards frame right",
    "camera": "looking into the lens",
    "up": "looking up",
    "down": "looking down",
}


def one_line(text: str | None) -> str | None:
    """Plan text with whitespace runs collapsed; None for missing or blank text."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None


def format_seconds(value: float) -> str:
    """1.5 -> '1.5', 1.0 -> '1', 0.25 -> '0.25' (two decimals at most, never exponent notation)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def format_number(value: float) -> str:
    """Settings values (motion, CFG) with at most three decimals, byte-stable."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@dataclass(frozen=True)
class CharacterSheet:
    """One character as this shot sees it: locked descriptors and wardrobe, overrides applied."""

    id: str
    name: str
    descriptors: tuple[str, ...]  # values in the plan's dict order
    wardrobe: tuple[str, ...]
    placement: str | None  # words, from the shot's blocking
    overridden: bool
    hidden: tuple[str, ...] = ()  # sheet strings this framing does not show (reported, never reworded)


@dataclass(frozen=True)
class PropSheet:
    """A prop or product as locked in the plan: its descriptors, verbatim."""

    id: str
    name: str
    kind: str
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class Beat:
    """A timing trigger: the time it fires and the beat text, verbatim."""

    at: float
    text: str


@dataclass(frozen=True)
class Lighting:
    source: str | None
    direction: str | None  # words, "from the right"
    kelvin: int | None
    quality: str | None


@dataclass(frozen=True)
class Ingredients:
    """Everything the families may put into a shot's prompts, in plan order."""

    shot_id: str
    shot_type: ShotType
    take: str
    framing: str  # brief.shot_type, or the shot type in words
    focal_length: str | None
    subject: str | None
    emotion: str | None
    action: str | None
    variant: str | None  # the take's prompt variant ("takes vary prompt")
    characters: tuple[CharacterSheet, ...]
    props: tuple[PropSheet, ...]
    gaze: str | None
    place: str | None
    location: str | None
    geography: str | None  # only when the framing shows it (establishing and wide shots)
    time: str | None
    weather: str | None
    camera: tuple[str, ...]  # the brief's camera line, then the move in words when it adds something
    lighting: Lighting
    palette: tuple[str, ...]
    texture: tuple[str, ...]
    beats: tuple[Beat, ...]  # time order
    end_subject: str | None  # first-last-frame shots: what the last frame shows
    end_blocking: tuple[tuple[str, str], ...]  # (name, placement words) in the last frame
    duration: float
    repeated_beats: tuple[Beat, ...] = ()  # beats left out because the action already says them
    aspect: str = "16:9"  # the film's aspect ratio, for families that write it into the prompt
    seed: int | None = None  # this take's seed, for families that write it into the prompt
    motion: float = 0.45  # this take's motion strength


def gather(film: Film, shot: Shot, take: TakeSpec) -> Ingredients:
    """Collect a shot's prompt ingredients for one take."""
    brief = shot.brief
    location = _location(film, shot)
    parts = shown_parts(shot)
    action = one_line(shot.action)
    beats = tuple(sorted((Beat(t.at, one_line(t.beat) or "") for t in shot.triggers), key=lambda beat: beat.at))
    repeated = tuple(beat for beat in beats if beat_in_action(beat.text, action))
    return Ingredients(
        shot_id=shot.id,
        shot_type=shot.type,
        take=take.label,
        framing=one_line(brief.shot_type) or SHOT_TYPE_WORDS[shot.type],
        focal_length=_focal_length(brief.focal_length),
        subject=one_line(brief.subject),
        emotion=one_line(brief.emotion),
        action=action,
        variant=one_line(take.prompt_variant) if take.varies == "prompt" else None,
        characters=tuple(_character_sheet(film, shot, character_id) for character_id in shot.characters),
        props=tuple(_prop_sheet(film, shot, prop_id) for prop_id in shot.props),
        gaze=GAZE_WORDS.get(shot.gaze) if shot.gaze else None,
        place=one_line(brief.place),
        location=one_line(location.description) if location else None,
        geography=one_line(location.geography) if location and "geography" in parts else None,
        time=one_line(brief.time) or (one_line(location.time_of_day) if location else None),
        weather=one_line(brief.weather) or (one_line(location.weather) if location else None),
        camera=_camera(shot),
        lighting=_lighting(film, shot),
        palette=_present(brief.palette, *film.charters.palette),
        texture=_texture(film, shot),
        beats=tuple(beat for beat in beats if beat not in repeated),
        end_subject=one_line(shot.end_frame.subject) if shot.end_frame is not None else None,
        end_blocking=_end_blocking(film, shot),
        duration=shot.duration,
        repeated_beats=repeated,
        aspect=film.production.format.aspect,
        seed=take.seed,
        motion=take.motion,
    )


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.casefold()))


def beat_in_action(beat: str, action: str | None) -> bool:
    """True when the action already says the beat (same words, in order): saying it twice only repeats it."""
    return bool(action) and bool(_normalised(beat)) and _normalised(beat) in _normalised(action or "")


def _present(*texts: str | None) -> tuple[str, ...]:
    return tuple(line for line in (one_line(text) for text in texts) if line)


def _location(film: Film, shot: Shot):
    if shot.location is None:
        return None
    try:
        return film.location(shot.location)
    except KeyError:
        raise InputError(f"shot {shot.id}: location {shot.location!r} is not in the plan's locations") from None


def _focal_length(text: str | None) -> str | None:
    line = one_line(text)
    if line is None:
        return None
    # "85mm" reads as a lens to both CLIP and T5; "85mm lens" removes the doubt.
    return line if "lens" in line.lower() else f"{line} lens"


def _character_sheet(film: Film, shot: Shot, character_id: str) -> CharacterSheet:
    try:
        character = film.character(character_id)
    except KeyError:
        raise InputError(f"shot {shot.id}: character {character_id!r} is not in the plan's characters") from None
    descriptors = dict(character.descriptors)
    wardrobe = list(character.wardrobe)
    override = shot.overrides.get(character_id)
    if override is not None:
        # Keys keep their place in the sheet; a new key goes last, so the order stays locked.
        descriptors.update(override.descriptors)
        if override.wardrobe is not None:
            wardrobe = list(override.wardrobe)
    placement = shot.blocking.get(character_id)
    shown_descriptors, shown_wardrobe = visible_sheet(descriptors, wardrobe, shot)
    hidden = [value for value in (*descriptors.values(), *wardrobe) if value not in (*shown_descriptors, *shown_wardrobe)]
    return CharacterSheet(
        id=character.id,
        name=one_line(character.name) or character.id,
        descriptors=_present(*shown_descriptors),
        wardrobe=_present(*shown_wardrobe),
        placement=PLACEMENT_WORDS[placement] if placement else None,
        overridden=override is not None,
        hidden=_present(*hidden),
    )


def _prop_sheet(film: Film, shot: Shot, prop_id: str) -> PropSheet:
    try:
        prop = film.prop(prop_id)
    except KeyError:
        raise InputError(f"shot {shot.id}: prop {prop_id!r} is not in the plan's props") from None
    return PropSheet(prop.id, one_line(prop.name) or prop.id, prop.kind, _present(*prop.descriptors.values()))


def _camera(shot: Shot) -> tuple[str, ...]:
    brief_line = one_line(shot.brief.camera_movement)
    move = CAMERA_WORDS[shot.camera.move]
    if brief_line is None:
        lines = [move]
    elif shot.camera.move == CameraMove.STATIC or move.casefold() in brief_line.casefold():
        lines = [brief_line]  # the brief already says it, more precisely
    else:
        lines = [brief_line, move]
    justification = one_line(shot.camera.justification)
    if justification and shot.camera.move != CameraMove.STATIC:
        lines.append(justification)
    return tuple(lines)


def _lighting(film: Film, shot: Shot) -> Lighting:
    light = effective_lighting(film, shot).lighting
    return Lighting(
        source=one_line(light.source),
        direction=LIGHT_DIRECTION_WORDS[light.direction.value] if light.direction else None,
        kelvin=light.color_temperature,
        quality=one_line(light.quality),
    )


def _texture(film: Film, shot: Shot) -> tuple[str, ...]:
    texture = film.charters.texture
    # Skin texture only matters when the frame shows someone's skin (not a packshot, not a glove).
    skin = texture.skin if shot.characters and shows_skin(shot) else None
    return _present(
        shot.brief.texture,
        skin,
        GRAIN_WORDS[texture.grain],
        SHARPNESS_WORDS[texture.sharpness],
        texture.notes,
    )


def _end_blocking(film: Film, shot: Shot) -> tuple[tuple[str, str], ...]:
    if shot.end_frame is None:
        return ()
    placed = []
    for character_id in shot.characters:  # shot order, not the mapping's, so it matches the sheets
        placement = shot.end_frame.blocking.get(character_id)
        if placement:
            sheet = _character_sheet(film, shot, character_id)
            placed.append((sheet.name, PLACEMENT_WORDS[placement]))
    return tuple(placed)


def shows_skin(shot: Shot) -> bool:
    """True when the framing shows a face or bare hands (a gloved hand is no skin)."""
    parts = shown_parts(shot)
    from shotcraft.prompts.framing import uses_mentioned_items

    bare_hands = uses_mentioned_items(shot) and "hands" in parts and "glove" not in " ".join(_words_of(shot))
    return "face" in parts or bare_hands


def _words_of(shot: Shot) -> list[str]:
    return [(shot.brief.subject or "").lower(), (shot.action or "").lower()]
