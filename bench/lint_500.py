"""Benchmark: lint a 500-shot plan, against plain validation of the same plan, in the same run.

The plan is the neo-noir example with its 12 shots repeated (new ids, varied
durations) up to 500 shots, with a few planted mistakes (long whip pans, a
pockets search with no trigger) so that reporting is timed as well. We time, on the same text:

* validation: ``load_plan_text`` (YAML parse + pydantic + references), the
  baseline every `shotcraft check` pays anyway;
* lint: ``lint_plan`` on the loaded plan (all rules).

Each is the median of several runs, in wall and CPU seconds (the machine may
be shared, so CPU time is the fairer number); the result is the ratio
lint / validation and lint's absolute time (the issue asks for "well under a
second").
Writes bench/results/lint.json.

    .venv/bin/python bench/lint_500.py
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "neo-noir" / "film.yaml"
RESULT = ROOT / "bench" / "results" / "lint.json"
SHOTS = 500
REPEATS = 5


def build_plan_text(shots: int = SHOTS) -> str:
    """The example, its shot list repeated to ``shots`` shots (ids, durations and roles kept valid)."""
    yaml = YAML(typ="rt", pure=True)
    data = yaml.load(EXAMPLE.read_text(encoding="utf-8"))
    template = list(data["shots"])
    roles = ["setup", "tension", "decision", "consequence"]
    out = []
    for number in range(shots):
        shot = json.loads(json.dumps(template[number % len(template)], default=str))
        shot["id"] = f"s{number + 1:03d}"
        shot["role"] = roles[min(3, number * 4 // shots)]
        shot["duration"] = [2.5, 3, 3.5, 4, 4.5, 5][number % 6] if shot["type"] not in ("object-detail", "insert") else 2.5
        # plant a few mistakes so the rules' reporting paths are timed too, not only the clean path
        if number % 10 == 5:
            shot["duration"], shot["camera"] = 7, "whip-pan"
        if number % 25 == 7:
            shot["brief"].pop("mission", None)
            shot["action"] = "Jack searches his pockets for the keys by the door."
            shot.pop("triggers", None)
        out.append(shot)
    data["shots"] = out
    data["sound"]["cues"] = []  # cues name the example's shot ids
    data["delivery"]["poster_shot"] = out[0]["id"]
    data["grade"]["reference"] = out[0]["id"]
    from io import StringIO

    buffer = StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _median_seconds(function, repeats: int = REPEATS) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds): CPU time is what to compare on a shared machine."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> dict:
    from shotcraft.lint import lint_plan
    from shotcraft.plan import load_plan_text

    text = build_plan_text()
    plan = load_plan_text(text, file="bench-500.yaml")
    findings = lint_plan(plan)  # warm-up: vocabulary files, compiled patterns
    validation_s, validation_cpu = _median_seconds(lambda: load_plan_text(text, file="bench-500.yaml"))
    lint_s, lint_cpu = _median_seconds(lambda: lint_plan(plan))
    result = {
        "benchmark": "lint_500",
        "shots": len(plan.film.shots),
        "plan_bytes": len(text.encode("utf-8")),
        "repeats": REPEATS,
        "validation_median_s": round(validation_s, 4),
        "lint_median_s": round(lint_s, 4),
        "validation_median_cpu_s": round(validation_cpu, 4),
        "lint_median_cpu_s": round(lint_cpu, 4),
        "lint_over_validation": round(lint_s / validation_s, 3),
        "lint_over_validation_cpu": round(lint_cpu / validation_cpu, 3),
        "findings": len(findings),
        "distinct_codes": sorted({f.code for f in findings}),
        "under_one_second": lint_cpu < 1.0,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    from shotcraft.fsutil import write_json

    write_json(RESULT, result)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
    sys.exit(0)
