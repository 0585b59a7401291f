"""Frames served by number: a per-take frame index, decoded once with PyAV, kept as JPEG.

Why frames by number rather than a <video> element: a browser's video
element seeks by time and reports ``currentTime``, so a frame counter derived
from it is time arithmetic, off by one at the edges of a frame (Kitsu's
cgwire/kitsu#1595), and two video elements drift apart. Here frame *n* is the
*n*-th frame PyAV decodes from the take's stream, JPEG-encoded once and
cached; the response says which frame it is (``X-Frame-Index``) and the page
paints every pane from the same number in the same animation frame. The
takes are short (3-5 s at 24 fps), so a whole take decodes in well under a
second and stays in memory (bounded, least recently used first out).

The first request for a take starts one decoding thread for it; a request
for frame *n* waits only until frame *n* is ready, so the first picture comes
after one frame's decode, not the whole take's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import av
import cv2
import numpy as np

JPEG_QUALITY = 90
CACHE_BYTES = 768 * 1024 * 1024


class FrameError(Exception):
    pass


class TakeFrames:
    """The JPEG frames of one take, filled by one decoding thread."""

    def __init__(self, path: Path, quality: int = JPEG_QUALITY) -> None:
        self.path = path
        self.quality = quality
        self.frames: list[bytes] = []
        self.finished = False
        self.error: str | None = None
        self.bytes = 0
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._decode, name=f"frames-{path.name[:12]}", daemon=True)
        self._thread.start()

    def _decode(self) -> None:
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                for frame in container.decode(stream):
                    data = encode_jpeg(frame.to_ndarray(format="bgr24"), self.quality)
                    with self._ready:
                        self.frames.append(data)
                        self.bytes += len(data)
                        self._ready.notify_all()
        except (av.error.FFmpegError, OSError) as exc:
            self.error = f"{self.path.name}: decoding failed at frame {len(self.frames)} ({exc})"
        finally:
            with self._ready:
                self.finished = True
                self._ready.notify_all()

    def frame(self, index: int, timeout: float = 30.0) -> bytes | None:
        """Frame ``index`` as JPEG, waiting for the decoder if needed; None past the end."""
        with self._ready:
            self._ready.wait_for(lambda: len(self.frames) > index or self.finished, timeout=timeout)
            if index < len(self.frames):
                return self.frames[index]
            if self.error:
                raise FrameError(self.error)
            return None


def encode_jpeg(bgr: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise FrameError("JPEG encoding failed")
    return data.tobytes()


class FrameCache:
    """Take id -> its frames, least recently used evicted past ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._takes: OrderedDict[str, TakeFrames] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, take_id: str, path: Path) -> TakeFrames:
        with self._lock:
            frames = self._takes.get(take_id)
            if frames is None:
                frames = self._takes[take_id] = TakeFrames(path)
            self._takes.move_to_end(take_id)
            self._evict()
            return frames

    def frame(self, take_id: str, path: Path, index: int) -> bytes | None:
        return self.take(take_id, path).frame(index)

    def _evict(self) -> None:
        total = sum(t.bytes for t in self._takes.values())
        while total > self.limit and len(self._takes) > 1:
            _, oldest = self._takes.popitem(last=False)
            total -= oldest.bytes
