"""Benchmark: what the prop check (QA116) adds to a take's QA analysis, 720p 24 fps.

The clip is the tests' espresso cup (``skimage.data.coffee()``, cut out) moving over ``astronaut()``, encoded as
H.264. The same clip is analysed in the same run without props (the baseline: every other check) and with the cup
listed with its reference image (SIFT on a 640 px sample 4 times a second, matching, RANSAC, the colour check).
Best of N runs; the ratio with / without is the stable number on a shared machine.

    .venv/bin/python bench/qa_props.py [--seconds 10] [--repeat 3]

Writes bench/results/qa_props.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' footage maker

from shotcraft.fsutil import write_json  # noqa: E402
from shotcraft.qa import Expected, analyze_clip  # noqa: E402
from shotcraft.qa.model import PropSheet  # noqa: E402
from bench.qa import best_of  # noqa: E402 - the same timing as the QA bench
from tests.qa import props_footage as footage  # noqa: E402

WIDTH, HEIGHT = 1280, 720


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    frames = int(args.seconds * footage.RATE)
    scale = WIDTH / footage.WIDTH
    with tempfile.TemporaryDirectory() as folder:
        sheet = footage.cup_sheet(Path(folder) / "cup.png")
        clip = footage.make(Path(folder) / "cup-720p.mp4", size=(WIDTH, HEIGHT), frames=frames,
                            path_from=(110 * scale, 95 * scale), path_to=(200 * scale, 90 * scale), height=(100 * scale, 120 * scale)).path
        plain = Expected(frames=frames, rate=footage.RATE, motion=0.5)
        with_prop = Expected(frames=frames, rate=footage.RATE, motion=0.5, props=(PropSheet("cup", "the espresso cup", (str(sheet),)),))
        report = analyze_clip(clip, expected=with_prop)  # warm-up (the sheet's features are cached), and the result we check
        without_s, without_cpu = best_of(args.repeat, lambda: analyze_clip(clip, expected=plain))
        with_s, with_cpu = best_of(args.repeat, lambda: analyze_clip(clip, expected=with_prop))
    [prop] = report.metrics["props"]
    seconds = frames / float(footage.RATE)
    result = {
        "benchmark": "qa-props-cost",
        "input": {"width": WIDTH, "height": HEIGHT, "rate": 24, "frames": frames, "seconds": seconds, "content": "the cup moving over astronaut()"},
        "wall_s": {"without_props": round(without_s, 4), "with_prop": round(with_s, 4)},
        "cpu_s": {"without_props": round(without_cpu, 4), "with_prop": round(with_cpu, 4)},
        "cpu_ratio_with_over_without": round(with_cpu / without_cpu, 3),
        "prop_cpu_s_per_video_s": round((with_cpu - without_cpu) / seconds, 4),
        "prop_found_frames": [prop["found_frames"], prop["sampled_frames"]],
        "qa116_flags": [f.message for f in report.flags_with("QA116")],
        "note": "wall times on a shared, loaded machine vary with other work; the CPU ratio is the stable number.",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_avg_before": [round(v, 2) for v in load_before],
                    "load_avg_after": [round(v, 2) for v in os.getloadavg()]},
        "repeat": args.repeat,
    }
    write_json(Path(__file__).parent / "results" / "qa_props.json", result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
