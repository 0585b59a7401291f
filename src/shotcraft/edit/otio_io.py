"""NLE interchange: the cut as OpenTimelineIO, CMX 3600 EDL, FCP 7 XML and FCPXML; conform an edit back.

Export: one video track; each clip references its take by absolute file URL
with the take's full available range, ``source_range`` selects the used
frames, and ``metadata["shotcraft"]`` carries shot, take and seed so an edit
made in Resolve or Premiere can be matched back to the plan. Dissolves and
dips are OTIO Transitions centred on the edit point (``in_offset`` frames
before the cut, ``out_offset`` after).

Conform: read an edited ``.otio``, validate every clip and its media first,
then store the new order, trims and transitions as the cut override
(``.shotcraft/cut.json``) that :func:`shotcraft.edit.build.build_timeline`
uses afterwards. Nothing is written when anything is wrong.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotcraft.edit.build import CutOverride, OverrideEvent, ProjectLike, build_timeline, override_path
from shotcraft.edit.media import MediaFile, media_name
from shotcraft.edit.nle_formats import finish_edl, finish_fcpxml
from shotcraft.edit.timeline import Timeline, TransitionType
from shotcraft.edit.validate import check_timeline_file, check_track, foreign_media
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path, write_json
from shotcraft.plan.loader import LoadedPlan
from shotcraft.timebase import format_rate

NAMESPACE = "shotcraft"
OTIO_METADATA_VERSION = 1

#: interchange formats: kind -> (file suffix, OTIO adapter name)
FORMATS: dict[str, tuple[str, str]] = {
    "otio": (".otio", "otio_json"),
    "edl": (".edl", "cmx_3600"),
    "fcp-xml": (".xml", "fcp_xml"),
    "fcpxml": (".fcpxml", "fcpx_xml"),
}


def _rt(frames: int | float, rate: Fraction | float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(float(frames), float(rate))


def _frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    return int(round(time.rescaled_to(float(rate)).value))


def reel_name(shot_id: str, take: str) -> str:
    """An 8-character EDL reel when no media folder names them (see :func:`shotcraft.edit.media.reel_names`)."""
    return (re.sub(r"[^A-Za-z0-9]", "", shot_id).upper()[:7] + take.upper())[:8]


@dataclass(frozen=True)
class SoundFile:
    """An audio file laid under the whole cut (the mix, a stem), from the timeline's first frame."""

    name: str  # "mix", "dialogue", ...
    path: Path
    frames: int  # its length in film frames
    reel: str = "AX"


@dataclass(frozen=True)
class Sources:
    """What the hand-off timelines point at: the media folder's takes, the sound, per-shot metadata.

    ``base`` is the folder the timeline file lives in: media and sound are referenced relative to it
    (``media/s03_B.mov``), so the output folder can move. ``absolute`` writes file URLs instead (the
    .otioz bundle adapter collects files from absolute paths and rewrites them itself).
    ``clip_metadata`` (shot id -> dict) is merged into each clip's metadata: ``{"cdl": {"asc_sop": ...,
    "asc_sat": ...}}`` there becomes the EDL's ``*ASC_SOP`` / ``*ASC_SAT`` comments.
    """

    base: Path
    media: dict[tuple[str, str], MediaFile] = field(default_factory=dict)
    sound: tuple[SoundFile, ...] = ()
    clip_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    absolute: bool = False

    def url(self, path: Path) -> str:
        if self.absolute:
            return Path(path).resolve().as_uri()
        return Path(os.path.relpath(Path(path).resolve(), Path(self.base).resolve())).as_posix()


# --- export ------------------------------------------------------------------------------------------


