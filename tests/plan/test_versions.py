"""Older plan formats upgrade through the registered functions."""

from __future__ import annotations

import pytest

from shotcraft.errors import PlanError
from shotcraft.plan import load_plan_text

V1 = """\
schema_version: 1
production: {id: old, title: Old Film}
shots:
  - id: s1
    type: tight-portrait
    seed: 42
    steps: 30
    fps: 24
    versions: 2
"""


def test_version_1_upgrades_to_current() -> None:
    plan = load_plan_text(V1)
    shot = plan.film.shots[0]
    assert plan.upgraded_from == 1
    assert plan.film.schema_version == 2
    assert shot.keyframe.seed == 42 and shot.keyframe.steps == 30
    assert shot.takes is not None and shot.takes.count == 2


def test_future_version_is_refused_clearly() -> None:
    with pytest.raises(PlanError, match=r"film.yaml:1:17: schema_version: this plan is format 9"):
        load_plan_text(V1.replace("schema_version: 1", "schema_version: 9"))
