"""Forgiving vocabulary: shot types, camera moves and roles as a director writes them.

The seeds write "Wide ambience shot", "Tight portrait", "extreme close-ups
(ECUs)", "a close up", "two shot". The plan's enums are kebab-case
(``wide-ambience``); this module maps the other spellings onto them: case and
spaces, a trailing "shot", and a table of common synonyms kept as data below.
A value that is still unknown is refused with the nearest valid value
("did you mean 'tight-portrait'?"), so a typo is never silently guessed.

The loader keeps the text as written (``LoadedPlan.raw``); the linter's
SC510 (non-canonical-spelling) notes each value that was normalised.
"""

from __future__ import annotations

import difflib
import re
from enum import StrEnum

from shotcraft.plan.presets import Role, ShotType

#: spellings that are not the enum value with spaces or case changed
SHOT_TYPE_SYNONYMS: dict[str, ShotType] = {
    "establishing shot": ShotType.ESTABLISHING,
    "establisher": ShotType.ESTABLISHING,
    "extreme wide": ShotType.ESTABLISHING,
    "extreme long": ShotType.ESTABLISHING,
    "wide": ShotType.WIDE_AMBIENCE,
    "wide ambience shot": ShotType.WIDE_AMBIENCE,
    "long": ShotType.WIDE_AMBIENCE,
    "long shot": ShotType.WIDE_AMBIENCE,
    "ls": ShotType.WIDE_AMBIENCE,
    "ws": ShotType.WIDE_AMBIENCE,
    "full": ShotType.WIDE_AMBIENCE,
    "full body": ShotType.WIDE_AMBIENCE,
    "full shot": ShotType.WIDE_AMBIENCE,
    "medium": ShotType.MEDIUM_ACTION,
    "medium action shot": ShotType.MEDIUM_ACTION,
    "mid": ShotType.MEDIUM_ACTION,
    "ms": ShotType.MEDIUM_ACTION,
    "medium close up": ShotType.TIGHT_PORTRAIT,
    "mcu": ShotType.TIGHT_PORTRAIT,
    "portrait": ShotType.TIGHT_PORTRAIT,
    "close up": ShotType.TIGHT_PORTRAIT,
    "closeup": ShotType.TIGHT_PORTRAIT,
    "cu": ShotType.TIGHT_PORTRAIT,
    "extreme closeup": ShotType.EXTREME_CLOSE_UP,
    "ecu": ShotType.EXTREME_CLOSE_UP,
    "xcu": ShotType.EXTREME_CLOSE_UP,
    "two shot": ShotType.PROFILE_TWO_SHOT,
    "2 shot": ShotType.PROFILE_TWO_SHOT,
    "profile": ShotType.PROFILE_TWO_SHOT,
    "profile shot": ShotType.PROFILE_TWO_SHOT,
    "detail": ShotType.OBJECT_DETAIL,
    "object detail shot": ShotType.OBJECT_DETAIL,
    "macro": ShotType.OBJECT_DETAIL,
    "packshot": ShotType.OBJECT_DETAIL,
    "pack shot": ShotType.OBJECT_DETAIL,
    "product shot": ShotType.OBJECT_DETAIL,
    "cutaway": ShotType.INSERT,
    "insert shot": ShotType.INSERT,
}

CAMERA_MOVE_SYNONYMS: dict[str, str] = {
    "fixed": "static",
    "locked off": "static",
    "locked": "static",
    "still": "static",
    "none": "static",
    "push": "push-in",
    "push in": "push-in",
    "dolly in": "push-in",
    "track in": "push-in",
    "zoom in": "push-in",
    "pull": "pull-out",
    "pull back": "pull-out",
    "dolly out": "pull-out",
    "track out": "pull-out",
    "zoom out": "pull-out",
    "handheld": "handheld-drift",
    "hand held": "handheld-drift",
    "whip": "whip-pan",
    "crash": "crash-zoom",
    "crane": "crane-up",
    "jib up": "crane-up",
    "jib down": "crane-down",
    "arc": "orbit",
}

