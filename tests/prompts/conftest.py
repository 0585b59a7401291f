"""Shared fixtures for the prompt compiler tests: the neo-noir example, loaded once per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotcraft.plan import load_plan
from shotcraft.plan.schema import Film

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neo-noir" / "film.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def film() -> Film:
    """A fresh copy of the example plan that a test may mutate."""
    return load_plan(EXAMPLE).film.model_copy(deep=True)
