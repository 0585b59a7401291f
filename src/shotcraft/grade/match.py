"""Shot matching: statistics from sampled frames, grey-world neutralization, Lab transfer to a reference.

"One shot pulls cyan, the other magenta: neutralize first, look next." Each
shot's own cast is removed (grey-world on its mid-tones, in linear light),
the reference shot's cast is put back (so the scene keeps its intended
white balance, e.g. sodium amber), then lightness and chroma spread are
matched to the reference in L*a*b*. Ratios are clamped so a shot that is
meant to be darker (an insert in shadow) is pulled towards the reference,
not forced onto it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft.grade import ops
from shotcraft.media.video import read_frames

SAMPLE_FRAMES = 6
SAMPLE_SIZE = (192, 108)
MAX_GAIN = 2.0
L_SCALE_RANGE = (0.6, 1.6)
CHROMA_SCALE_RANGE = (0.7, 1.4)


@dataclass(frozen=True)
class Match:
    """What harmonization does to one shot, and how far it moved (for the grade report)."""

    neutralize_gains: tuple[float, float, float]
    reference_gains: tuple[float, float, float]
    transfer: ops.LabTransfer
    delta_e_before: float  # Lab distance of the mean colours, shot vs reference
    delta_e_after: float


def sample_take(path: Path, source_in: int, duration: int, *, count: int = SAMPLE_FRAMES) -> np.ndarray:
    """Pixels (M, 3) float in [0, 1] from ``count`` frames spread over the used part of a take."""
    wanted = set(np.linspace(source_in, source_in + max(duration - 1, 0), count).round().astype(int).tolist())
    frames = []
    for index, frame in enumerate(read_frames(path, size=SAMPLE_SIZE, start=source_in, count=duration), start=source_in):
        if index in wanted:
            frames.append(frame)
    if not frames:
        raise ValueError(f"{path}: no frames in {source_in}..{source_in + duration}")
    return np.concatenate([f.reshape(-1, 3) for f in frames]).astype(np.float64) / 255.0


def grey_world_gains(pixels: np.ndarray) -> np.ndarray:
    """Linear-light gains that make the mid-tone average neutral at the same luminance."""
    luma = pixels @ ops.LUMA_709
    usable = pixels[(luma > 0.04) & (luma < 0.92) & (pixels.max(axis=1) < 0.98)]
    if len(usable) < 64:  # nearly black or blown-out: no trustworthy cast to remove
        return np.ones(3)
    mean = ops.to_linear(usable).mean(axis=0)
    gains = (mean @ ops.LUMA_709) / np.maximum(mean, 1e-6)
    return np.clip(gains, 1 / MAX_GAIN, MAX_GAIN)


def lab_stats(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lab = ops.rgb_to_lab(pixels)
    return lab.mean(axis=0), lab.std(axis=0)


def match_to_reference(shot_pixels: np.ndarray, reference_pixels: np.ndarray) -> Match:
    """Harmonize one shot's pixels (after its primaries) to the reference's (after its primaries)."""
    neutralize = grey_world_gains(shot_pixels)
    reference = 1.0 / grey_world_gains(reference_pixels)
    balanced = ops.white_balance(shot_pixels, neutralize * reference)
    source_mean, source_std = lab_stats(balanced)
    target_mean, target_std = lab_stats(reference_pixels)
    l_scale = float(np.clip(target_std[0] / max(source_std[0], 1e-3), *L_SCALE_RANGE))
    source_chroma = float(np.hypot(source_std[1], source_std[2]))
    target_chroma = float(np.hypot(target_std[1], target_std[2]))
    c_scale = float(np.clip(target_chroma / max(source_chroma, 1e-3), *CHROMA_SCALE_RANGE))
    transfer = ops.LabTransfer(
        source_mean=tuple(float(v) for v in source_mean),  # type: ignore[arg-type]
        target_mean=tuple(float(v) for v in target_mean),  # type: ignore[arg-type]
        scale=(l_scale, c_scale, c_scale),
    )
    after = ops.lab_transfer(balanced, transfer)
    before_mean = lab_stats(shot_pixels)[0]
    after_mean = lab_stats(np.clip(after, 0, 1))[0]
    return Match(
        neutralize_gains=tuple(float(v) for v in neutralize),  # type: ignore[arg-type]
        reference_gains=tuple(float(v) for v in reference),  # type: ignore[arg-type]
        transfer=transfer,
        delta_e_before=float(np.linalg.norm(before_mean - target_mean)),
        delta_e_after=float(np.linalg.norm(after_mean - target_mean)),
    )


def mean_delta_e(first: np.ndarray, second: np.ndarray) -> float:
    """Mean per-pixel CIE76 distance between two same-shaped RGB arrays in [0, 1]."""
    return float(np.linalg.norm(ops.rgb_to_lab(first) - ops.rgb_to_lab(second), axis=-1).mean())
