"""A realistic QA corpus built from the photographs scikit-image ships (real faces, real textures).

Clean clips are camera moves over real photographs (slow pans, push-ins,
tilts, a locked-off portrait with micro-motion, light grain), with and without
faces, frontal and turned; defective clips plant one defect on known frames of
the same footage. Everything is deterministic (NumPy generators seeded from
the clip's name) and small (480x270, 2.5 s at 24 fps) so the suite stays cheap.

Each maker returns a :class:`Clip`: the file plus what was planted where.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from shotcraft.media.video import VideoWriter

WIDTH, HEIGHT, FRAMES, RATE = 400, 224, 48, Fraction(24)
DESIGN_WIDTH = 480  # the moves below were framed for 480 px; scales follow the width
GRAIN = 1.6  # luma levels, seeded per frame: light film grain


@dataclass(frozen=True)
class Clip:
    path: Path
    code: str | None = None  # the planted defect's code (None: clean)
    start: int = 0  # first and last frame of the defect
    end: int = 0
    face: bool = False  # a person is in the picture


# --- source photographs -------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    if name == "camera":
        return np.dstack([data.camera()] * 3)
    if name == "hubble":
        return data.hubble_deep_field()
    return getattr(data, name)()


@lru_cache(maxsize=None)
def lfw_face(index: int, size: int) -> np.ndarray:
    """One of the LFW faces shipped with scikit-image (25x25 grey), enlarged."""
    face = (data.lfw_subset()[index] * 255).astype(np.uint8)
    return cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC)


ASTRONAUT_FACE = (179, 83, 88, 88)  # dlib's HOG box on the photograph (x, y, w, h)


# --- camera moves --------------------------------------------------------------------------------------


def view(image: np.ndarray, cx: float, cy: float, scale: float, size=(WIDTH, HEIGHT)) -> np.ndarray:
    """The output frame showing ``image`` around (cx, cy) magnified by ``scale`` (sub-pixel, no border)."""
    w, h = size
    scale *= w / DESIGN_WIDTH
    matrix = np.float32([[scale, 0, w / 2 - scale * cx], [0, scale, h / 2 - scale * cy]])
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def move(image: np.ndarray, start: tuple[float, float, float], end: tuple[float, float, float], frames: int = FRAMES,
         ease: bool = True) -> list[np.ndarray]:
    """A smooth move (cx, cy, scale) from ``start`` to ``end`` (eased unless ``ease`` is False)."""
    out = []
    for index in range(frames):
        t = index / max(1, frames - 1)
        t = t * t * (3 - 2 * t) if ease else t
        cx, cy, scale = (a + (b - a) * t for a, b in zip(start, end))
        out.append(view(image, cx, cy, scale))
    return out


def grain(frames: list[np.ndarray], name: str, sigma: float = GRAIN) -> list[np.ndarray]:
    out = []
    for index, frame in enumerate(frames):
        rng = np.random.default_rng([zlib.crc32(name.encode()), index])
        noise = rng.normal(0.0, sigma, frame.shape[:2]).astype(np.float32)[..., None]
        out.append(np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8))
    return out


def write(path: Path, frames: list[np.ndarray], rate: Fraction = RATE) -> Path:
    height, width = frames[0].shape[:2]
    with VideoWriter(path, width, height, rate) as writer:
        for frame in frames:
            writer.write(frame)
    return path


# --- clean footage --------------------------------------------------------------------------------------


def pan_coffee() -> list[np.ndarray]:
    return move(photo("coffee"), (260, 200, 1.05), (300, 203, 1.05))


def tilt_rocket() -> list[np.ndarray]:
    return move(photo("rocket"), (320, 190, 1.0), (320, 260, 1.0))


def push_astronaut() -> list[np.ndarray]:
    return move(photo("astronaut"), (230, 170, 1.15), (226, 150, 1.35))


def pan_chelsea() -> list[np.ndarray]:
    return move(photo("chelsea"), (200, 150, 1.2), (250, 150, 1.2))


def static_hubble() -> list[np.ndarray]:
    """A 'static' shot that still breathes: a push of 1 % over the clip (the seeds' almost fixed camera)."""
    return move(photo("hubble"), (500, 430, 0.9), (500, 430, 0.909), ease=False)


def still_hubble() -> list[np.ndarray]:
    return move(photo("hubble"), (500, 430, 0.9), (500, 430, 0.9))


def push_camera() -> list[np.ndarray]:
    return move(photo("camera"), (250, 200, 1.0), (250, 195, 1.12))


def pan_camera_mirrored() -> list[np.ndarray]:
    """The cameraman's photograph mirrored (a real profile looking left), slow pan: the profile detector's other side."""
    return move(np.ascontiguousarray(photo("camera")[:, ::-1]), (280, 200, 1.05), (250, 200, 1.05))


def two_shot_profile() -> list[np.ndarray]:
    """A profile two-shot composed from two real photographs: the astronaut (frontal) left, the cameraman (profile,
    facing her) right, slow push. A composite, not one photograph: the only real profile that ships is the cameraman."""
    left = photo("astronaut")[20:400, 80:360]
    right = photo("camera")[20:400, ::-1][:, 140:420]  # mirrored: he looks left, at her
    return move(np.ascontiguousarray(np.hstack([left, right])), (280, 170, 0.9), (280, 165, 0.96))


def pan_astronaut_light() -> list[np.ndarray]:
    """The same person while the light slowly changes (a cloud): not an identity change."""
    frames = move(photo("astronaut"), (210, 160, 1.25), (245, 160, 1.25))
    return [np.clip(f.astype(np.float32) * (1.0 - 0.35 * i / (FRAMES - 1)), 0, 255).astype(np.uint8) for i, f in enumerate(frames)]


def portrait_micro() -> list[np.ndarray]:
    """A locked-off portrait that lives: breathing (0.3 % scale), a swaying strand of hair, a blink."""
    image = photo("astronaut")
    x, y, w, h = ASTRONAUT_FACE
    frames = []
    grid_x, grid_y = np.meshgrid(np.arange(WIDTH, dtype=np.float32), np.arange(HEIGHT, dtype=np.float32))
    for index in range(FRAMES):
        t = index / float(RATE)
        scale = 1.3 * (1.0 + 0.004 * np.sin(2 * np.pi * 0.31 * t))
        frame = view(image, 225, 135 + 0.6 * np.sin(2 * np.pi * 0.23 * t), scale)
        # hair above the forehead sways by a pixel or two
        hair = np.exp(-(((grid_x - WIDTH * 0.42) / 40) ** 2 + ((grid_y - HEIGHT * 0.12) / 25) ** 2)).astype(np.float32)
        shift = np.float32(2.0 * np.sin(2 * np.pi * 0.7 * t) + 1.2 * np.sin(2 * np.pi * 1.13 * t + 1.0))
        frame = cv2.remap(frame, grid_x + hair * shift, grid_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if 30 <= index <= 32:  # a blink: the eye band closes (darker, flattened)
            eyes = (slice(int(HEIGHT * 0.37), int(HEIGHT * 0.45)), slice(int(WIDTH * 0.36), int(WIDTH * 0.58)))
            frame[eyes] = cv2.GaussianBlur(frame[eyes], (0, 0), 2.5) * np.float32(0.8)
        frames.append(frame)
    return frames


def head_turn_astronaut() -> list[np.ndarray]:
    """Rotation in depth approximated by a growing horizontal squeeze of the head (to ~80 %), with a slow push."""
    frames = push_astronaut()
    out = []
    for index, frame in enumerate(frames):
        squeeze = 1.0 - 0.2 * index / (FRAMES - 1)
        out.append(_squeeze_region(frame, (WIDTH * 0.3, 0, WIDTH * 0.45, HEIGHT), squeeze))
    return out


def expression_astronaut() -> list[np.ndarray]:
    """A smile that grows: the mouth corners pulled up and out over the clip."""
    frames = push_astronaut()
    out = []
    grid_x, grid_y = np.meshgrid(np.arange(WIDTH, dtype=np.float32), np.arange(HEIGHT, dtype=np.float32))
    for index, frame in enumerate(frames):
        amount = np.float32(4.0 * index / (FRAMES - 1))
        mouth_x, mouth_y = WIDTH * 0.47, HEIGHT * 0.66
        weight = np.exp(-(((grid_x - mouth_x) / 30) ** 2 + ((grid_y - mouth_y) / 14) ** 2)).astype(np.float32)
        dx = -np.sign(grid_x - mouth_x) * np.minimum(np.abs(grid_x - mouth_x) / 30, 1) * amount * weight
        dy = np.minimum(np.abs(grid_x - mouth_x) / 30, 1) * amount * weight
        out.append(cv2.remap(frame, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    return out


def crop_astronaut() -> list[np.ndarray]:
    """A tight push that crops the face to the brow and chin."""
    return move(photo("astronaut"), (224, 135, 1.6), (224, 130, 2.1))


def _squeeze_region(frame: np.ndarray, region, factor: float) -> np.ndarray:
    x, y, w, h = (int(v) for v in region)
    out = frame.copy()
    part = frame[y : y + h, x : x + w]
    new_w = max(2, int(round(w * factor)))
    squeezed = cv2.resize(part, (new_w, h), interpolation=cv2.INTER_AREA)
    offset = (w - new_w) // 2
    background = cv2.resize(part, (w, h))
    background[:, offset : offset + new_w] = squeezed
    out[y : y + h, x : x + w] = background
    return out


CLEAN = {
    "pan_coffee": (pan_coffee, False),
    "tilt_rocket": (tilt_rocket, False),
    "push_astronaut": (push_astronaut, True),
    "pan_chelsea": (pan_chelsea, False),
    "static_hubble": (static_hubble, False),
    "push_camera": (push_camera, True),
    "pan_astronaut_light": (pan_astronaut_light, True),
    "portrait_micro": (portrait_micro, True),
    "head_turn_astronaut": (head_turn_astronaut, True),
    "expression_astronaut": (expression_astronaut, True),
    "crop_astronaut": (crop_astronaut, True),
    "pan_camera_mirrored": (pan_camera_mirrored, True),
    "two_shot_profile": (two_shot_profile, True),
}


def clean(name: str, folder: Path) -> Clip:
    maker, face = CLEAN[name]
    return Clip(write(folder / f"{name}.mp4", grain(maker(), name)), face=face)


# --- planted defects -------------------------------------------------------------------------------------


def _face_box_in(frame_index: int, frames: list[np.ndarray]) -> tuple[int, int, int, int]:
    """Where the astronaut's face is in push_astronaut's frame (from the move's geometry)."""
    t = frame_index / (FRAMES - 1)
    t = t * t * (3 - 2 * t)
    cx, cy, scale = 230 - 4 * t, 170 - 20 * t, (1.15 + 0.2 * t) * WIDTH / DESIGN_WIDTH
    x, y, w, h = ASTRONAUT_FACE
    left = WIDTH / 2 + scale * (x - cx)
    top = HEIGHT / 2 + scale * (y - cy)
    return int(left), int(top), int(w * scale), int(h * scale)


def identity_swap(folder: Path, at: int = 27, other: int = 11) -> Clip:
    """From frame ``at`` the astronaut's face is another person's (an LFW face, tone-matched, feathered)."""
    frames = push_astronaut()
    for index in range(at, FRAMES):
        frames[index] = _paste_face(frames[index], _face_box_in(index, frames), lfw_face(other, 200))
    return Clip(write(folder / "identity_swap.mp4", grain(frames, "identity_swap")), "QA112", at, FRAMES - 1, True)


def _paste_face(frame: np.ndarray, box, face_grey: np.ndarray) -> np.ndarray:
    x, y, w, h = box
    size = int(w * 1.5)
    cx, cy = x + w // 2, y + h // 2 + int(h * 0.05)
    face = cv2.resize(face_grey, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    x0, y0 = cx - size // 2, cy - size // 2
    region = frame[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    tint = region.reshape(-1, 3).mean(0) / max(float(face.mean()), 1.0)
    coloured = face[..., None] * tint[None, None, :]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    mask = np.clip(1.6 - 2.2 * np.hypot((xx - size / 2) / (size * 0.42), (yy - size / 2) / (size * 0.5)), 0, 1)[..., None]
    out = frame.copy()
    out[y0 : y0 + size, x0 : x0 + size] = np.clip(region * (1 - mask) + coloured * mask, 0, 255).astype(np.uint8)
    return out


def melting_face(folder: Path, start: int = 24) -> Clip:
    """From frame ``start`` the face region warps (a growing swirl of the features) and smears."""
    frames = push_astronaut()
    grid_x, grid_y = np.meshgrid(np.arange(WIDTH, dtype=np.float32), np.arange(HEIGHT, dtype=np.float32))
    for index in range(start, FRAMES):
        amount = min(1.0, (index - start + 1) / 12)
        x, y, w, h = _face_box_in(index, frames)
        cx, cy = x + w / 2, y + h / 2
        r = np.hypot(grid_x - cx, grid_y - cy)
        weight = np.clip(1 - r / (w * 0.75), 0, 1).astype(np.float32)
        dx = amount * 0.25 * w * weight * np.sin((grid_y - cy) / (w * 0.12))
        dy = amount * 0.35 * h * weight * weight
        warped = cv2.remap(frames[index], grid_x + dx, grid_y - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        smeared = cv2.GaussianBlur(warped, (0, 0), 1 + 3 * amount)
        blend = weight[..., None]
        frames[index] = np.clip(warped * (1 - blend) + smeared * blend, 0, 255).astype(np.uint8)
    return Clip(write(folder / "melting_face.mp4", grain(frames, "melting_face")), "QA112", start, FRAMES - 1, True)


CAMERAMAN_HEAD = (176, 93, 110, 110)  # the cameraman's head in profile in the photograph (x, y, w, h)


def _camera_head_in(frame_index: int) -> tuple[int, int, int, int]:
    """Where the cameraman's head is in push_camera's frame (from the move's geometry)."""
    t = frame_index / (FRAMES - 1)
    t = t * t * (3 - 2 * t)
    cx, cy, scale = 250.0, 200 - 5 * t, (1.0 + 0.12 * t) * WIDTH / DESIGN_WIDTH
    x, y, w, h = CAMERAMAN_HEAD
    return int(WIDTH / 2 + scale * (x - cx)), int(HEIGHT / 2 + scale * (y - cy)), int(w * scale), int(h * scale)


def profile_melts(folder: Path, start: int = 24) -> Clip:
    """The cameraman's profile melts from frame ``start``: a growing swirl and smear of the head."""
    frames = push_camera()
    grid_x, grid_y = np.meshgrid(np.arange(WIDTH, dtype=np.float32), np.arange(HEIGHT, dtype=np.float32))
    for index in range(start, FRAMES):
        amount = min(1.0, (index - start + 1) / 12)
        x, y, w, h = _camera_head_in(index)
        cx, cy = x + w / 2, y + h / 2
        weight = np.clip(1 - np.hypot(grid_x - cx, grid_y - cy) / (w * 0.75), 0, 1).astype(np.float32)
        dx = amount * 0.25 * w * weight * np.sin((grid_y - cy) / (w * 0.12))
        dy = amount * 0.35 * h * weight * weight
        warped = cv2.remap(frames[index], grid_x + dx, grid_y - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        smeared = cv2.GaussianBlur(warped, (0, 0), 1 + 3 * amount)
        frames[index] = np.clip(warped * (1 - weight[..., None]) + smeared * weight[..., None], 0, 255).astype(np.uint8)
    return Clip(write(folder / "profile_melts.mp4", grain(frames, "profile_melts")), "QA112", start, FRAMES - 1, True)


def profile_vanishes(folder: Path, start: int = 16, end: int = 27, fade: int = 3) -> Clip:
    """The cameraman's head dissolves away (inpainted from its surroundings) over ``fade`` frames from ``start``,
    stays gone, and dissolves back until ``end``, as a generator's lost subject does. (Popping back in one frame
    reads as a cut to QA's cut detector, and a cut ends what a track can say.)"""
    frames = push_camera()
    for index in range(start, end + 1):
        x, y, w, h = _camera_head_in(index)
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        cv2.ellipse(mask, (x + w // 2, y + h // 2), (int(w * 0.6), int(h * 0.62)), 0, 0, 360, 255, -1)
        gone = cv2.inpaint(frames[index], mask, 5, cv2.INPAINT_TELEA).astype(np.float32)
        amount = min(1.0, (index - start + 1) / fade, (end - index + 1) / fade)
        frames[index] = np.clip(frames[index] * (1 - amount) + gone * amount, 0, 255).astype(np.uint8)
    return Clip(write(folder / "profile_vanishes.mp4", grain(frames, "profile_vanishes")), "QA112", start, end, True)


def flicker(folder: Path, start: int = 20, end: int = 27) -> Clip:
    frames = pan_coffee()
    for index in range(start, end + 1, 2):
        frames[index] = np.clip(frames[index].astype(np.float32) * 1.25 + 5, 0, 255).astype(np.uint8)
    return Clip(write(folder / "flicker.mp4", grain(frames, "flicker")), "QA101", start, end)


def frozen_portrait(folder: Path, start: int = 20, length: int = 12) -> Clip:
    """A 12-frame freeze inside the living portrait (the held frame keeps its grain, as a generator's repeat does)."""
    frames = grain(portrait_micro(), "frozen_portrait")
    for index in range(start + 1, start + length):
        frames[index] = frames[start].copy()
    return Clip(write(folder / "frozen_portrait.mp4", frames), "QA102", start + 1, start + length - 1, True)


def frozen_fresh_grain(folder: Path, start: int = 20, length: int = 12) -> Clip:
    """The same freeze where grain is re-added on every frame: grain is not motion, the picture is still held."""
    frames = portrait_micro()
    for index in range(start + 1, start + length):
        frames[index] = frames[start].copy()
    return Clip(write(folder / "frozen_fresh_grain.mp4", grain(frames, "frozen_fresh_grain")), "QA102", start + 1, start + length - 1, True)


def over_sharpened(folder: Path) -> Clip:
    out = []
    for frame in grain(tilt_rocket(), "over_sharpened", 0.8):
        f = frame.astype(np.float32)
        out.append(np.clip(f + 2.0 * (f - cv2.GaussianBlur(f, (0, 0), 1.5)), 0, 255).astype(np.uint8))
    return Clip(write(folder / "over_sharpened.mp4", out), "QA106", 0, FRAMES - 1)


def over_sharpened_fur(folder: Path) -> Clip:
    """The cat's fur (fine natural detail that overshoots like a halo by itself) under a milder unsharp mask."""
    out = []
    for frame in grain(pan_chelsea(), "over_sharpened_fur", 0.8):
        f = frame.astype(np.float32)
        out.append(np.clip(f + 1.5 * (f - cv2.GaussianBlur(f, (0, 0), 1.5)), 0, 255).astype(np.uint8))
    return Clip(write(folder / "over_sharpened_fur.mp4", out), "QA106", 0, FRAMES - 1)


def blurred(folder: Path) -> Clip:
    frames = [cv2.GaussianBlur(f, (0, 0), 2.5) for f in pan_coffee()]
    return Clip(write(folder / "blurred.mp4", grain(frames, "blurred", 0.5)), "QA107", 0, FRAMES - 1)


def border_garbage(folder: Path, start: int = 10, end: int = 40) -> Clip:
    frames = grain(pan_coffee(), "border_garbage")
    band = WIDTH // 20
    for index in range(start, end + 1):
        rng = np.random.default_rng([99, index])
        noise = cv2.resize(rng.uniform(0, 255, (HEIGHT // 6, band // 2, 3)).astype(np.float32), (band, HEIGHT), interpolation=cv2.INTER_NEAREST)
        frame = frames[index].astype(np.float32)
        frame[:, -band:] = 0.3 * frame[:, -band:] + 0.7 * noise
        frames[index] = frame.astype(np.uint8)
    return Clip(write(folder / "border_garbage.mp4", frames), "QA108", start, end)


def clipped(folder: Path) -> Clip:
    frames = [np.clip(f.astype(np.float32) * 2.0, 0, 255).astype(np.uint8) for f in pan_coffee()]
    return Clip(write(folder / "clipped.mp4", grain(frames, "clipped")), "QA109", 0, FRAMES - 1)


def crushed(folder: Path) -> Clip:
    frames = [np.clip(f.astype(np.int16) - 110, 0, 255).astype(np.uint8) for f in tilt_rocket()]
    return Clip(write(folder / "crushed.mp4", frames), "QA110", 0, FRAMES - 1)


def cast_drift(folder: Path, start: int = 24) -> Clip:
    frames = pan_coffee()
    for index in range(start, FRAMES):
        amount = 40.0 * (index - start) / (FRAMES - 1 - start)
        f = frames[index].astype(np.float32)
        f[..., 0] -= amount * 0.6
        f[..., 2] += amount
        frames[index] = np.clip(f, 0, 255).astype(np.uint8)
    return Clip(write(folder / "cast_drift.mp4", grain(frames, "cast_drift")), "QA111", start + 6, FRAMES - 1)


def shake(folder: Path, start: int = 12, end: int = 35) -> Clip:
    frames = pan_coffee()
    rng = np.random.default_rng(5)
    for index in range(start, end + 1):
        dx, dy = rng.uniform(-5, 5, 2)
        matrix = np.float32([[1, 0, dx], [0, 1, dy]])
        frames[index] = cv2.warpAffine(frames[index], matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT)
    return Clip(write(folder / "shake.mp4", grain(frames, "shake")), "QA105", start, end)


def too_much_motion(folder: Path) -> Clip:
    return Clip(write(folder / "too_much_motion.mp4", grain(move(photo("coffee"), (120, 200, 1.0), (480, 200, 1.0)), "fast")), "QA104", 0, FRAMES - 1)


def too_little_motion(folder: Path) -> Clip:
    return Clip(write(folder / "too_little_motion.mp4", grain(still_hubble(), "still")), "QA104", 0, FRAMES - 1)


DEFECTS = {
    "identity_swap": identity_swap,
    "melting_face": melting_face,
    "profile_melts": profile_melts,
    "profile_vanishes": profile_vanishes,
    "flicker": flicker,
    "frozen_portrait": frozen_portrait,
    "frozen_fresh_grain": frozen_fresh_grain,
    "over_sharpened": over_sharpened,
    "over_sharpened_fur": over_sharpened_fur,
    "blurred": blurred,
    "border_garbage": border_garbage,
    "clipped": clipped,
    "crushed": crushed,
    "cast_drift": cast_drift,
    "shake": shake,
    "too_much_motion": too_much_motion,
    "too_little_motion": too_little_motion,
}


def film(folder: Path, names: tuple[str, ...] = ("push_astronaut", "pan_coffee", "crop_astronaut", "tilt_rocket")) -> tuple[Path, list[int]]:
    """A finished multi-shot file: corpus shots joined by hard cuts (two of them similar framings of one face)."""
    frames: list[np.ndarray] = []
    cuts = []
    for name in names:
        if frames:
            cuts.append(len(frames))
        frames.extend(grain(CLEAN[name][0](), name))
    return write(folder / "film.mp4", frames), cuts
