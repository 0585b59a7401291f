"""The hand-off media folder: each picked take under a readable name, in an editing codec, with timecode and reel.

``out/<film>/media/s03_B.mov`` holds the whole take (handles included) so an
editor can extend a shot or dissolve in the NLE, and every timeline points at
it by a path relative to the timeline: copy the output folder anywhere and it
relinks by itself. Each file carries a timecode track starting at 00:00:00:00
(the EDL's source timecodes are frames of the take, so they match it) and a
reel name, unique within the cut and at most 8 characters (CMX 3600's limit).

Codecs: ProRes 422 HQ (default; what Resolve, Premiere, FCP and Avid all
read), DNxHR HQ, or the H.264 take itself stream-copied into a .mov (small
files, no generation loss). Encoding goes through ffmpeg argument lists
(:func:`shotcraft.media.video.run_ffmpeg`), never a shell string, and with
``+bitexact`` so the same take gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shotcraft import files
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path, write_json
from shotcraft.media.video import ENCODERS, run_ffmpeg
from shotcraft.render.keys import job_key, tools_identity
from shotcraft.timebase import frames_to_timecode

MEDIA_FOLDER = "media"
#: beside the media folder: what each media file was encoded from and its bytes' hash, so a cut after a
#: one-shot edit re-encodes that shot's take only (the others are the same bytes an encode would write)
MEDIA_RECORD = ".shotcraft-media.json"
#: the timecode every media file starts at: source timecode = frame of the take (MLT and the EDL agree)
START_TIMECODE_FRAMES = 0

#: editing codec -> ffmpeg video arguments (the container is always QuickTime .mov, for its timecode track)
EDITING_CODECS: dict[str, list[str]] = {
    "prores": ["-c:v", ENCODERS["prores"][0], "-pix_fmt", ENCODERS["prores"][1],
               *(arg for key, value in ENCODERS["prores"][2].items() for arg in (f"-{key}", value))],
    # DNxHR HQ is 8-bit 4:2:2 at any resolution (DNxHD would need one of its fixed sizes and bitrates)
    "dnxhr": ["-c:v", "dnxhd", "-profile:v", "dnxhr_hq", "-pix_fmt", "yuv422p"],
    "h264": ["-c:v", "copy"],
}  # fmt: skip


@dataclass(frozen=True)
class MediaFile:
    """One take in the media folder."""

    shot_id: str
    take: str
    path: Path
    reel: str
    codec: str


def media_name(shot_id: str, take: str) -> str:
    """``s03_B.mov``: the shot id and take label (both already filename-safe) joined by an underscore."""
    return f"{shot_id}_{take}.mov"


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def reel_names(sources: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A reel name per (shot, take) [or (name, "") for a sound file]: unique, 1-8 characters of A-Z 0-9.

    The readable form is the shot id's letters and digits ended by the take label (``S03B``). When that
    collides for this set of sources (``scene10_shot01`` / ``scene10_shot02``; ``s1.1`` / ``s11``) or
    leaves nothing readable, every reel becomes a short prefix plus a fixed-width base-36 number of the
    source's position, ended by the take: names that end differently cannot be equal, so they are unique
    for any set of ids.
    """
    unique = list(dict.fromkeys(sources))
    readable: dict[tuple[str, str], str] = {}
    for shot_id, take in unique:
        tail = _letters(take)[:2]
        readable[(shot_id, take)] = _letters(shot_id)[: 8 - len(tail)] + tail
    names = list(readable.values())
    if all(names) and len(set(names)) == len(names):
        return readable
    width = 1
    while 36**width < len(unique):
        width += 1
    numbered: dict[tuple[str, str], str] = {}
    for position, (shot_id, take) in enumerate(unique):
        tail = _base36(position, width) + (_letters(take)[:1] or "0")  # fixed width: the number's place is fixed
        numbered[(shot_id, take)] = _letters(shot_id)[: 8 - len(tail)] + tail
    return numbered


def _base36(number: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 36)
        out = digits[digit] + out
    return out


def timeline_reels(timeline: Timeline, sound_names: tuple[str, ...] = ()) -> dict[tuple[str, str], str]:
    """Reel names for the cut's takes and its sound files (keyed (name, "")), unique together."""
    return reel_names([(e.shot_id, e.take) for e in timeline.events] + [(name, "") for name in sound_names])


