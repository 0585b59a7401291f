"""Camera moves over a still: the shared motion engine of the animatic and stills backends.

A move is a path of a *view window* over the source image: centre offset
(``ox``, ``oy``, in fractions of the cover-fitted source), zoom (>= 1 keeps the
window inside the image) and roll (degrees). Every frame is one
``cv2.warpAffine`` from the source straight to the output size (sub-pixel,
bilinear, reflected border), so a 1536x864 keyframe becomes a 1280x720 frame
in a single resample. Paths are eased (smootherstep) and their amplitude
follows the shot's motion strength; the seed only shifts small phases, so
takes A and B differ slightly and the same seed gives identical frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from shotcraft.backends.protocol import ClipRequest
from shotcraft.errors import InputError

MOVES = (
    "static", "push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down",
    "dolly-left", "dolly-right", "crane-up", "crane-down", "orbit", "handheld-drift",
    "whip-pan", "fast-orbit", "crash-zoom",
)  # fmt: skip

# Amplitudes at motion = 1 (they scale linearly with motion strength).
PUSH_ZOOM = 0.35  # push-in / pull-out: zoom change
PAN_TRAVEL = 0.12  # pans and tilts: half the window travel, fraction of the frame
DOLLY_TRAVEL = 0.16  # dollies travel further than pans (no parallax on one layer)
CRANE_TRAVEL = 0.12
ORBIT_TRAVEL = 0.10
ORBIT_ROLL = 2.5  # degrees
DRIFT = (0.012, 0.009, 0.45)  # handheld: x, y (fractions), roll (degrees)
TRIGGER_PUNCH = 0.035  # the small push a timing trigger adds (the camera "reacts")
TRIGGER_RAMP_S = 0.35


@dataclass(frozen=True)
class View:
    """Where the camera looks in one frame."""

    ox: float = 0.0
    oy: float = 0.0
    zoom: float = 1.0
    roll: float = 0.0
    blur_px: float = 0.0  # horizontal motion blur length (whip pans), in output pixels


def smootherstep(t: np.ndarray | float) -> np.ndarray | float:
    """Ken Perlin's C2 ease: zero velocity and acceleration at both ends."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * t * (t * (t * 6 - 15) + 10)


