"""Footage for the prop checks (QA116, QA208): real photographs composited into real backgrounds, encoded as H.264.

The prop is the espresso cup on its saucer from ``skimage.data.coffee()``, cut
out along the saucer's ellipse; its sheet is that cut-out on white, like a
packshot. Each clip moves it over a real background (``astronaut()``,
``chelsea()``) under one realistic change: scale, rotation, perspective, a light
change, a partial occlusion, motion through the frame; the defects put another
photograph in its place, recolour it (a hue turn), or take it away mid-clip.
Where it is on every frame is known (:attr:`PropClip.boxes`), so a flagged
frame can be checked independently on the decoded picture.

Everything is deterministic and small (320x180, 48 frames at 24 fps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from shotcraft.media.video import VideoWriter

WIDTH, HEIGHT, FRAMES, RATE = 320, 180, 48, Fraction(24)
# the cup and saucer in coffee() (600x400): the saucer's ellipse, centre and half axes in pixels
CUP_CENTRE, CUP_AXES = (278, 228), (202, 160)


@dataclass(frozen=True)
class PropClip:
    path: Path
    boxes: list[tuple[int, int, int, int] | None] = field(default_factory=list)  # per frame: the prop's box (x, y, w, h), None when absent


@lru_cache(maxsize=None)
def cup() -> tuple[np.ndarray, np.ndarray]:
    """The cut-out cup (RGB) and its alpha (float 0..1, feathered), cropped to the saucer."""
    photo = data.coffee()
    (cx, cy), (ax, ay) = CUP_CENTRE, CUP_AXES
    alpha = np.zeros(photo.shape[:2], np.float32)
    cv2.ellipse(alpha, (cx, cy), (ax, ay), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 2.0)
    y0, y1, x0, x1 = max(0, cy - ay), min(photo.shape[0], cy + ay), cx - ax, cx + ax
    return np.ascontiguousarray(photo[y0:y1, x0:x1]), np.ascontiguousarray(alpha[y0:y1, x0:x1])


def cup_sheet(path: Path) -> Path:
    """The sheet: the cut-out on white (a packshot)."""
    from PIL import Image

    rgb, alpha = cup()
    white = rgb.astype(np.float32) * alpha[..., None] + 255.0 * (1 - alpha[..., None])
    Image.fromarray(np.clip(white + 0.5, 0, 255).astype(np.uint8)).save(path)
    return path


@lru_cache(maxsize=None)
def rocket() -> tuple[np.ndarray, np.ndarray]:
    """A vehicle: the rocket of ``skimage.data.rocket()`` on its pad, with the dusk sky around it (a plate, not a cut-out)."""
    plate = np.ascontiguousarray(data.rocket()[110:415, 270:370])
    return plate, np.ones(plate.shape[:2], np.float32)


def rocket_sheet(path: Path) -> Path:
    from PIL import Image

    Image.fromarray(rocket()[0]).save(path)
    return path


def other_object() -> tuple[np.ndarray, np.ndarray]:
    """Another photograph cut to the same shape: the cat's head from chelsea() (a different object in the prop's place)."""
    rgb, alpha = cup()
    cat = cv2.resize(data.chelsea()[20:280, 60:390], (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA)
    return cat, alpha


def hue_turned(degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The same cup with its hue turned (same shape, same texture, another colour)."""
    rgb, alpha = cup()
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + round(degrees * 256 / 360)) % 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL), alpha


def recoloured() -> tuple[np.ndarray, np.ndarray]:
    """The cup turned 120 degrees round the hue circle: the red-brown glaze become green-blue."""
    return hue_turned(120)


def relit(rgb: np.ndarray, gain: float, warm: float) -> np.ndarray:
    """Another light: an exposure gain in linear light and a warm/cool tint (``warm`` > 0: red up, blue down)."""
    linear = (rgb.astype(np.float32) / 255.0) ** 2.2 * gain
    linear *= np.float32([1 + warm, 1.0, 1 - warm])
    return np.clip(np.power(np.clip(linear, 0, 1), 1 / 2.2) * 255 + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=None)
