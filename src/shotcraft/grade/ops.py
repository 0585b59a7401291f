"""Colour operations, composed in the seed's fixed order.

exposure -> soft contrast -> secondary skin (key) -> harmonization
(neutralize, match) -> saturation / temperature / tint -> skin protection.

Every operation maps (M, 3) float32 display-referred RGB in [0, 1]
(BT.709 / sRGB encoded) to the same; they run on the LUT lattice only, never
on full frames, so they can afford to be exact rather than fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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


def exposure(rgb: np.ndarray, stops: float) -> np.ndarray:
    """Scale scene light by 2**stops (in linear light, as a camera's exposure would)."""
    if not stops:
        return rgb
    return to_encoded(to_linear(rgb) * 2.0**stops)


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


@dataclass(frozen=True)
class LabTransfer:
    """Match statistics in L*a*b*: ``v' = (v - source_mean) * scale + target_mean`` per channel."""

    source_mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    target_mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def is_identity(self) -> bool:
        return np.allclose(self.source_mean, self.target_mean) and np.allclose(self.scale, 1.0)


def lab_transfer(rgb: np.ndarray, transfer: LabTransfer) -> np.ndarray:
    if transfer.is_identity:
        return rgb
    lab = rgb_to_lab(rgb)
    lab = (lab - np.asarray(transfer.source_mean)) * np.asarray(transfer.scale) + np.asarray(transfer.target_mean)
    lab[..., 0] = np.clip(lab[..., 0], 0, 100)
    return lab_to_rgb(lab)


def saturation(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Scale chroma around luma (1 = unchanged, 0 = monochrome)."""
    if amount == 1.0:
        return rgb
    luma = (rgb @ LUMA_709)[:, None]
    return luma + (rgb - luma) * amount


def temperature_tint(rgb: np.ndarray, temperature: float, tint: float) -> np.ndarray:
    """Warm (+) / cool (-) along blue-amber, magenta (+) / green (-), as linear gains at constant luma."""
    if not temperature and not tint:
        return rgb
    gains = np.array([np.exp(0.25 * temperature), np.exp(-0.25 * tint), np.exp(-0.25 * temperature)])
    gains /= gains @ LUMA_709  # keep mid-grey luminance: temperature is not exposure
    return white_balance(rgb, gains)


# --- the composed chain -------------------------------------------------------------------


@dataclass(frozen=True)
class ShotOps:
    """Every colour parameter of one shot, resolved (no Nones). Identity by default."""

    exposure: float = 0.0
    contrast: float = 0.0
    skin_protect: float = 0.0
    neutralize_gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # shot's cast removed...
    reference_gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # ...and the reference's cast applied
    transfer: LabTransfer = field(default_factory=LabTransfer)
    saturation: float = 1.0
    temperature: float = 0.0
    tint: float = 0.0

    def primaries(self, rgb: np.ndarray) -> np.ndarray:
        """Exposure and soft contrast: the part statistics for matching are measured after."""
        return soft_contrast(exposure(rgb, self.exposure), self.contrast)

    def harmonize(self, rgb: np.ndarray) -> np.ndarray:
        """Neutralize the shot's own cast, take the reference's, then match Lab statistics."""
        gains = np.asarray(self.neutralize_gains) * np.asarray(self.reference_gains)
        return lab_transfer(white_balance(rgb, gains), self.transfer)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        rgb = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
        # 1. exposure, 2. soft contrast
        rgb = self.primaries(rgb)
        # 3. secondary skin: key the skin tones before anything shifts their hue
        key = skin_key(rgb) * self.skin_protect if self.skin_protect else None
        before = rgb
        # 4. harmonization, then the creative trims
        rgb = self.harmonize(rgb)
        rgb = temperature_tint(saturation(rgb, self.saturation), self.temperature, self.tint)
        if key is not None and np.any(key > 0):
            rgb = protect_skin(before, rgb, key)
        return np.clip(rgb, 0.0, 1.0)


def protect_skin(before: np.ndarray, after: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Keep the graded lightness but pull the chroma of keyed skin back to its pre-shift value."""
    lab_before, lab_after = rgb_to_lab(before), rgb_to_lab(after)
    lab_after[..., 1:] = lab_after[..., 1:] * (1 - key[:, None]) + lab_before[..., 1:] * key[:, None]
    return lab_to_rgb(lab_after)
