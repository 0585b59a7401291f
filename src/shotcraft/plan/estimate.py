"""How big a render will be, before a single paid generation: frames, store bytes, peak memory.

`shotcraft check` prints the estimate and warns past a threshold, so an 8K plan
or a two-hour plan with five takes a shot is caught at the desk, not after a
night of keyframe jobs. Figures are deliberately on the high side.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import resolve_shots

#: take clips are H.264 at CRF 14 (render/encode.py): generated footage stays under
#: about 0.5 bit per pixel per frame; keyframes are PNG, at most about half of raw RGB.
CLIP_BYTES_PER_PIXEL = 0.5 / 8
KEYFRAME_BYTES_PER_PIXEL = 1.5
#: a video backend holds one clip's frames as float32 RGB while it decodes and encodes
WORKING_BYTES_PER_PIXEL = 3 * 4

#: warn past these (a store past 200 GB, or a clip needing more than 32 GiB in memory)
STORE_WARNING_BYTES = 200 * 10**9
MEMORY_WARNING_BYTES = 32 * 2**30


@dataclass(frozen=True)
class RenderEstimate:
    shots: int
    takes: int
    frames: int  # every frame of every take
    store_bytes: int
    peak_memory_bytes: int
    free_bytes: int | None  # free space where the store will live

    def warnings(self) -> list[str]:
        found = []
        if self.store_bytes > STORE_WARNING_BYTES:
            found.append(f"the takes store would hold about {_size(self.store_bytes)} (past {_size(STORE_WARNING_BYTES)})")
        if self.free_bytes is not None and self.store_bytes > self.free_bytes:
            found.append(f"the takes store would need about {_size(self.store_bytes)}, only {_size(self.free_bytes)} free")
        if self.peak_memory_bytes > MEMORY_WARNING_BYTES:
            found.append(
                f"one clip needs about {_size(self.peak_memory_bytes)} of memory while rendering "
                f"(past {_size(MEMORY_WARNING_BYTES)}): lower the resolution or shorten the longest shot"
            )
        return found

    def line(self) -> str:
        return (
            f"render estimate: {self.takes} takes, {self.frames:,} frames, "
            f"store about {_size(self.store_bytes)}, peak memory about {_size(self.peak_memory_bytes)} per clip"
        )

    def to_dict(self) -> dict[str, int | None]:
        return {
            "shots": self.shots,
            "takes": self.takes,
            "frames": self.frames,
            "store_bytes": self.store_bytes,
            "peak_memory_bytes": self.peak_memory_bytes,
            "free_bytes": self.free_bytes,
        }


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if count < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"  # pragma: no cover - the loop always returns


def _free_bytes(folder: Path) -> int | None:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def estimate_render(plan: LoadedPlan) -> RenderEstimate:
    """The size of rendering every take of every shot of ``plan`` at its film resolution."""
    width, height = plan.film.production.format.resolution
    pixels = width * height
    takes = frames = 0
    store = 0.0
    longest_clip = 0
    for resolved in resolve_shots(plan.film):
        count = len(resolved.takes)
        takes += count
        frames += count * resolved.frames
        store += count * (resolved.frames * pixels * CLIP_BYTES_PER_PIXEL + pixels * KEYFRAME_BYTES_PER_PIXEL)
        longest_clip = max(longest_clip, resolved.frames)
    return RenderEstimate(
        shots=len(plan.film.shots),
        takes=takes,
        frames=frames,
        store_bytes=int(store),
        peak_memory_bytes=longest_clip * pixels * WORKING_BYTES_PER_PIXEL,
        free_bytes=_free_bytes(plan.root),
    )
