"""The seeds' starting-settings tables, in one place.

Source: "How to Create a Cinematic Video with AI" (shared/seeds/001): the
starting settings table, keyframe settings (step 2), animation rules
(step 3) and "Recommended settings by shot type". Shot types the seed does
not list borrow the nearest listed type; ``source`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ShotType(StrEnum):
    ESTABLISHING = "establishing"
    WIDE_AMBIENCE = "wide-ambience"
    MEDIUM_ACTION = "medium-action"
    TIGHT_PORTRAIT = "tight-portrait"
    EXTREME_CLOSE_UP = "extreme-close-up"
    PROFILE_TWO_SHOT = "profile-two-shot"
    OBJECT_DETAIL = "object-detail"
    INSERT = "insert"


class Role(StrEnum):
    """The four blocks of the seed's narrative structure, in order."""

    SETUP = "setup"
    TENSION = "tension"
    DECISION = "decision"
    CONSEQUENCE = "consequence"


ROLE_ORDER: tuple[Role, ...] = (Role.SETUP, Role.TENSION, Role.DECISION, Role.CONSEQUENCE)


@dataclass(frozen=True)
class ShotTypePreset:
    duration_s: tuple[float, float]
    motion: tuple[float, float]
    key_risk: str
    action: str
    source: str  # which row of the seed's table this comes from
    framing: int  # 0 = widest; used to measure framing changes between frames


SHOT_TYPE_PRESETS: dict[ShotType, ShotTypePreset] = {
    ShotType.ESTABLISHING: ShotTypePreset((3, 5), (0.25, 0.40), "set geometry", "limit the tracking shot", "wide ambience shot", 0),
    ShotType.WIDE_AMBIENCE: ShotTypePreset((3, 5), (0.25, 0.40), "set geometry", "limit the tracking shot", "wide ambience shot", 0),
    ShotType.MEDIUM_ACTION: ShotTypePreset((4, 5), (0.40, 0.55), "hands/edges", "simplify the gesture", "medium action shot", 2),
    ShotType.TIGHT_PORTRAIT: ShotTypePreset((3, 4), (0.30, 0.40), "face drift", "almost fixed camera", "tight portrait", 3),
    ShotType.EXTREME_CLOSE_UP: ShotTypePreset((3, 4), (0.30, 0.40), "face drift", "almost fixed camera", "tight portrait", 4),
    ShotType.PROFILE_TWO_SHOT: ShotTypePreset((3, 4), (0.30, 0.40), "faces merging", "characters already inches apart", "tight portrait", 3),
    ShotType.OBJECT_DETAIL: ShotTypePreset((2, 4), (0.20, 0.35), "'CGI' texture", "explicit material", "object detail shot", 4),
    ShotType.INSERT: ShotTypePreset((2, 4), (0.20, 0.35), "'CGI' texture", "explicit material", "object detail shot", 4),
}

#: Shot types that may legitimately run under 2 s.
SHORT_SHOT_TYPES = frozenset({ShotType.OBJECT_DETAIL, ShotType.INSERT})
#: Shot types that show a location's geography (answer "The Geometry Trap").
GEOGRAPHY_SHOT_TYPES = frozenset({ShotType.ESTABLISHING, ShotType.WIDE_AMBIENCE})


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


# Keyframe (step 2) and clip (step 3) starting settings.
KEYFRAME_RESOLUTIONS = ((1536, 864), (1920, 1080))
KEYFRAME_STEPS = Range(30, 45)
KEYFRAME_CFG = Range(4.5, 6.5)
KEYFRAME_DENOISE = Range(0.25, 0.40)
DEFAULT_KEYFRAME_RESOLUTION = (1536, 864)
DEFAULT_STEPS = 35
DEFAULT_CFG = 5.5
DEFAULT_DENOISE = 0.30
DEFAULT_SAMPLER = "dpm++-2m-karras"
CLIP_DURATION_S = Range(3, 5)
CLIP_MIN_DURATION_S = 2.0
CLIP_FPS = 24
CLIP_MOTION = Range(0.35, 0.55)
DEFAULT_MOTION = 0.45
DEFAULT_TAKES = 2  # "1 version A, 1 version B maximum"
MAX_KEPT_TAKES = 2

# Sound (step 7): LUFS targets.
AMBIENCE_LUFS = -24.0
EFFECTS_LUFS = Range(-18.0, -14.0)
DEFAULT_EFFECT_LUFS = -16.0
DEFAULT_MUSIC_LUFS = -20.0
PLATFORM_LUFS = {"web": -14.0, "streaming": -14.0, "mobile": -14.0, "social": -14.0, "broadcast": -23.0, "cinema": -27.0}
TRUE_PEAK_CEILING_DBTP = -1.0

TAKE_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
