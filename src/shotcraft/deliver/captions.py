"""Burned-in text that stays inside every platform frame's safe area after reframing.

The animatic burns a caption (its slate: shot, role, type, move, take; then
the subject or the beat) along the bottom of each take, across the film's
full width. A 9:16, 4:5 or 1:1 reframe keeps a window of that frame that
follows the subject, so it would cut the caption on both sides and leave it
in the bottom strip where players draw their controls.

Chosen: the finishing stage draws the caption again for each reframed output,
after the reframe, as an overlay laid out for that output's safe area (the
slate wrapped to the safe width, its last line on the safe area's bottom
edge), over a dark bar that hides what the window kept of the take's own
caption. The alternative, placing the caption at render time where every
delivered aspect keeps it, cannot hold: where each window sits is decided
later, from the faces in the take, and text small enough for the narrowest
window anywhere would be unreadable in the master. Laying text out per
output is what an editor does with titles for each platform; the take and
the master keep the caption exactly as the animatic drew it.

What a take's caption says comes from the same place the animatic read it:
the take's clip request (plan context, prompt, label, timing), rebuilt by
:func:`shotcraft.render.jobs.plan_jobs`. Only a take whose object is the one
the animatic rendered for that request is given the overlay (an imported or
re-conformed clip carries no caption of ours).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotcraft.backends import panel
from shotcraft.deliver.reframe import SAFE_MARGINS
from shotcraft.edit.timeline import Timeline
from shotcraft.errors import InputError
from shotcraft.plan.loader import LoadedPlan

#: identity of the overlay, part of the reframed outputs' segment keys: bump when the layout changes
METHOD = "animatic-caption-safe-area-v1"
#: the bar hiding the take's own caption: black (its text would show through any translucent band)
BAR_LEVEL = 0


@dataclass(frozen=True)
class TakeCaption:
    """What the animatic burned into one take, and where."""

    spec: panel.PanelSpec
    size: tuple[int, int]  # the take's frame size
    fps: float
    frames: int
    head: int  # head handle frames (a beat at t s shows from take frame head + t * fps)

    def band_top(self, height: int) -> int:
        """First row of the caption band, in a frame ``height`` rows high (the cut's; takes are scaled to it)."""
        _, alpha = panel.draw_caption(self.spec, self.size)
        rows = np.flatnonzero(alpha.any(axis=1))
        top = int(rows[0]) if rows.size else self.size[1]
        return int(np.floor(top * height / self.size[1]))


def take_captions(plan: LoadedPlan, timeline: Timeline) -> dict[int, TakeCaption]:
    """Timeline event index -> the caption its take carries, for every event whose take the animatic rendered."""
    from shotcraft.render.jobs import plan_jobs
    from shotcraft.render.store import open_project

    shot_ids = sorted({event.shot_id for event in timeline.events})
    try:
        graph = plan_jobs(plan, shots=shot_ids)
    except InputError:
        return {}  # a conformed edit naming shots the plan no longer has: no caption of ours to place
    drawn = {(t.shot_id, t.label): t for t in graph if t.clip.backend == "animatic" and t.keyframe.backend == "animatic"}
    if not drawn:
        return {}
    ledger = open_project(plan, read_only=True).ledger
    found: dict[int, TakeCaption] = {}
    for index, event in enumerate(timeline.events):
        take = drawn.get((event.shot_id, event.take))
        job = ledger.job(take.clip.key) if take is not None else None
        if take is None or job is None or job.object_sha256 != Path(event.clip_path).stem:
            continue
        request = take.clip.request
        spec = panel.panel_spec(request["context"], shot_id=event.shot_id, take=event.take, prompt=request["prompt"])
        found[index] = TakeCaption(spec, (int(request["width"]), int(request["height"])), float(request["fps"]),
                                   int(request["frames"]), int(request["handles"]))  # fmt: skip
    return found


def safe_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x, y, w, h) of an output frame's safe area (:data:`shotcraft.deliver.reframe.SAFE_MARGINS`)."""
    width, height = size
    left, top, right, bottom = SAFE_MARGINS
    x, y = int(np.ceil(left * width)), int(np.ceil(top * height))
    return x, y, int(width * (1 - right)) - x, int(height * (1 - bottom)) - y


class CaptionOverlay:
    """Lays each take's caption into one reframed output's safe area (layers drawn once per shot and beat)."""

    def __init__(self, captions: dict[int, TakeCaption], timeline: Timeline, size: tuple[int, int]) -> None:
        self.captions, self.timeline, self.size = captions, timeline, size
        self.safe = safe_box(size)
        self._layers: dict[int, list[tuple[int, tuple[np.ndarray, np.ndarray], int]]] = {}  # (first frame, band, band's top row)
        self._band_tops: dict[int, int] = {}

    def _beats(self, k: int) -> list[tuple[int, tuple[np.ndarray, np.ndarray], int]]:
        """(first take frame, the layer's band, the band's first row in the safe area) for event ``k``: only the rows
        the text covers are kept, so a frame blends those (a fifth of the safe area) and nothing is scanned per frame.
        A dict write under the GIL."""
        if k not in self._layers:
            caption = self.captions[k]
            _, _, safe_w, safe_h = self.safe
            layers = panel.beat_captions(caption.spec, (safe_w, safe_h), caption.fps, caption.frames, head=caption.head, wrap=True)
            bands = []
            for start, (rgb, alpha) in layers:
                rows = np.flatnonzero(alpha.any(axis=1))
                top, bottom = int(rows[0]), int(rows[-1]) + 1
                bands.append((start, (rgb[top:bottom], alpha[top:bottom]), top))
            self._layers[k] = bands
            self._band_tops[k] = self.captions[k].band_top(self.timeline.height)
        return self._layers[k]

    def apply(self, frame: np.ndarray, t: int, crop: tuple[int, int, int, int]) -> np.ndarray:
        """``frame`` (the output's, after the reframe) with the caption of the shot showing at ``t`` in the safe area."""
        events = self.timeline.events
        k = next((i for i, e in enumerate(events) if e.record_in <= t < e.record_out), None)
        if k is None:
            return frame
        # the shots whose pictures (and burned captions) are on screen: this one, and across a transition its neighbour
        showing = [k] + [j - 1 if j == k else j for j in (k, k + 1) if 0 < j < len(events) and _inside(self.timeline, j, t)]
        with_caption = [i for i in showing if i in self.captions]
        if not with_caption:
            return frame
        _, crop_y, _, crop_h = crop
        height = self.size[1]
        out = frame.copy()
        cover = min(int(np.floor((self._band_top(i) - crop_y) * height / crop_h)) for i in with_caption)
        speaker = k if k in self.captions else with_caption[0]
        event = events[speaker]
        take_frame = event.source_in + (t - event.record_in)
        _, band, layer_top = [entry for entry in self._beats(speaker) if entry[0] <= max(take_frame, 0)][-1]
        x, y, w, _ = self.safe
        if cover < height:  # what the window kept of the take's own caption goes under a bar
            out[max(min(cover, y + layer_top), 0) :] = BAR_LEVEL
        rows = slice(y + layer_top, y + layer_top + band[1].shape[0])
        out[rows, x : x + w] = panel.composite(out[rows, x : x + w], band)
        return out

    def _band_top(self, k: int) -> int:
        self._beats(k)
        return self._band_tops[k]


def _inside(timeline: Timeline, j: int, t: int) -> bool:
    start, end = timeline.transition_window(j)
    return start <= t < end
