"""Video I/O through PyAV: frames flow as HxWx3 uint8 RGB NumPy arrays, never a whole film in memory.

The ffmpeg binary (for filters PyAV does not expose) comes from imageio-ffmpeg
and is looked up only when first needed, never at import time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from shotcraft.errors import InputError


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


def probe(path: str | Path) -> VideoInfo:
    """Read stream facts; frame count by demuxing packets when the header lacks it."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{path}: no video stream")
            stream = container.streams.video[0]
            rate = Fraction(stream.average_rate or stream.guessed_rate or 24)
            frames = stream.frames
            if not frames:
                frames = sum(1 for packet in container.demux(stream) if packet.size)
            duration = float(frames / rate) if rate else 0.0
            return VideoInfo(
                path=path,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                rate=rate,
                frames=int(frames),
                duration=duration,
                codec=stream.codec_context.name,
                pix_fmt=stream.codec_context.pix_fmt or "",
                has_audio=bool(container.streams.audio),
            )
    except InputError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable video ({_reason(exc)})") from None


def read_frames(path: str | Path, *, size: tuple[int, int] | None = None, start: int = 0, count: int | None = None) -> Iterator[np.ndarray]:
    """Decode frames as RGB uint8 arrays; ``size=(w, h)`` scales during conversion (cheap proxies)."""
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"{path}: not a readable video ({_reason(exc)})") from None
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(stream):
                if index >= start:
                    if count is not None and index >= start + count:
                        break
                    if size is not None:
                        yield frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                    else:
                        yield frame.to_ndarray(format="rgb24")
                index += 1
        except av.error.FFmpegError as exc:
            raise InputError(f"{path}: decoding failed at frame {index} ({_reason(exc)})") from None


# Encoder presets: name -> (codec, pix_fmt, options). Deterministic: no wall-clock metadata.
ENCODERS: dict[str, tuple[str, str, dict[str, str]]] = {
    # intermediate takes: visually lossless H.264
    "take": ("libx264", "yuv420p", {"crf": "14", "preset": "fast"}),
    # rough cut / distribution: H.264 High, BT.709
    "h264": ("libx264", "yuv420p", {"crf": "18", "preset": "medium", "profile": "high"}),
    "prores": ("prores_ks", "yuv422p10le", {"profile": "3"}),  # 3 = 422 HQ
    "ffv1": ("ffv1", "yuv422p10le", {"level": "3", "g": "1", "slicecrc": "1"}),
}


class VideoWriter:
    """Encode RGB frames to a file with PyAV. Use as a context manager; call ``write(frame)``."""

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
    ) -> None:
        codec, pix_fmt, preset_options = ENCODERS[encoder]
        self.path = Path(path)
        self.width, self.height = width, height
        container_options = {"movflags": "+faststart"} if faststart else {}
        self._container = av.open(str(self.path), mode="w", options=container_options)
        self._stream = self._container.add_stream(codec, rate=rate)
        self._stream.width = width
        self._stream.height = height
        self._stream.pix_fmt = pix_fmt
        self._stream.options = {**preset_options, **(options or {})}
        self._bt709 = bt709
        if bt709:
            self._stream.codec_context.color_primaries = 1
            self._stream.codec_context.color_trc = 1
            self._stream.codec_context.colorspace = 1
            self._stream.codec_context.color_range = 1  # limited (tv)
        self.frames_written = 0

    def write(self, frame: np.ndarray) -> None:
        if frame.shape[0] != self.height or frame.shape[1] != self.width:
            raise ValueError(f"frame is {frame.shape[1]}x{frame.shape[0]}, writer expects {self.width}x{self.height}")
        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame, dtype=np.uint8), format="rgb24")
        if self._bt709:
            # Convert with the BT.709 matrix the stream is tagged with (swscale's default is BT.601,
            # which would shift every saturated colour on decode).
            video_frame = video_frame.reformat(
                format=self._stream.pix_fmt, dst_colorspace="ITU709", dst_color_range="MPEG", interpolation="BICUBIC"
            )
            video_frame.colorspace = 1
            video_frame.color_range = 1
        for packet in self._stream.encode(video_frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self._container.close()
            except Exception:  # noqa: BLE001 - already failing; keep the original error
                pass


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg (no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], *, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with an argument list (never a shell string); surface its stderr on failure."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise InputError(f"{what}: ffmpeg failed ({tail[0]})")
    return result


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
