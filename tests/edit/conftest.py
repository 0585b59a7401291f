"""A small film with real H.264 takes, and a stand-in for the render store's take records.

Each take's frames encode (shot, frame index): the left half is the shot's
colour, the right half a grey level of 8 * index, so a test can read back
exactly which frame of which take the cut shows, through a lossy encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from shotcraft.media.video import VideoWriter
from shotcraft.plan import load_plan

WIDTH, HEIGHT, RATE = 96, 64, Fraction(24)
SHOT_COLOURS = {"s1": (220, 40, 40), "s2": (40, 200, 60), "s3": (40, 60, 220), "s4": (210, 200, 40)}

PLAN_TEXT = """\
schema_version: 2
production:
  id: edit-test
  title: Edit Test
  format: {{resolution: {w}x{h}, fps: 24}}
shots:
  - {{id: s1, type: establishing, duration: 1}}
  - {{id: s2, type: medium-action, duration: 1{s2}}}
  - {{id: s3, type: tight-portrait, duration: 1{s3}}}
  - {{id: s4, type: insert, duration: 1{s4}}}
"""


@dataclass
class StandInTake:
    """The fields of shotcraft.render.store.TakeRecord the edit reads."""

    shot_id: str
    label: str
    clip_path: Path
    seed: int
    frames: int
    rate: Fraction
    width: int = WIDTH
    height: int = HEIGHT


class StandInProject:
    """picked_take / take over takes written as real MP4 files."""

    def __init__(self, folder: Path, takes: dict[str, list[StandInTake]]) -> None:
        self.folder = folder
        self.takes = takes

    def picked_take(self, shot_id: str) -> StandInTake | None:
        return self.takes.get(shot_id, [None])[0]

    def take(self, shot_id: str, label: str) -> StandInTake | None:
        return next((t for t in self.takes.get(shot_id, []) if t.label == label), None)


def coded_frame(shot_id: str, index: int, label: str = "A") -> np.ndarray:
    frame = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    frame[:, : WIDTH // 2] = SHOT_COLOURS[shot_id] if label == "A" else tuple(255 - c for c in SHOT_COLOURS[shot_id])
    frame[:, WIDTH // 2 :] = min(8 * index, 255)
    return frame


def decode(frame: np.ndarray) -> tuple[str | None, int]:
    """(shot, frame index) shown by a decoded frame."""
    left = frame[HEIGHT // 4 : 3 * HEIGHT // 4, 4 : WIDTH // 2 - 4].reshape(-1, 3).mean(axis=0)
    shot = min(SHOT_COLOURS, key=lambda s: np.abs(np.array(SHOT_COLOURS[s]) - left).sum())
    if np.abs(np.array(SHOT_COLOURS[shot]) - left).sum() > 100:  # tolerant of encode colour shifts
        shot = None
    grey = frame[HEIGHT // 4 : 3 * HEIGHT // 4, WIDTH // 2 + 4 : -4].mean()
    return shot, int(round(grey / 8))


def write_take(folder: Path, shot_id: str, frames: int, *, label: str = "A", rate: Fraction = RATE, size=(WIDTH, HEIGHT)) -> StandInTake:
    path = folder / f"{shot_id}-{label}.mp4"
    with VideoWriter(path, size[0], size[1], rate) as writer:
        for index in range(frames):
            frame = coded_frame(shot_id, index, label)
            if size != (WIDTH, HEIGHT):
                import cv2

                frame = cv2.resize(frame, size, interpolation=cv2.INTER_NEAREST)
            writer.write(frame)
    return StandInTake(shot_id, label, path, seed=100 + frames, frames=frames, rate=rate)


def make_film(tmp_path: Path, *, extra: dict[str, str] | None = None, take_frames: dict[str, int] | None = None):
    """Write film.yaml and one take per shot (30 frames: 24 used + 6 of tail handle); returns (plan, project)."""
    extra = extra or {}
    text = PLAN_TEXT.format(w=WIDTH, h=HEIGHT, s2=extra.get("s2", ""), s3=extra.get("s3", ""), s4=extra.get("s4", ""))
    (tmp_path / "film.yaml").write_text(text)
    plan = load_plan(tmp_path / "film.yaml")
    media = tmp_path / "takes"
    media.mkdir(exist_ok=True)
    frames = {"s1": 30, "s2": 30, "s3": 30, "s4": 30, **(take_frames or {})}
    takes = {shot: [write_take(media, shot, count)] for shot, count in frames.items()}
    return plan, StandInProject(tmp_path / ".shotcraft", takes)


@pytest.fixture
def film(tmp_path):
    return make_film(tmp_path)
