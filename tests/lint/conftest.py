"""The SC6xx fixtures name declaration-only backends (tests/lint/capability_backends.py): registered for these tests."""

from shotcraft.backends.registry import register_backend
from tests.lint.capability_backends import SPECS

for _name, _spec in SPECS.items():
    register_backend(_name, _spec)
