"""Video I/O through PyAV: frames flow as HxWx3 uint8 RGB NumPy arrays, never a whole film in memory.

The ffmpeg binary (for filters PyAV does not expose) comes from imageio-ffmpeg
and is looked up only when first needed, never at import time.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from shotcraft.errors import InputError, ShotcraftError


@dataclass(frozen=True)
class AudioStreamInfo:
    codec: str
    rate: int
    channels: int
    #: seconds: the stream's own duration (edit lists honoured, so AAC priming is not counted), else the sum
    #: of its packets' durations when the probe counted them, else 0
    duration: float


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    width: int
    height: int
    rate: Fraction
    frames: int
    duration: float  # seconds
    codec: str
    pix_fmt: str
    has_audio: bool
    # what a deliverable's conformance reads beyond the pipeline's needs
    container: str = ""
    profile: str | None = None
    color_tags: tuple[int | None, int | None, int | None] = (None, None, None)  # primaries, transfer, matrix
    declared_rate: Fraction | None = None  # None: the stream declares no rate (``rate`` then assumes 24)
    stream_duration: float | None = None  # the container's own account of the video (edit lists honoured)
    audio: AudioStreamInfo | None = None


def probe(path: str | Path, *, count_frames: bool = False) -> VideoInfo:
    """Read stream facts: the one probe of the project (PyAV, what ffprobe reads).

    The frame count is the header's, or counted by demuxing packets when the header lacks it or
    ``count_frames`` asks (a deliverable's conformance counts, never trusts a header).
    """
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{path}: no video stream")
            stream = container.streams.video[0]
            context = stream.codec_context
            declared = stream.average_rate or stream.guessed_rate
            rate = stream_rate(stream)
            audio = container.streams.audio[0] if container.streams.audio else None
            frames = stream.frames
            packet_seconds = 0.0
            if count_frames or not frames:
                frames, packet_ticks = _count_packets(container, stream, audio)
                packet_seconds = float(packet_ticks * audio.time_base) if audio is not None and audio.time_base else 0.0
            audio_info = None
            if audio is not None:
                own = float(audio.duration * audio.time_base) if audio.duration and audio.time_base else None
                audio_info = AudioStreamInfo(audio.codec_context.name, audio.codec_context.sample_rate, audio.codec_context.channels,
                                             own if own is not None else packet_seconds)  # fmt: skip
            return VideoInfo(
                path=path,
                width=context.width,
                height=context.height,
                rate=rate,
                frames=int(frames),
                duration=float(frames / rate) if rate else 0.0,
                codec=context.name,
                pix_fmt=context.pix_fmt or "",
                has_audio=audio is not None,
                container=container.format.name,
                profile=context.profile,
                color_tags=(_enum_int(context.color_primaries), _enum_int(context.color_trc), _enum_int(context.colorspace)),
                declared_rate=Fraction(declared) if declared else None,
                stream_duration=float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None,
                audio=audio_info,
            )
    except InputError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable video ({error_reason(exc)})") from None


def stream_rate(stream: av.VideoStream) -> Fraction:
    """A video stream's frame rate: the average it declares, else the one PyAV guesses, else 24 (assumed)."""
    return Fraction(stream.average_rate or stream.guessed_rate or 24)


def _count_packets(container: av.container.InputContainer, video: av.VideoStream, audio: av.AudioStream | None) -> tuple[int, int]:
    """(video packets with data, the audio packets' summed duration in its time base) by demuxing."""
    frames = ticks = 0
    for packet in container.demux(*([video] + ([audio] if audio is not None else []))):
        if packet.size:
            if packet.stream.index == video.index:
                frames += 1
            else:
                ticks += packet.duration or 0
    return frames, ticks


def _enum_int(value: object) -> int | None:
    """A colour tag as its number (PyAV gives enums or ints, None when unset)."""
    try:
        return None if value is None else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def read_frames(path: str | Path, *, size: tuple[int, int] | None = None, start: int = 0, count: int | None = None,
                only: Collection[int] | None = None) -> Iterator[np.ndarray]:
    """Decode frames as RGB uint8 arrays; ``size=(w, h)`` scales during conversion (cheap proxies).

    ``only``: the frame indices wanted among ``start .. start + count``; the others are decoded (a stream decodes in
    order) but not converted, which is most of a small sample's cost.
    """
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"{path}: not a readable video ({error_reason(exc)})") from None
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(stream):
                if index >= start:
                    if count is not None and index >= start + count:
                        break
                    if only is None or index in only:
                        yield frame.to_ndarray(format="rgb24", width=size[0], height=size[1]) if size else frame.to_ndarray(format="rgb24")
                index += 1
        except av.error.FFmpegError as exc:
            raise InputError(f"{path}: decoding failed at frame {index} ({error_reason(exc)})") from None


