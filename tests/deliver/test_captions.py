"""Burned-in text stays inside each platform frame's safe area after reframing (the animatic's caption).

Judged on the decoded files (PyAV), not on the overlay code: in every reframed deliverable the caption's
text pixels lie inside the safe area, and nothing of the take's own caption (cut by the window) is left
outside it.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from shotcraft.deliver.deliver import deliver
from shotcraft.deliver.encode import crop_box
from shotcraft.deliver.reframe import SAFE_MARGINS
from shotcraft.edit.build import build_timeline
from shotcraft.media.video import read_frames
from shotcraft.plan import load_plan
from shotcraft.render.store import open_project

TEXT_LEVEL = 140  # a caption letter: brighter than this in some channel, on the dark bar


@pytest.fixture(scope="module")
def reframed(handoff_film, tmp_path_factory):
    """The tiny film's vertical deliverable from `make`, plus 4:5 and 1:1 finished from the same cut."""
    folder, out = handoff_film
    plan = load_plan(folder / "film.yaml")
    timeline = build_timeline(plan, open_project(plan))
    extra = tmp_path_factory.mktemp("captions")
    entries = {e.kind: extra / e.path for e in deliver(plan, timeline, None, extra, None, audio=None, kinds=("feed", "square"))}
    return timeline, {"mobile": out / "tiny_mobile_9x16.mp4", **entries}


def _frames(path, wanted):
    with av.open(str(path)) as container:
        return {i: f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i in wanted}


def _caption_rows(frame: np.ndarray) -> int:
    """First row of the dark caption bar: rows from the bottom whose pixels are mostly black, within the lower 40 %."""
    height = frame.shape[0]
    brightest = frame.max(axis=2)  # a pixel's brightest channel: a saturated red is not black
    row = height
    while row > int(height * 0.6) and np.median(brightest[row - 1]) < 24:
        row -= 1
    return row


@pytest.mark.parametrize("kind", ["mobile", "feed", "square"])
def test_the_caption_lies_inside_the_safe_area_of_every_reframed_deliverable(reframed, kind):
    timeline, paths = reframed
    middles = {e.record_in + e.duration // 2: e.shot_id for e in timeline.events}
    frames = _frames(paths[kind], set(middles))
    assert len(frames) == len(middles)
    left, top, right, bottom = SAFE_MARGINS
    for t, frame in frames.items():
        height, width = frame.shape[:2]
        bar = _caption_rows(frame)
        assert bar <= height * 0.9 - 20, f"{kind} {middles[t]}: no caption bar above the safe area's bottom edge"
        text = frame[bar:].max(axis=2) > TEXT_LEVEL
        rows, cols = np.nonzero(text)
        assert rows.size > 200, f"{kind} {middles[t]}: no caption text found"
        # every letter inside the safe area (1-2 px of codec ringing allowed), none in the strip below or the margins
        assert cols.min() >= left * width - 2 and cols.max() <= (1 - right) * width + 2, (kind, middles[t], cols.min(), cols.max())
        assert bar + rows.max() <= (1 - bottom) * height + 2, (kind, middles[t], bar + rows.max())
        assert bar >= top * height


def test_a_window_over_the_take_would_have_cut_the_caption(reframed):
    """The point of the overlay: the take's own caption, along the bottom of the 16:9 frame, does not fit a 9:16 window."""
    timeline, _ = reframed
    event = timeline.events[0]
    frame = next(read_frames(event.clip_path, start=event.source_in + event.duration // 2, count=1))
    height, width = frame.shape[:2]
    cols = np.nonzero(frame[int(height * 0.84) :].max(axis=2) > 120)[1]  # the slate's letters on the darkened band
    assert cols.size > 20
    x, _, window, _ = crop_box(width, height, "9:16", (0.5, 0.5))
    assert (cols < x).any() or (cols >= x + window).any()
