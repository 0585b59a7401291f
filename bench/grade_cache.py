"""The grade plan with and without its per-take measurement cache (``.shotcraft/grade-cache/``).

A generated plan (bench/incremental.py's: N shots of 4 s, animatic backend, two
takes per shot) is rendered once; then, in one run, on the same cut:

- baseline: ``plan_grade(..., cache=False)`` (what every finish paid before the cache);
- cold: the cache empty (measures every take and writes the entries);
- warm: the cache present (what a re-finish after a one-shot edit pays for the other shots);
- one_new: one take's entry removed (a re-rendered take), the rest warm.

Each result is checked to be identical to the baseline (the grade report and every
shot's graded frame, byte for byte). JSON goes to bench/results/grade_cache.json.

    .venv/bin/python bench/grade_cache.py [--shots 12] [--resolution 640x360]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--resolution", default="640x360")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "grade_cache.json"))
    args = parser.parse_args()

    import numpy as np
    from incremental import plan_text

    from shotcraft.edit.build import build_timeline
    from shotcraft.grade.plan import plan_grade
    from shotcraft.grade.take_cache import CACHE_FOLDER
    from shotcraft.plan import load_plan
    from shotcraft.render.engine import render_plan
    from shotcraft.render.store import open_project

    results: dict = {"shots": args.shots, "seconds": args.shots * 4, "resolution": args.resolution,
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-grade-cache-") as scratch:
        folder = Path(scratch) / "film"
        folder.mkdir()
        plan_file = folder / "film.yaml"
        plan_file.write_text(plan_text(args.shots, args.resolution), encoding="utf-8")
        plan = load_plan(plan_file)
        render_plan(plan, jobs=2, progress=False)
        timeline = build_timeline(plan, open_project(plan))
        cache = folder / ".shotcraft" / CACHE_FOLDER
        frame = np.random.default_rng(0).integers(0, 256, (timeline.height, timeline.width, 3), dtype=np.uint8)  # fixed seed

        def graded_bytes(grade_plan) -> bytes:  # noqa: ANN001
            pictures = b"".join(grade_plan.transform(shot_id, 5, frame).tobytes() for shot_id in grade_plan.shots)
            return json.dumps(grade_plan.report(), sort_keys=True).encode() + pictures

        def run(name: str, *, use_cache: bool) -> tuple[dict, bytes]:
            started, cpu = time.perf_counter(), time.process_time()
            grade_plan = plan_grade(plan, timeline, cache=use_cache)
            figures = {"wall_s": round(time.perf_counter() - started, 3), "cpu_s": round(time.process_time() - cpu, 3),
                       "takes_measured": grade_plan.takes_measured, "takes_reused": grade_plan.takes_reused}  # fmt: skip
            print(name, json.dumps(figures), flush=True)
            return figures, graded_bytes(grade_plan)

        results["baseline"], reference = run("baseline", use_cache=False)
        identical = {}
        results["cold"], cold = run("cold", use_cache=True)
        results["cache_bytes"] = sum(p.stat().st_size for p in cache.glob("*.npz"))
        results["warm"], warm = run("warm", use_cache=True)
        sorted(cache.glob("*.npz"))[0].unlink()
        results["one_new"], one_new = run("one_new", use_cache=True)
        identical = {"cold": cold == reference, "warm": warm == reference, "one_new": one_new == reference}
    results["identical_to_baseline"] = identical
    base = results["baseline"]["wall_s"]
    results["ratios"] = {name: round(results[name]["wall_s"] / base, 3) for name in ("cold", "warm", "one_new")}
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"ratios": results["ratios"], "identical": identical}, indent=2))
    return 0 if all(identical.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
