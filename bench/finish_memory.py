"""Finishing memory and time with one and two segment workers (`make -j 2` finishes two segments at once).

A synthetic cut (8 shots of 2 s at 640x360, real encodes) is delivered three times from
an empty segment cache: master + web master + vertical, with jobs=1, with jobs=2 (two lanes
of outputs, see shotcraft.deliver.deliver._encode_in_lanes) and with the earlier jobs=2 (two
segments at once, each with every encoder) for comparison in the same run.
Every 50 ms the memory of this process and of every child (the ffmpeg encoders) is
read from /proc/PID/smaps_rollup: RSS (which counts a page shared by several
processes once per process: the ffmpeg binary, libraries) and PSS (a shared page
divided among the processes that map it, so the sum over the tree is the memory the
tree really holds). The peak of each sum is reported, with the breakdown by role
(this Python process, the ProRes encoder, the web master's and the vertical's x264
encoders) at the PSS peak, the wall and CPU time, and each output's sha256 (the three runs'
files must be identical, and identical across code changes that claim not to
change bytes). Writes bench/results/finish_memory.json.

    .venv/bin/python bench/finish_memory.py [--shots 8] [--frames 48]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import shotcraft.deliver.deliver as deliver_module  # noqa: E402
from shotcraft.deliver.deliver import deliver  # noqa: E402
from shotcraft.edit.timeline import CutEvent, Timeline  # noqa: E402
from tests.grade.media import make_plan, plan_text, write_take  # noqa: E402

W, H = 640, 360
FILES = ("testfilm_master.mov", "testfilm_distribution.mp4", "testfilm_mobile_9x16.mp4")


def rollup(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process, from /proc/PID/smaps_rollup (0, 0 when it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def role(process: psutil.Process, me: int) -> str | None:
    """What a process of the tree does: this Python process, or which encoder (by codec and frame size);
    None for a child not yet running ffmpeg (forked, before exec: it still shows Python's command line)."""
    if process.pid == me:
        return "python"
    try:
        args = process.cmdline()
    except psutil.Error:
        return None
    if not args or "ffmpeg" not in Path(args[0]).name:
        return None
    if "-c:v" not in args:
        return "ffmpeg-other"  # assembling by stream copy
    codec = args[args.index("-c:v") + 1]
    size = args[args.index("-s") + 1] if "-s" in args else "?"
    return f"{codec} {size}"


class Sampler:
    """Peak summed RSS and PSS of this process tree, sampled in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.at_peak: dict[str, dict[str, float]] = {}
        self.peak_by_role: dict[str, int] = defaultdict(int)  # the largest PSS one process of a role reached
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        me = psutil.Process()
        roles: dict[int, str] = {}
        while not self.stop.is_set():
            rss_sum = pss_sum = 0
            by_role: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for process in [me, *me.children(recursive=True)]:
                if roles.get(process.pid) is None:
                    roles[process.pid] = role(process, me.pid)
                name = roles[process.pid] or "starting"
                rss, pss = rollup(process.pid)
                rss_sum, pss_sum = rss_sum + rss, pss_sum + pss
                entry = by_role[name]
                entry[0], entry[1], entry[2] = entry[0] + 1, entry[1] + rss, entry[2] + pss
                self.peak_by_role[name] = max(self.peak_by_role[name], pss)
            self.peak_rss = max(self.peak_rss, rss_sum)
            if pss_sum > self.peak_pss:
                self.peak_pss = pss_sum
                self.at_peak = {name: {"processes": n, "rss_mb": mb(r), "pss_mb": mb(p)} for name, (n, r, p) in sorted(by_role.items())}
            time.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def mb(value: int) -> float:
    return round(value / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--frames", type=int, default=48, help="frames per shot")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "finish_memory.json"))
    args = parser.parse_args()
    results: dict = {"shots": args.shots, "frames_per_shot": args.frames, "size": [W, H], "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="shotcraft-bench-finish-memory-") as scratch:
        folder = Path(scratch)
        ids = [f"s{i + 1:02d}" for i in range(args.shots)]
        takes = [write_take(folder / f"{sid}.mp4", args.frames, W, H, cast=(1.0 + 0.03 * i, 1.0, 1.0)) for i, sid in enumerate(ids)]
        events = tuple(CutEvent(sid, "A", take, 0, args.frames, i * args.frames, args.frames, location="street")
                       for i, (sid, take) in enumerate(zip(ids, takes)))  # fmt: skip
        cut = Timeline("Bench", Fraction(24), W, H, events)
        plan = make_plan(folder, plan_text(ids))
        for name, jobs in (("jobs_1", 1), ("jobs_2", 2), ("jobs_2_by_segment", 2)):
            # jobs_2_by_segment: the earlier -j 2 (two workers on two segments, each with every encoder),
            # reproduced in the same run by giving the lanes a single lane of all the outputs
            lanes = deliver_module._lanes
            if name == "jobs_2_by_segment":
                deliver_module._lanes = lambda outputs, jobs: [list(outputs)]
            try:
                with Sampler() as sampler:
                    started, cpu = time.perf_counter(), _cpu_seconds()
                    deliver(plan, cut, None, folder / name, None, audio=None, kinds=("master", "distribution", "mobile"), jobs=jobs)
                    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
            finally:
                deliver_module._lanes = lanes
            results[name] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": mb(sampler.peak_rss),
                                       "peak_pss_mb": mb(sampler.peak_pss), "at_pss_peak": sampler.at_peak,
                                       "peak_pss_mb_one_process_by_role": {k: mb(v) for k, v in sorted(sampler.peak_by_role.items())},
                                       "sha256": {file: _sha256(folder / name / file) for file in FILES}}  # fmt: skip
            print(name, json.dumps(results[name]), flush=True)
        by_file = {file: len({results[name]["sha256"][file] for name in ("jobs_1", "jobs_2", "jobs_2_by_segment")}) == 1 for file in FILES}
        results["identical_by_file"] = by_file
        results["load_average_after"] = os.getloadavg()
    j1 = results["jobs_1"]
    results["over_jobs_1"] = {}
    for name in ("jobs_2", "jobs_2_by_segment"):
        j2 = results[name]
        results["over_jobs_1"][name] = {"rss": round(j2["peak_rss_mb"] / j1["peak_rss_mb"], 3), "pss": round(j2["peak_pss_mb"] / j1["peak_pss_mb"], 3),
                                          "wall": round(j2["wall_s"] / j1["wall_s"], 3), "cpu": round(j2["cpu_s"] / j1["cpu_s"], 3)}  # fmt: skip
    results["identical_outputs"] = all(by_file.values())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if not k.startswith("jobs_")}, indent=2))


def _cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
