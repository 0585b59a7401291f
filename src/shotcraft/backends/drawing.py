"""Storyboard drawing primitives: colour words, character looks, figures, props and objects.

Everything is drawn with OpenCV's anti-aliased primitives on an RGB uint8
canvas in *albedo* colours (flat, unlit); :mod:`shotcraft.backends.panel`
lights the result. Sizes are given in pixels by the caller, which derives them
from the frame height, so a panel reads the same at any resolution.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import cv2
import numpy as np

RGB = tuple[int, int, int]
AA = cv2.LINE_AA


# --- colour words -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _colour_table() -> dict[str, Any]:
    text = resources.files("shotcraft.backends").joinpath("colour_names.json").read_text(encoding="utf-8")
    return json.loads(text)


def _apply_modifier(colour: np.ndarray, modifier: dict[str, Any]) -> np.ndarray:
    if "scale" in modifier:
        colour = colour * modifier["scale"]
    if "mix_white" in modifier:
        colour = colour + (255 - colour) * modifier["mix_white"]
    if "mix_grey" in modifier:
        colour = colour + (128 - colour) * modifier["mix_grey"]
    if "saturate" in modifier:
        mean = colour.mean()
        colour = mean + (colour - mean) * modifier["saturate"]
    if "tint" in modifier:
        colour = colour + np.array(modifier["tint"], dtype=np.float64)
    return colour


def colours_in(text: str | None) -> list[RGB]:
    """Colour words found in ``text``, in reading order, modifiers applied ("deep teal" -> dark teal)."""
    if not text:
        return []
    table = _colour_table()
    names = sorted(table["colours"], key=len, reverse=True)
    words = text.lower()
    found: list[tuple[int, RGB]] = []
    taken = np.zeros(len(words) + 1, dtype=bool)
    for name in names:
        for match in re.finditer(rf"\b{re.escape(name)}\b", words):
            start, end = match.span()
            if taken[start:end].any():
                continue
            taken[start:end] = True
            colour = np.array(table["colours"][name], dtype=np.float64)
            before = words[:start].split()
            if before and before[-1] in table["modifiers"]:
                colour = _apply_modifier(colour, table["modifiers"][before[-1]])
            found.append((start, tuple(int(v) for v in np.clip(colour, 0, 255).round())))
    return [colour for _, colour in sorted(found)]


def first_colour(text: str | None, default: RGB) -> RGB:
    found = colours_in(text)
    return found[0] if found else default


def shade(colour: RGB, factor: float) -> RGB:
    """Darker (< 1) or lighter (> 1, towards white) version of a colour."""
    c = np.array(colour, dtype=np.float64)
    c = c * factor if factor <= 1 else c + (255 - c) * min(factor - 1, 1)
    return tuple(int(v) for v in np.clip(c, 0, 255).round())


def luminance(colour: RGB) -> float:
    r, g, b = colour
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --- characters ----------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """How a character reads in a panel: wardrobe, hair and a few face marks from the sheet."""

    id: str
    name: str
    coat: RGB
    accent: RGB
    hair: RGB
    skin: RGB
    gloves: RGB | None
    trousers: RGB
    stubble: bool
    freckles: bool
    curly: bool


def character_look(character: dict[str, Any], index: int) -> Look:
    """Derive a :class:`Look` from a character dump (descriptors + wardrobe words)."""
    table = _colour_table()
    default_coat = tuple(table["default_wardrobe"][index % len(table["default_wardrobe"])])
    wardrobe = [str(item) for item in character.get("wardrobe") or []]
    descriptors = {str(k): str(v) for k, v in (character.get("descriptors") or {}).items()}
    gloves = None
    coloured: list[RGB] = []
    for item in wardrobe:
        colour = colours_in(item)
        if re.search(r"\bgloves?\b", item.lower()):
            gloves = colour[0] if colour else (40, 36, 34)
            continue
        if colour:
            coloured.append(colour[0])
    coat = coloured[0] if coloured else default_coat
    accent = coloured[1] if len(coloured) > 1 else shade(coat, 1.45)
    trousers_items = [c for item, c in zip(wardrobe, map(colours_in, wardrobe)) if c and re.search(r"trousers|jeans|pants|skirt", item.lower())]
    trousers = trousers_items[0][0] if trousers_items else shade(coat, 0.55)
    face = descriptors.get("face", "") + " " + " ".join(descriptors.values())
    hair_text = descriptors.get("hair", "")
    return Look(
        id=str(character.get("id", f"character-{index}")),
        name=str(character.get("name") or character.get("id") or f"character {index + 1}"),
        coat=coat,
        accent=accent,
        hair=first_colour(hair_text, (60, 44, 32)),
        skin=tuple(table["skin"]),
        gloves=gloves,
        trousers=trousers,
        stubble=bool(re.search(r"stubble|beard|moustache|mustache", face.lower())),
        freckles="freckle" in face.lower(),
        curly=bool(re.search(r"curl|wav|afro|coil", hair_text.lower())),
    )


def pt(x: float, y: float) -> tuple[int, int]:
    return (int(round(x)), int(round(y)))


def fill_poly(canvas: np.ndarray, points: list[tuple[float, float]], colour: RGB) -> None:
    cv2.fillPoly(canvas, [np.array(points, dtype=np.float64).round().astype(np.int32)], colour, AA)


def ellipse(canvas: np.ndarray, centre: tuple[float, float], axes: tuple[float, float], colour: RGB, angle: float = 0, start: int = 0, end: int = 360, thickness: int = -1) -> None:
    cv2.ellipse(canvas, pt(*centre), (max(1, int(round(axes[0]))), max(1, int(round(axes[1])))), angle, start, end, colour, thickness, AA)


def full_figure(canvas: np.ndarray, x: float, foot_y: float, height: float, look: Look, facing: int = 0) -> tuple[float, float]:
    """A standing figure, feet on ``foot_y``; returns the top of the head (for a name tag)."""
    r = height * 0.068
    head_y = foot_y - height + r
    shoulder_y = head_y + r * 1.9
    hem_y = foot_y - height * 0.27
    half = r * 1.55
    # legs, coat (slightly flared), arms, head, hair
    leg_w = max(1, int(round(r * 0.55)))
    for side in (-1, 1):
        cv2.line(canvas, pt(x + side * r * 0.45, hem_y - r * 0.2), pt(x + side * r * 0.5, foot_y - r * 0.15), look.trousers, leg_w, AA)
        ellipse(canvas, (x + side * r * 0.5 + facing * r * 0.2, foot_y - r * 0.1), (r * 0.42, r * 0.18), shade(look.trousers, 0.6))
    fill_poly(canvas, [(x - half, shoulder_y), (x + half, shoulder_y), (x + half * 1.12, hem_y), (x - half * 1.12, hem_y)], look.coat)
    ellipse(canvas, (x, shoulder_y + r * 0.1), (half, r * 0.45), look.coat)
    arm_w = max(1, int(round(r * 0.5)))
    hand = look.gloves or look.skin
    for side in (-1, 1):
        elbow = (x + side * half * 1.1, shoulder_y + (hem_y - shoulder_y) * 0.45)
        wrist = (x + side * half * 1.05, shoulder_y + (hem_y - shoulder_y) * 0.8)
        cv2.line(canvas, pt(x + side * half * 0.9, shoulder_y + r * 0.2), pt(*elbow), shade(look.coat, 0.85), arm_w, AA)
        cv2.line(canvas, pt(*elbow), pt(*wrist), shade(look.coat, 0.85), arm_w, AA)
        ellipse(canvas, wrist, (r * 0.28, r * 0.3), hand)
    cv2.line(canvas, pt(x, shoulder_y + r * 0.3), pt(x, shoulder_y + r * 0.9), look.accent, max(1, int(round(r * 0.45))), AA)
    ellipse(canvas, (x, head_y + r * 1.05), (r * 0.32, r * 0.3), look.skin)  # neck
    ellipse(canvas, (x + facing * r * 0.12, head_y), (r * 0.82, r), look.skin)
    ellipse(canvas, (x + facing * r * 0.05 - facing * r * 0.2, head_y - r * 0.25), (r * 0.86, r * 0.8), look.hair, start=180, end=360)
    if facing:
        ellipse(canvas, (x - facing * r * 0.45, head_y - r * 0.05), (r * 0.42, r * 0.7), look.hair)
    return x, head_y - r


def _hair_cap(canvas: np.ndarray, cx: float, cy: float, r: float, look: Look, facing: float) -> None:
    shift = -facing * r * 0.18
    ellipse(canvas, (cx + shift, cy - r * 0.42), (r * 0.9, r * 0.7), look.hair, start=172, end=368)
    if look.curly:
        for k in range(9):
            angle = np.pi * (1.05 + 0.9 * k / 8)
            ellipse(canvas, (cx + shift + np.cos(angle) * r * 0.86, cy - r * 0.42 + np.sin(angle) * r * 0.66), (r * 0.2, r * 0.2), look.hair)
    for side in (-1, 1):  # sideburns / hair over the ears
        ellipse(canvas, (cx + shift + side * r * 0.78, cy - r * 0.2), (r * 0.12, r * 0.34), look.hair)


def face(canvas: np.ndarray, cx: float, cy: float, r: float, look: Look, facing: float = 0.0, *, detail: bool = True, smile: float = 0.0) -> None:
    """A front / three-quarter head of radius ``r`` (facing -1 left .. 1 right) with features."""
    ellipse(canvas, (cx, cy), (r * 0.8, r), look.skin)
    if look.stubble:
        ellipse(canvas, (cx + facing * r * 0.12, cy + r * 0.45), (r * 0.62, r * 0.5), shade(look.skin, 0.8), start=0, end=180)
    _hair_cap(canvas, cx, cy, r, look, facing)
    if not detail:
        return
    fx = cx + facing * r * 0.28  # features slide towards where the face turns
    line = max(1, int(round(r * 0.035)))
    for side in (-1, 1):
        ex = fx + side * r * (0.32 - 0.08 * side * facing)
        ey = cy - r * 0.08
        ellipse(canvas, (ex, ey), (r * 0.15, r * 0.075), (236, 232, 226))
        ellipse(canvas, (ex + facing * r * 0.05, ey), (r * 0.065, r * 0.07), (50, 44, 40))
        cv2.line(canvas, pt(ex - r * 0.17, ey - r * 0.2), pt(ex + r * 0.17, ey - r * 0.22 - side * r * 0.02), shade(look.hair, 0.8), max(1, int(r * 0.05)), AA)
    nose = [(fx + facing * r * 0.1, cy - r * 0.05), (fx + facing * r * 0.2 - r * 0.08, cy + r * 0.28), (fx + facing * r * 0.2 + r * 0.08, cy + r * 0.28)]
    cv2.polylines(canvas, [np.array(nose, dtype=np.float64).round().astype(np.int32)], False, shade(look.skin, 0.7), line, AA)
    mouth_y = cy + r * 0.5
    curve = int(round(r * (0.04 + 0.1 * smile)))
    ellipse(canvas, (fx, mouth_y - curve), (r * 0.22, max(curve, 1)), (150, 80, 76), start=10, end=170, thickness=line + 1)
    if look.freckles:
        rng = np.random.default_rng(sum(map(ord, look.id)))  # freckles belong to the character, not the take
        for _ in range(18):
            side = rng.choice((-1, 1))
            ellipse(canvas, (fx + side * r * rng.uniform(0.18, 0.5), cy + r * rng.uniform(0.08, 0.3)), (r * 0.018, r * 0.018), shade(look.skin, 0.7))


def bust(canvas: np.ndarray, cx: float, head_cy: float, r: float, look: Look, facing: float = 0.0, *, smile: float = 0.0) -> None:
    """Head and shoulders (tight portrait / medium shot): coat to the bottom of the frame."""
    height = canvas.shape[0]
    shoulder_y = head_cy + r * 1.55
    half = r * 2.3
    fill_poly(canvas, [(cx - half, shoulder_y + r * 0.5), (cx + half, shoulder_y + r * 0.5), (cx + half * 1.15, height + 2), (cx - half * 1.15, height + 2)], look.coat)
    ellipse(canvas, (cx, shoulder_y + r * 0.5), (half, r * 0.75), look.coat, start=180, end=360)
    fill_poly(canvas, [(cx - r * 0.36, head_cy + r * 0.6), (cx + r * 0.36, head_cy + r * 0.6), (cx + r * 0.42, shoulder_y + r * 0.3), (cx - r * 0.42, shoulder_y + r * 0.3)], shade(look.skin, 0.9))
    # collar / scarf in the accent colour, lapels in a darker coat tone
    fill_poly(canvas, [(cx - r * 0.5, shoulder_y + r * 0.05), (cx + r * 0.5, shoulder_y + r * 0.05), (cx, shoulder_y + r * 0.75)], look.accent)
    for side in (-1, 1):
        cv2.line(canvas, pt(cx + side * r * 0.6, shoulder_y + r * 0.3), pt(cx + side * r * 0.2, height), shade(look.coat, 0.7), max(1, int(r * 0.06)), AA)
    face(canvas, cx, head_cy, r, look, facing, detail=r > 18, smile=smile)


def profile(canvas: np.ndarray, cx: float, cy: float, r: float, look: Look, facing: int) -> None:
    """A head in strict profile looking ``facing`` (+1 right, -1 left), with neck and shoulder."""
    height = canvas.shape[0]
    f = float(facing)
    fill_poly(canvas, [(cx - f * r * 1.6, cy + r * 1.6), (cx + f * r * 0.9, cy + r * 1.7), (cx + f * r * 1.1, height + 2), (cx - f * r * 2.0, height + 2)], look.coat)
    ellipse(canvas, (cx + f * r * 0.2, cy + r * 1.75), (r * 0.55, r * 0.25), look.accent)
    fill_poly(canvas, [(cx - f * r * 0.35, cy + r * 0.5), (cx + f * r * 0.3, cy + r * 0.55), (cx + f * r * 0.4, cy + r * 1.7), (cx - f * r * 0.4, cy + r * 1.7)], shade(look.skin, 0.9))
    ellipse(canvas, (cx, cy), (r * 0.92, r), look.skin)
    # brow, nose, lips and chin push out on the facing side
    front = cx + f * r * 0.85
    contour = [(front, cy - r * 0.45), (front + f * r * 0.05, cy - r * 0.2), (front + f * r * 0.3, cy + r * 0.18), (front, cy + r * 0.25),
               (front + f * r * 0.06, cy + r * 0.42), (front, cy + r * 0.5), (front + f * r * 0.04, cy + r * 0.62), (front - f * r * 0.2, cy + r * 0.92), (cx, cy + r * 0.7)]  # fmt: skip
    fill_poly(canvas, contour, look.skin)
    if look.stubble:
        fill_poly(canvas, [(front - f * r * 0.02, cy + r * 0.55), (front - f * r * 0.2, cy + r * 0.92), (cx, cy + r * 0.75), (cx - f * r * 0.1, cy + r * 0.35)], shade(look.skin, 0.82))
    ellipse(canvas, (front - f * r * 0.28, cy - r * 0.12), (r * 0.1, r * 0.05), (50, 44, 40))
    ellipse(canvas, (cx - f * r * 0.05, cy + r * 0.05), (r * 0.14, r * 0.2), shade(look.skin, 0.82))  # ear
    ellipse(canvas, (cx - f * r * 0.25, cy - r * 0.25), (r * 0.9, r * 0.85), look.hair, start=180 if f > 0 else 160, end=380 if f > 0 else 360)
    ellipse(canvas, (cx - f * r * 0.6, cy + r * 0.05), (r * 0.4, r * 0.6), look.hair)
    if look.freckles:
        rng = np.random.default_rng(sum(map(ord, look.id)))
        for _ in range(8):
            ellipse(canvas, (front - f * r * rng.uniform(0.15, 0.45), cy + r * rng.uniform(0.05, 0.3)), (r * 0.02, r * 0.02), shade(look.skin, 0.7))


def name_tag(canvas: np.ndarray, text: str, x: float, y: float, scale: float) -> None:
    """A small storyboard label centred above a figure."""
    text = ascii_text(text).upper()
    font = cv2.FONT_HERSHEY_DUPLEX
    thickness = max(1, int(round(scale * 1.6)))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = pt(x - tw / 2, y - th * 0.6)
    cv2.putText(canvas, text, origin, font, scale, (16, 16, 16), thickness + 2, AA)
    cv2.putText(canvas, text, origin, font, scale, (240, 240, 236), thickness, AA)


def ascii_text(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: fold accents and quotes, drop the rest."""
    import unicodedata

    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"').replace("\u2014", "-").replace("\u2013", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# --- props (wide shots) and objects (detail shots) ---------------------------------------------

