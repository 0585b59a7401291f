"""A storyboard panel from the plan: framing by shot type, blocking, light, palette, caption.

``panel_spec(context)`` reads the plan data the render engine puts in a
request's ``context``; ``draw_picture(spec, size, seed)`` draws the lit image
and ``draw_caption(spec, size)`` the fixed caption layer (kept separate so a
clip can move the picture under a caption that stays put).
"""

from __future__ import annotations

import dataclasses

import math
import re
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from shotcraft.backends import drawing
from shotcraft.backends.drawing import RGB, Look

#: blocking word -> horizontal position (fraction of the frame width)
PLACEMENT_X = {"left": 0.25, "center-left": 0.38, "center": 0.5, "center-right": 0.62, "right": 0.75}

#: light direction -> where the dominant source sits, in frame fractions (x, y); off-frame is fine
LIGHT_POSITION = {
    "left": (-0.35, 0.3), "right": (1.35, 0.3), "top": (0.5, -0.5), "front": (0.5, 0.45), "back": (0.5, 0.35),
    "front-left": (0.05, 0.25), "front-right": (0.95, 0.25), "back-left": (0.2, 0.2), "back-right": (0.8, 0.2),
}  # fmt: skip

WIDE_TYPES = ("establishing", "wide-ambience")
DETAIL_TYPES = ("object-detail", "insert")
SMILE_WORDS = re.compile(r"smil|joy|radiant|laugh|grin|relief|tender", re.IGNORECASE)
FAR_WORDS = re.compile(r"far end|in the distance|distant|far away|background|small in frame", re.IGNORECASE)


@dataclass(frozen=True)
class PanelSpec:
    """What a panel shows, read once from the request context."""

    shot_id: str
    take: str
    shot_type: str
    role: str
    subject: str
    place: str
    camera_move: str
    duration: float
    focal_length: str
    gaze: str | None
    blocking: dict[str, str]
    looks: tuple[Look, ...]
    geography: str
    location_text: str
    location_description: str
    light_direction: str
    key_light: RGB
    shadow: RGB
    ground: RGB
    title: str
    emotion: str = ""
    action: str = ""
    triggers: tuple[float, ...] = field(default_factory=tuple)
    beats: tuple[str, ...] = field(default_factory=tuple)  # the trigger's words, one per trigger
    props: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # prop sheets listed on the shot


def keyframe_spec(spec: PanelSpec) -> PanelSpec:
    """The panel a keyframe draws: the clip's own facts (role, camera move, duration, beats) left out."""
    return dataclasses.replace(spec, role="", camera_move="", duration=0.0, triggers=(), beats=())


def _kelvin_rgb(kelvin: float) -> RGB:
    """Approximate blackbody colour (Tanner Helland's fit), for a key light without palette words."""
    t = kelvin / 100.0
    red = 255.0 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    green = 99.47 * math.log(t) - 161.12 if t <= 66 else 288.12 * (t - 60) ** -0.0755
    blue = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.52 * math.log(t - 10) - 305.04)
    return tuple(int(np.clip(v, 0, 255)) for v in (red, green, blue))