class EncodeError(ShotcraftError):
    code = "encode-failed"
    exit_code = 1


# Encoder presets: name -> (codec, pix_fmt, options). Options are ffmpeg flags without the dash.
ENCODERS: dict[str, tuple[str, str, dict[str, str]]] = {
    # intermediate takes: visually lossless H.264
    "take": ("libx264", "yuv420p", {"preset": "fast", "crf": "14"}),
    # rough cut / distribution: H.264 High
    "h264": ("libx264", "yuv420p", {"preset": "medium", "crf": "18", "profile:v": "high"}),
    # platform uploads: H.264 High at a set bitrate (shotcraft.deliver.encode.platform_options adds it)
    "web": ("libx264", "yuv420p", {"preset": "medium", "profile:v": "high"}),
    # 3 = 422 HQ. prores_aw, not prores_ks: same profile (the file says ProRes 422 HQ, 10-bit 4:2:2), and
    # measured by bench/prores.py on a real photograph at 720p against a lossless 10-bit reference it is
    # no worse (luma PSNR 62.3 dB against prores_ks' 60.1, SSIM 0.9997 against 0.9994) at 0.43 of the CPU;
    # it spends about a quarter more bytes, which a master can afford. It is intra-only like prores_ks,
    # so per-segment encodes concatenate exactly.
    "prores": ("prores_aw", "yuv422p10le", {"profile:v": "3", "vendor": "apl0"}),
    "ffv1": ("ffv1", "yuv422p10le", {"level": "3", "g": "1", "slicecrc": "1"}),
}


AUDIO_RATE = 48000


@dataclass(frozen=True)
class AudioTrack:
    """The sound muxed beside the video: a file (resampled to 48 kHz stereo) or silence.

    The track is padded with silence or cut so it lasts exactly ``duration``
    seconds (the picture's length), so audio and video end together.
    """

    path: Path | None
    codec: str  # "aac", "pcm_s24le"
    duration: Fraction
    bit_rate: int | None = None


class VideoWriter:
    """Encode RGB frames by piping them to the ffmpeg binary. Use as a context manager; call ``write(frame)``.

    Why the binary and not PyAV's encoder: measured with PyAV 18.1, the same
    frames encoded twice through PyAV's libx264 gave different bytes whenever
    frames arrived at a different pace (always the case while generating),
    while the ffmpeg binary with ``+bitexact`` gave identical bytes every time.
    Colour is converted with the BT.709 matrix the stream is tagged with.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        rate: Fraction,
        *,
        encoder: str = "take",
        options: dict[str, str] | None = None,
        bt709: bool = True,
        faststart: bool = False,
        audio: AudioTrack | None = None,
    ) -> None:
        codec, pix_fmt, preset_options = ENCODERS[encoder]
        self.path = Path(path)
        self.width, self.height = width, height
        self.frames_written = 0
        matrix = ":out_color_matrix=bt709:out_range=tv" if bt709 else ""
        # setparams: the filter's frames carry the tags, else primaries/transfer stay "unspecified"
        tags = ",setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv" if bt709 else ""
        command = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", _rate_text(rate),
            "-i", "pipe:0",
        ]  # fmt: skip
        if audio is not None:
            command += _audio_inputs(audio)
        command += [
            "-vf", f"scale=flags=bicubic+accurate_rnd+full_chroma_int{matrix},format={pix_fmt}{tags}",
            "-c:v", codec,
        ]  # fmt: skip
        for key, value in {**preset_options, **(options or {})}.items():
            command += [f"-{key}", str(value)]
        if bt709:
            command += ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]
        if audio is not None:
            command += _audio_outputs(audio)
        command += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
        if faststart:
            command += ["-movflags", "+faststart"]
        command += [str(self.path)]
        with _without_huge_pages():
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame is {frame.shape} {frame.dtype}, writer expects {self.height}x{self.width}x3 uint8")
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            self._fail()
        self.frames_written += 1

    def end_input(self) -> None:
        """Send the end of the frames without waiting, so several encoders flush their last frames at
        once (x264 holds its lookahead, 40 frames, until then); :meth:`close` then waits."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass

    def close(self) -> None:
        self.end_input()
        if self._process.wait() != 0:
            self._fail()

    def abort(self) -> None:
        """Stop the encoder without finishing the file (the caller discards it)."""
        self._process.kill()
        self._process.wait()

    def _fail(self) -> None:
        self.abort()
        assert self._process.stderr is not None
        lines = self._process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        raise EncodeError(f"{self.path.name}: ffmpeg failed ({lines[-1] if lines else 'no message'})")

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


