"""Run every benchmark script under bench/ and collect their JSON results.

Each benchmark measures against a baseline in the same run and writes
bench/results/<name>.json; this runner only sequences them and prints a
one-line summary per script. GPU benchmarks exit cleanly where no GPU is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run_all.py" and not p.name.startswith("_"))
    failed = []
    for script in scripts:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        elapsed = time.perf_counter() - started
        status = "ok" if result.returncode == 0 else f"exit {result.returncode}"
        print(f"{script.name:<24} {status:<8} {elapsed:7.1f} s")
        if result.returncode != 0:
            failed.append(script.name)
    summary = {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json")) if p.stem != "summary"}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
