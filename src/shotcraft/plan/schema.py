"""The film plan (``film.yaml``) as pydantic v2 models.

One production document drives every stage. Field names follow the seeds'
vocabulary: the five intention answers, the emotional arc, character sheets
with locked descriptors, charters, the 12-line brief per shot. Durations are
seconds here (the edge); stages convert to integer frames at an exact rate
through :mod:`shotcraft.plan.resolve`.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from shotcraft.plan import presets, spelling
from shotcraft.plan.presets import Role, ShotType
from shotcraft.timebase import format_rate, parse_rate

SCHEMA_VERSION = 2

# --- scalar types -----------------------------------------------------------


class FixedJsonSchema(WithJsonSchema):
    """WithJsonSchema handing pydantic a copy: pydantic < 2.11 writes a field's default into the dict it gets,
    which then showed up in every other field of the same type (pydantic#11014)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        return copy.deepcopy(super().__get_pydantic_json_schema__(core_schema, handler))


Id = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="identifier: letters, digits, '_', '-', '.'"),
]

Rate = Annotated[
    Fraction,
    BeforeValidator(parse_rate),
    PlainSerializer(format_rate, return_type=str),
    FixedJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 240},
                {"type": "string", "pattern": r"^\d+(/\d+)?$|^(23\.976|23\.98|29\.97|59\.94|47\.952)$"},
            ],
            "description": "frame rate as an exact fraction: 24, '25', '24000/1001'",
        }
    ),
]


#: H.264 level 6.2 (the highest) allows 139,264 macroblocks of 16x16 pixels per frame.
MAX_FRAME_PIXELS = 139_264 * 256


def _parse_resolution(value: object) -> tuple[int, int]:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        width, height = value
    elif isinstance(value, str) and "x" in value.lower():
        left, _, right = value.lower().partition("x")
        if not (left.strip().isdigit() and right.strip().isdigit()):
            raise ValueError(f"expected a resolution like '1280x720', found {value!r}")
        width, height = int(left), int(right)
    else:
        raise ValueError(f"expected a resolution like '1280x720', found {value!r}")
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise ValueError(f"expected width and height between 16 and 8192, found {width}x{height}")
    if width % 2 or height % 2:
        raise ValueError(f"expected even width and height (4:2:0 video), found {width}x{height}")
    if width * height > MAX_FRAME_PIXELS:
        raise ValueError(
            f"expected at most {MAX_FRAME_PIXELS:,} pixels per frame (8192x4320, the H.264 level 6.2 limit "
            f"of the distribution encoder), found {width}x{height} = {width * height:,}"
        )
    return (width, height)


Resolution = Annotated[
    tuple[int, int],
    BeforeValidator(_parse_resolution),
    PlainSerializer(lambda r: f"{r[0]}x{r[1]}", return_type=str),
    FixedJsonSchema({"type": "string", "pattern": r"^\d+x\d+$", "description": "WIDTHxHEIGHT, even numbers"}),
]

