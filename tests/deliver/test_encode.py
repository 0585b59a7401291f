"""Deliverable encode profiles: colour through the tagged matrix, reframing across a transition."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from shotcraft.deliver.reframe import SubjectPath
from shotcraft.edit.timeline import CutEvent, Timeline
from tests.grade.media import write_take


def test_reframe_eases_across_a_dissolve(tmp_path: Path) -> None:
    # takes with no face: the crop follows each shot's plan point, eased across the dissolve
    a, b = write_take(tmp_path / "a.mp4", 48), write_take(tmp_path / "b.mp4", 48)
    first = CutEvent("a", "A", a, 0, 24, 0, 48, reframe=(0.2, 0.5))
    second = CutEvent("b", "A", b, 0, 24, 24, 48, transition="dissolve", transition_frames=12, reframe=(0.8, 0.5))
    cut = Timeline("t", Fraction(24), 320, 180, (first, second))
    path = SubjectPath(cut)
    start, end = cut.transition_window(1)  # 18..30: the dissolve straddles the edit point
    assert path.centre(start - 1) == pytest.approx((0.2, 0.5))
    xs = [path.centre(t)[0] for t in range(start, end)]
    assert xs == sorted(xs) and 0.2 < xs[0] < xs[-1] < 0.8
    assert path.centre(end) == pytest.approx((0.8, 0.5)) and path.centre(40) == pytest.approx((0.8, 0.5))
    assert SubjectPath(dataclasses.replace(cut, events=(first,))).centre(100) == (0.5, 0.5)


@pytest.mark.parametrize("kind", ["distribution", "prores"])
def test_colour_survives_the_encode_with_the_tagged_bt709_matrix(tmp_path: Path, kind: str) -> None:
    from shotcraft.deliver.encode import PROFILES, open_writer
    from shotcraft.media.video import read_frames

    patches = np.zeros((64, 64, 3), dtype=np.uint8)
    patches[:, :32], patches[:, 32:] = (200, 30, 30), (40, 180, 60)
    path = tmp_path / f"colour{PROFILES[kind].suffix}"
    with open_writer(path, PROFILES[kind], (64, 64), Fraction(24), audio=None, seconds=Fraction(3, 24)) as writer:
        for _ in range(3):
            writer.write(patches)
    decoded = next(read_frames(path)).astype(int)
    assert np.abs(decoded[16:48, 8:24] - (200, 30, 30)).max() <= 4  # a BT.601/709 mix-up is ~15 codes off
    assert np.abs(decoded[16:48, 40:56] - (40, 180, 60)).max() <= 4
