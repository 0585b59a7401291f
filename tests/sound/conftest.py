"""Small plans with real audio files written in the test (no assets, no network)."""

from __future__ import annotations

import re
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from shotcraft.media.video import ffmpeg_exe
from shotcraft.plan.loader import LoadedPlan, load_plan

BASE_PLAN = """\
schema_version: 2
production:
  id: sound-test
  title: Sound test
  platforms: [{platform}]
  format:
    resolution: 320x180
    fps: 24
locations:
  - id: street
    description: a narrow street at night
  - id: hall
    description: a stairwell inside the building
shots:
  - id: a
    type: establishing
    location: street
    duration: 3
  - id: b
    type: object-detail
    location: street
    duration: 2.5
  - id: c
    type: medium-action
    location: hall
    duration: 3
    transition:
      type: cut
      audio_offset: {offset}
"""


def write_tone(path: Path, seconds: float, *, rate: int = 48_000, dbfs: float = -20.0, freq: float = 220.0, channels: int = 2) -> Path:
    """A chord with a slow tremolo: music-like, deterministic."""
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * freq * ratio * t) for ratio in (1.0, 1.25, 1.5)) / 3
    chord *= 0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t)
    chord *= 10 ** (dbfs / 20) / np.max(np.abs(chord))
    data = np.repeat(chord[:, None], channels, axis=1)
    soundfile.write(str(path), data, rate, subtype="PCM_24")
    return path


@pytest.fixture
def make_plan(tmp_path: Path) -> Callable[..., LoadedPlan]:
    def build(sound: str = "", *, platform: str = "web", offset: float = 0.0) -> LoadedPlan:
        text = BASE_PLAN.format(platform=platform, offset=offset)
        if sound:
            text += "sound:\n" + textwrap.indent(textwrap.dedent(sound), "  ")
        path = tmp_path / "film.yaml"
        path.write_text(text, encoding="utf-8")
        return load_plan(path)

    return build


def ffmpeg_ebur128(path: Path) -> dict[str, float]:
    """Integrated, LRA and true peak as ffmpeg's ebur128 filter prints them in its summary."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"]
    output = subprocess.run(command, capture_output=True, check=True).stderr.decode("utf-8", "replace")
    summary = output[output.rfind("Summary:"):]
    values = {}
    for key, label in (("integrated", r"I:"), ("lra", r"LRA:"), ("true_peak", r"Peak:")):
        match = re.search(label + r"\s+(-?[\d.]+|-inf)", summary)
        assert match, f"no {label} in ffmpeg summary:\n{summary}"
        values[key] = float(match.group(1))
    return values
