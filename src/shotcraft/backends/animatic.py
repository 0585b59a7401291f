"""The ``animatic`` backend: storyboard panels drawn from the plan, animated by the shot's camera move.

Pure CPU, no weights, deterministic: a director can watch the whole film,
timed, with sound, before any GPU time is spent. The keyframe is a panel
(framing by shot type, blocking, light direction, palette, caption); the clip
moves the picture under a caption that stays put.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from shotcraft.backends import camera, panel
from shotcraft.backends.protocol import Capabilities, ClipRequest, KeyframeRequest


class AnimaticBackend:
    """Draws storyboard panels and animates them (see the module docstring)."""

    name = "animatic"
    #: bump when drawing or motion changes: it is part of every job key
    version = "1.2"
    capabilities = Capabilities(
        text_to_image=True,
        image_to_video=True,
        frame_counts="any",
        native_rates=(),
        resolution_multiple=2,
        deterministic=True,
        prompt_family="sd",
        keyframe_reads_plan=True,
        previz=True,
        handles=True,
    )

    def __init__(self) -> None:
        # the last few pictures drawn: a clip usually follows its keyframe in the same process
        self._pictures: OrderedDict[str, np.ndarray] = OrderedDict()

    def _picture(self, spec: panel.PanelSpec, size: tuple[int, int], seed: int) -> np.ndarray:
        key = repr((spec, size, seed))
        if key in self._pictures:
            self._pictures.move_to_end(key)
            return self._pictures[key]
        picture = panel.draw_picture(spec, size, seed)
        picture.setflags(write=False)
        self._pictures[key] = picture
        while len(self._pictures) > 4:
            self._pictures.popitem(last=False)
        return picture

    def identity(self, model: Any) -> dict[str, Any]:
        # no weights: the drawing code's version is the whole identity
        return {"backend": self.name, "version": self.version, "model": None}

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        """A storyboard panel with its caption, at the requested size."""
        camera.check_size(request.shot_id, request.width, request.height)
        # the keyframe shows what the still frame holds; role, move, duration and beats belong to the clip
        spec = panel.keyframe_spec(panel.panel_spec(request.context, shot_id=request.shot_id, take=request.take, prompt=request.prompt))
        size = (request.width, request.height)
        picture = self._picture(spec, size, request.seed)
        return panel.composite(picture, panel.draw_caption(spec, size))

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        """The keyframe moved by the shot's camera move; our own caption is held still over it."""
        camera.check_clip(request)
        spec = panel.panel_spec(request.context, shot_id=request.shot_id, take=request.take, prompt=request.prompt)
        key_size = (request.keyframe.shape[1], request.keyframe.shape[0])
        source: np.ndarray = request.keyframe
        overlays: list[tuple[int, tuple[np.ndarray, np.ndarray]]] = []
        # If the keyframe is our own panel, animate the picture without its caption and lay a
        # fresh caption on top (a caption that zooms with a push-in reads as a mistake).
        still = panel.keyframe_spec(spec)
        picture = self._picture(still, key_size, request.seed)
        if np.array_equal(panel.composite(picture, panel.draw_caption(still, key_size)), request.keyframe):
            source = picture
            overlays = panel.beat_captions(spec, (request.width, request.height), float(request.fps), request.frames, head=request.handles)
        return camera.animate(
            source,
            move=request.camera_move,
            frames=request.frames,
            fps=request.fps,
            motion=request.motion,
            seed=request.seed,
            output_size=(request.width, request.height),
            triggers=tuple(at + request.handles / float(request.fps) for at in spec.triggers),  # plan time -> take time
            overlays=overlays,
        )
