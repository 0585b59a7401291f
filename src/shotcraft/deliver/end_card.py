"""An ad's end card: the plan's logo and call to action over the last seconds, laid out for each format.

The seeds ask an ad for "a clear CTA in the last 3 seconds". The card is laid
out per deliverable, after its reframe and scaling, inside that frame's safe
area (a vertical frame stacks the logo over the text, a wide one too, centred):
the picture dims under it and the card fades in over half a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from shotcraft.deliver.reframe import SAFE_MARGINS
from shotcraft.errors import InputError
from shotcraft.fsutil import file_sha256
from shotcraft.plan.schema import EndCard

FADE_SECONDS = 0.5
DIM = 0.45  # the picture under the card keeps this much of its level
FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass(frozen=True)
class CardSpec:
    cta: str
    logo: Path | None
    logo_sha256: str | None
    first_frame: int  # timeline frame the card starts on
    fade_frames: int

    def identity(self) -> dict[str, Any]:
        return {"cta": self.cta, "logo": self.logo_sha256, "fade": self.fade_frames}


def card_spec(card: EndCard | None, root: Path, duration: int, rate: Fraction, where: str) -> CardSpec | None:
    """The plan's end card resolved against the cut (None: no card); a missing logo is an InputError naming the field."""
    if card is None:
        return None
    logo = None
    if card.logo is not None:
        logo = card.logo if card.logo.is_absolute() else root / card.logo
        if not logo.is_file():
            raise InputError(f"{where}: delivery.end_card.logo: {logo} not found")
    frames = min(duration, max(1, int(round(card.seconds * float(rate)))))
    fade = max(1, min(int(round(FADE_SECONDS * float(rate))), frames // 2))  # a short card still ends at full strength
    return CardSpec(card.cta, logo, file_sha256(logo) if logo else None, duration - frames, fade)


class CardLayer:
    """The card composed once per output size: an (rgb, alpha) layer inside the safe area."""

    def __init__(self, spec: CardSpec, size: tuple[int, int]) -> None:
        width, height = size
        left, top, right, bottom = SAFE_MARGINS
        safe_w, safe_h = width * (1 - left - right), height * (1 - top - bottom)
        rgb = np.zeros((height, width, 3), np.uint8)
        alpha = np.zeros((height, width), np.float32)
        scale, thickness = _text_scale(spec.cta, safe_w * 0.9, min(width, height))
        (text_w, text_h), _ = cv2.getTextSize(spec.cta, FONT, scale, thickness)
        block_top = top * height + safe_h * 0.3
        if spec.logo is not None:
            logo_rgb, logo_alpha = _read_logo(spec.logo)
            box = min(safe_w * 0.5, safe_h * 0.35)
            ratio = min(box / logo_rgb.shape[1], box / logo_rgb.shape[0])
            lw, lh = max(1, int(logo_rgb.shape[1] * ratio)), max(1, int(logo_rgb.shape[0] * ratio))
            x, y = int((width - lw) / 2), int(block_top)
            rgb[y : y + lh, x : x + lw] = cv2.resize(logo_rgb, (lw, lh), interpolation=cv2.INTER_AREA)
            alpha[y : y + lh, x : x + lw] = cv2.resize(logo_alpha, (lw, lh), interpolation=cv2.INTER_AREA)
            block_top = y + lh + text_h * 1.5
        origin = (int((width - text_w) / 2), int(min(block_top + text_h, top * height + safe_h - text_h * 0.5)))
        mask = np.zeros((height, width), np.uint8)
        cv2.putText(rgb, spec.cta, origin, FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)
        cv2.putText(mask, spec.cta, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
        self.rgb = rgb.astype(np.float32)
        self.alpha = np.maximum(alpha, mask.astype(np.float32) / 255.0)[..., None]
        self.text_box = (origin[0], origin[1] - text_h, origin[0] + text_w, origin[1])

    def apply(self, frame: np.ndarray, strength: float) -> np.ndarray:
        """``frame`` dimmed and with the card on top, ``strength`` 0..1 (the fade)."""
        picture = frame.astype(np.float32) * (1 - (1 - DIM) * strength)
        alpha = self.alpha * strength
        return np.clip(picture * (1 - alpha) + self.rgb * alpha + 0.5, 0, 255).astype(np.uint8)


def strength_at(spec: CardSpec, t: int) -> float:
    if t < spec.first_frame:
        return 0.0
    return min(1.0, (t - spec.first_frame + 1) / spec.fade_frames)


def _text_scale(text: str, max_width: float, unit: float) -> tuple[float, int]:
    scale = max(unit / 900, 0.4)
    while scale > 0.3 and cv2.getTextSize(text, FONT, scale, max(1, int(scale * 2)))[0][0] > max_width:
        scale *= 0.92
    return scale, max(1, int(round(scale * 2)))


def _read_logo(path: Path) -> tuple[np.ndarray, np.ndarray]:
    image = cv2.imdecode(np.fromfile(str(path), dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(f"delivery.end_card.logo: {path} is not a readable image")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    if image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    rgb = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_BGR2RGB)
    alpha = image[..., 3].astype(np.float32) / (65535.0 if image.dtype == np.uint16 else 255.0)
    if rgb.dtype != np.uint8:
        rgb = (rgb / 257).astype(np.uint8)
    return rgb, alpha
