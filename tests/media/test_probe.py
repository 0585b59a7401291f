"""The one probe: stream facts read once, the same way, for the pipeline and for delivery conformance.

Files are made by the ffmpeg binary to an exact specification (frame count, rate, audio length), so
the probe is checked against what was asked of an independent encoder, not against itself.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from shotcraft.deliver.conformance import probe_facts
from shotcraft.errors import InputError
from shotcraft.media.video import ffmpeg_exe, probe


def _ffmpeg(path: Path, *args: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-y", "-v", "error", "-nostdin", *args, str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("probe")
    return {
        # H.264 + AAC in MP4: the header counts frames; AAC priming is hidden by an edit list
        "mp4": _ffmpeg(folder / "a.mp4", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5",
                       "-frames:v", "36", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-ac", "2", "-movflags", "+faststart"),
        # FFV1 + PCM in Matroska at 24000/1001: no frame count in the header, so the probe counts packets
        "mkv": _ffmpeg(folder / "b.mkv", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24000/1001", "-f", "lavfi", "-i", "sine=duration=1",
                       "-frames:v", "24", "-c:v", "ffv1", "-pix_fmt", "yuv422p10le", "-c:a", "pcm_s24le", "-ar", "48000"),
    }  # fmt: skip


def test_probe_reads_what_ffmpeg_was_asked_to_write(files) -> None:
    mp4, mkv = probe(files["mp4"]), probe(files["mkv"])
    assert (mp4.codec, mp4.pix_fmt, mp4.width, mp4.height, mp4.rate, mp4.frames) == ("h264", "yuv420p", 160, 90, Fraction(24), 36)
    assert mp4.duration == pytest.approx(1.5) and mp4.stream_duration == pytest.approx(1.5)
    assert mp4.audio is not None and (mp4.audio.codec, mp4.audio.rate, mp4.audio.channels) == ("aac", 48000, 2)
    assert mp4.audio.duration == pytest.approx(1.5, abs=0.001)  # the edit list honoured: priming not counted
    assert (mkv.codec, mkv.rate, mkv.declared_rate, mkv.frames) == ("ffv1", Fraction(24000, 1001), Fraction(24000, 1001), 24)
    assert mkv.audio is not None and mkv.audio.codec == "pcm_s24le"


def test_counting_every_packet_agrees_with_the_header(files) -> None:
    for path in files.values():
        header, counted = probe(path), probe(path, count_frames=True)
        assert counted.frames == header.frames
        assert counted.audio is not None and counted.audio.duration == pytest.approx(header.audio.duration or counted.audio.duration, abs=0.03)


def test_conformance_facts_are_the_probe_s_facts(files) -> None:
    for path in files.values():
        info, facts = probe(path, count_frames=True), probe_facts(path)
        assert (facts["codec"], facts["pix_fmt"], facts["width"], facts["height"]) == (info.codec, info.pix_fmt, info.width, info.height)
        assert (facts["rate"], facts["frames"], facts["has_audio"]) == (info.declared_rate, info.frames, True)
        assert (facts["audio_codec"], facts["audio_rate"], facts["audio_duration"]) == (info.audio.codec, info.audio.rate, info.audio.duration)
    assert probe_facts(files["mp4"])["moov_before_mdat"] is True and probe_facts(files["mkv"])["moov_before_mdat"] is None


def test_one_error_for_a_file_that_is_not_a_video(tmp_path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    sound = _ffmpeg(tmp_path / "sound.wav", "-f", "lavfi", "-i", "sine=duration=0.2")
    for read in (probe, probe_facts):
        with pytest.raises(InputError, match=r"junk\.mp4: not a readable video \("):
            read(junk)
        with pytest.raises(InputError, match=r"sound\.wav: no video stream"):
            read(sound)
