"""QA of a film's takes in worker processes (`make -j 2`, `shotcraft qa -j 2`) against one after another in the make's
process (what `-j 1` does, and what every make did before), in one run.

A film of ``--shots`` shots (the incremental benchmark's plan: five kinds of shot, Ana in each, two takes a shot) is
rendered with the embedded animatic backend, then its takes are analysed from an empty QA cache, alternately with
``jobs=1`` and ``jobs=2``, ``--repeat`` times each. Reported: wall seconds (medians), the peak PSS of the process tree
(this process and its workers, /proc/PID/smaps_rollup every 100 ms), and whether every report (verdicts, scores,
flags, metrics) is the same in both ways. Writes bench/results/qa_workers.json.

    .venv/bin/python bench/qa_workers.py [--shots 12] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from incremental import plan_text  # noqa: E402


def _tree_pss() -> int:
    import psutil

    me, total = psutil.Process(), 0
    for process in [me, *me.children(recursive=True)]:
        try:
            with open(f"/proc/{process.pid}/smaps_rollup") as handle:
                total += sum(int(line.split()[1]) * 1024 for line in handle if line.startswith("Pss:"))
        except OSError:
            continue
    return total


def _measured(run) -> tuple[float, int, object]:
    peak, stop = [0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_pss())
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        result = run()
    finally:
        stop.set()
        sampler.join()
    return time.perf_counter() - started, peak[0], result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--resolution", default="320x180")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "qa_workers.json"))
    args = parser.parse_args()

    import shotcraft.qa.run as qa_run
    from shotcraft.plan import load_plan
    from shotcraft.render.engine import render_plan
    from shotcraft.render.store import open_project

    with tempfile.TemporaryDirectory() as scratch:
        plan_file = Path(scratch) / "film" / "film.yaml"
        plan_file.parent.mkdir()
        plan_file.write_text(plan_text(args.shots, args.resolution), encoding="utf-8")
        plan = load_plan(plan_file)
        render_plan(plan, jobs=2, progress=False)
        project = open_project(plan)
        qa_run._cached = lambda *a: None  # every take analysed each time (the cache is what a warm make reads)
        runs: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
        reports: dict[int, str] = {}
        for _ in range(args.repeat):
            for jobs in (1, 2):
                wall, peak, result = _measured(lambda: qa_run.run_qa(plan, project, record=False, jobs=jobs))
                runs[jobs].append((wall, peak))
                reports[jobs] = json.dumps(result.to_dict(), sort_keys=True, default=str)
                takes = sum(len(shot.takes) for shot in result.shots)
                print(f"jobs {jobs}: {wall:.1f} s, peak PSS {peak / 2**20:.0f} MB ({takes} takes)", flush=True)
    summary = {
        "shots": args.shots, "resolution": args.resolution, "takes": takes, "repeat": args.repeat,
        "serial_s": statistics.median(w for w, _ in runs[1]), "workers_s": statistics.median(w for w, _ in runs[2]),
        "serial_peak_pss_mb": round(max(p for _, p in runs[1]) / 2**20), "workers_peak_pss_mb": round(max(p for _, p in runs[2]) / 2**20),
        "same_reports": reports[1] == reports[2],
    }  # fmt: skip
    summary["ratio"] = round(summary["workers_s"] / summary["serial_s"], 3)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
