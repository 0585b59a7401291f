"""Film grain: spatial and temporal, luminance dependent, deterministic per shot.

Grain is applied after the LUT on 8-bit frames. It must cost a few
milliseconds per 1080p frame, so the expensive part (Gaussian noise, shaped
to the grain size by a blur) is computed once per shot into a small bank of
oversized noise fields; each frame picks a field and an offset from the shot
seed and frame index (temporal grain: the pattern never freezes), and the
per-pixel luminance weight comes for free from the spare byte of the packed
LUT table (see :func:`shotcraft.grade.lut.expand_to_table`). The noise is
monochrome (luminance grain), the texture a subtle upload grain needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from shotcraft.plan.schema import Grain, Texture

#: grain standard deviation in 8-bit code values at mid-grey, per charter level
STRENGTH: dict[Grain, float] = {
    Grain.NONE: 0.0,
    Grain.SUBTLE: 1.2,
    Grain.LIGHT: 2.2,
    Grain.MEDIUM: 3.6,
    Grain.HEAVY: 5.5,
}
BANK_FIELDS = 6
PAD = 64  # extra noise around each field, so per-frame offsets need no copy
QUANT = 8  # noise stored at 8x its code value, so weighting keeps sub-code precision
SHADOW_FLOOR = 0.3  # grain left in deep shadows and highlights, relative to mid-tones


@dataclass(frozen=True)
class GrainSettings:
    strength: float  # sigma in 8-bit code values at mid-grey; 0 = no grain
    size: float  # grain size in pixels at 1080p
    seed: int

    @classmethod
    def from_texture(cls, texture: Texture, seed: int) -> GrainSettings:
        return cls(strength=STRENGTH[Grain(texture.grain)], size=float(texture.grain_size), seed=seed)

    @property
    def enabled(self) -> bool:
        return self.strength > 0


def luminance_weight(rgb: np.ndarray) -> np.ndarray:
    """Grain weight (0..1) for output colours (..., 3) in [0, 1]: strongest in the mid-tones."""
    luma = np.clip(np.asarray(rgb, dtype=np.float32) @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32), 0, 1)
    return SHADOW_FLOOR + (1 - SHADOW_FLOOR) * 4 * luma * (1 - luma)


class GrainBank:
    """Precomputed noise for one shot at one frame size."""

    def __init__(self, settings: GrainSettings, width: int, height: int) -> None:
        import cv2

        self.settings, self.width, self.height = settings, width, height
        rng = np.random.default_rng(settings.seed)
        sigma = max(settings.size * height / 1080.0 * 0.5, 0.3)
        self.positive: list[np.ndarray] = []
        self.negative: list[np.ndarray] = []
        for _ in range(BANK_FIELDS if settings.enabled else 0):
            noise = rng.standard_normal((height + PAD, width + PAD), dtype=np.float32)
            noise = cv2.GaussianBlur(noise, (0, 0), sigma)
            noise *= settings.strength * QUANT / max(float(noise.std()), 1e-6)
            self.positive.append(np.clip(np.rint(noise), 0, 255).astype(np.uint8))
            self.negative.append(np.clip(np.rint(-noise), 0, 255).astype(np.uint8))

    def pick(self, frame_index: int) -> tuple[int, int, int]:
        """(field, dx, dy) for a frame: a stable hash of seed and frame index."""
        digest = hashlib.blake2b(f"{self.settings.seed}:{frame_index}".encode(), digest_size=6).digest()
        return digest[0] % BANK_FIELDS, int.from_bytes(digest[1:3], "big") % PAD, int.from_bytes(digest[3:5], "big") % PAD

    def apply(self, rgbw: np.ndarray, frame_index: int) -> np.ndarray:
        """(H, W, 4) uint8 RGB + luminance weight -> (H, W, 3) uint8 RGB with grain added."""
        import cv2

        rgb = cv2.cvtColor(rgbw, cv2.COLOR_RGBA2RGB)
        if not self.settings.enabled:
            return rgb
        field, dx, dy = self.pick(frame_index)
        window = (slice(dy, dy + self.height), slice(dx, dx + self.width))
        weight = cv2.extractChannel(rgbw, 3)
        scale = 1.0 / (255.0 * QUANT)
        up = cv2.multiply(self.positive[field][window], weight, scale=scale)
        down = cv2.multiply(self.negative[field][window], weight, scale=scale)
        cv2.add(rgb, cv2.merge((up, up, up)), dst=rgb)  # saturating uint8 arithmetic: no wrap-around
        cv2.subtract(rgb, cv2.merge((down, down, down)), dst=rgb)
        return rgb