# <linux/prctl.h>: a process's "no transparent huge pages" flag, kept by the children it starts (fork and exec)
_PR_SET_THP_DISABLE, _PR_GET_THP_DISABLE = 41, 42
_HUGE_PAGES_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_huge_pages() -> Iterator[None]:
    """The encoder started inside runs without transparent huge pages; this process's own setting is put back after.

    Why: x264 asks for huge pages (madvise) on each of its frame buffers, so each first touch makes the kernel zero
    2 MB, most of which it never uses, and every segment is a new encoder process that does this again. Measured on
    a 96-frame 1080p web-preset segment started after the machine sat idle (a one-shot re-edit): 2.0-3.6 CPU-s of
    kernel time per encode with them, 0.35-0.55 without, user time unchanged (bench/README.md). The bytes are the
    same (where memory comes from does not enter the encode). The flag is the process's, so it is set, the encoder
    started, and the old value restored under a lock: the host process (a notebook, the studio) keeps its own memory
    policy. Anywhere but Linux, or where prctl refuses, nothing changes.
    """
    libc = _libc()
    if libc is None:
        yield
        return
    with _HUGE_PAGES_LOCK:
        before = libc.prctl(_PR_GET_THP_DISABLE, 0, 0, 0, 0)
        changed = before == 0 and libc.prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
        try:
            yield
        finally:
            if changed:
                libc.prctl(_PR_SET_THP_DISABLE, 0, 0, 0, 0)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _audio_inputs(audio: AudioTrack) -> list[str]:
    if audio.path is None:
        return ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
    if not Path(audio.path).is_file():
        raise InputError(f"{audio.path}: audio file not found")
    return ["-i", str(audio.path)]


def _audio_outputs(audio: AudioTrack) -> list[str]:
    # a mono file plays on both sides at full level (ffmpeg's default upmix would drop it 3 dB)
    upmix = "pan=stereo|c0=c0|c1=c0," if audio.path is not None and _channels(audio.path) == 1 else ""
    seconds = f"{float(audio.duration):.6f}"
    args = ["-map", "0:v:0", "-map", "1:a:0", "-c:a", audio.codec, "-ar", str(AUDIO_RATE), "-ac", "2",
            "-af", f"{upmix}apad,atrim=end={seconds}", "-t", seconds]  # fmt: skip
    if audio.bit_rate:
        args += ["-b:a", str(audio.bit_rate)]
    return args


def _channels(path: Path) -> int:
    import soundfile

    try:
        return soundfile.info(str(path)).channels
    except (RuntimeError, soundfile.LibsndfileError) as exc:  # type: ignore[attr-defined]
        try:  # a video file's own sound (an imported clip): libsndfile does not read MP4/MOV
            with av.open(str(path)) as container:
                if container.streams.audio:
                    return container.streams.audio[0].codec_context.channels
        except (av.error.FFmpegError, OSError):
            pass
        raise InputError(f"{path}: not a readable audio file ({exc})") from None


def _rate_text(rate: Fraction) -> str:
    rate = Fraction(rate)
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg (no system ffmpeg needed)."""
    import imageio_ffmpeg

    configured = os.environ.get("IMAGEIO_FFMPEG_EXE")
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise InputError(f"no ffmpeg found ({error_reason(exc)}); reinstall imageio-ffmpeg or set IMAGEIO_FFMPEG_EXE") from None
    # imageio-ffmpeg hands back IMAGEIO_FFMPEG_EXE as given, even when nothing is there
    if configured and shutil.which(exe) is None:
        raise InputError(f"IMAGEIO_FFMPEG_EXE={configured!r} is not an executable ffmpeg; fix or unset it")
    return exe


@functools.cache
def ffmpeg_banner(exe: str) -> bytes:
    """What the ffmpeg at ``exe`` says it is on ``-version`` (version, build configuration, its libraries' versions),
    asked once a process; raises OSError or subprocess.SubprocessError when it cannot say."""
    return subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, check=True, timeout=60).stdout


def ffmpeg_major_version(exe: str) -> int | None:
    """The major version the ffmpeg at ``exe`` states ("ffmpeg version n9.0.2-..." -> 9); None when it states none
    (a git snapshot: "N-112233-g...") or cannot say. Where a feature needs a release, an older binary the user
    pointed IMAGEIO_FFMPEG_EXE at is not given it."""
    try:
        banner = ffmpeg_banner(exe)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(rb"ffmpeg version n?(\d+)\.", banner)
    return int(found.group(1)) if found else None


def run_ffmpeg(args: Sequence[str], *, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with an argument list (never a shell string); surface its stderr on failure."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise InputError(f"{what}: ffmpeg failed ({tail[0]})")
    return result


def error_reason(exc: BaseException) -> str:
    """The first line of a decoder's or the system's error, for a one-line message naming the file."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
