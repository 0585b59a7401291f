"""The hand-off folder of one small `make`: media folder, timelines with sound, rough cut with the mix, melt.

Every check goes through an independent reader: PyAV for the media, OpenTimelineIO and its adapters
for the timelines, MLT's ``melt`` (via otio-mlt-adapter) for a render of the cut.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
import opentimelineio as otio
import pytest

from shotcraft.edit.nle_formats import apple_format_name
from shotcraft.media.video import probe, read_frames

KINDS = {"otio": "tiny.otio", "otioz": "tiny.otioz", "fcp-xml": "tiny.xml", "fcpxml": "tiny.fcpxml", "edl": "tiny.edl"}
FRAMES = 72  # three 1 s shots at 24 fps; the dissolve draws on handles, so nothing is lost


def read_timeline(path: Path, extract_to: Path | None = None) -> otio.schema.Timeline:
    if path.suffix == ".otioz":
        document = otio.adapters.read_from_file(str(path), extract_to_directory=str(extract_to))
    else:
        document = otio.adapters.read_from_file(str(path), **({"rate": 24} if path.suffix == ".edl" else {}))
    if isinstance(document, otio.schema.SerializableCollection):  # FCPXML: library/event -> projects
        [document] = list(document)
    return document


@contextmanager
def plan_folder_gone(folder: Path):
    """The plan folder and its store moved away for the duration (put back afterwards for the other tests)."""
    away = folder.with_name(folder.name + "-away")
    folder.rename(away)
    try:
        yield
    finally:
        away.rename(folder)


@pytest.fixture(scope="module")
def copied(handoff_film, tmp_path_factory):
    """Only the output folder, copied elsewhere."""
    _, out = handoff_film
    target = tmp_path_factory.mktemp("elsewhere") / "tiny"
    shutil.copytree(out, target)
    return target


def test_media_folder_holds_each_take_in_prores_with_timecode_reel_and_handles(copied):
    edl = (copied / "tiny.edl").read_text()
    edl_reels = set(re.findall(r"^\d{3}  (\S+)\s+V ", edl, re.MULTILINE))
    reels = []
    for name in ("a1_A.mov", "a2_A.mov", "a3_A.mov"):
        path = copied / "media" / name
        info = probe(path)
        assert (info.codec, info.pix_fmt, info.width, info.height) == ("prores", "yuv422p10le", 256, 144)
        assert info.frames == 24 + 2 * 12  # the planned second plus 12 frames of handle each side
        with av.open(str(path)) as container:
            [timecode] = [s for s in container.streams if s.type == "data"]
            assert timecode.metadata["timecode"] == "00:00:00:00"
            reels.append(timecode.metadata["reel_name"])
    assert len(set(reels)) == 3 and all(len(r) <= 8 for r in reels) and set(reels) == edl_reels


def test_every_timeline_resolves_every_reference_with_the_plan_folder_gone(handoff_film, copied, tmp_path):
    plan_folder, _ = handoff_film
    with plan_folder_gone(plan_folder):
        for kind, name in KINDS.items():
            path = copied / name
            base = tmp_path / "bundle" if kind == "otioz" else copied
            base.mkdir(exist_ok=True)
            document = read_timeline(path, base)
            clips = list(document.find_clips())
            assert len([c for c in clips if "sound" not in c.media_reference.target_url]) >= 3, kind
            for clip in clips:
                url = clip.media_reference.target_url
                assert "://" not in url and not os.path.isabs(url), (kind, url)  # relative to the timeline
                assert (base / url).is_file(), (kind, url)


def test_every_timeline_carries_the_mix(copied, tmp_path):
    for kind, name in KINDS.items():
        (tmp_path / kind).mkdir()
        document = read_timeline(copied / name, tmp_path / kind)
        if kind == "fcpxml":  # an audio-only asset: the reader makes its lane an audio track
            root = ET.parse(copied / name).getroot()
            [mix] = [a for a in root.iter("asset") if a.get("src", "").endswith("mix.wav")]
            assert mix.get("hasAudio") == "1" and mix.get("hasVideo") == "0"
        urls = [c.media_reference.target_url for t in document.tracks for c in t.find_clips() if t.kind == "Audio"]
        assert any(url.endswith("mix.wav") for url in urls), kind
    otio_document = read_timeline(copied / "tiny.otio")
    audio = otio_document.audio_tracks()
    assert [t.name for t in audio] == ["A1 mix", "A2 ambience"]
    assert audio[0].duration().to_frames() == FRAMES


def test_rough_cut_carries_the_mix_for_the_length_of_the_picture(copied):
    info = probe(copied / "tiny-rough-cut.mp4")
    assert info.frames == FRAMES and info.has_audio
    with av.open(str(copied / "tiny-rough-cut.mp4")) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        assert stream.codec_context.name == "aac" and stream.rate == 48000
    assert abs(samples - FRAMES / 24 * 48000) <= 1024  # within one AAC frame of the picture


def test_every_clip_has_twelve_frames_of_handle_each_side(copied):
    for clip in read_timeline(copied / "tiny.otio").video_tracks()[0].find_clips():
        available, used = clip.media_reference.available_range, clip.source_range
        assert (used.start_time - available.start_time).to_frames() >= 12, clip.name
        assert (available.end_time_exclusive() - used.end_time_exclusive()).to_frames() >= 12, clip.name


def test_fcpxml_has_a_complete_format_library_event_project_and_the_dissolve(copied):
    root = ET.parse(copied / "tiny.fcpxml").getroot()
    [fmt] = root.iter("format")
    assert (fmt.get("width"), fmt.get("height"), fmt.get("frameDuration")) == ("256", "144", "1/24s")
    assert apple_format_name(1920, 1080, 24) == "FFVideoFormat1080p24" and apple_format_name(256, 144, 24) is None
    project = root.find("./library/event/project")
    assert project is not None and re.fullmatch(r"[0-9A-F-]{36}", project.get("uid"))
    spine = project.find("./sequence/spine")
    [transition] = spine.findall("transition")
    effect = root.find(f"./resources/effect[@id='{transition.find('filter-video').get('ref')}']")
    assert effect.get("name") == "Cross Dissolve" and transition.get("duration") == "1/4s"
    assert transition.get("offset") == "7/8s"  # 21 frames: 3 before the edit at 1 s
    # the adapter's own reader reads it back: the three shots in order, each from its media
    document = read_timeline(copied / "tiny.fcpxml")
    [video] = [t for t in document.tracks if any("media/" in c.media_reference.target_url for c in t.find_clips())]
    assert [c.name for c in video.find_clips()] == ["a1 A", "a2 A", "a3 A"]
    assert [c.source_range.start_time.to_frames() for c in video.find_clips()] == [12, 12, 12]  # past each head handle


def test_edl_has_fcm_unique_reels_source_timecodes_of_the_media_and_the_mix(copied):
    text = (copied / "tiny.edl").read_text()
    assert text.splitlines()[1] == "FCM: NON-DROP FRAME"
    assert re.search(r"^\d{3}  \S+\s+AA\s+C\s+00:00:00:00 00:00:03:00 00:00:00:00 00:00:03:00$", text, re.MULTILINE)
    # a3 comes in on a cut at 2 s: its source is frame 12 of its media, whose timecode starts at 00:00:00:00
    assert re.search(r"^\d{3}  A3A\s+V\s+C\s+00:00:00:12 00:00:01:12 00:00:02:00 00:00:03:00$", text, re.MULTILINE)


def test_melt_renders_the_otio_with_picture_and_sound_and_every_cut_on_its_frame(copied, tmp_path):
    if shutil.which("melt") is None:
        pytest.skip("MLT's melt is not installed (Debian package 'melt')")
    document = read_timeline(copied / "tiny.otio")
    mlt = copied / "tiny.mlt"  # beside the .otio: melt resolves the relative paths from the document's folder
    otio.adapters.write_to_file(document, str(mlt), adapter_name="mlt_xml")
    render = tmp_path / "melt.mkv"
    # the adapter's <profile> carries only the rate: melt is told the film's frame size (else PAL 720x576; melt crashes on a profile without a description)
    profile = tmp_path / "profile"
    profile.write_text("description=tiny\nwidth=256\nheight=144\nprogressive=1\nsample_aspect_num=1\nsample_aspect_den=1\n"
                       "display_aspect_num=16\ndisplay_aspect_den=9\nframe_rate_num=24\nframe_rate_den=1\ncolorspace=709\n")  # fmt: skip
    subprocess.run(["melt", "-profile", str(profile), str(mlt), "-consumer", f"avformat:{render}", "vcodec=ffv1", "acodec=pcm_s16le"],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    info = probe(render)
    assert (info.frames, info.width, info.height) == (FRAMES, 256, 144) and info.has_audio
    melt_frames = np.stack(list(read_frames(render))).astype(np.int16)
    rough = np.stack(list(read_frames(copied / "tiny-rough-cut.mp4"))).astype(np.int16)
    # every frame of melt's render is the rough cut's frame at the same index (through the dissolve too) ...
    difference = np.abs(melt_frames - rough).mean(axis=(1, 2, 3))
    assert difference.max() < 4, difference.round(1)
    # ... and the frames either side of the cut into a3 (frame 48) are on their own side of it
    for t, other in ((47, 48), (48, 47)):
        assert difference[t] * 4 < np.abs(melt_frames[t] - rough[other]).mean()
    with av.open(str(render)) as container:
        sound = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(container.streams.audio[0])])
    assert np.sqrt(np.mean(sound.astype(np.float64) ** 2)) > 30  # the mix's room tone, not silence
