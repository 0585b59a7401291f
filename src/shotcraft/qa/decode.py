"""One tolerant decode pass producing the analysis proxy.

Like :func:`shotcraft.media.video.read_frames` (PyAV, RGB uint8, scaled
during conversion) but a broken packet does not end the clip: QA needs to
know *which* frames are undecodable, corrupt or missing (QA113) and still
analyse the rest. Every frame yields a small RGB proxy; every
``DETAIL_STRIDE``-th frame also yields a larger grey "detail" image for the
statistics that scaling destroys (sharpness, halos, grain).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from shotcraft.errors import InputError
from shotcraft.media.video import error_reason, stream_rate

PROXY_WIDTH = 320  # analysis proxy: flow, exposure, colour, faces
DETAIL_WIDTH = 640  # sharpness and grain statistics, sampled (half resolution for 720p)
DETAIL_STRIDE = 12  # one detail image every 12 frames (2 per second at 24 fps): sharpness and grain vary slowly
FACE_WIDTH = 640  # face detection: dlib's HOG finds faces from about 70 px, a fifth of this frame's height
FACE_STRIDE = 6  # one face image every 6 frames (4 per second at 24 fps); the tracker refines on the proxies between

# Y'CbCr -> R'G'B' luma coefficients (Kr, Kb) by the stream's matrix: 1 = BT.709; 5, 6 = BT.601
_MATRICES = {1: (0.2126, 0.0722), 5: (0.299, 0.114), 6: (0.299, 0.114)}
_PLANAR_YUV = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}


@dataclass
class DecodedFrame:
    index: int
    proxy: np.ndarray  # HxWx3 uint8 RGB, PROXY_WIDTH wide
    detail: np.ndarray | None  # HxW uint8 luma, DETAIL_WIDTH wide, on sampled frames only
    corrupt: bool  # the decoder marked it as damaged (error concealment)
    face: np.ndarray | None = None  # HxWx3 uint8 RGB, FACE_WIDTH wide, every FACE_STRIDE-th frame


@dataclass
class DecodeLog:
    path: Path
    width: int
    height: int
    rate: Fraction
    declared_frames: int
    codec: str
    decoded: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (frame index near the error, message)
    corrupt_frames: list[int] = field(default_factory=list)
    missing: list[tuple[int, int]] = field(default_factory=list)  # (after frame index, frames missing) from timestamp gaps

    @property
    def proxy_size(self) -> tuple[int, int]:
        return proxy_size(self.width, self.height, PROXY_WIDTH)


def proxy_size(width: int, height: int, target: int) -> tuple[int, int]:
    """(w, h) at most ``target`` wide, aspect kept, even numbers."""
    if width <= target:
        return width - width % 2, height - height % 2
    scaled_h = max(2, int(round(height * target / width / 2)) * 2)
    return target, scaled_h


def open_clip(path: Path) -> tuple[av.container.InputContainer, av.video.stream.VideoStream, DecodeLog]:
    """Open a clip for decoding; anything that is not a readable video is an InputError naming the file."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a video file")
    if not path.is_file():  # a FIFO would block the decoder's open forever, a device would read forever (#18 item 4)
        raise InputError(f"{path}: not a regular file (a FIFO, device or socket); give a video file")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable video ({error_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        container.close()
        raise InputError(f"{path}: video stream has no picture size (damaged header)")
    rate = stream_rate(stream)
    log = DecodeLog(path, width, height, rate, int(stream.frames or 0), stream.codec_context.name)
    return container, stream, log


def decode_proxy(path: str | Path) -> tuple[DecodeLog, Iterator[DecodedFrame]]:
    """Open ``path`` (errors raise now) and return its log plus a frame iterator that fills the log."""
    path = Path(path)
    container, stream, log = open_clip(path)
    return log, _frames(container, stream, log)


def _frames(container, stream, log: DecodeLog) -> Iterator[DecodedFrame]:
    pw, ph = log.proxy_size
    dw, dh = proxy_size(log.width, log.height, DETAIL_WIDTH)
    fw, fh = proxy_size(log.width, log.height, FACE_WIDTH)
    step = _pts_step(stream, log.rate)
    last_pts: int | None = None
    index = 0
    with container:
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                log.errors.append((index, f"demux: {error_reason(exc)}"))
                break
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError) as exc:
                log.errors.append((index, f"decode: {error_reason(exc)}"))
                continue
            for frame in frames:
                if step and frame.pts is not None and last_pts is not None:
                    gap = round((frame.pts - last_pts) / step) - 1
                    if gap > 0:
                        log.missing.append((index - 1, gap))
                if frame.pts is not None:
                    last_pts = frame.pts
                try:
                    proxy, detail, face = _convert(frame, (pw, ph), (dw, dh), (fw, fh), want_detail=index % DETAIL_STRIDE == 0,
                                                   want_face=index % FACE_STRIDE == 0)
                except (av.error.FFmpegError, ValueError) as exc:
                    log.errors.append((index, f"convert: {error_reason(exc)}"))
                    index += 1
                    continue
                corrupt = bool(getattr(frame, "is_corrupt", False))
                if corrupt:
                    log.corrupt_frames.append(index)
                log.decoded += 1
                yield DecodedFrame(index, proxy, detail, corrupt, face)
                index += 1


def _convert(frame, proxy: tuple[int, int], detail: tuple[int, int], face: tuple[int, int], *, want_detail: bool,
             want_face: bool = False) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Proxy RGB (and detail luma, and the face-detection RGB) from a decoded frame.

    8-bit planar Y'CbCr is scaled plane by plane with area averaging and
    converted with the stream's matrix and range (swscale's full-frame colour
    conversion would cost as much as decoding); other formats go through PyAV.
    """
    if frame.format.name not in _PLANAR_YUV:
        rgb = frame.to_ndarray(format="rgb24", width=proxy[0], height=proxy[1])
        gray = frame.to_ndarray(format="gray", width=detail[0], height=detail[1]) if want_detail else None
        face_rgb = frame.to_ndarray(format="rgb24", width=face[0], height=face[1]) if want_face else None
        return rgb, gray, face_rgb
    y, u, v = (_plane(p) for p in frame.planes[:3])
    full_range = frame.format.name.startswith("yuvj") or frame.color_range == 2
    default_matrix = 1 if y.shape[0] >= 720 else 6
    matrix = _MATRICES.get(frame.colorspace, _MATRICES[default_matrix])
    rgb = _yuv_to_rgb((y, u, v), proxy, matrix, full_range)
    face_rgb = _yuv_to_rgb((y, u, v), face, matrix, full_range) if want_face else None
    gray = None
    if want_detail:
        g = y if detail[0] >= y.shape[1] else cv2.resize(y, detail, interpolation=cv2.INTER_AREA)
        if not full_range:
            g = cv2.convertScaleAbs(g, alpha=255.0 / 219.0, beta=-16.0 * 255.0 / 219.0)
        gray = np.ascontiguousarray(g)
    return rgb, gray, face_rgb


def _yuv_to_rgb(planes, size: tuple[int, int], matrix: tuple[float, float], full_range: bool) -> np.ndarray:
    kr, kb = matrix
    luma, cb, cr = (cv2.resize(plane, size, interpolation=cv2.INTER_AREA).astype(np.float32) for plane in planes)
    if full_range:
        cb, cr = cb - 128.0, cr - 128.0
    else:
        luma = (luma - 16.0) * (255.0 / 219.0)
        cb, cr = (cb - 128.0) * (255.0 / 224.0), (cr - 128.0) * (255.0 / 224.0)
    red = luma + 2.0 * (1.0 - kr) * cr
    blue = luma + 2.0 * (1.0 - kb) * cb
    green = (luma - kr * red - kb * blue) / (1.0 - kr - kb)
    return np.clip(cv2.merge([red, green, blue]) + 0.5, 0, 255).astype(np.uint8)


def _plane(plane) -> np.ndarray:
    """A picture plane as a 2-D uint8 view without its line padding."""
    return np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]


def _pts_step(stream, rate: Fraction) -> float:
    """Timestamp units per frame, for spotting dropped frames; 0 when unknown."""
    if not stream.time_base or not rate:
        return 0.0
    return float(1 / (rate * stream.time_base))
