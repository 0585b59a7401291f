"""The music-video template cuts on measured beats: a click track of known tempo, cuts within one frame."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile

from shotcraft.plan import load_plan

pytest.importorskip("librosa")
SHOTCRAFT = str(Path(sys.executable).parent / "shotcraft")


def click_track(path: Path, bpm: float, seconds: float, start: float, rate: int = 48000) -> np.ndarray:
    """Short 2 kHz clicks (accent on each bar's first beat) over faint noise; returns the click times."""
    n = int(seconds * rate)
    signal = np.random.default_rng(7).normal(0, 0.002, n)
    period = 60.0 / bpm
    times = np.arange(start, seconds - 0.1, period)
    t = np.arange(int(0.03 * rate)) / rate
    for i, at in enumerate(times):
        click = np.sin(2 * np.pi * 2000 * t) * np.exp(-t * 200) * (0.9 if i % 4 == 0 else 0.5)
        k = int(round(at * rate))
        signal[k : k + click.size] += click[: n - k]
    soundfile.write(str(path), signal.astype(np.float32), rate, subtype="PCM_24")
    return times


@pytest.mark.parametrize("bpm,start", [(120.0, 0.0), (103.0, 0.25)])
def test_music_video_cuts_land_on_measured_beats(tmp_path, bpm, start):
    clicks = click_track(tmp_path / "song.wav", bpm, 40.0, start)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"kind": "music-video", "title": "Click", "music": str(tmp_path / "song.wav")}))
    result = subprocess.run([SHOTCRAFT, "new", str(tmp_path / "mv"), "--answers", str(answers)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    plan = load_plan(tmp_path / "mv" / "film.yaml")
    fps = plan.film.production.format.fps
    frames = [round(Fraction(s.duration).limit_denominator(10**6) * fps) for s in plan.film.shots]
    cuts = np.cumsum(frames)[:-1] / float(fps)  # every cut between two shots
    assert len(cuts) >= 6
    frame = 1 / float(fps)
    for cut in cuts:
        assert np.min(np.abs(clicks - cut)) <= frame, (cut, bpm)
    assert all(2.9 <= s.duration <= 5.1 for s in plan.film.shots[:-1])  # whole bars near the seed's 3-5 s
    assert plan.film.sound.music is not None
