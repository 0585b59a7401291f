"""Benchmark: mix time per minute of film, as ratios measured in the same run.

Builds a one-minute plan (12 shots of 5 s over two locations, six synthesized
cues, a music file), then times ``mix_film`` on it. Reported as ratios, never
absolute seconds alone, because the machine is shared:

- ``realtime_factor``: mix wall time / film duration (below 1: faster than real time);
- ``vs_baseline``: mix wall time / the baseline, which is one pyloudnorm
  integrated-loudness reading of the same minute of stereo audio (the unit of
  work every loudness tool does), timed in this same run.

Writes bench/results/sound.json. Run: .venv/bin/python bench/sound.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from shotcraft.plan.loader import load_plan
from shotcraft.edit.build import planned_timeline
from shotcraft.sound.loudness import integrated_loudness
from shotcraft.sound.mix import mix_film

SHOTS = 12
SHOT_SECONDS = 5.0


def _plan_text() -> str:
    shots = "\n".join(
        f"  - id: s{i:02d}\n    type: medium-action\n    location: {'street' if i < SHOTS // 2 else 'hall'}\n    duration: {SHOT_SECONDS}"
        for i in range(SHOTS)
    )
    cues = "\n".join(
        f"    - shot: s{i:02d}\n      at: 1.0\n      description: {desc}"
        for i, desc in zip(range(0, SHOTS, 2), ["keys jingle", "door creak", "footsteps on stone", "two knocks", "lighter click", "whoosh"])
    )
    return f"""schema_version: 2
production:
  id: bench-sound
  title: Sound bench
locations:
  - id: street
    description: night street
  - id: hall
    description: stairwell
sound:
  ambience:
    street:
      description: night city hum, distant traffic, dripping gutters
    hall:
      description: room tone, ventilation
  cues:
{cues}
  music:
    file: music.wav
    lufs: -22
shots:
{shots}
"""


def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        seconds = SHOTS * SHOT_SECONDS
        t = np.arange(int(seconds * 48_000)) / 48_000
        music = 0.2 * np.sin(2 * np.pi * 220 * t) * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t))
        soundfile.write(str(root / "music.wav"), np.stack([music, music], axis=1), 48_000, subtype="PCM_24")
        (root / "film.yaml").write_text(_plan_text(), encoding="utf-8")
        plan = load_plan(root / "film.yaml")
        timeline = planned_timeline(plan)

        start = time.perf_counter()
        result = mix_film(plan, timeline, root / "out")
        mix_seconds = time.perf_counter() - start

        audio, _ = soundfile.read(str(result.mix_path), always_2d=True)
        readings = []
        for _ in range(3):  # the best of three: the machine is shared
            start = time.perf_counter()
            integrated_loudness(audio)
            readings.append(time.perf_counter() - start)
        baseline_seconds = min(readings)

    report = {
        "benchmark": "sound.mix_film",
        "film_seconds": seconds,
        "mix_seconds": round(mix_seconds, 3),
        "baseline": "one pyloudnorm integrated reading of the same minute (best of 3)",
        "baseline_seconds": round(baseline_seconds, 3),
        "realtime_factor": round(mix_seconds / seconds, 4),
        "mix_seconds_per_film_minute": round(mix_seconds * 60.0 / seconds, 3),
        "vs_baseline": round(mix_seconds / baseline_seconds, 2),
        "mix_integrated_lufs": round(result.integrated_lufs, 2),
        "mix_true_peak_dbtp": round(result.true_peak_dbtp, 2),
        "target_lufs": result.target_lufs,
    }
    out = Path(__file__).parent / "results" / "sound.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
