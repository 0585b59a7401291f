"""Draft a whole plan from the guided start's answers, with the seeds' craft rules and no model.

1. The production document: title, logline, the arc, the five intention answers, character sheets
   with locked descriptors, the place and its geography, charters and prohibitions.
2. A shot list drafted from the arc by kind of film:
   - film: an establishing shot before any interaction (the Geometry Trap), the character introduced
     in a tight portrait, a tension beat with a timing trigger ("Pacing is Everything"), exchanges as
     shot-reverse-shot close-ups with opposed gazes, contact from a profile anchor already inches apart,
     the decision on the emotional detail, and a wide that lets the ending breathe;
   - ad (30 s): product texture hook, real use, result, visual call to action in the last 3 seconds;
   - music video: whole bars of the music's measured beat grid, so every cut lands on a beat.
   Durations and motion come from the seed's shot-type table (plan/presets.py).
3. Every default written out with a comment, so nothing the render uses is hidden.

The result is YAML text (ruamel round-trip, comments kept) that `shotcraft check` passes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from shotcraft.plan import presets
from shotcraft.plan.presets import SHOT_TYPE_PRESETS, ShotType
from shotcraft.plan.questions import Answers

PLACEHOLDER = "(to write)"
ASPECT_RESOLUTIONS = {
    "16:9": (1280, 720), "9:16": (720, 1280), "4:5": (864, 1080), "1:1": (1080, 1080),
    "7:3": (1512, 648), "2.39:1": (1720, 720),
}  # fmt: skip
#: an ad's running time (the seed's "local 30-second ad")
AD_SECONDS = 30.0


@dataclass(frozen=True)
class Beats:
    """A measured beat grid: beat times in seconds, and beats per bar."""

    times: tuple[float, ...]
    per_bar: int = 4

    @property
    def bars(self) -> list[float]:
        return list(self.times[:: self.per_bar])


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug or "my-film")[:40]


def _words(text: str | None) -> str:
    return (text or "").strip()


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _character(answers: Answers, n: int) -> dict[str, Any] | None:
    name = _words(answers.get(f"character{n}.name"))
    if not name:
        return None
    descriptors = {k: _words(answers.get(f"character{n}.{k}")) or PLACEHOLDER for k in ("face", "hair", "age")}
    return {
        "id": _slug(name).replace("-", "_")[:30] or f"character{n}",
        "name": name,
        "descriptors": descriptors,
        "wardrobe": _list(answers.get(f"character{n}.wardrobe")) or [PLACEHOLDER],
    }


def _brief(answers: Answers, shot_type: ShotType, *, subject: str, emotion: str, mission: str, move: str) -> CommentedMap:
    """The seed's 12-line brief: subject, emotion, place, time, weather, shot type, focal length,
    camera movement, palette, texture, prohibition, role."""
    focal = {0: "24mm", 2: "35mm", 3: "85mm", 4: "100mm macro"}[SHOT_TYPE_PRESETS[shot_type].framing]
    brief = CommentedMap()
    brief["subject"] = subject
    brief["emotion"] = emotion
    brief["place"] = _words(answers.get("location.description")) or PLACEHOLDER
    brief["time"] = _words(answers.get("location.time_of_day")) or PLACEHOLDER
    brief["weather"] = _words(answers.get("location.weather")) or PLACEHOLDER
    brief["shot_type"] = SHOT_TYPE_PRESETS[shot_type].source
    brief["focal_length"] = focal
    brief["camera_movement"] = move.replace("-", " ")
    brief["palette"] = ", ".join(_list(answers.get("palette"))) or PLACEHOLDER
    brief["texture"] = _words(answers.get("skin")) or "light film grain"
    brief["prohibition"] = ", ".join(_list(answers.get("prohibitions"))[:2]) or "no text"
    brief["mission"] = mission
    return brief


def _shot(answers: Answers, sid: str, role: str, shot_type: ShotType, *, subject: str, emotion: str, mission: str,
          cast: list[str], move: str = "static", duration: float | None = None, extra: dict[str, Any] | None = None) -> CommentedMap:  # fmt: skip
    preset = SHOT_TYPE_PRESETS[shot_type]
    shot = CommentedMap()
    shot["id"] = sid
    shot["role"] = role
    shot["type"] = shot_type.value
    shot["brief"] = _brief(answers, shot_type, subject=subject, emotion=emotion, mission=mission, move=move)
    if cast:
        shot["characters"] = CommentedSeq(cast)
        shot["characters"].fa.set_flow_style()
    shot["location"] = "place"
    low, high = preset.duration_s
    shot["duration"] = round(duration if duration is not None else (low + high) / 2, 3)
    shot.yaml_add_eol_comment(f"seconds; the seed's {preset.source}: {low:g}-{high:g} s", "duration")
    shot["motion"] = round(sum(preset.motion) / 2, 2)
    shot.yaml_add_eol_comment(f"motion strength; {preset.source}: {preset.motion[0]:g}-{preset.motion[1]:g} ({preset.action})", "motion")
    shot["camera"] = move
    for key, value in (extra or {}).items():
        shot[key] = value
    return shot


def _film_shots(answers: Answers, cast: list[dict[str, Any]]) -> list[CommentedMap]:
    """The arc in blocks, with the directing lessons applied."""
    arc = {k: _words(answers.get(f"arc.{k}")) for k in ("setup", "tension", "decision", "consequence")}
    ids = [c["id"] for c in cast]
    first = cast[0]["name"] if cast else "the place"
    detail = _words(answers.get("intention.emotional_detail")) or "the detail that carries the emotion"
    feeling = _words(answers.get("intention.feeling")) or "quiet"
    geography = _words(answers.get("location.geography"))
    shots = [
        _shot(answers, "s01", "setup", ShotType.ESTABLISHING, cast=ids[:1], move="push-in",
              subject=f"{first}, small in frame" + (f"; {geography}" if geography else ""), emotion="calm",
              mission="show the geography before anything happens: " + (arc["setup"] or "who and where")),
    ]  # fmt: skip
    if cast:
        shots.append(_shot(answers, "s02", "setup", ShotType.TIGHT_PORTRAIT, cast=ids[:1], subject=f"{first}'s face",
                           emotion=feeling, mission="meet the character: " + (arc["setup"] or "what is normal")))  # fmt: skip
        trigger = {"action": f"{first} almost immediately senses a presence and suddenly turns.",
                   "triggers": [{"at": 1.0, "beat": "almost immediately senses a presence"}]}  # fmt: skip
        shots.append(_shot(answers, "s03", "tension", ShotType.MEDIUM_ACTION, cast=ids[:1], move="handheld-drift",
                           subject=f"{first} stops", emotion="unease", mission="the disturbance: " + (arc["tension"] or "what breaks the normal"),
                           extra=trigger))  # fmt: skip
    else:
        shots.append(_shot(answers, "s02", "tension", ShotType.MEDIUM_ACTION, cast=[], move="static",
                           subject="the place; something shifts", emotion="unease",
                           mission="the disturbance: " + (arc["tension"] or "what breaks the normal"),
                           extra={"action": "A light suddenly goes out.", "triggers": [{"at": 1.0, "beat": "suddenly goes out"}]}))  # fmt: skip
    if len(cast) == 2 and answers.get("exchange", "yes") != "no":
        second = cast[1]["name"]
        shots.append(_shot(answers, f"s{len(shots) + 1:02d}", "tension", ShotType.TIGHT_PORTRAIT, cast=[ids[1]],
                           subject=f"{second} turns, looking screen left", emotion="recognition",
                           mission="shot: the look, the other off-screen", extra={"gaze": "left"}))  # fmt: skip
        shots.append(_shot(answers, f"s{len(shots) + 1:02d}", "tension", ShotType.TIGHT_PORTRAIT, cast=[ids[0]],
                           subject=f"{first} looks back, screen right", emotion="recognition",
                           mission="reverse shot: the answer", extra={"gaze": "right"}))  # fmt: skip
    shots.append(_shot(answers, f"s{len(shots) + 1:02d}", "decision", ShotType.OBJECT_DETAIL, cast=ids[:1],
                       subject=detail, emotion="resolve", mission="the decision, shown by a detail: " + (arc["decision"] or "the choice")))  # fmt: skip
    if len(cast) == 2 and answers.get("contact") == "yes":
        blocking = CommentedMap([(ids[0], "left"), (ids[1], "right")])
        blocking.fa.set_flow_style()
        shots.append(_shot(answers, f"s{len(shots) + 1:02d}", "consequence", ShotType.PROFILE_TWO_SHOT, cast=ids,
                           subject=f"{cast[0]['name']} and {cast[1]['name']} in profile, already inches apart", emotion="tenderness",
                           mission="contact, from a profile anchor: " + (arc["consequence"] or "what the choice changes"),
                           extra={"anchor": True, "blocking": blocking}))  # fmt: skip
    shots.append(_shot(answers, f"s{len(shots) + 1:02d}", "consequence", ShotType.WIDE_AMBIENCE, cast=[], move="pull-out",
                       subject="the place again, changed", emotion="stillness",
                       mission="let the ending breathe: " + (arc["consequence"] or "what the choice changes")))  # fmt: skip
    return shots


PRODUCT_ID = "product"


def _product(answers: Answers) -> CommentedMap:
    """The ad's product as a locked sheet, compiled verbatim into every shot that shows it."""
    sheet = CommentedMap()
    sheet["id"] = PRODUCT_ID
    sheet["name"] = _words(answers.get("product.name")) or "the product"
    sheet["kind"] = "product"
    sheet["descriptors"] = CommentedMap([("look", _words(answers.get("product.description")) or PLACEHOLDER)])
    return sheet


