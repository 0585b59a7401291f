"""Colour operations, composed in the seed's fixed order.

primary (ASC CDL: exposure toward intent, balance, saturation) -> soft
contrast (around the subject's level) -> secondary skin (hue-qualified,
towards the skin-tone line) -> the look (skin protected from it).
Harmonization decides the balance, saturation and contrast numbers
(:mod:`shotcraft.grade.correct`); it never touches exposure.

Every operation maps (M, 3) float32 display-referred RGB in [0, 1]
(BT.709 / sRGB encoded) to the same; they run on the LUT lattice only, never
on full frames, so they can afford to be exact rather than fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from shotcraft.grade.cdl import CDL

# --- transfer and colour spaces -------------------------------------------------------

_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]],
    dtype=np.float64,
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = _RGB_TO_XYZ.sum(axis=1)
LUMA_709 = np.array([0.2126, 0.7152, 0.0722])


def to_linear(encoded: np.ndarray) -> np.ndarray:
    """sRGB-style decode (the display transfer AI video models are trained on)."""
    x = np.clip(encoded, 0.0, None)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def to_encoded(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, None)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def rgb_to_lab(encoded: np.ndarray) -> np.ndarray:
    """Display RGB (..., 3) in [0, 1] -> CIE L*a*b* (D65)."""
    xyz = to_linear(np.asarray(encoded, dtype=np.float64)) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 6 / 29, f**3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE_D65
    return to_encoded(xyz @ _XYZ_TO_RGB.T)


# --- the operations ---------------------------------------------------------------------


def soft_contrast(rgb: np.ndarray, amount: float, pivot: float = 0.45) -> np.ndarray:
    """A soft S-curve around ``pivot`` on luma; chroma follows luma so hues do not shift.

    amount > 0 adds contrast with gentle toe and shoulder (no hard clipping);
    amount < 0 flattens towards the pivot.
    """
    if not amount:
        return rgb
    luma = np.clip(rgb @ LUMA_709, 0.0, 1.0)
    below = luma < pivot
    # normalised distance from pivot in [0, 1] on each side, pushed by a smoothstep
    t = np.where(below, (pivot - luma) / pivot, (luma - pivot) / (1 - pivot))
    if amount > 0:
        curved = t + amount * (np.sin(t * np.pi / 2) - t)
    else:
        curved = t + (-amount) * (t * t - t) * 0.8
    new_luma = np.where(below, pivot - curved * pivot, pivot + curved * (1 - pivot))
    ratio = np.where(luma > 1e-4, new_luma / np.maximum(luma, 1e-4), 1.0)
    out = rgb * ratio[:, None]
    # keep the offset for near-black so shadows do not collapse to pure zero chroma
    return np.where(luma[:, None] > 1e-4, out, rgb + (new_luma - luma)[:, None])


#: skin tones sit around this L*a*b* hue angle (degrees); the "skin line" of a vectorscope
SKIN_HUE_DEG = 55.0
SKIN_HUE_WIDTH_DEG = 25.0


def skin_key(rgb: np.ndarray) -> np.ndarray:
    """A soft hue-qualified key (0..1) for skin tones: hue near the skin line, moderate chroma, not black."""
    lab = rgb_to_lab(rgb)
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    distance = np.abs((hue - SKIN_HUE_DEG + 180) % 360 - 180)
    hue_weight = np.clip(1 - (distance / SKIN_HUE_WIDTH_DEG) ** 2, 0, 1)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    chroma_weight = np.clip((chroma - 4) / 8, 0, 1) * np.clip((60 - chroma) / 20, 0, 1)
    light_weight = np.clip((lab[..., 0] - 15) / 15, 0, 1) * np.clip((97 - lab[..., 0]) / 10, 0, 1)
    return hue_weight * chroma_weight * light_weight


def white_balance(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Von Kries-style channel gains in linear light (neutralize a cast, or apply one)."""
    if np.allclose(gains, 1.0):
        return rgb
    return to_encoded(to_linear(rgb) * np.asarray(gains, dtype=np.float64))


