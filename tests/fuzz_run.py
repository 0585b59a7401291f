"""The big plan-fuzzer run (not collected by pytest): N hostile plans through `check` and `show`.

    .venv/bin/python tests/fuzz_run.py --plans 5000 [--start 0]

Each plan comes from tests/plan/fuzzing.py with ``random.Random(start + i)`` (so any
failure reproduces from its number), goes through `shotcraft check` and
`shotcraft show` in-process (Typer's runner), and counts as a failure on a traceback,
an "internal error", an exception escaping the CLI or an exit code other than
0/1/2 (check) or 0/2 (show). Failing plans are written to bench/results/fuzz_failures/.
Prints and writes bench/results/fuzz_run_<start>.json (runs over disjoint ranges can go in parallel).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.plan.fuzzing import hostile_plan  # noqa: E402
from tests.plan.test_fuzz_plans import clean, run_plan  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=5000)
    parser.add_argument("--start", type=int, default=0)
    args = parser.parse_args()
    results = Path(__file__).resolve().parents[1] / "bench" / "results"
    failures_dir = results / "fuzz_failures"
    exits: collections.Counter[str] = collections.Counter()
    failures = []
    started = time.perf_counter()
    for number in range(args.start, args.start + args.plans):
        text = hostile_plan(random.Random(number))
        for command in ("check", "show"):
            result = run_plan(text, command)
            exits[f"{command}:{result.exit_code}"] += 1
            if not clean(result, command):
                failures.append({"plan": number, "command": command, "exit": result.exit_code, "exception": repr(result.exception)[:300], "output": result.output[-600:]})
                failures_dir.mkdir(parents=True, exist_ok=True)
                (failures_dir / f"plan-{number}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        if (number - args.start + 1) % 250 == 0:
            print(f"{number - args.start + 1} plans, {len(failures)} failures, {time.perf_counter() - started:.0f} s", flush=True)
    report = {
        "plans": args.plans,
        "first_seed": args.start,
        "commands": ["check", "show"],
        "runs": sum(exits.values()),
        "failures": len(failures),
        "tracebacks_or_internal_errors": sum(1 for f in failures if "Traceback" in f["output"] or "internal error" in f["output"] or f["exception"] != "None"),
        "exit_codes": dict(sorted(exits.items())),
        "seconds": round(time.perf_counter() - started, 1),
        "first_failures": failures[:20],
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"fuzz_run_{args.start}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "first_failures"}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