def _window(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """Eased 0..1 progress that only moves between ``start`` and ``end`` (fractions of the clip)."""
    return smootherstep((t - start) / max(end - start, 1e-9))


def _phases(seed: int, count: int) -> np.ndarray:
    """Small deterministic per-take phases in [0, 2*pi) (the seed's only effect on a move)."""
    return np.random.default_rng(np.uint64(seed & 0xFFFFFFFFFFFFFFFF)).uniform(0.0, 2 * math.pi, count)


def _drift(times_s: np.ndarray, seed: int, amplitude: float, salt: int) -> np.ndarray:
    """Smooth pseudo-random drift: three incommensurate sines with seeded phases, in [-amplitude, amplitude]."""
    phases = _phases(seed + 7919 * salt, 3)
    freqs = (0.17, 0.31, 0.53)  # Hz: slower than a breath, never periodic within a shot
    weights = (0.6, 0.3, 0.1)
    total = sum(w * np.sin(2 * math.pi * f * times_s + p) for w, f, p in zip(weights, freqs, phases, strict=True))
    return amplitude * total


#: mean picture speed at motion strength 1, frame widths per second: the same calibration as QA's
#: QA104.speed_per_motion (tests check they agree), so a move measures what the plan asked for
SPEED_PER_MOTION = 0.10
#: moves whose amplitude is solved so the measured speed matches the plan (the others are effects or drift)
CALIBRATED = frozenset({"push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down", "dolly-left",
                        "dolly-right", "crane-up", "crane-down", "orbit"})  # fmt: skip
#: moves that start (or end) on the whole picture: offsets stay inside the zoom's own room, no overscan
ZOOMING = frozenset({"static", "push-in", "pull-out", "crash-zoom"})
#: share of linear motion in an eased move: it starts and lands softly but never holds a frame
EASE_LINEAR = 0.4
#: a static shot breathes (the seed's "subtle life"): a push of a fraction of a percent, a drift inside it
BREATH_PUSH = 0.008
BREATH_DRIFT = 0.003
#: light temporal grain on a static shot, 8-bit code values (sigma) and grain size in pixels at 720p
BREATH_GRAIN = 2.0
BREATH_GRAIN_SIZE = 1.5


def ease(t: np.ndarray | float) -> np.ndarray | float:
    """A move's progress: smootherstep blended with linear, so it eases without stopping at either end."""
    t = np.clip(t, 0.0, 1.0)
    return EASE_LINEAR * t + (1 - EASE_LINEAR) * smootherstep(t)


def plan_views(
    move: str,
    frames: int,
    fps: Fraction | float,
    motion: float,
    seed: int,
    triggers: Sequence[float] = (),
    aspect: float = 16 / 9,
) -> list[View]:
    """The camera path of a clip: one :class:`View` per frame.

    ``triggers`` are beat times in seconds from the start of the shot; each
    adds a small eased push so the reaction lands on the beat. For the
    calibrated moves the amplitude is solved (a few fixed-point steps on the
    exact flow of the path) so the picture travels at ``SPEED_PER_MOTION *
    motion`` frame widths per second on average, whatever the duration and
    the frame's ``aspect``.
    """
    if move not in MOVES:
        raise ValueError(f"unknown camera move {move!r}; expected one of {', '.join(MOVES)}")
    if frames < 1:
        raise ValueError(f"frames must be >= 1, found {frames}")
    m = float(np.clip(motion, 0.0, 1.0))
    gain = 1.0
    views = _path(move, frames, fps, m, seed, triggers, gain)
    if move in CALIBRATED and frames > 1 and m > 0:
        # speed grows monotonically (and faster than linearly: overscan) with the gain: bisect in log space
        target = SPEED_PER_MOTION * m
        low, high = 1 / 16, 16.0
        for _ in range(30):
            gain = math.sqrt(low * high)
            speed = path_speed(_path(move, frames, fps, m, seed, (), gain), fps, aspect)
            if abs(speed / target - 1) < 0.005:
                break
            low, high = (gain, high) if speed < target else (low, gain)
        views = _path(move, frames, fps, m, seed, triggers, gain)
    return views


def path_speed(views: Sequence[View], fps: Fraction | float, aspect: float) -> float:
    """Mean picture speed of a path, frame widths per second: the exact flow between consecutive views,
    averaged over a grid of output points (what QA's optical flow measures, without the estimation)."""
    if len(views) < 2:
        return 0.0
    out = (aspect * 90.0, 90.0)
    xs, ys = np.meshgrid(np.linspace(0, out[0], 16), np.linspace(0, out[1], 9))
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    previous = None
    total = 0.0
    for view in views:
        matrix = np.vstack([view_matrix(view, (int(out[0]), int(out[1])), (int(out[0]), int(out[1]))), [0, 0, 1]])
        if previous is not None:
            moved = matrix @ np.linalg.inv(previous) @ points
            total += float(np.hypot(moved[0] - points[0], moved[1] - points[1]).mean()) / out[0]
        previous = matrix
    return total / (len(views) - 1) * float(fps)


def _path(move: str, frames: int, fps: Fraction | float, m: float, seed: int, triggers: Sequence[float], gain: float) -> list[View]:
    """The views of ``move`` with its amplitude multiplied by ``gain``."""
    n = np.arange(frames, dtype=np.float64)
    t = n / (frames - 1) if frames > 1 else np.zeros(1)
    times_s = n / float(fps)
    # The seed nudges the target of a move by a hair (take B frames differently from take A).
    jitter_x, jitter_y = (np.sin(_phases(seed, 2)) * 0.006 * (0.3 + m)).tolist()
    progress = ease(t)
    ox = np.full(frames, jitter_x)
    oy = np.full(frames, jitter_y)
    zoom = np.ones(frames)
    roll = np.zeros(frames)
    blur = np.zeros(frames)
    a = gain * m

    if move == "static":
        zoom = 1.0 + BREATH_PUSH * progress
        sign_x, sign_y = np.sign(np.sin(_phases(seed, 2)) + 1e-9)
        ox = sign_x * BREATH_DRIFT * progress
        oy = sign_y * BREATH_DRIFT * 0.5 * progress
    elif move == "push-in":
        zoom = 1.0 + PUSH_ZOOM * a * progress
        ox, oy = ox * progress, oy * progress
    elif move == "pull-out":
        zoom = 1.0 + PUSH_ZOOM * a * (1.0 - progress)
        ox, oy = ox * (1.0 - progress), oy * (1.0 - progress)
    elif move in ("pan-left", "pan-right", "dolly-left", "dolly-right"):
        travel = (PAN_TRAVEL if move.startswith("pan") else DOLLY_TRAVEL) * a
        sign = 1.0 if move.endswith("right") else -1.0
        ox = ox + sign * travel * (2 * progress - 1)
        if move.startswith("dolly"):
            zoom = 1.0 + 0.03 * a * progress  # a dolly also closes in a little on what it travels past
    elif move in ("tilt-up", "tilt-down"):
        sign = -1.0 if move == "tilt-up" else 1.0
        oy = oy + sign * PAN_TRAVEL * a * (2 * progress - 1)
    elif move in ("crane-up", "crane-down"):
        sign = -1.0 if move == "crane-up" else 1.0
        oy = oy + sign * CRANE_TRAVEL * a * (2 * progress - 1)
        # rising reveals more of the scene (zoom out), descending closes in
        zoom = 1.0 + 0.12 * a * ((1.0 - progress) if move == "crane-up" else progress)
    elif move in ("orbit", "fast-orbit"):
        fast = move == "fast-orbit"
        along = t if fast else progress  # a fast orbit keeps its speed; a slow one eases
        travel = ORBIT_TRAVEL * a * (2.0 if fast else 1.0)
        ox = ox + travel * (2 * along - 1)
        roll = ORBIT_ROLL * a * (2.0 if fast else 1.0) * (2 * along - 1)
        zoom = 1.0 + 0.02 * a * np.sin(math.pi * along)
    elif move == "handheld-drift":
        ox = ox + _drift(times_s, seed, DRIFT[0] * (0.25 + m), 1)
        oy = oy + _drift(times_s, seed, DRIFT[1] * (0.25 + m), 2)
        roll = _drift(times_s, seed, DRIFT[2] * (0.25 + m), 3)
    elif move == "whip-pan":
        # hold, whip across in ~0.3 s around the middle, hold: the blur hides the reflected border
        whip = max(0.3 * float(fps) / max(frames - 1, 1), 0.04)
        along = _window(t, 0.5 - whip / 2, 0.5 + whip / 2)
        travel = 0.22 * (0.5 + m)
        ox = ox + travel * (2 * along - 1)
        velocity = np.abs(np.gradient(ox)) if frames > 1 else np.zeros(1)
        blur = velocity  # fraction of the frame per frame; scaled to pixels at warp time
    elif move == "crash-zoom":
        span = max(0.25 * float(fps) / max(frames - 1, 1), 0.04)
        zoom = 1.0 + (0.5 + 1.2 * m) * _window(t, 0.35, 0.35 + span)
        ox, oy = ox * _window(t, 0.35, 0.35 + span), oy * _window(t, 0.35, 0.35 + span)

    for at in triggers:
        if 0 < at < frames / float(fps):
            zoom = zoom * (1.0 + TRIGGER_PUNCH * (0.5 + m) * smootherstep((times_s - at) / TRIGGER_RAMP_S))

    if move in ZOOMING:
        # start (or end) on the whole picture: an offset never reaches beyond the zoom's own room
        room = (1.0 - 1.0 / zoom) / 2
        ox, oy = np.clip(ox, -room, room), np.clip(oy, -room, room)
        base = 1.0
    else:
        # Overscan: a window that travels by |o| needs zoom >= 1 / (1 - 2|o|) to stay inside the image.
        reach_x = float(np.max(np.abs(ox))) if move != "whip-pan" else 0.0
        reach_y = float(np.max(np.abs(oy)))
        roll_margin = math.radians(float(np.max(np.abs(roll))))  # rolling by a opens corners by about a * size
        base = max(1.0, 1.0 / max(1.0 - 2.0 * max(reach_x, reach_y) - roll_margin, 0.2))
    return [
        View(float(ox[i]), float(oy[i]), float(zoom[i] * base), float(roll[i]), float(blur[i]))
        for i in range(frames)
    ]


def view_matrix(view: View, source_size: tuple[int, int], output_size: tuple[int, int]) -> np.ndarray:
    """2x3 affine matrix mapping source pixels to output pixels for one view.

    The source is cover-fitted to the output's aspect (centre crop), then the
    window is zoomed, rolled about its centre and offset.
    """
    src_w, src_h = source_size
    out_w, out_h = output_size
    cover = max(out_w / src_w, out_h / src_h)
    # usable source region (output aspect) in source pixels
    region_w, region_h = out_w / cover, out_h / cover
    centre_x = src_w / 2 + view.ox * region_w
    centre_y = src_h / 2 + view.oy * region_h
    scale = cover * view.zoom
    angle = math.radians(view.roll)
    cos_a, sin_a = math.cos(angle) * scale, math.sin(angle) * scale
    # dest = R*S*(src - centre) + out_centre; pixel centres sit at +0.5
    cx_out, cy_out = out_w / 2, out_h / 2
    matrix = np.array(
        [
            [cos_a, -sin_a, cx_out - (cos_a * centre_x - sin_a * centre_y)],
            [sin_a, cos_a, cy_out - (sin_a * centre_x + cos_a * centre_y)],
        ],
        dtype=np.float64,
    )
    # OpenCV maps pixel centres at integer coordinates: shift by half a pixel each way.
    matrix[:, 2] += matrix[:, 0] * 0.5 + matrix[:, 1] * 0.5 - 0.5
    return matrix


def render_view(
    source: np.ndarray,
    view: View,
    output_size: tuple[int, int],
    *,
    interpolation: int = cv2.INTER_LINEAR,
) -> np.ndarray:
    """One output frame of ``source`` seen through ``view`` (HxWx3 uint8)."""
    out_w, out_h = output_size
    matrix = view_matrix(view, (source.shape[1], source.shape[0]), output_size)
    frame = cv2.warpAffine(source, matrix, (out_w, out_h), flags=interpolation, borderMode=cv2.BORDER_REFLECT)
    blur_px = int(round(view.blur_px * out_w))
    if blur_px >= 3:
        frame = cv2.blur(frame, (min(blur_px, out_w // 4) | 1, 1))
    return frame


def animate(
    source: np.ndarray,
    *,
    move: str,
    frames: int,
    fps: Fraction | float,
    motion: float,
    seed: int,
    output_size: tuple[int, int],
    triggers: Sequence[float] = (),
    overlays: Sequence[tuple[int, tuple[np.ndarray, np.ndarray]]] = (),
) -> Iterator[np.ndarray]:
    """Yield ``frames`` frames of ``source`` animated by ``move``.

    ``overlays`` are (first frame, (rgb, alpha)) layers at the output size,
    composited on top and not moved by the camera (captions); each replaces the
    previous one from its first frame on.
    """
    if source.ndim != 3 or source.shape[2] != 3 or source.dtype != np.uint8:
        raise ValueError(f"source must be HxWx3 uint8, found {source.shape} {source.dtype}")
    views = plan_views(move, frames, fps, motion, seed, triggers, aspect=output_size[0] / output_size[1])
    source = np.ascontiguousarray(source)
    if move == "static":
        yield from _breathing(source, views, seed, output_size, overlays)
        return
    layers = sorted(((start, _Overlay(*layer)) for start, layer in overlays), key=lambda item: item[0])
    starts = {start for start, _ in layers}
    held: np.ndarray | None = None  # private copy while nothing changes (consumers may edit frames)
    for index, view in enumerate(views):
        if held is not None and views[index - 1] == view and index not in starts:
            frame = held.copy()
        else:
            frame = render_view(source, view, output_size)
            layer = next((overlay for start, overlay in reversed(layers) if start <= index), None)
            if layer is not None:
                layer.apply(frame)
            following = views[index + 1] if index + 1 < len(views) else None
            held = frame.copy() if following == view and index + 1 not in starts else None
        yield frame


def _breathing(source: np.ndarray, views: Sequence[View], seed: int, output_size: tuple[int, int],
               overlays: Sequence[tuple[int, tuple[np.ndarray, np.ndarray]]]) -> Iterator[np.ndarray]:
    """A static shot's frames: the slow breath of its views plus light grain seeded per frame (no frame repeats)."""
    layers = sorted(((start, _Overlay(*layer)) for start, layer in overlays), key=lambda item: item[0])
    for index, view in enumerate(views):
        frame = render_view(source, view, output_size)
        add_grain(frame, seed, index)
        layer = next((overlay for start, overlay in reversed(layers) if start <= index), None)
        if layer is not None:
            layer.apply(frame)
        yield frame


def add_grain(frame: np.ndarray, seed: int, index: int) -> None:
    """Monochrome grain in place, seeded by (seed, frame index): the same frame always gets the same grain."""
    height, width = frame.shape[:2]
    size = max(BREATH_GRAIN_SIZE * height / 720.0, 0.5)
    small = (max(2, int(round(width / size))), max(2, int(round(height / size))))
    rng = np.random.default_rng([seed & 0xFFFFFFFF, index])
    noise = rng.standard_normal((small[1], small[0]), dtype=np.float32)
    noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    noise *= BREATH_GRAIN / max(float(noise.std()), 1e-6)
    grained = frame.astype(np.float32)
    grained += noise[..., None]
    np.clip(np.rint(grained), 0, 255, out=grained)
    frame[:] = grained.astype(np.uint8)


class _Overlay:
    """Alpha-composite a fixed layer onto frames, touching only the rows it covers."""

    def __init__(self, rgb: np.ndarray, alpha: np.ndarray) -> None:
        rows = np.flatnonzero(alpha.reshape(alpha.shape[0], -1).max(axis=1) > 0)
        self.top = int(rows[0]) if rows.size else alpha.shape[0]
        self.bottom = int(rows[-1]) + 1 if rows.size else alpha.shape[0]
        a = alpha[self.top : self.bottom].astype(np.float32)
        if a.ndim == 2:
            a = a[..., None]
        self.alpha = a / 255.0
        self.premultiplied = rgb[self.top : self.bottom].astype(np.float32) * self.alpha
        self.keep = 1.0 - self.alpha

    def apply(self, frame: np.ndarray) -> None:
        if self.bottom <= self.top:
            return
        band = frame[self.top : self.bottom].astype(np.float32)
        np.multiply(band, self.keep, out=band)
        band += self.premultiplied
        frame[self.top : self.bottom] = np.clip(band + 0.5, 0, 255).astype(np.uint8)


def cover_resize(image: np.ndarray, size: tuple[int, int], position: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Scale ``image`` to fill ``size`` = (width, height) exactly and crop what overflows (no bars): the one
    cover-fit of the project. ``position`` places the crop: (0.5, 0.5) centred, (0, 0) keeps the top-left."""
    width, height = size
    src_h, src_w = image.shape[:2]
    scale = max(width / src_w, height / src_h)
    new_w, new_h = max(width, round(src_w * scale)), max(height, round(src_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    left, top = int((new_w - width) * position[0]), int((new_h - height) * position[1])
    return np.ascontiguousarray(resized[top : top + height, left : left + width])


# --- request checks shared by the animatic and stills backends ---------------------------------


def check_size(shot_id: str, width: int, height: int) -> None:
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise InputError(f"shot {shot_id}: size {width}x{height} must be even and at least 16x16")


def check_clip(request: ClipRequest) -> None:
    """Input checks shared by the animatic and stills clips (one line naming the shot and field)."""
    check_size(request.shot_id, request.width, request.height)
    key = request.keyframe
    if not isinstance(key, np.ndarray) or key.ndim != 3 or key.shape[2] != 3 or key.dtype != np.uint8:
        found = getattr(key, "shape", type(key).__name__)
        raise InputError(f"shot {request.shot_id}: keyframe must be an HxWx3 uint8 RGB image, found {found}")
    if request.frames < 1:
        raise InputError(f"shot {request.shot_id}: frames must be at least 1, found {request.frames}")
    if Fraction(request.fps) <= 0:
        raise InputError(f"shot {request.shot_id}: fps must be positive, found {request.fps}")
    if request.camera_move not in MOVES:
        raise InputError(f"shot {request.shot_id}: unknown camera move {request.camera_move!r} (expected one of {', '.join(MOVES)})")
    if not 0.0 <= float(request.motion) <= 1.0:
        raise InputError(f"shot {request.shot_id}: motion must be between 0 and 1, found {request.motion}")
