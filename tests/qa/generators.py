"""Clips with planted defects, written as real H.264 files.

Each QA check has a generator here that plants its defect on known frames of
an otherwise clean clip; a new check comes with its planted defect. Clean
clips have ordinary camera motion, a moving subject, film grain and (for one)
a hard cut, and must never be rejected.

Everything is deterministic: NumPy generators are seeded from the clip spec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from shotcraft.media.video import VideoWriter


@dataclass(frozen=True)
class ClipSpec:
    width: int = 320
    height: int = 180
    frames: int = 48
    rate: Fraction = Fraction(24)
    speed: float = 0.03  # camera pan, frame widths per second
    direction: tuple[float, float] = (1.0, 0.25)
    subject_speed: float = 0.08  # a disc crossing the frame, frame widths per second
    grain: float = 2.0  # luma levels (standard deviation)
    exposure: float = 1.0
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per-channel gains (white balance)
    seed: int = 7


def scene_canvas(spec: ClipSpec) -> np.ndarray:
    """A textured set twice the frame size: smooth colour field, shapes, lines (drawn at 2x, reduced)."""
    rng = np.random.default_rng(spec.seed)
    w, h = spec.width * 2, spec.height * 2
    field_ = cv2.resize(rng.uniform(40, 200, (4, 6, 3)).astype(np.float32), (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)
    canvas = np.clip(field_, 0, 255).astype(np.uint8)
    for _ in range(60):
        color = tuple(int(c) for c in rng.integers(20, 235, 3))
        center = (int(rng.integers(0, w * 2)), int(rng.integers(0, h * 2)))
        if rng.random() < 0.5:
            cv2.circle(canvas, center, int(rng.integers(6, 60)), color, -1, lineType=cv2.LINE_AA)
        else:
            size = rng.integers(10, 90, 2)
            cv2.rectangle(canvas, center, (center[0] + int(size[0]), center[1] + int(size[1])), color, -1, lineType=cv2.LINE_AA)
    for _ in range(40):
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        p1 = (int(rng.integers(0, w * 2)), int(rng.integers(0, h * 2)))
        p2 = (p1[0] + int(rng.integers(-80, 80)), p1[1] + int(rng.integers(-80, 80)))
        cv2.line(canvas, p1, p2, color, int(rng.integers(1, 4)), lineType=cv2.LINE_AA)
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)


def render(spec: ClipSpec) -> list[np.ndarray]:
    """The clean clip: a pan over the set, a disc crossing it, grain."""
    canvas = scene_canvas(spec)
    dx, dy = spec.direction
    norm = float(np.hypot(dx, dy)) or 1.0
    rate = float(spec.rate)
    frames = []
    for index in range(spec.frames):
        travel = spec.speed * spec.width * index / rate
        cx = spec.width * 0.75 + travel * dx / norm
        cy = spec.height * 0.8 + travel * dy / norm
        frame = cv2.getRectSubPix(canvas, (spec.width, spec.height), (cx, cy)).astype(np.float32)
        sx = spec.width * (0.2 + spec.subject_speed * index / rate)
        cv2.circle(frame, (int(sx * 16), int(spec.height * 0.55 * 16)), int(spec.height * 0.12 * 16), (230, 190, 160), -1, lineType=cv2.LINE_AA, shift=4)
        frames.append(finish(frame * spec.exposure * np.float32(spec.cast), spec, index))
    return frames


def finish(frame: np.ndarray, spec: ClipSpec, index: int) -> np.ndarray:
    """Grain (seeded per frame) and 8-bit quantisation."""
    if spec.grain:
        rng = np.random.default_rng([spec.seed, index])
        noise = rng.normal(0.0, spec.grain, frame.shape[:2]).astype(np.float32)
        frame = frame + noise[..., None]
    return np.clip(frame, 0, 255).astype(np.uint8)


def write(path: Path, frames: list[np.ndarray], rate: Fraction = Fraction(24)) -> Path:
    height, width = frames[0].shape[:2]
    with VideoWriter(path, width, height, rate) as writer:
        for frame in frames:
            writer.write(frame)
    return path


# --- clean clips ----------------------------------------------------------------------------------


def clean(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    return write(path, render(spec), spec.rate)


def clean_with_cut(path: Path, spec: ClipSpec = ClipSpec(), at: int = 24) -> Path:
    """Two different set-ups joined by a hard cut at frame ``at``."""
    first = render(spec)[:at]
    second = render(replace(spec, seed=spec.seed + 100, direction=(-1.0, 0.1)))[at:]
    return write(path, first + second, spec.rate)


def handheld(path: Path, spec: ClipSpec = ClipSpec(speed=0.0)) -> Path:
    """Ordinary handheld drift: slow, smooth wander (not shake)."""
    frames = render(spec)
    out = []
    for index, frame in enumerate(frames):
        t = index / float(spec.rate)
        shift = (1.5 * np.sin(2 * np.pi * 0.4 * t), 1.0 * np.sin(2 * np.pi * 0.25 * t + 1))
        out.append(_shift(frame, *shift))
    return write(path, out, spec.rate)


# --- planted defects: each returns (path, first frame, last frame) of the defect -----------------------------


def flicker(path: Path, spec: ClipSpec = ClipSpec(), start: int = 20, end: int = 27) -> tuple[Path, int, int]:
    """QA101: brightness pumping on alternate frames, the scene itself unchanged."""
    frames = render(spec)
    for index in range(start, end + 1):
        if (index - start) % 2 == 0:
            frames[index] = np.clip(frames[index].astype(np.float32) * 1.3 + 6, 0, 255).astype(np.uint8)
    return write(path, frames, spec.rate), start, end


def frozen(path: Path, spec: ClipSpec = ClipSpec(), start: int = 16, end: int = 31) -> tuple[Path, int, int]:
    """QA102: the picture stalls (the same frame repeated, grain included) then jumps on."""
    frames = render(spec)
    for index in range(start + 1, end + 1):
        frames[index] = frames[start].copy()
    return write(path, frames, spec.rate), start + 1, end


def blank(path: Path, spec: ClipSpec = ClipSpec(), start: int = 30, end: int = 35) -> tuple[Path, int, int]:
    """QA103: black frames in the middle of the shot."""
    frames = render(spec)
    for index in range(start, end + 1):
        frames[index] = np.zeros_like(frames[index])
    return write(path, frames, spec.rate), start, end


def corrupt(path: Path, spec: ClipSpec = ClipSpec(frames=72)) -> Path:
    """QA113: a real MP4 with a stretch of its media data overwritten by garbage."""
    clean(path, spec)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(spec.seed)
    mdat = data.find(b"mdat")
    begin = mdat + (len(data) - mdat) // 3
    for offset in range(begin, begin + 6000, 7):
        data[offset] = int(rng.integers(0, 256))
    path.write_bytes(bytes(data))
    return path


def truncated(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """An MP4 cut short mid-file (its index lost): unreadable input."""
    clean(path, spec)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def too_much_motion(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """QA104: a whip-like pan (half a frame width per second)."""
    return clean(path, replace(spec, speed=0.5, subject_speed=0.3))


def no_motion(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """QA104 (too little): a still picture with grain only."""
    return clean(path, replace(spec, speed=0.0, subject_speed=0.0))


def shake(path: Path, spec: ClipSpec = ClipSpec(speed=0.01), start: int = 12, end: int = 35) -> tuple[Path, int, int]:
    """QA105: high-frequency camera jitter on a stretch of the clip."""
    frames = render(spec)
    rng = np.random.default_rng(spec.seed + 5)
    for index in range(start, end + 1):
        frames[index] = _shift(frames[index], *rng.uniform(-4, 4, 2))
    return write(path, frames, spec.rate), start, end


def over_sharpened(path: Path, spec: ClipSpec = ClipSpec(grain=1.0)) -> Path:
    """QA106: a strong unsharp mask (the 'video-game render')."""
    frames = []
    for frame in render(spec):
        f = frame.astype(np.float32)
        blurred = cv2.GaussianBlur(f, (0, 0), 1.5)
        frames.append(np.clip(f + 2.5 * (f - blurred), 0, 255).astype(np.uint8))
    return write(path, frames, spec.rate)


def soft(path: Path, spec: ClipSpec = ClipSpec(grain=0.5)) -> Path:
    """QA107: the whole clip out of focus."""
    frames = [cv2.GaussianBlur(frame, (0, 0), 3.0) for frame in render(spec)]
    return write(path, frames, spec.rate)


def border_artifacts(path: Path, spec: ClipSpec = ClipSpec(), start: int = 8, end: int = 40) -> tuple[Path, int, int]:
    """QA108: a boiling, smeared band along the left edge (what outpainting leaves)."""
    frames = render(spec)
    rng = np.random.default_rng(spec.seed + 8)
    band = max(4, spec.width // 20)
    for index in range(start, end + 1):
        frame = frames[index].astype(np.float32)
        garbage = rng.uniform(0, 255, (spec.height // 6 + 1, band // 2 + 1, 3)).astype(np.float32)
        garbage = cv2.resize(garbage, (band, spec.height), interpolation=cv2.INTER_NEAREST)
        frame[:, :band] = 0.3 * frame[:, :band] + 0.7 * garbage
        frames[index] = np.clip(frame, 0, 255).astype(np.uint8)
    return write(path, frames, spec.rate), start, end


def clipped(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """QA109: overexposed, large areas burnt to white."""
    return clean(path, replace(spec, exposure=2.2))


def crushed(path: Path, spec: ClipSpec = ClipSpec(grain=0.0)) -> Path:
    """QA110: shadows crushed to pure black."""
    frames = [np.clip(frame.astype(np.int16) - 140, 0, 255).astype(np.uint8) for frame in render(spec)]
    return write(path, frames, spec.rate)


def colour_drift(path: Path, spec: ClipSpec = ClipSpec(frames=72), start: int = 36) -> tuple[Path, int, int]:
    """QA111: the white balance slides towards magenta over the second half."""
    frames = render(spec)
    for index in range(start, spec.frames):
        amount = 40.0 * (index - start) / (spec.frames - 1 - start)
        f = frames[index].astype(np.float32)
        f[..., 0] += amount
        f[..., 1] -= amount * 0.8
        f[..., 2] += amount
        frames[index] = np.clip(f, 0, 255).astype(np.uint8)
    return write(path, frames, spec.rate), start, spec.frames - 1


def wrong_rate(path: Path, spec: ClipSpec = ClipSpec(rate=Fraction(25))) -> Path:
    """QA114: 25 fps where the plan says 24."""
    return clean(path, spec)


def _shift(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(frame, matrix, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REFLECT)