def to_otio(
    timeline: Timeline, *, dips_as_dissolves: bool = False, sources: Sources | None = None, markers: dict[tuple[str, str], list[Any]] | None = None
) -> otio.schema.Timeline:
    """The cut as an OTIO timeline (a fresh object each call: adapters mutate what they write).

    Without ``sources`` clips point at the takes in the store by absolute URL; with them, at the media
    folder by relative path, and the sound files follow as audio tracks.
    ``markers``: (shot, take) -> the reviewers' frame-pinned notes (shotcraft.render.reviews.Note), as clip markers.
    """
    rate = timeline.rate
    result = otio.schema.Timeline(name=timeline.title, global_start_time=_rt(0, rate))
    result.metadata[NAMESPACE] = {
        "version": OTIO_METADATA_VERSION,
        "production": timeline.production_id,
        "rate": format_rate(timeline.rate),
        "width": timeline.width,
        "height": timeline.height,
    }
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for index, event in enumerate(timeline.events):
        if index > 0 and event.transition != "cut" and event.transition_frames > 0:
            before, after = event.transition_frames // 2, event.transition_frames - event.transition_frames // 2
            dip = event.transition == "dip-to-black"
            if dip and dips_as_dissolves:
                # a dip uses no handles, a dissolve does: keep to the media the takes have
                before = min(before, event.handle_head)
                after = min(after, timeline.events[index - 1].handle_tail)
            if before + after > 0:
                transition = otio.schema.Transition(
                    name=event.transition,
                    transition_type=otio.schema.TransitionTypes.Custom if dip and not dips_as_dissolves else otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=_rt(before, rate),
                    out_offset=_rt(after, rate),
                )
                transition.metadata[NAMESPACE] = {"type": event.transition, "frames": event.transition_frames}
                track.append(transition)
        media = sources.media.get((event.shot_id, event.take)) if sources is not None else None
        reference = otio.schema.ExternalReference(
            target_url=sources.url(media.path) if media is not None else Path(event.clip_path).resolve().as_uri(),
            available_range=otio.opentime.TimeRange(_rt(0, rate), _rt(event.take_frames, rate)),
        )
        reference.name = f"{event.shot_id}_{event.take}"
        clip = otio.schema.Clip(
            name=f"{event.shot_id} {event.take}",
            media_reference=reference,
            source_range=otio.opentime.TimeRange(_rt(event.source_in, rate), _rt(event.duration, rate)),
        )
        clip.metadata[NAMESPACE] = {
            "shot": event.shot_id,
            "take": event.take,
            "seed": event.seed,
            "location": event.location,
            "audio_offset_frames": event.audio_offset_frames,
            "handles": {"head": event.handle_head, "tail": event.handle_tail},
        }
        if index == 0 and event.transition != "cut" and event.transition_frames > 0:
            clip.metadata[NAMESPACE]["fade_in_frames"] = event.transition_frames
        if event.source_rate is not None and event.source_rate != timeline.rate:
            clip.metadata[NAMESPACE]["source_rate"] = format_rate(event.source_rate)
        clip.metadata["cmx_3600"] = {"reel": media.reel if media is not None else reel_name(event.shot_id, event.take)}
        if sources is not None:
            clip.metadata.update(sources.clip_metadata.get(event.shot_id, {}))
        for note in (markers or {}).get((event.shot_id, event.take), ()):
            clip.markers.append(_note_marker(note, rate))
        track.append(clip)
    result.tracks.append(track)
    for number, sound in enumerate(sources.sound if sources is not None else (), start=1):
        result.tracks.append(_sound_track(sound, number, timeline, sources))  # type: ignore[arg-type]
    return result


def _sound_track(sound: SoundFile, number: int, timeline: Timeline, sources: Sources) -> otio.schema.Track:
    """One audio track holding one sound file from frame 0 for the cut's length (or the file's, if shorter)."""
    rate = timeline.rate
    reference = otio.schema.ExternalReference(
        target_url=sources.url(sound.path), available_range=otio.opentime.TimeRange(_rt(0, rate), _rt(sound.frames, rate))
    )
    reference.name = sound.path.stem
    clip = otio.schema.Clip(
        name=sound.path.name, media_reference=reference,
        source_range=otio.opentime.TimeRange(_rt(0, rate), _rt(min(sound.frames, timeline.duration), rate)),
    )  # fmt: skip
    clip.metadata[NAMESPACE] = {"sound": sound.name}
    clip.metadata["cmx_3600"] = {"reel": sound.reel}
    track = otio.schema.Track(name=f"A{number} {sound.name}", kind=otio.schema.TrackKind.Audio)
    track.append(clip)
    return track


