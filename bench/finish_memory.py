"""Finishing memory and time with one and two segment workers (`make -j 2` finishes two segments at once).

A synthetic cut (8 shots of 2 s at 640x360, real encodes) is delivered twice from an
empty segment cache: master + web master + vertical, with jobs=1 and with jobs=2.
The resident memory of this process and every child (ffmpeg encoders) is sampled
every 50 ms with psutil; the peak sum is reported with the wall time.
Writes bench/results/finish_memory.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from shotcraft.deliver.deliver import deliver  # noqa: E402
from shotcraft.edit.timeline import CutEvent, Timeline  # noqa: E402
from tests.grade.media import make_plan, plan_text, write_take  # noqa: E402

SHOTS, FRAMES, W, H = 8, 48, 640, 360


def peak_rss(stop: threading.Event, peak: list[int]) -> None:
    me = psutil.Process()
    while not stop.is_set():
        total = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        time.sleep(0.05)


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-finish-memory-") as scratch:
        folder = Path(scratch)
        ids = [f"s{i + 1:02d}" for i in range(SHOTS)]
        takes = [write_take(folder / f"{sid}.mp4", FRAMES, W, H, cast=(1.0 + 0.03 * i, 1.0, 1.0)) for i, sid in enumerate(ids)]
        events = tuple(CutEvent(sid, "A", take, 0, FRAMES, i * FRAMES, FRAMES, location="street") for i, (sid, take) in enumerate(zip(ids, takes)))
        cut = Timeline("Bench", Fraction(24), W, H, events)
        plan = make_plan(folder, plan_text(ids))
        for jobs in (1, 2):
            stop, peak = threading.Event(), [0]
            sampler = threading.Thread(target=peak_rss, args=(stop, peak), daemon=True)
            sampler.start()
            started = time.perf_counter()
            deliver(plan, cut, None, folder / f"out{jobs}", None, audio=None, kinds=("master", "distribution", "mobile"), jobs=jobs)
            wall = time.perf_counter() - started
            stop.set()
            sampler.join()
            results[f"jobs_{jobs}"] = {"wall_s": round(wall, 2), "peak_rss_mb": round(peak[0] / 2**20, 1)}
            print(jobs, results[f"jobs_{jobs}"], flush=True)
        by_file = {name: (folder / "out1" / name).read_bytes() == (folder / "out2" / name).read_bytes()
                   for name in ("testfilm_master.mov", "testfilm_distribution.mp4", "testfilm_mobile_9x16.mp4")}  # fmt: skip
        same = all(by_file.values())
        results["identical_by_file"] = by_file
        results["load_average"] = os.getloadavg()
    results["memory_ratio_j2_over_j1"] = round(results["jobs_2"]["peak_rss_mb"] / results["jobs_1"]["peak_rss_mb"], 3)
    results["wall_ratio_j2_over_j1"] = round(results["jobs_2"]["wall_s"] / results["jobs_1"]["wall_s"], 3)
    results["identical_outputs"] = same
    out = ROOT / "bench" / "results" / "finish_memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
