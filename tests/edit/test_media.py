"""The media folder's codecs, read back with PyAV: DNxHR HQ, the H.264 take stream-copied, clear errors."""

from __future__ import annotations

from fractions import Fraction

import av
import pytest

from shotcraft.edit.media import conform_media
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from tests.edit.conftest import write_take


def _timeline(take, width, height) -> Timeline:
    event = CutEvent(shot_id="s1", take="A", clip_path=take.clip_path, source_in=2, duration=4, record_in=0, take_frames=take.frames)
    return Timeline(title="T", rate=Fraction(24), width=width, height=height, events=(event,), production_id="t")


def test_dnxhr_and_h264_media_carry_every_frame_timecode_and_reel(tmp_path):
    take = write_take(tmp_path, "s1", 8, size=(256, 144))
    for codec, expected in (("dnxhr", ("dnxhd", "DNXHR HQ")), ("h264", ("h264", None))):
        [media] = conform_media(_timeline(take, 256, 144), tmp_path / codec, codec).values()
        assert media.path.name == "s1_A.mov" and media.reel == "S1A"
        with av.open(str(media.path)) as container:
            video = container.streams.video[0]
            assert video.codec_context.name == expected[0] and video.frames == 8  # the whole take, handles included
            if expected[1]:
                assert (video.codec_context.profile, video.codec_context.pix_fmt) == (expected[1], "yuv422p")
            [tmcd] = [s for s in container.streams if s.type == "data"]
            assert (tmcd.metadata["timecode"], tmcd.metadata["reel_name"]) == ("00:00:00:00", "S1A")
    copied = (tmp_path / "h264" / "media" / "s1_A.mov")
    with av.open(str(copied)) as a, av.open(str(take.clip_path)) as b:  # stream copy: the take's own packets
        assert [bytes(p) for p in a.demux(a.streams.video[0]) if p.size] == [bytes(p) for p in b.demux(b.streams.video[0]) if p.size]


def test_media_errors_name_the_field_and_stale_files_leave(tmp_path):
    take = write_take(tmp_path, "s1", 4)
    with pytest.raises(InputError, match="delivery.editing_media: DNxHR needs at least 256x120"):
        conform_media(_timeline(take, 96, 64), tmp_path / "out", "dnxhr")
    with pytest.raises(InputError, match="delivery.editing_media: expected one of"):
        conform_media(_timeline(take, 96, 64), tmp_path / "out", "mpeg2")
    (tmp_path / "out" / "media").mkdir(parents=True, exist_ok=True)
    (tmp_path / "out" / "media" / "s9_B.mov").write_bytes(b"old")
    timeline = _timeline(take, 96, 64)
    conform_media(timeline, tmp_path / "out", "prores")
    assert sorted(p.name for p in (tmp_path / "out" / "media").iterdir()) == ["s1_A.mov"]


def test_a_recut_encodes_only_the_takes_that_changed_and_matches_a_fresh_conform(tmp_path):
    """A one-shot edit re-encodes that shot's media file only; every file equals a conform into an empty folder."""
    first, second = write_take(tmp_path, "s1", 6), write_take(tmp_path, "s2", 6)
    events = (CutEvent("s1", "A", first.clip_path, 0, 4, 0, take_frames=6), CutEvent("s2", "A", second.clip_path, 0, 4, 4, take_frames=6))
    timeline = Timeline(title="T", rate=Fraction(24), width=96, height=64, events=events, production_id="t")
    out = tmp_path / "out"
    media = {key: m.path for key, m in conform_media(timeline, out, "prores").items()}
    stamp = {key: (p.stat().st_ino, p.stat().st_mtime_ns) for key, p in media.items()}
    conform_media(timeline, out, "prores")  # nothing changed: nothing encoded (an encode renames a new file in)
    assert {key: (p.stat().st_ino, p.stat().st_mtime_ns) for key, p in media.items()} == stamp

    (tmp_path / "new").mkdir()
    reworded = write_take(tmp_path / "new", "s2", 6, label="B")  # other pictures for the same shot
    edited = Timeline(title="T", rate=Fraction(24), width=96, height=64, production_id="t",
                      events=(events[0], CutEvent("s2", "A", reworded.clip_path, 0, 4, 4, take_frames=6)))  # fmt: skip
    conform_media(edited, out, "prores")
    assert (media["s1", "A"].stat().st_ino, media["s1", "A"].stat().st_mtime_ns) == stamp["s1", "A"]  # reused
    assert media["s2", "A"].stat().st_ino != stamp["s2", "A"][0]  # re-encoded from the new take
    media["s1", "A"].write_bytes(b"touched up by hand")  # a file changed since its encode is encoded again
    conform_media(edited, out, "prores")
    fresh = conform_media(edited, tmp_path / "fresh", "prores")
    for key, path in media.items():
        assert path.read_bytes() == fresh[key].path.read_bytes(), key
    with av.open(str(media["s2", "A"])) as container:  # the new take's pictures, read back independently
        assert container.streams.video[0].frames == 6 and container.streams.video[0].codec_context.name == "prores"
