"""Benchmark: peak memory (RSS) of the mix for a 1-, 10- and 30-minute film; bounded, not growing.

The mix processes every film-length signal block by block on work files
(shotcraft.sound.stream), so its peak RSS should be a constant: the
30-minute mix must stay within 1.2x of the 1-minute one (it was 4.4 GB at 10
minutes, about 7.4 MB per second of film, when stems were whole arrays).

Each film is mixed in a fresh Python process that reports its own peak RSS
(``ru_maxrss``); the baseline, measured in the same run, is a process that only
imports the mix and loads the plan. Plans: 10-second shots alternating between
two locations with synthesized beds, one synthesized cue every 10 s and a
music file as long as the film (a song under the whole film: the music is read
from its file by range, never held whole). The floor is the synthesis of the
beds (up to 60 s each, looped beyond: shotcraft.sound.stems.BED_TILE_SECONDS),
the same for every film whose locations each span a minute, which is why the
1-minute plan alternates locations every shot.

Writes bench/results/sound_memory.json. Run: .venv/bin/python bench/sound_memory.py [--minutes 1 10 30]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SHOT_SECONDS = 10.0
CUES = ["keys jingle", "door creak", "footsteps on stone", "two knocks", "lighter click", "whoosh"]

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from shotcraft.plan.loader import load_plan
    from shotcraft.edit.build import planned_timeline
    from shotcraft.sound.mix import mix_film
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    plan = load_plan(folder / "film.yaml")
    timeline = planned_timeline(plan)
    started = time.perf_counter()
    result = None
    if mode == "mix":
        result = mix_film(plan, timeline, folder / "out")
    print(json.dumps({
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": time.perf_counter() - started,
        "integrated_lufs": None if result is None else round(result.integrated_lufs, 2),
        "true_peak_dbtp": None if result is None else round(result.true_peak_dbtp, 2),
    }))
    """
)


def _plan(minutes: float) -> str:
    shots = int(round(minutes * 60 / SHOT_SECONDS))
    shot_lines = "\n".join(
        f"  - id: s{i:04d}\n    type: medium-action\n    location: {'street' if i % 2 == 0 else 'hall'}\n    duration: {SHOT_SECONDS}"
        for i in range(shots)
    )
    cue_lines = "\n".join(f"    - shot: s{i:04d}\n      at: 2.0\n      description: {CUES[i % len(CUES)]}" for i in range(shots))
    return f"""schema_version: 2
production:
  id: bench-sound-memory
  title: Sound memory bench
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
{cue_lines}
  music:
    file: music.wav
    lufs: -22
shots:
{shot_lines}
"""


def _film(root: Path, minutes: float) -> Path:
    import numpy as np
    import soundfile

    folder = root / f"film-{minutes:g}min-{len(list(root.iterdir()))}"
    folder.mkdir()
    with soundfile.SoundFile(str(folder / "music.wav"), "w", 48_000, 2, subtype="PCM_24") as handle:
        for start in range(0, int(minutes * 60 * 48_000), 480_000):  # written by block: the parent stays small too
            t = np.arange(start, min(int(minutes * 60 * 48_000), start + 480_000)) / 48_000
            music = 0.2 * np.sin(2 * np.pi * 220 * t) * (0.8 + 0.2 * np.sin(2 * np.pi * 0.5 * t))
            handle.write(np.stack([music, music], axis=1))
    (folder / "film.yaml").write_text(_plan(minutes), encoding="utf-8")
    return folder


def _child(folder: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), mode], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{folder.name} {mode} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(minutes: list[float]) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        baseline = _child(_film(root, minutes[0]), "load")
        for length in minutes:
            measured = _child(_film(root, length), "mix")
            rows.append({"film_minutes": length, **{k: round(v, 2) if isinstance(v, float) else v for k, v in measured.items()}})
    first = rows[0]["peak_rss_mb"]
    for row in rows:
        row["vs_first"] = round(row["peak_rss_mb"] / first, 3)  # against the shortest film of this same run
    report = {
        "benchmark": "sound.mix_film peak RSS",
        "baseline": "a process that imports the mix and loads the 1-minute plan",
        "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
        "films": rows,
        "ratio_longest_to_shortest": round(rows[-1]["peak_rss_mb"] / first, 3),
        "mix_over_baseline_mb": [round(r["peak_rss_mb"] - baseline["peak_rss_mb"], 1) for r in rows],
        "target": "longest within 1.2x of the 1-minute film",
    }
    out = Path(__file__).parent / "results" / "sound_memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0, 30.0])
    print(json.dumps(main(parser.parse_args().minutes), indent=2))
