"""The backend protocol: what the render engine asks of any keyframe or clip generator.

A backend is a plain object (no framework base class, as OpenTimelineIO's
plugins): a name, a version, a capabilities manifest, a model identity for job
keys, and two generation calls. Torch is imported only inside backends that
need it. Clips stream frames as an iterator so a film never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

PromptFamily = Literal["sd", "prose"]

#: what helps a generation that ran out of memory (local and Ray executors, diffusers backends)
OOM_ADVICE = (
    "offload: model (or sequential on very small cards), vae_tiling: true, vae_slicing: true, dtype: float16 or "
    "bfloat16, a smaller resolution or fewer frames, and one take at a time"
)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; the render engine and linter read this, never the backend's code."""

    text_to_image: bool = False
    image_to_image: bool = False
    image_to_video: bool = False
    first_last_frame: bool = False
    #: valid clip frame counts as "any", or a rule such as "4k+1" / "8k+1" / "14,25"
    frame_counts: str = "any"
    #: native frame rates the model generates at (clips are conformed to the plan's rate)
    native_rates: tuple[Fraction, ...] = ()
    #: width and height must be multiples of this
    resolution_multiple: int = 2
    deterministic: bool = True
    #: keep one process per device with the model loaded between jobs
    one_process_per_device: bool = False
    #: takes A and B of a shot can be generated as one batch
    batch_takes: bool = False
    #: can draw frames before and after the planned moment (edit handles): the move simply runs longer
    handles: bool = False
    prompt_family: PromptFamily = "sd"
    #: the keyframe is drawn from the plan context itself (the animatic), not only from the prompt; its key then
    #: holds the context's keyframe fields (never the clip's: duration, camera move, beats, role)
    keyframe_reads_plan: bool = False
    #: the keyframe is the plan's still itself (no init image for img2img: the still is the picture)
    keyframe_is_still: bool = False
    #: drawn previz (timed panels with captions), not footage: QA judges still panels as intended
    previz: bool = False
    #: the clip is the keyframe moved by the planned camera path (shotcraft.backends.camera) and nothing else moves:
    #: QA expects exactly that path's motion (a static shot's breath, not the motion strength's subject motion)
    clip_is_camera_move: bool = False


@dataclass(frozen=True)
class KeyframeRequest:
    """Everything that determines a keyframe. ``context`` carries plan data a drawing backend uses."""

    shot_id: str
    take: str
    prompt: str
    negative_prompt: str
    width: int
    height: int
    seed: int
    steps: int
    cfg: float
    sampler: str
    denoise: float
    init_image: np.ndarray | None = None  # img2img source (HxWx3 uint8)
    references: tuple[Path, ...] = ()
    model: Any = None  # shotcraft.plan.schema.ModelSource or None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClipRequest:
    shot_id: str
    take: str
    prompt: str
    negative_prompt: str
    keyframe: np.ndarray  # first frame, HxWx3 uint8
    width: int
    height: int
    fps: Fraction
    frames: int
    motion: float
    seed: int
    camera_move: str
    last_frame: np.ndarray | None = None
    cfg: float | None = None
    model: Any = None
    context: dict[str, Any] = field(default_factory=dict)
    #: frames before (and after) the planned moment inside ``frames``: plan time t is frame handles + t * fps
    handles: int = 0


@runtime_checkable
class Backend(Protocol):
    name: str
    version: str
    capabilities: Capabilities

    def identity(self, model: Any) -> dict[str, Any]:
        """Model identity for job keys: repository + revision, or a weights file's sha256."""
        ...

    def keyframe(self, request: KeyframeRequest) -> np.ndarray:
        """Return one HxWx3 uint8 RGB image."""
        ...

    def clip(self, request: ClipRequest) -> Iterator[np.ndarray]:
        """Yield exactly ``request.frames`` HxWx3 uint8 RGB frames at ``request.fps``."""
        ...
