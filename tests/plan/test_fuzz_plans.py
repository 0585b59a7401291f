"""Property: hostile plans (merge keys, every YAML tag, non-finite and extreme numbers, markup and emoji
codes in text) never make `check` or `show` print a traceback or an internal error.

A small derandomized run here; tests/fuzz_run.py runs the same generator over thousands of plans.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shotcraft.cli import app
from tests.plan.fuzzing import hostile_plan

runner = CliRunner()
ALLOWED = {"check": {0, 1, 2}, "show": {0, 2}}


def run_plan(text: str, command: str):
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "film.yaml"
        plan.write_text(text, encoding="utf-8", errors="surrogatepass")
        return runner.invoke(app, [command, str(plan)])


def clean(result, command: str) -> bool:
    ok_exit = result.exception is None or isinstance(result.exception, SystemExit)
    return ok_exit and result.exit_code in ALLOWED[command] and "Traceback" not in result.output and "internal error" not in result.output


@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(["check", "show"]))
def test_hostile_plans_never_crash(seed: int, command: str) -> None:
    text = hostile_plan(random.Random(seed))
    result = run_plan(text, command)
    assert clean(result, command), (result.exit_code, repr(result.exception), result.output[-1500:], text[:3000])


def test_the_generator_produces_every_twist() -> None:
    texts = [hostile_plan(random.Random(seed)) for seed in range(60)]
    joined = "\n".join(texts)
    for needle in ("<<: *a", "!!", ".nan", ".inf", "[/]", ":100:"):
        assert needle in joined, needle
