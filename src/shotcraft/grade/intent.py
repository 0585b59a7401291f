"""What the plan intends for each shot's light: its light group and its exposure target.

Two decisions live here, one function each:

- :func:`shot_light_intent` — which light a shot is in. Shots in the same
  light (same location and time of day, no relight of their own) are
  harmonized together; a shot whose light differs by intent (its own
  ``lighting`` in the plan, another location or time of day, a relight:
  fire, flames, a flash) forms its own group and is harmonized only within
  its own look, so an intended change of light is never matched away.
- :func:`exposure_intent` — where the shot's subject should sit (a range of
  L* on its key level): a key-lit face at a skin exposure, a night wide that
  stays dark, an insert that keeps its material. A subject inside the range
  is left alone.

Per-location and per-shot ``lighting`` are read through the plan's
:func:`shotcraft.plan.lighting.effective_lighting` (shot over location over
charter, field by field), the same merge the prompt compiler uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shotcraft.plan.lighting import effective_lighting
from shotcraft.plan.presets import ShotType
from shotcraft.plan.schema import Film, Shot

#: words in a shot's text that announce a light of its own (a relight, a practical that changes the scene)
RELIGHT_WORDS = (
    "fire", "fires", "firelight", "fireplace", "flame", "flames", "flaming", "burning", "blaze", "ablaze",
    "bonfire", "candle", "candles", "candlelight", "torch", "torchlight", "relit", "relights", "relight",
    "flash", "flashes", "flashlight", "lightning", "explosion", "explodes", "sunrise", "sunset",
)  # fmt: skip
_RELIGHT = re.compile(r"\b(" + "|".join(RELIGHT_WORDS) + r")\b", re.IGNORECASE)
#: times of day, from the words a plan uses for them
TIME_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("night", ("night", "midnight", "nocturnal", "moonlight", "moonlit")),
    ("dusk", ("dusk", "twilight", "evening", "blue hour", "sunset", "golden hour")),
    ("dawn", ("dawn", "sunrise", "daybreak", "first light")),
    ("day", ("day", "noon", "morning", "afternoon", "daylight", "midday")),
)
#: lighting words that make a charter low-key even by day
LOW_KEY_WORDS = ("low-key", "low key", "deep shadow", "chiaroscuro", "noir")
FACE_TYPES = frozenset({ShotType.TIGHT_PORTRAIT, ShotType.EXTREME_CLOSE_UP, ShotType.PROFILE_TWO_SHOT})
WIDE_TYPES = frozenset({ShotType.ESTABLISHING, ShotType.WIDE_AMBIENCE})
MATERIAL_TYPES = frozenset({ShotType.INSERT, ShotType.OBJECT_DETAIL})


@dataclass(frozen=True)
class LightIntent:
    """The light a shot is meant to be in."""

    group: str  # shots with the same group are harmonized together
    time: str  # night, dusk, dawn, day or unknown
    low_key: bool  # night or a low-key charter: subjects sit lower
    coloured: bool  # the intended light has a colour of its own (fire, sodium, tungsten...): skin keeps its hue
    reason: str  # why the group differs, for the report ("location street, night", "relight: flames")
    own: bool = False  # the shot's light is its own by intent (relight or per-shot lighting)


def _lighting_key(lighting: object) -> str:
    dump = getattr(lighting, "model_dump", None)
    data = dump(mode="json", exclude_none=True) if dump else lighting
    return ",".join(f"{k}={v}" for k, v in sorted(dict(data or {}).items()))  # type: ignore[arg-type]


def _time_class(*texts: str | None) -> str:
    for text in texts:
        lowered = (text or "").lower()
        for name, words in TIME_CLASSES:
            if any(word in lowered for word in words):
                return name
    return "unknown"


def _shot_text(shot: Shot) -> str:
    return " ".join(t for t in (shot.action, shot.brief.subject, shot.brief.time, shot.notes, shot.brief.mission) if t)


def shot_light_intent(plan: Film, shot: Shot) -> LightIntent:
    """The light ``shot`` is meant to be in: its group (harmonized together), time of day and colour.

    Sources, most specific first: the shot's own ``lighting``, a relight named in the shot's text (fire, flames, relit,
    flash ...), then its location's ``lighting`` and time of day, then the
    film's lighting charter.
    """
    location = None
    if shot.location is not None:
        try:
            location = plan.location(shot.location)
        except KeyError:
            location = None
    time = _time_class(shot.brief.time, location.time_of_day if location else None, plan.charters.lighting.source)
    effective = effective_lighting(plan, shot)  # shot > location > charter, field by field
    lighting = effective.lighting
    shot_lighting = shot.lighting if any(level == "shot" for level in effective.sources.values()) else None
    location_lighting = location.lighting if location is not None else None
    words = " ".join(str(v) for v in (lighting.source, lighting.quality) if v).lower()
    low_key = time in ("night", "dusk") or any(word in words for word in LOW_KEY_WORDS)
    kelvin = lighting.color_temperature
    coloured = kelvin is not None and not 4000 <= kelvin <= 7500
    relight = list(dict.fromkeys(word.lower() for word in _RELIGHT.findall(_shot_text(shot))))
    place = shot.location or "no location"
    if shot_lighting is not None:
        return LightIntent(f"lighting:{_lighting_key(lighting)}", time, low_key, coloured,
                           f"its own lighting ({_lighting_key(shot_lighting)})", own=True)  # fmt: skip
    if relight:
        return LightIntent(f"relight:{shot.id}", time, low_key, True, f"relight: {', '.join(relight)}", own=True)
    group = f"location:{place}|{time}" + (f"|{_lighting_key(location_lighting)}" if location_lighting is not None else "")
    return LightIntent(group, time, low_key, coloured, f"{place}, {time}")


@dataclass(frozen=True)
class ExposureIntent:
    """Where a shot's subject key level should sit, in L* (0-100), and what the subject is."""

    subject: str  # "face", "key region", "material"
    kind: str  # face, subject, wide, material: shots of one kind are compared for contrast and saturation
    low: float
    high: float
    why: str

    def target(self, level: float) -> float:
        """The nearest level inside the range (a level already inside is its own target)."""
        return min(max(level, self.low), self.high)


