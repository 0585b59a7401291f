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
    platform: bool = False  # a platform upload: GOP of half the frame rate, 2 B-frames, bitrate by resolution
    no_edit_list: bool = False

    @property
    def codec(self) -> str:
        return ENCODERS[self.encoder][0]

    @property
    def pix_fmt(self) -> str:
        return ENCODERS[self.encoder][1]


def _upload(name: str) -> Profile:
    return Profile(name, ".mp4", "web", "aac", 384_000 if name == "distribution" else 256_000, faststart=True,
                   profile="High", headroom=True, platform=True, no_edit_list=True)  # fmt: skip


PROFILES: dict[str, Profile] = {
    "prores": Profile("master", ".mov", "prores", "pcm_s24le", profile="HQ"),
    "ffv1": Profile("master", ".mkv", "ffv1", "pcm_s24le"),
    # platform presets (YouTube's and Meta's published upload recommendations): H.264 High, progressive,
    # closed GOP of half the frame rate, 2 consecutive B-frames, CABAC, bitrate by resolution, AAC-LC 48 kHz,
    # moov first (+faststart), no edit list
    "distribution": _upload("distribution"),  # the web master, at least 1080 lines
    "mobile": _upload("mobile"),  # vertical 9:16 at 1080x1920 (or delivery.mobile_aspect)
    "feed": _upload("feed"),  # 4:5 at 1080x1350
    "square": _upload("square"),  # 1:1 at 1080x1080
}

#: platform deliverables: kind -> (aspect, width); the web master keeps the film's aspect
PLATFORM_FRAMES = {"mobile": (None, 1080), "feed": ("4:5", 1080), "square": ("1:1", 1080)}
WEB_MIN_HEIGHT = 1080


def platform_options(profile: Profile, size: tuple[int, int], rate: Fraction) -> dict[str, str]:
    """Encoder flags of an upload preset at one frame size: GOP, B-frames, and the recommended bitrate."""
    if not profile.platform:
        return dict(profile.options)
    gop = max(1, int(round(float(rate) / 2)))
    pixels = size[0] * size[1]
    # YouTube SDR upload bitrates at 24-30 fps: 1080p 8 Mb/s, 1440p 16, 2160p 40 (x1.5 at 48-60 fps)
    mbps = 8 if pixels <= 1920 * 1080 * 1.05 else (16 if pixels <= 2560 * 1440 * 1.05 else 40)
    if float(rate) > 31:
        mbps = mbps * 3 // 2
    bitrate = mbps * 1_000_000
    # one encoder thread: with a VBV, x264's rate control reads thread timing. Frame threads gave different
    # bytes on every run; sliced threads too, on a loaded machine (two makes of the same cut gave web masters
    # differing in frames 14-20 of a segment while the master and the vertical matched: in sliced mode each
    # slice's row-level VBV reads the other slices' running size estimates). Different bytes would break "an
    # incremental finish equals a full one" and "restore, make: identical deliverables". Parallelism comes
    # from the segments (make -j) and from each output's own encoder process.
    return {**profile.options, "g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "2",
            "flags": "+cgop", "b:v": str(bitrate), "maxrate": str(bitrate * 3 // 2), "bufsize": str(bitrate * 2),
            "threads": "1"}  # fmt: skip


def web_size(width: int, height: int) -> tuple[int, int]:
    """The web master's size: the film's, scaled up to 1080 lines when the plan is smaller (even numbers)."""
    if height >= WEB_MIN_HEIGHT:
        return width, height
    scaled = int(round(width * WEB_MIN_HEIGHT / height))
    return scaled + scaled % 2, WEB_MIN_HEIGHT


def platform_size(aspect: str, width: int) -> tuple[int, int]:
    num, den = (float(v) for v in aspect.split(":"))
    height = int(round(width * den / num))
    return width, height + height % 2


def open_writer(path: Path, profile: Profile, size: tuple[int, int], rate: Fraction, *, audio: Path | None, seconds: Fraction) -> VideoWriter:
    """A deliverable's writer: the profile's video encoder plus the mix (or silence) trimmed to the picture."""
    track = AudioTrack(Path(audio) if audio is not None else None, profile.audio_codec, Fraction(seconds), profile.audio_bit_rate)
    options = platform_options(profile, size, rate)
    faststart = profile.faststart
    if profile.no_edit_list:  # as shotcraft.deliver.assemble.concat muxes it
        options |= {"movflags": "+faststart+negative_cts_offsets" if faststart else "+negative_cts_offsets", "use_editlist": "0"}
        faststart = False
    return VideoWriter(path, size[0], size[1], rate, encoder=profile.encoder, options=options, faststart=faststart, audio=track)


def open_segment_writer(path: Path, profile: Profile, size: tuple[int, int], rate: Fraction) -> VideoWriter:
    """A segment's writer: picture only (the sound is muxed once, at assembly)."""
    return VideoWriter(path, size[0], size[1], rate, encoder=profile.encoder, options=platform_options(profile, size, rate))

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
