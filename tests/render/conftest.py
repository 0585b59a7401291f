"""Fixtures for engine tests: small real plans on disk, test backends registered through the registry hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotcraft.backends import registry
from shotcraft.plan import LoadedPlan
from tests.render.helpers import TEST_BACKENDS, plan_text, write_plan


@pytest.fixture
def test_backends():
    for name, spec in TEST_BACKENDS.items():
        registry.register_backend(name, spec)
    yield TEST_BACKENDS
    for name in TEST_BACKENDS:
        registry.unregister_backend(name)


@pytest.fixture
def solid_plan(tmp_path: Path, test_backends) -> LoadedPlan:
    return write_plan(tmp_path / "film", plan_text())


@pytest.fixture
def animatic_plan(tmp_path: Path) -> LoadedPlan:
    return write_plan(tmp_path / "film", plan_text("animatic", resolution="320x180"))
