"""Checks on an edited timeline before `conform` adopts anything from it.

An NLE, a script or an attacker can hand `conform` a file that OpenTimelineIO
reads but that means nothing: NaN, infinite, zero or negative rates and
durations, a 10,000-character URL, a transition type no one knows, media that
is not a take of this film (``file:///etc/passwd``), or JSON nested so deep
that OTIO's C++ reader overflows its stack (a segfault, exit 139). Each is
refused here with the item's position, and nothing is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotcraft.errors import InputError
from shotcraft.fsutil import file_sha256

#: an edit of a short film is kilobytes; a timeline file past this is not one
MAX_TIMELINE_BYTES = 64 * 2**20
#: a real .otio nests a dozen levels (timeline, stack, track, clip, reference, metadata);
#: OTIO's reader recurses per level and overflows its C stack a few thousand levels down
MAX_JSON_DEPTH = 200
#: longest media URL accepted (file systems stop at 4096 bytes of path)
MAX_URL_LENGTH = 4096
#: rates an edit may be timed at (audio-sample-rate timing included)
MAX_TIME_RATE = 192_000.0
#: nothing in a short film lasts longer than a day
MAX_SECONDS = 24 * 3600.0
KNOWN_TRANSITIONS = (otio.schema.TransitionTypes.SMPTE_Dissolve, otio.schema.TransitionTypes.Custom)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def check_timeline_file(path: Path) -> None:
    """Before any reader sees it: a regular file of sane size; JSON not nested past MAX_JSON_DEPTH."""
    if not path.exists():
        raise InputError(f"{path}: edited timeline not found")
    if not path.is_file():
        raise InputError(f"{path}: expected a timeline file, found {'a folder' if path.is_dir() else 'a special file'}")
    size = path.stat().st_size
    if size > MAX_TIMELINE_BYTES:
        raise InputError(f"{path}: {size:,} bytes is too large for an edited timeline (limit {MAX_TIMELINE_BYTES:,})")
    if path.suffix.lower() == ".otio":
        depth = json_depth(path.read_text(encoding="utf-8", errors="replace"))
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"{path}: JSON nested {depth} levels deep (limit {MAX_JSON_DEPTH}); not an edited timeline")


def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _time(value: Any, what: str, where: str, *, positive: bool = False) -> None:
    if not isinstance(value, otio.opentime.RationalTime):
        return
    rate, amount = value.rate, value.value
    if not (math.isfinite(rate) and 0 < rate <= MAX_TIME_RATE):
        raise InputError(f"{where}: {what} is timed at rate {rate!r}; expected a finite rate above 0 and at most {MAX_TIME_RATE:g}")
    if not math.isfinite(amount):
        raise InputError(f"{where}: {what} is {amount!r}; expected a finite number of frames")
    if amount < 0 or (positive and amount <= 0):
        raise InputError(f"{where}: {what} is {amount:g} frames; expected {'more than' if positive else 'at least'} 0")
    if amount / rate > MAX_SECONDS:
        raise InputError(f"{where}: {what} lasts {amount / rate:.0f} s; nothing in an edit lasts more than {MAX_SECONDS:.0f} s")


def _range(value: Any, what: str, where: str) -> None:
    if isinstance(value, otio.opentime.TimeRange):
        _time(value.start_time, f"{what} start", where)
        _time(value.duration, f"{what} duration", where, positive=True)


def check_track(track: otio.schema.Track, path: Path) -> None:
    """Every item of the track conform walks: ranges, rates, URLs and transition types."""
    for position, item in enumerate(track, start=1):
        where = f"{path}: item {position} '{(item.name or type(item).__name__)[:60]}'"
        if isinstance(item, otio.schema.Transition):
            if item.transition_type not in KNOWN_TRANSITIONS:
                raise InputError(
                    f"{where}: unknown transition type {str(item.transition_type)[:60]!r} "
                    f"(known: {', '.join(KNOWN_TRANSITIONS)}); nothing was changed"
                )
            _time(item.in_offset, "transition in offset", where)
            _time(item.out_offset, "transition out offset", where)
            continue
        _range(item.source_range, "source range", where)
        if isinstance(item, otio.schema.Clip):
            reference = item.media_reference
            _range(getattr(reference, "available_range", None), "media range", where)
            url = getattr(reference, "target_url", None) or ""
            if len(url) > MAX_URL_LENGTH:
                raise InputError(f"{where}: media URL of {len(url):,} characters (limit {MAX_URL_LENGTH}); nothing was changed")


def foreign_media(media: Path, shot_id: str, label: str, project: Any, cut_media: Iterable[Path] = ()) -> str | None:
    """Why ``media`` is not a take of this film's store; None when it is.

    Accepted: the take's object in the store, another take's (an EDL reader hands a
    dissolve's incoming clip the outgoing clip's media; the clip is matched by name), or a
    copy with the same bytes (an NLE's media folder). Any other file is refused, never
    read as a take.
    """
    takes = list(project.takes()) if callable(getattr(project, "takes", None)) else []
    takes.append(project.take(shot_id, label) if hasattr(project, "take") else project.picked_take(shot_id))
    clips = [Path(take.clip_path) for take in takes if getattr(take, "clip_path", None) is not None]
    clips.extend(Path(path) for path in cut_media)  # the takes the current cut shows
    try:
        resolved = media.resolve()
        if any(resolved == clip.resolve() for clip in clips):
            return None
        size = media.stat().st_size if media.is_file() else -1
        same_size = [clip for clip in clips if clip.is_file() and clip.stat().st_size == size]
        if same_size:
            digest = file_sha256(media)
            if any(file_sha256(clip) == digest for clip in same_size):
                return None
    except OSError:
        pass
    return f"media {str(media)[:200]} (shot {shot_id} take {label}) is not a take from this film's takes store"
