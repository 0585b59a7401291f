"""What the OTIO adapters leave out of an EDL and an FCPXML, put back so NLEs import them as they are.

EDL (otio-cmx3600-adapter): it writes the video track only, with no FCM
line. We add ``FCM: NON-DROP FRAME`` under the title (our timecode is always
non-drop) and the mix as one stereo ``AA`` event under the whole cut (CMX 3600
has two audio channels: the stems stay in the .otio and the XML files).

FCPXML (otio-fcpx-xml-adapter 1.0): its output does not import. Measured on
our cuts it writes a ``<format>`` without width, height or name (the name
comes from running ``ffprobe`` on the media, so the file even depends on the
PATH), puts the project straight under ``<fcpxml>`` with ``uid=""`` and no
library or event, wraps every clip in a compound ``<clip>`` whose timing
FCP reads differently, nests the sound inside a gap inside the first clip,
and drops every transition. We keep the adapter's assets (ids, names, media
URLs) and rebuild the rest from the OTIO timeline: a complete format, the
library/event/project wrapper with a stable uid, a spine of ``asset-clip``
elements with ``Cross Dissolve`` transitions, and the sound as connected
clips on lanes below the picture. The adapter's own reader reads the result
back (tests check it).
"""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from shotcraft.edit.timeline import Timeline
from shotcraft.timebase import frames_to_timecode

FCPXML_VERSION = "1.8"
#: Final Cut Pro's built-in Cross Dissolve (the uid FCP itself writes)
CROSS_DISSOLVE_UID = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"
#: frame sizes Apple names in FFVideoFormat* (anything else is a custom format, written without a name)
_APPLE_SIZES = {(1280, 720): "720p", (1920, 1080): "1080p", (3840, 2160): "2160p", (4096, 2160): "4096x2160p",
                (2048, 1080): "2048x1080p", (640, 480): "640x480p"}  # fmt: skip
_APPLE_RATES = {Fraction(24000, 1001): "2398", Fraction(24): "24", Fraction(25): "25", Fraction(30000, 1001): "2997",
                Fraction(30): "30", Fraction(50): "50", Fraction(60000, 1001): "5994", Fraction(60): "60"}  # fmt: skip


def apple_format_name(width: int, height: int, rate: Fraction) -> str | None:
    """``FFVideoFormat1080p24`` for a size and rate on Apple's list; None for a custom format."""
    size, fps = _APPLE_SIZES.get((width, height)), _APPLE_RATES.get(Fraction(rate))
    return f"FFVideoFormat{size}{fps}" if size and fps else None


def _time(frames: int, rate: Fraction) -> str:
    """FCPXML rational seconds: whole frames of ``1/rate`` (``7/24s``; ``7007/24000s`` at 23.976)."""
    if frames == 0:
        return "0s"
    value = Fraction(frames) / Fraction(rate)
    return f"{value.numerator}s" if value.denominator == 1 else f"{value.numerator}/{value.denominator}s"


def _frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    return int(round(time.rescaled_to(float(rate)).value))