def background(name: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> np.ndarray:
    photo = {"astronaut": data.astronaut, "chelsea": data.chelsea, "rocket": data.rocket}[name]()
    height = photo.shape[1] * size[1] // size[0]
    top = max(0, (photo.shape[0] - height) // 2)
    return cv2.resize(photo[top : top + height], size, interpolation=cv2.INTER_CUBIC if size[0] > photo.shape[1] else cv2.INTER_AREA)


def place(frame: np.ndarray, prop: tuple[np.ndarray, np.ndarray], centre: tuple[float, float], height: float,
          angle: float = 0.0, tilt: float = 0.0) -> tuple[int, int, int, int]:
    """Composite ``prop`` (RGB, alpha) into ``frame`` in place: ``height`` px tall, turned by ``angle`` degrees,
    its top edge narrowed by ``tilt`` (a perspective: seen from below/above). Returns its bounding box."""
    rgb, alpha = prop
    h, w = alpha.shape
    scale = height / h
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    corners = (source - [w / 2, h / 2]) * scale
    corners[:2, 0] *= 1 - tilt  # the far edge shorter
    theta = np.radians(angle)
    rotation = np.float32([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    target = corners @ rotation.T + np.float32(centre)
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    size = (frame.shape[1], frame.shape[0])
    layer = cv2.warpPerspective(rgb, matrix, size, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(alpha, matrix, size, flags=cv2.INTER_LINEAR)[..., None]
    frame[:] = np.clip(frame * (1 - mask) + layer * mask + 0.5, 0, 255).astype(np.uint8)
    x0, y0 = np.floor(target.min(axis=0)).astype(int)
    x1, y1 = np.ceil(target.max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def make(path: Path, *, scene: str = "astronaut", prop: tuple[np.ndarray, np.ndarray] | None = None,
         path_from: tuple[float, float] = (110, 95), path_to: tuple[float, float] = (200, 90),
         height: tuple[float, float] = (100, 120), angle: tuple[float, float] = (0, 0), tilt: float = 0.0,
         light: tuple[float, float] = (1.0, 0.0), occlude: float = 0.0, vanish_from: int | None = None,
         blur_from: int | None = None, blur: float = 8.0, size: tuple[int, int] = (WIDTH, HEIGHT), frames: int = FRAMES) -> PropClip:
    """A clip of the prop moving from ``path_from`` to ``path_to`` while its height and angle go from/to the pairs
    given; ``occlude``: share of the prop's width covered by a dark hand-like bar from the left; ``vanish_from``:
    first frame without the prop (the generator dropping it); ``blur_from``: first frame where the prop is out of focus
    (a focus pull to the background: the prop's photograph blurred by ``blur`` px sigma at its source size)."""
    prop = prop or cup()
    if light != (1.0, 0.0):
        prop = (relit(prop[0], *light), prop[1])
    scene_rgb = background(scene, size)
    if light != (1.0, 0.0):
        scene_rgb = relit(scene_rgb, *light)
    blurred = (cv2.GaussianBlur(prop[0], (0, 0), blur), prop[1])
    boxes: list[tuple[int, int, int, int] | None] = []
    with VideoWriter(path, size[0], size[1], RATE) as writer:
        for index in range(frames):
            t = index / (frames - 1)
            frame = scene_rgb.copy()
            if vanish_from is not None and index >= vanish_from:
                boxes.append(None)
            else:
                centre = (path_from[0] + t * (path_to[0] - path_from[0]), path_from[1] + t * (path_to[1] - path_from[1]))
                shown = blurred if blur_from is not None and index >= blur_from else prop
                box = place(frame, shown, centre, height[0] + t * (height[1] - height[0]), angle[0] + t * (angle[1] - angle[0]), tilt)
                boxes.append(box)
                if occlude:
                    x, y, w, h = box
                    cv2.rectangle(frame, (x - 4, y + h // 4), (x + int(w * occlude), y + h), (52, 40, 36), -1)
            writer.write(frame)
    return PropClip(path, boxes)
