"""What 10 and 100 GPU workers would do with a 3-minute film: a time-stepped simulation of the Ray executor.

No cluster is needed: the simulation follows the executor's own policy (one model per GPU actor, loaded
models preferred, a clip starts once its keyframe is committed, the driver commits results one at a time)
with the assumptions below, each a command-line option, all written into the JSON:

- the film: 180 s in 4 s shots -> 45 shots, 2 takes each: 90 keyframes and 90 clips;
- generation on one H200: a Wan 2.1 14B image-to-video clip (5 s, 480p) in 360 s (the published local
  figure this project's issue quotes), an SDXL 1024x1024 keyframe in 8 s (assumed);
- model loading: weights read from shared storage, fairly shared: aggregate 10 GB/s, at most 2.5 GB/s per
  node; 40 GB for the video model (14B transformer in bf16 + T5 encoder + VAE), 7 GB for SDXL; plus 20 s to
  place the model on the GPU;
- the driver: results arrive over the network and are committed serially at the measured cost per job
  (bench/results/ray_executor.json when present, else 0.05 s) plus the object's transfer at 1 GB/s
  (clip 5 MB, keyframe 2 MB).

It reports the makespan, GPU utilisation, the share of GPU time spent loading models, how busy storage
and the driver were, and the first bottleneck. JSON goes to bench/results/ray_simulation.json.

    python bench/ray_simulation.py [--gpus 1 2 10 100 1000] [--clip-s 360] ...
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Job:
    kind: str  # "keyframe" | "clip"
    index: int
    ready_at: float | None = None  # keyframes: 0; clips: when their keyframe was committed


@dataclass
class Gpu:
    model: str | None = None
    loading: float = 0.0  # GB left to read
    init_left: float = 0.0
    job: Job | None = None
    busy_left: float = 0.0
    load_seconds: float = 0.0
    work_seconds: float = 0.0


@dataclass
class Driver:
    queue: list[tuple[float, Job]] = field(default_factory=list)  # (service seconds, job)
    left: float = 0.0
    current: Job | None = None
    busy_seconds: float = 0.0


def simulate(gpus: int, a: argparse.Namespace) -> dict:
    shots = math.ceil(a.film_s / a.shot_s)
    jobs = shots * a.takes
    keyframes = [Job("keyframe", i, 0.0) for i in range(jobs)]
    clips = [Job("clip", i) for i in range(jobs)]
    model_gb = {"keyframe": a.keyframe_model_gb, "clip": a.clip_model_gb}
    work_s = {"keyframe": a.keyframe_s, "clip": a.clip_s}
    transfer_s = {"keyframe": a.keyframe_mb / 1000 / a.driver_gbps, "clip": a.clip_mb / 1000 / a.driver_gbps}
    pool = [Gpu() for _ in range(gpus)]
    driver = Driver()
    committed = 0
    t, dt = 0.0, a.step_s
    storage_busy = 0.0
    while committed < 2 * jobs:
        waiting = [j for j in keyframes if j.ready_at is not None] + [c for c in clips if c.ready_at is not None and c.ready_at <= t]
        # 1. Idle GPUs take work: a job for the model they hold first, else swap (the executor's policy).
        for gpu in pool:
            if gpu.job is not None or gpu.loading > 0 or gpu.init_left > 0:
                continue
            mine = [j for j in waiting if j.kind == gpu.model]
            other = [j for j in waiting if j.kind != gpu.model]
            pick = mine[0] if mine else (other[0] if other and not any(w.kind == gpu.model for w in waiting) else None)
            if pick is None:
                continue
            waiting.remove(pick)
            (keyframes if pick.kind == "keyframe" else clips).remove(pick)
            gpu.job = pick
            if gpu.model != pick.kind:
                gpu.model, gpu.loading, gpu.init_left = pick.kind, model_gb[pick.kind], a.init_s
            gpu.busy_left = work_s[pick.kind]
        # 2. Loads share the storage's aggregate bandwidth, each capped per node.
        loaders = [g for g in pool if g.loading > 0]
        if loaders:
            share = min(a.node_gbps, a.storage_gbps / len(loaders))
            storage_busy += dt * min(1.0, len(loaders) * a.node_gbps / a.storage_gbps)
            for gpu in loaders:
                gpu.loading = max(0.0, gpu.loading - share * dt)
                gpu.load_seconds += dt
        # 3. Loaded GPUs initialise, then work; a finished job goes to the driver's queue.
        for gpu in pool:
            if gpu.job is None or gpu.loading > 0:
                continue
            if gpu.init_left > 0:
                gpu.init_left -= dt
                gpu.load_seconds += dt
                continue
            gpu.busy_left -= dt
            gpu.work_seconds += dt
            if gpu.busy_left <= 0:
                driver.queue.append((a.commit_s + transfer_s[gpu.job.kind], gpu.job))
                gpu.job = None
        # 4. The driver commits one result at a time (several per step when they are quick);
        #    a committed keyframe releases its clip.
        budget = dt
        while budget > 0 and (driver.current is not None or driver.queue):
            if driver.current is None:
                driver.left, driver.current = driver.queue.pop(0)
            spent = min(budget, driver.left)
            driver.left -= spent
            driver.busy_seconds += spent
            budget -= spent
            if driver.left <= 0:
                if driver.current.kind == "keyframe":
                    clips[[c.index for c in clips].index(driver.current.index)].ready_at = t
                committed += 1
                driver.current = None
        t += dt
    gpu_seconds = gpus * t
    work = sum(g.work_seconds for g in pool)
    load = sum(g.load_seconds for g in pool)
    result = {
        "gpus": gpus,
        "jobs": 2 * jobs,
        "makespan_h": round(t / 3600, 3),
        "gpu_utilisation": round(work / gpu_seconds, 3),
        "gpu_time_loading": round(load / gpu_seconds, 3),
        "storage_busy": round(storage_busy / t, 3),
        "driver_busy": round(driver.busy_seconds / t, 4),
        "clips_per_hour": round(jobs / (t / 3600), 1),
    }
    result["first_bottleneck"] = bottleneck(result, gpus, jobs)
    return result


def bottleneck(r: dict, gpus: int, clips: int) -> str:
    if r["driver_busy"] > 0.5:
        return "the driver's commit rate"
    if gpus >= clips:
        return (f"the film's parallelism ({clips} clips for {gpus} GPUs: one keyframe + one model load + one clip), "
                f"then model loading from shared storage ({r['gpu_time_loading']:.0%} of GPU time)")
    if r["gpu_time_loading"] > 0.15:
        return "model loading (shared storage bandwidth)"
    return "GPU compute (clip generation)"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gpus", type=int, nargs="+", default=[1, 2, 10, 100])
    p.add_argument("--film-s", type=float, default=180)
    p.add_argument("--shot-s", type=float, default=4)
    p.add_argument("--takes", type=int, default=2)
    p.add_argument("--clip-s", type=float, default=360, help="GPU seconds per clip")
    p.add_argument("--keyframe-s", type=float, default=8, help="GPU seconds per keyframe")
    p.add_argument("--clip-model-gb", type=float, default=40)
    p.add_argument("--keyframe-model-gb", type=float, default=7)
    p.add_argument("--storage-gbps", type=float, default=10, help="shared storage, aggregate GB/s")
    p.add_argument("--node-gbps", type=float, default=2.5, help="one node's read GB/s")
    p.add_argument("--init-s", type=float, default=20, help="seconds to place a loaded model on the GPU")
    p.add_argument("--commit-s", type=float, default=None, help="driver seconds per result (default: measured)")
    p.add_argument("--driver-gbps", type=float, default=1.0)
    p.add_argument("--clip-mb", type=float, default=5)
    p.add_argument("--keyframe-mb", type=float, default=2)
    p.add_argument("--step-s", type=float, default=0.5)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "ray_simulation.json"))
    a = p.parse_args()
    measured = ROOT / "bench" / "results" / "ray_executor.json"
    source = "assumed"
    if a.commit_s is None:
        a.commit_s = 0.05
        if measured.exists():
            runs = json.loads(measured.read_text())["runs"]
            a.commit_s, source = runs["ray_2_workers"]["driver_s_per_job"], "measured in bench/ray_executor.py"
    rows = [simulate(n, a) for n in a.gpus]
    for row in rows:
        print(f"{row['gpus']:>5} GPUs: {row['makespan_h']:7.2f} h, GPU use {row['gpu_utilisation']:.0%}, loading {row['gpu_time_loading']:.0%}, "
              f"driver {row['driver_busy']:.1%} -> {row['first_bottleneck']}")
    payload = {"assumptions": {**{k: v for k, v in vars(a).items() if k not in ("gpus", "out")}, "commit_s_source": source}, "results": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
