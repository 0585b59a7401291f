"""Render engine benchmark: animatic render time per second of film, and the incremental re-render ratio.

Runs on a private copy of examples/neo-noir (never touching the example's own
store), measuring in one run:

- cold: a full render from an empty store (every keyframe and clip of every take);
- incremental: one shot's subject edited, the render re-run (only that shot's jobs);
- warm: the same plan again (zero jobs);
- baseline: the take encoder alone on two seconds of a rendered take (same machine, same moment);

and reports seconds per second of film (the cut's running time and the total
seconds of takes), the incremental / cold ratio, and the jobs the ledger says
each run executed. JSON goes to bench/results/render.json.

    .venv/bin/python bench/render.py [-j N] [--plan examples/neo-noir/film.yaml] [--shot s05]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=str(ROOT / "examples" / "neo-noir" / "film.yaml"))
    parser.add_argument("--shot", default="s05", help="the shot whose subject is edited for the incremental run")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "render.json"))
    args = parser.parse_args()

    from shotcraft.plan import load_plan
    from shotcraft.render.engine import render_plan
    from shotcraft.render.executor import default_jobs
    from shotcraft.render.store import open_project

    jobs = args.jobs or default_jobs()
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-render-") as scratch:
        film = Path(scratch) / "film.yaml"
        shutil.copy(args.plan, film)
        plan = load_plan(film)
        cut_seconds = sum(float(s.duration) for s in plan.film.shots)

        def timed(current):
            started = time.perf_counter()
            report = render_plan(current, jobs=jobs, progress=False)
            elapsed = time.perf_counter() - started
            ran = open_project(current).ledger.jobs_run_in(report.run_id)
            return elapsed, report, ran

        cold_s, cold, cold_ran = timed(plan)
        text = film.read_text(encoding="utf-8")
        marker = f"  - id: {args.shot}\n"
        head, _, tail = text.partition(marker)
        if not tail:
            raise SystemExit(f"shot {args.shot} not found in {args.plan}")
        tail = tail.replace("subject: ", "subject: (edited) ", 1)
        film.write_text(head + marker + tail, encoding="utf-8")
        edited = load_plan(film)
        incremental_s, incremental, incremental_ran = timed(edited)
        warm_s, warm, warm_ran = timed(edited)
        encode_per_second = _encode_baseline(Path(scratch), edited)

    result = {
        "benchmark": "render",
        "plan": os.path.relpath(args.plan, ROOT),
        "backend": "animatic",
        "jobs": jobs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(terse=True)},
        "film_seconds": round(cut_seconds, 3),
        "take_seconds": round(cold.film_seconds, 3),
        "cold": {"seconds": round(cold_s, 3), "jobs_run": len(cold_ran), "failed": len(cold.failed)},
        "seconds_per_film_second": round(cold_s / cut_seconds, 4),
        "seconds_per_take_second": round(cold_s / cold.film_seconds, 4),
        "incremental": {
            "edited_shot": args.shot,
            "seconds": round(incremental_s, 3),
            "jobs_run": len(incremental_ran),
            "shots_run": sorted({job["shot_id"] for job in incremental_ran}),
        },
        "incremental_over_cold": round(incremental_s / cold_s, 4),
        "baseline_encode_seconds_per_take_second": round(encode_per_second, 4),
        # < 1 is possible: the render runs `jobs` encoders in parallel, the baseline one
        "render_over_encode_alone": round((cold_s / cold.film_seconds) / encode_per_second, 3),
        "warm": {"seconds": round(warm_s, 3), "jobs_run": len(warm_ran)},
        "note": "wall-clock on a shared machine; the ratios compare runs of this same process",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _encode_baseline(folder: Path, plan) -> float:
    """Seconds to encode one second of take with the take encoder alone, on the frames of a rendered take."""
    from shotcraft.media.video import read_frames
    from shotcraft.render.encode import TakeEncoder
    from shotcraft.render.store import open_project

    take = open_project(plan).takes()[0]
    frames = list(read_frames(take.clip_path, count=48))  # two seconds at 24 fps, decoded before the clock starts
    height, width = frames[0].shape[:2]
    started = time.perf_counter()
    with TakeEncoder(folder / "baseline.mp4", width, height, take.rate) as encoder:
        for frame in frames:
            encoder.write(frame)
    return (time.perf_counter() - started) / (len(frames) / float(take.rate))


if __name__ == "__main__":
    sys.exit(main())
