"""Ray executor benchmark: the example rendered locally and on Ray with 1 and 2 workers, in one run.

Each render starts from an empty store on a private copy of the plan (the example's own store is never
touched), with the embedded animatic backend:

- local -j 1 (the baseline) and local -j 2 (worker processes);
- Ray with 1 and 2 workers, on one local Ray started here (``num_cpus=2``, no dashboard);

and reports wall seconds, the ratio to the baseline, the driver's own seconds per job (shipping inputs,
committing results; measured inside the executor) and whether every take is byte-identical to the
baseline's. JSON goes to bench/results/ray_executor.json.

    .venv/bin/python bench/ray_executor.py [--plan examples/neo-noir/film.yaml] [--resolution 640x360]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=str(ROOT / "examples" / "neo-noir" / "film.yaml"))
    parser.add_argument("--resolution", default="640x360", help="the film's resolution for this run (smaller is faster)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ray_executor.json"))
    args = parser.parse_args()

    import ray

    from shotcraft.plan import load_plan
    from shotcraft.render.engine import render_plan
    from shotcraft.render.executor import LocalExecutor
    from shotcraft.render.executor_ray import RayExecutor
    from shotcraft.render.store import open_project

    text = Path(args.plan).read_text(encoding="utf-8")
    text = re.sub(r"resolution: \d+x\d+", f"resolution: {args.resolution}", text, count=1)
    ray_started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    ray_start_s = time.perf_counter() - ray_started
    results: dict[str, dict] = {}
    stores: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-ray-") as scratch:
        runs = [
            ("local_j1", lambda: LocalExecutor(1)),
            ("local_j2", lambda: LocalExecutor(2)),
            ("ray_1_worker", lambda: RayExecutor(workers=1)),
            ("ray_2_workers", lambda: RayExecutor(workers=2)),
        ]
        for name, make_executor in runs:
            folder = Path(scratch) / name
            folder.mkdir()
            (folder / "film.yaml").write_text(text, encoding="utf-8")
            for asset in Path(args.plan).parent.iterdir():  # stills, music: what the plan names
                if asset.is_file() and asset.name != "film.yaml":
                    (folder / asset.name).write_bytes(asset.read_bytes())
            plan = load_plan(folder / "film.yaml")
            executor = make_executor()
            started = time.perf_counter()
            report = render_plan(plan, progress=False, executor=executor)
            wall = time.perf_counter() - started
            assert report.ok, report.failed
            jobs = len(report.rendered)
            stores[name] = [(t.shot_id, t.label, t.keyframe_path.read_bytes(), t.clip_path.read_bytes()) for t in open_project(plan).takes()]
            results[name] = {"wall_s": round(wall, 2), "jobs": jobs}
            if isinstance(executor, RayExecutor):
                results[name]["driver_s_per_job"] = round(executor.driver_seconds / max(1, jobs), 4)
            print(f"{name:<14} {wall:7.1f} s  {jobs} jobs", flush=True)
    ray.shutdown()
    baseline = results["local_j1"]["wall_s"]
    for name, row in results.items():
        row["ratio_to_local_j1"] = round(row["wall_s"] / baseline, 3)
        row["identical_to_local_j1"] = stores[name] == stores["local_j1"]
        if "driver_s_per_job" in row:
            row["overhead_s_per_job_vs_local_j1"] = round((row["wall_s"] - baseline) / row["jobs"], 3) if name == "ray_1_worker" else None
    payload = {
        "plan": os.path.relpath(args.plan, ROOT),
        "resolution": args.resolution,
        "ray_start_s": round(ray_start_s, 2),
        "runs": results,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2))
    return 0 if all(row["identical_to_local_j1"] for row in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
