"""A small real clip from a keyframe: the picture panned slightly, H.264 in mp4, byte-identical for the same input."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def clip_from_image(image_bytes: bytes, *, width: int, height: int, seconds: float, fps: int = 24) -> bytes:
    """``seconds`` x ``fps`` frames of the image scaled to cover width x height, panning a few pixels left to right."""
    frames = max(1, round(seconds * fps))
    margin = max(4, width // 20)
    with Image.open(io.BytesIO(image_bytes)) as opened:
        picture = opened.convert("RGB")
    scale = max((width + margin) / picture.width, height / picture.height)
    size = (max(width + margin, round(picture.width * scale)), max(height, round(picture.height * scale)))
    big = np.asarray(picture.resize(size, Image.Resampling.BILINEAR))
    top = (big.shape[0] - height) // 2
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        # one thread: the same keyframe always gives the same bytes (with this PyAV build)
        stream.codec_context.thread_count = 1
        stream.codec_context.options = {"preset": "ultrafast", "crf": "28", "threads": "1"}
        for index in range(frames):
            left = round(margin * index / max(1, frames - 1))
            crop = np.ascontiguousarray(big[top : top + height, left : left + width])
            frame = av.VideoFrame.from_ndarray(crop, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()
