"""Encode profiles for the deliverables (presets of the shared piped-ffmpeg writer) and frame shaping.

- master: ProRes 422 HQ, 10-bit 4:2:2, PCM 24-bit 48 kHz in .mov (or FFV1 in .mkv, lossless archive);
- distribution: H.264 High, yuv420p, BT.709 tags, +faststart, AAC 48 kHz, highlight headroom;
- mobile: the same H.264 settings on a vertical crop reframed per shot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotcraft.media.video import ENCODERS, AudioTrack, VideoWriter


@dataclass(frozen=True)
class Profile:
    name: str  # the manifest kind: master / distribution / mobile
    suffix: str
    encoder: str  # a preset of shotcraft.media.video.ENCODERS
    audio_codec: str
    audio_bit_rate: int | None = None
    options: dict[str, str] = field(default_factory=dict)  # on top of the encoder preset
    faststart: bool = False
    profile: str | None = None  # expected codec profile, for conformance
    headroom: bool = False  # map the top of the range down (upload compression clips otherwise)

    @property
    def codec(self) -> str:
        return ENCODERS[self.encoder][0]

    @property
    def pix_fmt(self) -> str:
        return ENCODERS[self.encoder][1]


PROFILES: dict[str, Profile] = {
    "prores": Profile("master", ".mov", "prores", "pcm_s24le", profile="HQ"),
    "ffv1": Profile("master", ".mkv", "ffv1", "pcm_s24le"),
    "distribution": Profile("distribution", ".mp4", "h264", "aac", 256_000, faststart=True, profile="High", headroom=True),
    "mobile": Profile("mobile", ".mp4", "h264", "aac", 192_000, {"crf": "20"}, faststart=True, profile="High", headroom=True),
}


def open_writer(path: Path, profile: Profile, size: tuple[int, int], rate: Fraction, *, audio: Path | None, seconds: Fraction) -> VideoWriter:
    """A deliverable's writer: the profile's video encoder plus the mix (or silence) trimmed to the picture."""
    track = AudioTrack(Path(audio) if audio is not None else None, profile.audio_codec, Fraction(seconds), profile.audio_bit_rate)
    return VideoWriter(path, size[0], size[1], rate, encoder=profile.encoder, options=profile.options, faststart=profile.faststart, audio=track)

# Highlight headroom: identity up to the knee, then a smooth shoulder so 255 lands at CEILING.
HEADROOM_KNEE = 0.85
HEADROOM_CEILING = 0.96


def headroom_curve() -> np.ndarray:
    """(256,) uint8 curve for cv2.LUT: no clipped whites after YUV conversion and upload compression."""
    x = np.arange(256) / 255.0
    span = 1.0 - HEADROOM_KNEE
    room = HEADROOM_CEILING - HEADROOM_KNEE
    t = np.clip((x - HEADROOM_KNEE) / span, 0, 1)
    # a quadratic shoulder: slope 1 at the knee, lands on the ceiling at 1.0
    shoulder = HEADROOM_KNEE + span * t - (span - room) * t * t
    return np.clip(np.rint(np.where(x <= HEADROOM_KNEE, x, shoulder) * 255), 0, 255).astype(np.uint8)


def crop_box(width: int, height: int, aspect: str, centre: tuple[float, float]) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the largest ``aspect`` (e.g. '9:16') window centred on ``centre`` (0..1), inside the frame."""
    num, den = (float(v) for v in aspect.split(":"))
    crop_w, crop_h = width, int(round(width * den / num))
    if crop_h > height:
        crop_w, crop_h = int(round(height * num / den)), height
    crop_w, crop_h = crop_w - crop_w % 2, crop_h - crop_h % 2
    x = int(round(centre[0] * width - crop_w / 2))
    y = int(round(centre[1] * height - crop_h / 2))
    return min(max(x, 0), width - crop_w), min(max(y, 0), height - crop_h), crop_w, crop_h
