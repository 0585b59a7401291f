"""Measured beats sit on the attacks of a click track, not on a library's envelope lag (#17)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.plan.test_music_video import click_track

pytest.importorskip("librosa")


@pytest.mark.parametrize("bpm,start", [(103.0, 0.25), (137.0, 0.07)])
def test_every_measured_beat_is_within_two_milliseconds_of_a_click(tmp_path, bpm, start) -> None:
    from shotcraft.sound.beats import measure_beats

    clicks = click_track(tmp_path / "song.wav", bpm, 20.0, start)
    grid = measure_beats(tmp_path / "song.wav")
    measured = np.array([t for t in grid.times if t >= clicks[0] - 0.1])  # a pickup beat laid at 0 s is not a click
    nearest = np.abs(clicks[:, None] - measured[None, :]).min(axis=0)
    assert nearest.max() <= 0.002, (bpm, start, nearest.max())
    assert len(measured) >= len(clicks) - 2  # the tracker may drop an edge beat, never a run of them