def conform_media(timeline: Timeline, out_dir: str | Path, codec: str = "prores", *, reels: dict[tuple[str, str], str] | None = None) -> dict[tuple[str, str], MediaFile]:
    """Write ``out_dir/media/<shot>_<take>.mov`` for every take the cut uses; (shot, take) -> MediaFile.

    ``reels``: from :func:`timeline_reels` when other sources (the mix) need names distinct from the takes'.
    """
    if codec not in EDITING_CODECS:
        raise InputError(f"delivery.editing_media: expected one of {', '.join(EDITING_CODECS)}, found {codec!r}")
    folder = Path(out_dir) / MEDIA_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the media folder ({exc.strerror})") from None
    if codec == "dnxhr" and (timeline.width < 256 or timeline.height < 120):
        raise InputError(f"delivery.editing_media: DNxHR needs at least 256x120, the film is {timeline.width}x{timeline.height} (use prores)")
    reels = reels or timeline_reels(timeline)
    record_path = Path(out_dir) / MEDIA_RECORD
    known = _read_record(record_path)
    record: dict[str, dict[str, str]] = {}
    result: dict[tuple[str, str], MediaFile] = {}
    try:
        for event in timeline.events:
            identity = (event.shot_id, event.take)
            if identity in result:
                continue
            target = folder / media_name(*identity)
            rate = event.source_rate or timeline.rate
            what = f"shot {event.shot_id} take {event.take}"
            if not Path(event.clip_path).is_file():
                raise InputError(f"{what}: take file {event.clip_path} not found")
            args = _media_args(codec, rate, reels[identity])
            key = job_key({"step": "editing-media", "take": files.content_sha256(event.clip_path, "video", where=what), "args": args,
                           "tools": tools_identity()})  # another ffmpeg may write other bytes: encoded again, never mixed
            if not _still_encoded(target, known.get(target.name), key):
                _write_media(Path(event.clip_path), target, args, what=what)
            record[target.name] = {"key": key, "sha256": _media_sha256(target)}
            result[identity] = MediaFile(event.shot_id, event.take, target, reels[identity], codec)
    except BaseException:  # what was encoded before the failure stays known
        if record:
            write_json(record_path, {**{k: v for k, v in known.items() if (folder / k).is_file()}, **record})
        raise
    # a take no longer in the cut leaves the folder (a stale file would look like part of the edit)
    wanted = {media.path.name for media in result.values()}
    for stale in folder.glob("*.mov"):
        if stale.name not in wanted:
            stale.unlink()
    if record != known:
        write_json(record_path, record)
    return result


def _read_record(path: Path) -> dict[str, dict[str, str]]:
    """The media record; unreadable or missing reads as empty (everything is then encoded again)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _media_sha256(path: Path) -> str:
    # through the persistent hash cache: an unchanged file is stat'ed, not re-read
    return files.content_sha256(path, "output", where=f"{path.parent}")


def _still_encoded(target: Path, recorded: dict[str, str] | None, key: str) -> bool:
    """True when ``target`` holds what encoding ``key`` wrote: same key, and its bytes unchanged since
    (a file replaced or touched up by hand is encoded again)."""
    if recorded is None or recorded.get("key") != key or not target.is_file():
        return False
    return _media_sha256(target) == recorded.get("sha256")


def _write_media(source: Path, target: Path, args: list[str], *, what: str) -> None:
    if not source.is_file():
        raise InputError(f"{what}: take file {source} not found")
    with atomic_path(target) as temp:
        run_ffmpeg(["-y", "-i", str(source), *args, str(temp)], what=f"{what}: media file {target.name}")


def _media_args(codec: str, rate: Fraction, reel: str) -> list[str]:
    """ffmpeg's arguments between the take and the media file (also the media record's key: no path in it)."""
    return [
        "-map", "0:v:0", *EDITING_CODECS[codec],
        "-timecode", frames_to_timecode(START_TIMECODE_FRAMES, rate),
        "-metadata:s:v:0", f"reel_name={reel}",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-f", "mov",
    ]  # fmt: skip
