"""Props and products in an animatic panel: drawn as objects, never as people.

A plan's ``props`` (a product, a key ring, a spaceship) reach the drawing
context as their sheets; :func:`draw_props` draws each one listed on the shot
as a recognisable object in the sheet's colour, labelled with its name: big
and centred in detail and insert shots (the packshot), smaller beside the
people in close shots, and placed in the set in wide shots (a vehicle floats
over the horizon). The shape comes from the prop's kind and the words of its
sheet (kept as data below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from shotcraft.backends import drawing
from shotcraft.backends.drawing import AA, RGB, pt

#: words of a prop sheet -> the shape drawn (first match wins; product default: bottle, vehicle: ship)
SHAPE_WORDS: dict[str, tuple[str, ...]] = {
    "bottle": ("bottle", "serum", "dropper", "vial", "flask", "perfume", "lotion", "cream", "jar", "tube"),
    "ship": ("spaceship", "ship", "spacecraft", "starship", "mothership", "saucer", "ufo", "aircraft"),
    "car": ("car", "sedan", "taxi", "truck", "van"),
    "keys": ("key", "keys", "key ring", "keyring"),
}
DEFAULT_SHAPE = {"product": "bottle", "vehicle": "ship", "object": "box"}


@dataclass(frozen=True)
class PropLook:
    id: str
    name: str
    shape: str
    colour: RGB
    accent: RGB


def prop_look(prop: dict[str, Any]) -> PropLook:
    """Shape and colours of one prop dump (kind + descriptors)."""
    words = " ".join([str(prop.get("name") or ""), str(prop.get("id") or ""), *map(str, (prop.get("descriptors") or {}).values())])
    kinds = drawing.find_words(words, SHAPE_WORDS)
    shape = kinds[0] if kinds else DEFAULT_SHAPE.get(str(prop.get("kind") or "object"), "box")
    colours = drawing.colours_in(" ".join(map(str, (prop.get("descriptors") or {}).values())))
    colour = colours[0] if colours else (180, 150, 110)
    accent = colours[1] if len(colours) > 1 else drawing.shade(colour, 1.4)
    return PropLook(str(prop.get("id") or "prop"), str(prop.get("name") or prop.get("id") or "prop"), shape, colour, accent)


def _bottle(canvas: np.ndarray, cx: float, cy: float, size: float, look: PropLook) -> None:
    body_w, body_h = size * 0.34, size * 0.62
    top = cy - body_h * 0.35
    cv2.rectangle(canvas, pt(cx - body_w / 2, top), pt(cx + body_w / 2, top + body_h), look.colour, -1, AA)
    drawing.ellipse(canvas, (cx, top), (body_w / 2, size * 0.05), drawing.shade(look.colour, 1.2))
    cv2.rectangle(canvas, pt(cx - body_w * 0.18, top - size * 0.12), pt(cx + body_w * 0.18, top), drawing.shade(look.colour, 0.8), -1, AA)
    cv2.rectangle(canvas, pt(cx - body_w * 0.26, top - size * 0.26), pt(cx + body_w * 0.26, top - size * 0.12), look.accent, -1, AA)
    cv2.rectangle(canvas, pt(cx - body_w * 0.4, top + body_h * 0.35), pt(cx + body_w * 0.4, top + body_h * 0.7), (236, 232, 224), -1, AA)
    # a vertical highlight: the reflection the ad must keep consistent
    cv2.rectangle(canvas, pt(cx - body_w * 0.36, top + body_h * 0.05), pt(cx - body_w * 0.28, top + body_h * 0.9), drawing.shade(look.colour, 1.7), -1, AA)


def _ship(canvas: np.ndarray, cx: float, cy: float, size: float, look: PropLook) -> None:
    drawing.ellipse(canvas, (cx, cy), (size * 0.7, size * 0.16), look.colour)
    drawing.ellipse(canvas, (cx, cy - size * 0.1), (size * 0.28, size * 0.12), drawing.shade(look.colour, 1.3))
    for offset in (-0.45, -0.15, 0.15, 0.45):
        drawing.ellipse(canvas, (cx + size * offset, cy + size * 0.08), (size * 0.04, size * 0.03), look.accent)


def draw_prop(canvas: np.ndarray, look: PropLook, cx: float, cy: float, size: float) -> None:
    """One prop as an object, with its name under it."""
    if look.shape == "bottle":
        _bottle(canvas, cx, cy, size, look)
    elif look.shape == "ship":
        _ship(canvas, cx, cy, size, look)
    elif look.shape == "car":
        drawing.car(canvas, cx, cy + size * 0.2, size * 1.2, look.colour)
    elif look.shape == "keys":
        drawing.keys(canvas, cx, cy, size, look.colour)
    else:
        drawing.generic_object(canvas, "object", cx, cy, size, look.colour)
    drawing.name_tag(canvas, look.name, cx, cy + size * 0.62, max(size / 700, 0.35))


WIDE_TYPES = ("establishing", "wide-ambience")
DETAIL_TYPES = ("object-detail", "insert")
SKY_WORDS = re.compile(r"hover|over|above|sky|fly|flies|flying", re.IGNORECASE)


def draw_props(canvas: np.ndarray, props: tuple[dict[str, Any], ...], shot_type: str, subject: str, jitter: float) -> None:
    """Every prop of the shot, placed for its framing."""
    h, w = canvas.shape[:2]
    looks = [prop_look(prop) for prop in props]
    for index, look in enumerate(looks):
        spread = (index - (len(looks) - 1) / 2) * 0.3
        if shot_type in DETAIL_TYPES:
            draw_prop(canvas, look, w * (0.5 + spread + jitter), h * 0.5, h * 0.7)
        elif shot_type in WIDE_TYPES:
            airborne = look.shape == "ship" and SKY_WORDS.search(subject)
            y = h * (0.22 if airborne else 0.78)
            draw_prop(canvas, look, w * (0.5 + spread + jitter), y, h * (0.35 if airborne else 0.18))
        else:
            draw_prop(canvas, look, w * (0.8 - index * 0.15 + jitter), h * 0.72, h * 0.3)
