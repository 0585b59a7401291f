"""Assemble a deliverable from its encoded segments by stream copy, with the mix encoded once beside them.

Everything goes through the ffmpeg binary with argument lists (no shell). The
concat demuxer joins the segments without re-encoding a frame; the sound is
encoded to the deliverable's codec, padded or cut to the picture's length,
and muxed by copy, so re-assembling after a one-shot edit costs a file copy.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from shotcraft.deliver.encode import Profile
from shotcraft.edit.segments import concat_segments, encode_track
from shotcraft.errors import InputError

#: intermediate audio container per codec (one the deliverable's container can take by copy)
AUDIO_SUFFIX = {"aac": ".m4a", "pcm_s24le": ".mov"}


def encode_audio(mix: Path | None, profile: Profile, seconds: Fraction, target: Path) -> Path:
    """The mix (or silence) in the profile's audio codec, exactly ``seconds`` long, stereo 48 kHz."""
    if mix is not None and not Path(mix).is_file():
        raise InputError(f"deliver: audio mix {mix} does not exist")
    return encode_track(Path(mix) if mix is not None else None, profile.audio_codec, profile.audio_bit_rate, seconds, target)


def concat(parts: list[Path], audio: Path, profile: Profile, target: Path, list_file: Path) -> Path:
    """``parts`` (video segments, in order) joined by stream copy, ``audio`` muxed beside them, atomically."""
    flags = "+faststart" if profile.faststart else ""
    extra: list[str] = []
    if profile.no_edit_list:
        # The platforms' upload recommendations ask for no edit list. B-frames then need negative
        # composition offsets (ctts v1) so the first picture still starts at 0; the AAC encoder's
        # 1024-sample priming is no longer hidden, so the sound starts 21 ms late: inside a frame,
        # and well inside lip-sync tolerance (ITU-R BT.1359: up to 125 ms late).
        flags += "+negative_cts_offsets"
        extra = ["-use_editlist", "0"]
    return concat_segments(parts, target, list_file, audio=audio, movflags=flags, extra=extra)
