"""Play the cut frame by frame: takes decoded in order, transitions composited, never a film in memory.

``render_frames`` is the one place the edit turns into pixels; the rough cut,
the grade (through ``transform``) and the deliverables all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotcraft.backends.camera import cover_resize
from shotcraft.edit.build import transition_window
from shotcraft.edit.timeline import CutEvent, Timeline
from shotcraft.errors import InputError
from shotcraft.fsutil import atomic_path
from shotcraft.media.video import AudioTrack, VideoWriter, read_frames

#: the rough cut's sound: AAC at a bitrate that keeps the mix clean for review
ROUGH_CUT_AUDIO_BITRATE = 256_000

#: transform(shot_id, frame_index_in_take, frame) -> frame, applied per shot before compositing
FrameTransform = Callable[[str, int, np.ndarray], np.ndarray]


class _TakeReader:
    """Sequential access to one take's frames by index (forward only, as the cut plays)."""

    def __init__(self, event: CutEvent, rate: Fraction, size: tuple[int, int]) -> None:
        self.event = event
        self.film_rate = rate
        self.size = size
        self._frames = read_frames(event.clip_path)
        self._index = -1
        self._current: np.ndarray | None = None

    def take_index(self, film_frame: int) -> int:
        """Film frame (counted from the take's start) -> index in the take file."""
        rate = self.event.source_rate
        if rate is None or rate == self.film_rate:
            return film_frame
        return int(Fraction(film_frame) * rate / self.film_rate)

    def frame(self, film_frame: int) -> tuple[int, np.ndarray]:
        target = max(self.take_index(film_frame), 0)
        if target < self._index:
            raise RuntimeError(f"{self.event.clip_path}: frames requested out of order ({target} after {self._index})")
        while self._index < target:
            try:
                self._current = next(self._frames)
            except StopIteration:
                if self._current is None:
                    raise InputError(f"shot {self.event.shot_id}: take {self.event.take} ({self.event.clip_path}) has no frames") from None
                break  # a take a frame short of its record holds its last frame
            self._index += 1
        assert self._current is not None
        frame = self._current
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cover_resize(frame, self.size)
        return min(self._index, target), frame

    def close(self) -> None:
        self._frames.close()


def render_frames(timeline: Timeline, transform: FrameTransform | None = None, *, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
    """Yield every frame of the cut (HxWx3 uint8 RGB) with dissolves and dips applied.

    ``start``/``stop`` play only timeline frames [start, stop) (a finishing segment): the same
    pixels as those frames of a full play, since every frame depends only on its own position.
    """
    if not timeline.events:
        return
    size = (timeline.width, timeline.height)
    events = timeline.events
    windows = [transition_window(timeline, k) for k in range(len(events))]
    readers: dict[int, _TakeReader] = {}

    def shot_frame(k: int, t: int) -> np.ndarray:
        """Event k's picture at timeline frame t (may lie in its handles during a transition)."""
        event = events[k]
        if k not in readers:
            readers[k] = _TakeReader(event, timeline.rate, size)
        offset = event.source_in + (t - event.record_in)
        index, frame = readers[k].frame(offset)
        if transform is not None:
            frame = transform(event.shot_id, index, frame)
        return frame

    current = 0
    try:
        for t in range(max(start, 0), timeline.duration if stop is None else min(stop, timeline.duration)):
            while current + 1 < len(events) and t >= events[current].record_out:
                current += 1
            # retire readers of shots that are fully played (their outgoing transition included)
            for k in [k for k in readers if k < current - 1 or (k == current - 1 and t >= windows[current][1])]:
                readers.pop(k).close()
            yield _composite(t, current, events, windows, shot_frame)
    finally:
        for reader in readers.values():
            reader.close()


def _composite(t: int, k: int, events: tuple[CutEvent, ...], windows: list[tuple[int, int]], shot_frame: Callable[[int, int], np.ndarray]) -> np.ndarray:
    event = events[k]
    start, end = windows[k]
    # the transition into event k, or (near its end) the one into event k + 1
    if start <= t < end and event.transition != "cut":
        return _blend(t, k, start, end, events, shot_frame)
    if k + 1 < len(events):
        next_start, next_end = windows[k + 1]
        if next_start <= t < next_end and events[k + 1].transition != "cut":
            return _blend(t, k + 1, next_start, next_end, events, shot_frame)
    return shot_frame(k, t)


def _blend(t: int, k: int, start: int, end: int, events: tuple[CutEvent, ...], shot_frame: Callable[[int, int], np.ndarray]) -> np.ndarray:
    event = events[k]
    length = end - start
    if k == 0:  # fade in from black at the head of the film
        return _scale(shot_frame(0, t), (t - start + 0.5) / length)
    if event.transition == "dip-to-black":
        edit = event.record_in
        if t < edit:  # outgoing fades out over its last frames
            return _scale(shot_frame(k - 1, t), 1 - (t - start + 0.5) / (edit - start))
        return _scale(shot_frame(k, t), (t - edit + 0.5) / (end - edit))
    alpha = (t - start + 0.5) / length  # dissolve: both pictures, weights summing to one
    outgoing = shot_frame(k - 1, t).astype(np.float32)
    incoming = shot_frame(k, t).astype(np.float32)
    mixed = outgoing * (1 - alpha) + incoming * alpha
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _scale(frame: np.ndarray, gain: float) -> np.ndarray:
    gain = min(max(gain, 0.0), 1.0)
    return np.clip(frame.astype(np.float32) * gain + 0.5, 0, 255).astype(np.uint8)


def write_rough_cut(timeline: Timeline, path: str | Path, transform: FrameTransform | None = None, *, audio: Path | None = None,
                    cache: Path | None = None) -> Path:  # fmt: skip
    """Encode the cut as H.264 High, yuv420p, BT.709, +faststart; atomic (no half file under the name).

    ``audio`` (the mix) is muxed as AAC, padded or cut to the picture's length. With ``cache``
    (and no transform) the cut is encoded per segment there and assembled by stream copy:
    ``cut`` then ``make`` encode it once, and an edit re-encodes what it changed.
    """
    path = Path(path)
    if path.suffix.lower() not in (".mp4", ".mov", ".m4v"):
        raise InputError(f"{path}: the rough cut must be an .mp4 or .mov file")
    if timeline.duration < 1:
        raise InputError(f"{path}: the cut is empty")
    if cache is not None and transform is None:
        from shotcraft.edit.segments import encode_cut

        return encode_cut(timeline, path, cache, audio=audio, audio_bit_rate=ROUGH_CUT_AUDIO_BITRATE)[0]
    with atomic_path(path) as temp:
        track = AudioTrack(Path(audio), "aac", Fraction(timeline.duration) / timeline.rate, ROUGH_CUT_AUDIO_BITRATE) if audio is not None else None
        with VideoWriter(temp, timeline.width, timeline.height, timeline.rate, encoder="h264", faststart=True, audio=track) as writer:
            for frame in render_frames(timeline, transform):
                writer.write(frame)
        if writer.frames_written != timeline.duration:
            raise InputError(f"{path}: wrote {writer.frames_written} frames, the cut has {timeline.duration}")
    return path