Seconds = Annotated[float, Field(ge=0, le=3600)]
Unit = Annotated[float, Field(ge=0, le=1)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Model(BaseModel):
    """Base: unknown keys are errors (typos must be caught)."""

    # allow_inf_nan=False: every number in a plan is finite (a NaN threshold would disable a check)
    model_config = ConfigDict(extra="forbid", validate_default=True, use_enum_values=False, allow_inf_nan=False)


# --- production ---------------------------------------------------------------


class Platform(StrEnum):
    WEB = "web"
    STREAMING = "streaming"
    MOBILE = "mobile"
    SOCIAL = "social"
    BROADCAST = "broadcast"
    CINEMA = "cinema"


class Format(Model):
    resolution: Resolution = (1920, 1080)
    fps: Rate = Fraction(24)
    aspect: str = Field("16:9", pattern=r"^\d+(\.\d+)?:\d+(\.\d+)?$")
    fps_override: str | None = Field(None, description="why the film is not at 24 fps (the seed's cinema rhythm)")


class Arc(Model):
    """The seed's narrative structure: setup, tension, decision, consequence (one line each)."""

    setup: Text | None = None
    tension: Text | None = None
    decision: Text | None = None
    consequence: Text | None = None


class Production(Model):
    id: Id = Field(description="stable id; shot seeds are derived from it, so keep it when renaming the title")
    title: Text
    logline: Text | None = None
    kind: Literal["film", "music-video", "ad"] = "film"
    format: Format = Format()
    platforms: list[Platform] = [Platform.WEB]
    arc: Arc = Arc()
    budget_usd: float | None = Field(
        None, ge=0, le=1_000_000, description="most a render may spend on remote services; above it, render asks (or refuses)"
    )


class Intention(Model):
    """The five answers to set before generating a single pixel."""

    feeling: Text | None = Field(None, description="what the character feels")
    understanding: Text | None = Field(None, description="what the viewer must understand")
    light_source: Text | None = Field(None, description="where the dominant light source is")
    camera_movement: Text | None = Field(None, description="which camera movement is plausible")
    emotional_detail: Text | None = Field(None, description="which visual detail carries the emotion")


class Character(Model):
    """A character sheet: descriptors and wardrobe are compiled verbatim into every prompt."""

    id: Id
    name: Text | None = None
    descriptors: dict[str, Text] = Field(default_factory=dict, description="locked: face, hair, build, age ...")
    wardrobe: list[Text] = Field(default_factory=list)
    references: list[Path] = Field(default_factory=list, description="reference images (IP-Adapter)")
    seed: int | None = Field(None, ge=0, lt=2**32)
    aliases: list[Text] = Field(default_factory=list, description="other names the shot text uses: 'the stranger'")


class Prop(Model):
    """A prop or product sheet: locked like a character, compiled verbatim into every shot that lists it."""

    id: Id
    name: Text | None = None
    kind: Literal["object", "product", "vehicle"] = "object"
    descriptors: dict[str, Text] = Field(default_factory=dict, description="locked: material, colour, shape, label ...")
    aliases: list[Text] = Field(default_factory=list, description="other names the shot text uses: 'the bottle'")
    references: list[Path] = Field(default_factory=list, description="reference images")


class Location(Model):
    id: Id
    description: Text
    geography: Text | None = Field(None, description="what is where: 'car on the left, door on the right'")
    time_of_day: Text | None = None
    weather: Text | None = None
    lighting: Lighting | None = Field(None, description="this place's light; fields set here override the charter's")


# --- charters ---------------------------------------------------------------------


class LightDirection(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    FRONT = "front"
    BACK = "back"
    TOP = "top"
    FRONT_LEFT = "front-left"
    FRONT_RIGHT = "front-right"
    BACK_LEFT = "back-left"
    BACK_RIGHT = "back-right"


class Lighting(Model):
    source: Text | None = Field(None, description="the dominant source: 'sodium streetlamp'")
    direction: LightDirection | None = None
    color_temperature: int | None = Field(None, ge=1000, le=20000, description="kelvin")
    quality: Text | None = Field(None, description="hard, soft, diffused ...")


class Grain(StrEnum):
    NONE = "none"
    SUBTLE = "subtle"
    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"


class Texture(Model):
    grain: Grain = Grain.LIGHT
    grain_size: float = Field(1.0, ge=0.5, le=4.0, description="grain size in pixels at 1080p")
    skin: Text | None = Field(None, description="'natural pores, no retouching'")
    sharpness: Literal["soft", "natural", "crisp"] = "natural"
    notes: Text | None = None


class Charters(Model):
    lighting: Lighting = Lighting()
    texture: Texture = Texture()
    palette: list[Text] = Field(default_factory=list)
    prohibitions: list[Text] = Field(default_factory=list, description="terms that must never appear")
    negative_directing: bool = Field(
        False, description="also add known style associations (neo-noir -> rain) to negative prompts"
    )


# --- sound ------------------------------------------------------------------------


class Ambience(Model):
    file: Path | None = None
    description: Text | None = Field(None, description="for the embedded generator: 'city hum, distant traffic'")
    lufs: float = Field(presets.AMBIENCE_LUFS, ge=-70, le=0)

    @model_validator(mode="after")
    def _file_or_description(self) -> Ambience:
        if self.file is None and self.description is None:
            raise ValueError("give a 'file' or a 'description' for the ambience")
        return self


class Cue(Model):
    """A punctual effect attached to a shot; it moves with the edit."""

    shot: Id
    at: Seconds = Field(0.0, description="seconds from the start of the shot")
    file: Path | None = None
    description: Text | None = None
    lufs: float = Field(presets.DEFAULT_EFFECT_LUFS, ge=-70, le=0)

    @model_validator(mode="after")
    def _file_or_description(self) -> Cue:
        if self.file is None and self.description is None:
            raise ValueError("give a 'file' or a 'description' for the cue")
        return self


class Music(Model):
    file: Path
    lufs: float = Field(presets.DEFAULT_MUSIC_LUFS, ge=-70, le=0)
    start: Seconds = 0.0
    duck_db: float = Field(8.0, ge=0, le=40, description="how far music ducks under effects and dialogue")


class Dialogue(Model):
    shot: Id
    at: Seconds = 0.0
    file: Path
    lufs: float = Field(-16.0, ge=-70, le=0)


class Sound(Model):
    ambience: dict[Id, Ambience] = Field(default_factory=dict, description="per location id")
    cues: list[Cue] = Field(default_factory=list)
    music: Music | None = None
    dialogue: list[Dialogue] = Field(default_factory=list)
    target_lufs: float | None = Field(None, ge=-40, le=-5, description="final mix; default from the platform")
    true_peak: float = Field(presets.TRUE_PEAK_CEILING_DBTP, ge=-12, le=0, description="ceiling in dBTP")
    # both bounds here, not `Seconds` narrowed by Field(le=10): pydantic 2.10 applied le=10, 2.14 Seconds' le=3600
    crossfade: float = Field(0.5, ge=0, le=10, description="ambience crossfade at cuts, seconds")
    production_sound: bool = Field(False, description="mix the sound imported takes carry (voices, room) as a production stem")
    production_lufs: float = Field(-18.0, ge=-40, le=-5, description="level of the production-sound stem")


# --- finishing ----------------------------------------------------------------------


class GradeSettings(Model):
    """Grade parameters, applied in the seed's order: exposure, soft contrast, skin, harmonization."""

    exposure: float | None = Field(None, ge=-4, le=4, description="stops")
    contrast: float | None = Field(None, ge=-1, le=1, description="soft S-curve amount")
    saturation: float | None = Field(None, ge=0, le=2)
    temperature: float | None = Field(None, ge=-1, le=1, description="cool (-) to warm (+)")
    tint: float | None = Field(None, ge=-1, le=1, description="green (-) to magenta (+)")
    skin_protect: float | None = Field(None, ge=0, le=1, description="how strongly skin hues are kept")
    match: bool | None = Field(None, description="harmonize to the reference shot (auto-match)")
    reference: Id | None = Field(None, description="shot to match to")


class Grade(GradeSettings):
    lut_size: Literal[33, 65] = 33
    look: Path | None = Field(None, description="a look .cube applied last")


class EndCard(Model):
    """An ad's closing card over the last seconds of every video deliverable: logo and call to action."""

    cta: Text = Field(..., description="call-to-action text, e.g. 'Order today at example.com'")
    logo: Path | None = Field(None, description="logo image (PNG with transparency works best)")
    seconds: float = Field(3.0, gt=0, le=30, description="how long the card holds at the end")


class Delivery(Model):
    master: Literal["prores", "ffv1"] = "prores"
    editing_media: Literal["prores", "dnxhr", "h264"] = Field(
        "prores", description="codec of the media/ folder the timelines use: ProRes 422 HQ, DNxHR HQ, or the H.264 takes (small)"
    )
    mobile_aspect: Literal["9:16", "4:5"] = "9:16"
    poster_shot: Id | None = None
    end_card: EndCard | None = None


class QASettings(Model):
    thresholds: dict[str, Annotated[float, Field(ge=0, le=1e6)]] = Field(default_factory=dict, description="per check code: QA101: 0.2")


# --- generation settings ---------------------------------------------------------------


class ModelSource(Model):
    """Where a backend's weights come from: a hub repository at a pinned revision, or a local path."""

    repo: str | None = Field(None, description="Hugging Face repository id")
    revision: str | None = Field(None, description="pinned commit or tag for 'repo'")
    path: Path | None = Field(None, description="a local diffusers folder or a single .safetensors file")
    family: str | None = Field(None, description="sd15, sdxl, flux, svd, wan, ltx, cogvideox (guessed when absent)")
    allow_pickle: bool = Field(False, description="allow .ckpt/.bin/.pt (runs code from the file: unsafe)")
    options: dict[str, Any] = Field(default_factory=dict)
    # diffusers runtime settings (docs/models.md); absent means automatic
    base: str | None = Field(
        None, description="configs and missing components for a single-file 'path': a local diffusers folder or a repo id"
    )
    base_revision: str | None = Field(None, description="pinned commit or tag for a repo id in 'base'")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field("auto", description="auto: bf16/fp16 on GPU, fp32 on CPU")
    device: str | None = Field(None, pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto: cuda, then mps, then cpu")
    offload: Literal["none", "model", "sequential"] = Field("none", description="CPU offload for small cards")
    vae_tiling: bool = Field(False, description="decode in tiles (large frames on small cards)")
    vae_slicing: bool = Field(False, description="decode one image of a batch at a time")
    compile: bool = Field(False, description="torch.compile the denoiser (slow first call, faster after)")
    ip_adapter: str | None = Field(None, description="IP-Adapter for character references: repo id or local folder")
    ip_adapter_weight: str | None = Field(None, description="weights file inside 'ip_adapter': 'sdxl_models/ip-adapter_sdxl.safetensors'")
    ip_adapter_revision: str | None = Field(None, description="pinned commit or tag for a repo id in 'ip_adapter'")
    ip_adapter_scale: float = Field(0.6, ge=0, le=2, description="how strongly the reference images steer the image")
    ip_adapter_image_encoder: str | None = Field(
        None, description="image encoder for adapters that ship none (FLUX: 'openai/clip-vit-large-patch14'); repo id or folder"
    )

    @model_validator(mode="after")
    def _one_source(self) -> ModelSource:
        if (self.repo is None) == (self.path is None):
            raise ValueError("give exactly one of 'repo' or 'path'")
        return self


class ServiceSettings(Model):
    """A remote service's settings for a shot or the defaults (docs/providers.md): the model asked for, provider
    options, and for ComfyUI the server, the API-format workflow and which node inputs receive what."""

    model: str | None = Field(None, description="the service's model name: 'veo-3.1-generate-preview', 'gen4_turbo', 'ray-2'")
    options: dict[str, Any] = Field(default_factory=dict, description="provider settings sent as given: resolution, audio ...")
    url: str | None = Field(None, pattern=r"^https?://", description="ComfyUI: the server, e.g. http://127.0.0.1:8188")
    workflow: Path | None = Field(None, description="ComfyUI: the workflow saved in API format (JSON)")
    mapping: dict[str, Annotated[str, Field(pattern=r"^[^.\s]+\.[^.\s]+$")]] = Field(
        default_factory=dict,
        description="ComfyUI: role -> 'node_id.input_name' (prompt, negative_prompt, seed, image, last_image, frames, fps, width, height, motion)",
    )


class KeyframeSettings(Model):
    resolution: Resolution | None = None
    steps: int | None = Field(None, ge=1, le=500)
    cfg: float | None = Field(None, ge=0, le=30)
    sampler: str | None = None
    denoise: float | None = Field(None, ge=0, le=1, description="img2img strength")
    seed: int | None = Field(None, ge=0, lt=2**32)
    backend: str | None = None
    model: ModelSource | None = None
    service: ServiceSettings | None = Field(None, description="remote backends (comfyui, veo, runway, luma, kling): model, options, workflow")


class ClipSettings(Model):
    fps: Rate | None = None
    fps_override: str | None = Field(None, description="why this shot is not at the film's 24 fps")
    backend: str | None = None
    model: ModelSource | None = None
    service: ServiceSettings | None = Field(None, description="remote backends (comfyui, veo, runway, luma, kling): model, options, workflow")


class Defaults(Model):
    keyframe: KeyframeSettings = KeyframeSettings(
        resolution=None,  # the film's aspect at the seed's pixel budget (shotcraft.plan.frame)
        steps=presets.DEFAULT_STEPS,
        cfg=presets.DEFAULT_CFG,
        sampler=presets.DEFAULT_SAMPLER,
        denoise=presets.DEFAULT_DENOISE,
        backend="animatic",
    )
    clip: ClipSettings = ClipSettings(backend="animatic")
    takes: int = Field(presets.DEFAULT_TAKES, ge=1, le=26)
    derive_seeds: bool = Field(True, description="derive a missing seed from production and shot ids")
    handles: int = Field(
        12, ge=0, le=240, description="film frames generated before and after each shot's planned moment (room to trim and dissolve)"
    )


# --- shots ------------------------------------------------------------------------------


class Brief(Model):
    """The seed's 12-line mini brief."""

    subject: Text | None = None
    emotion: Text | None = None
    place: Text | None = None
    time: Text | None = None
    weather: Text | None = None
    shot_type: Text | None = None
    focal_length: Text | None = Field(None, description="perceived focal length: '85mm'")
    camera_movement: Text | None = None
    palette: Text | None = None
    texture: Text | None = None
    prohibition: Text | None = Field(None, description="the visual prohibition of this shot")
    mission: Text | None = Field(None, description="role of the shot: what it must do for the film")


BRIEF_FIELDS: tuple[str, ...] = tuple(Brief.model_fields)


class CameraMove(StrEnum):
    STATIC = "static"
    PUSH_IN = "push-in"
    PULL_OUT = "pull-out"
    PAN_LEFT = "pan-left"
    PAN_RIGHT = "pan-right"
    TILT_UP = "tilt-up"
    TILT_DOWN = "tilt-down"
    DOLLY_LEFT = "dolly-left"
    DOLLY_RIGHT = "dolly-right"
    CRANE_UP = "crane-up"
    CRANE_DOWN = "crane-down"
    ORBIT = "orbit"
    HANDHELD_DRIFT = "handheld-drift"
    WHIP_PAN = "whip-pan"
    FAST_ORBIT = "fast-orbit"
    CRASH_ZOOM = "crash-zoom"


DEMONSTRATIVE_MOVES = frozenset({CameraMove.WHIP_PAN, CameraMove.FAST_ORBIT, CameraMove.CRASH_ZOOM})


def _camera_shorthand(value: object) -> object:
    return {"move": value} if isinstance(value, str) else value


class Camera(Model):
    move: Annotated[CameraMove, BeforeValidator(spelling.camera_move)] = CameraMove.STATIC
    justification: Text | None = Field(None, description="why a demonstrative move is earned")


class Trigger(Model):
    """A timing trigger: a beat that forces the reaction at a given time."""

    at: Seconds
    beat: Text = Field(description="'almost immediately senses a presence'")


Placement = Literal["left", "center-left", "center", "center-right", "right"]


class EndFrame(Model):
    """A last frame for first-last-frame interpolation."""

    type: Annotated[ShotType | None, BeforeValidator(spelling.shot_type)] = None
    subject: Text | None = None
    still: Path | None = None
    blocking: dict[Id, Placement] = Field(default_factory=dict)


class TakesSpec(Model):
    """How many takes, and the one variable they differ in ("one variable per iteration")."""

    count: int = Field(presets.DEFAULT_TAKES, ge=1, le=26)
    vary: Literal["seed", "motion", "cfg", "prompt"] = "seed"
    values: list[float | str] = Field(default_factory=list, description="one value per take when vary is not seed")
    keep: int | None = Field(None, ge=1, le=26, description="takes kept for selection (the seed: 2 at most)")


def _takes_shorthand(value: object) -> object:
    return {"count": value} if isinstance(value, int) and not isinstance(value, bool) else value


class Transition(Model):
    type: Literal["cut", "dissolve", "dip-to-black"] = "cut"
    duration: float = Field(0.0, ge=0, le=10)
    audio_offset: float = Field(
        0.0, ge=-10, le=10, description="J/L cut: seconds the incoming sound leads (-, J-cut) or trails (+, L-cut)"
    )

    @model_validator(mode="after")
    def _duration_matches_type(self) -> Transition:
        if self.type == "cut" and self.duration:
            raise ValueError("a cut has no duration; use 'dissolve' or 'dip-to-black'")
        if self.type != "cut" and not self.duration:
            self.duration = 0.5
        return self


def _transition_shorthand(value: object) -> object:
    return {"type": value} if isinstance(value, str) else value


class Trim(Model):
    in_: Seconds = Field(0.0, alias="in", description="seconds cut from the head of the take")
    out: Seconds | None = Field(None, description="seconds into the take where the shot ends")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Reframe(Model):
    x: Unit = 0.5
    y: Unit = 0.5


class CharacterOverride(Model):
    descriptors: dict[str, Text] = Field(default_factory=dict)
    wardrobe: list[Text] | None = None
    reason: Text | None = None


FramingPart = Literal["face", "hair", "age", "build", "hands", "feet", "legs", "wardrobe", "other", "geography"]


class Framing(Model):
    """Per-shot change to the framing table (src/shotcraft/prompts/framing.yaml): what this shot shows."""

    show: list[FramingPart] = Field(default_factory=list, description="parts shown although the shot type hides them")
    hide: list[FramingPart] = Field(default_factory=list, description="parts hidden although the shot type shows them")


class Shot(Model):
    id: Id
    role: Annotated[Role | None, BeforeValidator(spelling.role)] = None
    type: Annotated[ShotType, BeforeValidator(spelling.shot_type)]
    brief: Brief = Brief()
    action: Text | None = Field(None, description="what happens during the clip")
    characters: list[Id] = Field(default_factory=list)
    location: Id | None = None
    duration: float = Field(4.0, ge=0.04, le=60, description="seconds (at least one frame: 0.04 s)")
    motion: Unit | None = Field(None, description="motion strength 0..1; default: the shot type's preset")
    camera: Annotated[Camera, BeforeValidator(_camera_shorthand)] = Camera()
    triggers: list[Trigger] = Field(default_factory=list)
    blocking: dict[Id, Placement] = Field(default_factory=dict, description="character id -> place in frame")
    gaze: Literal["left", "right", "camera", "up", "down"] | None = None
    anchor: bool = Field(False, description="the keyframe is an anchor pose (characters already in place)")
    keyframe: KeyframeSettings = KeyframeSettings()
    clip: ClipSettings = ClipSettings()
    end_frame: EndFrame | None = None
    takes: Annotated[TakesSpec | None, BeforeValidator(_takes_shorthand)] = None
    transition: Annotated[Transition, BeforeValidator(_transition_shorthand)] = Transition()
    still: Path | None = Field(None, description="a keyframe made elsewhere")
    clips: list[Path] = Field(default_factory=list, description="clips made elsewhere, used as takes")
    trim: Trim = Trim()
    reframe: Reframe = Reframe()
    grade: GradeSettings = GradeSettings()
    overrides: dict[Id, CharacterOverride] = Field(default_factory=dict, description="per-shot character changes")
    qa: QASettings = QASettings()
    lint_ignore: list[Annotated[str, Field(pattern=r"^SC\d{3}$")]] = Field(default_factory=list)
    notes: Text | None = None
    props: list[Id] = Field(default_factory=list, description="prop and product ids seen in this shot")
    lighting: Lighting | None = Field(None, description="an intended light change; fields set here override location and charter")
    framing: Framing | None = Field(None, description="what this shot shows, overriding the framing table")


class Film(Model):
    schema_version: Literal[2] = Field(SCHEMA_VERSION, description="film.yaml format version")
    production: Production
    intention: Intention = Intention()
    characters: list[Character] = Field(default_factory=list)
    props: list[Prop] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    charters: Charters = Charters()
    sound: Sound = Sound()
    grade: Grade = Grade()
    delivery: Delivery = Delivery()
    qa: QASettings = QASettings()
    defaults: Defaults = Defaults()
    shots: list[Shot] = Field(min_length=1)

    def shot(self, shot_id: str) -> Shot:
        for shot in self.shots:
            if shot.id == shot_id:
                return shot
        raise KeyError(shot_id)

    def character(self, character_id: str) -> Character:
        for character in self.characters:
            if character.id == character_id:
                return character
        raise KeyError(character_id)

    def prop(self, prop_id: str) -> Prop:
        for prop in self.props:
            if prop.id == prop_id:
                return prop
        raise KeyError(prop_id)

    def location(self, location_id: str) -> Location:
        for location in self.locations:
            if location.id == location_id:
                return location
        raise KeyError(location_id)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of film.yaml (what `shotcraft schema` prints)."""
    schema = Film.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://shotcraft.dev/schema/film-2.json"
    schema["title"] = "shotcraft film plan"
    # Shorthands accepted by the loader (camera: push-in, takes: 2, transition: dissolve).
    shot = schema["$defs"]["Shot"]["properties"]
    shot["camera"] = {"anyOf": [{"$ref": "#/$defs/Camera"}, {"$ref": "#/$defs/CameraMove"}], "description": "camera move, or {move, justification}"}
    shot["takes"] = {
        "anyOf": [{"$ref": "#/$defs/TakesSpec"}, {"type": "integer", "minimum": 1, "maximum": 26}, {"type": "null"}],
        "default": None,
        "description": "number of takes, or {count, vary, values, keep}",
    }
    shot["transition"] = {
        "anyOf": [{"$ref": "#/$defs/Transition"}, {"enum": ["cut", "dissolve", "dip-to-black"]}],
        "description": "transition into this shot",
    }
    return schema