def project_uid(timeline: Timeline) -> str:
    """A stable uid per production: re-importing the same film updates the same project."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"shotcraft:{timeline.production_id or timeline.title}")).upper()


def finish_fcpxml(path: Path, timeline: Timeline, document: otio.schema.Timeline) -> None:
    """Rewrite the adapter's FCPXML at ``path`` into one Final Cut Pro imports (see the module docstring)."""
    written = ET.parse(path).getroot()
    rate = Fraction(timeline.rate)
    assets = {asset.get("src"): asset for asset in written.iter("asset")}
    root = ET.Element("fcpxml", {"version": FCPXML_VERSION})
    resources = ET.SubElement(root, "resources")
    format_attrs = {"id": "r1", "frameDuration": _time(1, rate), "width": str(timeline.width), "height": str(timeline.height),
                    "colorSpace": "1-1-1 (Rec. 709)"}  # fmt: skip
    name = apple_format_name(timeline.width, timeline.height, rate)
    if name:
        format_attrs["name"] = name
    ET.SubElement(resources, "format", format_attrs)
    ids = iter(f"r{n}" for n in range(2, 10_000))
    by_url: dict[str, str] = {}

    def asset_for(clip: otio.schema.Clip, *, audio: bool) -> str:
        url = clip.media_reference.target_url
        if url in by_url:
            return by_url[url]
        adapter_asset = assets.get(url)
        available = clip.media_reference.available_range
        attrs: dict[str, Any] = {
            "id": next(ids),
            "name": adapter_asset.get("name") if adapter_asset is not None else (clip.media_reference.name or clip.name),
            "src": url,
            "start": _time(_frames(available.start_time, rate), rate),
            "duration": _time(_frames(available.duration, rate), rate),
            "hasVideo": "0" if audio else "1",
            "hasAudio": "1" if audio else "0",
        }
        if audio:
            attrs.update({"audioSources": "1", "audioChannels": "2", "audioRate": "48000"})
        else:
            attrs.update({"format": "r1", "videoSources": "1"})
        asset = ET.SubElement(resources, "asset", attrs)
        # the reel name as FCP's own metadata key (also: the adapter's reader tests an asset element for
        # truth, which is False for an element without children, and then reads an audio asset as video)
        reel = (clip.metadata.get("cmx_3600") or {}).get("reel")
        if reel:
            ET.SubElement(ET.SubElement(asset, "metadata"), "md", {"key": "com.apple.proapps.studio.reel", "value": reel})
        by_url[url] = attrs["id"]
        return attrs["id"]

    video = document.video_tracks()[0]
    sounds = [clip for track in document.audio_tracks() for clip in track.find_clips()]
    dissolve_id = None
    if any(isinstance(item, otio.schema.Transition) for item in video) or video.find_clips() and _fade_in(video):
        dissolve_id = next(ids)
        ET.SubElement(resources, "effect", {"id": dissolve_id, "name": "Cross Dissolve", "uid": CROSS_DISSOLVE_UID})
    library = ET.SubElement(root, "library")
    event = ET.SubElement(library, "event", {"name": timeline.title or timeline.production_id})
    project = ET.SubElement(event, "project", {"name": timeline.title or timeline.production_id, "uid": project_uid(timeline)})
    sequence = ET.SubElement(project, "sequence", {"format": "r1", "duration": _time(timeline.duration, rate), "tcStart": "0s",
                                                   "tcFormat": "NDF", "audioLayout": "stereo", "audioRate": "48k"})  # fmt: skip
    spine = ET.SubElement(sequence, "spine")
    record = 0
    pending: otio.schema.Transition | None = None
    first = True
    for item in video:
        if isinstance(item, otio.schema.Transition):
            pending = item
            continue
        if not isinstance(item, otio.schema.Clip):
            continue
        used = item.source_range
        fade = _fade_in(video) if first else 0
        if fade and dissolve_id:
            _transition(spine, dissolve_id, 0, fade, rate)
        if pending is not None and dissolve_id:
            before, after = _frames(pending.in_offset, rate), _frames(pending.out_offset, rate)
            _transition(spine, dissolve_id, record - before, before + after, rate)
        pending = None
        start = _frames(used.start_time, rate)
        clip = ET.SubElement(spine, "asset-clip", {
            "name": item.name, "ref": asset_for(item, audio=False), "offset": _time(record, rate),
            "start": _time(start, rate), "duration": _time(_frames(used.duration, rate), rate), "format": "r1", "tcFormat": "NDF",
        })  # fmt: skip
        if first:
            # the sound under the whole cut: connected to the first clip, lanes -1, -2 ... (at its start)
            for lane, sound in enumerate(sounds, start=1):
                ET.SubElement(clip, "asset-clip", {
                    "name": sound.name, "ref": asset_for(sound, audio=True), "lane": str(-lane), "offset": _time(start, rate),
                    "start": "0s", "duration": _time(_frames(sound.source_range.duration, rate), rate), "audioRole": "dialogue" if lane == 1 else "effects",
                })  # fmt: skip
        first = False
        record += _frames(used.duration, rate)
    tree = ET.ElementTree(root)
    ET.indent(tree, space="    ")
    with open(path, "wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n')
        tree.write(handle, encoding="utf-8", xml_declaration=False)
        handle.write(b"\n")


def _fade_in(video: otio.schema.Track) -> int:
    clips = list(video.find_clips())
    data = clips[0].metadata.get("shotcraft") if clips else None
    return int(data.get("fade_in_frames", 0)) if isinstance(data, dict) else 0


def _transition(spine: ET.Element, effect: str, start: int, frames: int, rate: Fraction) -> None:
    transition = ET.SubElement(spine, "transition", {"name": "Cross Dissolve", "offset": _time(start, rate), "duration": _time(frames, rate)})
    ET.SubElement(transition, "filter-video", {"ref": effect, "name": "Cross Dissolve"})


def finish_edl(path: Path, timeline: Timeline, sound: tuple[Any, ...]) -> None:
    """Add the FCM line and the mix as an AA event to the adapter's EDL at ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    events = [line for line in lines if line[:3].isdigit()]
    if not any(line.startswith("FCM:") for line in lines):
        at = next((i + 1 for i, line in enumerate(lines) if line.startswith("TITLE:")), 0)
        lines.insert(at, "FCM: NON-DROP FRAME")
    mix = next((s for s in sound if s.name == "mix"), None)
    if mix is not None:
        number = max((int(line[:3]) for line in events), default=0) + 1
        frames = min(mix.frames, timeline.duration)
        tc_in, tc_out = frames_to_timecode(0, timeline.rate), frames_to_timecode(frames, timeline.rate)
        relative = Path(os.path.relpath(Path(mix.path).resolve(), path.parent.resolve())).as_posix()
        if lines and lines[-1].strip():
            lines.append("")
        lines += [
            f"{number:03d}  {mix.reel:8} AA    C        {tc_in} {tc_out} {tc_in} {tc_out}",
            f"* FROM CLIP NAME:  {mix.path.name}",
            f"* FROM CLIP: {relative}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
