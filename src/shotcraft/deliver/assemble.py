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
from shotcraft.edit.segments import concat_segments
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path
from shotcraft.media.video import AUDIO_RATE, run_ffmpeg

#: intermediate audio container per codec (one the deliverable's container can take by copy)
AUDIO_SUFFIX = {"aac": ".m4a", "pcm_s24le": ".mov"}


def encode_audio(mix: Path | None, profile: Profile, seconds: Fraction, target: Path) -> Path:
    """The mix (or silence) in the profile's audio codec, exactly ``seconds`` long, stereo 48 kHz."""
    length = f"{float(seconds):.6f}"
    if mix is None:
        source = ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
        upmix = ""
    else:
        if not Path(mix).is_file():
            raise InputError(f"deliver: audio mix {mix} does not exist")
        source = ["-i", str(mix)]
        # a mono file plays on both sides at full level (ffmpeg's default upmix would drop it 3 dB)
        upmix = "pan=stereo|c0=c0|c1=c0," if _channels(Path(mix)) == 1 else ""
    args = [*source, "-vn", "-c:a", profile.audio_codec, "-ar", str(AUDIO_RATE), "-ac", "2",
            "-af", f"{upmix}apad,atrim=end={length}", "-t", length]  # fmt: skip
    if profile.audio_bit_rate:
        args += ["-b:a", str(profile.audio_bit_rate)]
    with atomic_path(target) as temp:
        run_ffmpeg(["-y", *args, "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(temp)], what=f"deliver: audio for {target.name}")
    return target


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


def _channels(path: Path) -> int:
    import soundfile

    try:
        return soundfile.info(str(path)).channels
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
        raise InputError(f"{path}: not a readable audio file ({exc})") from None