def rotate_skin_hue(rgb: np.ndarray, key: np.ndarray, degrees: float) -> np.ndarray:
    """Secondary skin: turn the hue of keyed pixels by ``degrees`` (scaled by the key) at constant L* and chroma."""
    if not degrees or not np.any(key > 0):
        return rgb
    lab = rgb_to_lab(rgb)
    angle = np.radians(degrees) * key
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = lab[..., 1].copy(), lab[..., 2].copy()
    lab[..., 1], lab[..., 2] = a * cos - b * sin, a * sin + b * cos
    return lab_to_rgb(lab)


def display_slope(stops: float) -> float:
    """A CDL slope on display values that moves mid-tones by ``stops`` (sRGB mid-tones follow a ~2.2 power)."""
    return float(2.0 ** (stops / 2.2))


# --- the composed chain -------------------------------------------------------------------


@dataclass(frozen=True)
class ShotOps:
    """Every colour parameter of one shot, resolved (no Nones). Identity by default.

    ``primary`` is the automatic primary correction (exposure toward the
    shot's intent, the balance that removes its unintended cast, the
    saturation match) as an ASC CDL; the plan's own trims (exposure,
    saturation, temperature, tint) fold into the same CDL (:attr:`cdl`), so
    the ``.cdl`` a colourist loads is the whole primary.
    """

    exposure: float = 0.0  # stops (the plan's trim)
    contrast: float = 0.0  # soft S-curve amount (the plan's trim plus the contrast match)
    skin_protect: float = 0.0  # how much of the look skin is protected from
    saturation: float = 1.0
    temperature: float = 0.0
    tint: float = 0.0
    primary: CDL = field(default_factory=CDL)
    contrast_pivot: float = 0.45  # the S-curve pivots on the subject's level: its exposure does not move
    skin_hue_shift: float = 0.0  # degrees towards the skin-tone line

    @property
    def cdl(self) -> CDL:
        """The primary correction as written to the .cdl (rounded as in the file, so both agree)."""
        slope = np.asarray(self.primary.slope) * display_slope(self.exposure)
        if self.temperature or self.tint:
            gains = np.array([np.exp(0.25 * self.temperature), np.exp(-0.25 * self.tint), np.exp(-0.25 * self.temperature)])
            slope = slope * (gains / (gains @ LUMA_709)) ** (1 / 2.2)  # keep mid-grey luminance
        return CDL(tuple(slope), self.primary.offset, self.primary.power, self.primary.saturation * self.saturation).rounded()  # type: ignore[arg-type]

    def primaries(self, rgb: np.ndarray) -> np.ndarray:
        """The primary node (the CDL): what the .cdl reproduces."""
        return self.cdl.apply(np.asarray(rgb, dtype=np.float64).reshape(-1, 3))

    def __call__(self, rgb: np.ndarray, look: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        # 1. primary: exposure and balance (slope), saturation match
        rgb = self.primaries(rgb)
        # 2. soft contrast around the subject's level
        rgb = soft_contrast(rgb, self.contrast, self.contrast_pivot)
        # 3. secondary skin: key the skin tones, bring them towards the skin-tone line
        key = skin_key(rgb) if (self.skin_hue_shift or (self.skin_protect and look is not None)) else None
        if key is not None:
            rgb = rotate_skin_hue(rgb, key, self.skin_hue_shift)
        # 4. the look, last; skin keeps part of its chroma from before the look
        if look is not None:
            before = np.clip(rgb, 0.0, 1.0)
            rgb = look(before)
            if key is not None and self.skin_protect and np.any(key > 0):
                rgb = protect_skin(before, rgb, key * self.skin_protect)
        return np.clip(rgb, 0.0, 1.0)


def protect_skin(before: np.ndarray, after: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Keep the graded lightness but pull the chroma of keyed skin back to its pre-look value."""
    lab_before, lab_after = rgb_to_lab(before), rgb_to_lab(after)
    lab_after[..., 1:] = lab_after[..., 1:] * (1 - key[:, None]) + lab_before[..., 1:] * key[:, None]
    return lab_to_rgb(lab_after)
