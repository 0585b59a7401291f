"""The shared video writer: deterministic bytes, faithful BT.709 colour, an exact-length audio track."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from shotcraft.errors import InputError
from shotcraft.media.video import _PR_SET_THP_DISABLE, ENCODERS, AudioTrack, VideoWriter, probe, read_frames

PATCHES = np.zeros((64, 64, 3), dtype=np.uint8)
PATCHES[:, :32], PATCHES[:, 32:] = (220, 40, 40), (40, 180, 60)


def _encode(path: Path, encoder: str, *, audio: AudioTrack | None = None, frames: int = 6) -> Path:
    with VideoWriter(path, 64, 64, Fraction(24000, 1001), encoder=encoder, audio=audio, faststart=path.suffix == ".mp4") as writer:
        for index in range(frames):
            writer.write(np.roll(PATCHES, index, axis=1))
    return path


@pytest.mark.parametrize(("encoder", "suffix"), [("take", ".mp4"), ("h264", ".mp4"), ("prores", ".mov"), ("ffv1", ".mkv")])
def test_same_frames_give_the_same_bytes_and_colour_round_trips(tmp_path: Path, encoder: str, suffix: str) -> None:
    first = _encode(tmp_path / f"one{suffix}", encoder)
    second = _encode(tmp_path / f"two{suffix}", encoder)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    decoded = next(read_frames(first)).astype(int)
    assert np.abs(decoded[20:44, 8:24] - (220, 40, 40)).max() <= 4  # a BT.601/709 mix-up is ~15 codes off
    info = probe(first)
    decoder_name = {"libx264": "h264", "prores_ks": "prores", "prores_aw": "prores", "ffv1": "ffv1"}[ENCODERS[encoder][0]]
    assert (info.codec, info.pix_fmt, info.rate, info.frames) == (decoder_name, ENCODERS[encoder][1], Fraction(24000, 1001), 6)
    with av.open(str(first)) as container:
        context = container.streams.video[0].codec_context
        assert (context.color_primaries, context.color_trc, context.colorspace) == (1, 1, 1)  # BT.709 tags


def _audio_seconds(path: Path) -> tuple[float, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate, stream.codec_context.sample_rate, stream.codec_context.channels


def test_mono_audio_is_48k_stereo_at_full_level_and_cut_to_the_picture(tmp_path: Path) -> None:
    wav = tmp_path / "mono.wav"
    soundfile.write(str(wav), np.full(44100 * 2, 0.25, dtype=np.float32), 44100)  # 2 s of DC, mono, 44.1 kHz
    out = _encode(tmp_path / "av.mov", "prores", audio=AudioTrack(wav, "pcm_s24le", Fraction(6 * 1001, 24000)))
    seconds, rate, channels = _audio_seconds(out)
    assert (rate, channels) == (48000, 2)
    assert seconds == pytest.approx(6 * 1001 / 24000, abs=1 / 48000)
    with av.open(str(out)) as container:
        block = next(container.decode(container.streams.audio[0])).to_ndarray()  # s32, interleaved L R L R
    levels = block.reshape(-1, 2)[500:1500] / 2**31
    assert np.allclose(levels, 0.25, atol=2e-3)  # both channels, no -3 dB upmix


def test_short_audio_is_padded_and_no_file_means_silence(tmp_path: Path) -> None:
    wav = tmp_path / "short.wav"
    soundfile.write(str(wav), np.full((2400, 2), 0.5, dtype=np.float32), 48000)  # 50 ms
    padded = _encode(tmp_path / "pad.mp4", "h264", audio=AudioTrack(wav, "aac", Fraction(6 * 1001, 24000), 128_000))
    silent = _encode(tmp_path / "mos.mp4", "h264", audio=AudioTrack(None, "aac", Fraction(6 * 1001, 24000), 128_000))
    for path in (padded, silent):
        assert probe(path).has_audio
        assert _audio_seconds(path)[0] == pytest.approx(6 * 1001 / 24000, abs=0.03)  # AAC frames are 1024 samples


def test_unreadable_or_missing_audio_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "mix.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(InputError, match="mix.wav: not a readable audio file"):
        _encode(tmp_path / "x.mov", "prores", audio=AudioTrack(bad, "pcm_s24le", Fraction(1, 4)))
    with pytest.raises(InputError, match="absent.wav: audio file not found"):
        _encode(tmp_path / "y.mov", "prores", audio=AudioTrack(tmp_path / "absent.wav", "pcm_s24le", Fraction(1, 4)))


@pytest.mark.parametrize(("banner", "major"), [("ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright", 9),
                                               ("ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright", 4),
                                               ("ffmpeg version N-112233-gabcdef Copyright", None)])  # fmt: skip
def test_the_major_version_is_what_the_binary_states(tmp_path: Path, banner: str, major: int | None) -> None:
    from shotcraft.media.video import ffmpeg_major_version

    binary = tmp_path / "ffmpeg"
    binary.write_text(f"#!/bin/sh\necho '{banner}'\n")
    binary.chmod(0o755)
    assert ffmpeg_major_version(str(binary)) == major
    assert ffmpeg_major_version(str(tmp_path / "missing")) is None


def _huge_pages_allowed(pid: int | str) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    return status.split("THP_enabled:")[1].split()[0] == "1"


@pytest.mark.skipif(not Path("/proc/self/status").is_file() or "THP_enabled" not in Path("/proc/self/status").read_text(),
                    reason="the kernel states no per-process huge-page flag here")  # fmt: skip
def test_the_encoder_runs_without_huge_pages_and_this_process_keeps_its_own(tmp_path: Path) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    assert _huge_pages_allowed("self")
    writer = VideoWriter(tmp_path / "a.mp4", 64, 64, Fraction(24), encoder="web")
    try:
        assert not _huge_pages_allowed(writer._process.pid)  # what x264 asks of madvise is refused: 4 KB pages
        assert _huge_pages_allowed("self")  # the host process's policy is put back
        writer.write(np.zeros((64, 64, 3), np.uint8))
    finally:
        writer.close()
    # a process that had turned them off itself keeps them off
    assert libc.prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    try:
        with VideoWriter(tmp_path / "b.mp4", 64, 64, Fraction(24), encoder="web") as other:
            other.write(np.zeros((64, 64, 3), np.uint8))
        assert not _huge_pages_allowed("self")
    finally:
        libc.prctl(_PR_SET_THP_DISABLE, 0, 0, 0, 0)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
