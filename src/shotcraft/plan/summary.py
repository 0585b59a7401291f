"""What `shotcraft show` prints: the arc, the shot table, the running time."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from shotcraft.plan.loader import LoadedPlan
from shotcraft.plan.resolve import resolve_shots
from shotcraft.timebase import format_rate, frames_to_timecode


@dataclass(frozen=True)
class ShotRow:
    id: str
    role: str
    type: str
    duration: float
    frames: int
    motion: float
    characters: tuple[str, ...]
    seed: int | None
    seed_derived: bool
    takes: int


@dataclass(frozen=True)
class PlanSummary:
    title: str
    logline: str | None
    arc: dict[str, str | None]
    resolution: str
    fps: str
    shots: tuple[ShotRow, ...]
    total_frames: int
    rate: Fraction

    @property
    def total_seconds(self) -> float:
        return float(self.total_frames / self.rate)

    @property
    def timecode(self) -> str:
        return frames_to_timecode(self.total_frames, self.rate)

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "logline": self.logline,
            "arc": self.arc,
            "resolution": self.resolution,
            "fps": self.fps,
            "total_frames": self.total_frames,
            "total_seconds": round(self.total_seconds, 3),
            "shots": [row.__dict__ | {"characters": list(row.characters)} for row in self.shots],
        }


def summarize(plan: LoadedPlan) -> PlanSummary:
    film = plan.film
    rows = []
    for resolved in resolve_shots(film):
        shot = resolved.shot
        rows.append(
            ShotRow(
                id=shot.id,
                role=shot.role.value if shot.role else "-",
                type=shot.type.value,
                duration=float(resolved.frames / resolved.fps),
                frames=resolved.frames,
                motion=resolved.motion,
                characters=tuple(shot.characters),
                seed=resolved.seed,
                seed_derived=resolved.seed_derived,
                takes=len(resolved.takes),
            )
        )
    width, height = film.production.format.resolution
    rate = film.production.format.fps
    return PlanSummary(
        title=film.production.title,
        logline=film.production.logline,
        arc=film.production.arc.model_dump(),
        resolution=f"{width}x{height}",
        fps=format_rate(rate),
        shots=tuple(rows),
        total_frames=sum(row.frames for row in rows),
        rate=rate,
    )