def _note_marker(note: Any, rate: Fraction) -> otio.schema.Marker:
    """A review note as a one-frame marker in the take's own frames (the clip's media time)."""
    marker = otio.schema.Marker(name=note.text.splitlines()[0][:80], marked_range=otio.opentime.TimeRange(_rt(note.frame, rate), _rt(1, rate)),
                                color=otio.schema.MarkerColor.RED)  # fmt: skip
    marker.metadata[NAMESPACE] = {"note": note.text, "frame": note.frame, "x": note.x, "y": note.y, "reviewer": note.reviewer}
    return marker


def write_interchange(
    timeline: Timeline, path: str | Path, kind: str | None = None, *, sources: Sources | None = None,
    markers: dict[tuple[str, str], list[Any]] | None = None,
) -> Path:
    """Write the cut in one interchange format (by ``kind`` or the file suffix), atomically.

    ``sources``: reference the media folder and lay the sound (see :class:`Sources`); its ``base``
    should be ``path``'s folder. ``markers``: review notes, in the .otio only.
    """
    path = Path(path)
    if kind is None:
        kind = next((k for k, (suffix, _) in FORMATS.items() if suffix == path.suffix.lower()), None)
        if kind is None:
            raise InputError(f"{path}: unknown interchange format (use .otio, .edl, .xml or .fcpxml)")
    if kind not in FORMATS:
        raise InputError(f"{path}: unknown interchange format {kind!r} (expected one of {', '.join(FORMATS)})")
    adapter = FORMATS[kind][1]
    # EDL and the XML dialects have no dip to black: they get a dissolve of the same length
    document = to_otio(timeline, dips_as_dissolves=kind != "otio", sources=sources, markers=markers if kind == "otio" else None)
    sound = [t for t in document.tracks if t.kind == otio.schema.TrackKind.Audio]
    if kind == "edl":
        # the EDL writer writes the video track only (and refuses more than two audio tracks):
        # the sound goes in as AA events afterwards (nle_formats.finish_edl)
        for track in sound:
            document.tracks.remove(track)
    options: dict[str, Any] = {"rate": float(timeline.rate)} if kind == "edl" else {}
    with atomic_path(path) as temp:
        try:
            otio.adapters.write_to_file(document, str(temp), adapter_name=adapter, **options)
        except (otio.exceptions.OTIOError, ValueError) as exc:
            hint = " (EDL timecode needs a SMPTE rate: 24, 25, 30, 24000/1001 ...)" if kind == "edl" and "rate" in str(exc) else ""
            raise InputError(f"{path}: the {kind} adapter could not write this cut ({exc}){hint}") from None
        if kind == "fcpxml":
            finish_fcpxml(temp, timeline, to_otio(timeline, dips_as_dissolves=True, sources=sources))
        elif kind == "edl":
            finish_edl(temp, timeline, sources.sound if sources is not None else ())
    return path


def write_bundle(timeline: Timeline, path: str | Path, sources: Sources) -> Path:
    """The cut as an ``.otioz``: OTIO's bundle adapter zips the .otio with every media and sound file it uses."""
    path = Path(path)
    document = to_otio(timeline, sources=replace(sources, absolute=True))
    with atomic_path(path) as temp:
        temp.unlink()  # the bundle adapter refuses to overwrite a file
        try:
            otio.adapters.write_to_file(document, str(temp), adapter_name="otioz")
        except (otio.exceptions.OTIOError, ValueError, OSError) as exc:
            raise InputError(f"{path}: the otioz adapter could not bundle this cut ({exc})") from None
        _fixed_zip_times(temp)
    return path


def _fixed_zip_times(path: Path) -> None:
    """Date every entry of a zip 1980-01-01 00:00, in place: the bundle adapter stamps the clock and the
    media files' mtimes, so the same cut would otherwise give a different .otioz on every run. Only the
    four time/date bytes of each local and central header change (no copy of the bundled media)."""
    import struct
    import zipfile

    fixed = struct.pack("<HH", 0, (0 << 9) | (1 << 5) | 1)  # DOS time 00:00:00, date 1980-01-01
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        central = archive.start_dir  # type: ignore[attr-defined]
    with open(path, "r+b") as handle:
        for entry in entries:
            handle.seek(entry.header_offset + 10)  # local file header: signature, version, flags, method, time, date
            handle.write(fixed)
        handle.seek(central)
        for _ in entries:
            header = handle.read(46)
            if header[:4] != b"PK\x01\x02":
                raise InputError(f"{path}: unexpected zip layout from the bundle adapter")
            names = sum(struct.unpack("<HHH", header[28:34]))
            handle.seek(-46 + 12, os.SEEK_CUR)
            handle.write(fixed)
            handle.seek(46 - 16 + names, os.SEEK_CUR)