#: subject key-level ranges (L* of the 75th percentile of the subject), by what the shot shows and its light.
#: A lit face sits at a skin exposure; a night wide stays dark; an insert keeps its material (a wide range).
#: The night ranges do not overlap between faces and wides, so a scene's order by brightness follows intent.
EXPOSURE_RANGES: dict[tuple[str, bool], tuple[float, float]] = {
    ("face", False): (58.0, 84.0),
    ("face", True): (42.0, 66.0),
    ("subject", False): (45.0, 75.0),
    ("subject", True): (30.0, 55.0),
    ("wide", False): (45.0, 75.0),
    ("wide", True): (16.0, 38.0),
    ("material", False): (35.0, 80.0),
    ("material", True): (20.0, 62.0),
}


def exposure_intent(shot: Shot, light: LightIntent, *, has_face: bool) -> ExposureIntent:
    """The exposure range of ``shot``'s subject from its type, its characters and its light."""
    shot_type = ShotType(shot.type)
    if shot_type in MATERIAL_TYPES:
        kind, subject = "material", "material"
    elif shot_type in WIDE_TYPES:
        kind, subject = "wide", "key region"
    elif has_face or (shot_type in FACE_TYPES and shot.characters):
        kind, subject = "face", "face"
    else:
        kind, subject = "subject", "key region"
    low, high = EXPOSURE_RANGES[(kind, light.low_key)]
    light_word = "low-key" if light.low_key else "normal-key"
    return ExposureIntent(subject, kind, low, high, f"{shot_type.value}, {light_word} ({light.reason})")