def panel_spec(context: dict[str, Any], *, shot_id: str, take: str, prompt: str = "") -> PanelSpec:
    """Read the plan part of a request context; a missing context still gives a readable panel."""
    plan = context.get("plan") or {}
    shot = plan.get("shot") or {}
    brief = shot.get("brief") or {}
    charters = plan.get("charters") or {}
    lighting = charters.get("lighting") or {}
    location = plan.get("location") or {}
    characters = {c.get("id"): c for c in plan.get("characters") or [] if isinstance(c, dict)}
    order = [cid for cid in shot.get("characters") or [] if cid in characters]
    looks = tuple(drawing.character_look(characters[cid], i) for i, cid in enumerate(order))
    palette_colours = [drawing.first_colour(word, None) for word in charters.get("palette") or []]  # type: ignore[arg-type]
    palette_colours = [c for c in palette_colours if c is not None]
    kelvin = lighting.get("color_temperature")
    key = palette_colours[0] if palette_colours else (_kelvin_rgb(kelvin) if kelvin else (255, 236, 214))
    shadow = palette_colours[1] if len(palette_colours) > 1 else (70, 84, 110)
    ground = palette_colours[2] if len(palette_colours) > 2 else (96, 96, 100)
    camera = shot.get("camera") or {}
    move = camera.get("move", "static") if isinstance(camera, dict) else str(camera)
    trigger_items = sorted((t for t in shot.get("triggers") or [] if isinstance(t, dict)), key=lambda t: float(t.get("at", 0)))
    triggers = tuple(float(t.get("at", 0)) for t in trigger_items)
    beats = tuple(str(t.get("beat") or "") for t in trigger_items)
    production = plan.get("production") or {}
    return PanelSpec(
        shot_id=str(shot.get("id") or shot_id),
        take=take,
        shot_type=str(shot.get("type") or "medium-action"),
        role=str(shot.get("role") or ""),
        subject=str(brief.get("subject") or shot.get("action") or prompt or shot_id),
        place=str(brief.get("place") or ""),
        camera_move=str(move),
        duration=float(shot.get("duration") or 0.0),
        focal_length=str(brief.get("focal_length") or ""),
        gaze=shot.get("gaze"),
        blocking={str(k): str(v) for k, v in (shot.get("blocking") or {}).items()},
        looks=looks,
        geography=str(location.get("geography") or ""),
        location_text=" ".join(str(location.get(k) or "") for k in ("description", "geography", "time_of_day")),
        location_description=str(location.get("description") or ""),
        light_direction=str(lighting.get("direction") or "front"),
        key_light=key,
        shadow=shadow,
        ground=ground,
        title=str(production.get("title") or ""),
        emotion=str(brief.get("emotion") or ""),
        action=str(shot.get("action") or ""),
        triggers=triggers,
        beats=beats,
        props=tuple(p for p in plan.get("props") or [] if isinstance(p, dict)),
    )


# --- layout helpers -------------------------------------------------------------------------------


def _side_of(clause: str) -> float:
    lowered = clause.lower()
    if re.search(r"\bleft\b", lowered):
        return 0.2
    if re.search(r"\bright\b", lowered):
        return 0.8
    if re.search(r"far end|distance|background|centre|center|middle", lowered):
        return 0.5
    return 0.65


def _props(spec: PanelSpec) -> list[tuple[str, float, RGB | None]]:
    """(kind, x fraction, colour) of props named in the location's geography, each once."""
    props: list[tuple[str, float, RGB | None]] = []
    seen: set[str] = set()
    for clause in re.split(r"[;,.]", spec.geography or spec.location_text):
        for kind in drawing.find_words(clause, drawing.PROP_WORDS):
            if kind in seen:
                continue
            seen.add(kind)
            colours = drawing.colours_in(clause)
            props.append((kind, _side_of(clause), colours[0] if colours else None))
    return props


def _figure_x(spec: PanelSpec, look: Look, index: int, jitter: float, *, wide: bool = False) -> float:
    """Where a character stands: the blocking, else (wide shots) by the prop the subject puts them at."""
    near = _near_prop(spec) if wide and look.id not in spec.blocking else None
    if look.id in spec.blocking:
        x = PLACEMENT_X.get(spec.blocking[look.id], 0.5)
    elif near is not None:
        x = near + (0.08 if near < 0.5 else -0.08)  # beside the prop, on the side of the frame's centre
    elif len(spec.looks) == 1:
        # leave looking room: a character gazing right sits left of centre
        x = {"right": 0.42, "left": 0.58}.get(spec.gaze or "", 0.5)
    else:
        x = 0.3 + 0.4 * index / max(len(spec.looks) - 1, 1)
    return x + jitter


def _near_prop(spec: PanelSpec) -> float | None:
    """x of a located prop the subject names ("Jack at the door" and the door is on the right)."""
    sides = {kind: side for kind, side, _ in _props(spec) if side != 0.5}
    for text in (spec.subject, spec.place):  # the subject says it best; the place is the fallback
        for kind in drawing.find_words(text, drawing.PROP_WORDS):
            if kind in sides:
                return {0.2: 0.2, 0.8: 0.84}.get(sides[kind], sides[kind])
    return None