#: location words -> prop drawn in a wide shot (kept as data: extend freely)
PROP_WORDS: dict[str, tuple[str, ...]] = {
    "car": ("car", "sedan", "taxi", "truck", "van", "jeep", "convertible"),
    "door": ("door", "doorway", "entrance", "gate"),
    "lamp": ("streetlamp", "street lamp", "lamppost", "streetlight", "street light", "lamp", "lantern"),
    "tree": ("tree", "trees", "palm", "oak"),
    "bench": ("bench",),
    "window": ("window", "shopfront", "storefront"),
}

#: subject words -> object drawn in a detail / insert shot
OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "keys": ("key", "keys", "key ring", "keyring"),
    "door": ("door", "doorway", "handle"),
    "hand": ("hand", "hands", "glove", "fingers"),
    "phone": ("phone", "smartphone", "screen"),
    "letter": ("letter", "envelope", "note", "photograph", "photo", "paper"),
    "cup": ("cup", "mug", "glass", "coffee", "bottle"),
    "ring": ("ring", "necklace", "jewel", "watch"),
}


def find_words(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """Kinds from ``table`` whose words occur in ``text``, in order of first occurrence."""
    lowered = text.lower()
    hits: list[tuple[int, str]] = []
    for kind, words in table.items():
        positions = [m.start() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", lowered)]
        if positions:
            hits.append((min(positions), kind))
    return [kind for _, kind in sorted(hits)]


def car(canvas: np.ndarray, x: float, ground_y: float, length: float, colour: RGB, facing: int = 1) -> None:
    """A side-on sedan silhouette, wheels on ``ground_y``."""
    h = length * 0.28
    body = [(x - length / 2, ground_y - h * 0.25), (x - length / 2, ground_y - h * 0.62), (x - length * 0.28, ground_y - h * 0.7),
            (x - length * 0.18, ground_y - h), (x + length * 0.18, ground_y - h), (x + length * 0.3, ground_y - h * 0.68),
            (x + length / 2, ground_y - h * 0.6), (x + length / 2, ground_y - h * 0.25)]  # fmt: skip
    fill_poly(canvas, body, colour)
    glass = shade(colour, 1.35) if luminance(colour) < 60 else shade(colour, 0.6)
    fill_poly(canvas, [(x - length * 0.15, ground_y - h * 0.93), (x + length * 0.16, ground_y - h * 0.93), (x + length * 0.25, ground_y - h * 0.68), (x - length * 0.24, ground_y - h * 0.68)], glass)
    for side in (-1, 1):
        ellipse(canvas, (x + side * length * 0.3, ground_y - h * 0.22), (h * 0.24, h * 0.24), (18, 18, 18))
        ellipse(canvas, (x + side * length * 0.3, ground_y - h * 0.22), (h * 0.1, h * 0.1), (110, 110, 110))
    ellipse(canvas, (x + facing * length * 0.48, ground_y - h * 0.5), (h * 0.06, h * 0.05), (250, 230, 180))


def door(canvas: np.ndarray, x: float, ground_y: float, height: float, colour: RGB, *, ajar: float = 0.0) -> None:
    """A single door with frame and handle; ``ajar`` opens a slit of warm light."""
    w = height * 0.45
    cv2.rectangle(canvas, pt(x - w / 2 - height * 0.04, ground_y - height - height * 0.04), pt(x + w / 2 + height * 0.04, ground_y), (70, 64, 60), -1, AA)
    if ajar > 0:
        cv2.rectangle(canvas, pt(x - w / 2, ground_y - height), pt(x + w / 2, ground_y), (255, 210, 140), -1, AA)
    left = x - w / 2 + w * ajar
    cv2.rectangle(canvas, pt(left, ground_y - height), pt(x + w / 2, ground_y), colour, -1, AA)
    for row in range(3):  # panels
        top = ground_y - height + height * (0.08 + row * 0.3)
        cv2.rectangle(canvas, pt(left + w * 0.12, top), pt(x + w / 2 - w * 0.12, top + height * 0.24), shade(colour, 0.75), max(1, int(height * 0.01)), AA)
    ellipse(canvas, (x + w / 2 - w * 0.15, ground_y - height * 0.48), (height * 0.02, height * 0.02), (200, 160, 70))


def lamp(canvas: np.ndarray, x: float, ground_y: float, height: float, arm: int = -1) -> tuple[float, float]:
    """A street lamp; returns the bulb position (where the light glow goes)."""
    thickness = max(1, int(round(height * 0.02)))
    top = ground_y - height
    cv2.line(canvas, pt(x, ground_y), pt(x, top), (40, 40, 42), thickness, AA)
    bulb = (x + arm * height * 0.16, top + height * 0.04)
    cv2.line(canvas, pt(x, top), pt(bulb[0], top), (40, 40, 42), thickness, AA)
    ellipse(canvas, bulb, (height * 0.05, height * 0.03), (255, 236, 190))
    return bulb


def tree(canvas: np.ndarray, x: float, ground_y: float, height: float) -> None:
    cv2.line(canvas, pt(x, ground_y), pt(x, ground_y - height * 0.55), (70, 54, 40), max(1, int(height * 0.06)), AA)
    ellipse(canvas, (x, ground_y - height * 0.7), (height * 0.3, height * 0.32), (50, 84, 56))


def keys(canvas: np.ndarray, cx: float, cy: float, size: float, metal: RGB) -> None:
    """A key ring with three keys fanned out."""
    ring = max(2, int(round(size * 0.04)))
    ellipse(canvas, (cx, cy), (size * 0.22, size * 0.22), metal, thickness=ring)
    for k, angle in enumerate((-35.0, 10.0, 55.0)):
        a = np.radians(angle + 90)
        base = (cx + np.cos(a) * size * 0.22, cy + np.sin(a) * size * 0.22)
        tip = (base[0] + np.cos(a) * size * 0.75, base[1] + np.sin(a) * size * 0.75)
        tone = shade(metal, 0.85 + 0.12 * k)
        ellipse(canvas, base, (size * 0.11, size * 0.11), tone)
        cv2.line(canvas, pt(*base), pt(*tip), tone, max(2, int(size * 0.06)), AA)
        for notch in (0.55, 0.7, 0.85):
            p = (base[0] + np.cos(a) * size * 0.75 * notch, base[1] + np.sin(a) * size * 0.75 * notch)
            q = (p[0] + np.cos(a + np.pi / 2) * size * 0.07, p[1] + np.sin(a + np.pi / 2) * size * 0.07)
            cv2.line(canvas, pt(*p), pt(*q), tone, max(1, int(size * 0.04)), AA)


def hand(canvas: np.ndarray, cx: float, cy: float, size: float, colour: RGB, facing: int = 1) -> None:
    """An open hand (or glove) reaching in from the bottom of the frame."""
    f = float(facing)
    ellipse(canvas, (cx, cy), (size * 0.42, size * 0.36), colour)
    fill_poly(canvas, [(cx - size * 0.3, cy + size * 0.1), (cx + size * 0.3, cy + size * 0.1), (cx + size * 0.35, canvas.shape[0] + 2), (cx - size * 0.35, canvas.shape[0] + 2)], colour)
    for k in range(4):
        base_x = cx - size * 0.3 + k * size * 0.2
        cv2.line(canvas, pt(base_x, cy - size * 0.15), pt(base_x + f * size * 0.05, cy - size * (0.62 + 0.08 * (k in (1, 2)))), colour, max(2, int(size * 0.13)), AA)
    cv2.line(canvas, pt(cx - f * size * 0.35, cy + size * 0.05), pt(cx - f * size * 0.7, cy - size * 0.25), colour, max(2, int(size * 0.14)), AA)


def generic_object(canvas: np.ndarray, kind: str, cx: float, cy: float, size: float, colour: RGB) -> None:
    """Phone, letter, cup, ring or an unnamed object: a readable simple shape."""
    if kind == "phone":
        cv2.rectangle(canvas, pt(cx - size * 0.28, cy - size * 0.5), pt(cx + size * 0.28, cy + size * 0.5), (24, 24, 26), -1, AA)
        cv2.rectangle(canvas, pt(cx - size * 0.24, cy - size * 0.44), pt(cx + size * 0.24, cy + size * 0.44), (150, 190, 230), -1, AA)
    elif kind == "letter":
        fill_poly(canvas, [(cx - size * 0.6, cy - size * 0.35), (cx + size * 0.55, cy - size * 0.42), (cx + size * 0.6, cy + size * 0.38), (cx - size * 0.55, cy + size * 0.42)], (236, 228, 206))
        for row in range(5):
            y = cy - size * 0.22 + row * size * 0.11
            cv2.line(canvas, pt(cx - size * 0.42, y), pt(cx + size * 0.38, y - size * 0.02), (90, 90, 110), max(1, int(size * 0.015)), AA)
    elif kind == "cup":
        cv2.rectangle(canvas, pt(cx - size * 0.3, cy - size * 0.35), pt(cx + size * 0.3, cy + size * 0.4), colour, -1, AA)
        ellipse(canvas, (cx, cy - size * 0.35), (size * 0.3, size * 0.08), shade(colour, 0.6))
        ellipse(canvas, (cx + size * 0.36, cy), (size * 0.14, size * 0.18), colour, thickness=max(2, int(size * 0.05)))
    elif kind == "ring":
        ellipse(canvas, (cx, cy), (size * 0.3, size * 0.3), colour, thickness=max(2, int(size * 0.07)))
        ellipse(canvas, (cx, cy - size * 0.3), (size * 0.08, size * 0.08), (230, 240, 250))
    else:
        cv2.rectangle(canvas, pt(cx - size * 0.45, cy - size * 0.3), pt(cx + size * 0.45, cy + size * 0.3), colour, -1, AA)
        cv2.rectangle(canvas, pt(cx - size * 0.45, cy - size * 0.3), pt(cx + size * 0.45, cy - size * 0.18), shade(colour, 1.3), -1, AA)