def _ad_shots(answers: Answers, cast: list[dict[str, Any]]) -> list[CommentedMap]:
    """The seed's local 30-second ad: hook, real use, result, visual CTA (in the last 3 seconds)."""
    product = _words(answers.get("product.name")) or "the product"
    ids = [c["id"] for c in cast][:1]
    who = cast[0]["name"] if cast else "a hand"
    cta = _words(answers.get("cta")) or "Discover it now"
    plan = [
        ("setup", ShotType.OBJECT_DETAIL, [], f"{product}, its texture in raking light", "curiosity", "hook: the product's texture", 3.0),
        ("setup", ShotType.ESTABLISHING, ids, f"{who} in the place, morning light", "calm", "where and who, before the gesture", 4.0),
        ("tension", ShotType.MEDIUM_ACTION, ids, f"{who} uses {product}", "focus", "real use, one simple gesture", 4.5),
        ("tension", ShotType.INSERT, ids, f"{who}'s fingers on {product}", "care", "the gesture, close", 3.0),
        ("decision", ShotType.TIGHT_PORTRAIT, ids, f"{who}'s face, the result", "confidence", "the result, credible skin", 4.0),
        ("decision", ShotType.MEDIUM_ACTION, ids, f"{who} steps into the day", "lightness", "the promise, lived", 4.5),
        ("consequence", ShotType.WIDE_AMBIENCE, ids, f"{who} in the distance, small in frame", "ease", "breathing shot before the call", 4.0),
        ("consequence", ShotType.OBJECT_DETAIL, [], f"{product} alone, centred, clean background", "clarity", f"visual CTA: {cta}", 3.0),
    ]
    shots = []
    for index, (role, shot_type, cast_ids, subject, emotion, mission, seconds) in enumerate(plan, start=1):
        # the product's reflections hold only with a simple angle: no move around it
        move = "static" if shot_type in (ShotType.OBJECT_DETAIL, ShotType.INSERT) else "push-in"
        extra = {}
        if product in subject:
            extra["props"] = CommentedSeq([PRODUCT_ID])
            extra["props"].fa.set_flow_style()
        shots.append(_shot(answers, f"s{index:02d}", role, shot_type, cast=list(cast_ids), move=move, subject=subject,
                           emotion=emotion, mission=mission, duration=seconds, extra=extra))  # fmt: skip
    return shots