def _facing(spec: PanelSpec) -> float:
    return {"right": 0.7, "left": -0.7}.get(spec.gaze or "", 0.0)


def _soft(canvas: np.ndarray, amount: float) -> np.ndarray:
    """Cheap depth-of-field: blur at quarter resolution and scale back up."""
    h, w = canvas.shape[:2]
    small = cv2.resize(canvas, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=max(amount, 0.5))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


# --- backgrounds --------------------------------------------------------------------------------------


def _street(canvas: np.ndarray, spec: PanelSpec, horizon: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Perspective street: facades on both sides, ground converging to a vanishing point. Returns light spots."""
    h, w = canvas.shape[:2]
    vx, vy = w * 0.5, h * horizon
    description = spec.location_description
    facade = (126, 80, 64) if "brick" in description.lower() else drawing.first_colour(description, (128, 118, 108))
    canvas[:] = (58, 64, 74)
    ground_poly = [(0, h), (w, h), (w, vy + h * 0.02), (0, vy + h * 0.02)]
    drawing.fill_poly(canvas, ground_poly, spec.ground)
    for k in range(-9, 10):  # cobble / road lines towards the vanishing point
        cv2.line(canvas, (int(vx), int(vy)), (int(vx + k * w * 0.14), h), drawing.shade(spec.ground, 0.75), 1, drawing.AA)
    for k in range(1, 12):
        y = vy + (h - vy) * (k / 12) ** 1.8
        cv2.line(canvas, (0, int(y)), (w, int(y)), drawing.shade(spec.ground, 0.8), 1, drawing.AA)
    for side in (-1, 1):
        edge_x = 0 if side < 0 else w
        inner_x = vx + side * w * 0.16
        poly = [(edge_x, -2), (inner_x, vy - h * 0.2), (inner_x, vy + h * 0.03), (edge_x, h * 0.93)]
        drawing.fill_poly(canvas, poly, drawing.shade(facade, 0.95 if side < 0 else 1.0))
        for row in range(4):  # windows in perspective
            for col in range(5):
                u0, u1 = col / 5 + 0.04, col / 5 + 0.13
                v0, v1 = 0.08 + row * 0.2, 0.2 + row * 0.2
                quad = []
                for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1)):
                    x = edge_x + (inner_x - edge_x) * u
                    top = -2 + (vy - h * 0.2 + 2) * u
                    bottom = h * 0.93 + (vy + h * 0.03 - h * 0.93) * u
                    quad.append((x, top + (bottom - top) * v))
                lit = rng.random() < 0.18
                drawing.fill_poly(canvas, quad, (238, 196, 120) if lit else drawing.shade(facade, 0.45))
    _far_end(canvas, vx, vy, dark=bool(re.search(r"dark|shadow|night|black", spec.location_text, re.IGNORECASE)))
    return []


def _far_end(canvas: np.ndarray, vx: float, vy: float, *, dark: bool) -> None:
    """Depth cue at the vanishing point: a pool of darkness at night, haze by day."""
    h, w = canvas.shape[:2]
    sx, sy = w * 0.09, h * 0.14
    # the pool is negligible beyond three widths: touch only that box
    x0, x1 = max(0, int(vx - 3 * sx)), min(w, int(vx + 3 * sx) + 1)
    y0, y1 = max(0, int(vy - 3 * sy)), min(h, int(vy + 3 * sy) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    pool = np.exp(-(((xs - vx) / sx) ** 2 + ((ys - vy) / sy) ** 2)).astype(np.float32)[..., None]
    box = canvas[y0:y1, x0:x1].astype(np.float32)
    box = box * (1 - 0.8 * pool) if dark else box * (1 - 0.5 * pool) + 100 * pool
    canvas[y0:y1, x0:x1] = cv2.convertScaleAbs(box)


def _room(canvas: np.ndarray, spec: PanelSpec, horizon: float) -> None:
    """An interior seen as a box: back wall with a window, side walls and floor in perspective."""
    h, w = canvas.shape[:2]
    wall = drawing.first_colour(spec.location_description, (150, 138, 120))
    left, right, top, bottom = w * 0.22, w * 0.78, h * 0.12, h * (horizon + 0.2)
    canvas[:] = drawing.shade(wall, 0.8)
    drawing.fill_poly(canvas, [(0, h), (w, h), (right, bottom), (left, bottom)], drawing.shade(spec.ground, 1.1))  # floor
    drawing.fill_poly(canvas, [(0, 0), (left, top), (left, bottom), (0, h)], drawing.shade(wall, 0.7))
    drawing.fill_poly(canvas, [(w, 0), (right, top), (right, bottom), (w, h)], drawing.shade(wall, 0.9))
    drawing.fill_poly(canvas, [(0, 0), (w, 0), (right, top), (left, top)], drawing.shade(wall, 0.6))  # ceiling
    cv2.rectangle(canvas, (int(left), int(top)), (int(right), int(bottom)), wall, -1, drawing.AA)
    cv2.rectangle(canvas, (int(w * 0.42), int(h * 0.2)), (int(w * 0.58), int(h * 0.42)), (170, 190, 210), -1, drawing.AA)
    for k in range(1, 8):  # floorboards towards the back wall
        x0 = left + (right - left) * k / 8
        cv2.line(canvas, (int(x0), int(bottom)), (int(w * k / 8), h), drawing.shade(spec.ground, 0.85), 1, drawing.AA)


def _landscape(canvas: np.ndarray, spec: PanelSpec, horizon: float, rng: np.random.Generator) -> None:
    """Open ground: sky, a line of hills, grass or sand, trees where the place names them."""
    h, w = canvas.shape[:2]
    vy = h * horizon
    sky = (88, 110, 140) if not re.search(r"night|dark", spec.location_text, re.IGNORECASE) else (34, 40, 58)
    canvas[:] = sky
    sandy = re.search(r"beach|desert|dune|sand|shore", spec.location_text, re.IGNORECASE)
    ground = drawing.first_colour(spec.location_description, (206, 186, 140) if sandy else (92, 118, 70))
    hills = [(0, vy)] + [(w * k / 8, vy - h * 0.04 * (1 + np.sin(k * 1.7))) for k in range(9)] + [(w, vy), (w, h), (0, h)]
    drawing.fill_poly(canvas, hills, drawing.shade(ground, 0.7))
    drawing.fill_poly(canvas, [(0, vy + h * 0.02), (w, vy + h * 0.02), (w, h), (0, h)], ground)
    if re.search(r"sea|ocean|lake|beach|shore|coast|river|harbou?r", spec.location_text, re.IGNORECASE):
        drawing.fill_poly(canvas, [(0, vy), (w, vy), (w, vy + h * 0.1), (0, vy + h * 0.1)], (50, 90, 130))
    if re.search(r"forest|park|garden|woods|trees?", spec.location_text, re.IGNORECASE):
        for _ in range(9):
            depth = rng.uniform(0.0, 1.0)
            drawing.tree(canvas, rng.uniform(0, w), vy + h * 0.05 + depth * h * 0.2, h * (0.2 + 0.25 * depth))


#: location words -> backdrop; the first kind whose words appear in the location wins (street otherwise)
BACKDROP_WORDS = {
    "room": r"\b(room|interior|kitchen|bedroom|office|bar|corridor|hallway|studio|restaurant|cafe|caf\u00e9|inside|apartment interior|living room)\b",
    "landscape": r"\b(park|forest|field|garden|meadow|mountains?|hills?|desert|countryside|woods|beach|sea|ocean|lake|shore|coast)\b",
}


def backdrop_kind(spec: PanelSpec) -> str:
    """"room", "landscape" or "street", from the location's description words."""
    text = spec.location_description or spec.location_text
    if re.search(BACKDROP_WORDS["room"], text, re.IGNORECASE):
        return "room"
    if re.search(BACKDROP_WORDS["landscape"], text, re.IGNORECASE) and not re.search(r"\b(street|road|avenue|alley)", text, re.IGNORECASE):
        return "landscape"
    return "street"


def _backdrop(canvas: np.ndarray, spec: PanelSpec, horizon: float, rng: np.random.Generator) -> None:
    kind = backdrop_kind(spec)
    if kind == "room":
        _room(canvas, spec, horizon)
    elif kind == "landscape":
        _landscape(canvas, spec, horizon, rng)
    else:
        _street(canvas, spec, horizon, rng)


def _door_colour(spec: PanelSpec) -> RGB:
    """The colour the location gives its door ("the green wooden door on the right"), else weathered wood."""
    return next((colour for kind, _, colour in _props(spec) if kind == "door" and colour), (104, 78, 56))


def _wall(canvas: np.ndarray, spec: PanelSpec) -> None:
    """Background of closer shots: the location's dominant surface, and its door when the place names one."""
    h, w = canvas.shape[:2]
    base = (88, 70, 66) if "brick" in spec.location_text.lower() else drawing.first_colour(spec.location_description, (84, 88, 96))
    canvas[:] = base
    for row in range(0, h, max(4, h // 24)):  # courses of brick / panels: texture that reads when blurred
        cv2.line(canvas, (0, row), (w, row), drawing.shade(base, 0.8), max(1, h // 300), drawing.AA)
    place = f"{spec.place} {spec.subject}"
    kinds = drawing.find_words(place, drawing.PROP_WORDS)
    if "door" in kinds:
        x = w * _side_of(place) if "right" in place or "left" in place else w * 0.72
        drawing.door(canvas, x, h * 1.05, h * 1.1, _door_colour(spec))


# --- framings ---------------------------------------------------------------------------------------------


def _unit(canvas: np.ndarray) -> float:
    """The size unit of drawn things: the frame height, or its width when the frame is vertical.

    A landscape panel (any width) sizes figures by its height; a vertical one lays the same
    scene out top to bottom, sized by its width so a figure or an object fits across the frame.
    """
    h, w = canvas.shape[:2]
    return float(min(h, w))


def _draw_wide(canvas: np.ndarray, spec: PanelSpec, rng: np.random.Generator, jitter: float) -> list[tuple[float, float]]:
    h, w = canvas.shape[:2]
    u = _unit(canvas)
    establishing = spec.shot_type == "establishing"
    horizon = 0.46 if establishing else 0.42
    _backdrop(canvas, spec, horizon, rng)
    glows: list[tuple[float, float]] = []
    for kind, side, colour in _props(spec):
        x = w * side
        if kind == "car":
            drawing.car(canvas, w * (0.2 if side < 0.5 else 0.8), h * 0.86, min(w * 0.3, u * 0.5), colour or (40, 40, 44), facing=1 if side < 0.5 else -1)
        elif kind == "door":
            drawing.door(canvas, w * (0.84 if side > 0.5 else 0.16), h * 0.72, u * 0.3, colour or _door_colour(spec))
        elif kind == "lamp":
            glows.append(drawing.lamp(canvas, w * (0.9 if side > 0.5 else 0.1), h * 0.78, u * 0.66, arm=-1 if side > 0.5 else 1))
        elif kind == "tree":
            drawing.tree(canvas, x, h * 0.8, u * 0.5)
        elif kind == "bench":
            cv2.rectangle(canvas, (int(x - w * 0.06), int(h * 0.76)), (int(x + w * 0.06), int(h * 0.79)), (80, 60, 40), -1, drawing.AA)
    far = bool(FAR_WORDS.search(spec.subject)) and not establishing
    height = u * (0.14 if far else (0.24 if establishing else 0.2))
    foot = h * (horizon + 0.1) if far else h * 0.84
    for index, look in enumerate(spec.looks):
        x = w * _figure_x(spec, look, index, jitter, wide=True)
        if far and look.id not in spec.blocking:
            x = w * (0.5 + jitter)
        facing = 1 if x < w * 0.5 else -1
        top = drawing.full_figure(canvas, x, foot, height, look, facing)
        drawing.name_tag(canvas, look.name, top[0], top[1], u / 1400)
    return glows


def _draw_close(canvas: np.ndarray, spec: PanelSpec, jitter: float) -> None:
    h, w = canvas.shape[:2]
    u = _unit(canvas)
    _wall(canvas, spec)
    canvas[:] = _soft(canvas, 3.0 if spec.shot_type == "medium-action" else 6.0)
    smile = 1.0 if SMILE_WORDS.search(f"{spec.subject} {spec.emotion}") else 0.0
    facing = _facing(spec)
    if spec.shot_type == "profile-two-shot" and len(spec.looks) >= 2:
        r = u * 0.2
        ordered = sorted(spec.looks[:2], key=lambda look: PLACEMENT_X.get(spec.blocking.get(look.id, ""), 0.5 if look is spec.looks[0] else 0.6))
        gap = w * 0.02 * (1 + jitter * 20)
        for look, sign in zip(ordered, (-1, 1), strict=True):
            cx = w * 0.5 + sign * (r * 1.2 + gap / 2)
            drawing.profile(canvas, cx, h * 0.45, r, look, facing=-sign)
        return
    looks = spec.looks
    if spec.shot_type == "extreme-close-up":
        cx = w * (_figure_x(spec, looks[0], 0, jitter) * 0.4 + 0.3)
        drawing.face(canvas, cx, h * 0.56, u * 0.58, looks[0], facing, smile=smile)
        return
    tight = spec.shot_type in ("tight-portrait", "profile-two-shot")
    r = u * (0.17 if tight else 0.095)
    head_y = h * (0.42 if tight else 0.3)
    for index, look in enumerate(looks):
        cx = w * _figure_x(spec, look, index, jitter)
        if tight and len(looks) == 1:
            cx = w * (_figure_x(spec, look, 0, jitter) * 0.6 + 0.2)
        drawing.bust(canvas, cx, head_y, r, look, facing, smile=smile)
        if not tight:
            drawing.name_tag(canvas, look.name, cx, head_y - r * 1.15, u / 1100)


def _draw_detail(canvas: np.ndarray, spec: PanelSpec, jitter: float) -> None:
    h, w = canvas.shape[:2]
    u = _unit(canvas)
    text = f"{spec.subject} {spec.action}"
    ground = re.search(r"cobble|stone|ground|floor|pavement|street", spec.subject, re.IGNORECASE)
    if ground:
        canvas[:] = spec.ground
        for row in range(12):  # cobblestones seen from low
            for col in range(16):
                cx = (col + 0.5 * (row % 2)) * w / 14
                cy = h * 0.2 + row * h * 0.075
                drawing.ellipse(canvas, (cx, cy), (w / 32, h / 34), drawing.shade(spec.ground, 1.12 + 0.04 * ((row * 7 + col) % 3)))
        canvas[:] = _soft(canvas, 1.2)
    else:
        _wall(canvas, spec)
        canvas[:] = _soft(canvas, 7.0)
    kinds = drawing.find_words(spec.subject, drawing.OBJECT_WORDS) or drawing.find_words(text, drawing.OBJECT_WORDS)
    colours = drawing.colours_in(spec.subject)
    metal = colours[0] if colours else (200, 170, 90)
    cx, cy = w * (0.5 + jitter), h * 0.5
    main = kinds[0] if kinds else "object"
    if main == "door":
        colour = drawing.first_colour(spec.subject, _door_colour(spec))
        drawing.door(canvas, w * 0.62, h * 1.25, u * 1.5, colour, ajar=0.12 if re.search(r"ajar|open", text, re.IGNORECASE) else 0.0)
    elif main == "keys" or "keys" in kinds:
        hand_colour = next((look.gloves or look.skin for look in spec.looks), None)
        if "hand" in kinds and hand_colour is not None:
            drawing.hand(canvas, cx + w * 0.04, h * 0.78, u * 0.42, hand_colour)
        drawing.keys(canvas, cx - w * 0.02, cy - h * 0.06, u * 0.42, metal)
    elif main == "hand":
        hand_colour = next((look.gloves or look.skin for look in spec.looks), drawing.first_colour(spec.subject, (214, 170, 140)))
        drawing.hand(canvas, cx, h * 0.62, u * 0.5, hand_colour)
    else:
        drawing.generic_object(canvas, main, cx, cy, u * 0.4, metal)


# --- light and caption --------------------------------------------------------------------------------


def _light(canvas: np.ndarray, spec: PanelSpec, glows: list[tuple[float, float]]) -> np.ndarray:
    """Multiply albedo by a key/shadow light field from the charter's direction, plus practical glows.

    The field is smooth, so it is computed on a coarse grid and scaled up (a tenth of the cost).
    """
    h, w = canvas.shape[:2]
    gh, gw = max(2, h // 8), max(2, w // 8)
    lx, ly = LIGHT_POSITION.get(spec.light_direction, LIGHT_POSITION["front"])
    ys = (np.arange(gh, dtype=np.float32)[:, None] + 0.5) / gh
    xs = (np.arange(gw, dtype=np.float32)[None, :] + 0.5) / gw
    aspect = w / h
    dist2 = ((xs - lx) * aspect) ** 2 + (ys - ly) ** 2
    reach = 1.6 if spec.light_direction in ("left", "right", "top") else 0.9
    field_ = np.exp(-dist2 / (2 * reach**2)).astype(np.float32)
    field_ = (field_ - field_.min()) / max(float(field_.max() - field_.min()), 1e-6)
    for gx, gy in glows:
        g = np.exp(-(((xs - gx / w) * aspect) ** 2 + (ys - gy / h) ** 2) / (2 * 0.12**2)).astype(np.float32)
        field_ = np.maximum(field_, g)
    key = np.array(spec.key_light, dtype=np.float32) / max(spec.key_light)
    shadow = np.array(spec.shadow, dtype=np.float32) / max(max(spec.shadow), 1)
    light = shadow * 0.42 + field_[..., None] * (key * 1.35 - shadow * 0.42)
    vignette = 1.0 - 0.28 * (((xs - 0.5) * 1.1) ** 2 + ((ys - 0.5) * 1.2) ** 2) * 2
    light = np.ascontiguousarray(light * vignette[..., None], dtype=np.float32)
    light = cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR)
    lit = canvas.astype(np.float32)
    lit *= light
    return cv2.convertScaleAbs(lit)  # rounds and saturates to uint8


def draw_picture(spec: PanelSpec, size: tuple[int, int], seed: int) -> np.ndarray:
    """The lit storyboard picture (no caption), HxWx3 uint8 RGB."""
    width, height = size
    rng = np.random.default_rng(np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
    jitter = float(rng.uniform(-0.012, 0.012))  # take B stands a hair apart from take A
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    glows: list[tuple[float, float]] = []
    if spec.shot_type in WIDE_TYPES:
        glows = _draw_wide(canvas, spec, np.random.default_rng(sum(map(ord, spec.location_text)) or 1), jitter)
    elif spec.shot_type in DETAIL_TYPES or not spec.looks:
        _draw_detail(canvas, spec, jitter)  # a close shot with nobody in it frames its subject as an object
    else:
        _draw_close(canvas, spec, jitter)
    if spec.props:  # products and props are objects, drawn by their own module
        from shotcraft.backends.prop_drawing import draw_props

        draw_props(canvas, spec.props, spec.shot_type, spec.subject, jitter)
    return _light(canvas, spec, glows)


def draw_caption(spec: PanelSpec, size: tuple[int, int], *, beat: int | None = None, wrap: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The caption band as (rgb, alpha) layers: shot, role, type, move, duration, take; then the subject.

    ``beat`` = i shows the i-th timing trigger's words instead of the subject (from its time on, in a clip).
    ``wrap``: the slate wraps onto as many lines as the width needs whatever the shape (a vertical frame
    always wraps); every line then fits inside 95 % of the width.
    """
    width, height = size
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    alpha = np.zeros((height, width), dtype=np.uint8)
    unit = min(width, height)  # a vertical panel sizes its text by its width
    band = max(24, int(round(unit * 0.1)))
    font = cv2.FONT_HERSHEY_DUPLEX
    scale1 = max(unit / 1150, 0.3)  # Hershey text below ~0.3 is unreadable
    parts = [spec.shot_id.upper(), spec.role.upper(), spec.shot_type.upper(), spec.camera_move.upper()]
    if spec.duration:
        parts.append(f"{spec.duration:g}s")
    if spec.focal_length:
        parts.append(spec.focal_length)
    parts.append(f"TAKE {spec.take}")
    second = spec.subject if beat is None else f"BEAT {spec.triggers[beat]:g}s: {spec.beats[beat]}"
    line2 = _fit(drawing.ascii_text(second), font, scale1 * 0.92, width * 0.95)
    margin = int(width * 0.025)
    thickness = max(1, int(round(scale1 * 1.7)))
    second_colour = (236, 236, 232) if beat is None else (255, 170, 120)
    if height > width or wrap:
        # vertical: the slate wraps onto as many lines as the width needs, the band grows upwards
        heads = _wrap([drawing.ascii_text(p) for p in parts if p], font, scale1, width * 0.95)
        step = band * 0.4
        band = int(round(step * (len(heads) + 1) + band * 0.2))
        top = height - band
        rows = [(text, top + step * (i + 1), scale1, (250, 214, 120)) for i, text in enumerate(heads)]
        rows.append((line2, top + step * (len(heads) + 1), scale1 * 0.92, second_colour))
    else:
        top = height - band
        line1 = drawing.ascii_text("  |  ".join(p for p in parts if p))
        rows = [(line1, top + band * 0.42, scale1, (250, 214, 120)), (line2, top + band * 0.82, scale1 * 0.92, second_colour)]
    alpha[top:] = 175
    for text, y, s, colour in rows:
        cv2.putText(rgb, text, (margin, int(y)), font, s, colour, thickness, drawing.AA)
        mask = np.zeros((height, width), dtype=np.uint8)
        cv2.putText(mask, text, (margin, int(y)), font, s, 255, thickness, drawing.AA)
        alpha[:] = np.maximum(alpha, mask)
    return rgb, alpha


def beat_captions(spec: PanelSpec, size: tuple[int, int], fps: float, frames: int, *, head: int = 0,
                  wrap: bool = False) -> list[tuple[int, tuple[np.ndarray, np.ndarray]]]:  # fmt: skip
    """(first frame, caption) pairs for a clip: the subject, then each timing trigger's beat from its time.

    ``head``: frames of head handle before the planned moment (a trigger at t s shows at head + t * fps).
    """
    captions = [(0, draw_caption(spec, size, wrap=wrap))]
    for index, at in enumerate(spec.triggers):
        start = head + int(round(at * fps))
        if 0 < start < frames and spec.beats[index]:
            captions.append((start, draw_caption(spec, size, beat=index, wrap=wrap)))
    return captions


def _wrap(parts: list[str], font: int, scale: float, max_width: float) -> list[str]:
    """Slate parts joined with separators, broken into lines no wider than ``max_width``."""
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]}  |  {part}" if lines else part
        if lines and cv2.getTextSize(joined, font, scale, 1)[0][0] <= max_width:
            lines[-1] = joined
        else:
            lines.append(_fit(part, font, scale, max_width))
    return lines


def _fit(text: str, font: int, scale: float, max_width: float) -> str:
    if cv2.getTextSize(text, font, scale, 1)[0][0] <= max_width:
        return text
    while text and cv2.getTextSize(text + "...", font, scale, 1)[0][0] > max_width:
        text = text[:-1]
    return text.rstrip() + "..."


def composite(picture: np.ndarray, caption: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The picture with the caption layer blended over it (only the rows the caption covers are touched)."""
    rgb, alpha = caption
    rows = np.flatnonzero(alpha.any(axis=1))
    out = picture.copy()
    if rows.size:
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        a = alpha[top:bottom].astype(np.float32)[..., None] / 255.0
        band = picture[top:bottom].astype(np.float32) * (1 - a) + rgb[top:bottom].astype(np.float32) * a
        out[top:bottom] = np.clip(band + 0.5, 0, 255).astype(np.uint8)
    return out
