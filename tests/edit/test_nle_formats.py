"""EDL and FCPXML finishing on the stand-in film (no render): CDL comments, FCM, format, and no dependence on PATH."""

from __future__ import annotations

import os
import stat

import opentimelineio as otio

from shotcraft.edit.build import build_timeline
from shotcraft.edit.media import conform_media
from shotcraft.edit.otio_io import Sources, write_interchange
from tests.edit.conftest import make_film

CDL = {"cdl": {"asc_sop": {"slope": [1.1, 1.0, 0.9], "offset": [0.01, 0.0, -0.01], "power": [1.0, 1.0, 1.05]}, "asc_sat": 0.9}}


def test_edl_writes_the_grades_cdl_per_shot_from_clip_metadata(tmp_path):
    plan, project = make_film(tmp_path)
    timeline = build_timeline(plan, project)
    out = tmp_path / "out"
    media = conform_media(timeline, out, "h264")
    path = write_interchange(timeline, out / "cut.edl", sources=Sources(base=out, media=media, clip_metadata={"s2": CDL}))
    text = path.read_text()
    assert "FCM: NON-DROP FRAME" in text
    assert text.count("*ASC_SOP (1.1 1.0 0.9) (0.01 0.0 -0.01) (1.0 1.0 1.05)") == 1 and "*ASC_SAT 0.9" in text
    # OTIO's own reader gives the CDL back on shot s2's clip
    document = otio.adapters.read_from_file(str(path), rate=24)
    by_name = {clip.name: clip for clip in document.video_tracks()[0].find_clips()}
    assert list(by_name["s2 A"].metadata["cdl"]["asc_sop"]["slope"]) == [1.1, 1.0, 0.9]
    assert "cdl" not in by_name["s1 A"].metadata


def test_fcpxml_does_not_depend_on_ffprobe_being_on_the_path(tmp_path, monkeypatch):
    plan, project = make_film(tmp_path)
    timeline = build_timeline(plan, project)
    out = tmp_path / "out"
    sources = Sources(base=out, media=conform_media(timeline, out, "h264"))
    without = write_interchange(timeline, out / "a.fcpxml", sources=sources).read_bytes()
    # an ffprobe that answers 1920x1080 for everything: the adapter would name the format after it
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "ffprobe"
    fake.write_text("#!/bin/sh\necho 1920x1080\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    with_ffprobe = write_interchange(timeline, out / "a.fcpxml", sources=sources).read_bytes()
    assert with_ffprobe == without
    assert b'width="96" height="64"' in without and b"FFVideoFormat" not in without  # 96x64 has no Apple name
