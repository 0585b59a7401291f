"""How an imported picture goes into the film's frame: cover, contain (pad colour or blurred fill), or crop at a position.

An import from another tool rarely has the film's aspect (a 9:16 phone clip in a
16:9 film). ``cover`` fills the frame and crops what overflows (the old, silent
behaviour), ``contain`` keeps every pixel and pads the rest with a colour or a
blurred, darkened copy of the picture (what editors do with vertical footage),
``crop`` fills the frame like cover but keeps the part at ``position``, or, with
the position ``face``, the part that follows the faces the detector finds
(:func:`shotcraft.media.faces.face_path`, the path the platform reframes use).
:func:`kept_fraction` says how much of the picture survives, for the warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from shotcraft.backends.camera import cover_resize
from shotcraft.errors import InputError

FITS = ("cover", "contain", "crop")
POSITIONS = {"center": (0.5, 0.5), "centre": (0.5, 0.5), "top": (0.5, 0.0), "bottom": (0.5, 1.0), "left": (0.0, 0.5), "right": (1.0, 0.5)}
#: under this share of the picture kept, a cover fit warns
WARN_KEPT = 0.98
BLUR_DARKEN = 0.55  # a blurred fill is darkened so the real picture reads as the picture


@dataclass(frozen=True)
class Fit:
    mode: str = "cover"
    pad: tuple[int, int, int] | None = (0, 0, 0)  # None: blurred fill
    position: tuple[float, float] = (0.5, 0.5)  # with subject "face": where to crop when no face is found
    subject: str | None = None  # "face": the crop follows the detected faces

    def describe(self) -> str:
        if self.mode == "contain":
            fill = "blurred fill" if self.pad is None else "pad #%02x%02x%02x" % self.pad
            return f"contain ({fill})"
        if self.mode == "crop" and self.subject == "face":
            return "crop following the face"
        if self.mode == "crop":
            return f"crop at ({self.position[0]:g}, {self.position[1]:g})"
        return "cover (centre crop)"


def parse_fit(mode: str = "cover", pad: str = "black", position: str = "center") -> Fit:
    """The user's words (``--fit contain --pad blur``, ``--fit crop --position top``) as a Fit; InputError names the option."""
    mode = (mode or "cover").strip().lower()
    if mode not in FITS:
        raise InputError(f"--fit: expected one of {', '.join(FITS)}, found {mode!r}")
    if (position or "").strip().lower() == "face":
        if mode != "crop":
            raise InputError(f"--position face: only with --fit crop (found --fit {mode})")
        return Fit(mode, _pad(pad), (0.5, 0.5), subject="face")
    return Fit(mode, _pad(pad), _position(position))


def _pad(text: str) -> tuple[int, int, int] | None:
    value = (text or "black").strip().lower()
    if value == "blur":
        return None
    named = {"black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "gray": (128, 128, 128)}
    if value in named:
        return named[value]
    match = re.fullmatch(r"#?([0-9a-f]{6})", value)
    if not match:
        raise InputError(f"--pad: expected blur, black, white, grey or a colour like #1a1a1a, found {text!r}")
    hexa = match.group(1)
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def _position(text: str) -> tuple[float, float]:
    value = (text or "center").strip().lower()
    if value in POSITIONS:
        return POSITIONS[value]
    try:
        x, y = (float(v) for v in value.split(","))
    except ValueError:
        raise InputError(f"--position: expected {', '.join(POSITIONS)}, face or 'x,y' fractions like 0.5,0.2, found {text!r}") from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise InputError(f"--position: x and y must be between 0 and 1, found {text!r}")
    return x, y


def kept_fraction(source: tuple[int, int], target: tuple[int, int], fit: Fit) -> float:
    """Share of the source picture's area that reaches the frame (1.0: all of it)."""
    if fit.mode == "contain":
        return 1.0
    source_aspect = source[0] / source[1]
    target_aspect = target[0] / target[1]
    return min(source_aspect, target_aspect) / max(source_aspect, target_aspect)


def fit_frame(image: np.ndarray, width: int, height: int, fit: Fit) -> np.ndarray:
    """``image`` (HxWx3 uint8) in a ``width`` x ``height`` frame, the way ``fit`` says."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(image)
    if fit.mode == "contain":
        scale = min(width / w, height / h)
        inner_w, inner_h = max(1, round(w * scale)), max(1, round(h * scale))
        inner = _resize(image, inner_w, inner_h)
        if fit.pad is None:
            canvas = _blurred_fill(image, width, height)
        else:
            canvas = np.empty((height, width, 3), dtype=np.uint8)
            canvas[:] = fit.pad
        left, top = (width - inner_w) // 2, (height - inner_h) // 2
        canvas[top : top + inner_h, left : left + inner_w] = inner
        return canvas
    return cover_resize(image, (width, height), fit.position if fit.mode == "crop" else (0.5, 0.5))


def position_for_centre(source: tuple[int, int], target: tuple[int, int], centre: tuple[float, float]) -> tuple[float, float]:
    """The crop ``position`` (0..1 each way) whose window is centred on ``centre`` (fractions of the source), as near as fits."""
    w, h = source
    scale = max(target[0] / w, target[1] / h)
    crop_w, crop_h = min(w, round(target[0] / scale)), min(h, round(target[1] / scale))
    px = (centre[0] * w - crop_w / 2) / (w - crop_w) if w > crop_w else 0.5
    py = (centre[1] * h - crop_h / 2) / (h - crop_h) if h > crop_h else 0.5
    return min(max(px, 0.0), 1.0), min(max(py, 0.0), 1.0)


def _resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    interpolation = cv2.INTER_AREA if image.shape[1] > width else cv2.INTER_CUBIC
    return cv2.resize(image, (width, height), interpolation=interpolation)


def _blurred_fill(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture cover-fitted, heavily blurred and darkened: the background of a contained vertical clip."""
    small = cover_resize(image, (max(2, width // 8), max(2, height // 8)))
    small = cv2.GaussianBlur(small, (0, 0), 2.5)
    fill = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.convertScaleAbs(fill, alpha=BLUR_DARKEN)