#: words that say one of several moves: refused with the choices, never guessed
AMBIGUOUS_CAMERA_MOVES: dict[str, str] = {
    "tracking": "dolly-left or dolly-right (alongside the subject), push-in (closing in) or pull-out (leading it)",
    "track": "dolly-left or dolly-right (alongside the subject), push-in (closing in) or pull-out (leading it)",
    "follow": "dolly-left or dolly-right (alongside the subject), push-in (closing in) or pull-out (leading it)",
    "travelling": "dolly-left or dolly-right (alongside the subject), push-in (closing in) or pull-out (leading it)",
    "dolly": "push-in, pull-out, dolly-left or dolly-right",
    "zoom": "push-in, pull-out or crash-zoom",
    "pan": "pan-left or pan-right",
    "tilt": "tilt-up or tilt-down",
}

#: speed and manner words before a move ("slow push in"): the speed is the shot's `motion`, not its move
MANNER_WORDS = frozenset({"slow", "slowly", "very", "gentle", "gently", "subtle", "slight", "smooth", "soft", "quick", "fast"})

ROLE_SYNONYMS: dict[str, Role] = {
    "set up": Role.SETUP,
    "intro": Role.SETUP,
    "introduction": Role.SETUP,
    "hook": Role.SETUP,
    "rising": Role.TENSION,
    "conflict": Role.TENSION,
    "climax": Role.DECISION,
    "turn": Role.DECISION,
    "twist": Role.DECISION,
    "resolution": Role.CONSEQUENCE,
    "payoff": Role.CONSEQUENCE,
    "ending": Role.CONSEQUENCE,
    "cta": Role.CONSEQUENCE,
    "call to action": Role.CONSEQUENCE,
}


def _key(text: str) -> str:
    """'Tight  Portrait' -> 'tight portrait'; '(ECUs)' -> 'ecu'."""
    words = re.sub(r"[^a-z0-9]+", " ", text.casefold()).split()
    if len(words) == 1 and len(words[0]) > 2 and words[0].endswith("s") and words[0][:-1] in ("ecu", "cu", "mcu", "xcu"):
        words = [words[0][:-1]]
    return " ".join(words)


def canonical(value: object, enum: type[StrEnum], synonyms: dict[str, object], what: str) -> object:
    """The enum value ``value`` means, or ``value`` unchanged when it is not text.

    Unknown text raises ValueError naming the nearest valid value.
    """
    if not isinstance(value, str) or isinstance(value, enum):
        return value
    valid = {member.value: member for member in enum}
    if value in valid:
        return valid[value]
    key = _key(value)
    words = key.split()
    while len(words) > 1 and words[0] in MANNER_WORDS:
        words = words[1:]
    plain = " ".join(words)
    for candidate in dict.fromkeys((key, key.removesuffix(" shot"), plain, plain.removesuffix(" shot"))):
        if candidate.replace(" ", "-") in valid:
            return valid[candidate.replace(" ", "-")]
        if candidate in synonyms:
            return enum(synonyms[candidate])
    if enum.__name__ == "CameraMove" and plain.removesuffix(" shot") in AMBIGUOUS_CAMERA_MOVES:
        raise ValueError(f"camera move {value!r} says several moves: write one of {AMBIGUOUS_CAMERA_MOVES[plain.removesuffix(' shot')]}")
    names = list(valid) + list(synonyms)
    close = difflib.get_close_matches(key.replace(" ", "-"), list(valid), n=1, cutoff=0.6) or difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = ""
    if close:
        suggestion = valid.get(close[0]) or enum(synonyms[close[0]])
        hint = f" (did you mean {suggestion.value!r}?)"
    raise ValueError(f"unknown {what} {value!r}{hint}; known: {', '.join(valid)}")


def shot_type(value: object) -> object:
    return canonical(value, ShotType, SHOT_TYPE_SYNONYMS, "shot type")


def role(value: object) -> object:
    return canonical(value, Role, ROLE_SYNONYMS, "role")


def camera_move(value: object) -> object:
    from shotcraft.plan.schema import CameraMove  # schema imports this module

    return canonical(value, CameraMove, CAMERA_MOVE_SYNONYMS, "camera move")
