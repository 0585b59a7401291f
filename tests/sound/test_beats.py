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


def test_beats_are_measured_by_one_process_of_the_user_at_a_time(tmp_path, monkeypatch) -> None:
    """librosa's numba cache is not safe for two processes compiling at once: measuring waits for the user's lock."""
    import fcntl
    import threading

    import librosa

    from shotcraft.sound.beats import compiler_lock_path, measure_beats

    click_track(tmp_path / "song.wav", 120.0, 4.0, 0.1)
    entered: list[str] = []
    load = librosa.load

    def recorded(*args, **kwargs):
        entered.append("load")
        return load(*args, **kwargs)

    monkeypatch.setattr(librosa, "load", recorded)
    grids: list = []
    with open(compiler_lock_path(), "a") as held:  # another process of this user, inside librosa
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: grids.append(measure_beats(tmp_path / "song.wav")))
        worker.start()
        worker.join(3)  # unlocked, it reaches librosa within milliseconds
        inside_while_held = list(entered)
        fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(300)
    assert inside_while_held == [] and entered == ["load"]
    assert len(grids) == 1 and len(grids[0].times) >= 6