def export_interchange(
    timeline: Timeline, out_dir: str | Path, stem: str, *, sources: Sources | None = None, markers: dict[tuple[str, str], list[Any]] | None = None,
    bundle: bool = True,
) -> dict[str, Path]:
    """Write .otio, .edl, .xml (FCP 7) and .fcpxml side by side (and .otioz with ``sources`` and ``bundle``); kind -> path."""
    out_dir = Path(out_dir)
    written = {kind: write_interchange(timeline, out_dir / f"{stem}{suffix}", kind, sources=sources, markers=markers) for kind, (suffix, _) in FORMATS.items()}
    if bundle and sources is not None and sources.media:
        written["otioz"] = write_bundle(timeline, out_dir / f"{stem}.otioz", sources)
    return written


# --- conform -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignClip:
    """A clip in the edited timeline that is not a take of this plan: reported, never dropped silently."""

    position: int  # 1-based position among the track's items
    name: str
    target: str | None
    frames: int
    reason: str

    def describe(self) -> str:
        where = f" ({self.target})" if self.target else ""
        return f"item {self.position} '{self.name}'{where}, {self.frames} frames: {self.reason}"


@dataclass(frozen=True)
class ConformResult:
    override_path: Path
    timeline: Timeline  # the new cut
    order: tuple[str, ...]
    changed: tuple[str, ...]  # shots whose take, frames, position or transition changed
    dropped: tuple[str, ...]  # plan shots the edit left out
    foreign: tuple[ForeignClip, ...]
    notes: tuple[str, ...]  # gaps, duplicates, re-centred transitions, ignored tracks


def _media_path(reference: Any, base: Path) -> Path | None:
    url = getattr(reference, "target_url", None)
    if not url:
        return None
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("", "file"):
        raw = urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else url
        path = Path(raw)
        return path if path.is_absolute() else (base / path)
    return Path(url)  # http(s) etc.: reported as missing below


def _identify(clip: otio.schema.Clip, plan_ids: set[str], known_paths: dict[Path, tuple[str, str]]) -> tuple[str, str] | None:
    """(shot, take) of a clip: our metadata, else our 'SHOT TAKE' clip name, else a media path we exported.

    The name goes before the path: the EDL reader gives a dissolve's incoming clip the outgoing clip's media.
    """
    data = clip.metadata.get(NAMESPACE) or {}
    if isinstance(data, dict) and data.get("shot") and data.get("take"):
        return str(data["shot"]), str(data["take"])
    match = re.fullmatch(r"\s*(\S+)[ _]([A-Z])\s*", clip.name or "")
    if match and match.group(1) in plan_ids:
        return match.group(1), match.group(2)
    path = _media_path(clip.media_reference, Path("/"))
    if path is not None and path.resolve() in known_paths:
        return known_paths[path.resolve()]
    return None