def _music_shots(answers: Answers, cast: list[dict[str, Any]], beats: Beats | None) -> list[CommentedMap]:
    """Shots of whole bars: each cut sits on a measured downbeat; about 4 s each, 3-5 s kept."""
    ids = [c["id"] for c in cast][:2]
    kinds = [ShotType.ESTABLISHING, ShotType.TIGHT_PORTRAIT, ShotType.MEDIUM_ACTION, ShotType.OBJECT_DETAIL,
             ShotType.WIDE_AMBIENCE, ShotType.EXTREME_CLOSE_UP, ShotType.MEDIUM_ACTION, ShotType.TIGHT_PORTRAIT]  # fmt: skip
    roles = ["setup", "setup", "tension", "tension", "decision", "decision", "consequence", "consequence"]
    cuts = _bar_cuts(beats) if beats is not None else [4.0 * i for i in range(len(kinds) + 1)]
    shots = []
    for index in range(len(cuts) - 1):
        shot_type = kinds[index % len(kinds)]
        role = roles[min(len(roles) - 1, index * len(roles) // max(1, len(cuts) - 1))]
        cast_ids = [] if shot_type in (ShotType.WIDE_AMBIENCE, ShotType.OBJECT_DETAIL) else ids[index % max(1, len(ids)) :][:1]
        who = next((c["name"] for c in cast if c["id"] in cast_ids), "the place")
        shots.append(_shot(answers, f"s{index + 1:02d}", role, shot_type, cast=cast_ids, move="push-in" if index % 2 else "static",
                           subject=who, emotion=_words(answers.get("intention.feeling")) or "quiet",
                           mission=f"bars {index + 1}: " + (_words(answers.get(f"arc.{role}")) or role),
                           duration=round(cuts[index + 1] - cuts[index], 4)))  # fmt: skip
    return shots


def _bar_cuts(beats: Beats, fps: Fraction = Fraction(24)) -> list[float]:
    """Cut times on whole bars, about 4 s apart (3-5 s where the tempo allows), from the film's start.

    Each cut is placed on the frame nearest its beat first, and durations are differences of those
    frames, so rounding never accumulates: every cut stays within half a frame of its beat.
    """
    times = list(beats.times)
    if len(times) < 2:
        return [0.0, 4.0]
    bar = (times[-1] - times[0]) / (len(times) - 1) * beats.per_bar
    per_shot = max(1, round(4.0 / bar)) if bar < 5 else 1
    step = beats.per_bar * per_shot
    downbeats = [t for t in times[step::step]]
    frames = [0] + [frames_at(t, fps) for t in downbeats if t > 0]
    return [float(Fraction(f) / fps) for f in frames]


def draft_plan(answers: Answers, *, beats: Beats | None = None) -> str:
    """The whole plan as commented YAML text."""
    kind = answers.get("kind", "film") if answers.get("kind") in ("film", "music-video", "ad") else "film"
    aspect = answers.get("aspect", "16:9") if answers.get("aspect") in ASPECT_RESOLUTIONS else "16:9"
    title = _words(answers.get("title")) or "Untitled"
    cast = [c for c in (_character(answers, 1), _character(answers, 2)) if c]
    if len(cast) == 2 and cast[0]["id"] == cast[1]["id"]:
        cast[1]["id"] += "_2"
    film = CommentedMap()
    film["schema_version"] = 2
    production = CommentedMap()
    production["id"] = _slug(title)
    production.yaml_add_eol_comment("keep it stable: shot seeds are derived from it", "id")
    production["title"] = title
    production["logline"] = _words(answers.get("logline")) or PLACEHOLDER
    production["kind"] = kind
    fmt = CommentedMap()
    width, height = ASPECT_RESOLUTIONS[aspect]
    fmt["resolution"] = f"{width}x{height}"
    fmt["fps"] = 24
    fmt.yaml_add_eol_comment("the seed's cinema rhythm", "fps")
    fmt["aspect"] = aspect
    production["format"] = fmt
    platform = answers.get("platform", "web") if answers.get("platform") in ("web", "mobile", "social", "streaming") else "web"
    production["platforms"] = CommentedSeq([platform])
    production["platforms"].fa.set_flow_style()
    production["arc"] = CommentedMap((k, _words(answers.get(f"arc.{k}")) or PLACEHOLDER) for k in ("setup", "tension", "decision", "consequence"))
    film["production"] = production
    film.yaml_set_comment_before_after_key("production", before="The one-page production document, drafted by `shotcraft new`.\nEvery value below can be edited; `shotcraft check film.yaml` after each change.")
    film["intention"] = CommentedMap(
        (k, _words(answers.get(f"intention.{k}")) or PLACEHOLDER)
        for k in ("feeling", "understanding", "light_source", "camera_movement", "emotional_detail")
    )
    film.yaml_set_comment_before_after_key("intention", before="\nThe five answers: \"if these answers are vague, your render will be too.\"")
    film["characters"] = CommentedSeq(cast)
    if cast:
        film.yaml_set_comment_before_after_key("characters", before="\nCharacter sheets: descriptors and wardrobe are locked and repeated verbatim.")
    if kind == "ad":
        film["props"] = CommentedSeq([_product(answers)])
        film.yaml_set_comment_before_after_key("props", before="\nThe product, locked like a character: its look is repeated verbatim in every shot that shows it.")
    location = CommentedMap()
    location["id"] = "place"
    location["description"] = _words(answers.get("location.description")) or PLACEHOLDER
    for key in ("geography", "time_of_day", "weather"):
        if _words(answers.get(f"location.{key}")):
            location[key] = _words(answers.get(f"location.{key}"))
    film["locations"] = CommentedSeq([location])
    charters = CommentedMap()
    lighting = CommentedMap()
    lighting["source"] = _words(answers.get("intention.light_source")) or PLACEHOLDER
    charters["lighting"] = lighting
    texture = CommentedMap()
    texture["grain"] = "light"
    texture.yaml_add_eol_comment("the seed: subtle, homogeneous grain", "grain")
    texture["skin"] = _words(answers.get("skin")) or "natural skin texture, visible pores"
    texture["sharpness"] = "natural"
    texture.yaml_add_eol_comment("no sharpen: 'too much sharpness = a video-game render'", "sharpness")
    charters["texture"] = texture
    charters["palette"] = CommentedSeq(_list(answers.get("palette")))
    charters["prohibitions"] = CommentedSeq(_list(answers.get("prohibitions")) or ["text", "watermark"])
    film["charters"] = charters
    sound = CommentedMap()
    sound["ambience"] = CommentedMap([("place", CommentedMap([("description", "room tone of the place"), ("lufs", presets.AMBIENCE_LUFS)]))])
    sound["ambience"]["place"].yaml_add_eol_comment("the seed: ambience at -24 LUFS", "lufs")
    if kind == "music-video" and _words(answers.get("music")):
        sound["music"] = CommentedMap([("file", _words(answers.get("music"))), ("lufs", presets.DEFAULT_MUSIC_LUFS)])
    film["sound"] = sound
    defaults = CommentedMap()
    keyframe = CommentedMap()
    keyframe["backend"] = "animatic"
    keyframe.yaml_add_eol_comment("embedded storyboard panels; diffusers-image for a local model", "backend")
    keyframe["steps"] = presets.DEFAULT_STEPS
    keyframe.yaml_add_eol_comment(f"the seed: {presets.KEYFRAME_STEPS.low:g}-{presets.KEYFRAME_STEPS.high:g}", "steps")
    keyframe["cfg"] = presets.DEFAULT_CFG
    keyframe.yaml_add_eol_comment(f"the seed: {presets.KEYFRAME_CFG.low:g}-{presets.KEYFRAME_CFG.high:g}", "cfg")
    keyframe["sampler"] = presets.DEFAULT_SAMPLER
    keyframe["denoise"] = presets.DEFAULT_DENOISE
    keyframe.yaml_add_eol_comment(f"img2img, the seed: {presets.KEYFRAME_DENOISE.low:g}-{presets.KEYFRAME_DENOISE.high:g}", "denoise")
    defaults["keyframe"] = keyframe
    defaults["clip"] = CommentedMap([("backend", "animatic")])
    defaults["takes"] = presets.DEFAULT_TAKES
    defaults.yaml_add_eol_comment("version A and version B, no more", "takes")
    film["defaults"] = defaults
    film.yaml_set_comment_before_after_key("defaults", before="\nWhat every shot uses unless it says otherwise (seeds are derived from the ids: fixed, never random).")
    if kind == "ad":
        shots = _ad_shots(answers, cast)
    elif kind == "music-video":
        shots = _music_shots(answers, cast, beats)
    else:
        shots = _film_shots(answers, cast)
    film["shots"] = CommentedSeq(shots)
    film.yaml_set_comment_before_after_key("shots", before="\nThe shot list: every shot has a mission.")
    if kind == "ad":
        film.yaml_set_comment_before_after_key("shots", before=f"\nCall to action: {_words(answers.get('cta')) or 'Discover it now'}")
    stream = io.StringIO()
    stream.write("# yaml-language-server: $schema=./film.schema.json\n")
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.dump(film, stream)
    return stream.getvalue()


def frames_at(seconds: float, fps: Fraction = Fraction(24)) -> int:
    return round(Fraction(seconds).limit_denominator(10**6) * fps)
