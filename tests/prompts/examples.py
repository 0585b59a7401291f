"""The three bundled example plans, loaded once, for tests that must hold on all of them."""

from __future__ import annotations

import functools
from pathlib import Path

from shotcraft.plan import LoadedPlan, load_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {name: ROOT / "examples" / name / "film.yaml" for name in ("neo-noir", "cliff", "serum")}


@functools.cache
def example(name: str) -> LoadedPlan:
    return load_plan(EXAMPLES[name])