def read_edited(path: Path, rate: Fraction) -> otio.schema.Timeline:
    """Read an edited timeline: .otio, or an EDL / FCP XML / FCPXML (clips matched by name and media then)."""
    check_timeline_file(path)  # before OTIO's reader: no special files, no stack-overflowing nesting
    options: dict[str, Any] = {"rate": float(rate)} if path.suffix.lower() == ".edl" else {}
    try:
        document = otio.adapters.read_from_file(str(path), **options)
    except Exception as exc:  # noqa: BLE001 - adapters raise many kinds; all mean "not a timeline we can read"
        raise InputError(f"{path}: not a readable timeline ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    timelines = [item for item in document if isinstance(item, otio.schema.Timeline)] if isinstance(document, otio.schema.SerializableCollection) else []
    if len(timelines) == 1:  # FCPXML: a library/event holding one project
        document = timelines[0]
    if not isinstance(document, otio.schema.Timeline):
        raise InputError(f"{path}: expected an OTIO Timeline, found {type(document).__name__}")
    if not document.video_tracks():
        raise InputError(f"{path}: the timeline has no video track")
    check_track(document.video_tracks()[0], path)
    return document


def conform(plan: LoadedPlan, project: ProjectLike, edited_otio_path: str | Path) -> ConformResult:
    """Adopt an edit made elsewhere: new order, trims and transitions become the cut override."""
    path = Path(edited_otio_path)
    film = plan.film
    rate = film.production.format.fps
    plan_ids = [shot.id for shot in film.shots]
    # 1. Read the edited timeline and the cut it replaces
    document = read_edited(path, rate)
    current = build_timeline(plan, project)
    known_paths = {Path(e.clip_path).resolve(): (e.shot_id, e.take) for e in current.events}
    notes: list[str] = []
    if len(document.video_tracks()) > 1:
        notes.append(f"{len(document.video_tracks()) - 1} more video track(s) ignored: only the first is conformed")
    # 2. Walk the first video track, validating every clip before anything is written
    events: list[OverrideEvent] = []
    foreign: list[ForeignClip] = []
    missing: list[str] = []
    pending: otio.schema.Transition | None = None
    follows_take = False  # is the previous item a take we kept? (a transition needs its outgoing side)
    for position, item in enumerate(document.video_tracks()[0], start=1):
        if isinstance(item, otio.schema.Transition):
            pending = item
            continue
        kept = False
        if isinstance(item, otio.schema.Gap):
            notes.append(f"a gap of {_frames(item.duration(), rate)} frames at item {position} was closed")
        elif not isinstance(item, otio.schema.Clip):
            foreign.append(ForeignClip(position, item.name or type(item).__name__, None, _frames(item.duration(), rate), "nested or unsupported item"))
        else:
            kept = _take_clip(item, position, path, rate, plan_ids, known_paths, pending if follows_take else None, events, foreign, missing, notes, project)
            if pending is not None and not follows_take and kept:
                notes.append(f"the transition at item {position - 1} comes from a clip that is not a take; it became a cut")
        pending = None
        follows_take = kept
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(f"{path}: {missing[0]}{more}; nothing was changed")
    if not events:
        raise InputError(f"{path}: no clip is a take of this plan; nothing was changed")
    # 3. Check the new cut builds (takes exist, frames within takes) before storing it
    override = CutOverride(rate=rate, events=tuple(events), dropped=tuple(s for s in plan_ids if s not in {e.shot_id for e in events}), source=str(path.resolve()))
    _check_ranges(plan, project, override, path)
    timeline = build_timeline(plan, project, override=override)
    target = override_path(plan, project)
    write_json(target, override.to_dict())
    return ConformResult(
        override_path=target,
        timeline=timeline,
        order=tuple(event.shot_id for event in timeline.events),
        changed=_changes(current, timeline),
        dropped=override.dropped,
        foreign=tuple(foreign),
        notes=tuple(notes),
    )


def _take_clip(
    item: otio.schema.Clip,
    position: int,
    path: Path,
    rate: Fraction,
    plan_ids: list[str],
    known_paths: dict[Path, tuple[str, str]],
    transition_in: otio.schema.Transition | None,
    events: list[OverrideEvent],
    foreign: list[ForeignClip],
    missing: list[str],
    notes: list[str],
    project: ProjectLike | None = None,
) -> bool:
    """Match one clip to a take and append its event; False when it is reported instead."""
    try:
        used = item.trimmed_range()
    except otio.exceptions.OTIOError:
        foreign.append(ForeignClip(position, item.name, None, 0, "no source range and no media range"))
        return False
    if abs(used.duration.rate - float(rate)) > 1e-3:
        notes.append(f"clip '{item.name}' is timed at {used.duration.rate:g} fps; its frames were mapped to the film's {format_rate(rate)} fps")
    frames = _frames(used.duration, rate)
    media = _media_path(item.media_reference, path.parent)
    identity = _identify(item, set(plan_ids), known_paths)
    if identity is None:
        foreign.append(ForeignClip(position, item.name, str(media) if media else None, frames, "not a shotcraft take"))
        return False
    shot_id, label = identity
    # a clip on the hand-off media folder's copy of a take (media/s03_B.mov) stands for the take in the store,
    # wherever the edited timeline was saved: the take itself is checked against the store below
    handoff_copy = media is not None and media.name == media_name(shot_id, label)
    if (media is None or not media.is_file()) and not handoff_copy:
        missing.append(f"clip '{item.name}' (shot {shot_id}) points at missing media {media or '(no media reference)'}")
        return False
    if shot_id not in plan_ids:
        foreign.append(ForeignClip(position, item.name, str(media), frames, f"shot {shot_id} is not in the plan"))
        return False
    # the hand-off copy is a transcode (ProRes), never byte-identical: it names the take, whose store object is used
    if project is not None and not handoff_copy and (problem := foreign_media(media, shot_id, label, project, known_paths)) is not None:
        missing.append(f"clip '{item.name}': {problem}")  # only the film's own takes are media
        return False
    if any(event.shot_id == shot_id for event in events):
        notes.append(f"shot {shot_id} is used twice; its second use (item {position}) was left out")
        return False
    source_in = _frames(used.start_time, rate)
    transition, transition_frames = _transition(transition_in, rate, shot_id, notes)
    if transition != "cut" and events and transition_in is not None:
        # our transitions are centred on the edit point (an EDL starts its dissolves at the cut):
        # move the edit point so the transition covers the same frames
        delta = transition_frames // 2 - _frames(transition_in.in_offset, rate)
        if delta:
            events[-1] = replace(events[-1], duration=events[-1].duration + delta)
            source_in, frames = source_in + delta, frames - delta
    events.append(OverrideEvent(shot_id, label, source_in, frames, transition, transition_frames))
    return True


def reset_conform(plan: LoadedPlan, project: ProjectLike | None = None) -> bool:
    """Forget a conformed edit (the cut follows the plan again); True if there was one."""
    target = override_path(plan, project)
    if target.is_file():
        target.unlink()
        return True
    return False


def _transition(item: otio.schema.Transition | None, rate: Fraction, shot_id: str, notes: list[str]) -> tuple[TransitionType, int]:
    if item is None:
        return "cut", 0
    before, after = _frames(item.in_offset, rate), _frames(item.out_offset, rate)
    frames = before + after
    if frames <= 0:
        return "cut", 0
    ours = (item.metadata.get(NAMESPACE) or {}).get("type") if isinstance(item.metadata.get(NAMESPACE), dict) else None
    if ours in ("dissolve", "dip-to-black"):
        kind: TransitionType = ours
    elif item.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve:
        kind = "dissolve"
    elif re.search(r"dip|black|fade", item.name or "", re.IGNORECASE):
        kind = "dip-to-black"
    else:
        kind = "dissolve"
        notes.append(f"transition '{item.name}' into {shot_id} became a dissolve")
    return kind, frames


def _check_ranges(plan: LoadedPlan, project: ProjectLike, override: CutOverride, where: Path) -> None:
    """Every clip's frames must lie inside its take (an NLE can extend a clip past its media)."""
    for event in override.events:
        take = project.take(event.shot_id, event.take) if hasattr(project, "take") else None  # type: ignore[attr-defined]
        if take is None:
            picked = project.picked_take(event.shot_id)
            take = picked if picked is not None and picked.label == event.take else None
        if take is None or take.clip_path is None:
            raise InputError(f"{where}: shot {event.shot_id} take {event.take} is not a finished take of this film; nothing was changed")
        frames = int(take.frames or 0)
        if take.rate and Fraction(take.rate) != override.rate:
            frames = int(Fraction(frames) * override.rate / Fraction(take.rate))
        if event.source_in < 0 or event.source_in + event.duration > frames:
            raise InputError(
                f"{where}: shot {event.shot_id} take {event.take} uses frames {event.source_in}-{event.source_in + event.duration} "
                f"but the take has {frames}; nothing was changed"
            )


def _changes(before: Timeline, after: Timeline) -> tuple[str, ...]:
    old = {e.shot_id: (i, e.take, e.source_in, e.duration, e.transition, e.transition_frames) for i, e in enumerate(before.events)}
    new = {e.shot_id: (i, e.take, e.source_in, e.duration, e.transition, e.transition_frames) for i, e in enumerate(after.events)}
    return tuple(shot for shot in new if old.get(shot) != new[shot])


def export_otio(timeline: Timeline, path: str | Path) -> Path:
    """Write the cut as ``.otio`` (what `shotcraft make` lists in the manifest)."""
    return write_interchange(timeline, path, "otio")
