"""The SC6xx fixtures name declaration-only backends (tests/lint/capability_backends.py): registered for these tests
only, and removed after them, so tests elsewhere see the registry as the package declares it."""

from collections.abc import Iterator

import pytest

from shotcraft.backends.registry import register_backend, unregister_backend
from tests.lint.capability_backends import SPECS


@pytest.fixture(autouse=True, scope="package")
def capability_backends() -> Iterator[None]:
    for name, spec in SPECS.items():
        register_backend(name, spec)
    yield
    for name in SPECS:
        unregister_backend(name)
